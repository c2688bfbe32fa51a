"""Evaluation harness pieces: event scoring, the mean+k*sd baseline, the labelled series generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.spike_series import SCENARIOS, SHAPES, make_series, suite
from enrich.spikes.baseline import MeanStdBaseline
from enrich.spikes.scoring import EventScore, episodes, score_events
from enrich.spikes.seasonal import SeasonalProfile


def test_episodes_merge_short_lulls() -> None:
    flags = [False, True, True, False, True, False, False, False, True]
    assert episodes(flags) == [(1, 3), (4, 5), (8, 9)]
    assert episodes(flags, merge_gap=2) == [(1, 5), (8, 9)]
    assert episodes(flags, merge_gap=4) == [(1, 9)]
    assert episodes([]) == []


def test_event_scores() -> None:
    flags = [False] * 100
    for i in (12, 13, 14, 50, 80):
        flags[i] = True
    labels = [(10, 20), (48, 49), (70, 90), (95, 99)]
    s = score_events(flags, labels)
    # Episodes: 12-15 (true), 50 (false: label 48-49 ended), 80 (true).
    assert (s.episodes, s.true_episodes, s.false_episodes) == (3, 2, 1)
    assert (s.labels, s.detected) == (4, 2)
    assert s.delays == [2, 10]
    assert s.precision == pytest.approx(2 / 3) and s.recall == 0.5 and s.median_delay == 6.0
    total = s + score_events([False] * 10, [])
    assert total.episodes == 3 and total.labels == 4
    empty = EventScore()
    assert empty.precision == 1.0 and empty.recall == 1.0 and math.isnan(empty.median_delay)


def test_mean_std_baseline() -> None:
    base = MeanStdBaseline(window_points=10, k=3.0)
    assert [base.update(5.0) for _ in range(10)] == [False] * 10  # window filling
    assert base.update(5.0) is False
    assert base.update(6.0) is True  # sd is 0: anything above the mean is flagged
    with pytest.raises(ValueError):
        MeanStdBaseline(window_points=1)


def test_series_generator_is_seeded_and_labelled() -> None:
    a = make_series("medium", 300.0, 6.0, seed=1)
    b = make_series("medium", 300.0, 6.0, seed=1)
    assert np.array_equal(a.counts, b.counts) and a.labels == b.labels
    assert len(a.counts) == 6 * 288 and a.labels
    assert all(0 <= s < e <= len(a.counts) for s, e in a.labels)
    assert all(x[1] <= y[0] for x, y in zip(a.labels, a.labels[1:], strict=False))  # sorted, disjoint
    assert set(a.shapes) <= set(SHAPES)
    # Each labelled interval really holds more mentions than the same span a day earlier.
    for s, e in a.labels:
        if s >= 288:
            assert a.counts[s:e].sum() > a.counts[s - 288 : e - 288].sum()
    assert make_series("null_bursty", 60.0, 2.0, seed=2).labels == []
    shift = make_series("level_shift", 60.0, 4.0, seed=3)
    assert "level_shift" in shift.shapes
    with pytest.raises(ValueError):
        make_series("nope", 60.0, 1.0, seed=0)


def test_quick_suite_covers_every_scenario_at_both_resolutions() -> None:
    names = {s.name for s in suite(quick=True)}
    assert names == {f"{k}@{i}s" for k in SCENARIOS for i in (60, 300)}


def test_seasonal_profile_learns_a_daily_shape_and_round_trips() -> None:
    prof = SeasonalProfile()
    for step in range(5 * 288):
        ts = step * 300.0
        hour = (ts % 86_400) / 3600
        truth = 1.0 + 0.5 * math.cos(2 * math.pi * (hour - 15) / 24)
        daily, weekly = prof.factors(ts)
        prof.learn(ts, 10.0 * truth, 10.0, 10.0, daily, weekly, 300.0)
    day, _ = prof.factors(15.5 * 3600)
    night, _ = prof.factors(3.5 * 3600)
    assert day == pytest.approx(1.5, rel=0.1) and night == pytest.approx(0.5, rel=0.2)
    assert prof.variance(15.5 * 3600) < 0.01 < SeasonalProfile().variance(0.0)
    again = SeasonalProfile.from_dict(prof.to_dict())
    assert again.factors(12_345.0) == prof.factors(12_345.0)
