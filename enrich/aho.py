"""Aho-Corasick search for many words at once: ``enrich._aho`` (C) with pyahocorasick as fallback.

Both the watchlist prefilter (enrich/matching/engine.py) and the intent phrase rules
(enrich/intent/tagger.py) need every occurrence of thousands of words in each post. :func:`finder`
compiles the words once and returns ``find(text) -> [(end, value), ...]``: the index of each
occurrence's last character and the word's value, in the order pyahocorasick's ``iter`` yields
them. ``enrich._aho`` (``enrich/_aho.c``) returns the same list several times faster; when it is not
built (or stale, or ``EARSHOT_PURE_PYTHON=1``), pyahocorasick does the work. :func:`aho_backend`
says which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Finder", "aho_backend", "finder"]

Finder = Callable[[str], list[tuple[int, Any]]]


def _native() -> Any:
    from enrich._compiled import native_module

    return native_module("enrich._aho")


def aho_backend() -> str:
    """``"native"`` (``enrich._aho``) or ``"pyahocorasick"``: what :func:`finder` builds on."""
    return "native" if _native() is not None else "pyahocorasick"


def finder(items: Iterable[tuple[str, Any]], native: bool | None = None) -> Finder | None:
    """``find(text)`` for the (non-empty word, value) pairs, or None when there are none.

    A word given twice keeps its last value. ``native=False`` forces pyahocorasick (tests).
    """
    pairs = list(items)
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and pair[0]):
            raise TypeError(f"Automaton: items must be (non-empty word, value) pairs, not {pair!r}")
    if not pairs:
        return None
    module = _native() if native is not False else None
    if module is not None:
        find: Finder = module.Automaton(pairs).find
        return find
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word, value in pairs:
        automaton.add_word(word, value)
    automaton.make_automaton()
    iterate = automaton.iter
    return lambda text: list(iterate(text))
