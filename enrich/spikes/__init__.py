"""Streaming spike detection and incident lifecycle for mention-volume series (pure, no I/O).

``SpikeDetector`` scores one count series point by point; ``IncidentTracker`` turns the verdicts of
many (topic, series) pairs into one ``schemas.Alert`` per incident; ``SpikeMonitor`` wires both to
``schemas.alert.VolumePoint`` windows for the pipeline. See docs/spikes.md.
"""

from enrich.spikes.detector import DetectorConfig, SpikeDetector, SpikeVerdict
from enrich.spikes.incidents import AlertContext, IncidentTracker, TrackerConfig, alert_id_for
from enrich.spikes.monitor import SpikeMonitor
from enrich.spikes.query import incident_query

__all__ = [
    "AlertContext",
    "DetectorConfig",
    "IncidentTracker",
    "SpikeDetector",
    "SpikeMonitor",
    "SpikeVerdict",
    "TrackerConfig",
    "alert_id_for",
    "incident_query",
]
