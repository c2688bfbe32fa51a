"""Labelled synthetic mention-volume series for evaluating spike detectors.

Every series is built from a fixed seed: a base rate (low, medium, high or sparse volume) shaped by
daily and weekly seasonality, optionally a trend, a level shift or slowly wandering (overdispersed)
noise, plus injected spikes of four shapes:

* ``step_decay``: a sudden jump that decays exponentially (a viral post);
* ``ramp``: a gradual linear rise then fall (a story spreading);
* ``burst``: a single-point burst;
* ``plateau``: a raised level for one to two and a half hours (a live event).

Labels are half-open ``[start, end)`` index intervals. A spike interval runs from its first point
until the excess has decayed below 10% of its peak; a level shift is one event covering the two
hours after the step. Scenarios whose name starts with ``null_`` have no spikes at all and measure
false alarms. Magnitudes are drawn from wide ranges, some deliberately near the noise floor, so
recall below 1 is expected from any honest detector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

START_TS = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a Thursday
DAY_S = 86_400.0

SCENARIOS = (
    "low",
    "sparse",
    "medium",
    "high",
    "trend",
    "level_shift",
    "bursty",
    "null_low",
    "null_medium",
    "null_bursty",
    "null_drop",
)
SHAPES = ("step_decay", "ramp", "burst", "plateau")

_BASE_PER_MIN = {"low": 1.5, "sparse": 0.05, "medium": 20.0, "high": 300.0, "bursty": 20.0}


@dataclass
class LabelledSeries:
    """One synthetic series with its labelled spike intervals."""

    name: str
    interval_s: float
    counts: np.ndarray
    labels: list[tuple[int, int]] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)

    @property
    def timestamps(self) -> np.ndarray:
        """Epoch seconds of each point."""
        return START_TS + np.arange(len(self.counts)) * self.interval_s


def _base_rate(kind: str, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mentions per minute before spikes: base volume x daily x weekly profile."""
    key = kind.removeprefix("null_")
    if key in ("trend", "level_shift", "drop"):
        key = "medium"
    per_min = _BASE_PER_MIN[key] * rng.uniform(0.7, 1.3)
    hour = (t % DAY_S) / 3600.0
    amp = rng.uniform(0.3, 0.8)
    peak_hour = rng.uniform(12.0, 20.0)
    daily = 1.0 + amp * np.cos(2 * np.pi * (hour - peak_hour) / 24.0)
    weekday = ((t // DAY_S).astype(np.int64) + 3) % 7  # Monday = 0
    weekly = np.where(weekday >= 5, rng.uniform(0.5, 0.9), 1.0)
    return np.asarray(per_min * daily * weekly)


def _spike_excess(
    shape: str, n: int, at: int, interval_s: float, peak: float, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Excess rate (per point) of one spike starting at index ``at``, and its labelled length."""
    excess = np.zeros(n)
    minutes = interval_s / 60.0
    if shape == "burst":
        excess[at] = peak
        return excess, 1
    if shape == "step_decay":
        tau = rng.uniform(15.0, 60.0) / minutes
        length = max(1, math.ceil(tau * math.log(10.0)))
        idx = np.arange(length)
        excess[at : at + length] = peak * np.exp(-idx / tau)[: n - at]
        return excess, length
    if shape == "ramp":
        rise = max(2, round(rng.uniform(30.0, 90.0) / minutes))
        fall = max(1, round(rng.uniform(15.0, 30.0) / minutes))
        profile = np.concatenate([np.linspace(peak / rise, peak, rise), np.linspace(peak, 0.0, fall + 1)[1:]])
        length = len(profile)
        excess[at : at + length] = profile[: n - at]
        return excess, length
    length = max(2, round(rng.uniform(60.0, 150.0) / minutes))
    excess[at : at + length] = peak
    return excess, length


def make_series(kind: str, interval_s: float, days: float, seed: int) -> LabelledSeries:
    """Build one labelled series of scenario ``kind`` at ``interval_s`` resolution."""
    if kind not in SCENARIOS:
        raise ValueError(f"unknown scenario {kind!r}")
    rng = np.random.default_rng(seed)
    n = int(days * DAY_S / interval_s)
    t = START_TS + np.arange(n) * interval_s
    per_point = interval_s / 60.0
    rate = _base_rate(kind, t, rng) * per_point
    labels: list[tuple[int, int]] = []
    shapes: list[str] = []

    if kind == "trend":
        rate = rate * (1.0 + rng.uniform(-0.4, 1.0) * np.arange(n) / n)
    if kind in ("level_shift", "null_drop"):
        at = int(n * rng.uniform(0.45, 0.6))
        rate[at:] *= rng.uniform(2.0, 3.0) if kind == "level_shift" else rng.uniform(0.3, 0.5)
        if kind == "level_shift":
            labels.append((at, min(n, at + round(2 * 3600 / interval_s))))
            shapes.append("level_shift")
    if kind in ("bursty", "null_bursty"):
        # Slowly wandering log-rate (news cycles) with a ~30-minute memory, sd 0.3.
        rho = math.exp(-interval_s / 1800.0)
        noise = np.empty(n)
        noise[0] = 0.0
        shocks = rng.normal(0.0, 0.3 * math.sqrt(1 - rho * rho), n)
        for i in range(1, n):
            noise[i] = rho * noise[i - 1] + shocks[i]
        rate = rate * np.exp(noise - 0.045)

    if not kind.startswith("null_"):
        # Spikes start after the first day, at least half a day apart.
        slots = np.arange(
            int(DAY_S / interval_s), n - int(4 * 3600 / interval_s), int(DAY_S / 2 / interval_s)
        )
        chosen = sorted(rng.choice(slots, size=min(len(slots), max(3, int(days * 0.7))), replace=False))
        excess = np.zeros(n)
        offset = int(rng.integers(0, len(SHAPES)))
        margin = int(3 * 3600 / interval_s)
        for at in chosen:
            at = int(at + rng.integers(0, int(3 * 3600 / interval_s)))
            if any(s - margin <= at < e + margin for s, e in labels):
                continue
            shape = SHAPES[(offset + len(shapes)) % len(SHAPES)]
            base_here = float(rate[at])
            if shape == "burst":
                peak = max(base_here * rng.uniform(2.0, 6.0), rng.uniform(8.0, 20.0))
            elif base_here < 3.0 * per_point:
                # Low volume: an absolute surge of a few extra mentions per minute.
                peak = rng.uniform(1.0, 5.0) * per_point
            else:
                peak = base_here * rng.uniform(0.5, 3.0)
            bump, length = _spike_excess(shape, n, at, interval_s, peak, rng)
            excess += bump
            labels.append((at, min(n, at + length)))
            shapes.append(shape)
        rate = rate + excess
        order = np.argsort([s for s, _ in labels])
        labels = [labels[i] for i in order]
        shapes = [shapes[i] for i in order]

    counts = rng.poisson(np.maximum(rate, 0.0))
    return LabelledSeries(f"{kind}@{int(interval_s)}s", interval_s, counts, labels, shapes)


def suite(quick: bool = False, seed: int = 20_260_101) -> list[LabelledSeries]:
    """All scenarios at 1-minute and 5-minute resolution (fewer, shorter series when ``quick``)."""
    out: list[LabelledSeries] = []
    repeats = 1 if quick else 3
    for r in range(repeats):
        for i, kind in enumerate(SCENARIOS):
            out.append(make_series(kind, 60.0, 5.0 if quick else 8.0, seed + 1000 * r + i))
            out.append(make_series(kind, 300.0, 12.0 if quick else 21.0, seed + 1000 * r + 100 + i))
    return out
