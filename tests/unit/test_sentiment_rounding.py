"""round_half_even must be bit-identical to Python's round() (the reference rounds with it)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from enrich.sentiment.analyzer import round_half_even, round_proportion

_DIGITS = st.sampled_from([(3, 1000.0), (4, 10000.0)])


def _same(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (math.isnan(a) and math.isnan(b))


@settings(max_examples=3000, deadline=None)
@given(x=st.floats(min_value=-1.0, max_value=1.0), digits=_DIGITS)
@example(x=0.0625, digits=(3, 1000.0))  # exact tie, rounds to even
@example(x=0.00005, digits=(4, 10000.0))
@example(x=-0.0, digits=(3, 1000.0))
@example(x=-0.00004, digits=(4, 10000.0))  # rounds to -0.0
def test_matches_round_on_scores_range(x: float, digits: tuple[int, float]) -> None:
    ndigits, scale = digits
    assert _same(round_half_even(x, scale, ndigits), round(x, ndigits))


@settings(max_examples=2000, deadline=None)
@given(k=st.integers(min_value=-10_000, max_value=10_000), ulps=st.integers(-4, 4), digits=_DIGITS)
def test_matches_round_next_to_ties(k: int, ulps: int, digits: tuple[int, float]) -> None:
    ndigits, scale = digits
    x = (k + 0.5) / scale
    for _ in range(abs(ulps)):
        x = math.nextafter(x, math.inf if ulps > 0 else -math.inf)
    assert _same(round_half_even(x, scale, ndigits), round(x, ndigits))


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan, 1e300, -12345.6789, 15.9999995])
def test_out_of_range_values_fall_back_to_round(x: float) -> None:
    assert _same(round_half_even(x, 1000.0, 3), round(x, 3))


@settings(max_examples=2000, deadline=None)
@given(x=st.floats(min_value=0.0, max_value=1.0))
@example(x=0.0625)
@example(x=0.0005)
@example(x=1.0)
def test_round_proportion_matches_round(x: float) -> None:
    assert _same(round_proportion(x), round(x, 3))


@settings(max_examples=1000, deadline=None)
@given(k=st.integers(min_value=0, max_value=999), ulps=st.integers(-4, 4))
def test_round_proportion_next_to_ties(k: int, ulps: int) -> None:
    x = (k + 0.5) / 1000.0
    for _ in range(abs(ulps)):
        x = math.nextafter(x, math.inf if ulps > 0 else -math.inf)
    assert _same(round_proportion(x), round(x, 3))
