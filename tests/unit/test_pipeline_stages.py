"""Per-batch logic of the enrich and sink agents, without Faust or a broker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from enrich.enricher import Enricher
from pipeline.enrich_stage import EnrichStage
from pipeline.query_server import ReadOnlyViolation, check_read_only
from pipeline.sink_stage import MentionSink, decode_dead_letter
from schemas import (
    EnrichedMention,
    LanguageGuess,
    Priority,
    RawMention,
    Sentiment,
    TopicMatch,
    decode_mentions,
    encode_batch,
)
from sinks.errors import SinkRejected


@dataclass
class Msg:
    topic: str
    partition: int
    offset: int
    timestamp: float | None = 1_790_000_000.0


@dataclass
class Event:
    value: bytes
    message: Msg


def raw(i: int, text: str = "I love Acme") -> RawMention:
    return RawMention(platform="x", source_id=str(i), text=text, created_at=datetime(2026, 11, 2, 9, tzinfo=UTC))


class Stub:
    """Deterministic stand-ins for the enrich components (their own tests live beside them)."""

    def match(self, text: str, fields: dict[str, Any] | None = None) -> list[TopicMatch]:
        i = text.find("Acme")
        return [TopicMatch(topic_id="acme", terms=["acme"], spans=[(i, i + 4)])] if i >= 0 else []

    def score(self, text: str, lang: str) -> Sentiment | None:
        if "boom" in text:
            raise RuntimeError("analyzer bug")
        return Sentiment(compound=0.5, pos=0.5, neu=0.5, neg=0.0, label="positive")

    def detect(self, text: str, hint: str | None = None) -> LanguageGuess:
        return LanguageGuess(lang="en", confidence=0.9, method="stub")

    def tag(self, text: str, lang: str) -> list[str]:
        return ["praise"]

    def decide(self, *args: Any) -> Priority:
        return Priority(level="P3", factors=["stub"])

    def redact(self, text: str) -> str:
        return text.replace("a@b.com", "[email]")

    def author_id(self, author_id: str | None) -> str | None:
        return author_id


def fields(mention: RawMention, lang: str | None = None) -> dict[str, Any]:
    return {"platform": mention.platform, "lang": lang}


def enricher() -> Enricher:
    s = Stub()
    return Enricher(matcher=s, scorer=s, detector=s, tagger=s, prioritizer=s, redactor=s, fields=fields)


async def test_enrich_stage_keeps_partitions_and_dead_letters_bad_input() -> None:
    stage = EnrichStage(enricher, envelope_max=2)
    events = [
        Event(encode_batch("raw", [raw(1), raw(2, "mail a@b.com about Acme"), raw(3)]), Msg("raw", 1, 10)),
        Event(json.dumps(raw(4).model_dump(mode="json")).encode(), Msg("raw", 0, 5)),  # a bare outside mention
        Event(b"{broken", Msg("raw", 0, 6)),
        Event(encode_batch("raw", [raw(5, "boom")]), Msg("raw", 0, 7)),
    ]
    out, dead = await stage.process(events)
    assert sorted(out) == [0, 1]
    assert [m.source_id for m in out[1]] == ["1", "2", "3"] and [m.source_id for m in out[0]] == ["4"]
    second = out[1][1]
    assert second.text == "mail [email] about Acme"
    assert second.topics[0].spans == [(19, 23)] and second.text[19:23] == "Acme"  # spans refer to stored text
    assert second.mention_key == raw(2).key and second.times.enriched_at is not None
    assert [d.error_type for d in dead] == ["validation", "enrich_error"]
    assert dead[0].source == "raw[0]@6" and dead[1].source == "raw[0]@7#0" and "analyzer bug" in dead[1].reason
    envelopes = stage.envelopes(out[1])
    assert len(envelopes) == 2
    assert [m.source_id for e in envelopes for m in decode_mentions(e, EnrichedMention)[0]] == ["1", "2", "3"]


class FakeWriter:
    def __init__(self, reject: set[str] | None = None) -> None:
        self.rows: dict[str, EnrichedMention] = {}
        self.calls = 0
        self.reject = reject or set()

    def write(self, mentions: list[EnrichedMention]) -> int:
        self.calls += 1
        if any(m.source_id in self.reject for m in mentions):
            raise SinkRejected("bad row")
        new = [m for m in mentions if m.mention_key not in self.rows]
        self.rows.update((m.mention_key, m) for m in new)
        return len(new)


async def enriched(ids: list[int]) -> list[EnrichedMention]:
    stage = EnrichStage(enricher, envelope_max=100)
    out, _ = await stage.process([Event(encode_batch("raw", [raw(i) for i in ids]), Msg("raw", 0, 1))])
    return out[0]


async def test_mention_sink_chunks_and_counts_duplicates() -> None:
    writer = FakeWriter()
    sink = MentionSink(writer, max_rows=4)
    ms = await enriched(list(range(10)))
    assert await sink.write_batch(ms) == []
    assert writer.calls == 3 and len(writer.rows) == 10
    await sink.write_batch(ms)  # a replay
    assert len(writer.rows) == 10 and sink.inserted == 10 and sink.duplicates == 10


async def test_mention_sink_isolates_rejected_rows() -> None:
    writer = FakeWriter(reject={"3"})
    sink = MentionSink(writer, max_rows=100)
    rejected = await sink.write_batch(await enriched(list(range(8))))
    assert [d.error_type for d in rejected] == ["rejected"]
    assert json.loads(rejected[0].payload)["source_id"] == "3"
    assert sorted(m.source_id for m in writer.rows.values()) == ["0", "1", "2", "4", "5", "6", "7"]


def test_sink_decode_dead_letters_invalid_enriched_items() -> None:
    sink = MentionSink(FakeWriter(), max_rows=10)
    good, dead, newest = sink.decode([Event(encode_batch("raw", [raw(1)]), Msg("enriched", 0, 3))])
    assert good == [] and newest == {} and "mention_key" in dead[0].reason and dead[0].stage == "sink"


async def test_sink_decode_reports_newest_event_time_per_partition() -> None:
    ms = await enriched([1, 2, 3])
    late = ms[2].model_copy(update={"created_at": datetime(2026, 11, 2, 10, tzinfo=UTC)})
    events = [Event(encode_batch("enriched", ms[:2]), Msg("enriched", 0, 1)),
              Event(encode_batch("enriched", [late]), Msg("enriched", 1, 1))]
    good, dead, newest = MentionSink(FakeWriter(), max_rows=10).decode(events)
    assert len(good) == 3 and dead == []
    assert newest == {0: ms[0].created_at, 1: datetime(2026, 11, 2, 10, tzinfo=UTC)}


def test_unreadable_dead_letters_are_wrapped() -> None:
    letter = decode_dead_letter(b"\xffgarbage", "dlq[0]@1")
    assert letter.error_type == "parse" and letter.source == "dlq[0]@1" and "garbage" in letter.payload


@pytest.mark.parametrize("sql", ["SELECT 1", "  with x as (select 1) select * from x", "SHOW TABLES",
                                 "DESCRIBE mentions", "select ';' as semi;", "(SELECT 1)"])
def test_read_only_allows_reads(sql: str) -> None:
    assert check_read_only(sql)


@pytest.mark.parametrize("sql", ["", "INSERT INTO mentions VALUES (1)", "DROP TABLE mentions",
                                 "SELECT 1; DROP TABLE mentions", "ALTER TABLE mentions DELETE WHERE 1",
                                 "OPTIMIZE TABLE mentions"])
def test_read_only_refuses_writes(sql: str) -> None:
    with pytest.raises(ReadOnlyViolation):
        check_read_only(sql)
