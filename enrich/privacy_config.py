"""Configuration of :class:`enrich.privacy.Redactor` (a pydantic model, kept out of the compiled module).

``enrich.privacy`` is compiled with mypyc, which cannot compile pydantic models; it re-exports
:class:`PrivacyConfig` and :data:`REDACTION_TOKENS`, so imports from ``enrich.privacy`` keep working.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["PrivacyConfig", "REDACTION_TOKENS"]

REDACTION_TOKENS = {"email": "[email]", "phone": "[phone]", "card": "[card]", "rrn": "[rrn]"}
"""What each kind of personal data is replaced with."""


class PrivacyConfig(BaseModel):
    """What the :class:`Redactor` does. ``hash_key`` must be set (and kept secret) to hash ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    redact_text: bool = True
    redact_kinds: frozenset[str] = Field(default_factory=lambda: frozenset(REDACTION_TOKENS))
    hash_author_ids: bool = False
    hash_key: bytes = Field(default=b"", repr=False)
    hash_hex_chars: int = Field(default=32, ge=16, le=64, description="Hex digits kept (32 = 128 bits)")

    @model_validator(mode="after")
    def _check(self) -> PrivacyConfig:
        unknown = set(self.redact_kinds) - set(REDACTION_TOKENS)
        if unknown:
            raise ValueError(f"unknown redaction kinds: {sorted(unknown)}")
        if self.hash_author_ids and len(self.hash_key) < 16:
            raise ValueError("hash_author_ids needs a secret hash_key of at least 16 bytes")
        return self
