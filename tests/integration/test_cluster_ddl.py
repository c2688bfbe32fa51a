"""The generated cluster DDL (sinks/cluster.py) applied for real on ClickHouse 18.16 servers.

A real cluster on 127.0.0.1: a ZooKeeper (Debian's ``zookeeper`` package, run as a user process) and
three ``clickhouse-server`` 18.16 processes with ``<macros>``, ``<remote_servers>`` and distributed DDL:

* cluster ``earshot_repl``: shard 01 = servers A and B (replicas r1, r2), shard 02 = server C;
* cluster ``earshot_plain``: shard 01 = A, shard 02 = C (for the non-replicated variant).

Each test applies the generated statements ``ON CLUSTER`` through server A, writes with the pipeline's
own writers to the Distributed tables (the names the application uses), and reads back: every
mention once, spread over both shards, a mention's topic rows on its shard, the per-shard
materialized views' aggregates summing to the totals, and (replicated) shard 01's second replica
holding the same rows. A real ``earshot worker`` then runs on the cluster schema.

Without ZooKeeper installed (``apt-get install zookeeper``), only servers A and
C run, as the plain cluster: the DDL is generated ``--no-on-cluster`` and applied on each node, the
replicated variant is skipped, and the plain variant and the worker test still run.
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from earshot.services.clickhouse import LocalClickHouse, find_free_port, server_binary
from earshot.services.process import stop_process
from earshot.settings import Settings
from sinks.cluster import CLUSTER_PROFILE_SETTINGS, CLUSTER_SCHEMA_VERSION, ClusterSchema, apply
from tests.fixtures.clickhouse import BASE_TIME, make_mention, unique_database
from tests.integration.kafka_helpers import publish
from tests.integration.worker_process import wait_until, worker_process

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_mentions.jsonl"
ZOOKEEPER_JAR = Path("/usr/share/java/zookeeper.jar")
SLF4J_SIMPLE = Path("/usr/share/java/slf4j-simple.jar")  # logs to zookeeper.log (optional)


class LocalZooKeeper:
    """A standalone ZooKeeper on 127.0.0.1 (no admin server), data under ``base_dir``."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.port = find_free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def installed() -> bool:
        return shutil.which("java") is not None and ZOOKEEPER_JAR.is_file()

    def start(self, timeout: float = 60.0) -> None:
        java = shutil.which("java")
        assert java is not None
        (self.base_dir / "data").mkdir(parents=True, exist_ok=True)
        config = self.base_dir / "zoo.cfg"
        config.write_text(f"tickTime=500\ndataDir={self.base_dir / 'data'}\nclientPort={self.port}\n"
                          "clientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n")
        with open(self.base_dir / "zookeeper.log", "wb") as out:
            self.proc = subprocess.Popen(
                [java, "-Xmx256m", "-Dzookeeper.admin.enableServer=false", "-cp", f"{ZOOKEEPER_JAR}:{SLF4J_SIMPLE}",
                 "org.apache.zookeeper.server.ZooKeeperServerMain", str(config)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"zookeeper exited: {(self.base_dir / 'zookeeper.log').read_text()[-2000:]}")
            if self.serving():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("zookeeper did not listen in time")

    def serving(self) -> bool:
        """True once a client handshake gets a session (the port opens before the server runs, and
        ClickHouse 18.16 crashes on the connection loss of an early handshake)."""
        body = struct.pack(">iqiqi", 0, 0, 10000, 0, 16) + bytes(16)  # ConnectRequest, protocol 0
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(struct.pack(">i", len(body)) + body)
                return len(sock.recv(64)) >= 20
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)


