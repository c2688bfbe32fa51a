"""Kafka client settings, topic creation and the partitioner shared by every producer of Earshot."""

from __future__ import annotations

import logging
from typing import Any

from kafka.partitioner.default import murmur2

from earshot.settings import Settings

log = logging.getLogger(__name__)


def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default (murmur2) partitioner picks for ``key``, as Java clients do."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Connection options for kafka-python clients (security settings included when configured)."""
    cfg: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap.split(","),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        cfg["sasl_mechanism"] = settings.kafka_sasl_mechanism
        cfg["sasl_plain_username"] = settings.kafka_sasl_username
        cfg["sasl_plain_password"] = settings.kafka_sasl_password
    if settings.kafka_ssl_cafile:
        cfg["ssl_cafile"] = settings.kafka_ssl_cafile
    return cfg


def pipeline_topics(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, settings.topic_alerts]


def ensure_topics(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Create the pipeline topics that do not exist yet; returns the names created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    names = names or pipeline_topics(settings)
    admin = KafkaAdminClient(**kafka_python_config(settings), client_id="earshot-admin")
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            topics = [NewTopic(n, settings.partitions, 1,
                               topic_configs={"retention.ms": str(settings.topic_retention_ms)})
                      for n in missing]
            try:
                admin.create_topics(topics)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s (%d partitions)", missing, settings.partitions)
        return missing
    finally:
        admin.close()
