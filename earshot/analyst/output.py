"""Rendering reports as an aligned table (with sparklines), CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from earshot.analyst.reports import Report
from earshot.analyst.series import downsample
from earshot.query_client import format_table, sparkline

FORMATS = ("table", "csv", "json")
SPARK_WIDTH = 60


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def sparklines(report: Report, width: int = SPARK_WIDTH) -> list[str]:
    """One ``label  ▁▃█▅  min..max`` line per series of a time-series chart (none otherwise)."""
    chart = report.chart
    if chart is None or not chart.is_time_series:
        return []
    label_width = max(len(g) for g in chart.groups) if chart.groups else 0
    start, end = chart.x[0], chart.x[-1]
    lines = [f"{chart.title}  ({start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC)"]
    for group, values in chart.groups.items():
        if not values:
            continue
        lo, hi = min(values), max(values)
        lines.append(f"  {group.ljust(label_width)}  {sparkline(downsample(values, width))}  "
                     f"min {lo:,.4g}  max {hi:,.4g}")
    return lines


def render(report: Report, fmt: str, tty: bool = False) -> str:
    """The report in ``fmt`` (table, csv or json); tables on a terminal get sparklines on top."""
    rows = [{c: r.get(c) for c in report.columns} for r in report.rows]
    if fmt == "json":
        return json.dumps([{k: _json(v) for k, v in r.items()} for r in rows], ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(report.columns)
        for r in rows:
            writer.writerow(["|".join(map(str, v)) if isinstance(v, list) else _text(v) for v in r.values()])
        return out.getvalue().rstrip("\n")
    if fmt != "table":
        raise ValueError(f"format must be one of {FORMATS}")
    parts = []
    if tty:
        parts.extend(sparklines(report))
        if parts:
            parts.append("")
    parts.append(format_table([{k: _text(v) for k, v in r.items()} for r in rows], report.columns))
    parts.extend(report.notes)
    return "\n".join(parts)
