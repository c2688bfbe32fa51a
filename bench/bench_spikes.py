"""Spike detector evaluation: event precision, recall and delay on labelled synthetic series.

Runs :class:`enrich.spikes.SpikeDetector` (default settings, nothing fitted to these series) and the
incumbent "trailing 24 h mean + 3 sd" rule over the same suite from ``bench/spike_series.py`` and
prints a per-scenario table. Run: ``.venv/bin/python -m bench.bench_spikes [--quick]``.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections import defaultdict

from bench.spike_series import LabelledSeries, suite
from enrich.spikes import SpikeDetector
from enrich.spikes.baseline import MeanStdBaseline
from enrich.spikes.scoring import EventScore, score_events

MERGE_GAP_S = 15 * 60.0
"""Flags closer than this are one episode: the incident tracker's default quiet period."""
WEEK_S = 7 * 86_400.0


def _merge_gap(series: LabelledSeries) -> int:
    return max(1, round(MERGE_GAP_S / series.interval_s))


def _run_detector(series: LabelledSeries) -> tuple[list[bool], float]:
    det = SpikeDetector()
    ts = series.timestamps.tolist()
    counts = series.counts.tolist()
    start = time.process_time()  # CPU time: the machine is shared, wall time is noisy
    flags = [det.update(t, c).is_spike for t, c in zip(ts, counts, strict=True)]
    return flags, time.process_time() - start


def _run_baseline(series: LabelledSeries) -> list[bool]:
    base = MeanStdBaseline(window_points=round(86_400 / series.interval_s), k=3.0)
    return [base.update(c) for c in series.counts.tolist()]


def _scenario(series: LabelledSeries) -> str:
    return series.name.split("@")[0]


def _fmt(x: float) -> str:
    return "  -  " if math.isnan(x) else f"{x:5.2f}"


def run(quick: bool = False) -> dict[str, dict[str, float | str]]:
    """Evaluate both detectors; return the named figures and print a per-scenario table."""
    ours: dict[str, EventScore] = defaultdict(EventScore)
    base: dict[str, EventScore] = defaultdict(EventScore)
    by_shape: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    null_weeks = 0.0
    null_false = [0, 0]
    seconds = 0.0
    points = 0
    for series in suite(quick=quick):
        flags, elapsed = _run_detector(series)
        seconds += elapsed
        points += len(flags)
        gap = _merge_gap(series)
        mine = score_events(flags, series.labels, gap)
        theirs = score_events(_run_baseline(series), series.labels, gap)
        ours[_scenario(series)] += mine
        base[_scenario(series)] += theirs
        for (s, e), shape in zip(series.labels, series.shapes, strict=True):
            by_shape[shape][0] += 1
            by_shape[shape][1] += any(flags[s:e])
        if not series.labels:
            null_weeks += len(flags) * series.interval_s / WEEK_S
            null_false[0] += mine.episodes
            null_false[1] += theirs.episodes

    total = sum(ours.values(), EventScore())
    total_base = sum(base.values(), EventScore())
    header = f"{'scenario':<13}{'labels':>7} | {'prec':>5} {'rec':>5} {'delay':>5} {'FP':>4} | base: {'prec':>5} {'rec':>5} {'delay':>5} {'FP':>4}"
    print(header)
    print("-" * len(header))
    for name in ours:
        a, b = ours[name], base[name]
        print(
            f"{name:<13}{a.labels:>7} | {_fmt(a.precision)} {_fmt(a.recall)} {_fmt(a.median_delay)} {a.false_episodes:>4} |"
            f"       {_fmt(b.precision)} {_fmt(b.recall)} {_fmt(b.median_delay)} {b.false_episodes:>4}"
        )
    print("-" * len(header))
    a, b = total, total_base
    print(
        f"{'ALL':<13}{a.labels:>7} | {_fmt(a.precision)} {_fmt(a.recall)} {_fmt(a.median_delay)} {a.false_episodes:>4} |"
        f"       {_fmt(b.precision)} {_fmt(b.recall)} {_fmt(b.median_delay)} {b.false_episodes:>4}"
    )
    print("recall by shape: " + ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(by_shape.items())))
    fa_ours = null_false[0] / null_weeks if null_weeks else float("nan")
    fa_base = null_false[1] / null_weeks if null_weeks else float("nan")
    us = seconds / points * 1e6 if points else float("nan")
    print(f"false alarms per series-week on spike-free series: ours {fa_ours:.2f}, baseline {fa_base:.2f}")
    print(f"detector update: {us:.1f} us/point over {points} points")

    def fig(value: float, unit: str) -> dict[str, float | str]:
        return {"value": round(value, 4), "unit": unit}

    figures = {
        "spike_precision": fig(total.precision, "ratio"),
        "spike_recall": fig(total.recall, "ratio"),
        "spike_delay_points": fig(total.median_delay, "points"),
        "spike_false_alarms_per_week": fig(fa_ours, "alerts/series-week"),
        "spike_update_us": fig(us, "us/point"),
        "baseline_spike_precision": fig(total_base.precision, "ratio"),
        "baseline_spike_recall": fig(total_base.recall, "ratio"),
        "baseline_spike_delay_points": fig(
            total_base.median_delay if total_base.delays else float("nan"), "points"
        ),
        "baseline_false_alarms_per_week": fig(fa_base, "alerts/series-week"),
        "spike_delay_points_mean": fig(
            statistics.fmean(total.delays) if total.delays else math.nan, "points"
        ),
    }
    # NaN (e.g. no detections at all) is not valid JSON: leave such a figure out.
    return {k: v for k, v in figures.items() if not math.isnan(float(v["value"]))}


if __name__ == "__main__":
    figures = run(quick="--quick" in sys.argv)
    for name, f in figures.items():
        print(f"{name:<34} {f['value']} {f['unit']}")
