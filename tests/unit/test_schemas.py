"""Shared models: validation, normalisation, stable keys, envelopes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import EnrichedMention, RawMention, decode_mentions, encode_batch, mention_key
from schemas.envelope import encode_parts


def raw(**kw: object) -> RawMention:
    base: dict[str, object] = {"platform": "x", "source_id": "1", "text": "hello",
                               "created_at": "2026-11-02T09:00:00Z"}
    base.update(kw)
    return RawMention.model_validate(base)


def test_created_at_is_converted_to_utc() -> None:
    m = raw(created_at="2026-11-02T18:00:00+09:00")
    assert m.created_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert m.created_at.utcoffset().total_seconds() == 0


def test_naive_timestamp_is_rejected_with_field_name() -> None:
    with pytest.raises(ValidationError) as err:
        raw(created_at="2026-11-02T09:00:00")
    assert err.value.errors()[0]["loc"] == ("created_at",)


@pytest.mark.parametrize("field,value", [("platform", ""), ("platform", "   "), ("source_id", " "),
                                         ("text", 5), ("author_followers", -1), ("created_at", "1970-01-01T00:00:00Z")])
def test_invalid_fields_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        raw(**{field: value})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        raw(favourite_colour="blue")


def test_flat_author_and_engagement_fields_are_folded() -> None:
    m = raw(author_handle="@kim", author_followers="1200", likes=4, views="10", author_verified=True)
    assert m.author.handle == "@kim" and m.author.followers == 1200 and m.author.verified is True
    assert m.engagement.likes == 4 and m.engagement.views == 10


def test_platform_is_lowercased_and_key_is_stable() -> None:
    a, b = raw(platform="X"), raw(platform="x", text="other text")
    assert a.platform == "x"
    assert a.key == b.key == mention_key("x", "1")
    assert raw(source_id="2").key != a.key


def test_envelope_roundtrip() -> None:
    ms = [raw(source_id=str(i)) for i in range(5)]
    good, bad = decode_mentions(encode_batch("raw", ms), RawMention)
    assert good == ms and bad == []
    parts = [m.model_dump_json().encode() for m in ms]
    assert decode_mentions(encode_parts("raw", parts), RawMention)[0] == ms


def test_bare_mention_and_array_are_accepted() -> None:
    one = raw().model_dump(mode="json")
    assert len(decode_mentions(json.dumps(one).encode(), RawMention)[0]) == 1
    assert len(decode_mentions(json.dumps([one, one]).encode(), RawMention)[0]) == 2


def test_partly_invalid_envelope_keeps_the_valid_items() -> None:
    good_item = raw().model_dump(mode="json")
    doc = {"earshot_batch": 1, "kind": "raw", "mentions": [good_item, {"platform": "x"}, good_item]}
    good, bad = decode_mentions(json.dumps(doc), RawMention)
    assert len(good) == 2
    assert [r.index for r in bad] == [1]
    assert "source_id" in bad[0].reason and "created_at" in bad[0].reason


@pytest.mark.parametrize("value,needle", [(b"\xff\xfe", "not valid JSON"), (b"[1", "not valid JSON"),
                                          (b"42", "expected a JSON object"),
                                          (b'{"earshot_batch": 99, "mentions": []}', "unsupported envelope"),
                                          (b'{"earshot_batch": 1, "mentions": 3}', "must be a list")])
def test_undecodable_messages_are_reported_not_raised(value: bytes, needle: str) -> None:
    good, bad = decode_mentions(value, RawMention)
    assert good == [] and len(bad) == 1 and needle in bad[0].reason


def test_enriched_mention_requires_key() -> None:
    with pytest.raises(ValidationError):
        EnrichedMention.model_validate(raw().model_dump())
    e = EnrichedMention.model_validate({**raw().model_dump(), "mention_key": raw().key})
    assert e.sentiment is None and e.topics == []
