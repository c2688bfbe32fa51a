"""Folding concurrent incidents about the same mentions into one alert.

A product spike is usually also a brand spike, and an anger spike usually also a volume spike: the
detectors see several series jump at once, but on-call staff want one page per incident. When an
incident opens while another is open, and at least ``threshold`` of the newcomer's mentions in its
window are also the open incident's mentions, the newcomer is folded in: it is listed in the open
alert's ``related_topics`` (which is re-sent as an update) and its own messages are not sent.

Pure and deterministic given the overlap function, so a backfill folds the same way as the live run.
Revisions of the alerts sent are numbered here, since folding adds updates the tracker did not make.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas import Alert

Overlap = Callable[[Alert, Alert], float]
"""``(newcomer, open_incident) -> share of the newcomer's mentions that the open incident also has``."""

_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass
class _Root:
    last: Alert
    revision: int
    related: list[str] = field(default_factory=list)


class IncidentCorrelator:
    """Maps detector incidents to the alerts actually sent."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._roots: dict[str, _Root] = {}  # open incidents that are sent, by alert_id
        self._folded: dict[str, str] = {}  # folded incident alert_id -> root alert_id

    def process(self, alert: Alert, overlap: Overlap) -> Alert | None:
        """The alert to send for one tracker alert, or None when it was folded into another."""
        root_id = self._folded.get(alert.alert_id)
        if root_id is not None:
            if alert.status == "resolved":
                del self._folded[alert.alert_id]
            return None
        root = self._roots.get(alert.alert_id)
        if root is None and alert.status != "resolved":
            host = self._host_for(alert, overlap)
            if host is not None:
                self._folded[alert.alert_id] = host.last.alert_id
                if alert.topic_id not in host.related and alert.topic_id != host.last.topic_id:
                    host.related.append(alert.topic_id)
                    return self._emit(host, host.last, status="update",
                                      severity=_max_severity(host.last.severity, alert.severity),
                                      updated_at=alert.updated_at)
                return None
            root = self._roots[alert.alert_id] = _Root(last=alert, revision=0)
        if root is None:  # a resolve for an incident never sent (state lost): nothing to close
            return None
        # an incident's severity never drops while it lasts (folded incidents may have raised it)
        severity = _max_severity(root.last.severity, alert.severity) if root.revision else alert.severity
        sent = self._emit(root, alert, status=alert.status, severity=severity, updated_at=alert.updated_at)
        if alert.status == "resolved":
            del self._roots[alert.alert_id]
            self._folded = {k: v for k, v in self._folded.items() if v != alert.alert_id}
        return sent

    def _host_for(self, alert: Alert, overlap: Overlap) -> _Root | None:
        for root in self._roots.values():  # in opening order: the first incident hosts the later ones
            if root.last.window_end < alert.window_start:
                continue
            if overlap(alert, root.last) >= self.threshold:
                return root
        return None

    @staticmethod
    def _emit(root: _Root, alert: Alert, status: str, severity: str, updated_at: datetime) -> Alert:
        root.revision += 1
        sent = alert.model_copy(update={"status": status, "severity": severity, "revision": root.revision,
                                        "related_topics": list(root.related), "updated_at": updated_at})
        root.last = sent
        return sent

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "folded": dict(self._folded),
                "roots": {k: {"last": r.last.model_dump(mode="json"), "revision": r.revision,
                              "related": list(r.related)} for k, r in self._roots.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentCorrelator:
        c = cls(float(data["threshold"]))
        c._folded = {str(k): str(v) for k, v in data["folded"].items()}
        for k, r in data["roots"].items():
            c._roots[str(k)] = _Root(last=Alert.model_validate(r["last"]), revision=int(r["revision"]),
                                     related=list(r["related"]))
        return c


def _max_severity(a: str, b: str) -> str:
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b
