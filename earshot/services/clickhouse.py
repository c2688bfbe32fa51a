"""A local ClickHouse server (Debian's ``clickhouse-server`` 18.16 or newer) for development and tests.

The server runs as the current user with everything under ``base_dir``: rendered ``config.xml`` and
``users.xml``, data, logs and a pid file. It listens on 127.0.0.1 only. Users:

* ``default`` (no password, loopback only): the pipeline's read-write user;
* ``analyst`` (no password, loopback only): read-only (profile ``readonly``, ``readonly=1``).

The config templates are kept here as strings so an editable or wheel install needs no data files;
``deploy/clickhouse/*.xml.example`` are the same templates for people configuring a server by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from earshot.services.ports import free_port

SERVER_BINARY_CANDIDATES = ("/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server")
INSTALL_HINT = "install it with `apt-get install clickhouse-server` (or `make install`)"

CONFIG_TEMPLATE = """<?xml version="1.0"?>
<!-- Rendered by earshot.services.clickhouse; edits are overwritten on the next start. -->
<yandex>
  <logger>
    <level>{log_level}</level>
    <log>{base_dir}/log/server.log</log>
    <errorlog>{base_dir}/log/error.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{http_port}</http_port>
  <tcp_port>{tcp_port}</tcp_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>{interserver_port}</interserver_http_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>{base_dir}/data/</path>
  <tmp_path>{base_dir}/tmp/</tmp_path>
  <user_files_path>{base_dir}/user_files/</user_files_path>
  <format_schema_path>{base_dir}/format_schemas/</format_schema_path>
  <users_config>{base_dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
"""

USERS_TEMPLATE = """<?xml version="1.0"?>
<!-- Rendered by earshot.services.clickhouse; edits are overwritten on the next start. -->
<yandex>
  <profiles>
    <!-- poll_interval=1: otherwise each idle client connection delays shutdown by 10 s. -->
    <default>
      <max_memory_usage>{max_memory_usage}</max_memory_usage>
      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
      <poll_interval>1</poll_interval>
    </default>
    <readonly>
      <max_memory_usage>{max_memory_usage}</max_memory_usage>
      <readonly>1</readonly>
      <poll_interval>1</poll_interval>
    </readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <analyst>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>readonly</profile>
      <quota>default</quota>
    </analyst>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
"""


class ClickHouseServiceError(RuntimeError):
    """The local ClickHouse server could not be found, started or stopped."""


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    return free_port()


def server_binary() -> Path:
    """Path of ``clickhouse-server``; raises with an install hint when it is missing."""
    found = shutil.which("clickhouse-server")
    candidates = ([found] if found else []) + list(SERVER_BINARY_CANDIDATES)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise ClickHouseServiceError(f"clickhouse-server not found (looked in PATH and {SERVER_BINARY_CANDIDATES}); "
                                 f"{INSTALL_HINT}")


class LocalClickHouse:
    """A ``clickhouse-server`` process with config, data, logs and pid file under ``base_dir``."""

    def __init__(self, base_dir: Path, http_port: int = 18123, tcp_port: int = 19000,
                 interserver_port: int | None = None, database: str = "earshot",
                 max_memory_usage: int = 4_000_000_000, log_level: str = "warning", extra_config: str = "",
                 profile_settings: dict[str, str] | None = None) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.extra_config = extra_config
        """XML elements added to config.xml (e.g. ``<remote_servers>``, ``<macros>``, ``<zookeeper>``)."""
        self.profile_settings = dict(profile_settings or {})
        """Settings added to the ``default`` user's profile (e.g. cluster mode's ``insert_distributed_sync``)."""
        self.http_port = http_port
        self.tcp_port = tcp_port
        self.interserver_port = interserver_port
        self.database = database
        self.max_memory_usage = max_memory_usage
        self.log_level = log_level
        self.pid_file = self.base_dir / "clickhouse.pid"
        self.ports_file = self.base_dir / "ports.json"
        self.config_file = self.base_dir / "config.xml"
        self.log_dir = self.base_dir / "log"

    @classmethod
    def from_dir(cls, base_dir: Path) -> LocalClickHouse:
        """The server last started in ``base_dir`` (ports read back from its ports.json)."""
        base = Path(base_dir)
        ports = json.loads((base / "ports.json").read_text())
        return cls(base, ports["http_port"], ports["tcp_port"], ports.get("interserver_port"))

    @property
    def url(self) -> str:
        """``clickhouse://`` URL of the read-write ``default`` user (what ``EARSHOT_CLICKHOUSE_URL`` takes)."""
        return f"clickhouse://default:@127.0.0.1:{self.tcp_port}/{self.database}"

    @property
    def analyst_url(self) -> str:
        """``clickhouse://`` URL of the read-only ``analyst`` user."""
        return f"clickhouse://analyst:@127.0.0.1:{self.tcp_port}/{self.database}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    def pid(self) -> int | None:
        """Pid of the running server, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _process_uses(pid, str(self.config_file)):
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def is_running(self) -> bool:
        """True if our server process is alive (it may still be starting)."""
        return self.pid() is not None

    def ping(self, timeout: float = 1.0) -> bool:
        """True if the HTTP interface answers ``/ping`` with ``Ok.``."""
        try:
            with urllib.request.urlopen(self.http_url + "ping", timeout=timeout) as resp:
                return bool(resp.read().strip() == b"Ok.")
        except (OSError, urllib.error.URLError):
            return False

    def render_config(self) -> None:
        """Write config.xml, users.xml and the directories the server expects."""
        for sub in ("data", "tmp", "user_files", "format_schemas", "log"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        if self.interserver_port is None:
            self.interserver_port = find_free_port()
        values = {"base_dir": str(self.base_dir), "http_port": self.http_port, "tcp_port": self.tcp_port,
                  "interserver_port": self.interserver_port, "log_level": self.log_level,
                  "max_memory_usage": self.max_memory_usage}
        config = CONFIG_TEMPLATE.format(**values)
        users = USERS_TEMPLATE.format(**values)
        if self.extra_config:
            config = config.replace("</yandex>", self.extra_config.rstrip() + "\n</yandex>")
        if self.profile_settings:
            extra = "".join(f"\n      <{k}>{v}</{k}>" for k, v in self.profile_settings.items())
            users = users.replace("<poll_interval>1</poll_interval>\n    </default>",
                                  f"<poll_interval>1</poll_interval>{extra}\n    </default>", 1)
        self.config_file.write_text(config)
        (self.base_dir / "users.xml").write_text(users)
        self.ports_file.write_text(json.dumps({"http_port": self.http_port, "tcp_port": self.tcp_port,
                                               "interserver_port": self.interserver_port}))

    def start(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Start the server (no-op if already running) and wait until ``/ping`` answers."""
        if self.is_running():
            if wait:
                self._wait_ready(timeout)
            return
        binary = server_binary()
        self.render_config()
        cmd = [str(binary), f"--config-file={self.config_file}"]
        with open(self.log_dir / "stdout.log", "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.base_dir, start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        if wait:
            self._wait_ready(timeout, proc)

    def _wait_ready(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping(timeout=0.5):
                return
            if proc is not None and proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ClickHouseServiceError(f"clickhouse-server exited with code {proc.returncode} during "
                                             f"start-up; see {self.log_dir}/error.log and stdout.log")
            time.sleep(0.05)
        self.stop()
        raise ClickHouseServiceError(f"clickhouse-server did not answer {self.http_url}ping within {timeout}s; "
                                     f"see {self.log_dir}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``); no-op if it is not running."""
        pid = self.pid()
        if pid is None:
            return
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.02)
        self.pid_file.unlink(missing_ok=True)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:  # reap it if it is our child, or it lingers as a zombie and looks alive
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def _process_uses(pid: int, config_file: str) -> bool:
    """True if ``pid`` is alive and was started with ``config_file`` (guards against reused pids)."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True  # no /proc: trust the pid file
    return config_file in cmdline


def main(argv: list[str] | None = None) -> int:
    """``python -m earshot.services.clickhouse start|stop|status [--dir DIR] [--http-port N] [--tcp-port N]``."""
    parser = argparse.ArgumentParser(prog="earshot-clickhouse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default=Path("var/clickhouse"), type=Path)
    parser.add_argument("--http-port", type=int, default=None, help="default: last used, else 18123")
    parser.add_argument("--tcp-port", type=int, default=None, help="default: last used, else 19000")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        server = LocalClickHouse.from_dir(args.dir)
    except (OSError, ValueError, KeyError):
        server = LocalClickHouse(args.dir)
    if args.http_port is not None:
        server.http_port = args.http_port
    if args.tcp_port is not None:
        server.tcp_port = args.tcp_port
    try:
        if args.action == "start":
            server.start(timeout=args.timeout)
            print(f"clickhouse running: {server.url} (http {server.http_url}, pid {server.pid()})")
        elif args.action == "stop":
            server.stop()
            print("clickhouse stopped")
        else:
            running = server.is_running() and server.ping()
            print(f"clickhouse {'running: ' + server.url if running else 'not running'}")
            return 0 if running else 3
    except ClickHouseServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
