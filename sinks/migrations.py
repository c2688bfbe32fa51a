"""Ordered schema migrations, applied once each and recorded in ``schema_migrations``.

Every statement must be idempotent (``IF NOT EXISTS``): two workers may race through :func:`migrate`,
and a crash between a statement and its record re-runs the whole migration. Per-minute aggregate
materialized views (next issue) are added here as migration 2+; MVs fire on every insert, which is
why :class:`sinks.writers.MentionWriter` drops replayed mentions *before* inserting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sinks import ddl
from sinks.backends import ClickHouseBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema change: a version (strictly increasing), a name, and idempotent statements."""

    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables: mentions, mention_topics, dead_letters, alerts", ddl.INITIAL_SCHEMA),
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
        backend.insert("schema_migrations", ["version", "name", "applied_at"],
                       [(migration.version, migration.name, datetime.now(UTC))])
        applied.append(migration.version)
    return applied