@dataclass
class Cluster:
    zookeeper: LocalZooKeeper | None
    servers: dict[str, LocalClickHouse]  # "a", "b" (shard 01 replicas, b only with ZooKeeper), "c" (shard 02)

    def backend(self, name: str, database: str = "default") -> Any:
        from sinks.backends import ServerBackend

        return ServerBackend(port=self.servers[name].tcp_port, database=database)

    def schema(self, name: str, database: str, replicated: bool) -> ClusterSchema:
        """The generated DDL; ``ON CLUSTER`` needs ZooKeeper (the distributed DDL queue)."""
        if replicated and self.zookeeper is None:
            pytest.skip("ZooKeeper not installed (apt-get install zookeeper): replicated tables need it")
        return ClusterSchema(name, database, replicated=replicated, on_cluster=self.zookeeper is not None)

    def create(self, schema: ClusterSchema) -> None:
        """Apply the schema: once through node a (ON CLUSTER), or on every node of the plain cluster."""
        for node in ("a",) if schema.on_cluster else ("a", "c"):
            backend = self.backend(node)
            try:
                apply(backend, schema.statements())
            finally:
                backend.close()

    def drop(self, schema: ClusterSchema) -> None:
        for node in ("a",) if schema.on_cluster else ("a", "c"):
            backend = self.backend(node)
            try:
                apply(backend, schema.drop_statements())
                backend.execute(f"DROP DATABASE IF EXISTS {schema.database}"
                                + (f" ON CLUSTER {schema.cluster}" if schema.on_cluster else ""))
            finally:
                backend.close()


def _replica(port: int) -> str:
    return f"<replica><host>127.0.0.1</host><port>{port}</port></replica>"


