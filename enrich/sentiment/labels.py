"""Turn VADER scores into a label and the shared ``schemas.Sentiment`` model."""

from __future__ import annotations

from collections.abc import Mapping

from schemas.mention import Sentiment, SentimentLabel

POSITIVE_THRESHOLD = 0.05
"""Standard VADER threshold: compound >= this is positive."""
NEGATIVE_THRESHOLD = -0.05
"""Standard VADER threshold: compound <= this is negative."""


def label_for(compound: float) -> SentimentLabel:
    """Label of a compound score with the standard VADER thresholds (+-0.05, inclusive)."""
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def to_sentiment(scores: Mapping[str, float], analyzer: str = "vader") -> Sentiment:
    """Build a ``Sentiment`` from a ``polarity_scores`` dict, labelling it from ``compound``."""
    compound = scores["compound"]
    return Sentiment(
        compound=compound,
        pos=scores["pos"],
        neu=scores["neu"],
        neg=scores["neg"],
        label=label_for(compound),
        analyzer=analyzer,
    )
