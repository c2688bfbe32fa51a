"""decode_mentions on arbitrary bytes and hostile JSON: never raises, every reject has a reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import DeadLetter, EnrichedMention, RawMention, decode_mentions
from tests.fuzz.hostile import GOOD, dumps, fuzz, hostile_mention, json_values, nested, now, serialises


def _check(value: bytes | str, model: type[RawMention]) -> tuple[list[RawMention], list]:
    good, bad = decode_mentions(value, model)
    for m in good:
        assert isinstance(m, model)
        serialises(m)
    for r in bad:
        assert r.reason.strip() and isinstance(r.payload, str)
        serialises(DeadLetter.make(stage="fuzz", source="t", reason=r.reason, error_type="validation",
                                   payload=r.payload, received_at=now()))
    return good, bad


@fuzz()
@given(st.binary(max_size=500), st.sampled_from([RawMention, EnrichedMention]))
def test_arbitrary_bytes(value: bytes, model: type[RawMention]) -> None:
    good, bad = _check(value, model)
    assert good or bad


envelopes = st.fixed_dictionaries({"earshot_batch": json_values | st.integers(-3, 3), "kind": json_values},
                                  optional={"mentions": st.lists(hostile_mention(), max_size=5) | json_values})


@fuzz()
@given(st.one_of(hostile_mention(), st.lists(hostile_mention(), max_size=8), envelopes))
def test_hostile_json_documents(doc: object) -> None:
    good, bad = _check(dumps(doc).encode(), RawMention)
    items = doc if isinstance(doc, list) else None
    if items is not None:  # one outcome per item of an array
        assert len(good) + len(bad) == len(items)
        assert all(r.index >= 0 for r in bad)


@pytest.mark.parametrize("text", [
    nested(10_000), "[" * 100_000, '{"earshot_batch": 1, "mentions": ' + nested(5_000) + "}",
    '{"earshot_batch": 2, "mentions": [' + nested(900) + "]}",
    "[" + ",".join([nested(900)] * 3) + "]",
    '{"earshot_batch": "' + "9" * 100_000 + '", "mentions": []}',
    "[" + ",".join([dumps(GOOD)] * 20_000) + "]",
    "[" + ",".join(["1"] * 20_000) + "]",
    r'[{"platform":"x","source_id":"1","text":"\ud800","created_at":"2026-11-02T09:00:00Z","extras":{"\udfff":1}}]',
])
def test_nesting_huge_arrays_and_surrogates(text: str) -> None:
    good, bad = _check(text.encode(), RawMention)
    assert good or bad
    for r in bad:
        assert len(r.reason) < 10_000


def test_wrong_envelope_versions_are_rejected_with_the_version() -> None:
    for version in (0, 2, -1, "1", 1.5, None, [1], {"v": 1}, True):
        good, bad = decode_mentions(json.dumps({"earshot_batch": version, "mentions": [GOOD]}), RawMention)
        if version is True:  # bool is an int in Python: True == 1 is accepted like the spec's version 1
            continue
        assert not good and len(bad) == 1 and "envelope version" in bad[0].reason
