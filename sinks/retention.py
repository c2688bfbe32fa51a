"""Retention by dropping whole partitions (ClickHouse 18.16 has no TTL).

Raw tables are partitioned by day (``toYYYYMMDD``); ``alerts`` and the per-minute aggregates by month
(``toYYYYMM``: low volume, and aggregates are usually kept longer).
A partition is dropped when its *last* day is older than the cutoff, so a month partition goes only
once the whole month is past it. Dropping a partition is instant and frees disk at once.
"""

from __future__ import annotations

import logging
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sinks.backends import ClickHouseBackend
from sinks.errors import SinkRejected
from sinks.sql import string_literal

log = logging.getLogger(__name__)

RAW_TABLES: tuple[str, ...] = ("mentions", "mention_topics", "dead_letters", "alerts")
AGGREGATE_TABLES: tuple[str, ...] = ("topic_volume_1m", "volume_1m")


@dataclass(frozen=True)
class Partition:
    """One partition of a table and the last calendar day it can hold."""

    table: str
    partition_id: str
    last_day: date


def partition_last_day(partition_id: str) -> date | None:
    """Last day covered by a ``YYYYMMDD`` or ``YYYYMM`` partition id; None for anything else."""
    if not partition_id.isdigit():
        return None
    try:
        if len(partition_id) == 8:
            return date(int(partition_id[:4]), int(partition_id[4:6]), int(partition_id[6:]))
        if len(partition_id) == 6:
            year, month = int(partition_id[:4]), int(partition_id[4:])
            return date(year, month, monthrange(year, month)[1])
    except ValueError:
        return None
    return None


def list_partitions(backend: ClickHouseBackend, tables: tuple[str, ...]) -> list[Partition]:
    """Active partitions of ``tables`` in the backend's database (unknown id formats are skipped)."""
    names = ",".join(string_literal(t) for t in tables)
    rows = backend.query(
        "SELECT DISTINCT table, partition_id FROM system.parts "
        f"WHERE database = {string_literal(backend.database)} AND active AND table IN ({names}) "
        "ORDER BY table, partition_id")
    out = []
    for row in rows:
        last = partition_last_day(str(row["partition_id"]))
        if last is not None:
            out.append(Partition(str(row["table"]), str(row["partition_id"]), last))
    return out


def expired_partitions(backend: ClickHouseBackend, days: int, aggregate_days: int | None = None,
                       today: date | None = None) -> list[Partition]:
    """Partitions whose last day is before ``today - days`` (aggregates: ``aggregate_days``, default ``days``)."""
    if days < 1 or (aggregate_days is not None and aggregate_days < 1):
        raise SinkRejected("retention must keep at least 1 day")
    today = today or datetime.now(UTC).date()
    limits = {t: days for t in RAW_TABLES}
    limits.update({t: aggregate_days or days for t in AGGREGATE_TABLES})
    return [p for p in list_partitions(backend, tuple(limits))
            if p.last_day < today - timedelta(days=limits[p.table])]


def drop_old_partitions(backend: ClickHouseBackend, days: int, aggregate_days: int | None = None,
                        dry_run: bool = False, today: date | None = None) -> list[Partition]:
    """Drop every partition older than the retention; returns what was (or would be) dropped."""
    expired = expired_partitions(backend, days, aggregate_days, today)
    for p in expired:
        if not dry_run:
            log.info("retention: dropping %s partition %s", p.table, p.partition_id)
            backend.execute(f"ALTER TABLE {p.table} DROP PARTITION ID {string_literal(p.partition_id)}")
    return expired
