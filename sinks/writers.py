"""Idempotent writers for mentions, dead letters and alerts.

Replays (a restarted worker re-reading uncommitted offsets) must not double-count: materialized
views fire on every insert, so ``FINAL`` is not enough. Each writer first asks which keys of the
batch already exist and inserts only the new rows; ReplacingMergeTree then merges away anything that
slipped through (e.g. two writers racing on one key, which one writer per Kafka partition prevents).

Writers are blocking; the sink agent calls them from an executor thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from schemas import Alert, DeadLetter, EnrichedMention
from sinks.backends import LOOKUP_CHUNK, ClickHouseBackend, existing_keys_sql
from sinks.columns import mention_columns, mention_topic_columns
from sinks.rows import (
    ALERT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    alert_row,
    dead_letter_id,
    dead_letter_row,
    mention_version,
)
from sinks.sql import string_literal

__all__ = ["LOOKUP_CHUNK", "AlertWriter", "DeadLetterWriter", "MentionWriter", "chunks", "existing_keys_sql"]

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class MentionWriter:
    """Writes enriched mentions to ``mentions`` and ``mention_topics``, skipping ones already stored."""

    def __init__(self, backend: ClickHouseBackend) -> None:
        self.backend = backend

    def new_mentions(self, mentions: Sequence[EnrichedMention]) -> list[EnrichedMention]:
        """The mentions of the batch that are not stored yet (one per key: the latest ingest wins)."""
        latest: dict[str, EnrichedMention] = {}
        for m in mentions:
            seen = latest.get(m.mention_key)
            if seen is None or mention_version(m) > mention_version(seen):
                latest[m.mention_key] = m
        # Sorted by time so the lookup's created_at range is as narrow as the batch allows.
        candidates = sorted(latest.values(), key=lambda m: m.created_at)
        if not candidates:
            return []
        existing = self.backend.existing_keys("mentions", "mention_key", "created_at",
                                              [m.mention_key for m in candidates],
                                              candidates[0].created_at, candidates[-1].created_at)
        return [m for m in candidates if m.mention_key not in existing]

    def write(self, mentions: Sequence[EnrichedMention]) -> int:
        """Insert the new mentions of the batch; returns how many were new."""
        if not mentions:
            return 0
        new = self.new_mentions(mentions)
        if not new:
            return 0
        now = _now()
        topic_columns = mention_topic_columns(new)
        # mentions is the "already stored" marker, so it goes last: a failure in between leaves
        # topic rows that the retry re-inserts (merged away by ReplacingMergeTree), never lost ones.
        # The per-minute aggregate views fire on the mentions insert, once per new mention.
        if topic_columns["topic_id"]:
            self.backend.insert_columns("mention_topics", topic_columns)
        self.backend.insert_columns("mentions", mention_columns(new, now))
        return len(new)


class DeadLetterWriter:
    """Writes dead letters to ``dead_letters``; a replayed dead letter (same content) is skipped."""

    def __init__(self, backend: ClickHouseBackend) -> None:
        self.backend = backend

    def write(self, letters: Sequence[DeadLetter]) -> int:
        """Insert the dead letters not stored yet; returns how many were new."""
        by_id = {dead_letter_id(d): d for d in letters}
        if not by_id:
            return 0
        ordered = sorted(by_id.items(), key=lambda item: item[1].received_at)
        existing = self.backend.existing_keys("dead_letters", "id", "received_at", [k for k, _ in ordered],
                                              ordered[0][1].received_at, ordered[-1][1].received_at)
        now = _now()
        rows = [dead_letter_row(d, now) for k, d in ordered if k not in existing]
        self.backend.insert("dead_letters", DEAD_LETTER_COLUMNS, rows)
        return len(rows)


class AlertWriter:
    """Writes alert revisions to ``alerts``; a revision already stored is skipped."""

    def __init__(self, backend: ClickHouseBackend) -> None:
        self.backend = backend

    def write(self, alerts: Sequence[Alert]) -> int:
        """Insert the alert revisions not stored yet; returns how many were new."""
        by_key = {(a.alert_id, a.revision): a for a in alerts}
        if not by_key:
            return 0
        ids = sorted({alert_id for alert_id, _ in by_key})
        existing: set[tuple[str, int]] = set()
        for chunk in chunks(ids, LOOKUP_CHUNK):
            in_list = ",".join(string_literal(i) for i in chunk)
            rows = self.backend.query(f"SELECT DISTINCT alert_id, revision FROM alerts WHERE alert_id IN ({in_list})")
            existing.update((r["alert_id"], int(r["revision"])) for r in rows)
        now = _now()
        new = [alert_row(a, now) for key, a in by_key.items() if key not in existing]
        self.backend.insert("alerts", ALERT_COLUMNS, new)
        return len(new)
