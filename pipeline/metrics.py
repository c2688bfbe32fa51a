"""Every Prometheus metric Earshot exports, in one place (see docs/operations.md).

The metrics live in a dedicated :data:`REGISTRY` (not prometheus-client's global one), so only
Earshot's own series are exposed and nothing else registered in the process leaks in. Each process
(worker, webhook receiver) has its own copy; counters are cumulative for the life of the process.

Exposed as ``GET /metrics`` on the worker's web port (``EARSHOT_WORKER_WEB_PORT``) and on the
webhook receiver (``EARSHOT_WEBHOOK_PORT``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

disable_created_metrics()  # no ``*_created`` series next to every counter (they double the payload)

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""``text/plain; version=0.0.4; charset=utf-8``: the text format every Prometheus version scrapes."""

BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

MESSAGES_CONSUMED = Counter(
    "earshot_messages_consumed", "Kafka messages consumed by a stage", ["stage"], registry=REGISTRY)
MENTIONS_CONSUMED = Counter(
    "earshot_mentions_consumed", "Mentions decoded from consumed messages (valid and invalid)", ["stage"],
    registry=REGISTRY)
MENTIONS_ENRICHED = Counter(
    "earshot_mentions_enriched", "Mentions enriched and handed to mentions.enriched", registry=REGISTRY)
DEAD_LETTERS = Counter(
    "earshot_dead_letters", "Dead letters produced, by the stage that rejected the input and the error type",
    ["stage", "error_type"], registry=REGISTRY)
DEAD_LETTERS_STORED = Counter(
    "earshot_dead_letters_stored", "Dead letters written to the ClickHouse dead_letters table", registry=REGISTRY)
ROWS_INSERTED = Counter(
    "earshot_rows_inserted", "Mentions inserted into ClickHouse (new keys)", registry=REGISTRY)
DUPLICATES_SKIPPED = Counter(
    "earshot_duplicates_skipped", "Mentions skipped by the sink because their key was already stored",
    registry=REGISTRY)
BATCH_SECONDS = Histogram(
    "earshot_batch_duration_seconds", "Time to process one batch: stage=enrich (enrich a batch of events) "
    "or stage=insert (write a batch to ClickHouse, retries included)", ["stage"], buckets=BATCH_BUCKETS,
    registry=REGISTRY)
CONSUMER_LAG = Gauge(
    "earshot_consumer_lag", "Messages not yet committed: partition highwater minus committed offset "
    "(partitions assigned to this worker; updated on scrape)", ["topic", "partition"], registry=REGISTRY)
ALERTS_EMITTED = Counter(
    "earshot_alerts_emitted", "Alert revisions stored and published by the spike stage", ["status", "severity"],
    registry=REGISTRY)
ALERT_DELIVERIES = Counter(
    "earshot_alert_deliveries", "Alert delivery attempts, status=delivered|failed|skipped (already delivered)",
    ["notifier", "status"], registry=REGISTRY)
WEBHOOK_REQUESTS = Counter(
    "earshot_webhook_requests", "Requests to the webhook receiver's POST /mentions, by HTTP status code",
    ["status"], registry=REGISTRY)
WEBHOOK_AUTH_FAILURES = Counter(
    "earshot_webhook_auth_failures", "Webhook requests rejected (401) and dropped: reason=missing|invalid|expired",
    ["reason"], registry=REGISTRY)
WEBHOOK_MENTIONS_ACCEPTED = Counter(
    "earshot_webhook_mentions_accepted", "Valid mentions the webhook receiver published to Kafka",
    registry=REGISTRY)


def count_dead_letters(letters: Iterable[Any]) -> None:
    """Count dead letters (objects with ``stage`` and ``error_type``)."""
    for letter in letters:
        DEAD_LETTERS.labels(stage=letter.stage, error_type=letter.error_type).inc()


def update_consumer_lag(consumer: Any) -> None:
    """Set :data:`CONSUMER_LAG` from a Faust consumer: per assigned partition, highwater - committed.

    Faust keeps the next offset to read as the committed offset (as Kafka does), and the highwater
    (end offset) aiokafka saw in its last fetch. A partition without a committed offset yet counts
    from 0 (the app reads from the earliest offset); one without a known highwater is skipped.
    """
    CONSUMER_LAG.clear()  # partitions revoked since the last scrape disappear
    if consumer is None:
        return
    committed_offsets = getattr(consumer, "_committed_offset", {})
    for tp in consumer.assignment():
        try:
            highwater = consumer.highwater(tp)
        except Exception:  # consumer not started or partition not fetched yet
            continue
        if highwater is None:
            continue
        committed = committed_offsets.get(tp) or 0
        CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(max(0, highwater - committed))


def render() -> bytes:
    """The registry in Prometheus text format (serve with :data:`CONTENT_TYPE`)."""
    return generate_latest(REGISTRY)


def value(name: str, **labels: str) -> float:
    """Current value of a sample (0 when absent): for tests and the readiness body."""
    sample = REGISTRY.get_sample_value(name, labels)
    return sample or 0.0
