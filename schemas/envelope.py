"""The Kafka message format between stages: batch envelopes of many mentions, or one bare mention.

Faust costs ~160 µs per Kafka message here, whatever its size, so Earshot's own producers put many
mentions in one message::

    {"earshot_batch": 1, "kind": "raw", "mentions": [{...}, {...}]}

``earshot_batch`` is the envelope format version. All mentions in one envelope share a partition
(ingest groups them by the partition of their mention key), so per-mention ordering and partition
affinity hold. Producers outside the project (kcat, Kafka Connect ...) may write one JSON mention per
message, or a JSON array of mentions: :func:`decode_mentions` accepts all three shapes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.mention import EnrichedMention, RawMention

ENVELOPE_VERSION = 1
BatchKind = Literal["raw", "enriched"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rejected:
    """One item of a message that failed to decode or validate."""

    index: int
    reason: str
    payload: str


def format_validation_error(err: ValidationError) -> str:
    """One line naming every bad field: ``created_at: Input should have timezone info; text: ...``."""
    parts = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def encode_batch(kind: BatchKind, mentions: Sequence[RawMention]) -> bytes:
    """Serialise mentions into one envelope (compact JSON, UTF-8)."""
    model: type[RawMention] = EnrichedMention if kind == "enriched" else RawMention
    body = _list_adapter(model).dump_json(list(mentions))
    return b'{"earshot_batch":%d,"kind":"%s","mentions":' % (ENVELOPE_VERSION, kind.encode()) + body + b"}"


def encode_parts(kind: BatchKind, parts: Sequence[bytes]) -> bytes:
    """Build an envelope from mentions already serialised with ``model_dump_json``."""
    head = b'{"earshot_batch":%d,"kind":"%s","mentions":[' % (ENVELOPE_VERSION, kind.encode())
    return head + b",".join(parts) + b"]}"


ENVELOPE_OVERHEAD_BYTES = 64
"""Upper bound of the envelope's own bytes around the mentions (for size budgeting)."""


def decode_mentions(value: bytes | str, model: type[M]) -> tuple[list[M], list[Rejected]]:
    """Decode an envelope, a JSON array or one bare mention into valid models and rejected items.

    Never raises for bad input: undecodable messages come back as one rejected item (index -1).
    """
    def raw() -> str:
        return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value

    try:
        doc = json.loads(value)
    except (UnicodeDecodeError, ValueError) as exc:
        return [], [Rejected(-1, f"not valid JSON: {exc}", raw())]
    except RecursionError:  # the C decoder recurses per nesting level
        return [], [Rejected(-1, "not valid JSON: nested too deeply", raw())]
    if isinstance(doc, dict) and "earshot_batch" in doc:
        version = doc.get("earshot_batch")
        if not isinstance(version, int) or version > ENVELOPE_VERSION or version < 1:
            return [], [Rejected(-1, f"unsupported envelope version {_short(version)}", _dump(doc, raw))]
        items = doc.get("mentions")
        if not isinstance(items, list):
            return [], [Rejected(-1, "envelope field 'mentions' must be a list", _dump(doc, raw))]
    elif isinstance(doc, list):
        items = doc
    elif isinstance(doc, dict):
        items = [doc]
    else:
        return [], [Rejected(-1, f"expected a JSON object or array, got {type(doc).__name__}", _dump(doc, raw))]
    try:  # fast path: the whole batch is valid
        return _list_adapter(model).validate_python(items), []
    except ValidationError:
        pass
    good: list[M] = []
    bad: list[Rejected] = []
    for i, item in enumerate(items):
        try:
            good.append(model.model_validate(item))
        except ValidationError as exc:
            bad.append(Rejected(i, format_validation_error(exc), _dump(item, raw)))
    return good, bad


def _dump(obj: Any, fallback: Callable[[], str]) -> str:
    """``obj`` as JSON; the whole message (``fallback``) if it is nested too deeply to re-encode."""
    try:
        return json.dumps(obj, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        return fallback()


def _short(value: Any) -> str:
    """A bounded ``repr`` for error messages (the value may be a huge or deeply nested object)."""
    if isinstance(value, dict | list):
        return f"<{type(value).__name__}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
