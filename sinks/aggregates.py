"""Maintenance of the per-minute aggregate tables fed by materialized views (migration 2)."""

from __future__ import annotations

from sinks import ddl
from sinks.backends import ClickHouseBackend


def rebuild_aggregates(backend: ClickHouseBackend) -> None:
    """Recompute ``topic_volume_1m`` and ``volume_1m`` from ``mentions FINAL``.

    Only while no sink writes (inserts during the rebuild would be counted twice or not at all);
    used to repair aggregates after an interrupted backfill or a manual data fix.
    """
    for table, (select, group_by) in ddl.AGGREGATE_SOURCES.items():
        backend.execute(f"TRUNCATE TABLE {table}")
        backend.execute(f"INSERT INTO {table} {select} FINAL {group_by}")
