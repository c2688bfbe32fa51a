"""Small SQL helpers: identifier checks and string literals that are safe to inline."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sinks.errors import SinkRejected

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEX = re.compile(r"^[0-9a-f]{1,64}$")


def identifier(name: str) -> str:
    """``name`` if it is a plain identifier (letters, digits, underscore), else :class:`SinkRejected`."""
    if not _IDENTIFIER.match(name):
        raise SinkRejected(f"not a plain SQL identifier: {name!r}")
    return name


def is_hex_key(value: str) -> bool:
    """True for lower-case hex strings of 1-64 chars (mention keys, dead letter ids)."""
    return bool(_HEX.match(value))


def string_literal(value: str) -> str:
    """A single-quoted ClickHouse string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def hex_list(keys: Iterable[str]) -> str:
    """``'k1','k2'`` for an ``IN (...)`` list; every key must be lower-case hex."""
    out = []
    for key in keys:
        if not is_hex_key(key):
            raise SinkRejected(f"key is not lower-case hex: {key[:80]!r}")
        out.append(f"'{key}'")
    return ",".join(out)
