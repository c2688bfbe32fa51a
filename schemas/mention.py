"""Mention models: what ingest publishes (RawMention) and what enrichment adds (EnrichedMention)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1
"""Version of the mention schema. Bumped on incompatible changes; readers accept <= their own version."""

MAX_TEXT_CHARS = 100_000
"""Longest text accepted. Longer posts are rejected (dead-lettered), never silently cut."""

SentimentLabel = Literal["positive", "neutral", "negative"]
PriorityLevel = Literal["P1", "P2", "P3", "P4"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Author(_Model):
    """Who posted the mention. Every field is optional: sources differ in what they expose."""

    id: str | None = Field(default=None, max_length=512)
    handle: str | None = Field(default=None, max_length=512)
    name: str | None = Field(default=None, max_length=1024)
    followers: int | None = Field(default=None, ge=0)
    verified: bool | None = None


class Engagement(_Model):
    """Engagement counters at ingest time. The first stored version of a mention is kept: a re-ingest
    with newer counters is skipped as a duplicate (so replays never double-count)."""

    likes: int = Field(default=0, ge=0)
    replies: int = Field(default=0, ge=0)
    reposts: int = Field(default=0, ge=0)
    quotes: int = Field(default=0, ge=0)
    views: int = Field(default=0, ge=0)

    @property
    def total(self) -> int:
        """Interactions (views excluded)."""
        return self.likes + self.replies + self.reposts + self.quotes


_AUTHOR_FLAT = {
    "author_id": "id",
    "author_handle": "handle",
    "author_name": "name",
    "author_followers": "followers",
    "author_verified": "verified",
}
_ENGAGEMENT_FLAT = {"likes", "replies", "reposts", "quotes", "views"}


MAX_EXTRAS_DEPTH = 32
"""Deepest nesting of lists/objects accepted in ``extras`` (serialisers give up past a few hundred)."""


def _check_json_safe(value: Any, name: str) -> None:
    """Reject what validates but cannot be serialised: lone surrogates (JSON ``"\\ud800"``), deep nesting."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(f"{name} contains text that is not valid Unicode (a lone surrogate)") from None
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_EXTRAS_DEPTH:
                raise ValueError(f"{name} is nested more than {MAX_EXTRAS_DEPTH} levels deep")
            if isinstance(item, dict):
                stack.extend((k, depth + 1) for k in item)
                stack.extend((x, depth + 1) for x in item.values())
            else:
                stack.extend((x, depth + 1) for x in item)


def mention_key(platform: str, source_id: str) -> str:
    """Stable key of a mention: the same post always gets the same key (and so the same partition)."""
    return hashlib.blake2b(f"{platform}\x1f{source_id}".encode(), digest_size=16).hexdigest()


class RawMention(_Model):
    """A normalised post from any source, as published to ``mentions.raw``.

    Flat inputs (``author_handle``, ``likes``...) as written by CSV files and outside producers are
    folded into the nested ``author`` / ``engagement`` objects.
    """

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    platform: str = Field(min_length=1, max_length=64)
    source_id: str = Field(min_length=1, max_length=512)
    url: str | None = Field(default=None, max_length=4096)
    author: Author = Field(default_factory=Author)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    lang: str | None = Field(default=None, max_length=16, description="Language if the source knows it")
    country: str | None = Field(default=None, max_length=64)
    created_at: AwareDatetime
    engagement: Engagement = Field(default_factory=Engagement)
    reply_to_id: str | None = Field(default=None, max_length=512)
    quote_of_id: str | None = Field(default=None, max_length=512)
    repost_of_id: str | None = Field(default=None, max_length=512)
    source_tags: list[str] = Field(default_factory=list, max_length=256)
    extras: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _fold_flat_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if not any(k in data for k in _AUTHOR_FLAT) and not any(k in data for k in _ENGAGEMENT_FLAT):
            return data
        data = dict(data)
        author = dict(data.get("author") or {})
        for flat, nested in _AUTHOR_FLAT.items():
            if flat in data:
                value = data.pop(flat)
                if value not in (None, ""):
                    author[nested] = value
        engagement = dict(data.get("engagement") or {})
        for name in _ENGAGEMENT_FLAT:
            if name in data:
                value = data.pop(name)
                if value not in (None, ""):
                    engagement[name] = value
        data["author"] = author
        data["engagement"] = engagement
        return data

    @field_validator("platform")
    @classmethod
    def _platform_lower(cls, v: str) -> str:
        v = v.strip().lower()
        if not v:
            raise ValueError("platform must not be blank")
        return v

    @field_validator("source_id")
    @classmethod
    def _source_id_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("source_id must not be blank")
        return v

    @field_validator("created_at")
    @classmethod
    def _to_utc(cls, v: datetime) -> datetime:
        try:
            v = v.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59-23:59 is past datetime.max once in UTC
            raise ValueError("created_at must be between the years 2000 and 2200") from None
        if not (2000 <= v.year <= 2200):
            raise ValueError("created_at must be between the years 2000 and 2200")
        return v

    @field_validator("source_tags")
    @classmethod
    def _tags_encodable(cls, v: list[str]) -> list[str]:
        for tag in v:
            if not tag.isascii():
                _check_json_safe(tag, "source_tags")
        return v

    @field_validator("extras")
    @classmethod
    def _extras_json_safe(cls, v: dict[str, Any]) -> dict[str, Any]:
        if v:
            _check_json_safe(v, "extras")
        return v

    @property
    def key(self) -> str:
        """Stable mention key (see :func:`mention_key`)."""
        return mention_key(self.platform, self.source_id)


class TopicMatch(_Model):
    """One watch topic a mention matched, with the reason: matched terms and their character spans."""

    topic_id: str
    group: str = "brand"
    terms: list[str] = Field(default_factory=list)
    spans: list[tuple[int, int]] = Field(default_factory=list)


class Sentiment(_Model):
    """VADER-style scores. ``analyzer`` names the per-language analyzer that produced them."""

    compound: float
    pos: float
    neu: float
    neg: float
    label: SentimentLabel
    analyzer: str = "vader"


class LanguageGuess(_Model):
    lang: str = "und"
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    method: str = "none"


class Priority(_Model):
    level: PriorityLevel = "P4"
    factors: list[str] = Field(default_factory=list)


class ProcessingTimes(_Model):
    """When the mention passed each stage (UTC), and how long enrichment took."""

    ingested_at: AwareDatetime | None = None
    enriched_at: AwareDatetime | None = None
    enrich_us: int = 0


class EnrichedMention(RawMention):
    """A RawMention plus everything ``enrich/`` found out, as published to ``mentions.enriched``."""

    mention_key: str = Field(min_length=1, max_length=64)
    topics: list[TopicMatch] = Field(default_factory=list)
    sentiment: Sentiment | None = Field(default=None, description="None when the language is not covered")
    language: LanguageGuess = Field(default_factory=LanguageGuess)
    intents: list[str] = Field(default_factory=list)
    priority: Priority = Field(default_factory=Priority)
    times: ProcessingTimes = Field(default_factory=ProcessingTimes)
