"""Behaviour of the streaming spike detector on small synthetic series."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.spikes import DetectorConfig, SpikeDetector, SpikeVerdict
from enrich.spikes.scoring import episodes

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DAY = 86_400


def _run(counts: np.ndarray, interval: float = 60.0, det: SpikeDetector | None = None) -> list[SpikeVerdict]:
    det = det or SpikeDetector()
    return [det.update(T0 + i * interval, int(c)) for i, c in enumerate(counts)]


def _poisson(rate: np.ndarray | float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(np.broadcast_to(rate, (n,)))


def _episodes(verdicts: list[SpikeVerdict], gap: int = 15) -> list[tuple[int, int]]:
    return episodes([v.is_spike for v in verdicts], gap)


def test_public_api_accepts_datetimes_and_numbers() -> None:
    d = SpikeDetector()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    v = d.update(start, 3)
    assert isinstance(v.is_spike, bool) and 0.0 <= v.score <= 1.0
    v = d.update(start + timedelta(minutes=1), 4)
    assert v.ts == start.timestamp() + 60
    v = d.update(T0 + 120.0, 2)  # epoch seconds of the next minute
    assert v.count == 2
    with pytest.raises(ValueError):
        d.update(datetime(2026, 1, 1, 0, 5), 1)  # naive datetime: ambiguous
    with pytest.raises(ValueError):
        d.update(T0 + 120.0, 1)  # not after the previous point
    with pytest.raises(ValueError):
        d.update(T0 + 180.0, -1)


def test_quiet_poisson_series_stays_within_the_false_alarm_budget() -> None:
    # 4 days of 1-minute Poisson counts: the budget is one false alarm per week.
    verdicts = _run(_poisson(20.0, 4 * 1440, seed=1))
    assert len(_episodes(verdicts)) <= 1
    assert all(0.0 <= v.score <= 1.0 for v in verdicts)


def test_sudden_surge_is_detected_within_a_couple_of_points() -> None:
    counts = _poisson(10.0, 1440, seed=2)
    counts[1000:1020] += _poisson(40.0, 20, seed=3)
    verdicts = _run(counts)
    assert not any(v.is_spike for v in verdicts[:1000])
    first = next(i for i, v in enumerate(verdicts) if v.is_spike)
    assert 1000 <= first <= 1002
    assert _episodes(verdicts) == [(first, _episodes(verdicts)[0][1])]


def test_low_volume_needs_a_real_excess() -> None:
    # ~0.02 mentions a minute: two mentions in one minute is statistically odd but not actionable.
    counts = np.zeros(600, dtype=int)
    counts[::50] = 1
    det = SpikeDetector()
    _run(counts, det=det)
    small = det.update(T0 + 600 * 60.0, 2)
    assert small.ready and not small.is_spike and small.score < 0.5
    big = det.update(T0 + 601 * 60.0, 15)
    assert big.is_spike and big.score > 0.5


def test_sustained_rise_at_low_volume_is_found_by_the_longer_windows() -> None:
    # 1/min -> 3/min on the second day: single minutes are unremarkable, 15 / 60-minute sums are not.
    counts = _poisson(1.0, 2 * 1440, seed=4)
    start = 1440 + 900
    counts[start : start + 100] = _poisson(3.0, 100, seed=5)
    verdicts = _run(counts)
    hits = [i for i, v in enumerate(verdicts) if v.is_spike]
    assert hits and start <= hits[0] <= start + 30
    assert verdicts[hits[0]].window_points > 1
    assert not any(v.is_spike for v in verdicts[:start])


def test_first_day_is_conservative_while_the_daily_profile_is_unknown() -> None:
    # The same 3x rise on the first day could be the daily cycle the detector has not seen yet.
    counts = _poisson(1.0, 1440, seed=4)
    counts[900:1000] = _poisson(3.0, 100, seed=5)
    first_day = _run(counts)
    counts2 = _poisson(1.0, 2 * 1440, seed=4)
    counts2[1440 + 900 : 1440 + 1000] = counts[900:1000]
    second_day = _run(counts2)
    assert max(v.score for v in first_day[900:1000]) < max(
        v.score for v in second_day[1440 + 900 : 1440 + 1000]
    )


def test_no_spikes_during_warmup() -> None:
    det = SpikeDetector()
    verdicts = [det.update(T0 + i * 60.0, 1000 if i % 10 == 9 else 5) for i in range(100)]
    assert not any(v.is_spike or v.ready for v in verdicts)
    assert all(v.score == 0.0 for v in verdicts)


def test_interval_is_inferred_and_the_same_defaults_work_at_five_minutes() -> None:
    counts = _poisson(50.0, 6 * 288, seed=6)
    counts[1200:1204] += 150
    det = SpikeDetector()
    verdicts = _run(counts, interval=300.0, det=det)
    assert det.interval_s == 300.0
    eps = _episodes(verdicts, gap=3)
    assert len(eps) == 1 and eps[0][0] == 1200


def test_permanent_step_raises_one_incident_then_becomes_the_new_normal() -> None:
    counts = np.concatenate([_poisson(20.0, 2 * 1440, seed=7), _poisson(50.0, 1440, seed=8)])
    det = SpikeDetector()
    verdicts = _run(counts, det=det)
    eps = _episodes(verdicts)
    assert len(eps) == 1 and eps[0][0] == 2 * 1440
    assert eps[0][1] - eps[0][0] <= 3 * 60  # accepted as the new level within hours, not days
    assert any(v.level_shift for v in verdicts)
    assert det.level == pytest.approx(50.0, rel=0.15)


def test_sustained_drop_is_accepted_without_alerting() -> None:
    counts = np.concatenate([_poisson(30.0, 2 * 1440, seed=9), _poisson(10.0, 1440, seed=10)])
    det = SpikeDetector()
    verdicts = _run(counts, det=det)
    assert not any(v.is_spike for v in verdicts)
    assert det.level == pytest.approx(10.0, rel=0.2)


def test_spike_does_not_poison_the_baseline() -> None:
    counts = _poisson(20.0, 1440, seed=11)
    counts[800:830] += 200
    det = SpikeDetector()
    _run(counts[:800], det=det)
    before = det.level
    for i in range(800, 830):
        det.update(T0 + i * 60.0, int(counts[i]))
    assert det.level == pytest.approx(before, rel=0.05)


def test_overdispersed_noise_is_learned_and_does_not_page() -> None:
    rng = np.random.default_rng(12)
    # Gamma-Poisson (negative binomial, phi = 0.3): bursty but normal.
    rate = rng.gamma(shape=1 / 0.3, scale=0.3 * 20.0, size=4 * 1440)
    verdicts = _run(rng.poisson(rate))
    assert len(_episodes(verdicts)) <= 1
    det = SpikeDetector()
    _run(rng.poisson(rate), det=det)
    assert det.overdispersion == pytest.approx(0.3, rel=0.35)


def test_daily_seasonality_is_learned() -> None:
    n = 6 * 1440
    minutes = np.arange(n)
    rate = 20.0 * (1 + 0.7 * np.sin(2 * np.pi * minutes / 1440))
    det = SpikeDetector()
    verdicts = _run(_poisson(rate, n, seed=13), det=det)
    assert not any(v.is_spike for v in verdicts[1440:])
    for hour in (2, 8, 14, 20):
        ts = T0 + n * 60.0 + hour * 3600
        truth = 20.0 * (1 + 0.7 * math.sin(2 * math.pi * hour / 24))
        assert det.expected_at(ts) == pytest.approx(truth, rel=0.2)


def test_slow_trend_is_followed() -> None:
    n = 4 * 1440
    rate = 10.0 * (1 + np.arange(n) / n)  # doubles over four days
    verdicts = _run(_poisson(rate, n, seed=14))
    assert len(_episodes(verdicts)) <= 1


def test_short_gaps_are_zeros_and_long_gaps_are_outages() -> None:
    det = SpikeDetector(interval_s=60.0)
    for i in range(300):
        det.update(T0 + i * 60.0, 1)
    level = det.level
    det.update(T0 + 310 * 60.0, 1)  # nine empty minutes at 1/min: plausible, filled with zeros
    assert det.level < level
    level = det.level
    v = det.update(T0 + 310 * 60.0 + 2 * DAY, 1)  # two days missing: data outage, level kept
    assert det.level == pytest.approx(level, rel=0.05)
    assert not v.is_spike


def test_silence_on_a_busy_series_is_an_outage_not_a_new_level() -> None:
    counts = _poisson(20.0, 1440, seed=18)
    det = SpikeDetector()
    _run(counts, det=det)
    level = det.level
    # A 40-minute hole (800 mentions expected) is missing data, not zeros.
    after_gap = det.update(T0 + (1440 + 40) * 60.0, 20)
    assert det.level == pytest.approx(level, rel=0.05) and not after_gap.is_spike
    # Explicit zeros for 90 minutes: not learned, so the feed coming back is not a "spike".
    start = 1441 + 40
    state = det.to_dict()
    verdicts = [det.update(T0 + (start + i) * 60.0, 0) for i in range(90)]
    assert not any(v.is_spike or v.level_shift for v in verdicts)
    assert det.level == pytest.approx(level, rel=0.05)
    resumed = [
        det.update(T0 + (start + 90 + i) * 60.0, int(c)) for i, c in enumerate(_poisson(20.0, 60, seed=19))
    ]
    assert not any(v.is_spike for v in resumed)
    # Silence that lasts beyond `shift_after_s` is accepted as the new level (without alerting).
    det = SpikeDetector.from_dict(state)
    verdicts = [det.update(T0 + (start + i) * 60.0, 0) for i in range(180)]
    assert any(v.level_shift for v in verdicts) and not any(v.is_spike for v in verdicts)
    assert 0.0 < det.level < 1.0


def test_checkpoint_restore_continues_identically() -> None:
    counts = _poisson(5.0, 2000, seed=15)
    counts[1500:1510] += 40
    whole = _run(counts)
    det = SpikeDetector()
    first = [det.update(T0 + i * 60.0, int(c)) for i, c in enumerate(counts[:1200])]
    snapshot = json.loads(json.dumps(det.to_dict()))
    restored = SpikeDetector.from_dict(snapshot)
    rest = [restored.update(T0 + (1200 + i) * 60.0, int(c)) for i, c in enumerate(counts[1200:])]
    assert first + rest == whole
    assert any(v.is_spike for v in rest)


def test_restore_rejects_unknown_versions() -> None:
    state = SpikeDetector().to_dict()
    state["version"] = 99
    with pytest.raises(ValueError):
        SpikeDetector.from_dict(state)


def test_sensitivity_follows_the_false_alarm_budget() -> None:
    counts = _poisson(20.0, 1000, seed=16)
    counts[900] = 42  # borderline single-minute excess
    strict = _run(counts, det=SpikeDetector(false_alarms_per_week=0.01))[900]
    loose = _run(counts, det=SpikeDetector(false_alarms_per_week=100.0))[900]
    assert strict.score < loose.score
    assert loose.is_spike and not strict.is_spike


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        DetectorConfig(false_alarms_per_week=0)
    with pytest.raises(ValueError):
        DetectorConfig(interval_s=-1)


@settings(max_examples=15, deadline=None)
@given(extra=st.integers(0, 60), more=st.integers(1, 60))
def test_score_grows_with_the_count(extra: int, more: int) -> None:
    det = SpikeDetector()
    _run(_poisson(8.0, 300, seed=17), det=det)
    state = det.to_dict()
    a = SpikeDetector.from_dict(state).update(T0 + 300 * 60.0, 8 + extra)
    b = SpikeDetector.from_dict(state).update(T0 + 300 * 60.0, 8 + extra + more)
    assert a.score <= b.score
    assert not (a.is_spike and not b.is_spike)


def test_update_with_gaps_reports_the_filled_zero_points() -> None:
    det = SpikeDetector(interval_s=60.0)
    for i in range(10):
        det.update(T0 + i * 60.0, 1)
    verdicts = det.update_with_gaps(T0 + 15 * 60.0, 2)
    assert [v.filled for v in verdicts] == [True] * 5 + [False]
    assert [v.ts for v in verdicts] == [T0 + m * 60.0 for m in range(10, 16)]
    assert [v.count for v in verdicts] == [0.0] * 5 + [2.0]
