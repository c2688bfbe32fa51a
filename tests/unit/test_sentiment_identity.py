"""Differential test: enrich.sentiment must equal vaderSentiment 3.3.2 on every input.

The corpus is built here: the reference's own example sentences, emoji (single, repeated,
multi-code-point), emoticons, negation windows, ALL CAPS, "but" (with the reference's
first-equal-score quirk), idioms and special cases, "least", punctuation runs, mixed-language and
odd unicode, very long texts, and seeded random soups of lexicon words with boosters and
negations. Hypothesis adds generated texts on top. Equality is checked on the rounded output
(the public contract) and, for most of the corpus, on the unrounded floats as well, which is a
much stronger check than the 3-4 decimals the contract shows.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment import vaderSentiment as reference_module
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SENTIMENT_LADEN_IDIOMS,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from enrich.sentiment import SentimentAnalyzer
from enrich.sentiment import analyzer as our_module

REFERENCE = SentimentIntensityAnalyzer()
LEXICON = sorted(REFERENCE.lexicon)
EMOJI_KEYS = sorted(REFERENCE.emojis)
SINGLE_EMOJI = [e for e in EMOJI_KEYS if len(e) == 1]
EMOTICONS = [w for w in LEXICON if not any(c.isalpha() for c in w)]
BOOSTERS = sorted(BOOSTER_DICT)
IDIOMS = sorted(SPECIAL_CASES) + sorted(SENTIMENT_LADEN_IDIOMS)
RULE_WORDS = [
    "but", "no", "or", "nor", "least", "at", "very", "never", "so", "this", "without", "doubt",
    "kind", "of", "sort", "just", "enough", "the", "to", "for", "bus", "stop", "yeah", "right",
]  # fmt: skip
POSITIVE = ["good", "great", "love", "happy", "excellent", "nice", "smart", "funny", "handsome", "wonderful"]
NEGATIVE = ["bad", "terrible", "hate", "sad", "awful", "horrible", "poor", "shit", "sux", "uncompelling"]
SEPARATORS = [" ", " ", " ", "  ", "\n", "\t", "\xa0", "\u3000", "\u2028", "\x1c", ""]

EXAMPLE_SENTENCES = [
    # vaderSentiment.py's __main__ block: examples, tricky sentences, paragraph, tags, non-English.
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    "It was one of the worst movies I've seen, despite good reviews. Unbelievably bad acting!! "
    "Poor direction. VERY poor production. The movie was bad. Very bad movie. VERY BAD movie!",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!!",
    "Poor direction.",
    "VERY poor production.",
    "VERY BAD movie!",
    "balloons", "cake", "candles", "happy birthday", "friends", "laughing", "smiling", "party",
    "riot", "fire", "fight", "blood", "mob", "war", "police", "tear gas",
    "I'm surprised to see just how amazingly helpful VADER is!",
    "Je suis surpris de voir comment VADER est incroyablement utile !",
    "Ich bin überrascht zu sehen, nur wie erstaunlich nützlich VADER!",
    "Me sorprende ver sólo cómo increíblemente útil VADER!",
    "Sono sorpreso di vedere solo come incredibilmente utile VADER è!",
    "Я удивлен увидеть, как раз как удивительно полезно ВЕЙДЕРА!",
    "私はちょうどどのように驚くほど役に立つベイダーを見て驚いています!",
    "أنا مندهش لرؤية فقط كيف مثير للدهشة فيدر فائدة!",
    "我很惊讶地看到VADER是如此有用!",
    "我很驚訝地看到VADER是如此有用!",
]  # fmt: skip

EDGE_CASES = [
    "", " ", "\n\t ", "!", "!!!!", "?", "??", "???", "????", "?!?!?!", "... ---", ":)", ":-(", "<3",
    "good", "GOOD", "Good!", "good!!!!!!!!", "good??", "good???", "good????", "bad?!", "no", "NO", "No!",
    "no good", "no no good", "good no", "NO GOOD", "no GOOD at all", "no, or good", "no one or nor good",
    "kind of good", "kind of", "kind", "KIND OF bad", "it is kind of the shit", "sort of bad", "just enough good",
    "kinda good", "sorta bad", "kind-of good", "the kind people", "a kind of magic",
    "at least good", "very least good", "the least good", "least good", "least", "not the least bit bad",
    "never so good", "never this good", "never good", "so good", "this good", "I never thought it was so good",
    "without doubt good", "without a doubt good", "without any doubt good", "doubt", "without good",
    "but", "but good", "good but", "good good but good", "good but good good bad bad", "BUT it is great",
    "bad, but... good", "good but bad but good", "good good good good but", "but but good", "nice but, nice",
    "the shit", "is the shit", "this is the shit", "it is the bomb", "what a bad ass", "bus stop good",
    "yeah right", "oh yeah right", "a kiss of death", "the cake is to die for", "my beating heart",
    "you are the bomb man", "hand to mouth", "cut the mustard", "in the red", "under the weather",
    "I don't like it", "I don't really like it", "I really don't like it at all", "isn't bad",
    "not not good", "NOT good", "ain't bad", "couldn't be happier", "can't stand it", "wasn't the worst",
    "uh-uh good", "uhuh good", "nope good", "nothing good", "nowhere good", "rarely good", "seldom bad",
    "despite good", "without love", "won't hurt", "wouldn't hurt", "neither good nor bad",
    "VERY GOOD", "very GOOD", "VERY good", "EXTREMELY bad and very good", "GOOD BAD", "ok GOOD bad",
    "I LOVE IT", "I LOVE it", "i love IT", "SO GOOD", "so GOOD", "SO good but", "really REALLY good",
    "good.good.good", "good,bad", "(good)", "'good'", "\"bad\"", "#good", "@bad", "good:)", ":)good",
    ":D :P :( :'( ;) xD XD :-) (-: </3 <3 ^_^ o_O O.o", ":-D! :P? :(((",
    "💘", "💘💘", " 💘", "💘 ", "a💘", "💘a", "a 💘 b", "😁😁😁 good", "good😁", "❤️", "❤", "👍🏽", "👍🏻👍🏿",
    "👨‍👩‍👧", "🇺🇸🇬🇧", "1️⃣ 2️⃣", "#️⃣", "🔛 on", "🆙!", "🔛🆙🔛", "☺", "☹ sad ☺", "✨good✨",
    "\u200bgood\u200b", "good\u00a0bad", "good\u2028bad", "good\x1cbad", "\ufeffgood", "good\u0301",
    "ΣΑΣ good", "İ love", "\u212aind of good", "STRASSE ß good", "ﬁne good", "e\u0301 good",
    "\ud800 good", "good \udfff", "\x00good\x00", "\u202egood\u202c", "𝐠𝐨𝐨𝐝", "ｇｏｏｄ", "ＧＯＯＤ",
    "Это хорошо", "ЭТО ПЛОХО good", "très bien good", "sehr GUT good", "muy bueno!!", "好 good 坏 bad",
]  # fmt: skip


def _reference_scores(text: str) -> dict[str, float]:
    return REFERENCE.polarity_scores(text)


def _random_token(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.30:
        word = rng.choice(LEXICON)
    elif r < 0.38:
        word = rng.choice(BOOSTERS)
    elif r < 0.46:
        word = rng.choice(NEGATE)
    elif r < 0.52:
        word = rng.choice(IDIOMS)
    elif r < 0.66:
        word = rng.choice(RULE_WORDS)
    elif r < 0.74:
        word = rng.choice(POSITIVE + NEGATIVE)
    elif r < 0.80:
        word = rng.choice(EMOJI_KEYS)
    elif r < 0.84:
        word = rng.choice(EMOTICONS)
    elif r < 0.88:
        word = rng.choice(["!", "!!", "!!!!!", "?", "??", "???", "?!", "...", ",", "-", "--"])
    else:
        word = rng.choice(
            ["the", "cat", "product", "brand", "it", "is", "was", "a", "x", "2024", "@user", "#tag"]
        )
    c = rng.random()
    if c < 0.15:
        word = word.upper()
    elif c < 0.22:
        word = word.capitalize()
    if rng.random() < 0.12:
        word += rng.choice(["!", ".", ",", "?", "!!", "...", ":)", "'", ")", "!?"])
    if rng.random() < 0.05:
        word = rng.choice(['"', "(", "'", "#", "@", "*"]) + word
    return word


def _random_text(rng: random.Random, n_tokens: int) -> str:
    parts: list[str] = []
    for _ in range(n_tokens):
        parts.append(_random_token(rng))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def _structured_cases() -> Iterator[str]:
    """Every rule's trigger words at every distance from a lexicon word, in several shapes."""
    triggers = sorted(set(NEGATE) | set(BOOSTERS) | set(RULE_WORDS) | {"kind of", "sort of", "at least"})
    for trigger in triggers:
        for gap in range(0, 4):
            filler = " ".join(["the", "product", "x"][:gap])
            for target in ("good", "bad", "GREAT", "hate"):
                yield f"{trigger} {filler} {target}".replace("  ", " ")
                yield f"it is {trigger} {filler} {target} !"
                yield f"{trigger.upper()} {filler} {target} but {target}"
    for idiom in IDIOMS:
        for before in ("", "it is ", "oh my god it is ", "not "):
            for after in ("", " good", " good bad", " !!"):
                yield f"{before}{idiom}{after}"
                yield f"{before}{idiom.upper()}{after} but good"
    for emoji in SINGLE_EMOJI[::7]:
        yield f"{emoji}"
        yield f"so {emoji}{emoji} not good{emoji}"
    for emoticon in EMOTICONS[::3]:
        yield f"{emoticon} what a day {emoticon}!"


