"""Streaming spike detector for one count series (mentions per window of one topic).

Model, per point ``t``::

    expected_t = level_t * daily(hour of day) * weekly(day of week)
    count_t    ~ NegativeBinomial(mean=expected_t, variance=expected_t + phi * expected_t**2)

The observed sums over a few trailing windows (the point itself, 5, 15 and 60 minutes) are compared
with their expected sums; the smallest upper-tail probability, Bonferroni-corrected for the number of
windows, is the evidence. Short windows catch sudden bursts quickly; long windows catch sustained
rises that are invisible point by point at 0-5 mentions a minute. A point is a spike when that
probability is below a threshold set by a false-alarm budget (default: one per series per week at
the series' own sampling rate) and the excess is at least ``min_excess`` mentions.

See docs/spikes.md for the reasoning behind each default.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from enrich.spikes.seasonal import WEEK_S, SeasonalProfile
from enrich.spikes.tails import lower_tail, upper_tail
from enrich.spikes.timestamps import Timestamp, to_epoch

STATE_VERSION = 1
_INTERVAL_SAMPLES = 8
"""Spacings whose median fixes the sampling interval when it is not given."""
_RESUM_EVERY = 4096
"""Window sums are recomputed from the buffer this often so float drift never accumulates."""
_MIN_SEASON = 1e-3
_DAY_REF_HALF_LIFE_S = 86_400.0
_WEEK_REF_HALF_LIFE_S = 7 * 86_400.0
"""Memories of the references the daily / weekly factors are learned against (see SeasonalProfile.learn)."""


@dataclass(frozen=True)
class DetectorConfig:
    """Tuning of :class:`SpikeDetector`. Durations are in seconds so one config serves any interval."""

    false_alarms_per_week: float = 1.0
    """Budget of false alarms for a series with no real spikes; sets the tail-probability threshold."""
    min_excess: float = 5.0
    """Fewest extra mentions (observed - expected over the detecting window) that can be a spike."""
    windows_s: tuple[float, ...] = (300.0, 900.0, 3600.0)
    """Trailing windows tested besides the single point (rounded to whole points, duplicates dropped)."""
    level_half_life_s: float = 3 * 3600.0
    """Memory of the deseasonalised level: slow next to the windows, fast next to a day."""
    warmup_s: float = 2 * 3600.0
    """No spikes are reported before the series has this much history..."""
    warmup_points: int = 12
    """...and at least this many points."""
    shift_after_s: float = 2 * 3600.0
    """A rise (or drop) that persists this long is accepted as the new level."""
    shift_p: float = 0.01
    """Corrected tail probability below which a point counts as 'still elevated' (shift, no learning)."""
    dispersion_prior: float = 0.1
    """Prior overdispersion phi (sd ~ 32% of the mean at high volume): conservative while warming up."""
    dispersion_prior_s: float = 3600.0
    """Initial weight of that prior, as an amount of history; it is forgotten like old data."""
    dispersion_memory_s: float = 3 * 86400.0
    """Memory of the overdispersion estimates."""
    winsor_sd: float = 3.0
    """Counts above expected + winsor_sd * (sd + 1) are clipped before they update the baseline."""
    seasonal: bool = True
    day_memory_days: float = 7.0
    week_memory_weeks: float = 4.0
    seasonal_hour_sd: float = 0.5
    """Prior relative sd of an hour-of-day factor never seen (daily swings of +-50% are common)."""
    seasonal_week_sd: float = 0.3
    """Prior relative sd of a weekday factor never seen (weekly effects are milder)."""
    seasonal_visit_sd: float = 0.15
    """Day-to-day repeatability of one slot's factor (see SeasonalProfile)."""
    utc_offset_s: float = 0.0
    """Shift of the day boundaries for the daily / weekly profile (e.g. the audience's time zone)."""
    interval_s: float | None = None
    """Sampling interval; inferred as the median of the first spacings when None."""
    max_zero_fill_s: float = 6 * 3600.0
    """Gaps up to this long are filled with zero counts; longer ones are outages (missing data)..."""
    outage_mentions: float = 20.0
    """...and so is silence where the baseline expected this many mentions (P(0) = e^-20)."""

    def __post_init__(self) -> None:
        if self.false_alarms_per_week <= 0:
            raise ValueError("false_alarms_per_week must be > 0")
        if self.interval_s is not None and self.interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        if self.level_half_life_s <= 0 or self.dispersion_memory_s <= 0:
            raise ValueError("half-lives and memories must be > 0")
        if not 0.0 < self.shift_p < 1.0:
            raise ValueError("shift_p must be in (0, 1)")


