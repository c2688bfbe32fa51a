"""enrich.sentiment._vader (enrich/sentiment/_vader.c) against vaderSentiment 3.3.2 and our Python engine.

The native engine must give the same four numbers as ``SentimentIntensityAnalyzer().polarity_scores``
and as enrich/sentiment/analyzer.py's Python code, bit for bit (compared by ``repr``, so ``-0.0``
counts), on: the identity test's corpus (tests/unit/test_sentiment_identity.py, imported, not
copied), the bundled sample mentions, tricky inputs (blank, emoji, emoticons, rules, ALL CAPS, long
texts past the engine's stack buffers, non-BMP, combining marks, NUL, lone surrogates, CJK/Hangul)
and Hypothesis-generated texts. The unrounded floats are compared too, with rounding switched off
in the Python engine and in the reference.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment import vaderSentiment as reference_module

import enrich.sentiment.analyzer as analyzer_module
from enrich._compiled import native_unavailable
from enrich.sentiment import SentimentAnalyzer, sentiment_backend
from tests.unit.test_sentiment_identity import (
    _TEXT,
    BOOSTERS,
    CORPUS,
    EMOJI_KEYS,
    EMOTICONS,
    IDIOMS,
    NEGATIVE,
    POSITIVE,
    REFERENCE,
    SEPARATORS,
    _random_text,
    _source_module,
)

ROOT = Path(__file__).resolve().parents[2]
NATIVE_MODULE = "enrich.sentiment._vader"

try:
    from enrich.sentiment import _vader
except ImportError:  # not built: SentimentAnalyzer runs the Python engine
    _vader = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _vader is None or native_unavailable(NATIVE_MODULE) is not None,
    reason=f"{NATIVE_MODULE} is not usable ({native_unavailable(NATIVE_MODULE) or 'import failed'}); "
    "build it with `make install`",
)

NATIVE = SentimentAnalyzer(text_cache_size=0)
PYTHON = SentimentAnalyzer(text_cache_size=0, native=False)


def _sample_texts() -> list[str]:
    lines = (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()
    return list(dict.fromkeys(json.loads(line)["text"] for line in lines if line.strip()))


def _long_texts() -> list[str]:
    rng = random.Random(777)
    words = POSITIVE + NEGATIVE + BOOSTERS[:20] + ["but", "not", "no", "least", "kind", "of", "the", "so"]
    soup = " ".join(rng.choice(words) for _ in range(1600))  # > 256 tokens, > 10k chars
    emoji = " ".join(rng.choice(EMOJI_KEYS) + rng.choice(words) for _ in range(1200))  # UCS4, > 1024 chars
    return [
        soup,
        soup.upper() + " good",
        emoji,
        "’".join(rng.choice(words) for _ in range(2000)) + " don’t like it",  # UCS2, one huge token
        _random_text(rng, 1600),
        "good " * 3000 + "but bad",
        "💘" * 300 + " lorem ipsum" * 1000,
        "x" * 20000,
        "!" * 12000 + " good",
        "\u3000".join(["좋아요 최고", "最高です", "good"] * 300) + " 좋아" * 3000,
    ]


TRICKY = [
    "", " ", "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000",
    "!", "?", "!!!!", "???", "????", "!?!?!?", "good!!!!", "good!!!!!!!!!!", "bad???", "bad????", "good?!",
    ":)", ":-(", ":D", ":d", ":P", "<3", "</3", "(-:", ":'(", ";)", "xD", "XD", ":Þ", ":-Þ", ":þ", ":-þ",
    "( '}{' )", "can't stand", "fed up", "screwed up",
    "😀", "😀😀", "good😀", "😀good", "😀 good 😀", "👍🏽", "👨‍👩‍👧", "🇺🇸", "1️⃣", "©", "®", "© good ®", "a©b",
    "🔛🆙", "👞 shoes", "👡", "👚 good",
    "not good", "not bad", "isn't good", "ISN'T good", "don't like", "don’t like", "doesn't hurt",
    "never so good", "never this good", "without doubt good", "without a doubt good", "no good", "no no",
    "no or nor good", "no, it is good", "NO GOOD", "No Good", "no problem at all",
    "GOOD", "GOOD bad", "good BAD", "VERY good", "very GOOD", "VERY GOOD", "I LOVE IT", "I LOVE it",
    "good but bad", "bad but good", "good good but good", "but", "BUT good", "good but", "nice but, nice",
    "the shit", "is the shit", "kind of good", "kind of", "KIND OF good", "sort of bad", "the kind people",
    "at least good", "very least good", "least good", "the least bad", "least",
    "the bomb", "bad ass", "yeah right", "kiss of death", "to die for", "beating heart", "bus stop",
    "cut the mustard", "hand to mouth", "in the red", "it is just enough good",
    "good\u0301", "e\u0301 good", "\u0301", "go\u0308od", "\x00", "\x00good\x00", "good\x00bad",
    "\ud800", "\ud800 good", "good \udfff bad", "\udbff\udfff", "n\ud800't good",
    "𝐠𝐨𝐨𝐝", "ｇｏｏｄ", "ＧＯＯＤ", "ΣΑΣ good", "İ love", "\u212aind of good", "STRASSE ß", "ﬁne good",
    "\u2160 good", "ǅ good", "ǄOOD good", "Ǆ", "ǅ", "ꭰ good",
    "정말 최고예요 good", "좋아요!!!", "これは最高です good", "最高！", "这很好", "Это хорошо", "très bien",
    "مرحبا good", "שלום good", "good\u200bbad", "\ufeffgood", "\u202egood\u202c",
    "café good", "CAFÉ GOOD bad", "naïve bad", "Ünïcödé LOVE",
    "good" * 300, "a " * 600 + "good",
]  # fmt: skip


def _same_scores(text: str) -> None:
    native = NATIVE.polarity_scores(text)
    assert repr(native) == repr(REFERENCE.polarity_scores(text)), text[:200]
    assert repr(native) == repr(PYTHON.polarity_scores(text)), text[:200]


def _mismatches(texts: list[str]) -> list[tuple[str, dict[str, float], dict[str, float], dict[str, float]]]:
    found = []
    for text in texts:
        native, python, reference = (
            NATIVE.polarity_scores(text), PYTHON.polarity_scores(text), REFERENCE.polarity_scores(text)
        )
        if repr(native) != repr(reference) or repr(native) != repr(python):
            found.append((text[:200], native, python, reference))
    return found


def test_backend_is_native() -> None:
    assert sentiment_backend() == "native"
    assert NATIVE.backend == "native"
    assert PYTHON.backend == "python"
    assert SentimentAnalyzer().backend == "native"


def test_corpus() -> None:
    assert len(CORPUS) > 5000
    assert _mismatches(CORPUS) == []


def test_sample_mentions() -> None:
    texts = _sample_texts()
    assert len(texts) > 500
    assert _mismatches(texts) == []


def test_tricky_texts() -> None:
    assert _mismatches(TRICKY) == []


def test_long_texts() -> None:
    texts = _long_texts()
    assert all(len(text) > 10_000 for text in texts)
    assert _mismatches(texts) == []


def test_str_subclass_is_scored_as_its_value() -> None:
    class Text(str):
        def split(self, *args: object, **kwargs: object) -> list[str]:  # type: ignore[override]
            raise AssertionError("not called")

    text = "VADER is VERY SMART, handsome, and FUNNY!!!"
    assert NATIVE.polarity_scores(Text(text)) == REFERENCE.polarity_scores(text)


def test_result_types_and_errors() -> None:
    engine = NATIVE._engine
    for text in ("", "good", "the cat", "good but bad!!"):
        result = engine(text)
        assert type(result) is tuple and len(result) == 4 and all(type(v) is float for v in result)
    for bad in (b"good", 3, None):
        with pytest.raises(TypeError):
            engine(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            NATIVE.polarity_scores(bad)  # type: ignore[arg-type]


def test_identical_before_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The four floats before round() equal the Python engine's and the reference's, bit for bit."""
    engine = _vader.Analyzer(
        analyzer_module.load_lexicon(), NATIVE._emoji_descriptions, analyzer_module.BOOSTER_DICT,
        analyzer_module.SPECIAL_CASES, analyzer_module.NEGATE_WORDS, analyzer_module.PUNCTUATION,
        analyzer_module.C_INCR, analyzer_module.N_SCALAR,
    )
    source = _source_module()
    monkeypatch.setattr(reference_module, "round", lambda x, ndigits=None: x, raising=False)
    monkeypatch.setattr(source, "round_half_even", lambda x, scale, ndigits: x)
    monkeypatch.setattr(source, "round_proportion", lambda x: x)
    python = source.SentimentAnalyzer(text_cache_size=0, native=False)
    texts = [t for t in CORPUS if len(t) < 5000][::2] + _sample_texts() + TRICKY
    found = []
    for text in texts:
        expected = python.polarity_scores(text)
        reference = REFERENCE.polarity_scores(text)
        native = dict(zip(("neg", "neu", "pos", "compound"), engine.scores_unrounded(text), strict=True))
        if repr(native) != repr(expected) or repr(native) != repr(reference):
            found.append((text[:200], native, expected, reference))
    assert found == []
    assert any(len(repr(v)) > 8 for v in engine.scores_unrounded("good but bad!"))


