"""pipeline.heap.freeze_heap: startup objects leave the collector, replaced cyclic garbage is still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from pipeline.heap import freeze_heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def _unfreeze_after() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_live_objects_are_frozen() -> None:
    kept = [Node() for _ in range(100)]
    frozen = freeze_heap("test")
    assert frozen == gc.get_freeze_count() >= len(kept)
    assert all(not any(n is k for k in gc.get_objects()) for n in kept[:3])  # no generation lists them


def test_refreeze_frees_a_dropped_cycle() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a reference cycle: only the cyclic collector can free it
    ref = weakref.ref(a)
    freeze_heap("first")
    del a, b
    gc.collect()
    assert ref() is not None  # frozen: ordinary collections leave it alone
    freeze_heap("after a swap")
    assert ref() is None