@dataclass(frozen=True, slots=True)
class SpikeVerdict:
    """What the detector concluded about one point."""

    ts: float
    """Epoch seconds of the point."""
    interval_s: float
    count: float
    expected: float
    """Expected count of this point."""
    score: float
    """Anomaly score in [0, 1]; 0.5 is the spike threshold (see docs/spikes.md)."""
    is_spike: bool
    p_value: float
    """Corrected upper-tail probability of the best window (1.0 when nothing is unusual)."""
    window_points: int
    """Length of the window that gave the evidence."""
    window_observed: float
    window_expected: float
    ready: bool
    """False while warming up."""
    level_shift: bool = False
    """True when the baseline was moved to a new persistent level at this point."""
    filled: bool = False
    """True for a zero-count point the detector inserted for a gap."""

    @property
    def window_start(self) -> float:
        """Epoch seconds of the first point of the evidence window."""
        return self.ts - (self.window_points - 1) * self.interval_s

    @property
    def ratio(self) -> float:
        """Observed / expected over the evidence window (expected floored at 0.01 mentions)."""
        return self.window_observed / max(self.window_expected, 0.01)


@dataclass
class _Window:
    points: int
    observed: float = 0.0
    expected: float = 0.0
    disp_num: float = 0.0
    disp_den: float = 0.0
    disp_n: float = 0.0
    prior_n: float = 0.0


@dataclass
class _State:
    interval_s: float | None = None
    spacings: list[float] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None
    points: int = 0
    level: float = 0.0
    day_ref: float = 0.0
    week_ref: float = 0.0
    level_points: int = 0
    up_run_s: float = 0.0
    down_run_s: float = 0.0
    zero_run_expected: float = 0.0
    counts: list[float] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)
    deseason: list[float] = field(default_factory=list)
    head: int = 0
    filled: int = 0
    since_resum: int = 0
    windows: list[_Window] = field(default_factory=list)


