"""Ordered schema migrations, applied once each and recorded in ``schema_migrations``.

Every statement must be idempotent (``IF NOT EXISTS``): two workers may race through :func:`migrate`,
and a crash between a statement and its record re-runs the whole migration. Migration 2 adds the
per-minute aggregates fed by materialized views on ``mentions``; views fire on every insert, which is
why :class:`sinks.writers.MentionWriter` drops replayed mentions *before* inserting. Migration 1 is
applied in the field: never edit a released migration, add a new one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sinks import ddl
from sinks.backends import ClickHouseBackend
from sinks.errors import SinkError, SinkRejected

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema change: a version (strictly increasing), a name, and idempotent statements."""

    version: int
    name: str
    statements: tuple[str, ...]
    backfill: Callable[[ClickHouseBackend], None] | None = None
    """Runs after the statements (e.g. add columns a table lacks)."""
    view_backfill: Callable[[ClickHouseBackend, set[str]], None] | None = None
    """Runs after the statements with the target tables of the views this call created (not those
    another worker created first): fills new aggregate tables from existing rows exactly once."""


def backfill_aggregates(backend: ClickHouseBackend, tables: Collection[str] | None = None) -> None:
    """Fill the per-minute aggregates (``tables``, default all) from mentions stored before their views existed.

    The cutoff is the server's clock right after the views were created: rows the sink inserted
    earlier carry an older ``inserted_at``; later rows were counted by the views. Workers migrate
    before they consume, so no insert normally runs in between. :func:`migrate` backfills only the
    tables whose view this very call created, so two workers racing through migration 2 (e.g. both
    replicas of a deployment upgraded at once) backfill once, not twice. A crash between creating a
    view and recording the migration leaves old rows uncounted: rebuild with
    :func:`sinks.aggregates.rebuild_aggregates` while the sink is stopped.
    """
    cutoff = int(backend.query("SELECT toUInt32(now()) AS t")[0]["t"])
    for table, (select, group_by) in ddl.AGGREGATE_SOURCES.items():
        if tables is not None and table not in tables:
            continue
        backend.execute(f"INSERT INTO {table} {select} FINAL WHERE inserted_at < toDateTime({cutoff}) {group_by}")


_CREATE_VIEW = re.compile(r"^\s*CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\b")
TABLE_ALREADY_EXISTS = 57


def create_view_once(backend: ClickHouseBackend, statement: str) -> bool:
    """Run a ``CREATE MATERIALIZED VIEW IF NOT EXISTS`` as a plain ``CREATE``: True if this call created it.

    The server creates a name once (a concurrent ``CREATE`` of the same name fails with
    TABLE_ALREADY_EXISTS), so of the workers racing through a migration exactly one gets True.
    """
    match = _CREATE_VIEW.match(statement)
    if match is None:
        raise ValueError(f"not a CREATE MATERIALIZED VIEW IF NOT EXISTS statement: {statement[:80]!r}")
    try:
        backend.execute(statement.replace(" IF NOT EXISTS", "", 1))
        return True
    except SinkRejected as exc:
        exists = backend.query(f"SELECT count() AS n FROM system.tables WHERE database = '{backend.database}' "
                               f"AND name = '{match.group(1)}'")
        if exc.code == TABLE_ALREADY_EXISTS or int(exists[0]["n"]) > 0:
            return False
        raise


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
              ddl.PER_MINUTE_AGGREGATES, view_backfill=backfill_aggregates),
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
        created: set[str] = set()  # target tables of the views this call created
        for statement in migration.statements:
            view = _CREATE_VIEW.match(statement)
            if view is None:
                backend.execute(statement)
            elif create_view_once(backend, statement):
                created.add(view.group(2))
            else:
                log.info("view %s exists already: the worker that created it backfills it", view.group(1))
        if migration.view_backfill is not None and created:
            migration.view_backfill(backend, created)
        if migration.backfill is not None:
            migration.backfill(backend)
        backend.insert("schema_migrations", ["version", "name", "applied_at"],
                       [(migration.version, migration.name, datetime.now(UTC))])
        applied.append(migration.version)
    return applied


def require_schema(backend: ClickHouseBackend, migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
    """Check, without changing anything, that every migration is recorded (``EARSHOT_CLICKHOUSE_MIGRATE=false``).

    For schemas applied by an operator, e.g. the cluster DDL of ``earshot schemas --cluster``, which
    records the versions it is equivalent to. Raises :class:`SinkConfigError` naming what is missing.
    """
    from sinks.errors import SinkConfigError

    try:
        done = applied_versions(backend)
    except SinkError as exc:
        raise SinkConfigError(f"EARSHOT_CLICKHOUSE_MIGRATE=false but the schema is not there ({exc}); apply it "
                              "first (`earshot schemas --cluster NAME`, docs/cluster.md)") from exc
    missing = [m.version for m in migrations if m.version not in done]
    if missing:
        raise SinkConfigError(f"EARSHOT_CLICKHOUSE_MIGRATE=false but schema migrations {missing} are not applied in "
                              f"{backend.database}; apply them (docs/cluster.md) or let the worker migrate")
