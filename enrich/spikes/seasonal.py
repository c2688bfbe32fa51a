"""Hour-of-day and day-of-week volume factors, learned online.

Each factor is a ratio of decayed sums, ``sum(count) / sum(baseline)`` over the points that fell in
its slot. Ratios of sums (rather than averages of per-point ratios) stay stable at 0-5 mentions a
minute. Evidence is counted in **visits** of the slot (an hour of data for an hour factor, a day
for a weekday factor), not in mentions: mentions arrive in news-driven clumps, so "Mondays are
busier" becomes certain with the number of Mondays seen, whatever the volume. The model is a normal
prior on each factor (mean 1, sd ``hour_sd`` = 50% for hours, ``week_sd`` = 30% for weekdays) and
each visit as a measurement with sd ``visit_sd`` = 15% (day-to-day repeatability); the posterior
mean is the ratio shrunk towards 1 by ``(visit_sd / prior_sd)**2`` visits, so a surge in the first
minutes of an unseen slot cannot be mistaken for its profile.

The posterior variance of the hour factor is added to the detector's predictive variance: large
while an hour has never been seen (the first day: sd 50%), ~14% after one day, ~6% after a week.
Weekday factors get no such term: the level (3-hour memory) re-centres within hours of a new
weekday, so their error is short-lived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
HOURS = 24
DAYS = 7
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def _ratio(obs: float, base: float, prior: float) -> float:
    den = base + prior
    return (obs + prior) / den if den > 0.0 else 1.0


@dataclass
class SeasonalProfile:
    """Multiplicative daily (hourly) and weekly (per weekday) volume profile, linearly interpolated."""

    day_memory_days: float = 7.0
    week_memory_weeks: float = 4.0
    hour_sd: float = 0.5
    week_sd: float = 0.3
    visit_sd: float = 0.15
    utc_offset_s: float = 0.0
    hour_obs: list[float] = field(default_factory=lambda: [0.0] * HOURS)
    hour_base: list[float] = field(default_factory=lambda: [0.0] * HOURS)
    hour_prior: list[float] = field(default_factory=lambda: [0.0] * HOURS)
    day_obs: list[float] = field(default_factory=lambda: [0.0] * DAYS)
    day_base: list[float] = field(default_factory=lambda: [0.0] * DAYS)
    day_prior: list[float] = field(default_factory=lambda: [0.0] * DAYS)

    def __post_init__(self) -> None:
        # Cached normalised factors: read on every point, changed in only three slots per point.
        self._hour_f = [self._hour_factor(h) for h in range(HOURS)]
        self._day_f = [self._day_factor(d) for d in range(DAYS)]
        self._hour_norm = HOURS / sum(self._hour_f)
        self._day_norm = DAYS / sum(self._day_f)

    def _hour_slots(self, ts: float) -> tuple[int, int, float]:
        # Factors sit at slot centres (hh:30); a point between two centres blends both, so the
        # expected volume has no step at each full hour.
        x = ((ts + self.utc_offset_s) % DAY_S) / 3600.0 - 0.5
        lo = int(x // 1.0)
        frac = x - lo
        return lo % HOURS, (lo + 1) % HOURS, frac

    def _day_slots(self, ts: float) -> tuple[int, int, float]:
        # Weekday factors sit at noon and are blended in between: audiences span time zones, so
        # weekday effects change gradually, not in a step at (UTC) midnight.
        x = (ts + self.utc_offset_s) / DAY_S - 0.5
        lo = int(x // 1.0)
        frac = x - lo
        return (lo + _EPOCH_WEEKDAY) % DAYS, (lo + 1 + _EPOCH_WEEKDAY) % DAYS, frac

    def _hour_factor(self, slot: int) -> float:
        weight = (self.visit_sd / self.hour_sd) ** 2
        return _ratio(self.hour_obs[slot], self.hour_base[slot], weight * self.hour_prior[slot])

    def _day_factor(self, slot: int) -> float:
        weight = (self.visit_sd / self.week_sd) ** 2
        return _ratio(self.day_obs[slot], self.day_base[slot], weight * self.day_prior[slot])

    def factors(self, ts: float) -> tuple[float, float]:
        """(daily factor, weekly factor) at ``ts``, each normalised to average 1 over its cycle."""
        lo, hi, frac = self._hour_slots(ts)
        hours = self._hour_f
        daily = ((1.0 - frac) * hours[lo] + frac * hours[hi]) * self._hour_norm
        dlo, dhi, dfrac = self._day_slots(ts)
        weekly = ((1.0 - dfrac) * self._day_f[dlo] + dfrac * self._day_f[dhi]) * self._day_norm
        return daily, weekly

    def variance(self, ts: float) -> float:
        """Relative variance of the daily factor at ``ts``."""
        lo, hi, frac = self._hour_slots(ts)
        visits = 0.0
        for slot, w in ((lo, 1.0 - frac), (hi, frac)):
            if self.hour_prior[slot] > 0.0:
                visits += w * self.hour_base[slot] / self.hour_prior[slot]
        # Normal posterior: prior variance hour_sd^2, each visit adds a measurement with variance visit_sd^2.
        return 1.0 / (self.hour_sd**-2 + visits * self.visit_sd**-2)

    def learn(
        self,
        ts: float,
        count: float,
        daily_ref: float,
        weekly_ref: float,
        daily: float,
        weekly: float,
        interval_s: float,
    ) -> None:
        """Add one point.

        ``daily_ref`` / ``weekly_ref`` are deseasonalised baselines with memories of about a day and a
        week: long enough not to follow the cycle they are the reference for (a fast baseline would
        absorb the daily swing and leave nothing for the hour factors to learn). Each factor is
        learned against its baseline times the *other* factor, which keeps the two separable.
        """
        lo, hi, frac = self._hour_slots(ts)
        # One slot is visited (3600 / interval_s) times a day; forget over `day_memory_days` visits.
        hour_keep = 1.0 - interval_s / (3600.0 * self.day_memory_days)
        hour_ref = daily_ref * weekly
        hour_visit = hour_ref * 3600.0 / interval_s
        for slot, w in ((lo, 1.0 - frac), (hi, frac)):
            keep = 1.0 - (1.0 - hour_keep) * w
            self.hour_obs[slot] = self.hour_obs[slot] * keep + w * count
            self.hour_base[slot] = self.hour_base[slot] * keep + w * hour_ref
            self.hour_prior[slot] = hour_visit
        dlo, dhi, dfrac = self._day_slots(ts)
        day_keep = 1.0 - interval_s / (DAY_S * self.week_memory_weeks)
        day_ref = weekly_ref * daily
        for slot, w in ((dlo, 1.0 - dfrac), (dhi, dfrac)):
            keep = 1.0 - (1.0 - day_keep) * w
            self.day_obs[slot] = self.day_obs[slot] * keep + w * count
            self.day_base[slot] = self.day_base[slot] * keep + w * day_ref
            self.day_prior[slot] = weekly_ref * DAY_S / interval_s
        self._hour_f[lo] = self._hour_factor(lo)
        self._hour_f[hi] = self._hour_factor(hi)
        self._day_f[dlo] = self._day_factor(dlo)
        self._day_f[dhi] = self._day_factor(dhi)
        self._hour_norm = HOURS / sum(self._hour_f)
        self._day_norm = DAYS / sum(self._day_f)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible state."""
        return {
            "day_memory_days": self.day_memory_days,
            "week_memory_weeks": self.week_memory_weeks,
            "hour_sd": self.hour_sd,
            "week_sd": self.week_sd,
            "visit_sd": self.visit_sd,
            "utc_offset_s": self.utc_offset_s,
            "hour_obs": list(self.hour_obs),
            "hour_base": list(self.hour_base),
            "hour_prior": list(self.hour_prior),
            "day_obs": list(self.day_obs),
            "day_base": list(self.day_base),
            "day_prior": list(self.day_prior),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeasonalProfile:
        """Inverse of :meth:`to_dict`."""
        return cls(
            day_memory_days=float(data["day_memory_days"]),
            week_memory_weeks=float(data["week_memory_weeks"]),
            hour_sd=float(data["hour_sd"]),
            week_sd=float(data["week_sd"]),
            visit_sd=float(data["visit_sd"]),
            utc_offset_s=float(data["utc_offset_s"]),
            hour_obs=[float(v) for v in data["hour_obs"]],
            hour_base=[float(v) for v in data["hour_base"]],
            hour_prior=[float(v) for v in data["hour_prior"]],
            day_obs=[float(v) for v in data["day_obs"]],
            day_base=[float(v) for v in data["day_base"]],
            day_prior=[float(v) for v in data["day_prior"]],
        )
