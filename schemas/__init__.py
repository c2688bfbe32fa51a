"""Pydantic models shared by every stage: mentions, alerts, volume points, dead letters, envelopes."""

from schemas.alert import Alert, AuthorReach, VolumePoint
from schemas.deadletter import DeadLetter
from schemas.envelope import Rejected, decode_mentions, encode_batch, encode_parts, format_validation_error
from schemas.mention import (
    SCHEMA_VERSION,
    Author,
    Engagement,
    EnrichedMention,
    LanguageGuess,
    Priority,
    ProcessingTimes,
    RawMention,
    Sentiment,
    TopicMatch,
    mention_key,
)

__all__ = [
    "SCHEMA_VERSION", "Alert", "Author", "AuthorReach", "DeadLetter", "Engagement", "EnrichedMention",
    "LanguageGuess", "Priority", "ProcessingTimes", "RawMention", "Rejected", "Sentiment", "TopicMatch",
    "VolumePoint", "decode_mentions", "encode_batch", "encode_parts", "format_validation_error", "mention_key",
]
