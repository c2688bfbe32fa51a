"""Conversion of detector timestamps (aware datetimes or epoch seconds) to epoch seconds and back."""

from __future__ import annotations

import math
from datetime import UTC, datetime

Timestamp = datetime | float | int


def to_epoch(ts: Timestamp) -> float:
    """Epoch seconds of ``ts``. Naive datetimes are rejected: their meaning depends on the host."""
    if isinstance(ts, datetime):
        if ts.tzinfo is None or ts.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware datetimes or epoch seconds")
        return ts.timestamp()
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise TypeError(f"unsupported timestamp type: {type(ts).__name__}")
    value = float(ts)
    if not math.isfinite(value):
        raise ValueError("timestamp must be finite")
    return value


def to_datetime(epoch: float) -> datetime:
    """UTC datetime of ``epoch`` seconds."""
    return datetime.fromtimestamp(epoch, tz=UTC)
