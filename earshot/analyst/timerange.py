"""Time ranges and bucket intervals from the command line: ``--since 7d``, ``--until 2024-05-01``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from earshot.analyst.errors import InvalidArgument

_RELATIVE = re.compile(r"^\s*(\d+)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


class Interval(Enum):
    """Bucket size of a time series; ``value`` is the CLI spelling."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def seconds(self) -> int:
        return {"minute": 60, "hour": 3600, "day": 86_400}[self.value]

    def bucket_sql(self, column: str) -> str:
        """SQL truncating ``column`` (a DateTime('UTC')) to the bucket start; works on 18.16."""
        return {"minute": f"toStartOfMinute({column})", "hour": f"toStartOfHour({column})",
                "day": f"toStartOfDay({column})"}[self.value]

    def floor(self, ts: datetime) -> datetime:
        """``ts`` truncated to its bucket (UTC; every interval divides a day evenly)."""
        epoch = int(ts.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)

    @classmethod
    def parse(cls, value: str) -> Interval:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise InvalidArgument(f"interval must be minute, hour or day, not {value!r}") from None


def parse_time(value: str, now: datetime) -> datetime:
    """An aware UTC datetime from ``24h``/``7d``/``30m``/``2w`` (before ``now``), ``now``, or ISO 8601.

    ISO values without a zone are UTC; a bare date means its midnight.
    """
    text = value.strip()
    if text.lower() == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"not a time: {value!r} (use e.g. 24h, 7d, 2024-05-01 or 2024-05-01T12:00)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_duration(value: str) -> timedelta:
    """A duration such as ``7d`` or ``36h``."""
    match = _RELATIVE.match(value)
    if not match or int(match.group(1)) == 0:
        raise InvalidArgument(f"not a duration: {value!r} (use e.g. 36h, 7d, 2w)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


@dataclass(frozen=True)
class TimeRange:
    """``[start, end)`` in UTC, whole seconds (ClickHouse DateTime precision)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidArgument("time range bounds must be timezone-aware")
        if self.end <= self.start:
            raise InvalidArgument(f"empty time range: {self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M}")

    @classmethod
    def parse(cls, since: str, until: str | None = None, now: datetime | None = None) -> TimeRange:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        end = parse_time(until, now) if until else now
        return cls(parse_time(since, end if _RELATIVE.match(since) else now), end)

    @property
    def start_s(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_s(self) -> int:
        """End as whole seconds, rounded up so ``< end`` keeps a partial last second."""
        ts = self.end.timestamp()
        return int(ts) if ts == int(ts) else int(ts) + 1

    @property
    def seconds(self) -> int:
        return self.end_s - self.start_s

    def aligned(self, interval: Interval) -> TimeRange:
        """The range with its start moved back to a bucket boundary (first bucket complete)."""
        return TimeRange(interval.floor(self.start), self.end)

    def sql(self, column: str) -> str:
        """``column >= start AND column < end`` with integer timestamps (no time zone ambiguity)."""
        return f"{column} >= toDateTime({self.start_s}) AND {column} < toDateTime({self.end_s})"
