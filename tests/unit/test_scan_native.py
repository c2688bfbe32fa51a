"""enrich._scan (enrich/_scan.c): each scan equals its Python reference on every input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich._compiled import native_unavailable
from enrich.language import strip_social_markup

try:
    from enrich import _scan
except ImportError:  # not built: the regular expressions run, and these tests have nothing to compare
    _scan = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _scan is None or native_unavailable("enrich._scan") is not None,
    reason=f"enrich._scan is not usable ({native_unavailable('enrich._scan') or 'import failed'}); run `make install`",
)


# -- strip_markup: strip_social_markup in C ----------------------------------------------------------

# Characters that matter to the markup regex and to str.split(): its literals in both cases, the
# characters re.IGNORECASE also equates with them (long s, dotted/dotless i), word and non-word
# characters (digits of other scripts, marks, "_"), and whitespace str.isspace() knows beyond ASCII.
_MARKUP_ALPHABET = list("hHtTpPsSwW:/.@#[]_eEmMaAiIlLoOnNcCrRdD xy9é한") + [
    "\u017f", "\u0130", "\u0131", "\u212a", "\u0663", "\u0301", "\u00a0", "\u3000", "\u2028", "\x1c", "\t", "\n",
    "\U0001f600",
]
_MARKUP_PIECES = ["http", "https://", "HTTP://", "www.", "WWW.", "[email]", "[PHONE]", "[card]", "[rrn]",
                  "[emaıl]", "@", "#", "@@", "##", "a@b", "ſ://"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_MARKUP_ALPHABET), st.sampled_from(_MARKUP_PIECES)), max_size=40)
       .map("".join))
def test_strip_markup_equals_strip_social_markup(text: str) -> None:
    assert _scan.strip_markup(text) == strip_social_markup(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=80))
def test_strip_markup_equals_strip_social_markup_on_any_text(text: str) -> None:
    assert _scan.strip_markup(text) == strip_social_markup(text)


def test_strip_markup_on_sample_texts_and_edges() -> None:
    root = Path(__file__).resolve().parents[2]
    texts = [json.loads(line)["text"] for line in (root / "data" / "sample_mentions.jsonl").read_text().splitlines()
             if line.strip()]
    texts += ["", " ", "http", "https://", "https:// x", "@", "#", "[email", "x" * 10_000 + " https://a.b/" * 50,
              "\ud800 @x"]
    for text in texts:
        assert _scan.strip_markup(text) == strip_social_markup(text), text
    with pytest.raises(TypeError):
        _scan.strip_markup(b"bytes")  # type: ignore[arg-type]


def test_detector_strips_natively() -> None:
    from enrich.language import LanguageDetector

    detector = LanguageDetector()
    assert detector._strip is _scan.strip_markup
    assert getattr(detector._script_counts, "func", None) is _scan.script_counts


# -- script_counts: the counts of script routing in C ------------------------------------------------

def test_script_ranges_are_the_script_classes() -> None:
    from enrich.language import _SCRIPT_LANGS, _SCRIPT_RANGES

    for (_, one, _), ranges in zip(_SCRIPT_LANGS, _SCRIPT_RANGES, strict=True):
        in_ranges = {c for first, last in ranges for c in range(first, last + 1)}
        assert in_ranges == {c for c in range(0x110000) if one.match(chr(c))}


_SCRIPT_ALPHABET = list("ab_1 .") + ["한", "ㄱ", "\u1100", "か", "カ", "ｶ", "ไ", "Γ", "ά", "ა", "Ա", "漢", "é", "٣",
                                      "\u0301", "\u00b2", "Ⅻ", "\U0001d400", "\u0e50", "\u1f00"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_SCRIPT_ALPHABET), max_size=30).map("".join))
def test_script_counts_equal_the_regex_version(text: str) -> None:
    from enrich.language import _SCRIPT_RANGES, script_counts

    assert _scan.script_counts(_SCRIPT_RANGES, text) == script_counts(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_script_counts_equal_the_regex_version_on_any_text(text: str) -> None:
    from enrich.language import _SCRIPT_RANGES, script_counts

    assert _scan.script_counts(_SCRIPT_RANGES, text) == script_counts(text)


def test_script_counts_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError):
        _scan.script_counts("text", ())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _scan.script_counts(((("a", 2),),), "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _scan.script_counts(tuple(((1, 2),) for _ in range(65)), "x")
    assert _scan.script_counts((), "abc") is None



# -- has_decimals: the precondition of the privacy number rules ---------------------------------------

def _decimals(text: str) -> int:
    return len(re.findall(r"\d", text))


def test_re_digit_is_str_isdecimal() -> None:
    # The reference below counts with re's \d; has_decimals tests str.isdecimal's property.
    assert all(bool(re.match(r"\d", chr(c))) == chr(c).isdecimal() for c in range(0x110000) if not 0xD800 <= c < 0xE000)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .-+()x") + ["\u0663", "\uff11", "\u00b2", "\u2163", "\U0001d7ce"]),
               max_size=30), st.integers(-1, 12))
def test_has_decimals_counts_what_re_digit_matches(text: str, n: int) -> None:
    assert _scan.has_decimals(text, n) == (_decimals(text) >= n)


def test_redactor_skips_only_texts_without_enough_digits() -> None:
    from enrich import privacy

    native, searching = privacy.Redactor(), privacy.Redactor()
    assert native._has_decimals is _scan.has_decimals
    searching._has_decimals = privacy._maybe_decimals  # always run the regex search
    root = Path(__file__).resolve().parents[2]
    texts = [json.loads(line)["text"] for line in (root / "data" / "sample_mentions.jsonl").read_text().splitlines()
             if line.strip()]
    texts += ["call 010-1234-5678 now", "call \uff10\uff11\uff10-1234-5678 now", "\u0660\u0661\u0662 \u0663\u0664\u0665\u0666\u0667\u0668",
              "only 12345678 here", "card 4111 1111 1111 1111", "900101-1234567"]
    changed = 0
    for text in texts:
        assert native.redact(text) == searching.redact(text), text
        changed += native.redact(text) != text
    assert changed >= 3  # the rules did run where there were numbers
    with pytest.raises(TypeError):
        _scan.has_decimals(b"123", 1)  # type: ignore[arg-type]


# -- parsed ranges are cached by identity, never reused for another object -----------------------------

def test_script_counts_follow_a_change_of_ranges_object() -> None:
    latin = (((0x61, 0x7A),),)  # one "script": a-z
    digits = (((0x30, 0x39),),)
    for _ in range(3):
        assert _scan.script_counts(latin, "ab1") == (0, 2, 2)
        assert _scan.script_counts(digits, "ab1") == (0, 1, 2)
        assert _scan.script_counts(tuple(tuple(r) for r in latin), "1") is None  # an equal, new object
    with pytest.raises(TypeError):
        _scan.script_counts(((("a", 2),),), "x")  # type: ignore[arg-type]
    assert _scan.script_counts(latin, "z") == (0, 1, 1)  # a failed parse leaves the cache usable


# -- fold_narrow and word_spans: the matcher's folding and tokens ---------------------------------------

# ASCII (controls, whitespace, letters), characters that fold to themselves (CJK, kana, Hangul,
# emoji), characters that do not (accents, full-width, ligatures, typographic quotes, joiners), and
# edges of the identity ranges.
_FOLD_ALPHABET = list("aZ _-'.1\t\n\x0b\x1c\x00\x7f") + [
    "한", "漢", "か", "カ", "\u2600", "\u27bf", "\u27c0", "\U0001f600", "\U0001faff", "\U0001fb00", "é", "Ａ", "ﬁ",
    "\u2019", "\u200d", "\u00ad", "\u3000", "İ", "ß", "\u3041", "\u3040", "\ud7a3", "\ud7a4", "ㄱ", "\u0e01",
]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FOLD_ALPHABET), max_size=30).map("".join))
def test_fold_narrow_equals_the_python_fold(text: str) -> None:
    from enrich.matching import normalize

    assert normalize._FOLD_NARROW(text) == normalize.fold_narrow(text)
    assert normalize._FOLD_NARROW is not normalize.fold_narrow  # the native one ran


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_fold_narrow_equals_the_python_fold_on_any_text(text: str) -> None:
    from enrich.matching import normalize

    assert normalize._FOLD_NARROW(text) == normalize.fold_narrow(text)


def test_identity_ranges_parse_to_the_class() -> None:
    from enrich.matching.normalize import _IDENTITY_RANGES, _IDENTITY_RUN, _ranges

    in_ranges = {c for first, last in _ranges(_IDENTITY_RANGES) for c in range(first, last + 1)}
    assert in_ranges == {c for c in range(0x110000) if _IDENTITY_RUN.fullmatch(chr(c))}


_TOKEN_ALPHABET = list("ab_1 .-'") + ["한", "ㄱ", "\u1100", "\u3164", "か", "漢", "ไ", "é", "\u0301", "٣", "\u00b2",
                                       "\U00020000", "\U0001f600", "ｶ", "\u3005", "\u3000"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKEN_ALPHABET), max_size=30).map("".join))
def test_word_spans_equal_the_token_regex(text: str) -> None:
    from enrich.matching import normalize

    expected = ([m.start() for m in normalize.TOKEN_RE.finditer(text)],
                [m.end() for m in normalize.TOKEN_RE.finditer(text)])
    assert normalize._WORD_SPANS(text) == normalize.word_spans(text) == expected


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_word_spans_equal_the_token_regex_on_any_text(text: str) -> None:
    from enrich.matching import normalize

    assert normalize._WORD_SPANS(text) == normalize.word_spans(text)


def test_fold_narrow_and_word_spans_reject_bad_arguments() -> None:
    with pytest.raises(ValueError):
        _scan.fold_narrow("short", (), "x")
    with pytest.raises(TypeError):
        _scan.fold_narrow("x" * 128, (("a", "b"),), "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _scan.word_spans((), (), b"x")  # type: ignore[arg-type]
    assert _scan.word_spans((), (), "") == ([], [])


# -- has_letters: language detection's "enough letters" test --------------------------------------------

_LETTER_ALPHABET = list("aZ_1 .@[`{") + ["é", "한", "漢", "٣", "\u00b2", "\u0301", "Ⅻ", "\U0001d400", "\u0e50", "ß",
                                         "\u2028", "\U0001f600", "ª"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LETTER_ALPHABET), max_size=12).map("".join), st.integers(-1, 5))
def test_has_letters_equals_the_regex(text: str, n: int) -> None:
    from enrich.language import has_letters_regex

    expected = has_letters_regex(max(n, 0)).search(text) is not None
    assert _scan.has_letters(n, text) is expected


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=40), st.integers(0, 4))
def test_has_letters_equals_the_regex_on_any_text(text: str, n: int) -> None:
    from enrich.language import has_letters_regex

    assert _scan.has_letters(n, text) is (has_letters_regex(n).search(text) is not None)


def test_every_ascii_character_counts_as_the_regex_says() -> None:
    from enrich.language import has_letters_regex

    one = has_letters_regex(1)
    for cp in range(128):
        assert _scan.has_letters(1, chr(cp)) is (one.search(chr(cp)) is not None), cp
