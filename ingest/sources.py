"""Sources of mentions: JSONL and CSV files, and the interface future platform connectors implement."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ingest.errors import SourceError
from ingest.records import SourceRecord, json_record

_CSV_LISTS = {"source_tags"}
_CSV_BOOLS = {"author_verified"}


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
        try:
            fh = self.path.open("r", encoding="utf-8", errors="surrogateescape", newline="")
        except OSError as exc:
            raise SourceError(f"cannot open {self.path}: {exc}") from exc
        with fh:
            for lineno, line in enumerate(fh, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                origin = f"{self.name}:{lineno}"
                try:
                    line.encode("utf-8")
                except UnicodeEncodeError:
                    raw = line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                    yield SourceRecord(origin=origin, raw=raw, error="line is not valid UTF-8")
                    continue
                yield json_record(line, origin)


class CsvSource:
    """A CSV file with a header row of flat mention fields (``author_handle``, ``likes``...).

    Empty cells mean "unknown"; ``source_tags`` is ``;``-separated; ``author_verified`` is true/false.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name

    def records(self) -> Iterator[SourceRecord]:
        try:
            fh = self.path.open("r", encoding="utf-8", errors="replace", newline="")
        except OSError as exc:
            raise SourceError(f"cannot open {self.path}: {exc}") from exc
        with fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                return
            for row in reader:
                origin = f"{self.name}:{reader.line_num}"
                raw = ",".join(f"{k}={v}" for k, v in row.items())
                if None in row:
                    yield SourceRecord(origin=origin, raw=raw, error="row has more cells than the header")
                    continue
                yield SourceRecord(origin=origin, raw=raw, payload=_csv_payload(row))


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
