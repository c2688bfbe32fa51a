"""Backend pieces that need no server: URLs, error classification, type mapping, formats, SQL helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from sinks.backends import ServerBackend, _parse_value, arrow_type, open_backend
from sinks.errors import (
    SinkConfigError,
    SinkError,
    SinkRejected,
    SinkUnavailable,
    classify,
    error_code,
    short_message,
)
from sinks.formats import csv_field, render, tsv_field
from sinks.sql import hex_list, identifier, is_hex_key, string_literal
from sinks.writers import existing_keys_sql


def test_server_url_parsing() -> None:
    b = ServerBackend.from_url("clickhouse://ann:p%40ss@db.example:9440/social?secure=1&verify=0&connect_timeout=2")
    assert (b.host, b.port, b.user, b.database) == ("db.example", 9440, "ann", "social")
    args = b._client_args
    assert args["password"] == "p@ss" and args["secure"] is True and args["verify"] is False
    assert args["connect_timeout"] == 2.0


def test_server_url_defaults() -> None:
    b = ServerBackend.from_url("clickhouse://127.0.0.1")
    assert (b.port, b.user, b.database) == (9000, "default", "earshot")
    assert b._client_args["secure"] is False and b._client_args["password"] == ""
    assert ServerBackend.from_url("clickhouses://h/x").port == 9440


@pytest.mark.parametrize("url", ["mysql://h/db", "clickhouse://h/bad-name", "chdb://", "clickhouse://h:notaport/x"])
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(SinkConfigError):
        open_backend(url)


def test_error_classification() -> None:
    assert isinstance(classify(159, "Code: 159. Timeout exceeded"), SinkUnavailable)
    assert isinstance(classify(252, "too many parts"), SinkUnavailable)
    rejected = classify(53, "Code: 53. Type mismatch\nStack trace:\n0. foo")
    assert isinstance(rejected, SinkRejected) and rejected.code == 53
    assert str(rejected) == "Code: 53. Type mismatch"
    unexpected = classify(None, "odd")
    assert type(unexpected) is SinkError and unexpected.code is None
    assert issubclass(SinkConfigError, SinkRejected)
    assert error_code("DB::Exception: Code: 60. Unknown table") == 60
    assert error_code("no code here") is None
    assert short_message("a\nStack trace:\nb") == "a"


def test_arrow_types() -> None:
    assert arrow_type("String") == pa.string()
    assert arrow_type("UInt64") == pa.uint64()
    assert arrow_type("DateTime('UTC')") == pa.timestamp("s", tz="UTC")
    assert arrow_type("Nullable(DateTime('UTC'))") == pa.timestamp("s", tz="UTC")
    assert arrow_type("Array(UInt32)") == pa.list_(pa.uint32())
    assert arrow_type("LowCardinality(String)") == pa.string()
    with pytest.raises(SinkRejected):
        arrow_type("Decimal(10, 2)")


def test_parse_json_values() -> None:
    assert _parse_value("DateTime('UTC')", "2024-05-01 12:00:01") == datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    berlin = _parse_value("DateTime('Europe/Berlin')", "2024-05-01 14:00:00")
    assert berlin.utcoffset() == timedelta(hours=2)
    assert _parse_value("UInt64", "18446744073709551615") == 2**64 - 1
    assert _parse_value("Nullable(DateTime('UTC'))", None) is None
    assert _parse_value("Array(Int64)", ["1", 2]) == [1, 2]
    assert _parse_value("String", "x") == "x"


def test_tsv_and_csv_escaping() -> None:
    assert tsv_field("a\tb\nc\\d'e") == "a\\tb\\nc\\\\d\\'e"
    assert tsv_field(None) == "\\N"
    assert tsv_field(["it's", "x\ty"]) == "['it\\'s','x\\ty']"
    assert tsv_field(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02 03:04:05"
    assert csv_field('say "hi"') == '"say ""hi"""'
    assert csv_field(3) == "3" and csv_field(None) == "\\N"


def test_render_formats() -> None:
    names, rows = ["a", "b"], [(1, "x"), (2, None)]
    assert render("TSVWithNames", names, rows) == b"a\tb\n1\tx\n2\t\\N\n"
    assert render("JSONEachRow", names, rows) == b'{"a":1,"b":"x"}\n{"a":2,"b":null}\n'
    assert render("jsoncompacteachrow", names, rows) == b'[1,"x"]\n[2,null]\n'
    assert render("CSV", names, []) == b""
    with pytest.raises(SinkRejected, match="not supported"):
        render("Parquet", names, rows)


def test_sql_helpers() -> None:
    assert identifier("mention_topics") == "mention_topics"
    for bad in ("a b", "x;drop", "1abc", ""):
        with pytest.raises(SinkRejected):
            identifier(bad)
    assert string_literal("it's a \\ test") == "'it\\'s a \\\\ test'"
    assert is_hex_key("0af3") and not is_hex_key("0AF3") and not is_hex_key("x' OR 1")
    assert hex_list(["ab", "cd"]) == "'ab','cd'"
    with pytest.raises(SinkRejected):
        hex_list(["ab", "') OR 1=1 --"])


def test_existing_keys_sql_bounds_time() -> None:
    first = datetime(2024, 5, 1, 12, 0, 0, 900_000, tzinfo=UTC)
    sql = existing_keys_sql("mentions", "mention_key", "created_at", ["ab"], first, first + timedelta(hours=1))
    assert "created_at >= toDateTime(1714564800)" in sql
    assert "created_at <= toDateTime(1714568400)" in sql
    assert sql.endswith("mention_key IN ('ab')")
