"""ClickHouse cluster DDL: sharded, optionally replicated tables behind the names the pipeline uses.

Generated from the same statements as the single-node schema (:mod:`sinks.ddl`); nothing here
repeats a column list. For every table ``T`` of the single-node schema the cluster gets:

* ``T_local`` on every node (``ON CLUSTER``): the single-node engine, or its ``Replicated*`` twin
  with the ZooKeeper path ``/clickhouse/tables/{shard}/<database>/T_local`` and replica ``{replica}``
  (``{shard}`` and ``{replica}`` are the server's ``<macros>``; the database and table are written
  out because ClickHouse 18.16 knows no ``{database}``/``{table}`` macros);
* ``T`` = ``Distributed(cluster, database, T_local, <sharding key>)``: the name the application
  reads and writes, so the worker, the query endpoint and the analysts run unchanged.

The sharding key of ``mentions`` and ``mention_topics`` is ``cityHash64(mention_key)``: a mention and
its topic rows land on the same shard, so ``FINAL`` (ReplacingMergeTree deduplication) is complete on
each shard, the writer's "already stored?" lookup finds a replayed mention on the shard it would be
written to again, and the alert context's ``mention_key IN (SELECT ... FROM mention_topics)`` can run
shard-locally (``distributed_product_mode = 'local'``). The per-minute materialized views are created
on the local tables: each shard aggregates the mentions it stores, and the ``Distributed``
aggregate tables merge the shards' partial sums (readers already ``sum() ... GROUP BY``).

Finally the DDL records schema versions 1..N in ``schema_migrations`` (itself distributed), so a
worker that still runs :func:`sinks.migrations.migrate` finds nothing to do. See docs/cluster.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sinks import ddl
from sinks.backends import ClickHouseBackend
from sinks.errors import SinkRejected
from sinks.migrations import MIGRATIONS
from sinks.sql import identifier, string_literal

LOCAL_SUFFIX = "_local"
DEFAULT_ZK_PATH = "/clickhouse/tables/{shard}/{database}/{table}"
"""ZooKeeper path of a replicated table; ``{database}``/``{table}`` are filled in here, ``{shard}`` by the server."""

SHARDING_KEYS: dict[str, str] = {
    "mentions": "cityHash64(mention_key)",
    "mention_topics": "cityHash64(mention_key)",  # same key: a mention and its topic rows share a shard
    "dead_letters": "cityHash64(id)",
    "alerts": "cityHash64(alert_id)",  # every revision of an alert on one shard (the writer looks them up)
    "alert_deliveries": "cityHash64(alert_id)",
    "stream_progress": "partition",
    "spike_state": "cityHash64(id)",
    "topic_volume_1m": "rand()",  # written by the views on each shard; only a backfill inserts through it
    "volume_1m": "rand()",
    "schema_migrations": "version",
}
"""Sharding key of each Distributed table (every table of the single-node schema has one)."""

CLUSTER_PROFILE_SETTINGS: dict[str, str] = {
    "insert_distributed_sync": "1",
    "distributed_product_mode": "local",
}
"""Settings the pipeline's ClickHouse user needs in cluster mode (its ``users.xml`` profile).

``insert_distributed_sync=1``: an INSERT into a Distributed table returns once the shards stored the
rows (not when they are queued on the receiving node), so the sink's commit point and its replay
lookup keep their meaning. ``distributed_product_mode=local``: ``IN (SELECT ... FROM mention_topics)``
inside a distributed query reads each shard's local table (correct because of the co-sharding)."""

_CREATE_TABLE = re.compile(
    r"^\s*CREATE TABLE IF NOT EXISTS (?P<name>\w+) \((?P<columns>.*)\n\) ENGINE = (?P<engine>\w+)\((?P<args>[^)]*)\)"
    r"(?P<rest>.*?)\s*$", re.DOTALL)
_CREATE_VIEW = re.compile(
    r"^\s*CREATE MATERIALIZED VIEW IF NOT EXISTS (?P<name>\w+) TO (?P<target>\w+) AS\n(?P<select>.*?)\s*$", re.DOTALL)
