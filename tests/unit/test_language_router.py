"""Per-language sentiment routing: covered languages are scored, others are unscored (None)."""

import pytest

from enrich.multilingual import SentimentRouter, label_for


class _Fixed:
    name = "fixed"

    def __init__(self, compound: float) -> None:
        self.compound = compound
        self.seen: list[str] = []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.seen.append(text)
        return {"neg": 0.1, "neu": 0.5, "pos": 0.4, "compound": self.compound}


@pytest.fixture(scope="module")
def router() -> SentimentRouter:
    return SentimentRouter()


def test_default_routes_english_and_korean(router: SentimentRouter) -> None:
    assert router.languages == {"en", "ko"}
    en = router.score("I absolutely love this phone", "en")
    ko = router.score("이 폰 정말 좋아요", "ko")
    assert en is not None and en.analyzer == "vader" and en.label == "positive"
    assert ko is not None and ko.analyzer == "ko-lexicon" and ko.label == "positive"


@pytest.mark.parametrize("lang", ["fr", "de", "ja", "und", "zh"])
def test_uncovered_language_is_unscored_not_neutral(router: SentimentRouter, lang: str) -> None:
    assert router.score("Le service client est nul", lang) is None
    assert not router.covers(lang)


def test_english_analyzer_matches_reference_vader(router: SentimentRouter) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "The app is not bad at all, but support was TERRIBLE!!"
    ref = SentimentIntensityAnalyzer().polarity_scores(text)
    got = router.score(text, "en")
    assert got is not None
    assert got.compound == pytest.approx(ref["compound"], abs=1e-4)


@pytest.mark.parametrize("text", ["The app is not bad at all, but support was TERRIBLE!!", "", "meh", "Love it :)",
                                  "kind of ok I guess", "배송이 너무 늦어요 but GREAT 😍"])
def test_tuple_fast_path_equals_polarity_scores(text: str) -> None:
    from enrich.sentiment import SentimentAnalyzer

    plain = SentimentAnalyzer()
    ref = plain.polarity_scores(text)
    assert plain.scores(text) == (ref["neg"], ref["neu"], ref["pos"], ref["compound"])
    got = SentimentRouter({"en": plain}).score(text, "EN")
    assert got is not None
    assert (got.neg, got.neu, got.pos, got.compound) == (ref["neg"], ref["neu"], ref["pos"], ref["compound"])
    assert all(type(v) is float for v in (got.neg, got.neu, got.pos, got.compound))


def test_pluggable_analyzers_and_names() -> None:
    fixed = _Fixed(-0.3)
    router = SentimentRouter({"FR": fixed})
    result = router.score("nul", "fr")
    assert result is not None
    assert (result.analyzer, result.label, result.compound) == ("fixed", "negative", -0.3)
    assert fixed.seen == ["nul"]
    assert router.score("terrible", "en") is None


def test_analyzer_without_polarity_scores_is_rejected() -> None:
    with pytest.raises(TypeError):
        SentimentRouter({"en": object()})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("compound", "label"),
    [(0.05, "positive"), (0.0499, "neutral"), (0.0, "neutral"), (-0.0499, "neutral"), (-0.05, "negative")],
)
def test_label_thresholds(compound: float, label: str) -> None:
    assert label_for(compound) == label
