"""Analyst queries over HTTP: the worker's read-only endpoint on chdb, and the 18.16 server's HTTP
port as the read-only ``analyst`` user; plus the ``earshot query`` command end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from earshot.analyst import reports
from earshot.analyst.errors import QueryFailed
from earshot.analyst.store import HttpStore, open_store
from earshot.analyst.timerange import Interval
from earshot.services.clickhouse import LocalClickHouse
from earshot.services.ports import free_port
from earshot.settings import Settings
from pipeline.query_server import start_query_server
from sinks.backends import ChdbBackend, ServerBackend
from sinks.migrations import migrate
from tests.fixtures.clickhouse import unique_database
from tests.integration.test_analyst_queries import RANGE, _at, seed

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_endpoint(chdb_path: Path) -> Iterator[str]:
    """The worker's query endpoint serving a seeded chdb database, on a loop in a thread."""
    backend = ChdbBackend(chdb_path, unique_database())
    migrate(backend)
    seed(backend)
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = loop.run_until_complete(start_query_server(backend, "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        backend.execute(f"DROP DATABASE IF EXISTS {backend.database}")
        backend.close()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "earshot.cli", "query", *args], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env={**os.environ, **env})


def test_reports_through_the_worker_endpoint(worker_endpoint: str) -> None:
    store = HttpStore(worker_endpoint)
    assert store.ping()
    trend = reports.trend(store, RANGE, Interval.MINUTE, ["acme"])
    assert [(r["bucket"], r["mentions"]) for r in trend.rows] == [(_at(0), 3), (_at(1), 0), (_at(2), 1)]
    sov = reports.share_of_voice(store, RANGE, "acme", ["rival"])
    assert [(r["topic"], r["mentions"]) for r in sov.rows] == [("acme", 4), ("rival", 2)]
    with pytest.raises(QueryFailed, match="readonly"):
        store.rows("DROP TABLE mentions")
    # without --url the CLI finds the endpoint from the settings
    settings = Settings(query_http_port=int(worker_endpoint.rsplit(":", 1)[1].strip("/")))
    assert isinstance(open_store(settings), HttpStore)


def test_cli_json_csv_and_plot(worker_endpoint: str, tmp_path: Path) -> None:
    window = ["--since", "2024-05-01T12:00", "--until", "2024-05-01T12:03", "--url", worker_endpoint]
    out = _cli("trend", "--topic", "acme", "--interval", "minute", "--format", "json",
               "--plot", str(tmp_path / "trend.png"), *window)
    assert out.returncode == 0, out.stderr
    assert [(r["bucket"], r["mentions"]) for r in json.loads(out.stdout)] == [
        ("2024-05-01T12:00:00Z", 3), ("2024-05-01T12:01:00Z", 0), ("2024-05-01T12:02:00Z", 1)]
    assert (tmp_path / "trend.png").read_bytes()[:4] == b"\x89PNG"
    out = _cli("sov", "--topic", "acme", "--vs", "rival", "--format", "csv", *window)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("acme,brand,4,66.7,")
    out = _cli("terms", "--topic", "acme", "--baseline", "1h", "--min-count", "2", "--hashtags", *window)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[2].split()[:3] == ["#launch", "hashtag", "4"]
    for args in (["sentiment", "--topic", "acme", "--trend", "--interval", "minute"], ["top", "--by", "engagement"],
                 ["alerts", "--history"], ["deadletters", "--list"]):
        out = _cli(*args, *window)
        assert out.returncode == 0 and "(no rows)" not in out.stdout, (args, out.stderr)
    bad = _cli("trend", "--topic", "Acme'--", *window)
    assert bad.returncode == 2 and "not a topic id" in bad.stderr
    sql = _cli("sql", "SELECT count() AS n FROM mentions", "--format", "json", "--url", worker_endpoint)
    assert json.loads(sql.stdout) == [{"n": 9}]


def test_curl_style_requests(worker_endpoint: str) -> None:
    url = worker_endpoint + "?query=" + urllib.request.quote("SELECT sum(mentions) FROM topic_volume_1m")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"10\n"


def test_clickhouse_connect_client(worker_endpoint: str) -> None:
    import clickhouse_connect

    port = int(worker_endpoint.rsplit(":", 1)[1].strip("/"))
    client = clickhouse_connect.get_client(host="127.0.0.1", port=port, autogenerate_session_id=False)
    try:
        result = client.query("SELECT topic_id, sum(mentions) AS n FROM topic_volume_1m GROUP BY topic_id "
                              "ORDER BY topic_id")
        assert result.result_rows == [("acme", 8), ("rival", 2)]  # 4 in the range, 4 in the baseline hour
    finally:
        client.close()


@pytest.fixture
def server_analyst_url(clickhouse_server: LocalClickHouse) -> Iterator[str]:
    """A seeded database on the 18.16 server, reached over HTTP as the read-only analyst user."""
    database = unique_database()
    backend = ServerBackend(port=clickhouse_server.tcp_port, database=database)
    migrate(backend)
    seed(backend)
    try:
        yield f"http://analyst:@127.0.0.1:{clickhouse_server.http_port}/?database={database}"
    finally:
        backend.execute(f"DROP DATABASE IF EXISTS {database}")
        backend.close()


def test_every_report_as_the_read_only_analyst_over_server_http(server_analyst_url: str) -> None:
    store: Any = HttpStore(server_analyst_url)
    trend = reports.trend(store, RANGE, Interval.MINUTE, ["acme"])
    assert [r["mentions"] for r in trend.rows] == [3, 0, 1] and trend.rows[0]["bucket"] == _at(0)
    assert reports.sentiment(store, RANGE, ["acme"]).rows[0]["positive"] == 1
    assert len(reports.top_mentions(store, RANGE, "reach").rows) == 5
    assert {r["alert_id"]: r["status"] for r in reports.alerts(store, RANGE).rows} == {"a1": "resolved", "a2": "open"}
    assert [r["letters"] for r in reports.dead_letters(store, RANGE).rows] == [3, 1]
    with pytest.raises(QueryFailed, match="readonly|Cannot execute query in readonly mode"):
        store.rows("CREATE TABLE x (a UInt8) ENGINE = Memory")