_FROM = re.compile(r"\bFROM (\w+)\b")


@dataclass(frozen=True)
class Table:
    """One table of the single-node schema, split into the parts the cluster DDL rewrites."""

    name: str
    columns: str
    engine: str
    engine_args: str
    rest: str
    """PARTITION BY / ORDER BY / SETTINGS, unchanged."""


@dataclass(frozen=True)
class View:
    name: str
    target: str
    select: str


def parse_table(statement: str) -> Table:
    """The parts of a ``CREATE TABLE IF NOT EXISTS name (...) ENGINE = E(args) ...`` of :mod:`sinks.ddl`."""
    m = _CREATE_TABLE.match(statement)
    if m is None:
        raise ValueError(f"not a CREATE TABLE statement of sinks.ddl: {statement[:80]!r}")
    return Table(m["name"], m["columns"].rstrip(), m["engine"], m["args"].strip(), m["rest"].strip())


def parse_view(statement: str) -> View:
    m = _CREATE_VIEW.match(statement)
    if m is None:
        raise ValueError(f"not a CREATE MATERIALIZED VIEW ... TO statement of sinks.ddl: {statement[:80]!r}")
    return View(m["name"], m["target"], m["select"].strip())


def schema_statements() -> tuple[list[Table], list[View]]:
    """The tables and views of the current single-node schema (all migrations), in creation order.

    Columns that migrations add with ``ALTER`` (``ddl.ALERT_CONTEXT_COLUMNS``) are part of the
    table here: a new cluster is created at the latest schema version directly.
    """
    tables: list[Table] = [parse_table(ddl.SCHEMA_MIGRATIONS)]
    views: list[View] = []
    for statement in (*ddl.INITIAL_SCHEMA, *ddl.PER_MINUTE_AGGREGATES, *ddl.SPIKE_STAGE_TABLES):
        if "MATERIALIZED VIEW" in statement:
            views.append(parse_view(statement))
        else:
            tables.append(parse_table(statement))
    added = {"alerts": ddl.ALERT_CONTEXT_COLUMNS}
    tables = [Table(t.name, t.columns + "".join(f",\n    {n} {ty}" for n, ty in added.get(t.name, ())),
                    t.engine, t.engine_args, t.rest) for t in tables]
    return tables, views


CLUSTER_SCHEMA_VERSION = 3
"""The migration version the generated DDL is equivalent to (a unit test keeps it equal to the last one)."""


