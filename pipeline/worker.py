"""Running a Faust worker process: topics, ClickHouse schema, agents, optional query endpoint."""

from __future__ import annotations

import logging

import faust

from earshot.kafka import ensure_topics
from earshot.settings import Settings
from pipeline.app import build_pipeline
from pipeline.heap import freeze_heap
from pipeline.logs import configure_logging, quiet_libraries

log = logging.getLogger(__name__)


def run_worker(settings: Settings, quiet: bool = True) -> None:
    """Run until SIGTERM/SIGINT; acknowledged offsets are committed on a graceful stop."""
    from sinks.backends import open_backend
    from sinks.migrations import migrate, require_schema

    configure_logging(settings.log_level, settings.log_format)
    ensure_topics(settings)
    backend = open_backend(settings.clickhouse_url)
    applied = migrate(backend) if settings.clickhouse_migrate else require_schema(backend)
    if applied:
        log.info("ClickHouse migrations applied: %s", applied)
    pipeline = build_pipeline(settings, backend)
    app = pipeline.app

    @app.task
    async def on_started() -> None:
        quiet_libraries()  # the Faust worker resets library log levels while it starts
        if settings.clickhouse_url.startswith("chdb:"):
            from pipeline.query_server import start_query_server

            await start_query_server(backend, settings.query_http_host, settings.query_http_port)
        if settings.gc_freeze:
            freeze_heap("worker started")
        log.info("worker %s started: %s -> %s -> %s", settings.app_id, settings.topic_raw,
                 settings.topic_enriched, _redact_url(settings.clickhouse_url))

    worker = faust.Worker(app, loglevel=settings.log_level.lower(), quiet=quiet, override_logging=False,
                          redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    finally:
        backend.close()


def _redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
