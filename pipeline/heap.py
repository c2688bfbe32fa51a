"""Keeps the worker's long-lived objects out of Python's cyclic garbage collector.

A worker builds large, permanent structures at startup (the watchlist's matching tables, the
lexicons, the intent rules, Faust and its clients): ~100k objects for a 1,000-topic watchlist. Each
full ("generation 2") collection walks all of them; on the enrichment benchmark one such pass cost
~70 ms, about a fifth of the enrich step's time. :func:`freeze_heap` collects once and then moves
every surviving object into CPython's permanent generation (``gc.freeze()``), so later collections
only walk what was allocated since. Objects still die normally when their reference count drops;
only reference cycles among frozen objects would be kept, which is why :func:`freeze_heap` first
unfreezes and collects (call it again after swapping a large structure, as the watchlist reload does).
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)

__all__ = ["freeze_heap"]


def freeze_heap(reason: str) -> int:
    """Collect garbage, then exclude every live object from future collections; returns how many."""
    started = time.perf_counter()
    gc.unfreeze()  # give objects frozen earlier (e.g. a replaced watchlist) a chance to be collected
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d long-lived objects out of garbage collection (%s, %.0f ms)", frozen, reason,
             (time.perf_counter() - started) * 1000)
    return frozen
