"""Hostile files through JsonlSource/CsvSource and validate_record: never raise, one outcome per record."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ingest.records import SourceRecord, json_record, validate_record
from ingest.sources import MAX_LINE_CHARS, CsvSource, JsonlSource
from schemas import DeadLetter, RawMention
from schemas.deadletter import MAX_PAYLOAD_CHARS
from tests.fuzz.hostile import GOOD, dumps, fuzz, hostile_mention, hostile_timestamp, nested, serialises

HOSTILE_LINES = [
    b"", b" \t", b"\x00", b"\x00" * 50, b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"{", b"}", b"[]", b"null", b"1e400", b"-0", b'"str"', b"NaN", b"Infinity", b"9" * 5_000,
    b'{"text": "\\ud800"}', b'{"platform": "x", "source_id": "1", "text": "hi", "created_at": "2026-11-02T09:00:00Z", '
    b'"extras": {"k": "\\udfff"}, "source_tags": ["\\ud83d"]}',
    nested(2_000).encode(), nested(50_000).encode(), b"[" * 100_000,
    dumps(GOOD).encode(), dumps(GOOD).encode() + b"\x00", dumps({**GOOD, "text": "x" * 100_001}).encode(),
    dumps({**GOOD, "created_at": "9999-12-31T23:59:59-23:59"}).encode(),
    dumps({**GOOD, "created_at": "0001-01-01T00:00:00+23:59"}).encode(),
    dumps({**GOOD, "extras": __import__("json").loads(nested(300))}).encode(),
]
line_bytes = st.one_of(st.sampled_from(HOSTILE_LINES), st.binary(max_size=200),
                       hostile_mention().map(lambda d: dumps(d).encode()))
separators = st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\n", b"\r\r\n"])


def _check(item: RawMention | DeadLetter) -> None:
    if isinstance(item, DeadLetter):
        assert item.reason.strip()
        assert item.error_type in ("parse", "validation")
        assert item.payload or item.payload_truncated is False
    else:
        assert 2000 <= item.created_at.year <= 2200
    serialises(item)


def _expected_records(data: bytes) -> int:
    text = data.decode("utf-8", "surrogateescape")
    return sum(1 for line in re.split(r"\r\n|\r|\n", text) if line.strip())


@fuzz()
@given(st.lists(st.tuples(line_bytes, separators), max_size=12))
def test_jsonl_source_turns_every_line_into_a_mention_or_a_dead_letter(lines: list[tuple[bytes, bytes]]) -> None:
    data = b"".join(line + sep for line, sep in lines)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.jsonl"
        path.write_bytes(data)
        items = [validate_record(r) for r in JsonlSource(path).records()]
    assert len(items) == _expected_records(data)
    for item in items:
        _check(item)


cells = st.one_of(st.text(max_size=30), st.sampled_from(['"', '""', '"a,b"', "\x00", "\r\n", "\n", "a\"b", ",,,",
                                                         "2026-11-02T09:00:00Z", "9999-12-31T23:59:59-23:59",
                                                         "-1", "1e400", "true", "x" * 200_000, "\udcff"]))
HEADERS = ["platform,source_id,text,created_at", "platform,source_id,text,created_at,author_followers,likes,"
           "author_verified,source_tags", "", "a", '"unterminated', "x" * 200_000, "\x00,\x00"]


@fuzz(0.5)
@given(st.sampled_from(HEADERS), st.lists(st.lists(cells, max_size=10), max_size=8), st.binary(max_size=50))
def test_csv_source_never_raises(header: str, rows: list[list[str]], junk: bytes) -> None:
    body = header + "\n" + "\n".join(",".join(row) for row in rows)
    data = body.encode("utf-8", "surrogateescape") + junk
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.csv"
        path.write_bytes(data)
        items = [validate_record(r) for r in CsvSource(path).records()]
    for item in items:
        _check(item)


def test_csv_cell_over_the_field_size_limit_is_one_dead_letter(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    big = "y" * 200_000
    path.write_text(f"platform,source_id,text,created_at\nx,1,{big},2026-11-02T09:00:00Z\n"
                    "x,2,fine,2026-11-02T09:00:00Z\n")
    items = [validate_record(r) for r in CsvSource(path).records()]
    assert [type(i).__name__ for i in items] == ["DeadLetter", "RawMention"]
    assert "field larger than field limit" in items[0].reason and big in items[0].payload


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deeply_nested_json_line_is_a_dead_letter(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(nested(depth) + "\n" + dumps(GOOD) + "\n")
    items = [validate_record(r) for r in JsonlSource(path).records()]
    assert isinstance(items[0], DeadLetter) and isinstance(items[1], RawMention)
    assert items[0].payload.startswith('{"a":[') and items[0].error_type in ("parse", "validation")


def test_lone_surrogates_and_deep_extras_are_rejected_not_published() -> None:
    for line in (r'{"platform":"x","source_id":"1","text":"hi","created_at":"2026-11-02T09:00:00Z","extras":{"k":"\ud800"}}',
                 r'{"platform":"x","source_id":"1","text":"hi","created_at":"2026-11-02T09:00:00Z","source_tags":["\udc00"]}',
                 dumps({**GOOD, "extras": __import__("json").loads(nested(300))})):
        item = validate_record(json_record(line, "t"))
        assert isinstance(item, DeadLetter), line[:80]
        serialises(item)


def test_overlong_line_is_cut_and_flagged_without_loading_it(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"text": "' + b"z" * (6 * MAX_LINE_CHARS) + b'"}\n')
        fh.write(dumps(GOOD).encode() + b"\n")
    tracemalloc.start()
    try:
        items = [validate_record(r) for r in JsonlSource(path).records()]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], DeadLetter) and "longer than" in items[0].reason
    assert items[0].payload_truncated and len(items[0].payload) == MAX_PAYLOAD_CHARS
    assert isinstance(items[1], RawMention) and items[1].source_id == "1"
    # the line is 60 MiB: reading it whole would peak above that. Reading in chunks of the limit
    # peaks at about 3x the limit (decoder buffer, chunk, prefix), whatever the line length.
    assert peak < 4 * MAX_LINE_CHARS, peak


@fuzz()
@given(hostile_mention())
def test_validate_record_on_wrong_types_and_shapes(payload: object) -> None:
    item = validate_record(SourceRecord(origin="fuzz", raw=dumps(payload), payload=payload))
    _check(item)


@fuzz()
@given(hostile_timestamp())
def test_timestamps_far_in_the_past_or_future_validate_or_reject_cleanly(ts: object) -> None:
    try:
        m = RawMention.model_validate({**GOOD, "created_at": ts})
    except ValidationError:
        return
    assert 2000 <= m.created_at.year <= 2200 and m.created_at.utcoffset() is not None
