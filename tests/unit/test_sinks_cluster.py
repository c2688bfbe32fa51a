"""The generated ClickHouse cluster DDL (sinks/cluster.py, ``earshot schemas --cluster``).

Applied for real on a ZooKeeper + 3-server ClickHouse 18.16 cluster in tests/integration/test_cluster_ddl.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from earshot.cli import main
from earshot.settings import Settings
from sinks import ddl
from sinks.cluster import (
    CLUSTER_PROFILE_SETTINGS,
    CLUSTER_SCHEMA_VERSION,
    SHARDING_KEYS,
    ClusterSchema,
    parse_table,
    schema_statements,
)
from sinks.errors import SinkConfigError, SinkRejected
from sinks.migrations import MIGRATIONS, require_schema

SINGLE_NODE_TABLES = {"schema_migrations", "mentions", "mention_topics", "dead_letters", "alerts", "topic_volume_1m",
                      "volume_1m", "stream_progress", "spike_state", "alert_deliveries"}


def _by_prefix(statements: list[str], prefix: str) -> dict[str, str]:
    out = {}
    for s in statements:
        m = re.match(rf"{re.escape(prefix)} (\w+)\.(\w+)", s)
        if m:
            out[m[2]] = s
    return out


def test_every_single_node_table_gets_a_local_and_a_distributed_table() -> None:
    tables, views = schema_statements()
    assert {t.name for t in tables} == SINGLE_NODE_TABLES == set(SHARDING_KEYS)
    assert {v.name for v in views} == {"topic_volume_1m_mv", "volume_1m_mv"}
    statements = ClusterSchema("prod").statements()
    created = _by_prefix(statements, "CREATE TABLE IF NOT EXISTS")
    assert set(created) == SINGLE_NODE_TABLES | {f"{t}_local" for t in SINGLE_NODE_TABLES}
    for name in SINGLE_NODE_TABLES:
        assert f"AS earshot.{name}_local\nENGINE = Distributed(prod, earshot, {name}_local, {SHARDING_KEYS[name]})" \
            in created[name]
    # order: database, local tables, views, Distributed tables (each after its local table), versions
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS earshot ON CLUSTER prod"
    position = {name: statements.index(s) for name, s in created.items()}
    assert all(position[n] > position[f"{n}_local"] for n in SINGLE_NODE_TABLES)
    assert statements[-1].startswith("INSERT INTO earshot.schema_migrations")


def test_local_tables_reuse_the_single_node_columns_and_keys() -> None:
    created = _by_prefix(ClusterSchema("prod").statements(), "CREATE TABLE IF NOT EXISTS")
    for statement in (ddl.MENTIONS, ddl.MENTION_TOPICS, ddl.TOPIC_VOLUME_1M, ddl.STREAM_PROGRESS):
        single = parse_table(statement)
        local = created[f"{single.name}_local"]
        assert single.columns in local  # the very same column list
        assert local.rstrip().endswith(single.rest)  # PARTITION BY / ORDER BY unchanged
    # columns migration 3 adds with ALTER are part of a new cluster's alerts table
    for name, ch_type in ddl.ALERT_CONTEXT_COLUMNS:
        assert f"    {name} {ch_type}" in created["alerts_local"]


def test_replicated_engines_paths_and_macros() -> None:
    created = _by_prefix(ClusterSchema("prod", "social").statements(), "CREATE TABLE IF NOT EXISTS")
    engines = {name: re.search(r"ENGINE = (\w+)\((.*)\)", s)[0] for name, s in created.items()  # type: ignore[index]
               if name.endswith("_local")}
    assert engines["mentions_local"] == ("ENGINE = ReplicatedReplacingMergeTree("
                                         "'/clickhouse/tables/{shard}/social/mentions_local', '{replica}', version)")
    assert engines["dead_letters_local"] == ("ENGINE = ReplicatedReplacingMergeTree("
                                             "'/clickhouse/tables/{shard}/social/dead_letters_local', '{replica}')")
    assert engines["volume_1m_local"].startswith("ENGINE = ReplicatedSummingMergeTree(")
    assert engines["alert_deliveries_local"].startswith("ENGINE = ReplicatedMergeTree(")
    paths = [re.search(r"'(/clickhouse[^']*)'", e)[1] for e in engines.values()]  # type: ignore[index]
    assert len(set(paths)) == len(paths)  # one ZooKeeper path per table


def test_plain_variant_and_per_node_statements() -> None:
    statements = ClusterSchema("prod", replicated=False, on_cluster=False).statements()
    assert not any("Replicated" in s or "ON CLUSTER" in s for s in statements)
    created = _by_prefix(statements, "CREATE TABLE IF NOT EXISTS")
    assert "ENGINE = ReplacingMergeTree(version)" in created["mentions_local"]
    assert "ENGINE = Distributed(prod, earshot, mentions_local, cityHash64(mention_key))" in created["mentions"]


def test_views_read_and_write_the_local_tables() -> None:
    views = _by_prefix(ClusterSchema("prod").statements(), "CREATE MATERIALIZED VIEW IF NOT EXISTS")
    assert set(views) == {"topic_volume_1m_mv", "volume_1m_mv"}
    for name, statement in views.items():
        target = name.removesuffix("_mv")
        assert f" ON CLUSTER prod TO earshot.{target}_local AS\n" in statement
        assert "FROM earshot.mentions_local" in statement and "FROM mentions\n" not in statement
        select, group_by = ddl.AGGREGATE_SOURCES[target]
        assert statement.endswith(group_by)
        assert select.split("FROM")[0].strip() in statement  # the single-node view's select list


def test_a_mention_and_its_topic_rows_share_a_shard() -> None:
    assert SHARDING_KEYS["mentions"] == SHARDING_KEYS["mention_topics"] == "cityHash64(mention_key)"
    assert SHARDING_KEYS["alerts"] == "cityHash64(alert_id)"
    assert CLUSTER_PROFILE_SETTINGS == {"insert_distributed_sync": "1", "distributed_product_mode": "local"}


def test_the_cluster_schema_covers_every_migration() -> None:
    # Adding migration N+1 must come with its cluster DDL: update sinks/cluster.py, then this number.
    assert CLUSTER_SCHEMA_VERSION == max(m.version for m in MIGRATIONS)
    insert = ClusterSchema("prod").statements()[-1]
    assert all(f"({m.version}, " in insert for m in MIGRATIONS)


@pytest.mark.parametrize("kwargs", [{"cluster": "bad name"}, {"cluster": "c", "database": "x;drop"},
                                    {"cluster": "c", "zk_path": "/clickhouse/{table}"}])
def test_bad_options_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(SinkRejected):
        ClusterSchema(**kwargs)


def test_cli_prints_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--cluster", "prod", "--database", "social"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("-- Earshot ClickHouse cluster schema (version 3)")
    body = "\n".join(line for line in out.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in body.split(";") if s.strip()]
    assert statements == ClusterSchema("prod", "social").statements()
    assert main(["schemas", "--cluster", "prod", "--no-replicated", "--no-on-cluster"]) == 0
    assert "Replicated" not in capsys.readouterr().out.split("\n\n", 1)[1]
    assert main(["schemas", "--cluster", "prod", "--drop"]) == 0
    drops = capsys.readouterr().out
    assert drops.startswith("DROP TABLE IF EXISTS earshot.topic_volume_1m_mv ON CLUSTER prod;")


class _Versions:
    database = "earshot"

    def __init__(self, versions: list[int] | None) -> None:
        self.versions = versions

    def query(self, sql: str) -> list[dict[str, Any]]:
        if self.versions is None:
            raise SinkRejected("Table earshot.schema_migrations doesn't exist")
        return [{"version": v} for v in self.versions]


def test_require_schema_checks_without_migrating() -> None:
    assert Settings().clickhouse_migrate is True
    require_schema(_Versions([1, 2, 3]))  # type: ignore[arg-type]
    with pytest.raises(SinkConfigError, match=r"migrations \[3\] are not applied"):
        require_schema(_Versions([1, 2]))  # type: ignore[arg-type]
    with pytest.raises(SinkConfigError, match="schema is not there"):
        require_schema(_Versions(None))  # type: ignore[arg-type]
