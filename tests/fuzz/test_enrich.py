"""The real Enricher on hostile texts and field values; EnrichStage turns any failure into a dead letter."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earshot.settings import Settings
from enrich.enricher import Enricher
from pipeline.enrich_stage import EnrichStage
from pipeline.enrichment import EnricherHolder
from schemas import Author, Engagement, RawMention, decode_mentions, encode_batch
from tests.fuzz.hostile import EMOJI, fuzz, hostile_text, nasty_text, nested, now, serialises


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return EnricherHolder(Settings())()


def _check(enricher: Enricher, raw: RawMention) -> None:
    out = enricher.enrich(raw, now(), now())
    n = len(out.text)
    for topic in out.topics:
        for start, end in topic.spans:
            assert 0 <= start <= end <= n, (topic, n)
    if out.sentiment is not None:
        assert -1.0 <= out.sentiment.compound <= 1.0
    assert 0.0 <= out.language.confidence <= 1.0
    assert out.mention_key == raw.key
    serialises(out)
    good, bad = decode_mentions(encode_batch("enriched", [out]), type(out))  # what the sink reads back
    assert not bad and good[0].text == out.text


@fuzz()
@given(hostile_text())
def test_enrich_never_raises_on_hostile_text(enricher: Enricher, text: str) -> None:
    _check(enricher, RawMention(platform="x", source_id="1", text=text, created_at=now()))


@pytest.mark.parametrize("text", [
    "", " ", "\x00" * 100, "\u200d" * 100_000, "Acme" + "\u0301" * 5_000, " ".join(f"#acme{i}" for i in range(5_000)),
    "#" + "#".join(["nimbus"] * 5_000), "".join(EMOJI) * 500, "a" * 100_000, "안녕 최고 별로 " * 10_000,
    "\u202eemca evol I\u202c Acme", "Ac\u200dme ni\u00admbus", "ACME" + "\U000e0067" * 30, "@" * 100_000,
    "http://" + "a" * 99_000, "a@b.c " * 10_000, "\r\n" * 50_000,
])
def test_enrich_on_extreme_texts(enricher: Enricher, text: str) -> None:
    _check(enricher, RawMention(platform="x", source_id="1", text=text[:100_000], created_at=now()))


mentions = st.builds(
    RawMention,
    platform=st.sampled_from(["x", "reddit", "ŷoutube", "\u200dx", "Ǆ" * 64]),
    source_id=st.text(min_size=1, max_size=30).filter(str.strip),
    text=nasty_text,
    created_at=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2200, 12, 30), timezones=st.just(UTC)),
    lang=st.none() | st.sampled_from(["en", "ko", "xx", "", "und", "zh-Hant-TW", "\u200d"]),
    country=st.none() | st.sampled_from(["US", "KR", "ZZ", "", "🇺🇸"]),
    author=st.builds(Author, id=st.none() | nasty_text.map(lambda t: t[:512]),
                     handle=st.none() | nasty_text.map(lambda t: t[:512]),
                     followers=st.none() | st.integers(0, 10**30), verified=st.none() | st.booleans()),
    engagement=st.builds(Engagement, likes=st.integers(0, 10**30), replies=st.integers(0, 2**63),
                         reposts=st.integers(0, 2**64), views=st.integers(0, 10**40)),
    source_tags=st.lists(nasty_text, max_size=10),
)


@fuzz()
@given(mentions)
def test_enrich_never_raises_on_hostile_fields(enricher: Enricher, raw: RawMention) -> None:
    _check(enricher, raw)


@dataclass
class Msg:
    topic: str = "mentions.raw"
    partition: int = 0
    offset: int = 7
    timestamp: float | None = 1_790_000_000.0


@dataclass
class Event:
    value: bytes
    message: Msg


class Exploding:
    """Wraps the real enricher and raises for texts containing a marker (an enrichment bug)."""

    def __init__(self, inner: Enricher, exc: BaseException) -> None:
        self.inner, self.exc = inner, exc

    def enrich(self, raw: RawMention, *args: Any) -> Any:
        if "boom" in raw.text:
            raise self.exc
        return self.inner.enrich(raw, *args)


def _raw(i: int, text: str) -> RawMention:
    return RawMention(platform="x", source_id=str(i), text=text, created_at=now())


@pytest.mark.parametrize("exc", [RuntimeError("bug"), RecursionError(), MemoryError(), ValueError("\udcff"),
                                 UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")])
def test_enrich_stage_dead_letters_any_enrichment_failure(enricher: Enricher, exc: Exception) -> None:
    stage = EnrichStage(lambda: Exploding(enricher, exc), envelope_max=100)  # type: ignore[arg-type,return-value]
    value = encode_batch("raw", [_raw(1, "fine"), _raw(2, "boom \u200d"), _raw(3, "fine too")])
    events = [Event(value, Msg()), Event(b"\xff" + nested(10_000).encode(), Msg(offset=8)),
              Event(nested(10_000).encode(), Msg(offset=9))]
    out, dead = asyncio.run(stage.process(events))
    assert [m.source_id for m in out[0]] == ["1", "3"]
    assert len(dead) == 3
    assert dead[0].error_type == "enrich_error" and "enrichment failed" in dead[0].reason
    assert all(d.reason and d.payload for d in dead)
    for d in dead:
        serialises(d)
    for envelope in stage.envelopes(out[0]):
        assert decode_mentions(envelope, type(out[0][0]))[1] == []


@fuzz(0.5)
@given(st.lists(st.one_of(mentions.map(lambda m: m.model_dump(mode="json")), st.just({"text": 1})), max_size=6),
       st.binary(max_size=100))
def test_enrich_stage_accounts_for_every_item(enricher: Enricher, items: list[Any], junk: bytes) -> None:
    stage = EnrichStage(lambda: enricher, envelope_max=2)
    events = [Event(json.dumps({"earshot_batch": 1, "kind": "raw", "mentions": items}).encode(), Msg()),
              Event(junk, Msg(partition=1))]
    out, dead = asyncio.run(stage.process(events))
    enriched = sum(len(v) for v in out.values())
    n_good_junk, n_bad_junk = (len(x) for x in decode_mentions(junk, RawMention))
    assert enriched + len(dead) == len(items) + n_good_junk + n_bad_junk
    for d in dead:
        assert d.reason
        serialises(d)
