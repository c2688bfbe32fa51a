"""Fast paths of the matching step give the same results as the general code they bypass."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.matching import FoldedText, fold
from enrich.matching.fields import (
    _NORMALISERS,
    _PLAIN_HOST,
    FieldView,
    _http_host,
    _normalise,
    _str,
    normalize_url,
)
from enrich.matching.normalize import (
    _ASCII_SPACE,
    _FAST_TOKEN_RE,
    _HANGUL,
    _IDENTITY_RANGES,
    _UNSPACED,
    TOKEN_RE,
    fold_char,
)
from tests.unit.test_matching_normalize import naive_fold_map


def _naive_original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """FoldedText.original_span from a per-character map (the definition)."""
    _, starts = naive_fold_map(text)
    o_end = starts[end - 1] + 1
    while o_end < len(text) and fold_char(text[o_end]) == "":
        o_end += 1
    return starts[start], o_end


def test_identity_ranges_are_left_alone_by_lower() -> None:
    # FoldedText folds text made of ASCII and these characters with str.lower().
    for lo, hi in re.findall("(.)-(.)", _IDENTITY_RANGES):
        assert all(chr(c).lower() == chr(c) for c in range(ord(lo), ord(hi) + 1))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ b\t\n  \x1c東ア스ㅠ😀❤…é\u0301ßﬁ\u00adＡ、")), max_size=30))
def test_folded_text_and_spans_equal_per_character_folding(text: str) -> None:
    ft = FoldedText(text)
    assert ft.folded == fold(text)
    for start in range(len(ft.folded)):
        for end in range(start + 1, len(ft.folded) + 1):
            assert ft.original_span(start, end) == _naive_original_span(text, start, end)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z09_.-'#@\t")), max_size=40))
def test_ascii_tokens_equal_token_re(text: str) -> None:
    ft = FoldedText(text)
    expected = [ft.token_index(*m.span()) for m in TOKEN_RE.finditer(ft.folded)]
    assert expected == [(i, i) for i in range(len(expected))]


def _reference_token_index(folded: str, start: int, end: int) -> tuple[int, int]:
    """FoldedText.token_index by its definition: TOKEN_RE's tokens, searched with bisect."""
    spans = [m.span() for m in TOKEN_RE.finditer(folded)]
    first = bisect_right([e for _, e in spans], start)
    last = bisect_left([s for s, _ in spans], end) - 1
    return first, max(first, last)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z09_.-'#@\t東ア스ㅠ😀éß、ไ")), max_size=30))
def test_token_index_equals_token_re(text: str) -> None:
    ft = FoldedText(text)
    f = ft.folded
    for start in range(len(f) + 1):
        for end in range(start, len(f) + 1):
            assert ft.token_index(start, end) == _reference_token_index(f, start, end)


def test_fast_token_re_classes_equal_token_re_lookahead() -> None:
    # _FAST_TOKEN_RE writes TOKEN_RE's "(?![ranges])\w" as "[^\W ranges]": the same characters, all of them.
    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)
    lookahead = re.compile(f"(?![{_UNSPACED}{_HANGUL}])\\w")
    negated = re.compile(f"[^\\W{_UNSPACED}{_HANGUL}]")
    assert lookahead.sub("\0", everything) == negated.sub("\0", everything)
    assert _FAST_TOKEN_RE.pattern == TOKEN_RE.pattern.replace(f"(?:{lookahead.pattern})", negated.pattern)


def test_ascii_space_characters_are_not_printable() -> None:
    # _fold_ascii skips the _ASCII_SPACE search for text that str.isprintable() accepts.
    chars = [chr(cp) for cp in range(0x110000) if _ASCII_SPACE.fullmatch(chr(cp))]
    assert chars and not any(c.isprintable() for c in chars)


_RAW_FIELDS: list[dict[str, Any]] = [
    {},
    {"site": "WWW.Example.com", "lang": "en_US", "links": ["https://A.b.co/x", "www.c.org"], "authorFollowers": "12",
     "authorVerified": "yes", "platform": "twitter", "country": "FRA", "author": "@Bob", "url": "HTTP://x.com/a",
     "engagementType": "retweet", "rating": 4},
    {"url": "https://sub.site.io/p?q=1", "language": "ko", "links": "https://one.link", "authorFollowers": True,
     "authorVerified": False, "continent": "north_america", "rating": "bad"},
    {"site": "", "lang": None, "links": [], "authorFollowers": None, "authorVerified": None, "country": "zz"},
]


def test_normalise_dispatch_equals_normalisers() -> None:
    for raw in _RAW_FIELDS:
        for mapping in (raw, MappingProxyType(raw)):
            for name, normalise in _NORMALISERS.items():
                assert _normalise(mapping, name) == normalise(mapping), (raw, name)
                assert FieldView(mapping).get(name) == normalise(mapping)
            assert _normalise(mapping, "unknown") is None


_HOSTISH = ["http://", "https://", "HTTPS://", "ftp://", "www.", "a", "Z", "x.com", ".", "-", ":", ":8", "/", "?",
            "#", "@", "_", "%", "[", "1"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_HOSTISH), max_size=8).map("".join))
def test_http_host_agrees_with_plain_host_regex(url: str) -> None:
    host = _http_host(url)
    if host is not None:
        plain = _PLAIN_HOST.match(url)
        assert plain is not None and plain.group(1) == host


@given(st.one_of(st.none(), st.text(max_size=3), st.integers(), st.booleans(), st.floats(allow_nan=False)))
def test_str_field_equals_general_conversion(value: Any) -> None:
    expected = str(value) if value not in (None, "") else None
    assert _str({"x": value}, "x") == expected


@given(st.lists(st.sampled_from(["HTTP://", "https://", "a+b://", "1x://", " ", "www.", "WWW.", "x.com", "/p"]),
                max_size=5).map("".join))
def test_normalize_url_equals_re_sub(url: str) -> None:
    expected = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE).casefold()
    assert normalize_url(url) == (expected[4:] if expected.startswith("www.") else expected)
