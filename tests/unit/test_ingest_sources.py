"""File sources and record validation (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import SourceError
from ingest.records import validate_record
from ingest.sources import CsvSource, JsonlSource, open_source
from schemas import DeadLetter, RawMention

GOOD = '{"platform": "x", "source_id": "1", "text": "hi", "created_at": "2026-11-02T09:00:00Z"}'


def test_jsonl_source_yields_valid_and_dead_letters(tmp_path: Path) -> None:
    p = tmp_path / "m.jsonl"
    p.write_bytes((GOOD + "\n\n{not json\n" + '{"platform": "x"}\n').encode() + b"\xff\xfe\n")
    items = [validate_record(r) for r in JsonlSource(p).records()]
    assert isinstance(items[0], RawMention)
    dead = [i for i in items if isinstance(i, DeadLetter)]
    assert len(dead) == 3
    assert dead[0].error_type == "parse" and "not valid JSON" in dead[0].reason and dead[0].source == "m.jsonl:3"
    assert dead[1].error_type == "validation" and "created_at" in dead[1].reason
    assert "UTF-8" in dead[2].reason


def test_csv_source_maps_flat_columns(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("platform,source_id,text,created_at,author_handle,author_followers,author_verified,likes,source_tags,lang\n"
                 'reddit,9,"Hello, world",2026-11-02T09:00:00Z,@ann,15,true,3,a;b,\n'
                 "reddit,10,bad,not-a-date,,,,,,\n")
    items = [validate_record(r) for r in CsvSource(p).records()]
    m = items[0]
    assert isinstance(m, RawMention)
    assert m.text == "Hello, world" and m.author.handle == "@ann" and m.author.followers == 15
    assert m.author.verified is True and m.engagement.likes == 3 and m.source_tags == ["a", "b"] and m.lang is None
    assert isinstance(items[1], DeadLetter) and "created_at" in items[1].reason


def test_open_source_rejects_unknown_and_missing(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        open_source(tmp_path / "nope.jsonl")
    (tmp_path / "x.parquet").write_text("")
    with pytest.raises(SourceError, match="unknown file type"):
        open_source(tmp_path / "x.parquet")
