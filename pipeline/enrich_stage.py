"""The enrich agent: mentions.raw -> enrich/ -> mentions.enriched (and bad input -> dead letters).

Envelopes keep their partition: the enriched batch of raw partition p goes to enriched partition p,
so a mention key stays on one partition end to end (the sink's dedup relies on it). Input events
are acknowledged only after every output message was acknowledged by the broker.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from enrich.enricher import Enricher
from pipeline import metrics
from schemas import DeadLetter, EnrichedMention, RawMention, decode_mentions, encode_batch

log = logging.getLogger(__name__)

YIELD_EVERY = 1000
"""Mentions enriched between yields to the event loop (keeps heartbeats and the web server alive)."""


def _origin(message: Any, index: int | None = None) -> str:
    base = f"{message.topic}[{message.partition}]@{message.offset}"
    return base if index is None or index < 0 else f"{base}#{index}"


class EnrichStage:
    """Per-batch logic of the enrich agent, separate from Faust wiring so it can be tested."""

    def __init__(self, enricher_provider: Callable[[], Enricher], envelope_max: int) -> None:
        self.enricher_provider = enricher_provider
        self.envelope_max = envelope_max
        self.enriched = 0
        self.dead_lettered = 0

    async def process(self, events: list[Any]) -> tuple[dict[int, list[EnrichedMention]], list[DeadLetter]]:
        """Enrich a batch of events; returns enriched mentions per partition and dead letters."""
        started = time.perf_counter()
        enricher = self.enricher_provider()
        now = datetime.now(UTC)
        out: dict[int, list[EnrichedMention]] = {}
        dead: list[DeadLetter] = []
        consumed = 0
        for event in events:
            msg = event.message
            good, bad = decode_mentions(event.value, RawMention)
            consumed += len(good) + len(bad)
            for r in bad:
                dead.append(DeadLetter.make(stage="enrich", source=_origin(msg, r.index), reason=r.reason,
                                            error_type="validation", payload=r.payload, received_at=now))
            ingested = datetime.fromtimestamp(msg.timestamp, UTC) if msg.timestamp else None
            bucket = out.setdefault(msg.partition, [])
            for start in range(0, len(good), YIELD_EVERY):
                chunk = good[start:start + YIELD_EVERY]
                try:  # the batch path: each component over the whole chunk (same results, faster)
                    bucket.extend(enricher.enrich_many(chunk, now, ingested))
                except Exception:  # find the odd post one by one; it goes to the dead letters
                    for i, raw in enumerate(chunk, start=start):
                        try:
                            bucket.append(enricher.enrich(raw, now, ingested))
                        except Exception as exc:  # a bug on one odd post must not stop the stream
                            log.exception("enrich failed for %s", raw.key)
                            dead.append(DeadLetter.make(
                                stage="enrich", source=_origin(msg, i), reason=f"enrichment failed: {exc!r}",
                                error_type="enrich_error", payload=raw.model_dump_json(), received_at=now,
                            ))
                            log.debug("%s", traceback.format_exc())
                await asyncio.sleep(0)  # keep heartbeats and the web server responsive
        enriched = sum(len(v) for v in out.values())
        self.enriched += enriched
        self.dead_lettered += len(dead)
        metrics.MESSAGES_CONSUMED.labels(stage="enrich").inc(len(events))
        metrics.MENTIONS_CONSUMED.labels(stage="enrich").inc(consumed)
        metrics.MENTIONS_ENRICHED.inc(enriched)
        metrics.count_dead_letters(dead)
        metrics.BATCH_SECONDS.labels(stage="enrich").observe(time.perf_counter() - started)
        return out, dead

    def envelopes(self, mentions: list[EnrichedMention]) -> list[bytes]:
        """Split one partition's mentions into envelopes of at most ``envelope_max``."""
        n = self.envelope_max
        return [encode_batch("enriched", mentions[i:i + n]) for i in range(0, len(mentions), n)]
