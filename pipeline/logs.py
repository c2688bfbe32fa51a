"""Logging setup for workers: explicit levels, text or JSON lines."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# Faust/mode set the root logger to DEBUG for the worker's spinner; that cost 13% CPU in a
# send-heavy agent here. These libraries are pinned to WARNING unless asked otherwise.
NOISY = ("faust", "mode", "aiokafka", "kafka", "aiohttp.access", "urllib3")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg (+ exc)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text", libraries: str = "WARNING") -> None:
    """Set Earshot's level and format, and quieten the stream libraries."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_libraries(libraries)


def quiet_libraries(level: str = "WARNING") -> None:
    for name in NOISY:
        logging.getLogger(name).setLevel(level)