def _random_corpus(seed: int, count: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield _random_text(rng, rng.choice([1, 2, 3, 4, 6, 9, 14, 25, 40, 80]))


def _long_texts() -> Iterator[str]:
    rng = random.Random(4242)
    yield _random_text(rng, 1500)
    yield " ".join(rng.choice(POSITIVE + NEGATIVE + ["but", "not", "very", "the"]) for _ in range(1500))
    yield ("good but bad " * 400) + "!!!!"
    yield "😁" * 400  # each expands to five words, one of them a lexicon word
    # ~99k characters, just under MAX_TEXT_CHARS; mostly filler so the (quadratic) reference stays quick.
    filler = " ".join(
        rng.choice(["lorem", "ipsum", "dolor", "amet", "the", "and", "x1"]) for _ in range(10000)
    )
    yield filler + " good but not bad, kind of the shit!!! 😁 " + filler


CORPUS: list[str] = list(
    dict.fromkeys(
        [
            *EXAMPLE_SENTENCES,
            *EDGE_CASES,
            *_structured_cases(),
            *_random_corpus(20240611, 4000),
            *_long_texts(),
        ]
    )
)


@pytest.fixture(scope="module", params=["default", "python"])
def analyzer(request: pytest.FixtureRequest) -> SentimentAnalyzer:
    """The default engine (the C one when built; tests/unit/test_sentiment_native.py has more) and the
    Python one."""
    return SentimentAnalyzer(native=request.param == "default")


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, float]]:
    """Reference results for the corpus, computed once (the reference is the slow part)."""
    return {text: _reference_scores(text) for text in CORPUS}


