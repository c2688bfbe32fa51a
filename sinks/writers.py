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
from sinks.backends import ClickHouseBackend
from sinks.rows import (
    ALERT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    MENTION_COLUMNS,
    MENTION_TOPIC_COLUMNS,
    alert_row,
    dead_letter_id,
    dead_letter_row,
    mention_row,
    mention_topic_rows,
    mention_version,
)
from sinks.sql import hex_list, identifier, string_literal

LOOKUP_CHUNK = 2000
"""Keys per existence lookup: keeps the query text far below 18.16's 256 KiB ``max_query_size``."""

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def existing_keys_sql(table: str, key_column: str, time_column: str, keys: Iterable[str],
                      first: datetime, last: datetime) -> str:
    """The lookup of which hex ``keys`` exist in ``table`` with ``time_column`` in [first, last].

    The time range lets ClickHouse skip partitions and granules; ``first``/``last`` are truncated to
    seconds like the stored values.
    """
    lo, hi = int(first.timestamp()), int(last.timestamp())
    return (f"SELECT DISTINCT {identifier(key_column)} AS k FROM {identifier(table)} "
            f"WHERE {time_column} >= toDateTime({lo}) AND {time_column} <= toDateTime({hi}) "
            f"AND {key_column} IN ({hex_list(keys)})")


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
        # Sorted by time, each lookup chunk covers a narrow created_at range.
        candidates = sorted(latest.values(), key=lambda m: m.created_at)
        existing: set[str] = set()
        for chunk in chunks(candidates, LOOKUP_CHUNK):
            sql = existing_keys_sql("mentions", "mention_key", "created_at", (m.mention_key for m in chunk),
                                    chunk[0].created_at, chunk[-1].created_at)
            existing.update(row["k"] for row in self.backend.query(sql))
        return [m for m in candidates if m.mention_key not in existing]

    def write(self, mentions: Sequence[EnrichedMention]) -> int:
        """Insert the new mentions of the batch; returns how many were new."""
        if not mentions:
            return 0
        new = self.new_mentions(mentions)
        if not new:
            return 0
        now = _now()
        topic_rows = [row for m in new for row in mention_topic_rows(m)]
        mention_rows = [mention_row(m, now) for m in new]
        # mentions is the "already stored" marker, so it goes last: a failure in between leaves
        # topic rows that the retry re-inserts (merged away by ReplacingMergeTree), never lost ones.
        self.backend.insert("mention_topics", MENTION_TOPIC_COLUMNS, topic_rows)
        self.backend.insert("mentions", MENTION_COLUMNS, mention_rows)
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
        existing: set[str] = set()
        for chunk in chunks(ordered, LOOKUP_CHUNK):
            sql = existing_keys_sql("dead_letters", "id", "received_at", (k for k, _ in chunk),
                                    chunk[0][1].received_at, chunk[-1][1].received_at)
            existing.update(row["k"] for row in self.backend.query(sql))
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
