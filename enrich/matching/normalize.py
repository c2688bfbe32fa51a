"""Text folding for matching, with a map from folded offsets back to the original text.

Folding is done one original character at a time, so every folded character knows which original
character produced it. Per character: NFKC (full-width and compatibility forms), casefold, removal of
accents on Latin/Greek/Cyrillic letters, typographic apostrophes and hyphens to ASCII, every kind of
whitespace to one space (runs collapse to one), invisible joiners removed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import partial
from typing import Final

_COMBINING_BLOCKS: Final = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# Letters that carry a diacritic without a Unicode decomposition (as Lucene's ASCII folding treats them).
_EXTRA_BASE: Final = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l"}
_TYPOGRAPHIC: Final = {
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u200b": " ",  # zero-width space separates words
}
# Invisible characters that must not split a word (soft hyphen, joiners, BOM, variation selectors).
_INVISIBLE: Final = {"\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0e", "\ufe0f"}


def _is_accent_script(cp: int) -> bool:
    """Scripts whose diacritics Brandwatch ignores for unaccented keywords: Latin, Greek, Cyrillic."""
    return cp <= 0x052F or 0x1E00 <= cp <= 0x1FFF or 0x2C60 <= cp <= 0x2C7F or 0xA720 <= cp <= 0xA7FF


def _is_combining_mark(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _COMBINING_BLOCKS)


def strip_accents(s: str) -> str:
    """Remove diacritics from Latin/Greek/Cyrillic letters; other scripts are returned unchanged."""
    out = []
    for ch in s:
        cp = ord(ch)
        if _is_combining_mark(cp):
            continue
        if _is_accent_script(cp):
            base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            out.append(_EXTRA_BASE.get(base, base))
        else:
            out.append(ch)
    return "".join(out)


def fold_char(ch: str, keep_case: bool = False, keep_accents: bool = False) -> str:
    """Fold one original character; may return "" (removed) or several characters (e.g. "ﬁ" -> "fi")."""
    if ch in _INVISIBLE:
        return ""
    if ch.isspace():
        return " "
    s = unicodedata.normalize("NFKC", ch)
    if not keep_case:
        s = s.casefold()
    if keep_accents:
        # Decompose so that precomposed and combining-sequence spellings compare equal.
        s = unicodedata.normalize("NFD", s) if any(_is_accent_script(ord(c)) for c in s) else s
    else:
        s = strip_accents(s)
    return "".join(_TYPOGRAPHIC.get(c, c) for c in s)


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds characters on first sight and remembers them."""

    def __init__(self, keep_case: bool, keep_accents: bool) -> None:
        super().__init__()
        self.keep_case = keep_case
        self.keep_accents = keep_accents
        for cp in range(128):
            self[cp] = fold_char(chr(cp), keep_case, keep_accents)

    def __missing__(self, cp: int) -> str:
        value = fold_char(chr(cp), self.keep_case, self.keep_accents)
        self[cp] = value
        return value


FOLD: Final = _FoldTable(keep_case=False, keep_accents=False)
"""Default fold: case and accent insensitive. This is the form the prefilter searches."""
# ASCII folds to lower case, with control whitespace as a space; str.lower() is several times faster
# than str.translate, so only the (rarer) control whitespace goes through a regex.
_ASCII_SPACE: Final = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in range(128) if FOLD[cp] != chr(cp).lower()) + "]")


def _fold_ascii(text: str) -> str:
    out = text.lower()
    # Every _ASCII_SPACE character is a control character (tested), so printable text has none;
    # str.isprintable() is several times faster than the regex search.
    if out.isprintable() or _ASCII_SPACE.search(out) is None:
        return out
    return _ASCII_SPACE.sub(" ", out)

_SPACE_RUN: Final = re.compile(" {2,}")
# Characters that fold to themselves (tested): kana, CJK ideographs, Hangul syllables, most emoji.
_IDENTITY_RANGES = "\u2600-\u27bf\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\U0001f300-\U0001faff"
_NON_ASCII_RUN: Final = re.compile("([^\\x00-\\x7f]+)")
_IDENTITY_RUN: Final = re.compile(f"[{_IDENTITY_RANGES}]+")
_CHANGING_CHAR: Final = re.compile(f"[^\\x00-\\x7f{_IDENTITY_RANGES}]")  # a character that needs the fold table

_TABLES: Final[dict[tuple[bool, bool], _FoldTable]] = {(False, False): FOLD}


