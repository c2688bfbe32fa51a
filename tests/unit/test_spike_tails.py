"""Tail probabilities against brute-force sums of the pmf."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.spikes.tails import lower_tail, upper_tail


def _pmf(k: int, mean: float, od: float) -> float:
    if od == 0.0:
        return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
    r = 1.0 / od
    return math.exp(
        math.lgamma(k + r)
        - math.lgamma(r)
        - math.lgamma(k + 1)
        + r * math.log(r / (r + mean))
        + k * math.log(mean / (r + mean))
    )


def _brute_upper(k: int, mean: float, od: float) -> float:
    return max(0.0, 1.0 - sum(_pmf(j, mean, od) for j in range(k)))


def _brute_upper_far(k: int, mean: float, od: float) -> float:
    # Summing upwards avoids cancellation deep in the tail.
    return sum(_pmf(j, mean, od) for j in range(k, k + 5000))


@pytest.mark.parametrize(
    ("k", "mean", "od"),
    [(2, 0.01, 0.0), (5, 1.0, 0.0), (12, 3.0, 0.0), (30, 10.0, 0.2), (60, 40.0, 0.0), (3, 0.5, 1.0)],
)
def test_exact_region_matches_pmf_sum(k: int, mean: float, od: float) -> None:
    assert upper_tail(k, mean, od) == pytest.approx(_brute_upper_far(k, mean, od), rel=1e-5)


@pytest.mark.parametrize(
    ("k", "mean", "od"),
    [(100, 60.0, 0.0), (400, 300.0, 0.0), (250, 100.0, 0.05), (1500, 1000.0, 0.01)],
)
def test_large_counts_are_within_a_factor_of_the_truth(k: int, mean: float, od: float) -> None:
    # The deviance approximation is used here; it only has to be right on a log scale.
    truth = _brute_upper_far(k, mean, od)
    approx = upper_tail(k, mean, od)
    assert abs(math.log10(approx) - math.log10(truth)) < 0.2


def test_edges() -> None:
    assert upper_tail(0, 5.0) == 1.0
    assert upper_tail(1, 0.0) < 1e-8  # mean floored, not a division by zero
    assert upper_tail(3, 10.0) > 0.99
    assert lower_tail(-1, 3.0) == 0.0
    assert lower_tail(0, 2.0) == pytest.approx(math.exp(-2.0))
    assert lower_tail(20, 60.0) == pytest.approx(sum(_pmf(j, 60.0, 0.0) for j in range(21)), rel=0.3)


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(0.05, 500.0),
    od=st.sampled_from([0.0, 0.01, 0.1, 0.5]),
    a=st.integers(0, 800),
    b=st.integers(0, 800),
)
def test_upper_tail_is_a_decreasing_probability(mean: float, od: float, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    p_lo, p_hi = upper_tail(lo, mean, od), upper_tail(hi, mean, od)
    assert 0.0 <= p_hi <= 1.0
    assert p_hi <= p_lo + 1e-12


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(0.5, 200.0), excess=st.integers(1, 200))
def test_overdispersion_makes_surges_less_surprising(mean: float, excess: int) -> None:
    # In the far tail only: just above the mean, extra variance can move mass below the count.
    k = math.ceil(mean + 3 * math.sqrt(mean)) + 2 + excess
    assert upper_tail(k, mean, 0.2) >= upper_tail(k, mean, 0.0) - 1e-12
