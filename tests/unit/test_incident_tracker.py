"""Incident lifecycle: one alert per incident that opens, escalates and resolves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from enrich.spikes import (
    AlertContext,
    IncidentTracker,
    SpikeDetector,
    SpikeMonitor,
    SpikeVerdict,
    TrackerConfig,
    alert_id_for,
)
from schemas.alert import Alert, AuthorReach, VolumePoint

T0 = 1_767_225_600.0


def _v(
    i: int, spike: bool, count: float = 10.0, expected: float = 10.0, window: int = 1, **kw: float
) -> SpikeVerdict:
    """A verdict for minute ``i`` (built by hand: the tracker must not depend on detector internals)."""
    return SpikeVerdict(
        ts=T0 + i * 60.0,
        interval_s=60.0,
        count=count,
        expected=expected,
        score=float(kw.get("score", 0.9 if spike else 0.1)),
        is_spike=spike,
        p_value=1e-6 if spike else 0.5,
        window_points=window,
        window_observed=float(kw.get("window_observed", count)),
        window_expected=float(kw.get("window_expected", expected)),
        ready=True,
    )


def _feed(tracker: IncidentTracker, verdicts: list[SpikeVerdict], **kw: object) -> list[Alert]:
    alerts = [tracker.observe("acme", v, **kw) for v in verdicts]  # type: ignore[arg-type]
    return [a for a in alerts if a is not None]


def test_open_then_resolve_after_quiet_period() -> None:
    tracker = IncidentTracker()
    verdicts = [_v(0, False), _v(1, True, 30, 10, window=1), _v(2, True, 28, 10)]
    verdicts += [_v(i, False) for i in range(3, 30)]
    alerts = _feed(tracker, verdicts)
    assert [a.status for a in alerts] == ["open", "resolved"]
    opened, resolved = alerts
    assert opened.alert_id == resolved.alert_id == alert_id_for("acme", "all", T0 + 60.0)
    assert opened.revision == 1 and resolved.revision == 2
    assert opened.observed == 30 and opened.expected == 10 and opened.ratio == 3.0
    assert resolved.observed == 58 and resolved.window_end.timestamp() == T0 + 3 * 60.0
    # Resolved once 15 minutes without a spike point have passed (data time, not wall time).
    assert resolved.resolved_at is not None
    assert resolved.resolved_at.timestamp() - resolved.window_end.timestamp() == 15 * 60.0
    assert tracker.active() == []


def test_steady_surge_is_a_single_message() -> None:
    alerts = _feed(IncidentTracker(), [_v(i, True, 25, 10) for i in range(60)])
    assert [a.status for a in alerts] == ["open"]


def test_growing_surge_updates_without_a_storm() -> None:
    tracker = IncidentTracker(TrackerConfig(critical_ratio=1e9, warning_ratio=1e9))  # growth only
    # The ratio grows every minute for an hour, from 1.5x to 60x.
    alerts = _feed(tracker, [_v(i, True, 15 + 10 * i, 10) for i in range(60)])
    assert alerts[0].status == "open"
    assert 2 <= len(alerts) <= 7  # at most one update per 10 minutes
    assert [a.revision for a in alerts] == list(range(1, len(alerts) + 1))
    gaps = [(b.updated_at - a.updated_at).total_seconds() for a, b in zip(alerts, alerts[1:], strict=False)]
    assert min(gaps) >= 600


def test_severity_rises_with_magnitude_and_sends_an_update() -> None:
    tracker = IncidentTracker(TrackerConfig(growth_for_update=100.0))  # only severity can trigger
    alerts = _feed(tracker, [_v(0, True, 15, 10), _v(1, True, 25, 10), _v(2, True, 80, 10)])
    assert [(a.status, a.severity) for a in alerts] == [
        ("open", "info"),
        ("update", "warning"),
        ("update", "critical"),
    ]


def test_negative_sentiment_raises_severity() -> None:
    angry = AlertContext(sentiment_mix={"negative": 40, "neutral": 10, "positive": 5})
    calm = AlertContext(sentiment_mix={"negative": 2, "neutral": 40, "positive": 10})
    few = AlertContext(sentiment_mix={"negative": 2, "neutral": 1})  # high share, too few to matter
    for ctx, expected in ((angry, "warning"), (calm, "info"), (few, "info")):
        alert = IncidentTracker().observe("acme", _v(0, True, 15, 10), context=ctx)
        assert alert is not None and alert.severity == expected
    negative_series = IncidentTracker().observe("acme", _v(0, True, 25, 10), series="negative")
    assert negative_series is not None and negative_series.severity == "critical"
    assert "sentiment_label = 'negative'" in negative_series.query


def test_retrigger_within_cooldown_reopens_the_same_incident() -> None:
    tracker = IncidentTracker()
    verdicts = [_v(0, True, 30, 10)] + [_v(i, False) for i in range(1, 20)] + [_v(40, True, 30, 10)]
    alerts = _feed(tracker, verdicts)
    assert [a.status for a in alerts] == ["open", "resolved", "update"]
    assert len({a.alert_id for a in alerts}) == 1
    assert alerts[-1].resolved_at is None and alerts[-1].revision == 3
    # The lull counts towards the incident window's volume.
    assert alerts[-1].observed == 30 + 19 * 10 + 30


def test_retrigger_after_cooldown_is_a_new_incident() -> None:
    tracker = IncidentTracker()
    verdicts = [_v(0, True, 30, 10)] + [_v(i, False) for i in range(1, 20)] + [_v(200, True, 30, 10)]
    alerts = _feed(tracker, verdicts)
    assert [a.status for a in alerts] == ["open", "resolved", "open"]
    assert alerts[0].alert_id != alerts[2].alert_id
    assert alerts[2].revision == 1


def test_topics_and_series_are_independent() -> None:
    tracker = IncidentTracker()
    a = tracker.observe("acme", _v(0, True, 30, 10))
    b = tracker.observe("acme", _v(0, True, 30, 10), series="negative")
    c = tracker.observe("other", _v(0, True, 30, 10))
    assert a and b and c and len({a.alert_id, b.alert_id, c.alert_id}) == 3
    assert sorted(tracker.active()) == [("acme", "all"), ("acme", "negative"), ("other", "all")]


def test_alert_content() -> None:
    ctx = AlertContext(
        sentiment_mix={"negative": 3, "neutral": 20},
        top_terms=[f"t{i}" for i in range(20)],
        top_authors=[AuthorReach(handle="small", followers=10), AuthorReach(handle="big", followers=10_000)],
        sample_urls=["https://x.test/1", "https://x.test/2"],
    )
    v = _v(10, True, 40, 8, window=15, window_observed=300, window_expected=120)
    alert = IncidentTracker().observe("it's", v, context=ctx)
    assert alert is not None
    assert alert.window_start.timestamp() == T0 + (10 - 14) * 60.0
    assert alert.observed == 300 and alert.expected == 120 and alert.ratio == 2.5
    assert alert.top_terms == [f"t{i}" for i in range(10)]
    assert [a.handle for a in alert.top_authors] == ["big", "small"]
    assert alert.sample_urls == ["https://x.test/1", "https://x.test/2"]
    assert alert.opened_at.timestamp() == T0 + 11 * 60.0
    assert "FROM mention_topics" in alert.query and "JOIN mentions" in alert.query
    assert "t.topic_id = 'it\\'s'" in alert.query  # quotes escaped
    Alert.model_validate_json(alert.model_dump_json())  # schema round trip


def test_state_round_trip_mid_incident() -> None:
    verdicts = [_v(0, True, 30, 10), _v(1, True, 60, 10)] + [_v(i, False) for i in range(2, 25)]
    whole = _feed(IncidentTracker(), verdicts)
    tracker = IncidentTracker()
    first = _feed(tracker, verdicts[:5])
    restored = IncidentTracker.from_dict(json.loads(json.dumps(tracker.to_dict())))
    assert first + _feed(restored, verdicts[5:]) == whole
    with pytest.raises(ValueError):
        IncidentTracker.from_dict({"version": 0})


def test_backfill_replay_yields_the_same_alerts_as_the_live_stream() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(8.0, 3000)
    counts[2000:2030] += 40
    counts[2600:2605] += 60

    def stream(checkpoint_every: int | None) -> list[Alert]:
        det, tracker = SpikeDetector(), IncidentTracker()
        out: list[Alert] = []
        for i, c in enumerate(counts):
            if checkpoint_every and i % checkpoint_every == 0:  # a worker restarting from checkpoints
                det = SpikeDetector.from_dict(json.loads(json.dumps(det.to_dict())))
                tracker = IncidentTracker.from_dict(json.loads(json.dumps(tracker.to_dict())))
            alert = tracker.observe("acme", det.update(T0 + i * 60.0, int(c)))
            if alert is not None:
                out.append(alert)
        return out

    live, backfill = stream(250), stream(None)
    assert live == backfill
    assert [a.status for a in live].count("open") == 2


def test_monitor_runs_both_series_and_asks_for_context_only_during_incidents() -> None:
    rng = np.random.default_rng(4)
    asked: list[tuple[str, str]] = []

    def context(topic: str, series: str, start: datetime, end: datetime) -> AlertContext:
        asked.append((topic, series))
        assert start < end
        return AlertContext(sentiment_mix={"negative": 50, "neutral": 5}, sample_urls=["https://x.test/a"])

    monitor = SpikeMonitor()
    alerts: list[Alert] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1500):
        total, negative = int(rng.poisson(10.0)), int(rng.poisson(1.0))
        if 1200 <= i < 1220:  # an angry surge
            total, negative = total + 40, negative + 38
        point = VolumePoint(
            topic_id="acme", window_start=start + timedelta(minutes=i), count=total, negative=negative
        )
        if i == 700:  # checkpoint and restore in the middle
            monitor = SpikeMonitor.from_dict(json.loads(json.dumps(monitor.to_dict())))
        alerts += monitor.observe(point, context)
    opened = [a for a in alerts if a.status == "open"]
    assert {a.series for a in opened} == {"all", "negative"}
    assert all(a.sample_urls == ["https://x.test/a"] for a in alerts)
    assert {a.status for a in alerts} >= {"open", "resolved"}
    # Context is only fetched around incidents, not for the 1500 quiet minutes.
    assert 0 < len(asked) < 200
    with pytest.raises(ValueError):
        monitor.observe(VolumePoint(topic_id="acme", window_start=start, partition=3), context)
