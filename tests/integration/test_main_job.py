"""The README's main job, end to end: sample data in, one alert for the planted spike delivered to a webhook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from earshot.demo import run_demo

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data"


def test_main_job_raises_one_alert_for_the_planted_spike_and_backfill_agrees(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    report = run_demo([DATA / "sample_mentions.jsonl", DATA / "sample_invalid.jsonl"], workdir=workdir, timeout=300)
    lines = (DATA / "sample_mentions.jsonl").read_text().splitlines()
    assert report.valid == len(lines) == report.stored
    assert report.invalid == len((DATA / "sample_invalid.jsonl").read_text().splitlines())

    delivered = report.delivered
    assert {a["alert_id"] for a in delivered} and len({a["alert_id"] for a in delivered}) == 1, delivered
    statuses = [a["status"] for a in delivered]
    assert statuses[0] == "open" and statuses[-1] == "resolved"
    assert [a["revision"] for a in delivered] == list(range(1, len(delivered) + 1))
    opened = delivered[0]
    # the planted incident: Nimbus S9 overheating, 12:20-12:35 UTC (data/README.md)
    assert opened["topic_id"].startswith("nimbus") and "12:2" in opened["window_start"]
    assert opened["observed"] > 3 * opened["expected"] and opened["sample_urls"] and opened["top_authors"]
    assert opened["query"].lstrip().upper().startswith("SELECT")

    # running the detector again over the stored counts gives the same alerts (the store is closed now)
    env = {**os.environ, "EARSHOT_CLICKHOUSE_URL": f"chdb://{workdir / 'chdb'}"}
    out = subprocess.run([sys.executable, "-m", "earshot.cli", "alerts", "backfill", "--since", "2026-11-02T00:00:00Z",
                          "--compare"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "backfill matches" in out.stdout
