"""The one place that wires the stream: Faust app, topics, ClickHouse backend, enrich/ and sinks/.

Agents:
  * ``earshot.enrich``: mentions.raw -> mentions.enriched (+ dead letters)
  * ``earshot.sink``: mentions.enriched -> ClickHouse ``mentions`` / ``mention_topics``
  * ``earshot.deadletters``: mentions.deadletter -> ClickHouse ``dead_letters``
  * ``spikes`` timer (leader only): closed minutes -> detectors -> ClickHouse ``alerts`` + ``alerts`` topic
  * ``earshot.notify.<name>``: alerts topic -> one agent per configured notifier

``EARSHOT_WORKER_STAGES`` (``settings.stages``) selects which of them this process registers; every
process keeps the same app id (one consumer group, Faust assigns each topic only to the members that
subscribe to it). Only processes running ``spikes`` take part in the leader election, so the leader
that runs the spike timer is always one of them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust

from earshot.settings import Settings
from pipeline import metrics
from pipeline.enrich_stage import EnrichStage
from pipeline.enrichment import EnricherHolder
from pipeline.heap import freeze_heap
from pipeline.retry import write_until_done
from pipeline.sink_stage import MentionSink, decode_dead_letter

log = logging.getLogger(__name__)


@dataclass
class Pipeline:
    """The Faust app plus the objects its agents use (exposed for tests and metrics)."""

    app: faust.App
    settings: Settings
    backend: Any
    enrich_stage: EnrichStage
    mention_sink: MentionSink
    holder: EnricherHolder
    spikes: Any = None
    counters: dict[str, int] = field(default_factory=dict)


def _broker_url(settings: Settings) -> list[str]:
    return [f"kafka://{hp.strip()}" for hp in settings.kafka_bootstrap.split(",")]


def broker_credentials(settings: Settings) -> Any:
    """Faust/aiokafka credentials from the same settings as ``earshot.kafka.kafka_python_config``.

    ``EARSHOT_KAFKA_SECURITY_PROTOCOL``: PLAINTEXT (None returned), SSL, SASL_PLAINTEXT or SASL_SSL;
    ``EARSHOT_KAFKA_SASL_MECHANISM`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with ``_USERNAME``/``_PASSWORD``;
    ``EARSHOT_KAFKA_SSL_CAFILE`` for a private CA (system CAs otherwise).
    """
    import ssl

    protocol = settings.kafka_security_protocol.upper()
    if protocol == "PLAINTEXT":
        if settings.kafka_sasl_mechanism:
            raise ValueError("EARSHOT_KAFKA_SASL_MECHANISM needs EARSHOT_KAFKA_SECURITY_PROTOCOL=SASL_SSL "
                             "(or SASL_PLAINTEXT)")
        return None
    if protocol not in ("SSL", "SASL_PLAINTEXT", "SASL_SSL"):
        raise ValueError(f"unsupported EARSHOT_KAFKA_SECURITY_PROTOCOL {settings.kafka_security_protocol!r}")
    context = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.kafka_ssl_cafile)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    return faust.SASLCredentials(username=settings.kafka_sasl_username, password=settings.kafka_sasl_password,
                                 mechanism=settings.kafka_sasl_mechanism or "PLAIN", ssl_context=context)


def create_faust_app(settings: Settings) -> faust.App:
    faust_dir = settings.data_dir / "faust"
    faust_dir.mkdir(parents=True, exist_ok=True)  # Faust creates its own directory, not the parents
    return faust.App(
        settings.app_id,
        broker=_broker_url(settings),
        broker_credentials=broker_credentials(settings),
        value_serializer="raw",
        key_serializer="raw",
        autodiscover=False,
        store="memory://",
        # Faust's own files under EARSHOT_DATA_DIR, not ./<app_id>-data in the working directory
        datadir=str(faust_dir / settings.app_id).replace("{", "{{").replace("}", "}}"),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(1.5, settings.session_timeout_s / 4),
        broker_commit_interval=1.0,
        # Read-ahead per agent, in Kafka messages (Faust's default, 4096 envelopes of up to 200 mentions,
        # is gigabytes): with a slow ClickHouse the sink holds its batch plus this much, the rest waits
        # in the broker (tests/integration/test_backpressure.py).
        stream_buffer_maxsize=settings.stream_buffer_max_messages or 2 * settings.batch_max_messages,
        producer_acks=-1,
        web_enabled=True,
        web_host=settings.worker_web_host,
        web_port=settings.worker_web_port,
        web_bind=settings.worker_web_host,
        # a worker without the spike stage never runs leader-only timers: it must not win the election
        topic_disable_leader="spikes" not in settings.stages,
    )


def build_pipeline(settings: Settings, backend: Any) -> Pipeline:
    """Create the app and register the agents. ``backend`` is an open, migrated ClickHouse backend."""
    from sinks.writers import DeadLetterWriter, MentionWriter

    app = create_faust_app(settings)
    raw_topic = app.topic(settings.topic_raw, value_type=bytes, partitions=settings.partitions)
    enriched_topic = app.topic(settings.topic_enriched, value_type=bytes, partitions=settings.partitions)
    dlq_topic = app.topic(settings.topic_deadletter, value_type=bytes, partitions=settings.partitions)

    holder = EnricherHolder(settings)
    stage = EnrichStage(holder, settings.envelope_max_mentions)
    sink = MentionSink(MentionWriter(backend), settings.batch_max_rows, settings.sink_retry_max_s)
    dead_writer = DeadLetterWriter(backend)
    alerts_topic = app.topic(settings.topic_alerts, value_type=bytes, partitions=1)
    from pipeline.alerting.store import SpikeStore

    spike_store = SpikeStore(backend)
    pipeline = Pipeline(app=app, settings=settings, backend=backend, enrich_stage=stage, mention_sink=sink,
                        holder=holder)

    async def send_all(sends: list[tuple[Any, bytes, int | None]]) -> None:
        """Send and wait for the broker's acknowledgement of every message."""
        futures = [await topic.send(value=value, partition=partition) for topic, value, partition in sends]
        if futures:
            await asyncio.gather(*futures)

    stages = settings.stages

    async def enrich_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.batch_max_messages, within=0.2):
            by_partition, dead = await stage.process(events)
            sends: list[tuple[Any, bytes, int | None]] = []
            for partition, mentions in by_partition.items():
                for envelope in stage.envelopes(mentions):
                    sends.append((enriched_topic, envelope, partition % settings.partitions))
            sends.extend((dlq_topic, d.model_dump_json().encode(), None) for d in dead)
            await send_all(sends)

    async def sink_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.batch_max_messages, within=settings.batch_max_seconds):
            mentions, dead, newest = sink.decode(events)
            dead.extend(await sink.write_batch(mentions))  # ClickHouse first ...
            await write_until_done(functools.partial(spike_store.record_progress, newest, datetime.now(UTC)),
                                   "record stream progress", settings.sink_retry_max_s)
            await send_all([(dlq_topic, d.model_dump_json().encode(), None) for d in dead])
            # ... then the events are acknowledged (take_events acks after this body) and committed.

    async def deadletter_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.batch_max_messages, within=settings.batch_max_seconds):
            letters = [decode_dead_letter(e.value, f"{e.message.topic}[{e.message.partition}]@{e.message.offset}")
                       for e in events]
            await write_until_done(functools.partial(dead_writer.write, letters), "insert dead letters",
                                   settings.sink_retry_max_s)
            metrics.DEAD_LETTERS_STORED.inc(len(letters))

    if "enrich" in stages:
        app.agent(raw_topic, name="earshot.enrich")(enrich_agent)

        @app.timer(settings.watchlist_reload_s)
        async def reload_watchlist() -> None:
            if holder.reload_if_changed() and settings.gc_freeze:
                freeze_heap("watchlist reloaded")

    if "sink" in stages:
        app.agent(enriched_topic, name="earshot.sink")(sink_agent)
    if "deadletters" in stages:
        app.agent(dlq_topic, name="earshot.deadletters")(deadletter_agent)
    if settings.spike_enabled and stages & {"spikes", "notify"}:
        pipeline.spikes = register_spike_stage(app, settings, backend, spike_store, alerts_topic,
                                               timer="spikes" in stages, notify="notify" in stages)
    elif stages & {"spikes", "notify"}:
        log.warning("EARSHOT_SPIKE_ENABLED is off: stages %s do nothing", sorted(stages & {"spikes", "notify"}))

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        """Liveness: the worker's event loop answers."""
        return web.json({"status": "ok", "app": settings.app_id})

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        """Prometheus text format (see pipeline/metrics.py); consumer lag is computed on scrape."""
        metrics.update_consumer_lag(app.consumer if app.consumer else None)
        return web.bytes(metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        """Readiness: joined the consumer group, has partitions (or runs only the spike timer, whose
        standby workers own none) and not rebalancing."""
        assigned = len(app.consumer.assignment()) if app.consumer else 0
        standby = stages <= {"spikes"} and app.consumer_generation_id > 0
        ready = not app.rebalancing and (assigned > 0 or standby)
        spikes = pipeline.spikes
        scored = spikes.published_until if spikes is not None else None
        body = {"ready": ready, "rebalancing": bool(app.rebalancing), "assigned_partitions": assigned,
                "stages": sorted(stages), "leader": app.is_leader() if app.consumer else False,
                "enriched": stage.enriched, "inserted": sink.inserted, "duplicates_skipped": sink.duplicates,
                "dead_lettered": stage.dead_lettered,
                "spikes_scored_until": datetime.fromtimestamp(scored, UTC).isoformat() if scored else None}
        return web.json(body, status=200 if ready else 503)

    return pipeline


def register_spike_stage(app: faust.App, settings: Settings, backend: Any, store: Any, alerts_topic: Any,
                         timer: bool = True, notify: bool = True) -> Any:
    """The leader-only timer that scores closed minutes (``timer``), and one delivery agent per
    notifier (``notify``)."""
    from pipeline.alerting.delivery import DeliveryLog, deliver_until_done
    from pipeline.alerting.stage import SpikeStage
    from schemas import Alert
    from sinks.notifiers import build_notifiers
    from sinks.writers import AlertWriter

    spikes = SpikeStage(store, lateness_s=settings.spike_allowed_lateness_s, idle_s=settings.spike_idle_partition_s,
                        false_alarms_per_week=settings.spike_false_alarms_per_week,
                        merge_overlap=settings.spike_merge_overlap, dashboard_url=settings.dashboard_url,
                        history_s=settings.spike_history_days * 86400)
    alert_writer = AlertWriter(backend)
    checkpoint_key = f"{settings.app_id}:spikes"
    loop_lock = asyncio.Lock()

    async def score_closed_minutes() -> None:
        async with loop_lock:
            # Every ClickHouse call is retried while the server is down (a failed tick changes nothing),
            # instead of the exception crashing the worker.
            alerts = await write_until_done(lambda: spikes.tick(datetime.now(UTC).timestamp(), checkpoint_key),
                                            "score closed minutes", settings.sink_retry_max_s)
            scored = spikes.processed_until
            if alerts:
                async def publish(new: list[Any]) -> None:
                    futures = [await alerts_topic.send(value=a.model_dump_json().encode(), partition=0) for a in new]
                    await asyncio.gather(*futures)

                await emit_alerts(alerts, store, alert_writer, publish, settings.sink_retry_max_s)
                for a in alerts:
                    metrics.ALERTS_EMITTED.labels(status=a.status, severity=a.severity).inc()
                    log.warning("alert %s %s %s/%s: %.0f vs %.1f expected (%s)", a.alert_id, a.status, a.topic_id,
                                a.series, a.observed, a.expected, a.severity)
            await write_until_done(lambda: spikes.checkpoint(checkpoint_key, datetime.now(UTC)),
                                   "save spike checkpoint", settings.sink_retry_max_s)
            spikes.published_until = scored  # readiness reports minutes whose alerts are stored and sent

    if timer:
        app.timer(settings.spike_poll_s, on_leader=True, name="earshot.spikes")(score_closed_minutes)
    if not notify:
        return spikes
    deliveries = DeliveryLog(backend)
    for notifier in build_notifiers(settings):
        _register_notifier(app, alerts_topic, notifier, deliveries, settings.alert_delivery_max_backoff_s, Alert,
                           deliver_until_done)
    return spikes


async def emit_alerts(alerts: list[Any], store: Any, writer: Any, publish: Any, retry_max_s: float) -> list[Any]:
    """Publish the revisions not stored yet, then store them all; returns those published.

    Publish first, store second: a stored revision counts as sent (``store.unsent``), so storing first
    lost a revision for good when the worker died after the insert and before the broker acknowledged
    the send. This way a crash in between re-sends it after the restart (the spike state restarts
    from the checkpoint saved after this), and the notifiers skip what they delivered already
    (``alert_deliveries``): the alerts topic is at-least-once, deliveries are not repeated.
    """
    new = await write_until_done(functools.partial(store.unsent, alerts), "look up sent alerts", retry_max_s)
    if new:
        await publish(new)
    await write_until_done(functools.partial(writer.write, alerts), "insert alerts", retry_max_s)
    return list(new)


def _register_notifier(app: faust.App, topic: Any, notifier: Any, deliveries: Any, max_backoff: float,
                       alert_model: Any, deliver: Any) -> None:
    @app.agent(topic, name=f"earshot.notify.{notifier.name}")
    async def notify(stream: faust.StreamT) -> None:
        async for value in stream:
            try:
                alert = alert_model.model_validate_json(value)
            except ValueError:
                log.error("unreadable alert on %s skipped by %s: %r", topic, notifier.name, value[:200])
                continue
            await deliver(notifier, alert, deliveries, max_backoff)
