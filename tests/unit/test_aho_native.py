"""enrich._aho (enrich/_aho.c) finds what pyahocorasick finds, in the same order."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich._compiled import native_unavailable
from enrich.aho import aho_backend, finder

try:
    from enrich import _aho
except ImportError:  # not built: pyahocorasick runs, and these tests have nothing to compare
    _aho = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _aho is None or native_unavailable("enrich._aho") is not None,
    reason=f"enrich._aho is not usable ({native_unavailable('enrich._aho') or 'import failed'}); run `make install`",
)

ROOT = Path(__file__).resolve().parents[2]


def _both(pairs: list[tuple[str, object]]) -> tuple[object, object]:
    native, reference = finder(pairs), finder(pairs, native=False)
    assert native is not None and reference is not None
    return native, reference


def test_native_backend_is_used() -> None:
    assert aho_backend() == "native"
    assert type(getattr(finder([("a", 1)]), "__self__", None)) is _aho.Automaton


def test_classic_example_and_order() -> None:
    native, reference = _both([("he", 1), ("she", 2), ("his", 3), ("hers", 4)])
    text = "ushers ahishe"
    assert native(text) == reference(text) == [(3, 2), (3, 1), (5, 4), (10, 3), (12, 2), (12, 1)]


# Small alphabets make overlaps, shared prefixes and long failure chains likely; the extra
# characters cover every string kind (Latin-1, BMP, astral) and the root's direct table edge.
_ALPHABET = "aab\u00e9\u00ff\u0100\ud55c\U0001f600 "
_words = st.text(alphabet=_ALPHABET, min_size=1, max_size=6)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_words, st.integers(0, 50)), min_size=1, max_size=40),
       st.lists(st.text(alphabet=_ALPHABET, max_size=60), min_size=1, max_size=5))
def test_generated_words_and_texts(pairs: list[tuple[str, int]], texts: list[str]) -> None:
    native, reference = _both(pairs)
    for text in texts:
        assert native(text) == reference(text)


def test_the_watchlist_and_intent_automata_on_the_sample() -> None:
    from bench.bench_enrich import load_watchlist
    from enrich.intent import IntentTagger
    from enrich.matching import WatchlistMatcher
    from enrich.matching.normalize import FoldedText

    engine = WatchlistMatcher(load_watchlist(200))._engine
    keys = list({term.key: term.key_index for term in engine.terms}.items())
    native, reference = _both(keys)
    tagger = IntentTagger.default()
    phrase_sets = [rules for rules in (*tagger._all, tagger._any) if rules.find is not None]
    lines = (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()
    import json

    for line in lines[:1500]:
        text = json.loads(line)["text"]
        folded = FoldedText(text).folded
        assert native(folded) == reference(folded)
        for rules in phrase_sets:
            assert rules.find(text.lower()) == list(rules.find(text.lower()))


def test_repeated_words_keep_the_last_value_and_bad_input_is_refused() -> None:
    native, reference = _both([("ab", 1), ("ab", 2), ("b", 3)])
    assert native("xab") == reference("xab") == [(2, 2), (2, 3)]
    assert len(_aho.Automaton([("ab", 1), ("ab", 2), ("b", 3)])) == 2
    assert finder([]) is None
    for bad in ([("", 1)], [(b"ab", 1)], [("ab",)], ["ab"]):
        with pytest.raises(TypeError):
            _aho.Automaton(bad)
        with pytest.raises(TypeError):
            finder(bad, native=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _aho.Automaton([("a", 1)]).find(b"a")  # type: ignore[arg-type]
    assert _aho.Automaton([("a", 1)]).find("") == []


def test_values_are_kept_alive_and_released() -> None:
    value = object()
    automaton = _aho.Automaton([("a", value)])
    before = sys.getrefcount(value)
    found = [automaton.find("aaa") for _ in range(1000)]
    assert all(f == [(0, value), (1, value), (2, value)] for f in found)
    del found
    assert sys.getrefcount(value) == before
    del automaton
    gc.collect()
    assert sys.getrefcount(value) == before - 1
