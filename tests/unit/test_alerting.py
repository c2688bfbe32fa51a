"""Spike-stage logic without services: watermarks, incident folding, notifier payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alerting.correlate import IncidentCorrelator
from pipeline.alerting.watermark import closed_until, event_watermark
from schemas import Alert, AuthorReach
from sinks.notifiers.email import email_message
from sinks.notifiers.format import body, title
from sinks.notifiers.http import pagerduty_event, slack_payload

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def alert(alert_id: str, topic: str, status: str = "open", revision: int = 1, series: str = "all",
          start: int = 0, end: int = 5, severity: str = "warning") -> Alert:
    return Alert(alert_id=alert_id, topic_id=topic, series=series, status=status, severity=severity,
                 revision=revision, window_start=T0 + timedelta(minutes=start), window_end=T0 + timedelta(minutes=end),
                 observed=30, expected=3, ratio=10, score=0.99, sentiment_mix={"negative": 20, "neutral": 10},
                 top_terms=["battery", "hot"], top_authors=[AuthorReach(handle="techdaily", followers=120000)],
                 sample_urls=["https://x.com/a/status/1"], query="SELECT 1", opened_at=T0, updated_at=T0)


def test_watermark_waits_for_the_slowest_active_partition() -> None:
    now = 1000.0
    progress = [(0, 500.0, now - 1), (1, 300.0, now - 2), (2, 100.0, now - 500)]  # 2 is idle
    assert event_watermark(progress, now, idle_s=60) == 300.0
    assert event_watermark([], now, idle_s=60) is None


def test_watermark_when_all_partitions_are_idle() -> None:
    now = 1_800_000_000.0
    replay = [(0, now - 86400 * 20, now - 120), (1, now - 86400 * 20 - 30, now - 100)]
    assert event_watermark(replay, now, idle_s=60) == now - 86400 * 20  # old data: the newest event
    live = [(0, now - 300, now - 120)]
    assert event_watermark(live, now, idle_s=60) == now  # a quiet live stream: the wall clock


def test_closed_until_applies_lateness_and_window_boundaries() -> None:
    assert closed_until(1000.0, 120.0) == 840.0
    assert closed_until(959.0, 0.0) == 900.0


def test_concurrent_incident_about_the_same_mentions_is_folded() -> None:
    c = IncidentCorrelator(threshold=0.5)
    same = lambda newcomer, host: 0.9  # noqa: E731
    first = c.process(alert("a1", "nimbus"), same)
    assert first is not None and first.revision == 1 and first.related_topics == []
    folded = c.process(alert("b1", "nimbus-s9", start=1, severity="critical"), same)
    assert folded is not None and folded.alert_id == "a1" and folded.status == "update"
    assert folded.revision == 2 and folded.related_topics == ["nimbus-s9"] and folded.severity == "critical"
    assert c.process(alert("b1", "nimbus-s9", status="update", revision=2), same) is None
    assert c.process(alert("c1", "nimbus", series="negative", start=2), same) is None  # anger of the same topic
    resolved = c.process(alert("a1", "nimbus", status="resolved", revision=2), same)
    assert resolved is not None and resolved.status == "resolved" and resolved.revision == 3
    assert c.process(alert("b1", "nimbus-s9", status="resolved", revision=3), same) is None


def test_unrelated_incidents_stay_separate_and_state_roundtrips() -> None:
    c = IncidentCorrelator(threshold=0.5)
    other = lambda newcomer, host: 0.1  # noqa: E731
    assert c.process(alert("a1", "acme"), other) is not None
    c2 = IncidentCorrelator.from_dict(c.to_dict())
    sent = c2.process(alert("b1", "skylark"), other)
    assert sent is not None and sent.alert_id == "b1" and sent.revision == 1
    later = c2.process(alert("a1", "acme", status="update", revision=2), other)
    assert later is not None and later.revision == 2


def test_incident_opening_after_the_host_ended_is_not_folded() -> None:
    c = IncidentCorrelator(threshold=0.5)
    c.process(alert("a1", "nimbus", end=5), lambda n, h: 1.0)
    sent = c.process(alert("b1", "nimbus-s9", start=30, end=35), lambda n, h: 1.0)
    assert sent is not None and sent.alert_id == "b1"


def test_notifier_payloads_carry_the_context() -> None:
    a = alert("a1", "nimbus", severity="critical")
    assert title(a).startswith("[CRITICAL] OPEN nimbus: 30 mentions vs 3.0 expected (10.0x)")
    text = body(a)
    for needle in ("battery", "@techdaily (120,000)", "https://x.com/a/status/1", "negative 20", "SELECT 1"):
        assert needle in text
    assert slack_payload(a)["text"] == title(a)
    pd = pagerduty_event(a, "KEY")
    assert pd["event_action"] == "trigger" and pd["dedup_key"] == "a1" and pd["payload"]["severity"] == "critical"
    assert pd["links"][0]["href"] == "https://x.com/a/status/1"
    resolved = pagerduty_event(alert("a1", "nimbus", status="resolved", revision=3), "KEY")
    assert resolved == {"routing_key": "KEY", "event_action": "resolve", "dedup_key": "a1"}
    msg = email_message(alert("a1", "nimbus", status="update", revision=2), "e@x", ["oncall@x"])
    assert msg["In-Reply-To"] == "<a1.1@earshot>" and "UPDATE nimbus" in msg["Subject"]


class FakeStore:
    """The store methods SpikeStage uses, over in-memory per-minute counts."""

    def __init__(self, counts: dict[float, dict[str, tuple[int, int]]], newest: float) -> None:
        self.counts, self.newest = counts, newest

    def progress(self) -> list[tuple[int, float, float]]:
        return [(0, self.newest, 0.0)]

    def first_minute(self) -> float | None:
        return min(self.counts) if self.counts else None

    def minute_counts(self, start: float, end: float) -> dict[float, dict[str, tuple[int, int]]]:
        return {m: c for m, c in self.counts.items() if start <= m < end}

    def load_checkpoint(self, key: str) -> None:
        return None

    def context(self, *args: object) -> object:
        from enrich.spikes.incidents import AlertContext

        return AlertContext()

    def overlap(self, *args: object) -> float:
        return 1.0


def test_without_a_checkpoint_detectors_rebuild_from_recent_history_only() -> None:
    from pipeline.alerting.stage import SpikeStage

    day = 86400.0
    counts = {m * 60.0: {"acme": (3, 0)} for m in range(0, int(3 * day / 60))}  # three days, one topic
    store = FakeStore(counts, newest=3 * day)
    stage = SpikeStage(store, lateness_s=0, idle_s=60, history_s=day)  # type: ignore[arg-type]
    stage.tick(now=3 * day + 10_000, checkpoint_key="k")
    assert stage.state is not None and stage.state.topics == ["acme"]
    # started one day back, scored six hours of minutes per tick
    assert stage.processed_until == 2 * day + 6 * 3600
    while stage.processed_until is not None and stage.processed_until < 3 * day:
        assert stage.tick(now=3 * day + 10_000, checkpoint_key="k") == []  # a flat series never alerts
    assert stage.processed_until == 3 * day
