"""Incident lifecycle: turns per-point detector verdicts into one alert per incident.

An incident opens on the first spike point of a (topic, series), is re-sent as ``update`` only when
it escalates (severity rises at once; the peak observed/expected ratio growing by
``growth_for_update`` since the last message, at most every ``min_update_gap_s``), and is
``resolved`` after ``resolve_after_s`` without spike points. A spike within
``cooldown_s`` of the resolution reopens the same incident (same ``alert_id``, next revision)
instead of paging again. Everything is computed from the verdicts' data timestamps, never from the
wall clock, so replaying the same verdicts (a backfill) yields the same alerts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from enrich.spikes.detector import SpikeVerdict
from enrich.spikes.query import incident_query
from enrich.spikes.timestamps import to_datetime
from schemas.alert import Alert, AuthorReach, SeriesKind, Severity

STATE_VERSION = 1
_SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")


@dataclass(frozen=True)
class AlertContext:
    """What the caller knows about the incident window (from its own mention store)."""

    sentiment_mix: Mapping[str, int] = field(default_factory=dict)
    top_terms: Sequence[str] = ()
    top_authors: Sequence[AuthorReach] = ()
    sample_urls: Sequence[str] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "sentiment_mix": dict(self.sentiment_mix),
            "top_terms": list(self.top_terms),
            "top_authors": [[a.handle, a.followers] for a in self.top_authors],
            "sample_urls": list(self.sample_urls),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertContext:
        """Inverse of :meth:`to_dict`."""
        return cls(
            sentiment_mix={str(k): int(v) for k, v in data["sentiment_mix"].items()},
            top_terms=tuple(data["top_terms"]),
            top_authors=tuple(AuthorReach(handle=h, followers=f) for h, f in data["top_authors"]),
            sample_urls=tuple(data["sample_urls"]),
        )

    @property
    def negative_share(self) -> tuple[int, float]:
        """(negative mentions, negative share of all labelled mentions)."""
        total = sum(self.sentiment_mix.values())
        negative = self.sentiment_mix.get("negative", 0)
        return negative, (negative / total if total else 0.0)


@dataclass(frozen=True)
class TrackerConfig:
    """Tuning of :class:`IncidentTracker`. Durations in seconds of data time."""

    resolve_after_s: float = 15 * 60.0
    """Quiet time (no spike point) before an incident resolves."""
    cooldown_s: float = 60 * 60.0
    """A spike this soon after resolution reopens the same incident instead of opening a new one."""
    growth_for_update: float = 0.5
    """The peak observed/expected ratio must grow by this fraction since the last message to update..."""
    min_update_gap_s: float = 10 * 60.0
    """...and such growth updates are at least this far apart (a rise in severity is sent at once)."""
    warning_ratio: float = 2.0
    """Peak observed / expected at which an incident is at least a warning..."""
    critical_ratio: float = 5.0
    """...and a critical."""
    negative_share: float = 0.5
    """Negative share of sentiment-labelled mentions that raises severity one level..."""
    min_negative: int = 5
    """...when there are at least this many negative mentions (one angry post of one is not a trend)."""
    max_terms: int = 10
    max_authors: int = 5
    max_urls: int = 5
    query_limit: int = 200


@dataclass
class _Incident:
    alert_id: str
    topic_id: str
    series: SeriesKind
    window_start: float
    window_end: float
    observed: float
    expected: float
    peak_ratio: float
    peak_score: float
    severity: Severity
    revision: int
    opened_at: float
    updated_at: float
    sent_ratio: float
    sent_severity: Severity
    pending_observed: float = 0.0
    pending_expected: float = 0.0
    resolved_at: float | None = None
    context: dict[str, Any] | None = None


def alert_id_for(topic_id: str, series: str, window_start: float) -> str:
    """Stable id of the incident that opened with the window starting at ``window_start``."""
    raw = f"{topic_id}\x1f{series}\x1f{round(window_start * 1000)}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


class IncidentTracker:
    """Alert lifecycle for any number of (topic, series) pairs; feed it every verdict in time order."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._incidents: dict[tuple[str, str], _Incident] = {}

    def observe(
        self,
        topic_id: str,
        verdict: SpikeVerdict,
        series: SeriesKind = "all",
        context: AlertContext | None = None,
    ) -> Alert | None:
        """Advance the (topic, series) incident by one verdict; return the alert to send, if any.

        ``context`` describes the incident window so far (sentiment mix, top terms, authors, links);
        pass it when there is an incident to describe (it may be omitted on quiet points).
        """
        key = (topic_id, series)
        inc = self._incidents.get(key)
        end = verdict.ts + verdict.interval_s
        cfg = self.config
        if inc is not None and inc.resolved_at is not None and end - inc.resolved_at > cfg.cooldown_s:
            del self._incidents[key]
            inc = None
        if context is not None and inc is not None:
            inc.context = context.to_dict()

        if not verdict.is_spike:
            if inc is None:
                return None
            inc.pending_observed += verdict.count
            inc.pending_expected += verdict.expected
            # Quiet time from data timestamps, so points the detector filled in for a gap count too.
            if inc.resolved_at is not None or end - inc.window_end < cfg.resolve_after_s:
                return None
            inc.resolved_at = end
            inc.updated_at = end
            inc.revision += 1
            return self._alert(inc, "resolved")

        if inc is None:
            start = verdict.window_start
            ratio = verdict.ratio
            inc = _Incident(
                alert_id=alert_id_for(topic_id, series, start),
                topic_id=topic_id,
                series=series,
                window_start=start,
                window_end=end,
                observed=verdict.window_observed,
                expected=verdict.window_expected,
                peak_ratio=ratio,
                peak_score=verdict.score,
                severity="info",
                revision=1,
                opened_at=end,
                updated_at=end,
                sent_ratio=ratio,
                sent_severity="info",
                context=context.to_dict() if context is not None else None,
            )
            inc.severity = inc.sent_severity = self._severity(inc)
            self._incidents[key] = inc
            return self._alert(inc, "open")

        # The incident window is contiguous: lulls between spike points count towards its volume.
        inc.observed += inc.pending_observed + verdict.count
        inc.expected += inc.pending_expected + verdict.expected
        inc.pending_observed = inc.pending_expected = 0.0
        inc.window_end = end
        inc.peak_ratio = max(inc.peak_ratio, verdict.ratio)
        inc.peak_score = max(inc.peak_score, verdict.score)
        inc.severity = self._severity(inc)
        reopened = inc.resolved_at is not None
        escalated = _SEVERITIES.index(inc.severity) > _SEVERITIES.index(inc.sent_severity)
        grown = (
            inc.peak_ratio >= inc.sent_ratio * (1.0 + cfg.growth_for_update)
            and end - inc.updated_at >= cfg.min_update_gap_s
        )
        if not (reopened or escalated or grown):
            return None
        inc.resolved_at = None
        inc.revision += 1
        inc.updated_at = end
        inc.sent_ratio = inc.peak_ratio
        inc.sent_severity = inc.severity
        return self._alert(inc, "update")

    def window(self, topic_id: str, series: str = "all") -> tuple[float, float] | None:
        """(start, end) epoch seconds of the (topic, series) incident, while it is unresolved."""
        inc = self._incidents.get((topic_id, series))
        if inc is None or inc.resolved_at is not None:
            return None
        return inc.window_start, inc.window_end

    def active(self) -> list[tuple[str, str]]:
        """(topic_id, series) pairs with an unresolved incident."""
        return [k for k, inc in self._incidents.items() if inc.resolved_at is None]

    def _severity(self, inc: _Incident) -> Severity:
        cfg = self.config
        level = 0
        if inc.peak_ratio >= cfg.critical_ratio:
            level = 2
        elif inc.peak_ratio >= cfg.warning_ratio:
            level = 1
        angry = inc.series == "negative"
        if inc.context is not None and not angry:
            ctx = AlertContext.from_dict(inc.context)
            negative, share = ctx.negative_share
            angry = negative >= cfg.min_negative and share >= cfg.negative_share
        if angry:
            level = min(level + 1, 2)
        return _SEVERITIES[level]

    def _alert(self, inc: _Incident, status: Literal["open", "update", "resolved"]) -> Alert:
        cfg = self.config
        ctx = AlertContext.from_dict(inc.context) if inc.context is not None else AlertContext()
        start, end = to_datetime(inc.window_start), to_datetime(inc.window_end)
        return Alert(
            alert_id=inc.alert_id,
            topic_id=inc.topic_id,
            series=inc.series,
            status=status,
            severity=inc.severity,
            revision=inc.revision,
            window_start=start,
            window_end=end,
            observed=inc.observed,
            expected=round(inc.expected, 3),
            ratio=round(inc.observed / max(inc.expected, 0.01), 3),
            score=min(1.0, max(0.0, inc.peak_score)),
            sentiment_mix=dict(ctx.sentiment_mix),
            top_terms=list(ctx.top_terms)[: cfg.max_terms],
            top_authors=sorted(ctx.top_authors, key=lambda a: -a.followers)[: cfg.max_authors],
            sample_urls=list(ctx.sample_urls)[: cfg.max_urls],
            query=incident_query(inc.topic_id, start, end, inc.series, cfg.query_limit),
            opened_at=to_datetime(inc.opened_at),
            updated_at=to_datetime(inc.updated_at),
            resolved_at=to_datetime(inc.resolved_at) if inc.resolved_at is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible snapshot (restore with :meth:`from_dict`)."""
        return {
            "version": STATE_VERSION,
            "config": asdict(self.config),
            "incidents": [asdict(inc) for inc in self._incidents.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentTracker:
        """Inverse of :meth:`to_dict`."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported tracker state version {data.get('version')!r}")
        tracker = cls(TrackerConfig(**data["config"]))
        for raw in data["incidents"]:
            inc = _Incident(**raw)
            tracker._incidents[(inc.topic_id, inc.series)] = inc
        return tracker
