"""Time-series helpers: zero-filled buckets and ratios that tolerate empty buckets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from earshot.analyst.errors import InvalidArgument
from earshot.analyst.timerange import Interval, TimeRange

MAX_BUCKETS = 200_000
"""Refuse absurd fills (a year per minute is 525,600 buckets per topic)."""


def buckets(time_range: TimeRange, interval: Interval) -> list[datetime]:
    """Every bucket start from the (aligned) range start up to, excluding, the range end."""
    start = interval.floor(time_range.start)
    count = -(-int((time_range.end - start).total_seconds()) // interval.seconds)
    if count > MAX_BUCKETS:
        raise InvalidArgument(f"{count:,} {interval.value} buckets is too many; use a coarser --interval "
                              "or a shorter range")
    step = timedelta(seconds=interval.seconds)
    return [start + i * step for i in range(count)]


def fill_gaps(rows: Iterable[dict[str, Any]], groups: Sequence[str], time_range: TimeRange, interval: Interval,
              zero: dict[str, Any], group_key: str = "topic", bucket_key: str = "bucket") -> list[dict[str, Any]]:
    """One row per group and bucket, in group then time order; missing buckets get ``zero`` values."""
    found = {(r[group_key], r[bucket_key]): r for r in rows}
    out = []
    for group in groups:
        for bucket in buckets(time_range, interval):
            row = found.get((group, bucket))
            out.append(dict(row) if row is not None else {group_key: group, bucket_key: bucket, **zero})
    return out


def ratio(numerator: float, denominator: float, digits: int = 4) -> float | None:
    """``numerator / denominator`` rounded, None when the denominator is 0 (no data, not 0 %)."""
    return round(numerator / denominator, digits) if denominator else None


def downsample(values: Sequence[float], width: int) -> list[float]:
    """At most ``width`` values: means of consecutive chunks (keeps the shape for a sparkline)."""
    if len(values) <= width:
        return list(values)
    out = []
    for i in range(width):
        chunk = values[i * len(values) // width:(i + 1) * len(values) // width]
        out.append(sum(chunk) / len(chunk))
    return out
