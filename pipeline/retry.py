"""Retrying a blocking write until it succeeds: the sink never drops a batch."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import TypeVar

from sinks.errors import SinkUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

UNEXPECTED_ERROR_LIMIT = 5
"""Unexpected (non-sink) errors in a row before the worker exits without committing."""


async def write_until_done(write: Callable[[], T], what: str, max_backoff: float = 30.0) -> T:
    """Run ``write`` in a thread until it succeeds.

    ``SinkUnavailable`` (server down, timeout) is retried forever with capped exponential backoff:
    the agent stops consuming meanwhile, which is the backpressure. Any other error is retried a
    few times, then the process exits with status 70 *without* acknowledging the batch, so the
    uncommitted offsets are consumed again after a restart (a crash loses nothing).
    ``SinkRejected`` is not caught here: the caller splits the batch and dead-letters bad rows.
    """
    from sinks.errors import SinkRejected

    loop = asyncio.get_running_loop()
    delay, attempt, unexpected = 0.2, 0, 0
    while True:
        attempt += 1
        try:
            return await loop.run_in_executor(None, write)
        except SinkRejected:
            raise
        except SinkUnavailable as exc:
            log.warning("%s: ClickHouse unavailable (attempt %d, retry in %.1fs): %s", what, attempt, delay, exc)
        except Exception:
            unexpected += 1
            log.exception("%s: unexpected error (%d/%d)", what, unexpected, UNEXPECTED_ERROR_LIMIT)
            if unexpected >= UNEXPECTED_ERROR_LIMIT:
                log.critical("%s: giving up; exiting without committing so the batch is replayed", what)
                logging.shutdown()
                os._exit(70)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_backoff)
