"""Dead letters: input that could not be processed, kept with the reason and the original payload."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.mention import SCHEMA_VERSION

MAX_PAYLOAD_CHARS = 1_000_000
"""Payloads longer than this are stored truncated, with ``payload_truncated`` set."""


class DeadLetter(BaseModel):
    """Why a record was rejected, where it came from, and what it was."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    stage: str = Field(description="ingest, webhook, enrich, sink ...")
    source: str = Field(default="", description="file name, webhook path, topic/partition/offset ...")
    reason: str
    error_type: str = "invalid"
    payload: str
    payload_truncated: bool = False
    received_at: AwareDatetime

    @classmethod
    def make(cls, *, stage: str, source: str, reason: str, error_type: str, payload: str | bytes,
             received_at: AwareDatetime) -> DeadLetter:
        """Build a dead letter, decoding bytes leniently and capping the payload size."""
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", errors="backslashreplace")
        truncated = len(payload) > MAX_PAYLOAD_CHARS
        return cls(stage=stage, source=_utf8(source), reason=_utf8(reason[:4000]), error_type=_utf8(error_type),
                   payload=_utf8(payload[:MAX_PAYLOAD_CHARS]), payload_truncated=truncated,
                   received_at=received_at)


def _utf8(text: str) -> str:
    """``text`` with lone surrogates (from ``surrogateescape`` file names, JSON ``"\\udc80"``...) written
    as ``\\udc80``: a dead letter must always serialise, or it would crash the stage reporting it."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
