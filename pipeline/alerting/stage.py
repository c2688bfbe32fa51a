"""The spike stage: score every closed minute of every topic, and turn incidents into alerts.

Runs on the leader worker only. Each tick it computes which minutes are final (event-time
watermark minus the allowed lateness), reads their per-topic counts from ClickHouse, feeds them in
time order to :class:`enrich.spikes.SpikeMonitor` (volume and negative-only series per topic), folds
concurrent incidents about the same mentions into one alert, and returns the alerts to deliver.
The same code runs a backfill (``earshot alerts backfill``), so both give the same alerts.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from enrich.spikes import SpikeMonitor
from enrich.spikes.detector import DetectorConfig
from pipeline.alerting.correlate import IncidentCorrelator
from pipeline.alerting.store import SpikeStore
from pipeline.alerting.watermark import closed_until, event_watermark
from schemas import Alert, VolumePoint

log = logging.getLogger(__name__)

WINDOW_S = 60.0
MAX_MINUTES_PER_TICK = 6 * 60
"""Minutes scored per tick while catching up, so a long backlog does not block the worker."""


@dataclass
class SpikeState:
    """Everything the stage carries between ticks; JSON-serialisable for checkpoints."""

    monitor: SpikeMonitor
    correlator: IncidentCorrelator
    processed_until: float | None = None
    topics: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"monitor": self.monitor.to_dict(), "correlator": self.correlator.to_dict(),
                "topics": list(self.topics)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], processed_until: float) -> SpikeState:
        return cls(monitor=SpikeMonitor.from_dict(data["monitor"]),
                   correlator=IncidentCorrelator.from_dict(data["correlator"]),
                   processed_until=processed_until, topics=list(data["topics"]))


class SpikeStage:
    """Advances detection over closed minutes. Blocking (ClickHouse): run it in a worker thread."""

    def __init__(self, store: SpikeStore, lateness_s: float, idle_s: float, false_alarms_per_week: float = 1.0,
                 merge_overlap: float = 0.5, dashboard_url: str | None = None,
                 history_s: float | None = None) -> None:
        self.store = store
        self.lateness_s = lateness_s
        self.idle_s = idle_s
        self.false_alarms_per_week = false_alarms_per_week
        self.merge_overlap = merge_overlap
        self.dashboard_url = dashboard_url
        self.history_s = history_s
        self.state: SpikeState | None = None
        self.published_until: float | None = None
        """Set by the caller once the alerts of the minutes before it are stored and sent."""

    def fresh_state(self, start: float | None = None) -> SpikeState:
        monitor = SpikeMonitor(DetectorConfig(false_alarms_per_week=self.false_alarms_per_week))
        return SpikeState(monitor=monitor, correlator=IncidentCorrelator(self.merge_overlap), processed_until=start)

    def watermark(self, now: float) -> float | None:
        return event_watermark(self.store.progress(), now, self.idle_s)

    def advance(self, until: float, max_minutes: int | None = MAX_MINUTES_PER_TICK) -> list[Alert]:
        """Score minutes from where the state stopped up to ``until`` (exclusive); returns alerts to send."""
        if self.state is None:
            self.state = self.fresh_state()
        state = self.state
        if state.processed_until is None:
            first = self.store.first_minute()
            if first is None:
                return []
            state.processed_until = first
        start = state.processed_until
        end = until if max_minutes is None else min(until, start + max_minutes * WINDOW_S)
        if end <= start:
            return []
        counts = self.store.minute_counts(start, end)
        alerts: list[Alert] = []
        known = set(state.topics)
        minute = start
        while minute < end:
            present = counts.get(minute, {})
            for topic in sorted(set(present) - known):  # a topic's series start with its first mention
                known.add(topic)
                state.topics.append(topic)
            ts = datetime.fromtimestamp(minute, UTC)
            for topic in state.topics:
                count, negative = present.get(topic, (0, 0))
                point = VolumePoint(topic_id=topic, window_start=ts, window_s=int(WINDOW_S), count=count,
                                    negative=negative)
                for alert in state.monitor.observe(point, context=self.store.context):
                    sent = state.correlator.process(alert, self.store.overlap)
                    if sent is not None:
                        alerts.append(self._decorate(sent))
            minute += WINDOW_S
        state.processed_until = end
        return alerts

    def _decorate(self, alert: Alert) -> Alert:
        return alert.model_copy(update={"dashboard_url": self.dashboard_url}) if self.dashboard_url else alert

    def tick(self, now: float, checkpoint_key: str | None = None) -> list[Alert]:
        """One live step: restore state if needed, score newly closed minutes.

        All or nothing: if a read fails half-way (ClickHouse down), the state is put back as it was,
        so retrying the tick scores the same minutes once, not some of them twice.
        """
        saved = copy.deepcopy(self.state)
        try:
            return self._tick(now, checkpoint_key)
        except BaseException:
            self.state = saved
            raise

    def _tick(self, now: float, checkpoint_key: str | None) -> list[Alert]:
        if self.state is None and checkpoint_key is not None:
            saved = self.store.load_checkpoint(checkpoint_key)
            if saved is not None:
                self.state = SpikeState.from_dict(saved[1], saved[0])
                log.info("spike state restored (scored until %s)", datetime.fromtimestamp(saved[0], UTC))
        wm = self.watermark(now)
        if wm is None:
            return []
        if self.state is None and self.history_s is not None:  # no checkpoint: rebuild from recent history
            first = self.store.first_minute()
            if first is None:
                return []
            start = max(first, ((wm - self.history_s) // WINDOW_S) * WINDOW_S)
            self.state = self.fresh_state(start=start)
            log.info("spike detectors rebuilt from stored counts since %s", datetime.fromtimestamp(start, UTC))
        return self.advance(closed_until(wm, self.lateness_s, WINDOW_S))

    def checkpoint(self, key: str, now: datetime) -> None:
        if self.state is not None and self.state.processed_until is not None:
            self.store.save_checkpoint(key, self.state.processed_until, self.state.to_dict(), now)

    @property
    def processed_until(self) -> float | None:
        return self.state.processed_until if self.state else None


def run_backfill(store: SpikeStore, since: float, until: float, lateness_s: float = 0.0,
                 false_alarms_per_week: float = 1.0, merge_overlap: float = 0.5,
                 on_progress: Callable[[float], None] | None = None) -> list[Alert]:
    """Score stored history from ``since`` to ``until`` with fresh detectors (nothing is sent)."""
    stage = SpikeStage(store, lateness_s=lateness_s, idle_s=0.0, false_alarms_per_week=false_alarms_per_week,
                       merge_overlap=merge_overlap)
    stage.state = stage.fresh_state(start=(since // WINDOW_S) * WINDOW_S)
    alerts: list[Alert] = []
    while stage.processed_until is not None and stage.processed_until < until:
        alerts.extend(stage.advance(until))
        if on_progress is not None and stage.processed_until is not None:
            on_progress(stage.processed_until)
    return alerts
