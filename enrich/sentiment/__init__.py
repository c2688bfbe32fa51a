"""VADER sentiment, identical to vaderSentiment 3.3.2 and several times faster.

``SentimentAnalyzer().polarity_scores(text)`` returns the reference's dict; ``label_for`` and
``to_sentiment`` turn scores into the shared ``schemas.Sentiment`` model.
"""

from enrich.sentiment.analyzer import SentimentAnalyzer, sentiment_backend
from enrich.sentiment.labels import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, label_for, to_sentiment

__all__ = ["NEGATIVE_THRESHOLD", "POSITIVE_THRESHOLD", "SentimentAnalyzer", "label_for", "sentiment_backend",
           "to_sentiment"]
