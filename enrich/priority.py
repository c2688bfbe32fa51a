"""Triage priority P1-P4 from intents, sentiment, author reach and engagement.

Points are added per factor and the total is mapped to a level; every factor that added points
is recorded on the mention so a person can see *why* a post is P1. The defaults (table in
docs/enrichment.md) say: a crisis report is at least P2, and P1 once it is negative and has some
reach; a negative complaint from a 100k account is P1; an ordinary question is P3; chatter is P4.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from enrich._trusted import trusted
from schemas.mention import Engagement, Priority, PriorityLevel, Sentiment

__all__ = ["PriorityConfig", "Prioritizer"]

_LEVELS: tuple[PriorityLevel, ...] = ("P1", "P2", "P3", "P4")


def _default_thresholds() -> dict[PriorityLevel, int]:
    return {"P1": 60, "P2": 40, "P3": 15}


def _default_floors() -> dict[str, PriorityLevel]:
    return {"crisis": "P2"}


def _descending(tiers: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted(tiers, key=lambda t: t[0], reverse=True)


class PriorityConfig(BaseModel):
    """Weights and thresholds of :class:`Prioritizer`. All points are non-negative integers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent_points: dict[str, int] = Field(
        default_factory=lambda: {
            "crisis": 40,
            "complaint": 20,
            "purchase_intent": 20,
            "question": 15,
            "feature_request": 5,
            "praise": 0,
        },
        description="Points per intent tag; only the highest-scoring intent counts (no double counting)",
    )
    negative_points: int = Field(default=10, ge=0, description="Sentiment label negative")
    strong_negative_points: int = Field(default=5, ge=0, description="Extra when compound <= strong_negative")
    strong_negative: float = Field(default=-0.6, ge=-1.0, le=0.0)
    follower_tiers: list[tuple[int, int]] = Field(
        default_factory=lambda: [(1_000_000, 40), (100_000, 30), (10_000, 15), (1_000, 5)],
        description="(min followers, points); the highest tier reached counts",
    )
    engagement_weights: dict[str, int] = Field(
        default_factory=lambda: {"likes": 1, "replies": 2, "reposts": 3, "quotes": 3, "views": 0},
        description="Weighted interactions: a repost carries the post further than a like",
    )
    engagement_tiers: list[tuple[int, int]] = Field(
        default_factory=lambda: [(5_000, 30), (500, 20), (50, 10)],
        description="(min weighted interactions, points); the highest tier reached counts",
    )
    level_thresholds: dict[PriorityLevel, int] = Field(
        default_factory=_default_thresholds,
        description="Minimum points for each level; below P3's -> P4",
    )
    intent_floor: dict[str, PriorityLevel] = Field(
        default_factory=_default_floors,
        description="An intent that makes a post at least this level whatever its points",
    )

    @field_validator("intent_points", "engagement_weights")
    @classmethod
    def _non_negative(cls, v: dict[str, int]) -> dict[str, int]:
        if any(points < 0 for points in v.values()):
            raise ValueError("points and weights must be >= 0")
        return v

    @field_validator("follower_tiers", "engagement_tiers")
    @classmethod
    def _tiers(cls, v: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if any(threshold < 0 or points < 0 for threshold, points in v):
            raise ValueError("tier thresholds and points must be >= 0")
        return _descending(v)

    @field_validator("engagement_weights")
    @classmethod
    def _known_counters(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = set(v) - set(Engagement.model_fields)
        if unknown:
            raise ValueError(f"unknown engagement counters: {sorted(unknown)}")
        return v

    @model_validator(mode="after")
    def _ordered_levels(self) -> PriorityConfig:
        t = self.level_thresholds
        if set(t) != {"P1", "P2", "P3"}:
            raise ValueError("level_thresholds needs exactly P1, P2 and P3")
        if not t["P1"] >= t["P2"] >= t["P3"] >= 0:
            raise ValueError("level_thresholds must satisfy P1 >= P2 >= P3 >= 0")
        return self


class Prioritizer:
    """Decides a mention's :class:`~schemas.mention.Priority` and records the deciding factors."""

    def __init__(self, config: PriorityConfig | None = None) -> None:
        self.config = config or PriorityConfig()
        cfg = self.config
        self._thresholds: list[tuple[PriorityLevel, int]] = [
            (level, cfg.level_thresholds[level]) for level in _LEVELS[:3]
        ]
        self._weights = [(name, w) for name, w in cfg.engagement_weights.items() if w]
        # Plain dicts/lists with the factor labels made once: decide() runs for every post.
        self._intent_points = dict(cfg.intent_points)
        self._floors = dict(cfg.intent_floor)
        self._followers = [(t, p, f"followers>={t}") for t, p in cfg.follower_tiers]
        self._engagement = [(t, p, f"engagement>={t}") for t, p in cfg.engagement_tiers]
        self._strong_label = f"sentiment<={cfg.strong_negative:g}"
        self._negative_points = cfg.negative_points
        self._strong_points = cfg.strong_negative_points
        self._strong_negative = cfg.strong_negative
        self._rank = {level: i for i, level in enumerate(_LEVELS)}

    def decide(
        self,
        intents: list[str],
        sentiment: Sentiment | None,
        followers: int | None,
        engagement: Engagement,
    ) -> Priority:
        """Score the mention; ``factors`` lists what added points, largest first."""
        scored: list[tuple[int, str]] = []

        if intents:
            best_intent, best_points = "", 0
            intent_points = self._intent_points
            for tag in intents:
                points = intent_points.get(tag, 0)
                if points > best_points:
                    best_intent, best_points = tag, points
            if best_points:
                scored.append((best_points, f"intent:{best_intent}"))

        if sentiment is not None and sentiment.label == "negative":
            if self._negative_points:
                scored.append((self._negative_points, "sentiment:negative"))
            if self._strong_points and sentiment.compound <= self._strong_negative:
                scored.append((self._strong_points, self._strong_label))

        if followers:
            for threshold, points, label in self._followers:
                if followers >= threshold:
                    if points:
                        scored.append((points, label))
                    break

        interactions = 0
        for name, weight in self._weights:
            interactions += getattr(engagement, name) * weight
        if interactions:
            for threshold, points, label in self._engagement:
                if interactions >= threshold:
                    if points:
                        scored.append((points, label))
                    break

        total = 0
        for points, _ in scored:
            total += points
        level: PriorityLevel = "P4"
        for candidate, minimum in self._thresholds:
            if total >= minimum:
                level = candidate
                break
        if len(scored) > 1:
            scored.sort(key=lambda s: -s[0])  # stable: ties keep intent, sentiment, followers, engagement
        factors = [name for _, name in scored]

        if intents and self._floors:
            rank = self._rank
            for tag in intents:
                floor = self._floors.get(tag)
                if floor is not None and rank[floor] < rank[level]:
                    level = floor
                    factors.append(f"floor:{tag}->{floor}")
        return trusted(Priority, {"level": level, "factors": factors})
