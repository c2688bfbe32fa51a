"""Render query results (column names + Python rows) in a few ClickHouse text output formats.

The native protocol used by :class:`sinks.backends.ServerBackend` returns Python values, not
formatted bytes, so ``query_format`` renders them here. Output follows ClickHouse's escaping rules for
these formats; number formatting may differ in corner cases (floats use Python's ``repr``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sinks.errors import SinkRejected

Rows = Sequence[Sequence[Any]]

_CONTROL_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0", "\b": "\\b", "\f": "\\f"}
# Arrays are already quoted (Values syntax) before this, so only control characters are escaped there.
_TSV_ARRAY_ESCAPES = str.maketrans(_CONTROL_ESCAPES)
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", **_CONTROL_ESCAPES})


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _quoted_inner(value: Any) -> str:
    """A value inside an array or tuple, as ClickHouse's Values format writes it."""
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        inner = ",".join(_quoted_inner(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, str | datetime | date | UUID):
        text = _scalar_text(value).replace("\\", "\\\\").replace("'", "\\'")
        return f"'{text}'"
    return _scalar_text(value)


def tsv_field(value: Any) -> str:
    """One field as TabSeparated writes it (``\\N`` for NULL, escaped strings, arrays in brackets)."""
    if value is None:
        return "\\N"
    if isinstance(value, list | tuple):
        return _quoted_inner(value).translate(_TSV_ARRAY_ESCAPES)
    return _scalar_text(value).translate(_TSV_ESCAPES)


def csv_field(value: Any) -> str:
    """One field as CSV writes it (strings double-quoted, ``\\N`` for NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = _quoted_inner(value) if isinstance(value, list | tuple) else _scalar_text(value)
    return '"' + text.replace('"', '""') + '"'


def _json_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, datetime | date | UUID | Decimal):
        return _scalar_text(value)
    if isinstance(value, float) and value != value:  # NaN is not valid JSON
        return None
    return value


def _tsv(names: Sequence[str], rows: Rows, with_names: bool) -> bytes:
    lines = ["\t".join(tsv_field(n) for n in names)] if with_names else []
    lines.extend("\t".join(tsv_field(v) for v in row) for row in rows)
    return "".join(line + "\n" for line in lines).encode()


def _csv(names: Sequence[str], rows: Rows, with_names: bool) -> bytes:
    lines = [",".join(csv_field(n) for n in names)] if with_names else []
    lines.extend(",".join(csv_field(v) for v in row) for row in rows)
    return "".join(line + "\n" for line in lines).encode()


def _json_each_row(names: Sequence[str], rows: Rows, with_names: bool) -> bytes:
    return "".join(json.dumps({n: _json_value(v) for n, v in zip(names, row, strict=True)},
                              ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()


def _json_compact_each_row(names: Sequence[str], rows: Rows, with_names: bool) -> bytes:
    return "".join(json.dumps([_json_value(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n"
                   for row in rows).encode()


_FORMATTERS: dict[str, tuple[Callable[[Sequence[str], Rows, bool], bytes], bool]] = {
    "tabseparated": (_tsv, False),
    "tsv": (_tsv, False),
    "tabseparatedwithnames": (_tsv, True),
    "tsvwithnames": (_tsv, True),
    "csv": (_csv, False),
    "csvwithnames": (_csv, True),
    "jsoneachrow": (_json_each_row, False),
    "jsoncompacteachrow": (_json_compact_each_row, False),
}

SUPPORTED_FORMATS = ("TabSeparated", "TSV", "TabSeparatedWithNames", "TSVWithNames", "CSV", "CSVWithNames",
                     "JSONEachRow", "JSONCompactEachRow")


def render(fmt: str, names: Sequence[str], rows: Rows) -> bytes:
    """``rows`` rendered in ClickHouse format ``fmt``; :class:`SinkRejected` for other formats."""
    try:
        formatter, with_names = _FORMATTERS[fmt.lower()]
    except KeyError:
        raise SinkRejected(f"output format {fmt!r} is not supported here; use one of {', '.join(SUPPORTED_FORMATS)}")\
            from None
    return formatter(names, rows, with_names)
