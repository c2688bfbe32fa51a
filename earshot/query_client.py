"""Running read queries against the store: directly, or through a worker's HTTP query endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class QueryError(RuntimeError):
    """A query failed (the message carries ClickHouse's error text)."""


def http_query(base_url: str, sql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Rows of ``sql`` from a ClickHouse-HTTP-compatible endpoint, as dicts."""
    url = base_url.rstrip("/") + "/?" + urllib.parse.urlencode({"default_format": "JSONEachRow"})
    req = urllib.request.Request(url, data=sql.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read().decode()
    except urllib.error.HTTPError as exc:
        raise QueryError(exc.read().decode(errors="replace").strip()) from exc
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def http_ping(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/ping", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A compact unicode chart of ``values`` (empty string for no values)."""
    if not values:
        return ""
    hi, lo = max(values), min(values)
    span = (hi - lo) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((v - lo) / span * (len(SPARK) - 1) + 0.5))] for v in values)


def format_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0].keys())
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(out)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".")
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return "" if v is None else str(v)


def _numeric(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False
