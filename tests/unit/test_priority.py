"""Priority P1-P4: default table, recorded factors and configuration."""

import pytest
from pydantic import ValidationError

from enrich.priority import Prioritizer, PriorityConfig
from schemas.mention import Engagement, Sentiment

NEG = Sentiment(compound=-0.4, pos=0.0, neu=0.6, neg=0.4, label="negative")
VERY_NEG = Sentiment(compound=-0.8, pos=0.0, neu=0.2, neg=0.8, label="negative")
POS = Sentiment(compound=0.7, pos=0.6, neu=0.4, neg=0.0, label="positive")
NONE = Engagement()


@pytest.fixture(scope="module")
def p() -> Prioritizer:
    return Prioritizer(PriorityConfig())


@pytest.mark.parametrize(
    ("intents", "sentiment", "followers", "engagement", "level"),
    [
        (["crisis", "crisis:outage"], None, None, NONE, "P2"),  # crisis alone: at least P2
        (["crisis", "crisis:safety"], VERY_NEG, 10, NONE, "P2"),
        (["crisis", "crisis:outage"], NEG, 10_000, NONE, "P1"),  # negative crisis with reach
        (["crisis"], None, None, Engagement(reposts=200), "P1"),  # crisis going viral
        (["complaint"], NEG, 150_000, NONE, "P1"),  # complaint from a big account
        (["complaint"], NEG, 20_000, NONE, "P2"),
        (["complaint"], VERY_NEG, 50, NONE, "P3"),  # angry nobody
        (["purchase_intent"], None, 100, NONE, "P3"),  # sales lead
        (["purchase_intent"], POS, 200_000, NONE, "P2"),
        (["question"], None, None, NONE, "P3"),
        (["praise"], POS, 2_000_000, NONE, "P2"),  # influencer praise worth amplifying
        (["praise"], POS, 300, NONE, "P4"),
        ([], NEG, None, NONE, "P4"),
        ([], NEG, 500_000, NONE, "P2"),
        ([], None, None, NONE, "P4"),
    ],
)
def test_default_table(
    p: Prioritizer,
    intents: list[str],
    sentiment: Sentiment | None,
    followers: int | None,
    engagement: Engagement,
    level: str,
) -> None:
    assert p.decide(intents, sentiment, followers, engagement).level == level


def test_factors_explain_the_level(p: Prioritizer) -> None:
    result = p.decide(["crisis", "crisis:outage", "complaint"], VERY_NEG, 120_000, Engagement(likes=60))
    assert result.level == "P1"
    assert result.factors == [
        "intent:crisis",
        "followers>=100000",
        "sentiment:negative",  # ties keep the order intent, sentiment, followers, engagement
        "engagement>=50",
        "sentiment<=-0.6",
    ]


def test_only_the_strongest_intent_counts(p: Prioritizer) -> None:
    # question + feature_request + purchase_intent must not add up to a crisis-level score.
    result = p.decide(["question", "feature_request", "purchase_intent"], None, None, NONE)
    assert result.factors == ["intent:purchase_intent"]
    assert result.level == "P3"


def test_engagement_is_weighted(p: Prioritizer) -> None:
    likes = p.decide([], None, None, Engagement(likes=40))
    reposts = p.decide([], None, None, Engagement(reposts=40))
    views = p.decide([], None, None, Engagement(views=1_000_000))
    assert likes.factors == [] and reposts.factors == ["engagement>=50"] and views.factors == []


def test_unscored_sentiment_adds_nothing(p: Prioritizer) -> None:
    assert p.decide(["complaint"], None, None, NONE).factors == ["intent:complaint"]


def test_floor_is_recorded_when_it_decides() -> None:
    cfg = PriorityConfig(intent_points={"crisis": 0})
    result = Prioritizer(cfg).decide(["crisis"], None, None, NONE)
    assert result.level == "P2"
    assert result.factors == ["floor:crisis->P2"]


def test_configurable_thresholds_and_tiers() -> None:
    cfg = PriorityConfig(
        intent_points={"question": 50},
        level_thresholds={"P1": 50, "P2": 30, "P3": 10},
        follower_tiers=[(10, 1), (1_000_000, 99)],
    )
    assert cfg.follower_tiers[0] == (1_000_000, 99)  # sorted, highest first
    p = Prioritizer(cfg)
    assert p.decide(["question"], None, None, NONE).level == "P1"
    assert p.decide([], None, 2_000_000, NONE).factors == ["followers>=1000000"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"level_thresholds": {"P1": 10, "P2": 40, "P3": 15}},
        {"level_thresholds": {"P1": 60, "P2": 40}},
        {"intent_points": {"crisis": -5}},
        {"engagement_weights": {"shares": 2}},
        {"follower_tiers": [(-1, 5)]},
        {"unknown": 1},
    ],
)
def test_invalid_config_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PriorityConfig(**kwargs)  # type: ignore[arg-type]
