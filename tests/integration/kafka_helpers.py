"""Publishing to and reading topics back in tests (kafka-python, real broker)."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from earshot.settings import Settings
from ingest.publisher import MentionPublisher
from schemas import RawMention


def read_topic(settings: Settings, topic: str, expect: int, timeout: float = 20.0) -> list[Any]:
    """All records of ``topic`` (from the start) once at least ``expect`` are there, or at timeout."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest", consumer_timeout_ms=500)
    try:
        deadline = time.monotonic() + 10
        parts = None
        while not parts and time.monotonic() < deadline:
            parts = consumer.partitions_for_topic(topic)
            time.sleep(0.1) if not parts else None
        consumer.assign([TopicPartition(topic, p) for p in sorted(parts or [])])
        consumer.seek_to_beginning()
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(out) < expect and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=300)
            for records in batch.values():
                out.extend(records)
        return out
    finally:
        consumer.close()


def publish(settings: Settings, mentions: list[RawMention]) -> None:
    """Publish ``mentions`` with Earshot's publisher and wait for the broker's acknowledgements."""
    publisher = MentionPublisher(settings)
    try:
        publisher.publish(mentions)
        publisher.flush()
    finally:
        publisher.close()


def uncommitted(settings: Settings) -> tuple[int, int]:
    """Messages not yet committed by the worker's group: (raw topic, enriched topic)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        committed = {tp: meta.offset for tp, meta in admin.list_group_offsets(settings.app_id)[settings.app_id].items()}
        lags = []
        for topic in (settings.topic_raw, settings.topic_enriched):
            tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
            lags.append(sum(end - max(committed.get(tp, 0), 0) for tp, end in consumer.end_offsets(tps).items()))
        return lags[0], lags[1]
    finally:
        consumer.close()
        admin.close()
