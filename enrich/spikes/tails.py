"""Tail probabilities of Poisson and negative-binomial counts, in pure Python.

The detector needs ``P(X >= observed)`` for a count ``X`` with a given mean and overdispersion, tens
of thousands of times a second, so these use the standard library only: an exact upper-tail sum
when the count is small (where approximations are worst and the sum is short) and the
Lugannani-Rice saddle-point approximation (continuity-corrected) when it is large, which is within
~0.15 decades of the exact tail probability from p = 0.05 down to 1e-20.
"""

from __future__ import annotations

import math

_EXACT_MAX = 60
"""Observed counts up to this are summed exactly; above it the saddle-point approximation is used."""

_POISSON_SIZE = 1e8
"""Negative-binomial sizes above this are treated as Poisson (overdispersion below 1e-8)."""

_SQRT2 = math.sqrt(2.0)


def _log_pmf(k: float, mean: float, size: float | None) -> float:
    if size is None:
        return k * math.log(mean) - mean - math.lgamma(k + 1.0)
    return (
        math.lgamma(k + size)
        - math.lgamma(size)
        - math.lgamma(k + 1.0)
        + size * math.log(size / (size + mean))
        + k * math.log(mean / (size + mean))
    )


def _exact_upper(k: int, mean: float, size: float | None) -> float:
    """Sum of the pmf from ``k`` upwards; terms shrink geometrically once ``k`` exceeds the mean."""
    term = math.exp(_log_pmf(float(k), mean, size))
    total = term
    j = k
    q = mean / (size + mean) if size is not None else 0.0
    for _ in range(2000):
        if size is None:
            term *= mean / (j + 1)
        else:
            term *= (j + size) / (j + 1) * q
        j += 1
        total += term
        if term < total * 1e-7:  # far more precise than the model itself
            break
    return min(1.0, total)


def _deviance(y: float, mean: float, size: float | None) -> float:
    """Unit deviance of a count ``y`` (possibly fractional) against ``mean``."""
    dev = -(y - mean) if y <= 0.0 else y * math.log(y / mean) - (y - mean)
    if size is not None:
        # NB unit deviance: y*log(y/mu) - (y+r)*log((y+r)/(mu+r)); the Poisson form above is its limit.
        dev = (y * math.log(y / mean) if y > 0.0 else 0.0) - (y + size) * math.log((y + size) / (mean + size))
    return 2.0 * max(dev, 0.0)


def upper_tail(observed: float, mean: float, overdispersion: float = 0.0) -> float:
    """``P(X >= observed)`` for ``X`` negative binomial with ``mean`` and variance ``mean + od * mean**2``.

    ``overdispersion == 0`` gives the Poisson distribution. ``mean`` is floored at 1e-9.
    """
    if observed <= 0.0:
        return 1.0
    mean = max(mean, 1e-9)
    size = 1.0 / overdispersion if overdispersion > 1.0 / _POISSON_SIZE else None
    k = math.ceil(observed)
    if k <= _EXACT_MAX and k > mean:
        return _exact_upper(k, mean, size)
    # Continuity correction: P(X >= k) ~ P(Y >= k - 1/2) for the continuous approximation.
    y = k - 0.5
    w = math.sqrt(_deviance(y, mean, size))
    if y <= mean:
        return 0.5 * math.erfc(-w / _SQRT2)
    p = 0.5 * math.erfc(w / _SQRT2)
    if w < 0.05:
        return p  # the correction below is 0/0 at the mean
    # Lugannani-Rice: saddle point s of the cumulant generating function at y, curvature K''(s).
    if size is None:
        s, k2 = math.log(y / mean), y
    else:
        s, k2 = math.log(y * (size + mean) / (mean * (size + y))), y * (size + y) / size
    u = s * math.sqrt(k2)
    density = math.exp(-0.5 * w * w) / math.sqrt(2.0 * math.pi)
    return min(1.0, max(0.0, p + density * (1.0 / u - 1.0 / w)))


def lower_tail(observed: float, mean: float, overdispersion: float = 0.0) -> float:
    """``P(X <= observed)`` (deviance approximation), used to notice a sustained drop in volume."""
    mean = max(mean, 1e-9)
    size = 1.0 / overdispersion if overdispersion > 1.0 / _POISSON_SIZE else None
    if observed < 0.0:
        return 0.0
    if size is None and observed < 1.0:
        return math.exp(-mean)
    if size is not None and observed < 1.0:
        return math.exp(size * math.log(size / (size + mean)))
    y = math.floor(observed) + 0.5
    r = math.sqrt(_deviance(y, mean, size))
    if y < mean:
        r = -r
    return 0.5 * math.erfc(-r / _SQRT2)
