"""Fast multi-label intent tagging from YAML phrase rules.

All phrases of a language go into one Aho-Corasick automaton, so a post is scanned once however
many phrases there are; the few regular expressions run after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from enrich.aho import Finder, finder
from enrich.intent.prefilter import first_chars
from enrich.intent.rules_model import ANY_LANGUAGE, RuleFile, parse_rule_files

__all__ = ["IntentTagger", "INTENTS", "CRISIS_KINDS"]

INTENTS = ("crisis", "complaint", "question", "purchase_intent", "feature_request", "praise")
"""Top-level tags of the starter rules, in the order ``tag()`` reports them."""
CRISIS_KINDS = ("outage", "recall", "safety", "legal", "security", "boycott")
"""Crisis sub-tags of the starter rules (reported as ``crisis:<kind>`` after ``crisis``)."""

_ORDER: Final = {tag: i for i, tag in enumerate(INTENTS)}
# Typographic apostrophes and full-width punctuation people type on phones. Applied with str.replace
# after an ``in`` test: str.translate with a dict looks every character of non-ASCII text up in the dict
# (and raises and clears a KeyError for each one it lacks), ~4.5 µs a Korean post against ~0.1.
_FOLD: Final = (("\u2019", "'"), ("\u2018", "'"), ("\uff1f", "?"), ("\uff01", "!"))


@dataclass(frozen=True)
class _PhraseHit:
    length: int
    left_boundary: bool
    right_boundary: bool
    tag: str
    veto: bool


@dataclass(frozen=True)
class _CompiledRules:
    find: Finder | None  # all phrase occurrences: (end, hits of the phrase)
    # (tag, regex, the characters its matches start with or None: see enrich.intent.prefilter)
    patterns: tuple[tuple[str, re.Pattern[str], tuple[str, ...] | None], ...]


def _is_ascii_word_edge(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _phrase_hit(phrase: str, tag: str, veto: bool) -> tuple[str, _PhraseHit]:
    prefix = phrase.endswith("*")
    key = phrase.rstrip("*").rstrip()
    # Whole-word matching only where the phrase edge is a Latin letter or digit: Korean particles
    # and endings are glued on, so Hangul edges are matched as substrings on purpose.
    hit = _PhraseHit(
        length=len(key),
        left_boundary=_is_ascii_word_edge(key[0]),
        right_boundary=not prefix and _is_ascii_word_edge(key[-1]),
        tag=tag,
        veto=veto,
    )
    return key, hit


def _compile(files: Iterable[RuleFile]) -> _CompiledRules:
    by_key: dict[str, list[_PhraseHit]] = {}
    patterns: list[tuple[str, re.Pattern[str], tuple[str, ...] | None]] = []
    for rule_file in files:
        for rule in rule_file.rules:
            for phrase in rule.phrases:
                key, hit = _phrase_hit(phrase, rule.tag, veto=False)
                by_key.setdefault(key, []).append(hit)
            for phrase in rule.unless:
                key, hit = _phrase_hit(phrase, rule.tag, veto=True)
                by_key.setdefault(key, []).append(hit)
            if rule.patterns:
                joined = "|".join(f"(?:{p})" for p in rule.patterns)
                pattern = re.compile(joined, re.IGNORECASE)
                first = first_chars(pattern)
                patterns.append((rule.tag, pattern, tuple(sorted(first)) if first is not None else None))
    find = finder((key, tuple(hits)) for key, hits in by_key.items())
    return _CompiledRules(find, tuple(patterns))


def _sort_key(tag: str) -> tuple[int, str]:
    top = tag.split(":", 1)[0]
    return (_ORDER.get(top, len(_ORDER)), tag if ":" in tag else "")


class IntentTagger:
    """Assigns zero or more intent tags to a post.

    Rules of the post's language and the language-independent rules (``lang: "*"``) apply. When the
    language has no rules of its own (``und``, or a misdetected short post) every rule file applies:
    a phrase is written in one language, so finding it is evidence enough.
    """

    def __init__(self, rule_files: Iterable[RuleFile]) -> None:
        grouped: dict[str, list[RuleFile]] = {}
        for rule_file in rule_files:
            grouped.setdefault(rule_file.lang, []).append(rule_file)
        self._any = _compile(grouped.pop(ANY_LANGUAGE, []))
        self._by_lang = {lang: _compile(files) for lang, files in grouped.items()}
        self._all = tuple(self._by_lang.values())

    @classmethod
    def default(cls) -> IntentTagger:
        """The bundled English, Korean and language-independent starter rules."""
        return cls(cls.bundled_rule_files())

    @classmethod
    def from_yaml(cls, *texts: str) -> IntentTagger:
        """Build from one or more YAML texts (each may hold several ``---`` documents)."""
        return cls(rule_file for text in texts for rule_file in parse_rule_files(text))

    @staticmethod
    def bundled_rule_files() -> list[RuleFile]:
        """Parse the rule files shipped in ``enrich/intent/rules/`` (to extend them, for instance)."""
        folder = resources.files("enrich.intent.rules")
        files: list[RuleFile] = []
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                files.extend(parse_rule_files(entry.read_text(encoding="utf-8")))
        return files

    @property
    def languages(self) -> frozenset[str]:
        """Languages with rules of their own."""
        return frozenset(self._by_lang)

    def tag(self, text: str, lang: str) -> list[str]:
        """Return the tags of ``text`` (e.g. ``["crisis", "crisis:outage", "complaint"]``)."""
        folded = _folded(text)
        rule_sets = self._rule_sets(lang)
        hits: set[str] = set()
        vetoed: set[str] = set()
        for rules in rule_sets:
            self._scan_phrases(rules, folded, hits, vetoed)
        for rules in rule_sets:
            self._scan_patterns(rules, folded, hits)
        return _tags(hits, vetoed)

    def tag_many(self, texts: Sequence[str], langs: Sequence[str]) -> list[list[str]]:
        """:meth:`tag` of each text (in the language at the same index), one step at a time over the
        batch (folding, phrase scans, regular expressions), so each step's code stays in the CPU's
        instruction cache."""
        folded = [_folded(text) for text in texts]
        rule_sets = [self._rule_sets(lang) for lang in langs]
        found: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in texts]
        for f, sets, (hits, vetoed) in zip(folded, rule_sets, found, strict=True):
            for rules in sets:
                self._scan_phrases(rules, f, hits, vetoed)
        for f, sets, (hits, _) in zip(folded, rule_sets, found, strict=True):
            for rules in sets:
                self._scan_patterns(rules, f, hits)
        return [_tags(hits, vetoed) for hits, vetoed in found]

    def _rule_sets(self, lang: str) -> tuple[_CompiledRules, ...]:
        """The rules for ``lang``: its own and the language-independent ones, else every language's."""
        own = self._by_lang.get(lang.lower())
        return (own, self._any) if own is not None else (*self._all, self._any)

    @staticmethod
    def _scan_phrases(rules: _CompiledRules, folded: str, hits: set[str], vetoed: set[str]) -> None:
        if rules.find is not None:
            last = len(folded) - 1
            for end, phrase_hits in rules.find(folded):
                for hit in phrase_hits:
                    start = end - hit.length + 1
                    if hit.left_boundary and start > 0 and _is_ascii_word_edge(folded[start - 1]):
                        continue
                    if hit.right_boundary and end < last and _is_ascii_word_edge(folded[end + 1]):
                        continue
                    (vetoed if hit.veto else hits).add(hit.tag)

    @staticmethod
    def _scan_patterns(rules: _CompiledRules, folded: str, hits: set[str]) -> None:
        # A pattern whose tag a phrase (of any rule set) already gave is not searched: the tags are
        # the union of what phrases and patterns find, whatever the order.
        for tag, pattern, first in rules.patterns:
            if tag in hits or (first is not None and not _contains_any(folded, first)):
                continue
            if pattern.search(folded):
                hits.add(tag)


def _tags(hits: set[str], vetoed: set[str]) -> list[str]:
    """The reported tags: hits not vetoed, each sub-tag with its parent, in report order."""
    if not hits:
        return []
    tags = hits - vetoed
    for tag in list(tags):
        if ":" in tag:
            tags.add(tag.split(":", 1)[0])
    return sorted(tags, key=_sort_key)


def _folded(text: str) -> str:
    """What the rules are matched against: lower case, typographic punctuation made ASCII."""
    folded = text.lower()
    if not folded.isascii():  # _FOLD only maps non-ASCII characters
        folded = _fold(folded)
    return folded


def _fold(text: str) -> str:
    """``text`` with the _FOLD characters replaced."""
    for char, replacement in _FOLD:
        if char in text:
            text = text.replace(char, replacement)
    return text


def _contains_any(text: str, chars: tuple[str, ...]) -> bool:
    for char in chars:
        if char in text:
            return True
    return False