def _mismatches(
    ours: SentimentAnalyzer, texts: list[str], known: dict[str, dict[str, float]] | None = None
) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    found = []
    for text in texts:
        expected = known[text] if known is not None else _reference_scores(text)
        actual = ours.polarity_scores(text)
        # Same keys, same order, same values -- and the same float repr (catches -0.0 vs 0.0).
        if list(actual.items()) != list(expected.items()) or repr(actual) != repr(expected):
            found.append((text[:200], actual, expected))
    return found


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) > 5000
    assert any(len(text) > 90_000 for text in CORPUS)
    assert sum(1 for text in CORPUS if any(e in text for e in SINGLE_EMOJI)) > 300
    assert sum(1 for text in CORPUS if "but" in text.lower()) > 300


def test_identical_to_reference_on_corpus(
    analyzer: SentimentAnalyzer, expected: dict[str, dict[str, float]]
) -> None:
    assert _mismatches(analyzer, CORPUS, expected) == []


def _source_module() -> ModuleType:
    """``enrich.sentiment.analyzer`` as plain Python: calls inside a mypyc-compiled module do not
    look up module globals, so patching its rounding helpers needs the source version."""
    path = Path(our_module.__file__ or "")
    if path.suffix == ".py":
        return our_module
    spec = importlib.util.spec_from_file_location("_analyzer_source_copy", path.with_name("analyzer.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_identical_before_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    """With rounding switched off in both implementations, the raw floats still agree exactly.

    (Source version of our analyzer; the compiled one is held to the rounded output by every other
    test here, and rounds the same floats with the same code.)
    """
    source = _source_module()
    monkeypatch.setattr(reference_module, "round", lambda x, ndigits=None: x, raising=False)
    monkeypatch.setattr(source, "round_half_even", lambda x, scale, ndigits: x)
    monkeypatch.setattr(source, "round_proportion", lambda x: x)
    texts = [t for t in CORPUS if len(t) < 5000][::2]
    mismatches = _mismatches(source.SentimentAnalyzer(text_cache_size=0, native=False), texts)
    assert mismatches == []
    # Guard against the patch silently not applying: unrounded output has more than 4 decimals.
    assert any(
        len(repr(v)) > 8
        for v in source.SentimentAnalyzer(text_cache_size=0, native=False).polarity_scores("good but bad!").values()
    )


def test_identical_with_a_tiny_token_cache(expected: dict[str, dict[str, float]]) -> None:
    """Memo evictions (cleared mid-text) must not change any result (the Python engine's memo)."""
    texts = CORPUS[:1500]
    tiny = SentimentAnalyzer(text_cache_size=0, token_cache_size=3, native=False)
    assert _mismatches(tiny, texts, expected) == []


_POOL_TOKENS = st.sampled_from(
    LEXICON[::5] + BOOSTERS + list(NEGATE) + IDIOMS + RULE_WORDS + POSITIVE + NEGATIVE + EMOTICONS[::2]
)
_CASED = st.tuples(_POOL_TOKENS, st.sampled_from(["lower", "upper", "title"])).map(
    lambda pair: pair[0].upper() if pair[1] == "upper" else pair[0].title() if pair[1] == "title" else pair[0]
)
_PUNCT = st.text(alphabet="!?.,;:'\"()-#@*", min_size=1, max_size=6)
_EMOJI = st.sampled_from(EMOJI_KEYS)
_UNICODE = st.text(min_size=1, max_size=8)
_TOKEN = st.one_of(
    _CASED, _CASED, _CASED, _PUNCT, _EMOJI, _UNICODE, st.builds(lambda a, b: a + b, _CASED, _PUNCT)
)
_TEXT = st.lists(st.tuples(_TOKEN, st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda pairs: "".join(token + sep for token, sep in pairs)
)

_SETTINGS = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@_SETTINGS
@given(text=_TEXT)
def test_identical_on_generated_texts(text: str) -> None:
    assert SentimentAnalyzer.polarity_scores(_SHARED, text) == _reference_scores(text)


@_SETTINGS
@given(text=st.text(max_size=200))
def test_identical_on_arbitrary_unicode(text: str) -> None:
    assert SentimentAnalyzer.polarity_scores(_SHARED, text) == _reference_scores(text)


_SHARED = SentimentAnalyzer(text_cache_size=64)
