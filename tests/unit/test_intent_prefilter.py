"""enrich.intent.prefilter: a pattern's possible first characters, exact or None."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.intent import IntentTagger
from enrich.intent.prefilter import first_chars


@pytest.mark.parametrize(("pattern", "expected"), [
    (r'\?(?:\s|$|[)"\'!?])|？', {"?", "？"}),
    (r"(?:나요|까요|습니까)(?=[\s.!~]|$)", {"나", "까", "습"}),
    (r"[?!]+x", {"?", "!"}),
    (r"(?:\?|!){2,}", {"?", "!"}),
])
def test_exact_first_characters(pattern: str, expected: set[str]) -> None:
    assert first_chars(re.compile(pattern, re.IGNORECASE)) == expected


@pytest.mark.parametrize("pattern", [
    "refund",  # a cased letter under IGNORECASE: its variants are not listed
    r"\d+", r"\w", ".x", "[^?]", "[a-z]", "a?b", "x*y", "", r"\bx", "(?=a)a", r"(?i:\?)", "(a)\\1",
    "|".join(chr(0x3131 + i) for i in range(17)),  # more characters than a prefilter is worth
])
def test_unknown_first_characters(pattern: str) -> None:
    assert first_chars(re.compile(pattern, re.IGNORECASE)) is None


def test_case_does_not_matter_without_ignorecase() -> None:
    assert first_chars(re.compile("[Rr]efund|Ok")) == {"R", "r", "O"}


_PATTERNS = [r'\?(?:\s|$|[)"\'!?])|？', r"(?:나요|까요)(?=[\s.!~]|$)", r"[?!]+x", r"(?:\?|!){2,}", "[Rr]e|Ok"]


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(_PATTERNS), st.text(alphabet="?！？!x 나요까Rr eOkK\n", max_size=20))
def test_no_match_without_a_first_character(pattern: str, text: str) -> None:
    compiled = re.compile(pattern, re.IGNORECASE if pattern.islower() else 0)
    chars = first_chars(compiled)
    assert chars is not None
    if compiled.search(text):
        assert any(ch in text for ch in chars)


def test_tagger_prefilters_its_bundled_patterns_and_still_finds_questions() -> None:
    tagger = IntentTagger.default()
    assert all(first is not None for rules in (*tagger._all, tagger._any) for _, _, first in rules.patterns)
    assert "question" in tagger.tag("is it open today?", "en")
    assert "question" in tagger.tag("오늘 영업하나요", "ko")
    assert "question" not in tagger.tag("open today.", "en")
