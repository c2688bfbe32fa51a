"""The incumbent rule, for comparison: flag a point above the trailing 24-hour mean + k standard deviations."""

from __future__ import annotations

import math
from collections import deque


class MeanStdBaseline:
    """``count > mean + k * std`` of the previous ``window_points`` counts (the commercial-tool rule).

    Needs a full window before it flags anything. Running sums make each update O(1).
    """

    def __init__(self, window_points: int, k: float = 3.0) -> None:
        if window_points < 2:
            raise ValueError("window_points must be >= 2")
        self.window_points = window_points
        self.k = k
        self._values: deque[float] = deque()
        self._sum = 0.0
        self._sumsq = 0.0

    def update(self, count: float) -> bool:
        """Whether ``count`` is flagged against the window before it; then add it to the window."""
        n = len(self._values)
        flagged = False
        if n == self.window_points:
            mean = self._sum / n
            var = max(self._sumsq / n - mean * mean, 0.0)
            flagged = count > mean + self.k * math.sqrt(var)
        self._values.append(count)
        self._sum += count
        self._sumsq += count * count
        if len(self._values) > self.window_points:
            old = self._values.popleft()
            self._sum -= old
            self._sumsq -= old * old
        return flagged
