"""Batcher: size and time bounds, with an injected clock."""

from __future__ import annotations

import pytest

from sinks.batcher import Batcher


def test_ready_when_full() -> None:
    b: Batcher[int] = Batcher(max_rows=3, max_seconds=10)
    assert b.add([1, 2], now=0.0) is False
    assert b.add([3], now=0.1) is True
    assert b.drain() == [1, 2, 3]
    assert len(b) == 0 and b.deadline is None


def test_ready_when_due_counted_from_first_item() -> None:
    b: Batcher[str] = Batcher(max_rows=100, max_seconds=1.0)
    assert b.deadline is None
    b.add(["a"], now=5.0)
    assert b.deadline == 6.0
    assert b.add(["b"], now=5.9) is False  # a later item does not push the deadline
    assert b.ready(now=5.99) is False
    assert b.ready(now=6.0) is True
    assert b.drain() == ["a", "b"]


def test_empty_adds_do_not_start_the_clock() -> None:
    b: Batcher[int] = Batcher(max_rows=2, max_seconds=1.0)
    assert b.add([], now=0.0) is False
    assert b.deadline is None
    assert b.ready(now=100.0) is False
    b.add([1], now=50.0)
    assert b.deadline == 51.0


def test_overfull_batch_is_drained_whole() -> None:
    b: Batcher[int] = Batcher(max_rows=2, max_seconds=1.0)
    assert b.add(range(5), now=0.0) is True
    assert b.drain() == [0, 1, 2, 3, 4]
    b.add([9], now=3.0)
    assert b.deadline == 4.0  # timer restarted after drain


@pytest.mark.parametrize(("rows", "seconds"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_rejects_bad_bounds(rows: int, seconds: float) -> None:
    with pytest.raises(ValueError):
        Batcher(max_rows=rows, max_seconds=seconds)
