"""Columnar batches straight from the models: one list per column, no per-row tuples.

The same values as :mod:`sinks.rows` (tests check both agree), built column by column: inserts
take columns (Arrow for chdb, ``columnar=True`` for clickhouse-driver), so building rows and then
transposing them would cost a second pass over every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from schemas import EnrichedMention
from sinks.rows import EPOCH, extras_json, mention_lang, mention_version

Columns = dict[str, list[Any]]
_UINT32_MAX = 2**32 - 1


def mention_columns(ms: Sequence[EnrichedMention], inserted_at: datetime) -> Columns:
    """The ``mentions`` columns (``sinks.rows.MENTION_COLUMNS`` order) of a batch."""
    authors = [m.author for m in ms]
    eng = [m.engagement for m in ms]
    sent = [m.sentiment for m in ms]
    times = [m.times for m in ms]
    return {
        "mention_key": [m.mention_key for m in ms],
        "schema_version": [m.schema_version for m in ms],
        "platform": [m.platform for m in ms],
        "source_id": [m.source_id for m in ms],
        "url": [m.url or "" for m in ms],
        "author_id": [a.id or "" for a in authors],
        "author_handle": [a.handle or "" for a in authors],
        "author_name": [a.name or "" for a in authors],
        "author_followers": [a.followers or 0 for a in authors],
        "author_verified": [1 if a.verified else 0 for a in authors],
        "text": [m.text for m in ms],
        "lang": [mention_lang(m) for m in ms],
        "lang_confidence": [m.language.confidence for m in ms],
        "country": [m.country or "" for m in ms],
        "created_at": [m.created_at for m in ms],
        "likes": [e.likes for e in eng],
        "replies": [e.replies for e in eng],
        "reposts": [e.reposts for e in eng],
        "quotes": [e.quotes for e in eng],
        "views": [e.views for e in eng],
        "reply_to_id": [m.reply_to_id or "" for m in ms],
        "quote_of_id": [m.quote_of_id or "" for m in ms],
        "repost_of_id": [m.repost_of_id or "" for m in ms],
        "source_tags": [m.source_tags for m in ms],
        "topics": [[t.topic_id for t in m.topics] for m in ms],
        "sentiment_scored": [0 if s is None else 1 for s in sent],
        "sentiment_compound": [0.0 if s is None else s.compound for s in sent],
        "sentiment_pos": [0.0 if s is None else s.pos for s in sent],
        "sentiment_neu": [0.0 if s is None else s.neu for s in sent],
        "sentiment_neg": [0.0 if s is None else s.neg for s in sent],
        "sentiment_label": ["" if s is None else s.label for s in sent],
        "sentiment_analyzer": ["" if s is None else s.analyzer for s in sent],
        "intents": [m.intents for m in ms],
        "priority": [m.priority.level for m in ms],
        "priority_factors": [m.priority.factors for m in ms],
        "ingested_at": [t.ingested_at or EPOCH for t in times],
        "enriched_at": [t.enriched_at or EPOCH for t in times],
        "inserted_at": [inserted_at] * len(ms),
        "enrich_us": [min(max(t.enrich_us, 0), _UINT32_MAX) for t in times],
        "extras": [extras_json(m.extras) if m.extras else "" for m in ms],
        "version": [mention_version(m) for m in ms],
    }


def mention_topic_columns(ms: Sequence[EnrichedMention]) -> Columns:
    """The ``mention_topics`` columns: one entry per mention and matched topic."""
    cols: Columns = {name: [] for name in (
        "topic_id", "topic_group", "created_at", "mention_key", "matched_terms", "span_starts", "span_ends",
        "sentiment_label", "sentiment_compound", "platform", "author_handle", "author_followers", "engagement",
        "version")}
    for m in ms:
        if not m.topics:
            continue
        s = m.sentiment
        shared = (m.created_at, m.mention_key, "" if s is None else s.label, 0.0 if s is None else s.compound,
                  m.platform, m.author.handle or "", m.author.followers or 0, m.engagement.total, mention_version(m))
        for t in m.topics:
            cols["topic_id"].append(t.topic_id)
            cols["topic_group"].append(t.group)
            cols["matched_terms"].append(t.terms)
            cols["span_starts"].append([max(0, a) for a, _ in t.spans])
            cols["span_ends"].append([max(0, b) for _, b in t.spans])
            for name, value in zip(("created_at", "mention_key", "sentiment_label", "sentiment_compound", "platform",
                                    "author_handle", "author_followers", "engagement", "version"), shared, strict=True):
                cols[name].append(value)
    return cols
