"""The sink agents' logic: write enriched mentions and dead letters to ClickHouse, then let offsets move.

The commit point: :meth:`MentionSink.write_batch` returns only after ClickHouse accepted the rows;
the Faust agent acknowledges the batch's events after that, and Faust commits acknowledged offsets.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from pipeline import metrics
from pipeline.retry import write_until_done
from schemas import DeadLetter, EnrichedMention, decode_mentions
from sinks.errors import SinkRejected

log = logging.getLogger(__name__)


class MentionSink:
    """Decodes enriched envelopes and writes them in chunks of at most ``max_rows``."""

    def __init__(self, writer: Any, max_rows: int, max_backoff: float = 30.0) -> None:
        self.writer = writer
        self.max_rows = max_rows
        self.max_backoff = max_backoff
        self.inserted = 0
        self.duplicates = 0

    def decode(self, events: list[Any]) -> tuple[list[EnrichedMention], list[DeadLetter], dict[int, datetime]]:
        """Valid mentions, dead letters, and per partition the newest ``created_at`` in the batch."""
        now = datetime.now(UTC)
        mentions: list[EnrichedMention] = []
        dead: list[DeadLetter] = []
        newest: dict[int, datetime] = {}
        consumed = 0
        for event in events:
            msg = event.message
            good, bad = decode_mentions(event.value, EnrichedMention)
            consumed += len(good) + len(bad)
            mentions.extend(good)
            if good:
                latest = max(m.created_at for m in good)
                if msg.partition not in newest or latest > newest[msg.partition]:
                    newest[msg.partition] = latest
            for r in bad:
                dead.append(DeadLetter.make(
                    stage="sink", source=f"{msg.topic}[{msg.partition}]@{msg.offset}#{r.index}",
                    reason=r.reason, error_type="validation", payload=r.payload, received_at=now))
        metrics.MESSAGES_CONSUMED.labels(stage="sink").inc(len(events))
        metrics.MENTIONS_CONSUMED.labels(stage="sink").inc(consumed)
        metrics.count_dead_letters(dead)
        return mentions, dead, newest

    async def write_batch(self, mentions: list[EnrichedMention]) -> list[DeadLetter]:
        """Write all mentions (retrying while ClickHouse is down); returns rows ClickHouse rejected."""
        rejected: list[DeadLetter] = []
        if not mentions:
            return rejected
        started = time.perf_counter()
        for i in range(0, len(mentions), self.max_rows):
            await self._write(mentions[i:i + self.max_rows], rejected)
        metrics.BATCH_SECONDS.labels(stage="insert").observe(time.perf_counter() - started)
        metrics.count_dead_letters(rejected)
        return rejected

    async def _write(self, chunk: list[EnrichedMention], rejected: list[DeadLetter]) -> None:
        try:
            new = await write_until_done(lambda: self.writer.write(chunk), "insert mentions", self.max_backoff)
        except SinkRejected as exc:
            if len(chunk) == 1:  # isolate the bad row by bisection; the rest still lands
                rejected.append(DeadLetter.make(stage="sink", source=f"mention {chunk[0].mention_key}",
                                                reason=f"ClickHouse rejected the row: {exc}", error_type="rejected",
                                                payload=chunk[0].model_dump_json(), received_at=datetime.now(UTC)))
                return
            mid = len(chunk) // 2
            await self._write(chunk[:mid], rejected)
            await self._write(chunk[mid:], rejected)
            return
        self.inserted += new
        self.duplicates += len(chunk) - new
        metrics.ROWS_INSERTED.inc(new)
        metrics.DUPLICATES_SKIPPED.inc(len(chunk) - new)


def decode_dead_letter(value: bytes, origin: str) -> DeadLetter:
    """A dead letter from the dead-letter topic; anything unreadable there is wrapped, not dropped."""
    try:
        return DeadLetter.model_validate_json(value)
    except ValueError as exc:
        return DeadLetter.make(stage="deadletter", source=origin, reason=f"unreadable dead letter: {exc}",
                               error_type="parse", payload=value, received_at=datetime.now(UTC))
