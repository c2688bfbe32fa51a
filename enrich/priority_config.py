"""Configuration of :class:`enrich.priority.Prioritizer` (a pydantic model, kept out of the compiled module).

``enrich.priority`` is compiled with mypyc, which cannot compile pydantic models; it re-exports
:class:`PriorityConfig`, so ``from enrich.priority import PriorityConfig`` keeps working.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.mention import Engagement, PriorityLevel

__all__ = ["PriorityConfig"]


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