class SpikeDetector:
    """Streaming detector for one series: call :meth:`update` once per point, in time order.

    Deterministic: the verdicts depend only on the config and the (ts, count) sequence, and
    :meth:`to_dict` / :meth:`from_dict` checkpoint and restore the exact state.
    """

    def __init__(self, config: DetectorConfig | None = None, **overrides: Any) -> None:
        base = config or DetectorConfig()
        self.config = DetectorConfig(**{**asdict(base), **overrides}) if overrides else base
        c = self.config
        self._season = SeasonalProfile(
            day_memory_days=c.day_memory_days,
            week_memory_weeks=c.week_memory_weeks,
            hour_sd=c.seasonal_hour_sd,
            week_sd=c.seasonal_week_sd,
            visit_sd=c.seasonal_visit_sd,
            utc_offset_s=c.utc_offset_s,
        )
        self._s = _State(interval_s=c.interval_s)
        self._alpha_cache: tuple[float, tuple[float, float, float]] | None = None
        if c.interval_s is not None:
            self._setup_windows(c.interval_s)

    # -- public API -------------------------------------------------------------------------------

    @property
    def interval_s(self) -> float | None:
        """Sampling interval in seconds (None until inferred)."""
        return self._s.interval_s

    @property
    def level(self) -> float:
        """Current deseasonalised baseline, in mentions per point."""
        return self._s.level

    @property
    def overdispersion(self) -> float:
        """Current overdispersion estimate of single points (0 = Poisson)."""
        if not self._s.windows:
            return self.config.dispersion_prior
        return self._phi(self._s.windows[0])

    def expected_at(self, ts: Timestamp) -> float:
        """Expected count at ``ts`` under the current baseline and seasonal profile."""
        return self._s.level * self._season_factor(to_epoch(ts))

    def update(self, ts: Timestamp, count: float) -> SpikeVerdict:
        """Score the point ``(ts, count)`` and learn from it. Points must arrive in increasing time."""
        return self.update_with_gaps(ts, count)[-1]

    def update_with_gaps(self, ts: Timestamp, count: float) -> list[SpikeVerdict]:
        """Like :meth:`update`, but also returns the verdicts of zero points filled in for a gap first.

        The incident tracker wants these so that the quiet time and expected volume of a gap count.
        """
        t = to_epoch(ts)
        y = float(count)
        if not math.isfinite(y) or y < 0:
            raise ValueError(f"count must be a finite number >= 0, got {count!r}")
        s = self._s
        verdicts: list[SpikeVerdict] = []
        if s.last_ts is not None:
            if t <= s.last_ts:
                raise ValueError(f"points must be in increasing time order ({t} after {s.last_ts})")
            verdicts = self._handle_gap(t)
        if s.first_ts is None:
            s.first_ts = t
        verdicts.append(self._step(t, y, filled=False))
        return verdicts

    def update_many(self, points: list[tuple[Timestamp, float]]) -> list[SpikeVerdict]:
        """:meth:`update` for each point (e.g. a backfill)."""
        return [self.update(ts, count) for ts, count in points]

    # -- internals ---------------------------------------------------------------------------------

    def _setup_windows(self, interval_s: float) -> None:
        sizes = {1}
        for w in self.config.windows_s:
            sizes.add(max(1, round(w / interval_s)))
        s = self._s
        prior_n = self.config.dispersion_prior_s / interval_s
        s.windows = [_Window(points=n, prior_n=prior_n) for n in sorted(sizes)]
        cap = s.windows[-1].points
        s.counts = [0.0] * cap
        s.expected = [0.0] * cap
        s.deseason = [0.0] * cap
        s.head = 0
        s.filled = 0

    def _handle_gap(self, t: float) -> list[SpikeVerdict]:
        s = self._s
        assert s.last_ts is not None
        if s.interval_s is None:
            s.spacings.append(t - s.last_ts)
            if len(s.spacings) >= _INTERVAL_SAMPLES:
                ordered = sorted(s.spacings)
                s.interval_s = ordered[len(ordered) // 2]
                self._setup_windows(s.interval_s)
            return []
        steps = round((t - s.last_ts) / s.interval_s)
        if steps <= 1:
            return []
        c = self.config
        if (steps - 1) * s.interval_s <= c.max_zero_fill_s and (steps - 1) * s.level < c.outage_mentions:
            # Pipelines usually emit nothing for an empty window, so a short gap means zero mentions.
            return [self._step(s.last_ts + s.interval_s, 0.0, filled=True) for _ in range(steps - 1)]
        else:
            # An outage: the data is missing, not zero. Keep the learned baseline, restart the windows.
            s.filled = 0
            for w in s.windows:
                w.observed = w.expected = 0.0
            s.up_run_s = s.down_run_s = 0.0
            return []

    def _season_factor(self, t: float) -> float:
        if not self.config.seasonal:
            return 1.0
        daily, weekly = self._season.factors(t)
        return max(daily * weekly, _MIN_SEASON)

    def _alphas(self) -> tuple[float, float, float]:
        """EWMA weights per point of the level and the daily / weekly references."""
        interval = self._s.interval_s or 60.0
        cached = self._alpha_cache
        if cached is None or cached[0] != interval:
            lives = (self.config.level_half_life_s, _DAY_REF_HALF_LIFE_S, _WEEK_REF_HALF_LIFE_S)
            a = tuple(1.0 - math.pow(0.5, interval / h) for h in lives)
            cached = self._alpha_cache = (interval, (a[0], a[1], a[2]))
        return cached[1]

    def _learn_level(self, deseason: float) -> None:
        s = self._s
        s.level_points += 1
        # Plain averaging until each EWMA's own memory is reached: an unbiased start from nothing.
        floor = 1.0 / s.level_points
        a_level, a_day, a_week = self._alphas()
        s.level += max(a_level, floor) * (deseason - s.level)
        if self.config.seasonal:
            s.day_ref += max(a_day, floor) * (deseason - s.day_ref)
            s.week_ref += max(a_week, floor) * (deseason - s.week_ref)

    def _level_uncertainty(self) -> float:
        """Relative variance of the baseline estimate: 1 / (mentions it rests on + 1/2), Jeffreys prior."""
        s = self._s
        alpha = max(self._alphas()[0], 1.0 / max(s.level_points, 1))
        n_eff = min(float(s.level_points), (2.0 - alpha) / alpha)
        return 1.0 / (s.level * n_eff + 0.5)

    def _phi(self, w: _Window) -> float:
        prior = self.config.dispersion_prior
        if w.disp_den <= 0.0 or w.disp_n <= 0.0:
            return prior
        estimate = w.disp_num / w.disp_den
        return max(0.0, (w.disp_n * estimate + w.prior_n * prior) / (w.disp_n + w.prior_n))

    def _ready(self, t: float) -> bool:
        s = self._s
        c = self.config
        return (
            s.interval_s is not None
            and s.first_ts is not None
            and t - s.first_ts >= c.warmup_s
            and s.points >= c.warmup_points
        )

    def _push(self, y: float, mu: float, deseason: float) -> None:
        s = self._s
        cap = len(s.counts)
        s.head = (s.head + 1) % cap
        for w in s.windows:
            if s.filled >= w.points:
                # The point leaving this window; for the longest one it is the slot about to be reused.
                old = (s.head - w.points) % cap
                w.observed -= s.counts[old]
                w.expected -= s.expected[old]
        s.filled = min(s.filled + 1, cap)
        s.counts[s.head] = y
        s.expected[s.head] = mu
        s.deseason[s.head] = deseason
        for w in s.windows:
            w.observed += y
            w.expected += mu
        s.since_resum += 1
        if s.since_resum >= _RESUM_EVERY:
            self._resum()

    def _resum(self) -> None:
        s = self._s
        cap = len(s.counts)
        for w in s.windows:
            n = min(w.points, s.filled)
            idx = [(s.head - k) % cap for k in range(n)]
            w.observed = sum(s.counts[i] for i in idx)
            w.expected = sum(s.expected[i] for i in idx)
        s.since_resum = 0

    def _rebase(self) -> bool:
        """Move the baseline to the mean deseasonalised volume of the longest window."""
        s = self._s
        cap = len(s.counts)
        n = min(s.filled, cap)
        if n == 0:
            return False
        # Jeffreys (+1/2 mention): an hour of silence means "rare", not "impossible".
        new_level = (sum(s.deseason[(s.head - k) % cap] for k in range(n)) + 0.5) / n
        old = s.level
        if old > 0.0:
            scale = new_level / old
            s.day_ref *= scale
            s.week_ref *= scale
            for k in range(n):
                i = (s.head - k) % cap
                s.expected[i] *= scale
        else:
            s.day_ref = s.week_ref = new_level
            for k in range(n):
                i = (s.head - k) % cap
                s.expected[i] = new_level
        s.level = new_level
        s.up_run_s = s.down_run_s = 0.0
        self._resum()
        return True

    def _step(self, t: float, y: float, *, filled: bool) -> SpikeVerdict:
        s = self._s
        c = self.config
        if c.seasonal:
            daily, weekly = self._season.factors(t)
            season = max(daily * weekly, _MIN_SEASON)
            season_var = self._season.variance(t)
        else:
            daily = weekly = season = 1.0
            season_var = 0.0
        mu = s.level * season
        s.points += 1
        interval = s.interval_s
        if interval is None:
            # Still learning the sampling interval: only the baseline learns.
            self._learn_level(y / season)
            s.last_ts = t
            return SpikeVerdict(t, 0.0, y, mu, 0.0, False, 1.0, 1, y, mu, False, filled=filled)

        self._push(y, mu, y / season)
        ready = self._ready(t)
        # Uncertainty of the baseline and of the seasonal factors is shared by every point of a window,
        # so it adds to the variance like overdispersion does: Var = E + (phi + rel_var) * E^2.
        level_var = self._level_uncertainty() + season_var
        n_windows = len(s.windows)
        p_thr = interval * c.false_alarms_per_week / WEEK_S
        l_thr = -math.log10(p_thr)

        phis = [self._phi(w) + level_var for w in s.windows]
        best_score = 0.0
        best_p = 1.0
        best = s.windows[0]
        min_p_adj = 1.0
        for w, phi in zip(s.windows, phis, strict=True):
            if s.filled < w.points or w.observed <= w.expected:
                continue
            p = min(1.0, upper_tail(w.observed, w.expected, phi) * n_windows)
            min_p_adj = min(min_p_adj, p)
            evidence = -math.log10(max(p, 1e-300))
            score = evidence / (evidence + l_thr)
            excess = w.observed - w.expected
            if excess < c.min_excess:
                # Statistically odd but too few mentions to act on: keep it below the spike line.
                score = min(score, 0.5 * excess / c.min_excess)
            if score > best_score:
                best_score, best_p, best = score, p, w
        if not ready:
            best_score, best_p = 0.0, 1.0
        is_spike = ready and best_score >= 0.5
        elevated = min_p_adj < c.shift_p
        longest = s.windows[-1]
        dropped = (
            ready
            and s.filled >= longest.points
            and longest.observed < longest.expected
            and lower_tail(longest.observed, longest.expected, phis[-1]) * n_windows < c.shift_p
        )

        # Total silence where plenty was expected is more likely a broken feed than a new level: learn
        # nothing from it, so a short outage leaves no trace; silence lasting `shift_after_s` still
        # becomes the new level through the drop rule below.
        s.zero_run_expected = s.zero_run_expected + mu if y == 0.0 else 0.0
        silent = s.zero_run_expected >= c.outage_mentions
        # Learn from the point unless it is part of a spike: spikes must not poison the baseline.
        if not (is_spike or silent):
            phi1 = phis[0]
            cap_y = mu + c.winsor_sd * (math.sqrt(mu + phi1 * mu * mu) + 1.0)
            y_c = min(y, cap_y) if ready else y
            if not (elevated or dropped):
                # A sustained anomaly is neither seasonality nor noise: learning it would bend the
                # profile and inflate the dispersion. The level still follows (winsorised).
                if c.seasonal:
                    self._season.learn(t, y_c, s.day_ref, s.week_ref, daily, weekly, interval)
                self._learn_dispersion(phis)
            self._learn_level(y_c / season)

        window = (best.points, best.observed, best.expected)  # before a rebase rescales the sums
        shifted = False
        if ready:
            s.up_run_s = s.up_run_s + interval if elevated else 0.0
            s.down_run_s = s.down_run_s + interval if dropped else 0.0
            if s.up_run_s >= c.shift_after_s or s.down_run_s >= c.shift_after_s:
                shifted = self._rebase()
        s.last_ts = t
        return SpikeVerdict(
            ts=t,
            interval_s=interval,
            count=y,
            expected=mu,
            score=best_score,
            is_spike=is_spike,
            p_value=best_p,
            window_points=window[0],
            window_observed=window[1],
            window_expected=window[2],
            ready=ready,
            level_shift=shifted,
            filled=filled,
        )

    def _learn_dispersion(self, phis: list[float]) -> None:
        s = self._s
        c = self.config
        interval = s.interval_s or 60.0
        keep = 1.0 - interval / c.dispersion_memory_s
        for w, phi in zip(s.windows, phis, strict=True):
            if s.filled < w.points:
                continue
            e = w.expected
            resid = w.observed - e
            bound = c.winsor_sd * (math.sqrt(e + phi * e * e) + 1.0)
            resid = max(-bound, min(bound, resid))
            # Method of moments: E[(O - E)^2 - E] = phi * E^2 for a negative binomial.
            w.disp_num = w.disp_num * keep + (resid * resid - e)
            w.disp_den = w.disp_den * keep + e * e
            w.disp_n = w.disp_n * keep + 1.0
            w.prior_n *= keep

    # -- checkpointing -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible snapshot of config and state (restore with :meth:`from_dict`)."""
        s = self._s
        state = asdict(s)
        return {
            "version": STATE_VERSION,
            "config": {**asdict(self.config), "windows_s": list(self.config.windows_s)},
            "state": state,
            "season": self._season.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpikeDetector:
        """Rebuild a detector from :meth:`to_dict` output; it continues exactly where it stopped."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported detector state version {data.get('version')!r}")
        cfg = dict(data["config"])
        cfg["windows_s"] = tuple(cfg["windows_s"])
        det = cls(DetectorConfig(**cfg))
        raw = dict(data["state"])
        raw["windows"] = [_Window(**w) for w in raw["windows"]]
        raw["spacings"] = list(raw["spacings"])
        raw["counts"] = list(raw["counts"])
        raw["expected"] = list(raw["expected"])
        raw["deseason"] = list(raw["deseason"])
        det._s = _State(**raw)
        det._season = SeasonalProfile.from_dict(data["season"])
        return det
