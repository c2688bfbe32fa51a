"""Characters a regular expression's matches must start with, to skip searching texts without any.

The intent rules' regexes run on every post of their language (the language-independent question
rule on every post), and ``re`` tries a match at every position even when the pattern can only
start with "?" or one of eight Hangul syllables. :func:`first_chars` reads the parsed pattern and
returns the set of possible first characters when it is a small, exact set, so the tagger can test
``any(c in text for c in chars)`` first (several times faster than the search). Whenever the set
cannot be determined exactly (classes like ``\\w``, ranges, optional or zero-width starts, cased
letters under IGNORECASE, a future ``re`` whose parser differs) it returns None: search always.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["first_chars"]

_MAX_CHARS = 16  # beyond this, the `in` tests cost about as much as the search


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Characters every match of ``pattern`` starts with, or None when not known exactly."""
    try:
        c: Any = importlib.import_module("re._constants")  # private modules: no stubs
        parser: Any = importlib.import_module("re._parser")
        parsed = parser.parse(pattern.pattern, pattern.flags)
        ignore_case = bool(parsed.state.flags & re.IGNORECASE)
        chars = _first(list(parsed), c, ignore_case)
    except Exception:  # a private API: any surprise means "unknown"
        return None
    if chars is None or not chars or len(chars) > _MAX_CHARS:
        return None
    return frozenset(chars)


def _literal(code: int, ignore_case: bool) -> set[str] | None:
    ch = chr(code)
    if ignore_case and (ch.lower() != ch or ch.upper() != ch):
        return None  # a cased letter: its case variants (and re's special folds) are not listed here
    return {ch}


def _first(items: list[tuple[Any, Any]], c: Any, ignore_case: bool) -> set[str] | None:
    if not items:
        return None  # an empty sequence matches the empty string
    op, av = items[0]
    if op is c.LITERAL:
        return _literal(av, ignore_case)
    if op is c.IN:
        out: set[str] = set()
        for item_op, item_av in av:
            if item_op is not c.LITERAL:
                return None  # NEGATE, RANGE, CATEGORY...
            found = _literal(item_av, ignore_case)
            if found is None:
                return None
            out |= found
        return out
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _first(list(sub), c, ignore_case)
    if op is c.BRANCH:
        out = set()
        for alternative in av[1]:
            found = _first(list(alternative), c, ignore_case)
            if found is None:
                return None
            out |= found
        return out
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _first(list(sub), c, ignore_case) if low >= 1 else None
    return None  # AT, ASSERT, ANY, GROUPREF, ...
