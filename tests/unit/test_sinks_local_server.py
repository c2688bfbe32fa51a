"""LocalClickHouse without starting a server: rendered config, pid handling, missing binary."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from earshot.services import clickhouse as svc
from earshot.services.clickhouse import ClickHouseServiceError, LocalClickHouse


def test_rendered_config_binds_loopback_and_keeps_state_in_base_dir(tmp_path: Path) -> None:
    server = LocalClickHouse(tmp_path, http_port=31001, tcp_port=31002, interserver_port=31003)
    server.render_config()
    config = ET.parse(tmp_path / "config.xml").getroot()
    assert config.findtext("listen_host") == "127.0.0.1"
    assert (config.findtext("http_port"), config.findtext("tcp_port")) == ("31001", "31002")
    assert config.findtext("interserver_http_port") == "31003"
    for key in ("path", "tmp_path", "user_files_path", "format_schema_path", "users_config", "logger/log"):
        assert config.findtext(key).startswith(str(tmp_path)), key  # type: ignore[union-attr]
    assert config.findtext("timezone") == "UTC"
    users = ET.parse(tmp_path / "users.xml").getroot()
    assert users.findtext("users/analyst/profile") == "readonly"
    assert users.findtext("profiles/readonly/readonly") == "1"
    assert users.findtext("profiles/default/allow_experimental_low_cardinality_type") == "1"
    assert server.url == "clickhouse://default:@127.0.0.1:31002/earshot"
    assert server.analyst_url.startswith("clickhouse://analyst:@127.0.0.1:31002/")


def test_ports_are_remembered(tmp_path: Path) -> None:
    LocalClickHouse(tmp_path, http_port=31001, tcp_port=31002).render_config()
    again = LocalClickHouse.from_dir(tmp_path)
    assert (again.http_port, again.tcp_port) == (31001, 31002)
    assert again.interserver_port is not None


def test_stale_or_foreign_pid_is_not_running(tmp_path: Path) -> None:
    server = LocalClickHouse(tmp_path)
    server.pid_file.write_text(str(os.getpid()))  # alive, but not a clickhouse-server with our config
    assert server.pid() is None and not server.is_running()
    assert not server.pid_file.exists()
    server.stop()  # no-op, must not signal anything


def test_missing_binary_fails_with_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(svc, "SERVER_BINARY_CANDIDATES", (str(tmp_path / "nope"),))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ClickHouseServiceError, match="apt-get install clickhouse-server"):
        LocalClickHouse(tmp_path).start()


def test_find_free_port_is_bindable() -> None:
    import socket

    port = svc.find_free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_free_ports_stay_out_of_the_range_for_outgoing_connections() -> None:
    from earshot.services.ports import ephemeral_range, free_port

    low, high = ephemeral_range()
    ports = {free_port() for _ in range(50)}
    assert all(not low <= p <= high for p in ports), sorted(ports)
    assert len(ports) > 1  # chosen at random, so concurrent tests rarely pick the same one


def test_ephemeral_range_falls_back_to_the_linux_default(tmp_path: Path) -> None:
    from earshot.services.ports import ephemeral_range

    assert ephemeral_range(tmp_path / "missing") == (32768, 60999)
    (tmp_path / "range").write_text("40000\t50000\n")
    assert ephemeral_range(tmp_path / "range") == (40000, 50000)
