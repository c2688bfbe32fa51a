"""The real local ClickHouse server: lifecycle, outages, read-only analyst, chdb process limits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from earshot.services.clickhouse import LocalClickHouse, find_free_port
from sinks.backends import ChdbBackend, ServerBackend, open_backend
from sinks.errors import SinkConfigError, SinkRejected, SinkUnavailable
from sinks.migrations import migrate
from sinks.writers import MentionWriter
from tests.fixtures.clickhouse import make_mention, unique_database

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_outage_raises_unavailable_and_the_backend_recovers(tmp_path: Path) -> None:
    server = LocalClickHouse(tmp_path / "ch", http_port=find_free_port(), tcp_port=find_free_port())
    server.start()
    try:
        backend = open_backend(server.url)
        migrate(backend)
        writer = MentionWriter(backend)
        assert writer.write([make_mention(1)]) == 1

        server.stop()
        assert not server.is_running() and not server.ping()
        with pytest.raises(SinkUnavailable):
            writer.write([make_mention(2)])
        with pytest.raises(SinkUnavailable):
            backend.query("SELECT 1")

        server.start()  # same dir and ports: data survives, the backend reconnects by itself
        assert writer.write([make_mention(1), make_mention(2)]) == 1
        assert backend.query("SELECT count() AS n FROM mentions") == [{"n": 2}]
        backend.close()
    finally:
        server.stop()
    assert not (tmp_path / "ch" / "clickhouse.pid").exists()


def test_connection_refused_is_unavailable() -> None:
    backend = ServerBackend(port=find_free_port(), connect_timeout=1)
    with pytest.raises(SinkUnavailable, match="unreachable"):
        backend.query("SELECT 1")


def test_server_url_creates_its_database(clickhouse_server: LocalClickHouse) -> None:
    database = unique_database("created")
    url = clickhouse_server.url.rsplit("/", 1)[0] + f"/{database}"
    backend = open_backend(url)
    try:
        with pytest.raises(SinkRejected):  # not created yet
            backend.query("SELECT count() FROM system.one")
        migrate(backend)
        assert backend.query("SELECT currentDatabase() AS db") == [{"db": database}]
    finally:
        backend.execute(f"DROP DATABASE IF EXISTS {database}")
        backend.close()


def test_analyst_user_is_read_only(clickhouse_server: LocalClickHouse) -> None:
    writer_backend = open_backend(clickhouse_server.url)
    migrate(writer_backend)
    MentionWriter(writer_backend).write([make_mention(1)])
    analyst = open_backend(clickhouse_server.analyst_url)
    try:
        assert analyst.query("SELECT count() AS n FROM mentions WHERE mention_key = "
                             f"'{make_mention(1).mention_key}'") == [{"n": 1}]
        with pytest.raises(SinkRejected) as err:
            analyst.execute("DROP TABLE mentions")
        assert err.value.code == 164  # READONLY
    finally:
        analyst.close()
        writer_backend.close()


def test_server_backend_serves_many_threads(clickhouse_server: LocalClickHouse) -> None:
    backend = ServerBackend(port=clickhouse_server.tcp_port, database="default")
    results: list[Any] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(20):
                results.append(backend.query(f"SELECT {n} AS n FROM system.one"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    backend.close()
    assert errors == []
    assert sorted(r[0]["n"] for r in results) == sorted(n for n in range(4) for _ in range(20))


def test_one_chdb_directory_per_process(chdb_path: Path, tmp_path: Path) -> None:
    first = ChdbBackend(chdb_path, unique_database())
    second = ChdbBackend(chdb_path, unique_database())  # same directory: shares the session
    try:
        first.execute("CREATE TABLE a (x UInt8) ENGINE = MergeTree ORDER BY x")
        second.execute("CREATE TABLE a (x UInt8) ENGINE = MergeTree ORDER BY x")
        first.insert("a", ["x"], [(1,), (2,)])
        second.insert("a", ["x"], [(5,)])
        assert first.query("SELECT sum(x) AS s FROM a") == [{"s": 3}]
        assert second.query("SELECT sum(x) AS s FROM a") == [{"s": 5}]
        with pytest.raises(SinkConfigError, match="already open"):
            ChdbBackend(tmp_path / "other")
    finally:
        for b in (first, second):
            b.execute(f"DROP DATABASE IF EXISTS {b.database}")
            b.close()


def test_cli_and_shell_wrapper(tmp_path: Path) -> None:
    env = {**os.environ, "EARSHOT_PYTHON": sys.executable}
    base = ["bash", str(REPO / "deploy/local/clickhouse.sh")]
    args = ["--dir", str(tmp_path / "cli"), "--http-port", str(find_free_port()), "--tcp-port", str(find_free_port())]

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *cmd], env=env, capture_output=True, text=True, timeout=60)

    try:
        started = run("start", *args)
        assert started.returncode == 0, started.stderr
        assert "running: clickhouse://default:@127.0.0.1:" in started.stdout
        status = run("status", "--dir", str(tmp_path / "cli"))  # ports are remembered
        assert status.returncode == 0 and "running" in status.stdout
    finally:
        stopped = run("stop", "--dir", str(tmp_path / "cli"))
    assert stopped.returncode == 0
    after = run("status", "--dir", str(tmp_path / "cli"))
    assert after.returncode == 3 and "not running" in after.stdout


def test_racing_migrations_are_safe(clickhouse_server: LocalClickHouse) -> None:
    database = unique_database("race")
    backends = [ServerBackend(port=clickhouse_server.tcp_port, database=database) for _ in range(3)]
    errors: list[BaseException] = []

    def run(backend: ServerBackend) -> None:
        try:
            migrate(backend)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in backends]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert migrate(backends[0]) == []
        assert MentionWriter(backends[0]).write([make_mention(1)]) == 1
    finally:
        backends[0].execute(f"DROP DATABASE IF EXISTS {database}")
        for b in backends:
            b.close()
