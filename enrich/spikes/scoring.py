"""Event-based scoring of a detector's flags against labelled spike intervals (pure functions).

An *episode* is a run of flagged points; runs separated by fewer than ``merge_gap`` unflagged points
are one episode, matching how the incident tracker keeps one incident open through short lulls.

* precision: fraction of episodes that overlap a labelled interval;
* recall: fraction of labelled intervals containing at least one flagged point;
* delay: points from the start of a labelled interval to its first flagged point (median reported).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

Interval = tuple[int, int]
"""Half-open ``[start, end)`` range of point indices."""


def episodes(flags: Sequence[bool], merge_gap: int = 1) -> list[Interval]:
    """Runs of flagged points, merging runs separated by fewer than ``merge_gap`` unflagged points."""
    runs: list[Interval] = []
    start: int | None = None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    merged: list[Interval] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < merge_gap:
            merged[-1] = (merged[-1][0], run[1])
        else:
            merged.append(run)
    return merged


@dataclass
class EventScore:
    """Counts from one or more series; add them with ``+`` and read the ratios."""

    episodes: int = 0
    true_episodes: int = 0
    labels: int = 0
    detected: int = 0
    delays: list[int] = field(default_factory=list)

    def __add__(self, other: EventScore) -> EventScore:
        return EventScore(
            self.episodes + other.episodes,
            self.true_episodes + other.true_episodes,
            self.labels + other.labels,
            self.detected + other.detected,
            self.delays + other.delays,
        )

    @property
    def false_episodes(self) -> int:
        return self.episodes - self.true_episodes

    @property
    def precision(self) -> float:
        """1.0 when there were no episodes at all (nothing was wrongly flagged)."""
        return self.true_episodes / self.episodes if self.episodes else 1.0

    @property
    def recall(self) -> float:
        """1.0 when there was nothing to find."""
        return self.detected / self.labels if self.labels else 1.0

    @property
    def median_delay(self) -> float:
        """Median detection delay in points (NaN when nothing was detected)."""
        return float(statistics.median(self.delays)) if self.delays else float("nan")


def score_events(flags: Sequence[bool], labels: Sequence[Interval], merge_gap: int = 1) -> EventScore:
    """Score one series' flags against its labelled intervals."""
    found = episodes(flags, merge_gap)
    true_eps = sum(1 for s, e in found if any(s < le and ls < e for ls, le in labels))
    delays: list[int] = []
    for ls, le in labels:
        first = next((i for i in range(max(ls, 0), min(le, len(flags))) if flags[i]), None)
        if first is not None:
            delays.append(first - ls)
    return EventScore(
        episodes=len(found),
        true_episodes=true_eps,
        labels=len(labels),
        detected=len(delays),
        delays=delays,
    )