def test_round_near_ties_falls_back_to_round() -> None:
    """Texts whose proportions land exactly on a tie of the third decimal (x.xxx5) still match."""
    # neu = n / total with total = pos_sum + n: ties need exact fractions; search a few shapes.
    hits = 0
    for n_neutral in range(1, 60):
        for word in ("good", "bad", "love", "hate", "ok"):
            text = " ".join(["x"] * n_neutral + [word])
            _same_scores(text)
            neg, neu, pos, _ = NATIVE._engine(text)
            hits += any(abs(v * 1000 - round(v * 1000)) < 1e-12 for v in (neg, neu, pos))
    assert hits > 0


def test_refused_tables_fall_back_to_python() -> None:
    lexicon = analyzer_module.load_lexicon()
    with pytest.warns(RuntimeWarning, match="refuses the VADER tables"):
        assert analyzer_module._native_engine({"good": 1}, {}) is None  # type: ignore[dict-item]
    with pytest.warns(RuntimeWarning, match="refuses the VADER tables"):
        assert analyzer_module._native_engine(lexicon, {"x": " ex"}) is None  # an ASCII emoji key
    with pytest.raises(ValueError, match="single characters"):
        _vader.Analyzer(lexicon, {"ab": " x"}, {}, {}, [], "", 0.733, -0.74)
    with pytest.raises(ValueError, match="punctuation must be ASCII"):
        _vader.Analyzer(lexicon, {}, {}, {}, [], "!\u2019", 0.733, -0.74)
    with pytest.raises(ValueError, match="too large"):
        _vader.Analyzer(lexicon, {}, {"so": 10**20}, {}, [], "", 0.733, -0.74)


