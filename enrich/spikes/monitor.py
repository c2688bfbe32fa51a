"""One object for the pipeline: a detector per (topic, series) plus the incident tracker.

Feed it complete :class:`schemas.alert.VolumePoint` windows in time order per topic; it runs the
``all`` series on ``count`` and the ``negative`` series on ``negative`` (anger spikes), and returns
the alerts to publish. Pure: the only outside call is the optional ``context`` callback, which the
caller implements (e.g. a ClickHouse query) and which is only asked when there is an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from enrich.spikes.detector import DetectorConfig, SpikeDetector
from enrich.spikes.incidents import AlertContext, IncidentTracker, TrackerConfig
from enrich.spikes.timestamps import to_datetime
from schemas.alert import Alert, SeriesKind, VolumePoint

STATE_VERSION = 1

ContextProvider = Callable[[str, SeriesKind, datetime, datetime], AlertContext]
"""``(topic_id, series, window_start, window_end) -> AlertContext`` for an incident window."""


class SpikeMonitor:
    """Spike detection and alert lifecycle for many topics; state checkpoints to a JSON dict."""

    SERIES: tuple[SeriesKind, ...] = ("all", "negative")

    def __init__(self, detector: DetectorConfig | None = None, tracker: TrackerConfig | None = None) -> None:
        self.detector_config = detector or DetectorConfig()
        self.tracker = IncidentTracker(tracker)
        self._detectors: dict[tuple[str, str], SpikeDetector] = {}

    def observe(self, point: VolumePoint, context: ContextProvider | None = None) -> list[Alert]:
        """Score one complete window of a topic and return the alerts it causes (often none)."""
        if point.partition is not None:
            raise ValueError("merge partial counts (partition set) into one window before detection")
        alerts: list[Alert] = []
        for series in self.SERIES:
            key = (point.topic_id, series)
            det = self._detectors.get(key)
            if det is None:
                det = SpikeDetector(replace(self.detector_config, interval_s=float(point.window_s)))
                self._detectors[key] = det
            count = point.count if series == "all" else point.negative
            for verdict in det.update_with_gaps(point.window_start, count):
                ctx = None
                if context is not None:
                    span = self.tracker.window(point.topic_id, series)
                    if verdict.is_spike or span is not None:
                        start = span[0] if span is not None else verdict.window_start
                        end = verdict.ts + verdict.interval_s
                        ctx = context(point.topic_id, series, to_datetime(start), to_datetime(end))
                alert = self.tracker.observe(point.topic_id, verdict, series, ctx)
                if alert is not None:
                    alerts.append(alert)
        return alerts

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible snapshot of every detector and the tracker."""
        return {
            "version": STATE_VERSION,
            "detector_config": {
                **asdict(self.detector_config),
                "windows_s": list(self.detector_config.windows_s),
            },
            "tracker": self.tracker.to_dict(),
            "detectors": [[t, s, d.to_dict()] for (t, s), d in self._detectors.items()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpikeMonitor:
        """Inverse of :meth:`to_dict`."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported monitor state version {data.get('version')!r}")
        cfg = dict(data["detector_config"])
        cfg["windows_s"] = tuple(cfg["windows_s"])
        monitor = cls(DetectorConfig(**cfg))
        monitor.tracker = IncidentTracker.from_dict(data["tracker"])
        for topic, series, state in data["detectors"]:
            monitor._detectors[(topic, series)] = SpikeDetector.from_dict(state)
        return monitor
