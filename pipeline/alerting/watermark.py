"""When is a minute final? Event-time watermarks over partitions."""

from __future__ import annotations

LIVE_WINDOW_S = 3600.0
"""Data newer than this (against the wall clock) is a live stream; older data is a replay."""


def event_watermark(progress: list[tuple[int, float, float]], now: float, idle_s: float) -> float | None:
    """Event time up to which every partition has delivered its mentions.

    ``progress`` holds (partition, newest event time stored, wall time of that update). Partitions
    that reported within ``idle_s`` hold the watermark back to the slowest of them (partitions of a
    replay run at different speeds). When every partition is idle, all data is in: the watermark is
    the newest event time, or the wall clock for a live stream that went quiet (so windows with no
    mentions still close).
    """
    if not progress:
        return None
    active = [event for _, event, updated in progress if now - updated <= idle_s]
    if active:
        return min(active)
    newest = max(event for _, event, _ in progress)
    return now if now - newest <= LIVE_WINDOW_S else newest


def closed_until(watermark: float, lateness_s: float, window_s: float = 60.0) -> float:
    """Start of the first window that is not final yet (windows before it are)."""
    edge = watermark - lateness_s
    return (edge // window_s) * window_s
