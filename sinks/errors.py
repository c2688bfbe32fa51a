"""Typed sink errors: callers retry :class:`SinkUnavailable` and dead-letter :class:`SinkRejected`."""

from __future__ import annotations

import re

# ClickHouse error codes that mean "try again later", not "your data or SQL is wrong".
RETRYABLE_CODES = frozenset({
    159,  # TIMEOUT_EXCEEDED
    202,  # TOO_MANY_SIMULTANEOUS_QUERIES
    203,  # NO_FREE_CONNECTION
    209,  # SOCKET_TIMEOUT
    210,  # NETWORK_ERROR
    241,  # MEMORY_LIMIT_EXCEEDED
    242,  # TABLE_IS_READ_ONLY (replica lost ZooKeeper)
    252,  # TOO_MANY_PARTS
    319,  # UNKNOWN_STATUS_OF_INSERT
    999,  # KEEPER_EXCEPTION
})

_CODE_RE = re.compile(r"Code:\s*(\d+)")


class SinkError(Exception):
    """Base of every sink error. ``code`` is the ClickHouse error code when there is one.

    Raised as itself only for unexpected failures (no ClickHouse error code, unknown exception).
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SinkUnavailable(SinkError):
    """Retryable: the server is down, unreachable, overloaded or timed out."""


class SinkRejected(SinkError):
    """Not retryable: ClickHouse refused the statement or the data (bad SQL, schema, types, values)."""


class SinkConfigError(SinkRejected):
    """Not retryable: a bad ``clickhouse_url`` or a chdb directory already owned by this process."""


def error_code(message: str) -> int | None:
    """The ``Code: N`` of a ClickHouse error message, or None."""
    match = _CODE_RE.search(message)
    return int(match.group(1)) if match else None


def short_message(message: str) -> str:
    """A ClickHouse error message without the server's stack trace (18.16 appends one)."""
    return message.split("Stack trace:", 1)[0].strip()


def classify(code: int | None, message: str) -> SinkError:
    """The error for a ClickHouse error code: retryable codes -> :class:`SinkUnavailable`, other
    codes -> :class:`SinkRejected`, no code -> plain :class:`SinkError` (unexpected: neither retried
    forever nor blamed on the data)."""
    message = short_message(message)
    if code is None:
        return SinkError(message)
    if code in RETRYABLE_CODES:
        return SinkUnavailable(message, code)
    return SinkRejected(message, code)
