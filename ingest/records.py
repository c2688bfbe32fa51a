"""Turning source records into RawMentions, or dead letters that say why not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from schemas import DeadLetter, RawMention, format_validation_error


@dataclass(frozen=True)
class SourceRecord:
    """One record read by a source: parsed ``payload`` or a read ``error``, plus the raw text.

    ``origin`` says where it came from (``file.jsonl:12``, ``webhook``...), for dead letters.
    """

    origin: str
    raw: str
    payload: Any = None
    error: str | None = None


def validate_record(record: SourceRecord, stage: str = "ingest") -> RawMention | DeadLetter:
    """A valid RawMention, or a DeadLetter naming every bad field and keeping the original payload."""
    if record.error is None:
        try:
            return RawMention.model_validate(record.payload)
        except ValidationError as exc:
            reason, error_type = format_validation_error(exc), "validation"
    else:
        reason, error_type = record.error, "parse"
    return DeadLetter.make(stage=stage, source=record.origin, reason=reason, error_type=error_type,
                           payload=record.raw, received_at=datetime.now(UTC))


def json_record(line: str, origin: str) -> SourceRecord:
    """Parse one JSON text into a record (a parse failure becomes the record's error)."""
    try:
        return SourceRecord(origin=origin, raw=line, payload=json.loads(line))
    except ValueError as exc:
        return SourceRecord(origin=origin, raw=line, error=f"not valid JSON: {exc}")
    except RecursionError:  # the C decoder recurses per nesting level: ~1,000 levels exhaust the stack
        return SourceRecord(origin=origin, raw=line, error="not valid JSON: nested too deeply")
