"""Every analyst query on both engines (embedded chdb and the ClickHouse 18.16 server).

The data is seeded through the real writers, so the per-minute aggregates are filled by the
materialized views exactly as in production.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from earshot.analyst import reports
from earshot.analyst.errors import InvalidArgument, QueryFailed
from earshot.analyst.output import render, sparklines
from earshot.analyst.plot import render_png
from earshot.analyst.store import BackendStore
from earshot.analyst.timerange import Interval, TimeRange
from schemas import Alert, AuthorReach, DeadLetter
from sinks.writers import AlertWriter, DeadLetterWriter, MentionWriter
from tests.fixtures.clickhouse import make_mention

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
RANGE = TimeRange(T0, T0 + timedelta(minutes=3))
BASELINE = TimeRange(T0 - timedelta(hours=1), T0)


def _at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def seed(backend: Any) -> None:
    """acme: 3 mentions in minute 0, none in minute 1, 1 in minute 2; rival: 2; baseline hour: 4."""
    m = make_mention
    mentions = [
        m(1, created_at=_at(0.1), sentiment="positive", text="Loving the #launch of acme phone"),
        m(2, created_at=_at(0.5), sentiment="negative", text="acme #launch crashed twice, battery"),
        m(3, created_at=_at(0.9), topics=("acme", "rival"), sentiment="neutral", text="#launch acme vs rival"),
        m(4, created_at=_at(2.2), sentiment=None, text="아크미 배터리 #launch 문제"),
        m(5, created_at=_at(1.5), topics=("rival",), sentiment="positive", text="rival is fine"),
        *[m(10 + i, created_at=_at(-50 + i), text="old news about acme battery #old") for i in range(4)],
    ]
    assert MentionWriter(backend).write(mentions) == len(mentions)
    t = _at(0)
    alert = dict(topic_id="acme", severity="warning", window_start=t, window_end=t + timedelta(minutes=5),
                 observed=40.0, expected=8.0, ratio=5.0, sentiment_mix={"negative": 3}, top_terms=["launch"],
                 top_authors=[AuthorReach(handle="big", followers=9)], sample_urls=[], query="acme", opened_at=t)
    AlertWriter(backend).write([
        Alert(alert_id="a1", revision=1, status="open", score=0.7, updated_at=t, **alert),  # type: ignore[arg-type]
        Alert(alert_id="a1", revision=2, status="resolved", score=0.9, updated_at=t + timedelta(minutes=2),
              resolved_at=t + timedelta(minutes=2), **alert),  # type: ignore[arg-type]
        Alert(alert_id="a2", revision=1, status="open", score=0.5, updated_at=t + timedelta(minutes=1),
              **{**alert, "topic_id": "rival"}),  # type: ignore[arg-type]
    ])
    DeadLetterWriter(backend).write([
        DeadLetter.make(stage="ingest", source=f"f.jsonl:{i}", reason="bad json", error_type="parse",
                        payload=f"{{broken {i}", received_at=_at(1)) for i in range(3)
    ] + [DeadLetter.make(stage="sink", source="s", reason="rejected row", error_type="rejected",
                         payload="x" * 500, received_at=_at(2))])


@pytest.fixture
def store(ch_backend: Any) -> BackendStore:
    seed(ch_backend)
    return BackendStore(ch_backend)


def test_trend_fills_gaps_with_zeros(store: BackendStore) -> None:
    report = reports.trend(store, RANGE, Interval.MINUTE, ["acme"])
    assert [(r["bucket"], r["mentions"]) for r in report.rows] == [(_at(0), 3), (_at(1), 0), (_at(2), 1)]
    first = report.rows[0]
    assert (first["positive"], first["negative"], first["neutral"], first["unscored"]) == (1, 1, 1, 0)
    assert first["avg_sentiment"] == pytest.approx((0.7 - 0.6 + 0.0) / 3, abs=1e-4)
    assert first["reach"] == 100 + 200 + 300 and first["engagement"] == (1 + 3) + (2 + 3) + (3 + 3)
    assert report.rows[1]["avg_sentiment"] is None  # no scored mention: unknown, not neutral
    assert report.rows[2]["unscored"] == 1
    hourly = reports.trend(store, TimeRange(_at(-60), _at(3)), Interval.HOUR, ["acme", "rival"])
    assert [(r["topic"], r["bucket"], r["mentions"]) for r in hourly.rows] == [
        ("acme", _at(-60), 4), ("acme", _at(0), 4), ("rival", _at(-60), 0), ("rival", _at(0), 2)]
    everything = reports.trend(store, TimeRange(_at(-60), _at(3)), Interval.DAY)
    assert [(r["topic"], r["mentions"]) for r in everything.rows] == [("all", 9)]


def test_share_of_voice(store: BackendStore) -> None:
    report = reports.share_of_voice(store, RANGE, "acme", ["rival", "nobody"])
    rows = {r["topic"]: r for r in report.rows}
    assert [r["topic"] for r in report.rows] == ["acme", "rival", "nobody"]
    assert rows["acme"]["mentions"] == 4 and rows["rival"]["mentions"] == 2 and rows["nobody"]["mentions"] == 0
    assert rows["acme"]["mentions_pct"] == pytest.approx(66.7) and rows["rival"]["mentions_pct"] == pytest.approx(33.3)
    assert rows["acme"]["role"] == "brand" and rows["rival"]["role"] == "competitor"
    assert rows["rival"]["reach_pct"] == pytest.approx(100 * 800 / (600 + 400 + 300 + 500), abs=0.1)
    per_minute = reports.share_of_voice(store, RANGE, "acme", ["rival"], Interval.MINUTE)
    shares = {(r["bucket"], r["topic"]): r["mentions_pct"] for r in per_minute.rows}
    assert shares[(_at(0), "acme")] == 75.0 and shares[(_at(1), "rival")] == 100.0
    assert shares[(_at(2), "rival")] == 0.0
    with pytest.raises(InvalidArgument):
        reports.share_of_voice(store, RANGE, "acme", [])


def test_sentiment_breakdown_and_trend(store: BackendStore) -> None:
    report = reports.sentiment(store, RANGE, ["acme", "rival"])
    acme, rival = report.rows
    assert (acme["positive"], acme["neutral"], acme["negative"], acme["unscored"]) == (1, 1, 1, 1)
    assert acme["positive_pct"] == pytest.approx(33.3) and acme["net_sentiment"] == 0.0
    assert (rival["positive"], rival["neutral"], rival["mentions"]) == (1, 1, 2)
    assert rival["net_sentiment"] == 0.5
    total = reports.sentiment(store, RANGE)
    assert total.rows[0]["topic"] == "all" and total.rows[0]["mentions"] == 5
    trend = reports.sentiment(store, RANGE, ["acme"], Interval.MINUTE)
    assert [r["negative"] for r in trend.rows] == [1, 0, 0]
    assert trend.chart is not None and list(trend.chart.groups) == ["positive", "neutral", "negative", "unscored"]


def test_top_mentions_by_reach_and_engagement(store: BackendStore) -> None:
    by_reach = reports.top_mentions(store, RANGE, "reach", ["acme"], limit=2)
    assert [r["reach"] for r in by_reach.rows] == [400, 300]
    assert by_reach.rows[0]["topics"] == ["acme"] and by_reach.rows[0]["created_at"] == _at(2.2).replace(microsecond=0)
    by_engagement = reports.top_mentions(store, RANGE, "engagement", limit=10)
    assert [r["engagement"] for r in by_engagement.rows] == [8, 7, 6, 5, 4]
    with pytest.raises(InvalidArgument):
        reports.top_mentions(store, RANGE, "likes")


def test_trending_terms_and_hashtags(store: BackendStore) -> None:
    report = reports.trending_terms(store, RANGE, BASELINE, ["acme"], min_count=2)
    rows = {r["term"]: r for r in report.rows}
    assert report.rows[0]["term"] == "#launch"
    assert rows["#launch"]["recent"] == 4 and rows["#launch"]["baseline"] == 0 and rows["#launch"]["kind"] == "hashtag"
    assert rows["acme"]["baseline"] == 4 and rows["acme"]["lift"] < rows["#launch"]["lift"]
    assert "the" not in rows and "#old" not in rows  # stopword; nothing recent
    tags = reports.trending_terms(store, RANGE, BASELINE, hashtags_only=True, min_count=1)
    assert {r["term"] for r in tags.rows} == {"#launch"}
    korean = reports.trending_terms(store, RANGE, BASELINE, min_count=1)
    assert {"아크미", "배터리", "문제"} <= {r["term"] for r in korean.rows}


def test_alert_history(store: BackendStore) -> None:
    report = reports.alerts(store, TimeRange(_at(-10), _at(10)))
    states = {r["alert_id"]: r for r in report.rows}
    assert states["a1"]["status"] == "resolved" and states["a1"]["revisions"] == 2
    assert states["a1"]["resolved_at"] == _at(2) and states["a2"]["resolved_at"] is None
    assert states["a1"]["peak_score"] == 0.9 and states["a1"]["top_terms"] == ["launch"]
    open_only = reports.alerts(store, TimeRange(_at(-10), _at(10)), status="open")
    assert [r["alert_id"] for r in open_only.rows] == ["a2"]
    rival = reports.alerts(store, TimeRange(_at(-10), _at(10)), ["rival"])
    assert [r["alert_id"] for r in rival.rows] == ["a2"]
    history = reports.alerts(store, TimeRange(_at(-10), _at(10)), history=True)
    assert [(r["alert_id"], r["revision"], r["status"]) for r in history.rows] == [
        ("a1", 1, "open"), ("a1", 2, "resolved"), ("a2", 1, "open")]
    assert reports.alerts(store, TimeRange(_at(60), _at(70))).rows == []


def test_dead_letter_inspection(store: BackendStore) -> None:
    summary = reports.dead_letters(store, RANGE)
    assert [(r["stage"], r["error_type"], r["letters"]) for r in summary.rows] == [
        ("ingest", "parse", 3), ("sink", "rejected", 1)]
    listing = reports.dead_letters(store, RANGE, stage="sink", listing=True)
    assert len(listing.rows) == 1 and len(listing.rows[0]["payload"]) == 200
    full = reports.dead_letters(store, RANGE, letter_id=listing.rows[0]["id"])
    assert full.rows[0]["payload"] == "x" * 500
    with pytest.raises(InvalidArgument):
        reports.dead_letters(store, RANGE, stage="x'; DROP TABLE mentions")


def test_outputs_and_plot(store: BackendStore, tmp_path: Path) -> None:
    report = reports.trend(store, RANGE, Interval.MINUTE, ["acme", "rival"])
    as_json = json.loads(render(report, "json"))
    assert as_json[0] == {**as_json[0], "topic": "acme", "bucket": "2024-05-01T12:00:00Z", "mentions": 3}
    csv_lines = render(report, "csv").splitlines()
    assert csv_lines[0].startswith("topic,bucket,mentions") and csv_lines[1].startswith("acme,2024-05-01 12:00:00,3,")
    table = render(report, "table", tty=True)
    assert "  acme   █▁▃  min 0  max 3" in table and "2024-05-01 12:02:00" in table
    assert sparklines(reports.sentiment(store, RANGE, ["acme"])) == []  # not a time series
    for name, rep in {"trend": report, "sov": reports.share_of_voice(store, RANGE, "acme", ["rival"]),
                      "sentiment": reports.sentiment(store, RANGE, ["acme"], Interval.MINUTE)}.items():
        png = render_png(rep, tmp_path / f"{name}.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_store_refuses_writes(store: BackendStore) -> None:
    with pytest.raises(QueryFailed, match="only SELECT"):
        store.rows("DROP TABLE mentions")
    with pytest.raises(QueryFailed):
        store.rows("SELECT * FROM no_such_table")
