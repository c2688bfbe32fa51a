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

# -- migration 2: per-minute aggregates maintained by materialized views ----------------------------
#
# The views read from ``mentions`` (not ``mention_topics``): the ``mentions`` insert is the writer's
# "already stored" marker, so a view on it fires exactly once per new mention (replays are skipped
# before the insert). Aggregates are partitioned by month: a 30-day trend of one topic then reads
# one or two parts instead of 30 (2-3x faster on 10M mentions), and aggregates are small, so
# retention keeps them longer than raw rows (whole months). Readers must still ``sum()`` with
# ``GROUP BY``: SummingMergeTree collapses rows only when parts merge.

_AGGREGATE_COLUMNS = """
    mentions UInt64,
    positive UInt64,
    negative UInt64,
    neutral UInt64,
    unscored UInt64,
    sentiment_sum Float64,
    reach UInt64,
    engagement UInt64"""

_AGGREGATE_SELECT = """
    count() AS mentions,
    countIf(sentiment_label = 'positive') AS positive,
    countIf(sentiment_label = 'negative') AS negative,
    countIf(sentiment_label = 'neutral') AS neutral,
    countIf(sentiment_scored = 0) AS unscored,
    sumIf(toFloat64(sentiment_compound), sentiment_scored = 1) AS sentiment_sum,
    sum(author_followers) AS reach,
    sum(likes + replies + reposts + quotes) AS engagement"""

TOPIC_VOLUME_1M = f"""
CREATE TABLE IF NOT EXISTS topic_volume_1m (
    topic_id String,
    minute DateTime('UTC'),{_AGGREGATE_COLUMNS}
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (topic_id, minute)
"""

TOPIC_VOLUME_1M_SELECT = f"""
SELECT
    arrayJoin(topics) AS topic_id,
    toStartOfMinute(created_at) AS minute,{_AGGREGATE_SELECT}
FROM mentions"""
"""The view's query; ``GROUP BY`` is appended (the backfill adds a ``WHERE`` before it)."""

TOPIC_VOLUME_1M_GROUP = "GROUP BY topic_id, minute"

TOPIC_VOLUME_1M_MV = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS topic_volume_1m_mv TO topic_volume_1m AS
{TOPIC_VOLUME_1M_SELECT}
{TOPIC_VOLUME_1M_GROUP}
"""

VOLUME_1M = f"""
CREATE TABLE IF NOT EXISTS volume_1m (
    minute DateTime('UTC'),
    platform String,
    lang String,{_AGGREGATE_COLUMNS}
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, platform, lang)
"""

VOLUME_1M_SELECT = f"""
SELECT
    toStartOfMinute(created_at) AS minute,
    platform,
    lang,{_AGGREGATE_SELECT}
FROM mentions"""

VOLUME_1M_GROUP = "GROUP BY minute, platform, lang"

VOLUME_1M_MV = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS volume_1m_mv TO volume_1m AS
{VOLUME_1M_SELECT}
{VOLUME_1M_GROUP}
"""

PER_MINUTE_AGGREGATES: tuple[str, ...] = (TOPIC_VOLUME_1M, VOLUME_1M, TOPIC_VOLUME_1M_MV, VOLUME_1M_MV)
"""Migration 2 (the views come after their target tables)."""

AGGREGATE_SOURCES: dict[str, tuple[str, str]] = {
    "topic_volume_1m": (TOPIC_VOLUME_1M_SELECT, TOPIC_VOLUME_1M_GROUP),
    "volume_1m": (VOLUME_1M_SELECT, VOLUME_1M_GROUP),
}
"""Aggregate table -> (SELECT over ``mentions``, GROUP BY): the backfill and rebuild use the views' query."""


# -- migration 3: spike stage state and alert delivery -------------------------------------------

STREAM_PROGRESS = """
CREATE TABLE IF NOT EXISTS stream_progress (
    stream String,
    partition UInt32,
    max_event_time DateTime('UTC'),
    updated_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (stream, partition, max_event_time)
"""
"""Per Kafka partition, the newest event time the sink has stored: the spike stage's watermark."""

SPIKE_STATE = """
CREATE TABLE IF NOT EXISTS spike_state (
    id String,
    processed_until DateTime('UTC'),
    state String,
    updated_at DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id
"""
"""Checkpoints of the spike detectors and incident state (JSON), read back with argMax."""

ALERT_DELIVERIES = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id String,
    revision UInt32,
    notifier String,
    status String,
    attempt UInt32,
    error String,
    at DateTime('UTC')
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (alert_id, revision, notifier, at)
"""
"""Every delivery attempt of every alert revision to every notifier: failures are never silent."""

SPIKE_STAGE_TABLES: tuple[str, ...] = (STREAM_PROGRESS, SPIKE_STATE, ALERT_DELIVERIES)

ALERT_CONTEXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("related_topics", "Array(String)"),
    ("dashboard_url", "String"),
)
"""Columns added to ``alerts`` by migration 3 (18.16 has no ADD COLUMN IF NOT EXISTS: checked first)."""
