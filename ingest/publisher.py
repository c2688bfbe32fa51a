"""Publishing RawMentions to Kafka in batch envelopes, partitioned by mention key (kafka-python)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from earshot.kafka import kafka_python_config, partition_for
from earshot.settings import Settings
from ingest.errors import PublishError
from schemas import DeadLetter, RawMention
from schemas.envelope import ENVELOPE_OVERHEAD_BYTES, encode_parts

log = logging.getLogger(__name__)


@dataclass
class PublishStats:
    """What a publisher delivered (acknowledged by the broker) so far."""

    published: int = 0
    envelopes: int = 0
    dead_lettered: int = 0
    retried: int = 0
    end_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    """Per (topic, partition): one past the highest acknowledged offset (what a consumer must reach)."""


@dataclass
class _Pending:
    topic: str
    partition: int | None
    value: bytes
    mentions: int
    is_dead_letter: bool = False
    attempts: int = 1


@dataclass
class _Buffer:
    parts: list[bytes] = field(default_factory=list)
    size: int = ENVELOPE_OVERHEAD_BYTES


class MentionPublisher:
    """Groups mentions by target partition into envelopes and publishes them.

    The same mention key always maps to the same partition (Kafka's murmur2 partitioner), so a
    downstream consumer sees every version of a mention in order. Sends are acknowledged by all
    in-sync replicas; failed sends are retried by the client, then re-sent by :meth:`flush` up to
    ``resend_attempts`` times, and finally reported as a :class:`PublishError` - never dropped.
    """

    def __init__(self, settings: Settings, producer: Any = None, resend_attempts: int = 5) -> None:
        self.settings = settings
        self.topic = settings.topic_raw
        self.dead_letter_topic = settings.topic_deadletter
        self.max_mentions = settings.envelope_max_mentions
        self.max_bytes = settings.envelope_max_bytes
        self.resend_attempts = resend_attempts
        self.stats = PublishStats()
        self._producer = producer or self._make_producer(settings)
        self._partitions: int | None = None
        self._buffers: dict[int, _Buffer] = {}
        self._failed: list[tuple[_Pending, BaseException]] = []
        self._lock = threading.Lock()

    @staticmethod
    def _make_producer(settings: Settings) -> Any:
        from kafka import KafkaProducer

        return KafkaProducer(**kafka_python_config(settings), client_id="earshot-ingest", acks="all",
                             retries=5, retry_backoff_ms=200, linger_ms=20,
                             max_request_size=settings.envelope_max_bytes + 100_000,
                             request_timeout_ms=30_000)

    def partitions(self) -> int:
        """Partition count of the raw topic, read once from the broker's metadata."""
        if self._partitions is None:
            deadline = time.monotonic() + 30
            while True:
                found = self._producer.partitions_for(self.topic)
                if found:
                    self._partitions = len(found)
                    break
                if time.monotonic() > deadline:
                    raise PublishError(f"topic {self.topic!r} has no partitions (does it exist?)", 0)
                time.sleep(0.2)
        return self._partitions

    def publish(self, mentions: Iterable[RawMention]) -> None:
        """Queue mentions; full envelopes are sent at once, the rest on :meth:`flush`."""
        n = self.partitions()
        for m in mentions:
            part = m.model_dump_json().encode()
            p = partition_for(m.key, n)
            buf = self._buffers.setdefault(p, _Buffer())
            if buf.parts and (len(buf.parts) >= self.max_mentions or buf.size + len(part) + 1 > self.max_bytes):
                self._send_buffer(p, buf)
                buf = self._buffers[p] = _Buffer()
            buf.parts.append(part)
            buf.size += len(part) + 1

    def dead_letter(self, letter: DeadLetter) -> None:
        """Send one dead letter (reason + original payload) to the dead-letter topic."""
        self._send(_Pending(self.dead_letter_topic, None, letter.model_dump_json().encode(), 1, True))

    def flush(self, timeout: float = 60.0) -> PublishStats:
        """Send partial envelopes, wait for every acknowledgement, re-send failures.

        Raises :class:`PublishError` if some mentions could still not be delivered.
        """
        for p, buf in list(self._buffers.items()):
            if buf.parts:
                self._send_buffer(p, buf)
        self._buffers.clear()
        self._producer.flush(timeout=timeout)
        for attempt in range(1, self.resend_attempts + 1):
            with self._lock:
                failed, self._failed = self._failed, []
            if not failed:
                return self.stats
            log.warning("re-sending %d failed message(s), attempt %d: %s", len(failed), attempt, failed[0][1])
            time.sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
            for pending, _exc in failed:
                pending.attempts += 1
                self.stats.retried += 1
                self._send(pending)
            self._producer.flush(timeout=timeout)
        with self._lock:
            failed, self._failed = self._failed, []
        if failed:
            lost = sum(p.mentions for p, _ in failed)
            raise PublishError(f"{lost} mention(s) not delivered to Kafka after {self.resend_attempts} "
                               f"re-sends: {failed[0][1]!r}", lost)
        return self.stats

    def close(self) -> None:
        self._producer.close(timeout=10)

    def _send_buffer(self, partition: int, buf: _Buffer) -> None:
        value = encode_parts("raw", buf.parts)
        self._send(_Pending(self.topic, partition, value, len(buf.parts)))

    def _send(self, pending: _Pending) -> None:
        try:
            future = self._producer.send(pending.topic, value=pending.value, partition=pending.partition)
        except Exception as exc:  # buffer full, message too large...: keep it for the re-send loop
            with self._lock:
                self._failed.append((pending, exc))
            return
        future.add_callback(self._on_success, pending)
        future.add_errback(self._on_error, pending)

    def _on_success(self, pending: _Pending, metadata: Any) -> None:
        with self._lock:
            tp = (metadata.topic, metadata.partition)
            self.stats.end_offsets[tp] = max(self.stats.end_offsets.get(tp, 0), metadata.offset + 1)
            if pending.is_dead_letter:
                self.stats.dead_lettered += 1
            else:
                self.stats.published += pending.mentions
                self.stats.envelopes += 1

    def _on_error(self, pending: _Pending, exc: BaseException) -> None:
        with self._lock:
            self._failed.append((pending, exc))
