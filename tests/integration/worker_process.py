"""Running a real ``earshot worker`` subprocess in tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from earshot.services.process import stop_process
from earshot.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """``EARSHOT_*`` variables that reproduce ``settings`` in a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[f"EARSHOT_{name.upper()}"] = str(value)
    return env


@contextmanager
def worker_process(settings: Settings, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker with ``settings``; stopped with SIGTERM (then SIGKILL) when the block ends."""
    env = {**os.environ, **settings_env(settings)}
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "earshot.cli", "worker"], stdout=fh, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    try:
        yield proc
    finally:
        stop_process(proc, timeout=30)


def wait_until(check: Callable[[], bool], timeout: float, proc: subprocess.Popen[bytes], log: Path,
               what: str) -> None:
    """Poll ``check`` until true; fail with the worker's log if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited ({proc.returncode}) while waiting for {what}:\n"
                                 f"{log.read_text(errors='replace')[-4000:]}")
        try:
            if check():
                return
        except Exception as exc:  # the store may not be up yet; reported if it never works
            last_error = exc
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error!r}):\n"
                         f"{log.read_text(errors='replace')[-4000:]}")


def readyz(settings: Settings) -> dict[str, Any]:
    """The worker's /readyz body (also on 503); {} while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{settings.worker_web_port}/readyz", timeout=5) as resp:
            return dict(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        return dict(json.loads(exc.read()))
    except OSError:
        return {}