@dataclass(frozen=True)
class ClusterSchema:
    """Options of the generated DDL."""

    cluster: str
    database: str = "earshot"
    replicated: bool = True
    on_cluster: bool = True
    """False: no ``ON CLUSTER`` clause (run the statements on every node yourself, no distributed DDL queue)."""
    zk_path: str = DEFAULT_ZK_PATH

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", self.cluster):
            raise SinkRejected(f"bad cluster name {self.cluster!r}")
        identifier(self.database)
        if "{shard}" not in self.zk_path and self.replicated:
            raise SinkRejected("the ZooKeeper path must contain {shard} (one replica set per shard)")

    def _on(self) -> str:
        return f" ON CLUSTER {self.cluster}" if self.on_cluster else ""

    def qualified(self, table: str) -> str:
        return f"{self.database}.{table}"

    def local_engine(self, table: Table) -> str:
        if not self.replicated:
            return f"{table.engine}({table.engine_args})"
        path = self.zk_path.replace("{database}", self.database).replace("{table}", table.name + LOCAL_SUFFIX)
        args = [string_literal(path), "'{replica}'"] + ([table.engine_args] if table.engine_args else [])
        return f"Replicated{table.engine}({', '.join(args)})"

    def local_table(self, table: Table) -> str:
        name = self.qualified(table.name + LOCAL_SUFFIX)
        return (f"CREATE TABLE IF NOT EXISTS {name}{self._on()} ({table.columns}\n) "
                f"ENGINE = {self.local_engine(table)}\n{table.rest}")

    def distributed_table(self, table: Table) -> str:
        key = SHARDING_KEYS[table.name]
        return (f"CREATE TABLE IF NOT EXISTS {self.qualified(table.name)}{self._on()} "
                f"AS {self.qualified(table.name + LOCAL_SUFFIX)}\n"
                f"ENGINE = Distributed({self.cluster}, {self.database}, {table.name}{LOCAL_SUFFIX}, {key})")

    def view(self, view: View) -> str:
        select = _FROM.sub(lambda m: f"FROM {self.qualified(m[1] + LOCAL_SUFFIX)}", view.select)
        return (f"CREATE MATERIALIZED VIEW IF NOT EXISTS {self.qualified(view.name)}{self._on()} "
                f"TO {self.qualified(view.target + LOCAL_SUFFIX)} AS\n{select}")

    def statements(self) -> list[str]:
        """Every statement, in order: database, local tables, views, Distributed tables, versions."""
        tables, views = schema_statements()
        out = [f"CREATE DATABASE IF NOT EXISTS {self.database}{self._on()}"]
        out += [self.local_table(t) for t in tables]
        out += [self.view(v) for v in views]
        out += [self.distributed_table(t) for t in tables]
        out.append(self.record_versions())
        return out

    def record_versions(self) -> str:
        """Mark migrations 1..N applied, so :func:`sinks.migrations.migrate` has nothing to do.

        Into the local table of the node the script runs on (an INSERT has no ``ON CLUSTER``): readers
        see it through the Distributed ``schema_migrations``; with ``on_cluster=False`` every node
        records its own copy (readers take distinct versions)."""
        rows = ", ".join(f"({m.version}, {string_literal(m.name.replace(';', ',') + ' (cluster DDL)')}, now())"
                         for m in MIGRATIONS if m.version <= CLUSTER_SCHEMA_VERSION)
        table = self.qualified("schema_migrations" + LOCAL_SUFFIX)
        return (f"INSERT INTO {table} (version, name, applied_at) "
                f"SELECT version, name, applied_at FROM (SELECT arrayJoin([{rows}]) AS r, "
                f"toUInt32(r.1) AS version, r.2 AS name, r.3 AS applied_at) WHERE version NOT IN "
                f"(SELECT version FROM {table})")

    def drop_statements(self) -> list[str]:
        """The inverse (views and Distributed tables first), for tests and tear-down."""
        tables, views = schema_statements()
        out = [f"DROP TABLE IF EXISTS {self.qualified(v.name)}{self._on()}" for v in views]
        out += [f"DROP TABLE IF EXISTS {self.qualified(t.name)}{self._on()}" for t in tables]
        out += [f"DROP TABLE IF EXISTS {self.qualified(t.name + LOCAL_SUFFIX)}{self._on()}" for t in tables]
        return out

    def render(self) -> str:
        """The statements as one SQL script (``;`` separated), with a header naming the options."""
        head = (f"-- Earshot ClickHouse cluster schema (version {CLUSTER_SCHEMA_VERSION}): cluster {self.cluster}, "
                f"database {self.database}, {'replicated' if self.replicated else 'not replicated'}.\n"
                "-- Generated by `earshot schemas --cluster`; see docs/cluster.md. Needs the server macros "
                "{shard} and {replica}" + (" and ZooKeeper (distributed DDL)" if self.on_cluster else "")
                + ".\n-- The pipeline's user needs these settings in its profile: "
                + ", ".join(f"{k}={v}" for k, v in CLUSTER_PROFILE_SETTINGS.items()) + ".\n\n")
        return head + ";\n\n".join(self.statements()) + ";\n"


def cluster_statements(cluster: str, database: str = "earshot", replicated: bool = True,
                       on_cluster: bool = True) -> list[str]:
    """Shorthand for ``ClusterSchema(...).statements()``."""
    return ClusterSchema(cluster, database, replicated, on_cluster).statements()


def apply(backend: ClickHouseBackend, statements: Iterable[str]) -> None:
    """Run ``statements`` in order on a backend connected to any node of the cluster."""
    for statement in statements:
        backend.execute(statement)
