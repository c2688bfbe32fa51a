"""Typed, frozen settings read from ``EARSHOT_*`` environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WORKER_STAGES = ("enrich", "sink", "deadletters", "spikes", "notify")
"""The stages a worker can run (``EARSHOT_WORKER_STAGES``), in pipeline order."""


def parse_worker_stages(value: str) -> tuple[str, ...]:
    """``"all"`` or a comma list of :data:`WORKER_STAGES` -> the stages in pipeline order.

    Raises ``ValueError`` naming the unknown stage (or an empty list)."""
    names = [part.strip().lower() for part in str(value).split(",") if part.strip()]
    if not names:
        raise ValueError("EARSHOT_WORKER_STAGES is empty: give 'all' or a comma list of "
                         f"{', '.join(WORKER_STAGES)}")
    if names == ["all"]:
        return WORKER_STAGES
    unknown = [n for n in names if n not in WORKER_STAGES]
    if unknown:
        raise ValueError(f"unknown worker stage {unknown[0]!r} in EARSHOT_WORKER_STAGES={value!r}: choose "
                         f"from {', '.join(WORKER_STAGES)} (comma-separated), or 'all'")
    return tuple(s for s in WORKER_STAGES if s in names)


class Settings(BaseSettings):
    """Every knob of the pipeline. Env var = ``EARSHOT_`` + field name in upper case.

    ``EARSHOT_WORKER_STAGES`` picks the agents a worker process runs, so enrich and sink can run,
    scale and fail as separate processes: ``all`` (default: every stage in one process) or a comma
    list of ``enrich`` (raw -> enriched), ``sink`` (enriched -> ClickHouse), ``deadletters`` (dead
    letter topic -> ClickHouse), ``spikes`` (the leader-only spike timer) and ``notify`` (alert
    delivery). Every process of a deployment keeps the same ``EARSHOT_APP_ID`` (one consumer group).
    """

    model_config = SettingsConfigDict(env_prefix="EARSHOT_", env_file=".env", extra="ignore", frozen=True)

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = Field(default=None, repr=False)
    kafka_ssl_cafile: str | None = None
    topic_raw: str = "mentions.raw"
    topic_enriched: str = "mentions.enriched"
    topic_deadletter: str = "mentions.deadletter"
    topic_alerts: str = "alerts"
    partitions: int = Field(default=4, ge=1)
    topic_retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)

    # Message format: mentions per Kafka message (envelope). 1 disables batching.
    envelope_max_mentions: int = Field(default=200, ge=1)
    envelope_max_bytes: int = Field(default=900_000, ge=10_000)

    # Faust worker
    app_id: str = "earshot"
    worker_web_host: str = "127.0.0.1"
    worker_web_port: int = 6066
    session_timeout_s: float = Field(default=6.0, gt=0)
    worker_stages: str = Field(default="all", description="What this worker process runs: 'all', or a comma "
                               "list of enrich, sink, deadletters, spikes, notify (see docs/operations.md)")

    # Enrichment
    watchlist: Path = Path("config/watchlist.yaml")
    watchlist_reload_s: float = Field(default=5.0, gt=0, description="How often the watchlist file is polled")
    intent_rules: Path | None = Field(default=None, description="YAML intent rules (default: bundled rules)")
    redact_text: bool = Field(default=True, description="Redact e-mails, phone numbers... from stored text")
    hash_author_ids: bool = False
    author_hash_key: str | None = Field(default=None, repr=False, description="Secret key for author id hashing")

    # ClickHouse: chdb:///path (embedded) or clickhouse://user:password@host:port/database
    clickhouse_url: str = "chdb://var/chdb"
    clickhouse_migrate: bool = Field(default=True, description="Apply missing schema migrations on start; false: "
                                     "only check them (a cluster schema applied by an operator, docs/cluster.md)")
    batch_max_rows: int = Field(default=20_000, ge=1, description="Most rows in one INSERT")
    batch_max_seconds: float = Field(default=1.0, gt=0, description="Longest wait to fill a batch")
    batch_max_messages: int = Field(default=200, ge=1, description="Most Kafka messages in one sink batch")
    stream_buffer_max_messages: int | None = Field(default=None, ge=1, description="Kafka messages an agent may read "
                                                   "ahead of its processing (Faust stream_buffer_maxsize); bounds memory "
                                                   "while ClickHouse is slow. Default: 2 x batch_max_messages")
    sink_retry_max_s: float = Field(default=30.0, gt=0, description="Longest backoff between insert retries")
    query_http_host: str = "127.0.0.1"
    query_http_port: int = 8124

    # Spike detection and alerting
    spike_enabled: bool = True
    spike_poll_s: float = Field(default=5.0, gt=0, description="How often closed windows are scored")
    spike_allowed_lateness_s: float = Field(default=120.0, ge=0, description="Wait this long (event time) "
                                            "before a minute is final; later mentions are stored, not scored")
    spike_idle_partition_s: float = Field(default=60.0, gt=0, description="A partition silent this long "
                                          "(wall clock) no longer holds back the watermark")
    spike_history_days: float = Field(default=7.0, gt=0, description="History replayed to rebuild detectors "
                                      "when no checkpoint exists")
    spike_false_alarms_per_week: float = Field(default=1.0, gt=0, description="Sensitivity: false-alarm "
                                               "budget per series and week")
    spike_merge_overlap: float = Field(default=0.5, gt=0, le=1, description="Share of shared mentions at "
                                       "which concurrent incidents of two topics are one incident")
    alert_webhook_url: str | None = None
    alert_slack_webhook_url: str | None = None
    alert_pagerduty_routing_key: str | None = Field(default=None, repr=False)
    alert_pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    alert_smtp_host: str | None = None
    alert_smtp_port: int = 25
    alert_smtp_starttls: bool = False
    alert_smtp_user: str | None = None
    alert_smtp_password: str | None = Field(default=None, repr=False)
    alert_email_from: str = "earshot@localhost"
    alert_email_to: str | None = Field(default=None, description="Comma-separated recipients")
    alert_delivery_timeout_s: float = Field(default=10.0, gt=0)
    alert_delivery_max_backoff_s: float = Field(default=300.0, gt=0)
    dashboard_url: str | None = Field(default=None, description="Linked from alerts, e.g. a Grafana dashboard")

    # Webhook receiver
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8090
    webhook_secret: str | None = Field(default=None, repr=False, description="Shared secret of the webhook senders")
    webhook_auth: Literal["none", "hmac-sha256", "token"] | None = Field(
        default=None, description="none | hmac-sha256 | token (default: hmac-sha256 when a secret is set)")
    webhook_max_skew_s: float = Field(default=300.0, gt=0, description="Largest accepted age of a signed "
                                      "X-Earshot-Timestamp (replay window)")
    webhook_require_timestamp: bool = Field(default=False, description="Reject HMAC requests without "
                                            "X-Earshot-Timestamp (replay protection for every request)")

    # Logs and local state
    log_level: str = "INFO"
    gc_freeze: bool = Field(default=True, description="Freeze the objects built at startup (watchlist, "
                            "lexicons, clients) out of Python's garbage collector: faster full collections")
    log_format: str = "text"
    data_dir: Path = Path("var")

    @field_validator("worker_stages")
    @classmethod
    def _check_worker_stages(cls, value: str) -> str:
        stages = parse_worker_stages(value)
        return "all" if stages == WORKER_STAGES else ",".join(stages)

    @property
    def stages(self) -> frozenset[str]:
        """The stages this worker runs (``EARSHOT_WORKER_STAGES`` parsed)."""
        return frozenset(parse_worker_stages(self.worker_stages))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