def _ranges(spec: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges of a character-class body made of ``a-z`` ranges and single characters."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((ord(spec[i]), ord(spec[i + 2])))
            i += 3
        else:
            out.append((ord(spec[i]), ord(spec[i])))
            i += 1
    return tuple(out)


def fold_narrow(text: str) -> str | None:
    """The default fold of ``text`` before space runs collapse, when every character is ASCII or in
    _IDENTITY_RANGES (they all fold one to one); None otherwise (then it is folded run by run)."""
    if text.isascii() or _CHANGING_CHAR.search(text) is None:
        # Only ASCII and _IDENTITY_RANGES characters, which str.lower() leaves alone (tested).
        return _fold_ascii(text)
    return None


def word_spans(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the word tokens of folded ``text`` (:data:`TOKEN_RE`'s tokens)."""
    starts: list[int] = []
    ends: list[int] = []
    if text.isascii():
        # _ASCII_TOKEN_RE's tokens without a match object each: with every other character made a
        # space, the tokens are the non-empty pieces between single spaces.
        pos = 0
        for piece in text.translate(_ASCII_NON_WORD).split(" "):
            size = len(piece)
            if size:
                starts.append(pos)
                ends.append(pos + size)
            pos += size + 1
    else:
        for m in _FAST_TOKEN_RE.finditer(text):
            span = m.span()
            starts.append(span[0])
            ends.append(span[1])
    return starts, ends


def _load_scans() -> tuple[Callable[[str], str | None], Callable[[str], tuple[list[int], list[int]]]]:
    """:func:`fold_narrow` and :func:`word_spans`, from ``enrich._scan`` when that is usable (the same
    results, tested; one pass in C instead of regex scans and method calls)."""
    from enrich._compiled import native_module

    scan = native_module("enrich._scan")
    if scan is None:
        return fold_narrow, word_spans
    table = "".join(FOLD[cp] for cp in range(128))
    if len(table) != 128:  # pragma: no cover - every ASCII character folds to one character (tested)
        return fold_narrow, word_spans
    return (partial(scan.fold_narrow, table, _ranges(_IDENTITY_RANGES)),
            partial(scan.word_spans, _ranges(_HANGUL), _ranges(_UNSPACED)))


def _fold_parts(parts: list[str], translated: list[int] | None = None) -> list[str]:
    """Default fold of ``_NON_ASCII_RUN.split(text)``: alternating ASCII and non-ASCII runs.

    The indices of the runs folded character by character are appended to ``translated`` if given.
    """
    # Mostly-ASCII posts (one emoji, a few accents): ASCII runs take the fast path, only the other runs
    # go through the per-character table, and runs of characters from _IDENTITY_RANGES (CJK, Hangul,
    # emoji) are kept as they are.
    out = parts[:]
    for i in range(0, len(out), 2):
        out[i] = _fold_ascii(out[i])
    identity = _IDENTITY_RUN.fullmatch
    for i in range(1, len(out), 2):
        if identity(out[i]) is None:
            out[i] = out[i].translate(FOLD)
            if translated is not None:
                translated.append(i)
    return out


def _collapse(text: str) -> str:
    return _SPACE_RUN.sub(" ", text) if "  " in text else text


def fold(text: str, keep_case: bool = False, keep_accents: bool = False) -> str:
    """Fold ``text`` (see module docstring). Keeping case or accents serves case/accent-sensitive terms."""
    if not keep_case and not keep_accents:
        narrow = _FOLD_NARROW(text)
        if narrow is not None:
            return _collapse(narrow)
        return _collapse("".join(_fold_parts(_NON_ASCII_RUN.split(text))))
    table = _TABLES.get((keep_case, keep_accents))
    if table is None:
        table = _TABLES[(keep_case, keep_accents)] = _FoldTable(keep_case, keep_accents)
    return _collapse(text.translate(table))


def _offset_map(parts: list[str], translated: list[int], original: str, unfolded: str) -> list[int]:
    """For each character of the folded text, the index of the original character it comes from.

    ``parts`` is ``_NON_ASCII_RUN.split(original)``, ``translated`` the indices of the parts folded
    character by character (all other characters fold 1:1; both are empty if there are none) and
    ``unfolded`` the fold before space runs were collapsed.
    """
    if not translated:
        starts = list(range(len(original)))
    else:
        starts = []
        pos = done = 0  # done: original characters mapped so far
        per_char = set(translated)
        for i, part in enumerate(parts):
            if i in per_char:
                starts.extend(range(done, pos))
                for j, ch in enumerate(part):
                    starts.extend([pos + j] * len(FOLD[ord(ch)]))
                done = pos + len(part)
            pos += len(part)
        starts.extend(range(done, pos))
    if "  " not in unfolded:
        return starts
    # Drop the entries of the spaces that the collapse of space runs removed.
    kept: list[int] = []
    prev = 0
    for m in _SPACE_RUN.finditer(unfolded):
        kept.extend(starts[prev : m.start() + 1])
        prev = m.end()
    kept.extend(starts[prev:])
    return kept


class FoldedText:
    """A post's text in folded form, plus a lazily built map from folded offsets to original offsets."""

    __slots__ = ("original", "folded", "_ascii", "_parts", "_translated", "_unfolded", "_starts", "_tokens",
                 "_masked")

    def __init__(self, original: str) -> None:
        self.original = original
        # Same as fold(original), keeping the pieces the offset map needs if spans are asked for.
        self._ascii = original.isascii()
        self._parts: list[str] = []  # _NON_ASCII_RUN.split(original), if some run folds char by char
        self._translated: list[int] = []  # the indices of those parts
        narrow = _FOLD_NARROW(original)
        if narrow is not None:
            self._unfolded = narrow
        else:
            self._parts = _NON_ASCII_RUN.split(original)
            self._unfolded = "".join(_fold_parts(self._parts, self._translated))
        self.folded = _collapse(self._unfolded)
        self._starts: list[int] | None = None
        self._tokens: tuple[list[int], list[int]] | None = None
        self._masked: str | None = None

    @property
    def masked(self) -> str:
        """The folded text with Hangul and unspaced-script characters replaced by NUL, so that a plain
        ``\\w`` in a regex means "glue character" (see :data:`GLUE`)."""
        if self._masked is None:
            f = self.folded
            self._masked = f if f.isascii() else f.translate(MASK)
        return self._masked

    def _build_starts(self) -> list[int]:
        starts = _offset_map(self._parts, self._translated, self.original, self._unfolded)
        if len(starts) != len(self.folded):  # pragma: no cover - would be a folding bug
            raise AssertionError("offset map out of step with folded text")
        self._starts = starts
        return starts

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span ``[start, end)`` to the original text, including trailing combining marks."""
        if len(self.folded) == len(self.original):
            if self._ascii:
                return start, end  # ASCII without collapsed spaces: offsets are unchanged
            if not self._translated and 0 <= start < end <= len(self.original):
                return start, end  # the same for text whose non-ASCII characters all fold to themselves
        starts = self._starts if self._starts is not None else self._build_starts()
        if start >= end:
            pos = starts[start] if start < len(starts) else len(self.original)
            return pos, pos
        o_start = starts[start]
        o_end = starts[end - 1] + 1
        original = self.original
        # Characters folded to nothing (combining accents, joiners) belong to the preceding letter.
        while o_end < len(original) and FOLD[ord(original[o_end])] == "":
            o_end += 1
        return o_start, o_end

    def token_index(self, start: int, end: int) -> tuple[int, int]:
        """First and last word-token index covered by the folded span ``[start, end)``."""
        if self._tokens is None:
            self._tokens = _WORD_SPANS(self.folded)
        t_starts, t_ends = self._tokens
        first = bisect_right(t_ends, start)
        last = bisect_left(t_starts, end) - 1
        if last < first:
            last = first
        return first, last


# Scripts written without spaces between words: every character is its own token and terms match as
# substrings. Hangul is spaced but glues particles to nouns; it is handled separately.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003134f"  # CJK ideographs, kana
)
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
TOKEN_RE: Final = re.compile(f"[{_HANGUL}]+|[{_UNSPACED}]|(?:(?![{_UNSPACED}{_HANGUL}])\\w)+")
_ASCII_TOKEN_RE: Final = re.compile(r"\w+")  # what TOKEN_RE finds in ASCII text, without its per-character lookahead
# str.translate table: every ASCII character that is not a word character (\w) becomes a space. Every
# ASCII code point has an entry (word characters map to themselves): translate raises and clears a
# KeyError for each character it finds no entry for, which made this ~2.5x slower.
_ASCII_NON_WORD: Final = {cp: " " if _ASCII_TOKEN_RE.fullmatch(chr(cp)) is None else chr(cp) for cp in range(128)}
# TOKEN_RE with its lookahead folded into one negated class ("a word character outside these ranges"):
# the same tokens (tested for every code point), one class test per character instead of two.
_FAST_TOKEN_RE: Final = re.compile(f"[{_HANGUL}]+|[{_UNSPACED}]|[^\\W{_UNSPACED}{_HANGUL}]+")
_GLUE_RE = re.compile(f"(?![{_UNSPACED}{_HANGUL}])\\w")
_HANGUL_RE = re.compile(f"[{_HANGUL}]")
_UNSPACED_RE = re.compile(f"[{_UNSPACED}]")


class _CharClass(dict[str, bool]):
    def __init__(self, pattern: re.Pattern[str]) -> None:
        super().__init__()
        self.pattern = pattern

    def __missing__(self, ch: str) -> bool:
        value = self.pattern.fullmatch(ch) is not None
        self[ch] = value
        return value


GLUE: Final = _CharClass(_GLUE_RE)
"""Characters that glue to Latin-style words: letters/digits/underscore of spaced scripts."""
HANGUL: Final = _CharClass(_HANGUL_RE)
UNSPACED: Final = _CharClass(_UNSPACED_RE)


class _MaskTable(dict[int, int]):
    def __missing__(self, cp: int) -> int:
        ch = chr(cp)
        value = 0 if (HANGUL[ch] or UNSPACED[ch]) else cp
        self[cp] = value
        return value


MASK: Final = _MaskTable()
"""``str.translate`` table used by :attr:`FoldedText.masked`."""


_SCANS: Final = _load_scans()
_FOLD_NARROW: Final = _SCANS[0]  # fold_narrow or its native twin (Final: a C static when compiled)
_WORD_SPANS: Final = _SCANS[1]  # word_spans or its native twin
