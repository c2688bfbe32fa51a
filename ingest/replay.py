"""Replaying a source into Kafka: as fast as possible, or at the original pace times a speed factor."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from ingest.publisher import MentionPublisher, PublishStats
from ingest.records import validate_record
from ingest.sources import MentionSource
from schemas import DeadLetter, RawMention

CHUNK = 1000
"""Mentions handed to the publisher at a time when replaying as fast as possible."""


@dataclass
class ReplayResult:
    valid: int
    invalid: int
    stats: PublishStats


def replay(source: MentionSource, publisher: MentionPublisher, speed: float | None = None,
           progress: bool | None = None, sleep: Callable[[float], None] = time.sleep,
           clock: Callable[[], float] = time.monotonic) -> ReplayResult:
    """Validate every record of ``source``, publish the valid ones and dead-letter the rest.

    ``speed=None`` publishes as fast as possible; ``speed=60`` replays one hour of posts per
    minute, keeping the gaps between ``created_at`` times (records are assumed in time order).
    Returns after every message was acknowledged; raises ``PublishError`` otherwise.
    """
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    valid = invalid = 0
    chunk: list[RawMention] = []
    first_ts: float | None = None
    wall_start = clock()
    last_flush = wall_start
    with tqdm(desc=f"replay {source.name}", unit=" rec", disable=not show, file=sys.stderr) as bar:
        for record in source.records():
            bar.update(1)
            item = validate_record(record)
            if isinstance(item, DeadLetter):
                invalid += 1
                publisher.dead_letter(item)
                continue
            valid += 1
            if speed is None:
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    publisher.publish(chunk)
                    chunk = []
                continue
            ts = item.created_at.timestamp()
            if first_ts is None:
                first_ts = ts
            delay = (ts - first_ts) / speed - (clock() - wall_start)
            if delay > 0:
                publisher.flush()  # don't hold mentions in buffers while waiting
                last_flush = clock()
                sleep(delay)
            publisher.publish([item])
            if clock() - last_flush > 0.5:
                publisher.flush()
                last_flush = clock()
        if chunk:
            publisher.publish(chunk)
        stats = publisher.flush()
    return ReplayResult(valid=valid, invalid=invalid, stats=stats)
