"""One call that turns a RawMention into an EnrichedMention, composing the enrich/ components.

Pure: the components are passed in (the pipeline wires the concrete ones), the clock reading for
``enriched_at`` is passed in too. Text is redacted first, so every span, score and tag refers to
the text that is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from schemas import (
    Engagement,
    EnrichedMention,
    LanguageGuess,
    Priority,
    ProcessingTimes,
    RawMention,
    Sentiment,
    TopicMatch,
)


class TopicMatcher(Protocol):
    def match(self, text: str, fields: dict[str, Any] | None = None) -> list[TopicMatch]: ...


class SentimentScorer(Protocol):
    def score(self, text: str, lang: str) -> Sentiment | None: ...


class LanguageDetector(Protocol):
    def detect(self, text: str, hint: str | None = None) -> LanguageGuess: ...


class IntentTagger(Protocol):
    def tag(self, text: str, lang: str) -> list[str]: ...


class PriorityDecider(Protocol):
    def decide(self, intents: list[str], sentiment: Sentiment | None, followers: int | None,
               engagement: Engagement) -> Priority: ...


class TextRedactor(Protocol):
    def redact(self, text: str) -> str: ...

    def author_id(self, author_id: str | None) -> str | None: ...


class FieldsBuilder(Protocol):
    def __call__(self, mention: RawMention, lang: str | None = None) -> dict[str, Any]: ...


@dataclass
class Enricher:
    """Composes matching, language, sentiment, intent, priority and privacy for one mention."""

    matcher: TopicMatcher
    scorer: SentimentScorer
    detector: LanguageDetector
    tagger: IntentTagger
    prioritizer: PriorityDecider
    redactor: TextRedactor
    fields: FieldsBuilder

    def enrich(self, raw: RawMention, enriched_at: datetime, ingested_at: datetime | None = None) -> EnrichedMention:
        """Enrich one mention. ``ingested_at`` is when it entered Kafka (message timestamp)."""
        t0 = time.perf_counter_ns()
        text = self.redactor.redact(raw.text)
        language = self.detector.detect(text, raw.lang)
        lang = language.lang
        topics = self.matcher.match(text, self.fields(raw, lang))
        sentiment = self.scorer.score(text, lang)
        intents = self.tagger.tag(text, lang)
        priority = self.prioritizer.decide(intents, sentiment, raw.author.followers, raw.engagement)
        author = raw.author
        hashed = self.redactor.author_id(author.id)
        if hashed != author.id:
            author = author.model_copy(update={"id": hashed})
        enrich_us = (time.perf_counter_ns() - t0) // 1000
        data = dict(raw)
        data.update(text=text, author=author, lang=raw.lang or (lang if lang != "und" else None),
                    mention_key=raw.key, topics=topics, sentiment=sentiment, language=language,
                    intents=intents, priority=priority,
                    times=ProcessingTimes(ingested_at=ingested_at, enriched_at=enriched_at, enrich_us=enrich_us))
        # Inputs are already validated models: construct without validating again (hot path).
        return EnrichedMention.model_construct(**data)
