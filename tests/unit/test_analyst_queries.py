"""Pure parts of the analyst layer: time parsing, input validation, gap filling, output formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from earshot.analyst import queries
from earshot.analyst.errors import InvalidArgument
from earshot.analyst.output import render
from earshot.analyst.reports import Chart, Report
from earshot.analyst.series import buckets, downsample, fill_gaps
from earshot.analyst.timerange import Interval, TimeRange, parse_duration, parse_time
from sinks.backends import parse_rows

NOW = datetime(2024, 5, 10, 12, 30, 15, tzinfo=UTC)


def test_parse_time_relative_iso_and_errors() -> None:
    assert parse_time("24h", NOW) == NOW - timedelta(hours=24)
    assert parse_time("2w", NOW) == NOW - timedelta(days=14)
    assert parse_time("2024-05-01", NOW) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_time("2024-05-01T12:00+02:00", NOW) == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_time("now", NOW) == NOW
    for bad in ("yesterday", "5 years", "2024-13-01", "'; DROP"):
        with pytest.raises(InvalidArgument):
            parse_time(bad, NOW)
    with pytest.raises(InvalidArgument):
        parse_duration("0d")


def test_time_range_relative_to_until_and_empty() -> None:
    tr = TimeRange.parse("7d", "2024-05-08", now=NOW)
    assert (tr.start, tr.end) == (datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 8, tzinfo=UTC))
    with pytest.raises(InvalidArgument, match="empty"):
        TimeRange.parse("2024-05-08", "2024-05-01", now=NOW)
    assert TimeRange.parse("1h", now=NOW).aligned(Interval.HOUR).start == datetime(2024, 5, 10, 11, tzinfo=UTC)


def test_topic_ids_are_validated_and_quoted() -> None:
    assert queries.topic_ids(["acme,rival", "acme", " nimbus-s9 "]) == ("acme", "rival", "nimbus-s9")
    for bad in ("Acme", "a'b", "x) OR 1=1 --", "a b"):
        with pytest.raises(InvalidArgument):
            queries.topic_ids([bad])
    tr = TimeRange(NOW - timedelta(days=30), NOW)
    sql = queries.trend(tr, Interval.HOUR, ["acme", "rival"]).sql
    assert "topic_id IN ('acme','rival')" in sql and "FROM topic_volume_1m" in sql
    assert f"minute >= toDateTime({int(Interval.HOUR.floor(tr.start).timestamp())})" in sql
    assert "FROM volume_1m" in queries.trend(tr, Interval.DAY).sql
    with pytest.raises(InvalidArgument):
        queries.top_mentions(tr, "likes")
    with pytest.raises(InvalidArgument):
        queries.top_mentions(tr, "reach", limit=0)
    with pytest.raises(InvalidArgument):
        queries.dead_letter_by_id("not-hex", tr)
    with pytest.raises(InvalidArgument):
        queries.term_counts(tr, TimeRange(NOW - timedelta(days=40), NOW - timedelta(days=1)))


def test_no_18_16_incompatible_sql() -> None:
    tr = TimeRange(NOW - timedelta(days=1), NOW)
    built = [queries.trend(tr, Interval.MINUTE, ["a"]), queries.topic_totals(tr, ["a", "b"]), queries.all_totals(tr),
             queries.top_mentions(tr, "reach", ["a"]), queries.term_counts(tr, TimeRange(tr.start - timedelta(days=7),
                                                                                            tr.start)),
             queries.alert_states(tr, ["a"], "open"), queries.alert_history(tr), queries.dead_letter_summary(tr, "sink"),
             queries.dead_letter_list(tr)]
    for q in built:
        upper = q.sql.upper()
        for forbidden in (" OVER (", "WITH FILL", "TOSTARTOFINTERVAL", "GROUP BY 1", "WITH "):
            assert forbidden not in upper, (forbidden, q.sql)


def test_buckets_and_gap_fill() -> None:
    tr = TimeRange(datetime(2024, 5, 1, 10, 20, tzinfo=UTC), datetime(2024, 5, 1, 13, 0, tzinfo=UTC))
    assert buckets(tr, Interval.HOUR) == [datetime(2024, 5, 1, h, tzinfo=UTC) for h in (10, 11, 12)]
    rows = [{"topic": "a", "bucket": datetime(2024, 5, 1, 11, tzinfo=UTC), "n": 5}]
    filled = fill_gaps(rows, ["a", "b"], tr, Interval.HOUR, {"n": 0})
    assert [(r["topic"], r["bucket"].hour, r["n"]) for r in filled] == [
        ("a", 10, 0), ("a", 11, 5), ("a", 12, 0), ("b", 10, 0), ("b", 11, 0), ("b", 12, 0)]
    with pytest.raises(InvalidArgument, match="too many"):
        buckets(TimeRange(NOW - timedelta(days=400), NOW), Interval.MINUTE)
    assert downsample([1, 1, 3, 3], 2) == [1, 3] and downsample([1, 2], 5) == [1, 2]


def test_parse_rows_types() -> None:
    rows = parse_rows(["n", "t", "a", "r"], ["UInt64", "DateTime('UTC')", "Array(String)", "Nullable(DateTime('UTC'))"],
                      [["18446744073709551615", "2024-05-01 12:00:00", ["x"], None]])
    assert rows == [{"n": 2**64 - 1, "t": datetime(2024, 5, 1, 12, tzinfo=UTC), "a": ["x"], "r": None}]


def test_render_formats() -> None:
    t = datetime(2024, 5, 1, 12, tzinfo=UTC)
    report = Report("t", ["bucket", "n", "tags"], [{"bucket": t, "n": 3, "tags": ["a", "b"]},
                                                    {"bucket": t + timedelta(hours=1), "n": 0, "tags": []}],
                    Chart("lines", "n per hour", [t, t + timedelta(hours=1)], {"acme": [3.0, 0.0]}))
    assert render(report, "csv") == "bucket,n,tags\n2024-05-01 12:00:00,3,a|b\n2024-05-01 13:00:00,0,"
    assert render(report, "json").startswith('[\n {\n  "bucket": "2024-05-01T12:00:00Z"')
    assert "acme  █▁  min 0  max 3" in render(report, "table", tty=True)
    assert "█" not in render(report, "table", tty=False)
