"""Migration 2 (per-minute aggregates), the backfill, rebuild and retention on both engines."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sinks.aggregates import rebuild_aggregates
from sinks.errors import SinkRejected
from sinks.migrations import MIGRATIONS, migrate
from sinks.retention import drop_old_partitions, expired_partitions, partition_last_day
from sinks.writers import MentionWriter
from tests.fixtures.clickhouse import BASE_TIME, make_mention

pytestmark = pytest.mark.integration


def volume(backend: Any, table: str = "topic_volume_1m") -> list[tuple[Any, ...]]:
    key = "topic_id" if table == "topic_volume_1m" else "platform"
    return [tuple(r.values()) for r in backend.query(
        f"SELECT {key} AS k, minute, sum(mentions) AS n, sum(positive) AS pos, sum(negative) AS neg, "
        f"sum(unscored) AS uns, sum(reach) AS reach, sum(engagement) AS eng, round(sum(sentiment_sum), 3) AS s "
        f"FROM {table} GROUP BY k, minute ORDER BY k, minute")]


def test_views_count_each_new_mention_once(ch_backend: Any) -> None:
    writer = MentionWriter(ch_backend)
    batch = [make_mention(1, created_at=BASE_TIME, topics=("acme", "rival"), sentiment="positive"),
             make_mention(2, created_at=BASE_TIME + timedelta(seconds=30)),
             make_mention(3, created_at=BASE_TIME + timedelta(seconds=70), sentiment=None, topics=())]
    writer.write(batch)
    writer.write(batch)  # replay: skipped before the insert, so the views do not fire again
    m = BASE_TIME
    assert volume(ch_backend) == [
        ("acme", m, 2, 1, 1, 0, 100 + 200, (1 + 3) + (2 + 3), round(0.7 - 0.6, 3)),
        ("rival", m, 1, 1, 0, 0, 100, 4, 0.7),
    ]
    assert volume(ch_backend, "volume_1m") == [
        ("x", m, 2, 1, 1, 0, 300, 9, 0.1), ("x", m + timedelta(minutes=1), 1, 0, 0, 1, 300, 6, 0.0)]
    types = {r["name"]: r["type"] for r in ch_backend.query(
        f"SELECT name, type FROM system.columns WHERE database = '{ch_backend.database}' "
        "AND table = 'topic_volume_1m'")}
    assert types == {"topic_id": "String", "minute": "DateTime('UTC')", "mentions": "UInt64", "positive": "UInt64",
                     "negative": "UInt64", "neutral": "UInt64", "unscored": "UInt64", "sentiment_sum": "Float64",
                     "reach": "UInt64", "engagement": "UInt64"}


def test_migration_2_backfills_mentions_stored_before_it(ch_backend: Any) -> None:
    # a database that only had migration 1 when the sink stored its mentions
    for view in ("topic_volume_1m_mv", "volume_1m_mv", "topic_volume_1m", "volume_1m"):
        ch_backend.execute(f"DROP TABLE IF EXISTS {view}")
    ch_backend.execute("TRUNCATE TABLE schema_migrations")
    assert migrate(ch_backend, MIGRATIONS[:1]) == [1]
    MentionWriter(ch_backend).write([make_mention(1, created_at=BASE_TIME)])
    time.sleep(1.1)  # the backfill cutoff is whole seconds: the old mention must be strictly before it
    assert migrate(ch_backend, MIGRATIONS[:2]) == [2]
    MentionWriter(ch_backend).write([make_mention(2, created_at=BASE_TIME + timedelta(seconds=5))])
    assert [r[:3] for r in volume(ch_backend)] == [("acme", BASE_TIME, 2)]
    rebuild_aggregates(ch_backend)  # idempotent repair: same numbers
    assert [r[:3] for r in volume(ch_backend)] == [("acme", BASE_TIME, 2)]


def test_partition_last_day() -> None:
    assert partition_last_day("20240501") == date(2024, 5, 1)
    assert partition_last_day("202402") == date(2024, 2, 29)
    assert partition_last_day("all") is None and partition_last_day("20241341") is None


def test_retention_drops_whole_old_partitions(ch_backend: Any) -> None:
    today = date(2024, 5, 10)
    days = [datetime(2024, 5, d, 12, tzinfo=UTC) for d in (1, 2, 9)]
    MentionWriter(ch_backend).write([make_mention(i, created_at=t) for i, t in enumerate(days)])
    with pytest.raises(SinkRejected):
        drop_old_partitions(ch_backend, 0)
    planned = drop_old_partitions(ch_backend, 7, dry_run=True, today=today)
    # raw tables by day; the aggregates are by month and May is not over
    assert {(p.table, p.partition_id) for p in planned} == {
        (t, d) for t in ("mentions", "mention_topics") for d in ("20240501", "20240502")}
    assert ch_backend.query("SELECT count() AS n FROM mentions") == [{"n": 3}]  # dry run changed nothing
    assert len(drop_old_partitions(ch_backend, 7, today=today)) == 4
    assert ch_backend.query("SELECT toDayOfMonth(created_at) AS d FROM mentions") == [{"d": 9}]
    assert ch_backend.query("SELECT sum(mentions) AS n FROM topic_volume_1m") == [{"n": 3}]
    assert expired_partitions(ch_backend, 7, today=today) == []
    # aggregates kept longer than raw rows: in July, 60 days keeps May's aggregates, 30 drops them
    july = date(2024, 7, 10)
    assert {p.table for p in expired_partitions(ch_backend, 7, aggregate_days=60, today=july)} == {
        "mentions", "mention_topics"}
    dropped = drop_old_partitions(ch_backend, 7, aggregate_days=30, today=july)
    assert {(p.table, p.partition_id) for p in dropped} >= {("topic_volume_1m", "202405"), ("volume_1m", "202405")}
    assert ch_backend.query("SELECT count() AS n FROM topic_volume_1m") == [{"n": 0}]
    assert ch_backend.query("SELECT count() AS n FROM mentions") == [{"n": 0}]
