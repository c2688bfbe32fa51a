"""A real worker's /metrics: consumed, enriched and inserted equal what was published (chdb backend)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from earshot.kafka import ensure_topics
from earshot.query_client import http_ping
from earshot.settings import Settings
from tests.integration.test_pipeline_e2e import DATA, publish
from tests.integration.worker_process import wait_until, worker_process

pytestmark = pytest.mark.integration

N = 60


def scrape(port: int) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        content_type = resp.headers["Content-Type"]
        text = resp.read().decode()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return content_type, samples


def test_worker_metrics_count_what_was_published(kafka_settings: Settings, tmp_path: Path) -> None:
    settings = kafka_settings.model_copy(update={"clickhouse_url": f"chdb://{tmp_path / 'chdb'}"})
    lines = (DATA / "sample_mentions.jsonl").read_text().splitlines()[:N]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    ensure_topics(settings)
    log = tmp_path / "worker.log"
    port = settings.worker_web_port

    def value(name: str, **labels: str) -> float:
        return scrape(port)[1].get((name, tuple(sorted(labels.items()))), 0.0)

    with worker_process(settings, log) as proc:
        wait_until(lambda: http_ping(f"http://127.0.0.1:{settings.query_http_port}"), 90, proc, log, "query endpoint")
        assert publish(settings, source)[:2] == (N, 0)
        wait_until(lambda: value("earshot_rows_inserted_total") >= N, 120, proc, log, "inserted rows in /metrics")
        content_type, samples = scrape(port)
        assert content_type.startswith("text/plain; version=0.0.4")

        def get(name: str, **labels: str) -> float:
            return samples.get((name, tuple(sorted(labels.items()))), 0.0)

        assert get("earshot_mentions_consumed_total", stage="enrich") == N
        assert get("earshot_mentions_enriched_total") == N
        assert get("earshot_mentions_consumed_total", stage="sink") == N
        assert get("earshot_rows_inserted_total") == N
        assert get("earshot_duplicates_skipped_total") == 0
        assert not any(name == "earshot_dead_letters_total" and v for (name, _), v in samples.items())
        assert get("earshot_batch_duration_seconds_count", stage="enrich") >= 1
        assert get("earshot_batch_duration_seconds_count", stage="insert") >= 1

        def lag_settled() -> bool:
            lags = {labels: v for (name, labels), v in scrape(port)[1].items() if name == "earshot_consumer_lag"}
            raw = [v for labels, v in lags.items() if dict(labels)["topic"] == settings.topic_raw]
            return len(raw) == settings.partitions and sum(lags.values()) == 0

        wait_until(lag_settled, 60, proc, log, "consumer lag 0 for every assigned partition")