def test_disabled_or_stale_extension_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EARSHOT_PURE_PYTHON", "1")
    analyzer = SentimentAnalyzer()
    assert analyzer.backend == "python" and sentiment_backend() == "python"
    assert analyzer.polarity_scores("good but bad!") == REFERENCE.polarity_scores("good but bad!")
    monkeypatch.delenv("EARSHOT_PURE_PYTHON")

    import enrich._compiled as compiled

    built = Path(_vader.__file__ or "")
    (tmp_path / "sentiment").mkdir()
    source = tmp_path / "sentiment" / "_vader.c"
    extension = tmp_path / "sentiment" / built.name
    source.write_text("/* newer */")
    extension.write_bytes(b"")
    monkeypatch.setattr(compiled, "_PACKAGE_DIR", tmp_path)
    import os

    os.utime(extension, (1_000_000, 1_000_000))
    with pytest.warns(RuntimeWarning, match="older than _vader.c"):
        assert native_unavailable(NATIVE_MODULE) == f"{NATIVE_MODULE} is older than _vader.c"
    extension.unlink()
    assert native_unavailable(NATIVE_MODULE) == f"{NATIVE_MODULE} is not built"
    monkeypatch.undo()
    assert SentimentAnalyzer().backend == "native" and sentiment_backend() == "native"


# Hypothesis: texts made of VADER's own ingredients (the identity test's strategy), arbitrary
# unicode, and "nasty" texts mixing rule words with emoji, combining marks, NUL, surrogates,
# odd whitespace and punctuation runs.
_NASTY_ATOMS = st.one_of(
    st.sampled_from(POSITIVE + NEGATIVE + BOOSTERS + IDIOMS + EMOTICONS[::4] + [
        "but", "BUT", "no", "NO", "not", "n't", "never", "so", "this", "without", "doubt", "kind", "of",
        "least", "at", "very", "or", "nor", "don’t", "isn't", "GOOD", "Bad",
    ]),
    st.sampled_from(EMOJI_KEYS),
    st.sampled_from(["\u0301", "\x00", "\ud800", "\udfff", "İ", "ß", "Σ", "ǅ", "\u212a", "é", "©", "’", "!", "?",
                     "!!", "??", "...", "'", '"', "(", ")", "#", "@", "좋아", "最高", "𝐠𝐨𝐨𝐝"]),
    st.text(max_size=4),
)
_NASTY = st.lists(
    st.tuples(_NASTY_ATOMS, st.sampled_from([*SEPARATORS, "", "", "\x85", "\u2029"])), max_size=30
).map(lambda pairs: "".join(atom + sep for atom, sep in pairs))

_SETTINGS: Callable[[Callable[..., None]], Callable[..., None]] = settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@_SETTINGS
@given(text=_TEXT)
def test_generated_vader_texts(text: str) -> None:
    _same_scores(text)


@_SETTINGS
@given(text=_NASTY)
def test_generated_nasty_texts(text: str) -> None:
    _same_scores(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(text=st.text(max_size=300))
def test_arbitrary_unicode(text: str) -> None:
    _same_scores(text)
