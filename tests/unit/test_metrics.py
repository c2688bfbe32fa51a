"""Prometheus metrics move when the stage functions run; lag, exposition, Faust credentials, redaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import faust
import pytest

from earshot.settings import Settings
from pipeline import metrics
from pipeline.alerting.delivery import deliver_until_done
from pipeline.app import broker_credentials
from pipeline.enrich_stage import EnrichStage
from pipeline.sink_stage import MentionSink
from pipeline.worker import _redact_url
from schemas import encode_batch
from sinks.notifiers import DeliveryError
from tests.unit.test_pipeline_stages import Event, FakeWriter, Msg, enriched, enricher, raw


class Snapshot:
    """Metric values before a block, to compare deltas (the registry is process-wide)."""

    def __init__(self) -> None:
        self.before: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def delta(self, name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return metrics.value(name, **labels) - self.before.setdefault(key, 0.0)

    def take(self, *names: tuple[str, dict[str, str]]) -> Snapshot:
        for name, labels in names:
            self.before[(name, tuple(sorted(labels.items())))] = metrics.value(name, **labels)
        return self


async def test_enrich_stage_counts_consumed_enriched_dead_lettered_and_latency() -> None:
    watched = [("earshot_mentions_consumed_total", {"stage": "enrich"}),
               ("earshot_messages_consumed_total", {"stage": "enrich"}),
               ("earshot_mentions_enriched_total", {}),
               ("earshot_dead_letters_total", {"stage": "enrich", "error_type": "validation"}),
               ("earshot_dead_letters_total", {"stage": "enrich", "error_type": "enrich_error"}),
               ("earshot_batch_duration_seconds_count", {"stage": "enrich"})]
    snap = Snapshot().take(*watched)
    events = [Event(encode_batch("raw", [raw(1), raw(2), raw(3)]), Msg("raw", 1, 10)),
              Event(b"{broken", Msg("raw", 0, 6)),
              Event(encode_batch("raw", [raw(5, "boom")]), Msg("raw", 0, 7))]
    out, dead = await EnrichStage(enricher, envelope_max=10).process(events)
    assert sum(len(v) for v in out.values()) == 3 and len(dead) == 2
    assert snap.delta("earshot_messages_consumed_total", stage="enrich") == 3
    assert snap.delta("earshot_mentions_consumed_total", stage="enrich") == 5  # 3 + 1 unparseable + 1 boom
    assert snap.delta("earshot_mentions_enriched_total") == 3
    assert snap.delta("earshot_dead_letters_total", stage="enrich", error_type="validation") == 1
    assert snap.delta("earshot_dead_letters_total", stage="enrich", error_type="enrich_error") == 1
    assert snap.delta("earshot_batch_duration_seconds_count", stage="enrich") == 1


async def test_sink_counts_inserted_duplicates_rejected_and_latency() -> None:
    ms = await enriched(list(range(6)))
    watched = [("earshot_rows_inserted_total", {}), ("earshot_duplicates_skipped_total", {}),
               ("earshot_mentions_consumed_total", {"stage": "sink"}),
               ("earshot_dead_letters_total", {"stage": "sink", "error_type": "rejected"}),
               ("earshot_dead_letters_total", {"stage": "sink", "error_type": "validation"}),
               ("earshot_batch_duration_seconds_count", {"stage": "insert"})]
    snap = Snapshot().take(*watched)
    sink = MentionSink(FakeWriter(reject={"5"}), max_rows=4)
    good, dead, _ = sink.decode([Event(encode_batch("enriched", ms), Msg("enriched", 0, 1)),
                                 Event(encode_batch("raw", [raw(9)]), Msg("enriched", 0, 2))])
    assert len(good) == 6 and len(dead) == 1
    rejected = await sink.write_batch(good)
    await sink.write_batch(good[:3])  # a replay
    assert len(rejected) == 1
    assert snap.delta("earshot_mentions_consumed_total", stage="sink") == 7
    assert snap.delta("earshot_rows_inserted_total") == 5
    assert snap.delta("earshot_duplicates_skipped_total") == 3
    assert snap.delta("earshot_dead_letters_total", stage="sink", error_type="rejected") == 1
    assert snap.delta("earshot_dead_letters_total", stage="sink", error_type="validation") == 1
    assert snap.delta("earshot_batch_duration_seconds_count", stage="insert") == 2


class FlakyNotifier:
    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def deliver(self, alert: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("503 from the receiver")


class MemoryLog:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def delivered(self, alert: Any, notifier: str) -> bool:
        return (notifier, "delivered") in self.rows

    def record(self, alert: Any, notifier: str, status: str, attempt: int, error: str = "") -> None:
        self.rows.append((notifier, status))


@dataclass
class FakeAlert:
    alert_id: str = "a1"
    revision: int = 1
    status: str = "open"


async def test_alert_deliveries_are_counted_by_notifier_and_status() -> None:
    watched = [("earshot_alert_deliveries_total", {"notifier": "flaky", "status": s})
               for s in ("delivered", "failed", "skipped")]
    snap = Snapshot().take(*watched)
    log_table = MemoryLog()
    notifier = FlakyNotifier(failures=2)
    assert await deliver_until_done(notifier, FakeAlert(), log_table, first_backoff=0.001) == 3  # type: ignore[arg-type]
    assert await deliver_until_done(notifier, FakeAlert(), log_table) == 0  # type: ignore[arg-type]
    assert snap.delta("earshot_alert_deliveries_total", notifier="flaky", status="failed") == 2
    assert snap.delta("earshot_alert_deliveries_total", notifier="flaky", status="delivered") == 1
    assert snap.delta("earshot_alert_deliveries_total", notifier="flaky", status="skipped") == 1


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


class FakeConsumer:
    def __init__(self) -> None:
        self._committed_offset = {TP("raw", 0): 40, TP("raw", 1): None}
        self.highwaters = {TP("raw", 0): 100, TP("raw", 1): 7, TP("raw", 2): None}

    def assignment(self) -> set[TP]:
        return set(self.highwaters)

    def highwater(self, tp: TP) -> int | None:
        return self.highwaters[tp]


def test_consumer_lag_is_highwater_minus_committed_per_partition() -> None:
    metrics.CONSUMER_LAG.labels(topic="revoked", partition="9").set(5)
    metrics.update_consumer_lag(FakeConsumer())
    assert metrics.REGISTRY.get_sample_value("earshot_consumer_lag", {"topic": "raw", "partition": "0"}) == 60
    assert metrics.REGISTRY.get_sample_value("earshot_consumer_lag", {"topic": "raw", "partition": "1"}) == 7
    assert metrics.REGISTRY.get_sample_value("earshot_consumer_lag", {"topic": "raw", "partition": "2"}) is None
    assert metrics.REGISTRY.get_sample_value("earshot_consumer_lag", {"topic": "revoked", "partition": "9"}) is None
    metrics.update_consumer_lag(None)
    assert metrics.REGISTRY.get_sample_value("earshot_consumer_lag", {"topic": "raw", "partition": "0"}) is None


def test_exposition_lists_every_metric_in_text_format() -> None:
    metrics.ALERTS_EMITTED.labels(status="open", severity="critical").inc()
    text = metrics.render().decode()
    for name in ("earshot_messages_consumed", "earshot_mentions_consumed", "earshot_mentions_enriched",
                 "earshot_dead_letters", "earshot_dead_letters_stored", "earshot_rows_inserted",
                 "earshot_duplicates_skipped", "earshot_batch_duration_seconds", "earshot_consumer_lag",
                 "earshot_alerts_emitted", "earshot_alert_deliveries", "earshot_webhook_requests",
                 "earshot_webhook_auth_failures", "earshot_webhook_mentions_accepted"):
        assert f"# TYPE {name} " in text or f"# TYPE {name}_total " in text, name
    assert 'earshot_alerts_emitted_total{severity="critical",status="open"}' in text
    assert "python_gc" not in text  # a dedicated registry: no default process collectors mixed in
    assert "_created" not in text
    assert metrics.CONTENT_TYPE.startswith("text/plain; version=0.0.4")


def test_broker_credentials_plaintext_ssl_and_sasl() -> None:
    assert broker_credentials(Settings()) is None
    ssl_creds = broker_credentials(Settings(kafka_security_protocol="SSL"))
    assert isinstance(ssl_creds, faust.SSLCredentials)
    sasl = broker_credentials(Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                                       kafka_sasl_username="svc", kafka_sasl_password="s3cr3t-pw"))
    assert isinstance(sasl, faust.SASLCredentials)
    assert sasl.username == "svc" and sasl.password == "s3cr3t-pw"
    assert sasl.mechanism.value == "SCRAM-SHA-512" and sasl.protocol.value == "SASL_SSL"
    assert sasl.ssl_context is not None and "s3cr3t-pw" not in repr(sasl)
    plain = broker_credentials(Settings(kafka_security_protocol="sasl_plaintext", kafka_sasl_mechanism="PLAIN",
                                        kafka_sasl_username="svc", kafka_sasl_password="pw"))
    assert plain.protocol.value == "SASL_PLAINTEXT" and plain.ssl_context is None
    with pytest.raises(ValueError):
        broker_credentials(Settings(kafka_sasl_mechanism="PLAIN"))  # SASL without a SASL protocol
    with pytest.raises(ValueError):
        broker_credentials(Settings(kafka_security_protocol="TLS"))


def test_faust_app_gets_the_credentials() -> None:
    from pipeline.app import create_faust_app

    app = create_faust_app(Settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN",
                                    kafka_sasl_username="svc", kafka_sasl_password="pw"))
    assert isinstance(app.conf.broker_credentials, faust.SASLCredentials)
    assert app.conf.broker_credentials.username == "svc"


def test_secrets_never_appear_in_settings_repr_or_the_worker_start_line(caplog: pytest.LogCaptureFixture) -> None:
    secrets = {"kafka_sasl_password": "kafka-pw-1", "alert_smtp_password": "smtp-pw-2",
               "alert_pagerduty_routing_key": "pd-key-3", "author_hash_key": "hash-key-4",
               "webhook_secret": "hook-secret-5"}
    url = "clickhouse://earshot:ch-pw-6@db.internal:9440/earshot?secure=1"
    settings = Settings(**secrets, clickhouse_url=url, kafka_sasl_username="svc", kafka_sasl_mechanism="PLAIN",
                        kafka_security_protocol="SASL_SSL")
    text = repr(settings) + str(settings)
    for secret in [*secrets.values()]:
        assert secret not in text
    redacted = _redact_url(url)
    assert "ch-pw-6" not in redacted and redacted == "clickhouse://earshot:***@db.internal:9440/earshot?secure=1"
    with caplog.at_level(logging.INFO):
        logging.getLogger("pipeline.worker").info("worker %s started: %s -> %s -> %s", settings.app_id,
                                                  settings.topic_raw, settings.topic_enriched, redacted)
        logging.getLogger("test").info("credentials %r", broker_credentials(settings))
    assert "ch-pw-6" not in caplog.text and "kafka-pw-1" not in caplog.text
