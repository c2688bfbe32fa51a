"""Reading topics back in tests (kafka-python, real broker)."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from earshot.settings import Settings


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
