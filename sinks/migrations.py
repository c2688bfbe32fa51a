"""Ordered schema migrations, applied once each and recorded in ``schema_migrations``.

Every statement must be idempotent (``IF NOT EXISTS``): two workers may race through :func:`migrate`,
and a crash between a statement and its record re-runs the whole migration. Migration 2 adds the
per-minute aggregates fed by materialized views on ``mentions``; views fire on every insert, which is
why :class:`sinks.writers.MentionWriter` drops replayed mentions *before* inserting. Migration 1 is
applied in the field: never edit a released migration, add a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sinks import ddl
from sinks.backends import ClickHouseBackend
from sinks.errors import SinkError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema change: a version (strictly increasing), a name, and idempotent statements."""

    version: int
    name: str
    statements: tuple[str, ...]
    backfill: Callable[[ClickHouseBackend], None] | None = None
    """Runs after the statements (e.g. fill new aggregate tables from existing rows)."""


def backfill_aggregates(backend: ClickHouseBackend) -> None:
    """Fill the per-minute aggregates from mentions stored before their views existed.

    The cutoff is the server's clock right after the views were created: rows the sink inserted
    earlier carry an older ``inserted_at``; later rows were counted by the views. Workers migrate
    before they consume, so no insert normally runs in between. A crash after this and before the
    migration is recorded re-runs it and double-counts old rows: rebuild with
    :func:`sinks.aggregates.rebuild_aggregates` while the sink is stopped.
    """
    cutoff = int(backend.query("SELECT toUInt32(now()) AS t")[0]["t"])
    for table, (select, group_by) in ddl.AGGREGATE_SOURCES.items():
        backend.execute(f"INSERT INTO {table} {select} FINAL WHERE inserted_at < toDateTime({cutoff}) {group_by}")


def add_missing_columns(backend: ClickHouseBackend, table: str, columns: tuple[tuple[str, str], ...]) -> None:
    """``ALTER TABLE ... ADD COLUMN`` for the columns ``table`` lacks (idempotent on every engine)."""
    def present() -> set[str]:
        rows = backend.query(f"SELECT name FROM system.columns WHERE database = '{backend.database}' "
                             f"AND table = '{table}'")
        return {str(r["name"]) for r in rows}

    existing = present()
    for name, ch_type in columns:
        if name in existing:
            continue
        try:
            backend.execute(f"ALTER TABLE {table} ADD COLUMN {name} {ch_type}")
        except SinkError:
            if name not in present():  # another worker racing through the same migration added it
                raise


def add_alert_context_columns(backend: ClickHouseBackend) -> None:
    add_missing_columns(backend, "alerts", ddl.ALERT_CONTEXT_COLUMNS)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables: mentions, mention_topics, dead_letters, alerts", ddl.INITIAL_SCHEMA),
    Migration(2, "per-minute aggregates topic_volume_1m and volume_1m fed by materialized views on mentions",
              ddl.PER_MINUTE_AGGREGATES, backfill_aggregates),
    Migration(3, "spike stage: stream_progress, spike_state, alert_deliveries; alerts.related_topics",
              ddl.SPIKE_STAGE_TABLES, add_alert_context_columns),
)


def applied_versions(backend: ClickHouseBackend) -> set[int]:
    """Versions recorded in ``schema_migrations`` (the table must exist)."""
    return {int(row["version"]) for row in backend.query("SELECT DISTINCT version FROM schema_migrations")}


def migrate(backend: ClickHouseBackend, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Create the database if needed and apply the missing migrations in order; returns their versions."""
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError(f"migration versions must be unique and increasing: {versions}")
    backend.ensure_database()
    backend.execute(ddl.SCHEMA_MIGRATIONS)
    done = applied_versions(backend)
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        log.info("applying ClickHouse migration %d: %s", migration.version, migration.name)
        for statement in migration.statements:
            backend.execute(statement)
        if migration.backfill is not None:
            migration.backfill(backend)
        backend.insert("schema_migrations", ["version", "name", "applied_at"],
                       [(migration.version, migration.name, datetime.now(UTC))])
        applied.append(migration.version)
    return applied
