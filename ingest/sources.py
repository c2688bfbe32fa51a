"""Sources of mentions: JSONL and CSV files, and the interface future platform connectors implement."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol, TextIO

from ingest.errors import SourceError
from ingest.records import SourceRecord, json_record
from schemas.deadletter import MAX_PAYLOAD_CHARS

_CSV_LISTS = {"source_tags"}
_CSV_BOOLS = {"author_verified"}

MAX_LINE_CHARS = 10 * 1024 * 1024
"""Longest line a file source reads (characters, the webhook's body limit). A longer line is never
loaded whole: it becomes one dead letter keeping its first characters (flagged truncated)."""

_OVERLONG = f"line is longer than {MAX_LINE_CHARS} characters"


def _lines(fh: IO[str], limit: int = MAX_LINE_CHARS) -> Iterator[tuple[str, bool]]:
    """Physical lines of ``fh`` and whether each was cut; memory stays O(``limit``) per line."""
    while True:
        line = fh.readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(("\n", "\r")):
            yield line, False
            continue
        head = line[:MAX_PAYLOAD_CHARS + 1]  # enough for the dead letter to say "truncated"
        del line
        while True:  # skip the rest of the physical line
            more = fh.readline(limit)
            if len(more) < limit or more.endswith(("\n", "\r")):
                break
        yield head, True


def _printable(line: str) -> str | None:
    """``line`` with undecodable bytes (``surrogateescape``) written as ``\\xff``; None if it was valid."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def _open_text(path: Path, errors: str) -> TextIO:
    """``path`` opened for reading UTF-8 text; a SourceError (not an OSError) when it can't be."""
    try:
        return path.open("r", encoding="utf-8", errors=errors, newline="")
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc}") from exc


class MentionSource(Protocol):
    """Anything that yields raw records. A platform connector implements this and nothing else.

    Records need not be valid: validation (and dead-lettering) happens after the source.
    """

    name: str

    def records(self) -> Iterator[SourceRecord]: ...


class JsonlSource:
    """One JSON mention per line. Blank lines are skipped; bad lines become dead letters."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name

    def records(self) -> Iterator[SourceRecord]:
        with _open_text(self.path, errors="surrogateescape") as fh:
            for lineno, (line, overlong) in enumerate(_lines(fh), start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                origin = f"{self.name}:{lineno}"
                printable = _printable(line)
                if overlong:
                    yield SourceRecord(origin=origin, raw=printable or line, error=_OVERLONG)
                elif printable is not None:
                    yield SourceRecord(origin=origin, raw=printable, error="line is not valid UTF-8")
                else:
                    yield json_record(line, origin)


class CsvSource:
    """A CSV file with a header row of flat mention fields (``author_handle``, ``likes``...).

    Empty cells mean "unknown"; ``source_tags`` is ``;``-separated; ``author_verified`` is true/false.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name

    def records(self) -> Iterator[SourceRecord]:
        with _open_text(self.path, errors="replace") as fh:
            lines = _CsvLines(fh)
            reader = csv.DictReader(lines)
            error: str | None = None
            try:
                header = reader.fieldnames
            except csv.Error as exc:  # e.g. a header cell over csv.field_size_limit()
                header, error = None, f"unreadable CSV header: {exc}"
            raw, overlong = lines.take()
            if overlong or error:
                yield SourceRecord(origin=f"{self.name}:1", raw=raw, error=_OVERLONG if overlong else error)
                return
            if not header:
                return
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # a cell over the field size limit, ...: skip this record only
                    raw, overlong = lines.take()
                    if not raw:  # nothing consumed: do not loop on the same error
                        return
                    yield SourceRecord(origin=f"{self.name}:{reader.line_num}", raw=raw,
                                       error=_OVERLONG if overlong else f"unreadable CSV row: {exc}")
                    continue
                origin = f"{self.name}:{reader.line_num}"
                raw, overlong = lines.take()
                if overlong:
                    yield SourceRecord(origin=origin, raw=raw, error=_OVERLONG)
                elif None in row:
                    yield SourceRecord(origin=origin, raw=raw, error="row has more cells than the header")
                else:
                    yield SourceRecord(origin=origin, raw=raw, payload=_csv_payload(row))


class _CsvLines:
    """Feeds ``csv`` bounded physical lines and keeps the raw text of the record being read (for
    dead letters: the original row, not a re-rendering)."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.raw: list[str] = []
        self.size = 0
        self.overlong = False

    def __iter__(self) -> Iterator[str]:
        for line, overlong in _lines(self.fh):
            if self.size <= MAX_PAYLOAD_CHARS:
                self.raw.append(line)
                self.size += len(line)
            if overlong:
                self.overlong = True
                line += "\n"
            yield line

    def take(self) -> tuple[str, bool]:
        """The raw text consumed since the last call (line break at the end removed), and whether
        a line of it was cut."""
        raw, overlong = "".join(self.raw), self.overlong
        self.raw, self.size, self.overlong = [], 0, False
        if raw.endswith("\n"):
            raw = raw[:-1]
        if raw.endswith("\r"):
            raw = raw[:-1]
        return raw, overlong


def _csv_payload(row: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key in _CSV_LISTS:
            out[key] = [t for t in value.split(";") if t]
        elif key in _CSV_BOOLS:
            out[key] = value.strip().lower() in ("1", "true", "yes", "y")
        else:
            out[key] = value
    return out


def open_source(path: Path) -> MentionSource:
    """A file source chosen by extension (.jsonl/.ndjson/.json or .csv)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonlSource(path)
    if suffix == ".csv":
        return CsvSource(path)
    raise SourceError(f"unknown file type {suffix!r} for {path}: use .jsonl or .csv")
