"""The sink contract, run on both backends: embedded chdb and the real ClickHouse 18.16 server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas import Alert, AuthorReach, DeadLetter
from sinks.errors import SinkRejected
from sinks.migrations import MIGRATIONS, Migration, applied_versions, migrate
from sinks.writers import AlertWriter, DeadLetterWriter, MentionWriter
from tests.fixtures.clickhouse import BASE_TIME, make_mention

pytestmark = pytest.mark.integration


def scalar(backend: Any, sql: str) -> Any:
    rows = backend.query(sql)
    return next(iter(rows[0].values()))


def test_migrations_apply_once_and_are_idempotent(ch_backend: Any) -> None:
    # the fixture already migrated: a second and third run apply nothing and record nothing twice
    assert migrate(ch_backend) == []
    assert migrate(ch_backend) == []
    assert applied_versions(ch_backend) == {m.version for m in MIGRATIONS}
    assert scalar(ch_backend, "SELECT count() FROM schema_migrations") == len(MIGRATIONS)
    tables = {r["name"] for r in ch_backend.query(
        f"SELECT name FROM system.tables WHERE database = '{ch_backend.database}'")}
    assert {"mentions", "mention_topics", "dead_letters", "alerts", "schema_migrations"} <= tables


def test_later_migration_is_applied_and_recorded(ch_backend: Any) -> None:
    extra = Migration(99, "test table", ("CREATE TABLE IF NOT EXISTS m99 (a UInt8) ENGINE = MergeTree ORDER BY a",))
    assert migrate(ch_backend, MIGRATIONS + (extra,)) == [99]
    assert migrate(ch_backend, MIGRATIONS + (extra,)) == []
    assert 99 in applied_versions(ch_backend)
    ch_backend.insert("m99", ["a"], [(7,)])
    assert scalar(ch_backend, "SELECT sum(a) FROM m99") == 7


def test_mentions_insert_and_replay_do_not_double_count(ch_backend: Any) -> None:
    writer = MentionWriter(ch_backend)
    batch = [make_mention(i, topics=("acme", "rival") if i % 3 == 0 else ("acme",)) for i in range(250)]
    assert writer.write(batch) == 250
    assert scalar(ch_backend, "SELECT count() FROM mentions") == 250

    assert writer.write(batch) == 0                      # exact replay
    assert writer.write(batch[100:] + [make_mention(999)]) == 1  # partial replay plus one new
    assert scalar(ch_backend, "SELECT count() FROM mentions") == 251
    assert scalar(ch_backend, "SELECT count() FROM mentions FINAL") == 251
    assert scalar(ch_backend, "SELECT uniqExact(mention_key) FROM mentions") == 251
    topic_rows = 250 + len(range(0, 250, 3)) + 1
    assert scalar(ch_backend, "SELECT count() FROM mention_topics") == topic_rows


def test_duplicates_inside_one_batch_count_once(ch_backend: Any) -> None:
    early = make_mention(1, ingested_at=BASE_TIME + timedelta(minutes=1))
    late = make_mention(1, ingested_at=BASE_TIME + timedelta(minutes=5))
    assert MentionWriter(ch_backend).write([early, late, early]) == 1
    rows = ch_backend.query("SELECT ingested_at FROM mentions")
    assert [r["ingested_at"] for r in rows] == [BASE_TIME + timedelta(minutes=5)]


def test_mention_row_round_trips(ch_backend: Any) -> None:
    m = make_mention(4, topics=("acme", "rival"), sentiment="positive")
    MentionWriter(ch_backend).write([m])
    row = ch_backend.query("SELECT * FROM mentions")[0]
    assert row["mention_key"] == m.mention_key
    assert row["created_at"] == m.created_at.replace(microsecond=0)  # DateTime keeps whole seconds
    assert row["created_at"].utcoffset() == timedelta(0)
    assert row["author_handle"] == m.author.handle and row["author_followers"] == 400
    assert row["author_verified"] == 1
    assert row["text"] == m.text  # tab and quote survive
    assert row["topics"] == ["acme", "rival"]
    assert row["sentiment_scored"] == 1 and row["sentiment_label"] == "positive"
    assert row["sentiment_compound"] == pytest.approx(0.7, abs=1e-6)
    assert row["lang"] == "en" and row["lang_confidence"] == pytest.approx(0.93, abs=1e-6)
    assert row["likes"] == 4 and row["views"] == 40
    assert json.loads(row["extras"]) == {"n": 4}
    assert row["version"] > 0 and row["enrich_us"] == 850
    topics = ch_backend.query("SELECT topic_id, matched_terms, span_starts, span_ends, engagement "
                              "FROM mention_topics ORDER BY topic_id")
    assert topics == [
        {"topic_id": "acme", "matched_terms": ["acme"], "span_starts": [0], "span_ends": [4], "engagement": 7},
        {"topic_id": "rival", "matched_terms": ["rival"], "span_starts": [0], "span_ends": [5], "engagement": 7},
    ]


def test_unscored_mention_without_topics(ch_backend: Any) -> None:
    m = make_mention(5, topics=(), sentiment=None)
    assert MentionWriter(ch_backend).write([m]) == 1
    row = ch_backend.query("SELECT sentiment_scored, sentiment_label, topics FROM mentions")[0]
    assert row == {"sentiment_scored": 0, "sentiment_label": "", "topics": []}
    assert scalar(ch_backend, "SELECT count() FROM mention_topics") == 0


def test_trend_and_share_of_voice_queries(ch_backend: Any) -> None:
    # 3 acme mentions in minute 0, 1 in minute 1; rival once
    t0 = BASE_TIME
    batch = [make_mention(1, created_at=t0), make_mention(2, created_at=t0 + timedelta(seconds=20)),
             make_mention(3, created_at=t0 + timedelta(seconds=59), topics=("acme", "rival")),
             make_mention(4, created_at=t0 + timedelta(seconds=61))]
    MentionWriter(ch_backend).write(batch)
    trend = ch_backend.query(
        "SELECT toStartOfMinute(created_at) AS minute, count() AS n FROM mention_topics FINAL "
        "WHERE topic_id = 'acme' GROUP BY minute ORDER BY minute")
    assert [(r["minute"], r["n"]) for r in trend] == [(t0, 3), (t0 + timedelta(minutes=1), 1)]
    sov = ch_backend.query("SELECT topic_id, count() AS n FROM mention_topics FINAL "
                           "GROUP BY topic_id ORDER BY topic_id")
    assert [(r["topic_id"], r["n"]) for r in sov] == [("acme", 4), ("rival", 1)]


def test_query_format_outputs(ch_backend: Any) -> None:
    MentionWriter(ch_backend).write([make_mention(1, text="tab\there")])
    sql = "SELECT platform, likes, text, topics FROM mentions"
    assert ch_backend.query_format(sql, "TabSeparated") == b"x\t1\ttab\\there\t['acme']\n"
    assert json.loads(ch_backend.query_format(sql, "JSONEachRow")) == {
        "platform": "x", "likes": 1, "text": "tab\there", "topics": ["acme"]}
    assert ch_backend.query_format(sql, "CSVWithNames") == (
        b'"platform","likes","text","topics"\n"x",1,"tab\there","[\'acme\']"\n')


def test_dead_letters_are_written_once(ch_backend: Any) -> None:
    now = datetime(2024, 5, 2, 8, 30, 15, 500_000, tzinfo=UTC)
    letters = [DeadLetter.make(stage="ingest", source=f"file.csv:{i}", reason="bad date", error_type="invalid",
                               payload=b"\xffnot utf8 'x'\n", received_at=now) for i in range(5)]
    writer = DeadLetterWriter(ch_backend)
    assert writer.write(letters) == 5
    assert writer.write(letters) == 0
    assert scalar(ch_backend, "SELECT count() FROM dead_letters") == 5
    row = ch_backend.query("SELECT * FROM dead_letters ORDER BY source LIMIT 1")[0]
    assert row["stage"] == "ingest" and row["source"] == "file.csv:0"
    assert row["payload"] == letters[0].payload and row["payload_truncated"] == 0
    assert row["received_at"] == now.replace(microsecond=0)


def make_alert(revision: int, status: str = "open") -> Alert:
    t = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return Alert(alert_id="acme-all-1", topic_id="acme", status=status, severity="warning",  # type: ignore[arg-type]
                 revision=revision, window_start=t, window_end=t + timedelta(minutes=5), observed=40.0,
                 expected=8.5, ratio=4.7, score=0.9, sentiment_mix={"negative": 30, "neutral": 10},
                 top_terms=["crash"], top_authors=[AuthorReach(handle="big", followers=10_000)],
                 sample_urls=["https://example.test/1"], query="acme", opened_at=t,
                 updated_at=t + timedelta(minutes=revision),
                 resolved_at=t + timedelta(minutes=9) if status == "resolved" else None)


def test_alert_revisions(ch_backend: Any) -> None:
    writer = AlertWriter(ch_backend)
    assert writer.write([make_alert(1), make_alert(2, "update")]) == 2
    assert writer.write([make_alert(2, "update"), make_alert(3, "resolved")]) == 1
    rows = ch_backend.query("SELECT revision, status, resolved_at, sentiment_mix_labels, sentiment_mix_counts, "
                            "top_author_handles, top_author_followers FROM alerts FINAL ORDER BY revision")
    assert [(r["revision"], r["status"]) for r in rows] == [(1, "open"), (2, "update"), (3, "resolved")]
    assert rows[0]["resolved_at"] is None
    assert rows[2]["resolved_at"] == datetime(2024, 5, 1, 12, 9, tzinfo=UTC)
    assert rows[0]["sentiment_mix_labels"] == ["negative", "neutral"]
    assert rows[0]["sentiment_mix_counts"] == [30, 10]
    assert rows[0]["top_author_handles"] == ["big"] and rows[0]["top_author_followers"] == [10_000]
    latest = ch_backend.query("SELECT argMax(status, revision) AS status FROM alerts WHERE alert_id = 'acme-all-1'")
    assert latest == [{"status": "resolved"}]


def test_bad_sql_and_bad_rows_are_rejected(ch_backend: Any) -> None:
    with pytest.raises(SinkRejected):
        ch_backend.query("SELECT * FROM no_such_table")
    with pytest.raises(SinkRejected):
        ch_backend.insert("alerts", ["alert_id", "revision"], [("a", "not a number")])
    # the backend still works after a rejection
    assert scalar(ch_backend, "SELECT count() FROM alerts") == 0
