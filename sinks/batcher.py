"""Size- and time-bounded batching for the sink agent (pure: the caller passes the clock)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    """Collects items until ``max_rows`` are pending or ``max_seconds`` passed since the first one.

    ``add`` returns True when the batch is ready; the caller then calls ``drain``. Times are any
    monotonic clock in seconds (``time.monotonic()`` or ``loop.time()``).
    """

    def __init__(self, max_rows: int, max_seconds: float) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        if max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._items: list[T] = []
        self._first_at: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def deadline(self) -> float | None:
        """When the pending batch is due (first item's time + ``max_seconds``); None when empty."""
        return None if self._first_at is None else self._first_at + self.max_seconds

    def add(self, items: Iterable[T], now: float) -> bool:
        """Add items; True if the batch is now full or due."""
        before = len(self._items)
        self._items.extend(items)
        if self._first_at is None and len(self._items) > before:
            self._first_at = now
        return self.ready(now)

    def ready(self, now: float) -> bool:
        """True if there are pending items and the batch is full or its deadline has passed."""
        if not self._items:
            return False
        deadline = self.deadline
        return len(self._items) >= self.max_rows or (deadline is not None and now >= deadline)

    def drain(self) -> list[T]:
        """All pending items (possibly more than ``max_rows``: the caller may chunk); resets the timer."""
        items, self._items, self._first_at = self._items, [], None
        return items
