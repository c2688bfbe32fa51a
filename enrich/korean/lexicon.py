"""Loading and validating the Korean sentiment lexicon (``lexicon.yaml`` in this package)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

__all__ = ["KoreanLexicon", "load_lexicon"]

_EMOTICON_KINDS = ("crying", "laughing", "smiling", "annoyed")


@dataclass(frozen=True)
class KoreanLexicon:
    """Everything the Korean analyzer looks words up in. See ``lexicon.yaml`` for the meaning."""

    valence: dict[str, float]
    phrases: dict[str, float]
    latin_exact: dict[str, float]
    intensifiers: dict[str, float]
    intensifier_prefixes: tuple[str, ...]
    negation_words: frozenset[str]
    negating_next_prefixes: tuple[str, ...]
    negating_suffix_parts: tuple[str, ...]
    distant_negation_prefixes: tuple[str, ...]
    light_verbs: tuple[str, ...]
    reversal_after: tuple[str, ...]
    contrast_words: frozenset[str]
    contrast_suffixes: tuple[str, ...]
    concessive_endings: tuple[str, ...]
    concessive_next: tuple[str, ...]
    existence_nouns: dict[str, float]
    emoticons: dict[str, float]

    @property
    def longest_stem(self) -> int:
        """Length of the longest one-word stem (bounds the prefix search)."""
        return max(map(len, self.valence), default=0)

    @property
    def longest_phrase(self) -> int:
        """Length of the longest two-word stem."""
        return max(map(len, self.phrases), default=0)


def _floats(raw: Any, section: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ValueError(f"korean lexicon: section {section!r} must be a mapping")
    out: dict[str, float] = {}
    for key, value in raw.items():
        if (
            not isinstance(key, str)
            or not key
            or isinstance(value, bool)
            or not isinstance(value, int | float)
        ):
            raise ValueError(f"korean lexicon: bad entry {key!r}: {value!r} in {section!r}")
        out[key] = float(value)
    return out


def _strings(raw: Any, section: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise ValueError(f"korean lexicon: section {section!r} must be a list of words")
    return tuple(raw)


def load_lexicon(text: str | None = None) -> KoreanLexicon:
    """Parse a lexicon from YAML ``text``, or the bundled ``lexicon.yaml`` when None."""
    if text is None:
        text = resources.files(__package__).joinpath("lexicon.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ValueError("korean lexicon: top level must be a mapping")
    emoticons = _floats(raw.get("emoticons", {}), "emoticons")
    unknown = set(emoticons) - set(_EMOTICON_KINDS)
    if unknown:
        raise ValueError(f"korean lexicon: unknown emoticon kinds {sorted(unknown)}")
    stems = _floats(raw.get("valence", {}), "valence")
    if any(len(key.split(" ")) > 2 for key in stems):
        raise ValueError("korean lexicon: valence stems have at most two words")
    return KoreanLexicon(
        # Two-word stems (마음에 들) are looked up on a word and the next one.
        valence={k: v for k, v in stems.items() if " " not in k},
        phrases={k: v for k, v in stems.items() if " " in k},
        latin_exact={k.lower(): v for k, v in _floats(raw.get("latin_exact", {}), "latin_exact").items()},
        intensifiers=_floats(raw.get("intensifiers", {}), "intensifiers"),
        # Longest first, so 존나 is tried before a shorter prefix could take it.
        intensifier_prefixes=tuple(
            sorted(
                _strings(raw.get("intensifier_prefixes", []), "intensifier_prefixes"), key=len, reverse=True
            )
        ),
        negation_words=frozenset(_strings(raw.get("negation_words", []), "negation_words")),
        negating_next_prefixes=_strings(raw.get("negating_next_prefixes", []), "negating_next_prefixes"),
        negating_suffix_parts=_strings(raw.get("negating_suffix_parts", []), "negating_suffix_parts"),
        distant_negation_prefixes=_strings(
            raw.get("distant_negation_prefixes", []), "distant_negation_prefixes"
        ),
        light_verbs=_strings(raw.get("light_verbs", []), "light_verbs"),
        reversal_after=_strings(raw.get("reversal_after", []), "reversal_after"),
        contrast_words=frozenset(_strings(raw.get("contrast_words", []), "contrast_words")),
        contrast_suffixes=_strings(raw.get("contrast_suffixes", []), "contrast_suffixes"),
        concessive_endings=_strings(raw.get("concessive_endings", []), "concessive_endings"),
        concessive_next=_strings(raw.get("concessive_next", []), "concessive_next"),
        existence_nouns=_floats(raw.get("existence_nouns", {}), "existence_nouns"),
        emoticons={kind: emoticons.get(kind, 0.0) for kind in _EMOTICON_KINDS},
    )
