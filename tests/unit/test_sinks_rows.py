"""Row mapping from schema models to ClickHouse rows (pure functions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from schemas import (
    Alert,
    AuthorReach,
    DeadLetter,
    EnrichedMention,
    LanguageGuess,
    ProcessingTimes,
    mention_key,
)
from sinks import ddl
from sinks.rows import (
    ALERT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    EPOCH,
    MENTION_COLUMNS,
    MENTION_TOPIC_COLUMNS,
    alert_row,
    dead_letter_id,
    dead_letter_row,
    extras_json,
    mention_lang,
    mention_row,
    mention_topic_rows,
    mention_version,
    micros,
)
from tests.fixtures.clickhouse import make_mention

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def ddl_columns(statement: str) -> list[str]:
    body = statement.split("(", 1)[1].split(") ENGINE", 1)[0]
    return [line.strip().split()[0] for line in body.strip().splitlines()]


def test_column_lists_match_the_ddl() -> None:
    assert list(MENTION_COLUMNS) == ddl_columns(ddl.MENTIONS)
    assert list(MENTION_TOPIC_COLUMNS) == ddl_columns(ddl.MENTION_TOPICS)
    assert list(DEAD_LETTER_COLUMNS) == ddl_columns(ddl.DEAD_LETTERS)
    assert list(ALERT_COLUMNS) == ddl_columns(ddl.ALERTS) + [name for name, _ in ddl.ALERT_CONTEXT_COLUMNS]


def test_mention_row_maps_every_field() -> None:
    m = make_mention(3, topics=("acme", "rival"), sentiment="negative")
    row = dict(zip(MENTION_COLUMNS, mention_row(m, NOW), strict=True))
    assert row["mention_key"] == mention_key("x", "post-3")
    assert row["author_handle"] == "user3" and row["author_followers"] == 300 and row["author_verified"] == 0
    assert row["created_at"] == m.created_at
    assert (row["likes"], row["replies"], row["reposts"], row["quotes"], row["views"]) == (3, 1, 2, 0, 30)
    assert row["topics"] == ["acme", "rival"]
    assert row["sentiment_scored"] == 1 and row["sentiment_label"] == "negative"
    assert row["sentiment_compound"] == -0.6 and row["sentiment_neg"] == 0.5
    assert row["intents"] == ["complaint"] and row["priority"] == "P4"
    assert row["inserted_at"] == NOW and row["enrich_us"] == 850
    assert json.loads(row["extras"]) == {"n": 3}
    assert row["version"] == micros(m.times.ingested_at)  # type: ignore[arg-type]


def test_optional_fields_become_empty_values() -> None:
    m = EnrichedMention(platform="web", source_id="a", text="hi", created_at=NOW, mention_key=mention_key("web", "a"))
    row = dict(zip(MENTION_COLUMNS, mention_row(m, NOW), strict=True))
    assert row["url"] == "" and row["author_id"] == "" and row["author_followers"] == 0
    assert row["sentiment_scored"] == 0 and row["sentiment_label"] == "" and row["sentiment_compound"] == 0.0
    assert row["ingested_at"] == EPOCH and row["enriched_at"] == EPOCH
    assert row["extras"] == "" and row["lang"] == "und"
    assert row["version"] == micros(NOW)  # falls back to created_at
    assert mention_topic_rows(m) == []


def test_lang_prefers_detection_then_source() -> None:
    base = make_mention(1)
    assert mention_lang(base.model_copy(update={"language": LanguageGuess(lang="de", confidence=0.9)})) == "de"
    assert mention_lang(base.model_copy(update={"language": LanguageGuess(), "lang": "fr"})) == "fr"
    assert mention_lang(base.model_copy(update={"language": LanguageGuess(), "lang": None})) == "und"


def test_version_grows_with_later_ingest() -> None:
    m = make_mention(1)
    later = m.model_copy(update={"times": ProcessingTimes(ingested_at=m.created_at + timedelta(hours=1))})
    assert mention_version(later) > mention_version(m)
    assert mention_version(m) == mention_version(make_mention(1))  # replay: identical


def test_micros_is_exact_for_far_dates() -> None:
    ts = datetime(2199, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    assert micros(ts) == 7258118399999999
    assert micros(EPOCH) == 0


def test_topic_rows_split_spans_and_sum_engagement() -> None:
    m = make_mention(2, topics=("acme", "rival"))
    rows = [dict(zip(MENTION_TOPIC_COLUMNS, r, strict=True)) for r in mention_topic_rows(m)]
    assert [r["topic_id"] for r in rows] == ["acme", "rival"]
    assert rows[1]["span_starts"] == [0] and rows[1]["span_ends"] == [5]
    assert rows[0]["engagement"] == 2 + 1 + 2 + 0  # views excluded
    assert rows[0]["mention_key"] == m.mention_key and rows[0]["version"] == mention_version(m)


def test_extras_json_is_stable() -> None:
    assert extras_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    assert extras_json({"when": NOW}) == '{"when":"2024-06-01 00:00:00+00:00"}'
    assert extras_json({}) == ""


def test_dead_letter_ids_are_stable_and_content_based() -> None:
    d = DeadLetter.make(stage="ingest", source="f:1", reason="bad", error_type="invalid", payload="x",
                        received_at=NOW)
    same = DeadLetter.make(stage="ingest", source="f:1", reason="bad", error_type="invalid", payload="x",
                           received_at=NOW)
    other = DeadLetter.make(stage="ingest", source="f:2", reason="bad", error_type="invalid", payload="x",
                            received_at=NOW)
    assert dead_letter_id(d) == dead_letter_id(same) != dead_letter_id(other)
    row = dict(zip(DEAD_LETTER_COLUMNS, dead_letter_row(d, NOW), strict=True))
    assert row["id"] == dead_letter_id(d) and row["payload_truncated"] == 0 and row["received_at"] == NOW


def test_alert_row_flattens_maps_and_authors() -> None:
    a = Alert(alert_id="a1", topic_id="acme", status="open", severity="critical", revision=2, window_start=NOW,
              window_end=NOW + timedelta(minutes=5), observed=10, expected=2, ratio=5, score=0.8,
              sentiment_mix={"neutral": 2, "negative": 8}, top_authors=[AuthorReach(handle="h", followers=5)],
              opened_at=NOW, updated_at=NOW + timedelta(seconds=1, microseconds=5))
    row = dict(zip(ALERT_COLUMNS, alert_row(a, NOW), strict=True))
    assert row["sentiment_mix_labels"] == ["negative", "neutral"] and row["sentiment_mix_counts"] == [8, 2]
    assert row["top_author_handles"] == ["h"] and row["top_author_followers"] == [5]
    assert row["resolved_at"] is None and row["revision"] == 2
    assert row["version"] == micros(NOW) + 1_000_005
