"""Public API of enrich.sentiment: labels, schema conversion, caching and input handling."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from vaderSentiment import vaderSentiment as reference_module
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from enrich.sentiment import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    SentimentAnalyzer,
    label_for,
    to_sentiment,
)
from enrich.sentiment.lexicons import load_emoji_descriptions, load_lexicon
from enrich.sentiment.rules import BOOSTER_DICT, NEGATE_WORDS, SPECIAL_CASES
from schemas.mention import Sentiment

REFERENCE = SentimentIntensityAnalyzer()


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer()


def test_lexicons_are_the_reference_ones() -> None:
    assert load_lexicon() == REFERENCE.lexicon
    assert load_emoji_descriptions() == REFERENCE.emojis


def test_rule_tables_are_the_reference_ones() -> None:
    assert BOOSTER_DICT == reference_module.BOOSTER_DICT
    assert SPECIAL_CASES == reference_module.SPECIAL_CASES
    assert set(reference_module.NEGATE) == NEGATE_WORDS


def test_scores_have_reference_keys_in_reference_order(analyzer: SentimentAnalyzer) -> None:
    scores = analyzer.polarity_scores("VADER is smart, handsome, and funny.")
    assert list(scores) == ["neg", "neu", "pos", "compound"]
    assert all(type(v) is float for v in scores.values())
    assert scores["compound"] > 0.5 and scores["pos"] > scores["neg"]


def test_empty_and_blank_texts_score_all_zero(analyzer: SentimentAnalyzer) -> None:
    for text in ("", "   ", "\n\t"):
        assert analyzer.polarity_scores(text) == {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}


def test_text_without_sentiment_words_is_fully_neutral(analyzer: SentimentAnalyzer) -> None:
    assert analyzer.polarity_scores("the cat sat on the mat!!!") == REFERENCE.polarity_scores(
        "the cat sat on the mat!!!"
    )
    assert analyzer.polarity_scores("the cat sat on the mat")["neu"] == 1.0


@pytest.mark.parametrize("bad", [b"good", 3, None, ["good"]])
def test_non_str_input_is_rejected(analyzer: SentimentAnalyzer, bad: object) -> None:
    with pytest.raises(TypeError):
        analyzer.polarity_scores(bad)  # type: ignore[arg-type]


def test_cached_results_are_fresh_dicts(analyzer: SentimentAnalyzer) -> None:
    first = analyzer.polarity_scores("what a great day")
    first["compound"] = 99.0
    second = analyzer.polarity_scores("what a great day")
    assert second == REFERENCE.polarity_scores("what a great day")
    assert second is not first


def test_cache_can_be_disabled_and_results_do_not_change() -> None:
    uncached = SentimentAnalyzer(text_cache_size=0)
    cached = SentimentAnalyzer(text_cache_size=2)
    texts = ["good", "bad", "good", "not good", "good", "bad but good", "bad"]
    assert [uncached.polarity_scores(t) for t in texts] == [cached.polarity_scores(t) for t in texts]


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (1.0, "positive"),
        (POSITIVE_THRESHOLD, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (NEGATIVE_THRESHOLD, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_for_uses_standard_inclusive_thresholds(compound: float, label: str) -> None:
    assert label_for(compound) == label


@settings(max_examples=200, deadline=None)
@given(compound=st.floats(min_value=-1.0, max_value=1.0))
def test_label_for_agrees_with_the_threshold_definition(compound: float) -> None:
    label = label_for(compound)
    assert (label == "positive") == (compound >= 0.05)
    assert (label == "negative") == (compound <= -0.05)


def test_to_sentiment_builds_the_shared_schema(analyzer: SentimentAnalyzer) -> None:
    scores = analyzer.polarity_scores("I hate this, it is awful")
    sentiment = to_sentiment(scores)
    assert isinstance(sentiment, Sentiment)
    assert (sentiment.compound, sentiment.pos, sentiment.neu, sentiment.neg) == (
        scores["compound"],
        scores["pos"],
        scores["neu"],
        scores["neg"],
    )
    assert sentiment.label == "negative"
    assert sentiment.analyzer == "vader"
    assert to_sentiment(scores, analyzer="vader-es").analyzer == "vader-es"


def test_to_sentiment_requires_all_scores() -> None:
    with pytest.raises(KeyError):
        to_sentiment({"compound": 0.5})


def test_to_sentiment_rejects_non_numbers() -> None:
    with pytest.raises(ValidationError):
        to_sentiment({"compound": 0.1, "pos": "lots", "neu": 0.5, "neg": 0.0})  # type: ignore[dict-item]
