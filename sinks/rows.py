"""Pure mapping from schema models to table rows (tuples in the ``*_COLUMNS`` order).

ClickHouse ``DateTime`` holds whole seconds: sub-second precision of every timestamp is dropped on
insert. Optional values become the column's empty value (``''``, ``0``, 1970-01-01 for unknown
``ingested_at``/``enriched_at``) because 18.16 ``Nullable`` columns are slow; only
``alerts.resolved_at`` is ``Nullable``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from schemas import Alert, DeadLetter, EnrichedMention

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

MENTION_COLUMNS: tuple[str, ...] = (
    "mention_key", "schema_version", "platform", "source_id", "url", "author_id", "author_handle",
    "author_name", "author_followers", "author_verified", "text", "lang", "lang_confidence", "country",
    "created_at", "likes", "replies", "reposts", "quotes", "views", "reply_to_id", "quote_of_id",
    "repost_of_id", "source_tags", "topics", "sentiment_scored", "sentiment_compound", "sentiment_pos",
    "sentiment_neu", "sentiment_neg", "sentiment_label", "sentiment_analyzer", "intents", "priority",
    "priority_factors", "ingested_at", "enriched_at", "inserted_at", "enrich_us", "extras", "version",
)

MENTION_TOPIC_COLUMNS: tuple[str, ...] = (
    "topic_id", "topic_group", "created_at", "mention_key", "matched_terms", "span_starts", "span_ends",
    "sentiment_label", "sentiment_compound", "platform", "author_handle", "author_followers", "engagement",
    "version",
)

DEAD_LETTER_COLUMNS: tuple[str, ...] = (
    "id", "schema_version", "stage", "source", "reason", "error_type", "payload", "payload_truncated",
    "received_at", "inserted_at",
)

ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id", "revision", "schema_version", "topic_id", "series", "status", "severity", "window_start",
    "window_end", "observed", "expected", "ratio", "score", "sentiment_mix_labels", "sentiment_mix_counts",
    "top_terms", "top_author_handles", "top_author_followers", "sample_urls", "query", "opened_at",
    "updated_at", "resolved_at", "inserted_at", "version", "related_topics", "dashboard_url",
)

_UINT32_MAX = 2**32 - 1


def micros(ts: datetime) -> int:
    """Microseconds since the epoch (exact, no float rounding)."""
    delta = ts - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def mention_version(m: EnrichedMention) -> int:
    """ReplacingMergeTree version: the ingest time in µs, so a later re-ingest of a post wins.

    Deterministic for a given Kafka message, so replaying it yields an identical row.
    """
    return micros(m.times.ingested_at or m.times.enriched_at or m.created_at)


def mention_lang(m: EnrichedMention) -> str:
    """The detected language, else the one the source declared, else ``und``."""
    if m.language.lang != "und":
        return m.language.lang
    return m.lang or "und"


def mention_row(m: EnrichedMention, inserted_at: datetime) -> tuple[Any, ...]:
    """One ``mentions`` row."""
    author, eng, s, times = m.author, m.engagement, m.sentiment, m.times
    return (
        m.mention_key, m.schema_version, m.platform, m.source_id, m.url or "", author.id or "",
        author.handle or "", author.name or "", author.followers or 0, 1 if author.verified else 0, m.text,
        mention_lang(m), m.language.confidence, m.country or "", m.created_at, eng.likes, eng.replies,
        eng.reposts, eng.quotes, eng.views, m.reply_to_id or "", m.quote_of_id or "", m.repost_of_id or "",
        list(m.source_tags), [t.topic_id for t in m.topics], 1 if s else 0,
        s.compound if s else 0.0, s.pos if s else 0.0, s.neu if s else 0.0, s.neg if s else 0.0,
        s.label if s else "", s.analyzer if s else "", list(m.intents), m.priority.level,
        list(m.priority.factors), times.ingested_at or EPOCH, times.enriched_at or EPOCH, inserted_at,
        min(max(times.enrich_us, 0), _UINT32_MAX), extras_json(m.extras), mention_version(m),
    )


def extras_json(extras: dict[str, Any]) -> str:
    """Source-specific extras as compact JSON (``''`` when empty)."""
    if not extras:
        return ""
    return json.dumps(extras, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def mention_topic_rows(m: EnrichedMention) -> list[tuple[Any, ...]]:
    """One ``mention_topics`` row per matched topic (none for a mention without topics)."""
    s = m.sentiment
    version = mention_version(m)
    engagement = m.engagement.total
    return [
        (t.topic_id, t.group, m.created_at, m.mention_key, list(t.terms),
         [max(0, a) for a, _ in t.spans], [max(0, b) for _, b in t.spans],
         s.label if s else "", s.compound if s else 0.0, m.platform, m.author.handle or "",
         m.author.followers or 0, engagement, version)
        for t in m.topics
    ]


def dead_letter_id(d: DeadLetter) -> str:
    """Stable id of a dead letter: replaying the dead-letter topic yields the same ids."""
    h = hashlib.blake2b(digest_size=16)
    for part in (d.stage, d.source, d.reason, d.error_type, d.received_at.isoformat(), d.payload):
        h.update(part.encode("utf-8", "backslashreplace"))
        h.update(b"\x1f")
    return h.hexdigest()


def dead_letter_row(d: DeadLetter, inserted_at: datetime) -> tuple[Any, ...]:
    """One ``dead_letters`` row."""
    return (dead_letter_id(d), d.schema_version, d.stage, d.source, d.reason, d.error_type, d.payload,
            1 if d.payload_truncated else 0, d.received_at, inserted_at)


def alert_row(a: Alert, inserted_at: datetime) -> tuple[Any, ...]:
    """One ``alerts`` row (one per alert revision); the sentiment mix becomes two parallel arrays."""
    mix = sorted(a.sentiment_mix.items())
    return (
        a.alert_id, a.revision, a.schema_version, a.topic_id, a.series, a.status, a.severity, a.window_start,
        a.window_end, a.observed, a.expected, a.ratio, a.score, [k for k, _ in mix], [v for _, v in mix],
        list(a.top_terms), [x.handle for x in a.top_authors], [max(0, x.followers) for x in a.top_authors],
        list(a.sample_urls), a.query, a.opened_at, a.updated_at, a.resolved_at, inserted_at,
        micros(a.updated_at), list(a.related_topics), a.dashboard_url or "",
    )
