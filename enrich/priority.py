"""Triage priority P1-P4 from intents, sentiment, author reach and engagement.

Points are added per factor and the total is mapped to a level; every factor that added points
is recorded on the mention so a person can see *why* a post is P1. The defaults (table in
docs/enrichment.md) say: a crisis report is at least P2, and P1 once it is negative and has some
reach; a negative complaint from a 100k account is P1; an ordinary question is P3; chatter is P4.
"""

from __future__ import annotations

from enrich._trusted import trusted
from enrich.priority_config import PriorityConfig
from schemas.mention import Engagement, Priority, PriorityLevel, Sentiment

__all__ = ["PriorityConfig", "Prioritizer"]

_LEVELS: tuple[PriorityLevel, ...] = ("P1", "P2", "P3", "P4")
_RANK: dict[str, int] = {level: i for i, level in enumerate(_LEVELS)}


class Prioritizer:
    """Decides a mention's :class:`~schemas.mention.Priority` and records the deciding factors."""

    def __init__(self, config: PriorityConfig | None = None) -> None:
        self.config = config or PriorityConfig()
        cfg = self.config
        self._thresholds: list[tuple[PriorityLevel, int]] = [
            (level, cfg.level_thresholds[level]) for level in _LEVELS[:3]
        ]
        self._weights = [(name, w) for name, w in cfg.engagement_weights.items() if w]
        # Every (points, factor) pair is made once: decide() runs for every post. Intents worth
        # no points never count, so they are left out.
        self._intents: dict[str, tuple[int, str]] = {
            tag: (points, f"intent:{tag}") for tag, points in cfg.intent_points.items() if points > 0
        }
        self._floors: dict[str, tuple[PriorityLevel, int, str]] = {
            tag: (floor, _RANK[floor], f"floor:{tag}->{floor}") for tag, floor in cfg.intent_floor.items()
        }
        self._followers = [(t, (p, f"followers>={t}")) for t, p in cfg.follower_tiers]
        self._engagement = [(t, (p, f"engagement>={t}")) for t, p in cfg.engagement_tiers]
        self._negative = (cfg.negative_points, "sentiment:negative")
        self._strong = (cfg.strong_negative_points, f"sentiment<={cfg.strong_negative:g}")
        self._strong_negative = cfg.strong_negative

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
            best = self._best_intent(intents)
            if best is not None:
                scored.append(best)
        if sentiment is not None and sentiment.label == "negative":
            if self._negative[0]:
                scored.append(self._negative)
            if self._strong[0] and sentiment.compound <= self._strong_negative:
                scored.append(self._strong)
        if followers:
            tier = _tier(self._followers, followers)
            if tier is not None:
                scored.append(tier)
        interactions = self._interactions(engagement)
        if interactions:
            tier = _tier(self._engagement, interactions)
            if tier is not None:
                scored.append(tier)

        level = self._level(scored)
        if len(scored) > 1:
            scored.sort(key=_by_points)  # stable: ties keep intent, sentiment, followers, engagement
        factors = [name for _, name in scored]
        if intents and self._floors:
            level = self._apply_floors(intents, level, factors)
        return trusted(Priority, {"level": level, "factors": factors})

    def _best_intent(self, intents: list[str]) -> tuple[int, str] | None:
        """The (points, factor) of the highest-scoring intent; the first one wins a tie."""
        best: tuple[int, str] | None = None
        table = self._intents
        for tag in intents:
            found = table.get(tag)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return best

    def _interactions(self, engagement: Engagement) -> int:
        # The counters straight from the instance dict: attribute reads on a pydantic model go through
        # its __getattr__ hook (~3x a dict read). The weights' names are validated Engagement fields.
        counters = engagement.__dict__
        total = 0
        for name, weight in self._weights:
            count: int = counters[name]  # typed: compiled, the arithmetic below is on native ints
            total += count * weight
        return total

    def _level(self, scored: list[tuple[int, str]]) -> PriorityLevel:
        total = 0
        for points, _ in scored:
            total += points
        for level, minimum in self._thresholds:
            if total >= minimum:
                return level
        return "P4"

    def _apply_floors(self, intents: list[str], level: PriorityLevel, factors: list[str]) -> PriorityLevel:
        """Raise ``level`` to the floor of any intent that has one, noting each raise in ``factors``."""
        for tag in intents:
            floor = self._floors.get(tag)
            if floor is not None and floor[1] < _RANK[level]:
                level = floor[0]
                factors.append(floor[2])
        return level


def _tier(tiers: list[tuple[int, tuple[int, str]]], value: int) -> tuple[int, str] | None:
    """The (points, factor) of the highest tier ``value`` reaches, None below them all or at 0 points."""
    for threshold, scored in tiers:
        if value >= threshold:
            return scored if scored[0] else None
    return None


def _by_points(scored: tuple[int, str]) -> int:
    return -scored[0]