def cluster_config(zk_port: int | None, ports: dict[str, int], shard: str, replica: str) -> str:
    """The ``config.xml`` additions of one node: ZooKeeper, distributed DDL, macros and the clusters."""
    plain = f"<shard>{_replica(ports['a'])}</shard><shard>{_replica(ports['c'])}</shard>"
    if zk_port is None:  # no ZooKeeper: no replication, no ON CLUSTER; the plain cluster only
        return f"""
  <macros><shard>{shard}</shard><replica>{replica}</replica></macros>
  <remote_servers><earshot_plain>{plain}</earshot_plain></remote_servers>"""
    repl = (f"<shard><internal_replication>true</internal_replication>{_replica(ports['a'])}{_replica(ports['b'])}"
            f"</shard><shard><internal_replication>true</internal_replication>{_replica(ports['c'])}</shard>")
    return f"""
  <zookeeper><node><host>127.0.0.1</host><port>{zk_port}</port></node>
    <session_timeout_ms>10000</session_timeout_ms></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <macros><shard>{shard}</shard><replica>{replica}</replica></macros>
  <remote_servers>
    <earshot_repl>{repl}</earshot_repl>
    <earshot_plain>{plain}</earshot_plain>
  </remote_servers>"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    server_binary()  # fails (not skips) without clickhouse-server, like the other server tests
    base = tmp_path_factory.mktemp("cluster")
    zookeeper = LocalZooKeeper(base / "zookeeper") if LocalZooKeeper.installed() else None
    nodes = "abc" if zookeeper is not None else "ac"
    ports = {name: find_free_port() for name in "abc"}
    macros = {"a": ("01", "r1"), "b": ("01", "r2"), "c": ("02", "r1")}
    servers = {name: LocalClickHouse(base / name, http_port=find_free_port(), tcp_port=ports[name],
                                     max_memory_usage=1_000_000_000,
                                     extra_config=cluster_config(zookeeper.port if zookeeper else None, ports,
                                                                 *macros[name]),
                                     profile_settings=CLUSTER_PROFILE_SETTINGS)
               for name in nodes}
    try:
        if zookeeper is not None:
            zookeeper.start()  # before the servers: 18.16 crashes on a ZooKeeper that is not serving yet
        for server in servers.values():
            server.start(wait=False)
        for server in servers.values():
            server.start(timeout=90)  # waits for /ping
        yield Cluster(zookeeper, servers)
    finally:
        for server in servers.values():
            server.stop()
        if zookeeper is not None:
            zookeeper.stop()


def _count(backend: Any, sql: str) -> int:
    return int(next(iter(backend.query(sql)[0].values())))


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


@pytest.mark.parametrize("replicated", [True, False], ids=["replicated", "plain"])
def test_generated_cluster_ddl_serves_the_pipeline_writers_and_readers(cluster: Cluster, replicated: bool) -> None:
    from pipeline.alerting.store import SpikeStore
    from schemas import DeadLetter
    from sinks.migrations import migrate
    from sinks.writers import DeadLetterWriter, MentionWriter

    name = "earshot_repl" if replicated else "earshot_plain"
    database = unique_database("cluster")
    schema = cluster.schema(name, database, replicated)
    admin = cluster.backend("a")
    app = cluster.backend("a", database)
    try:
        cluster.create(schema)
        cluster.create(schema)  # applying it again is a no-op (IF NOT EXISTS, versions recorded once)
        nodes = ("a", "c") if not replicated else ("a", "b", "c")
        for node in nodes:  # the tables exist on every node of the cluster
            tables = {r["name"] for r in cluster.backend(node).query(
                f"SELECT name FROM system.tables WHERE database = '{database}'")}
            assert {"mentions", "mentions_local", "mention_topics_local", "topic_volume_1m_mv", "alerts"} <= tables
        engine = admin.query(f"SELECT engine FROM system.tables WHERE database = '{database}' "
                             "AND name = 'mentions_local'")[0]["engine"]
        assert engine == ("ReplicatedReplacingMergeTree" if replicated else "ReplacingMergeTree")

        # the worker's migrate() finds every version recorded: nothing to do, nothing created locally
        assert migrate(app) == []
        assert _count(app, "SELECT count() FROM (SELECT DISTINCT version FROM schema_migrations)") \
            == CLUSTER_SCHEMA_VERSION

        # the sink's writer, unchanged, on the Distributed tables
        n = 400
        mentions = [make_mention(i, topics=("acme", "brewco") if i % 3 == 0 else ("acme",),
                                 created_at=BASE_TIME + timedelta(seconds=5 * i)) for i in range(n)]
        writer = MentionWriter(app)
        assert writer.write(mentions[:250]) == 250
        assert writer.write(mentions) == n - 250  # the lookup through Distributed finds the stored ones
        assert writer.write(mentions[100:300]) == 0  # a replay inserts nothing
        keys = {m.mention_key for m in mentions}
        assert _count(app, "SELECT count() FROM mentions") == n
        assert {r["mention_key"] for r in app.query("SELECT mention_key FROM mentions")} == keys
        topic_rows = sum(len(m.topics) for m in mentions)
        assert _count(app, "SELECT count() FROM mention_topics FINAL") == topic_rows

        # sharded by cityHash64(mention_key): both shards hold rows, each mention's topic rows on its shard
        per_shard = {}
        for node in ("a", "c"):
            local = cluster.backend(node, database)
            shard_keys = {r["mention_key"] for r in local.query("SELECT mention_key FROM mentions_local")}
            topic_keys = {r["mention_key"] for r in local.query("SELECT DISTINCT mention_key FROM mention_topics_local")}
            assert topic_keys == shard_keys
            per_shard[node] = len(shard_keys)
            # the views aggregate on each shard what the shard stores
            assert _count(local, "SELECT sum(mentions) FROM volume_1m_local") == len(shard_keys)
        assert all(count > n // 4 for count in per_shard.values()) and sum(per_shard.values()) == n, per_shard
        # ... and the Distributed aggregates merge the shards' partial sums
        assert _count(app, "SELECT sum(mentions) FROM volume_1m") == n
        by_topic = {r["topic_id"]: int(r["c"]) for r in app.query(
            "SELECT topic_id, sum(mentions) AS c FROM topic_volume_1m GROUP BY topic_id")}
        assert by_topic == {"acme": n, "brewco": len(range(0, n, 3))}

        # the spike stage's reads, including IN (SELECT ... FROM mention_topics) (distributed_product_mode=local)
        store = SpikeStore(app)
        context = store.context("acme", "all", BASE_TIME, BASE_TIME + timedelta(hours=1))
        assert context.sample_urls and sum(context.sentiment_mix.values()) == n
        assert len(store.mention_keys("brewco", "all", BASE_TIME, BASE_TIME + timedelta(hours=1))) == len(range(0, n, 3))

        letters = [DeadLetter.make(stage="sink", source=f"t[0]@{i}", reason="bad", error_type="validation",
                                   payload=b"{}", received_at=BASE_TIME) for i in range(20)]
        assert DeadLetterWriter(app).write(letters) == 20
        assert DeadLetterWriter(app).write(letters) == 0
        assert _count(app, "SELECT count() FROM dead_letters") == 20

        if replicated:  # shard 01's second replica got the rows written to the first
            replica = cluster.backend("b", database)
            _wait(lambda: _count(replica, "SELECT count() FROM mentions_local") == per_shard["a"], 60,
                  "replication of shard 01 to replica r2")
            assert _count(replica, "SELECT sum(mentions) FROM volume_1m_local") == per_shard["a"]
    finally:
        cluster.drop(schema)
        for backend in (admin, app):
            backend.close()


def test_worker_runs_unchanged_on_the_cluster_schema(cluster: Cluster, kafka_settings: Settings,
                                                     tmp_path: Path) -> None:
    """A real ``earshot worker`` with EARSHOT_CLICKHOUSE_MIGRATE=false on the Distributed tables."""
    from schemas import RawMention

    database = unique_database("cluster_worker")
    replicated = cluster.zookeeper is not None
    schema = cluster.schema("earshot_repl" if replicated else "earshot_plain", database, replicated)
    url = f"clickhouse://default:@127.0.0.1:{cluster.servers['c'].tcp_port}/{database}"  # any node will do
    settings = kafka_settings.model_copy(update={"clickhouse_url": url, "clickhouse_migrate": False,
                                                 "spike_poll_s": 1.0, "envelope_max_mentions": 50})
    try:
        # before the schema is applied, the worker refuses to start (it does not create tables itself)
        log0 = tmp_path / "refused.log"
        with worker_process(settings, log0) as proc:
            assert proc.wait(60) != 0
        assert "EARSHOT_CLICKHOUSE_MIGRATE=false" in log0.read_text(errors="replace")

        cluster.create(schema)
        app = cluster.backend("c", database)
        lines = SAMPLE.read_text().splitlines()[:1500]
        mentions = [RawMention.model_validate_json(line) for line in lines]
        log = tmp_path / "worker.log"
        with worker_process(settings, log) as proc:
            publish(settings, mentions)
            wait_until(lambda: _count(app, "SELECT uniqExact(mention_key) FROM mentions") >= len(mentions), 120,
                       proc, log, "every mention in the cluster")
            wait_until(lambda: _count(app, "SELECT count() FROM spike_state") > 0, 60, proc, log,
                       "the spike timer's checkpoint")
            assert _count(app, "SELECT count() FROM mentions") == len(mentions)
            assert {r["mention_key"] for r in app.query("SELECT mention_key FROM mentions")} == {m.key for m in mentions}
            assert _count(app, "SELECT sum(mentions) FROM volume_1m") == len(mentions)
            assert _count(app, "SELECT count() FROM (SELECT DISTINCT partition FROM stream_progress)") > 0
            text = log.read_text(errors="replace")
            assert "migrations applied" not in text and "Traceback" not in text
        local = [_count(cluster.backend(n, database), "SELECT count() FROM mentions_local") for n in ("a", "c")]
        assert sum(local) == len(mentions) and min(local) > 0, local
    finally:
        cluster.drop(schema)
