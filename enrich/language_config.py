"""Configuration of :class:`enrich.language.LanguageDetector` (a pydantic model, kept out of the compiled module).

``enrich.language`` is compiled with mypyc, which cannot compile pydantic models; it re-exports
:class:`LanguageConfig`, so ``from enrich.language import LanguageConfig`` keeps working.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LanguageConfig"]


class LanguageConfig(BaseModel):
    """Thresholds of :class:`~enrich.language.LanguageDetector`. Defaults are explained in docs/enrichment.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_letters: int = Field(default=2, ge=1, description="Fewer letters than this (after stripping) -> und")
    min_confidence: float = Field(
        default=0.35, ge=0.0, le=1.0, description="fastText top score below this -> und (or the hint)"
    )
    hint_below: float = Field(
        default=0.6, ge=0.0, le=1.0, description="fastText top score below this defers to a source hint"
    )
    script_share: float = Field(
        default=0.2, gt=0.0, le=1.0, description="Share of letters in a routed script needed to route"
    )
    hint_confidence: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Confidence recorded when the source's own tag is used"
    )
    max_chars: int = Field(default=300, ge=20, description="Only this many characters go to fastText")
    trust_hint: bool = Field(
        default=False,
        description="Take a valid source tag as the language without running fastText (method 'hint'); "
        "writing-system routing still overrides it. Off: the tag only decides when fastText is unsure",
    )
