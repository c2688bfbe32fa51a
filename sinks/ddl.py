"""Table definitions that run unchanged on ClickHouse 18.16, current ClickHouse and chdb.

Constraints of 18.16 shape these: no DateTime64, TTL, Map or LowCardinality without an experimental
setting, so timestamps are whole seconds in ``DateTime('UTC')`` (sub-second precision is dropped), maps are stored as
parallel arrays, and low-cardinality strings are plain ``String`` (see docs/schema.md).
Table names are unqualified: they resolve to the backend's database.
"""

from __future__ import annotations

MENTIONS = """
CREATE TABLE IF NOT EXISTS mentions (
    mention_key String,
    schema_version UInt16,
    platform String,
    source_id String,
    url String,
    author_id String,
    author_handle String,
    author_name String,
    author_followers UInt64,
    author_verified UInt8,
    text String,
    lang String,
    lang_confidence Float32,
    country String,
    created_at DateTime('UTC'),
    likes UInt64,
    replies UInt64,
    reposts UInt64,
    quotes UInt64,
    views UInt64,
    reply_to_id String,
    quote_of_id String,
    repost_of_id String,
    source_tags Array(String),
    topics Array(String),
    sentiment_scored UInt8,
    sentiment_compound Float32,
    sentiment_pos Float32,
    sentiment_neu Float32,
    sentiment_neg Float32,
    sentiment_label String,
    sentiment_analyzer String,
    intents Array(String),
    priority String,
    priority_factors Array(String),
    ingested_at DateTime('UTC'),
    enriched_at DateTime('UTC'),
    inserted_at DateTime('UTC'),
    enrich_us UInt32,
    extras String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(created_at)
ORDER BY (toStartOfHour(created_at), mention_key)
"""

MENTION_TOPICS = """
CREATE TABLE IF NOT EXISTS mention_topics (
    topic_id String,
    topic_group String,
    created_at DateTime('UTC'),
    mention_key String,
    matched_terms Array(String),
    span_starts Array(UInt32),
    span_ends Array(UInt32),
    sentiment_label String,
    sentiment_compound Float32,
    platform String,
    author_handle String,
    author_followers UInt64,
    engagement UInt64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(created_at)
ORDER BY (topic_id, created_at, mention_key)
"""

DEAD_LETTERS = """
CREATE TABLE IF NOT EXISTS dead_letters (
    id String,
    schema_version UInt16,
    stage String,
    source String,
    reason String,
    error_type String,
    payload String,
    payload_truncated UInt8,
    received_at DateTime('UTC'),
    inserted_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (stage, received_at, id)
"""

ALERTS = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_id String,
    revision UInt32,
    schema_version UInt16,
    topic_id String,
    series String,
    status String,
    severity String,
    window_start DateTime('UTC'),
    window_end DateTime('UTC'),
    observed Float64,
    expected Float64,
    ratio Float64,
    score Float64,
    sentiment_mix_labels Array(String),
    sentiment_mix_counts Array(Int64),
    top_terms Array(String),
    top_author_handles Array(String),
    top_author_followers Array(UInt64),
    sample_urls Array(String),
    query String,
    opened_at DateTime('UTC'),
    updated_at DateTime('UTC'),
    resolved_at Nullable(DateTime('UTC')),
    inserted_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(opened_at)
ORDER BY (alert_id, revision)
"""

SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY version
"""

INITIAL_SCHEMA: tuple[str, ...] = (MENTIONS, MENTION_TOPICS, DEAD_LETTERS, ALERTS)
"""Migration 1. ``schema_migrations`` itself is created by :func:`sinks.migrations.migrate` first."""
