"""The spike stage's state survives a worker restart in the middle of an incident."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from earshot.demo import WebhookCatcher, spikes_scored_until
from earshot.kafka import ensure_topics
from earshot.settings import Settings
from pipeline.alerting.watermark import closed_until
from schemas import RawMention
from tests.integration.kafka_helpers import publish
from tests.integration.worker_process import wait_until, worker_process

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "sample_mentions.jsonl"
SPLIT = datetime.fromisoformat("2026-11-02T12:27:00+00:00")  # inside the planted incident (12:20-12:35)


def scored_until(settings: Settings) -> float:
    return spikes_scored_until(f"http://127.0.0.1:{settings.worker_web_port}/readyz")


def test_restart_mid_incident_continues_the_same_alert(kafka_settings: Settings, tmp_path: Path) -> None:
    mentions = [RawMention.model_validate_json(line) for line in DATA.read_text().splitlines()]
    first = [m for m in mentions if m.created_at < SPLIT]
    rest = [m for m in mentions if m.created_at >= SPLIT]
    catcher = WebhookCatcher()
    settings = kafka_settings.model_copy(update={
        "clickhouse_url": f"chdb://{tmp_path / 'chdb'}", "spike_poll_s": 1.0, "alert_webhook_url": catcher.url})
    ensure_topics(settings)
    lateness = settings.spike_allowed_lateness_s
    try:
        log1 = tmp_path / "worker1.log"
        with worker_process(settings, log1) as proc:
            publish(settings, first)
            target = closed_until(max(m.created_at for m in first).timestamp(), lateness)
            wait_until(lambda: scored_until(settings) >= target, 120, proc, log1, "the first half to be scored")
            wait_until(lambda: len(catcher.received) >= 1, 30, proc, log1, "the opening alert")
        opened = list(catcher.received)
        assert [a["status"] for a in opened][0] == "open"

        log2 = tmp_path / "worker2.log"
        with worker_process(settings, log2) as proc:
            publish(settings, rest)
            target = closed_until(max(m.created_at for m in mentions).timestamp(), lateness)
            wait_until(lambda: scored_until(settings) >= target, 120, proc, log2, "everything to be scored")
            wait_until(lambda: catcher.received and catcher.received[-1]["status"] == "resolved", 30, proc, log2,
                       "the incident to resolve")
    finally:
        catcher.close()

    sent = catcher.received
    assert len({a["alert_id"] for a in sent}) == 1, sent  # the restarted worker continued the incident
    assert [a["revision"] for a in sent] == list(range(1, len(sent) + 1))  # nothing re-sent, nothing lost
    assert len(sent) > len(opened)

    env = {**os.environ, "EARSHOT_CLICKHOUSE_URL": settings.clickhouse_url}
    out = subprocess.run([sys.executable, "-m", "earshot.cli", "alerts", "backfill", "--since", "2026-11-02T00:00:00Z",
                          "--compare"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "backfill matches" in out.stdout, out.stdout + out.stderr
