"""The statistics calibration rests on: intervals, censoring limits and duration fits.

Pure functions of arrays, so each is tested on its own with data whose answer is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

#: two-sided 95 %
Z95 = 1.959963984540054
#: a fitted distribution "fits" when its largest distance to the data's CDF (KS) is at most
#: this or the 1 % critical value, whichever is larger: at CRM sample sizes every model is
#: rejected by a test, so a fit is judged by how far off it is, not by a p-value
FIT_DISTANCE = 0.05
#: the most records a distribution is fitted to (a seeded subsample beyond)
FIT_SAMPLE = 5000
#: durations varying less than this share of their mean are a fixed time
CONSTANT_CV = 0.01
#: quantiles written for an empirical distribution
EMPIRICAL_POINTS = 50


def poisson_ci(count: int, exposure: float = 1.0) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval for a Poisson rate: ``count`` events in ``exposure``."""
    lo = 0.0 if count == 0 else stats.chi2.ppf(0.025, 2 * count) / 2.0
    hi = stats.chi2.ppf(0.975, 2 * count + 2) / 2.0
    return float(lo / exposure), float(hi / exposure)


def binomial_ci(hits: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval for a proportion (sane at 0 and n, unlike Wald's)."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its Student-t 95 % interval."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(np.mean(values)) if n else math.nan
    if n < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def median_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Median and a distribution-free 95 % interval from order statistics (binomial ranks)."""
    return quantile_ci(values, 0.5)


def quantile_ci(values: np.ndarray, q: float,
                level: float = 0.95) -> tuple[float, float, float]:
    """The ``q`` quantile and a distribution-free interval for it (95 % by default) from
    order statistics: the ranks a Binomial(n, q) count puts around it."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    value = float(np.quantile(x, q))
    tail = (1.0 - level) / 2.0
    low = int(stats.binom.ppf(tail, n, q))  # x[low-1] .. x[high-1] in 1-based ranks
    high = int(stats.binom.ppf(1.0 - tail, n, q)) + 1
    lo = float(x[low - 1]) if low >= 1 else float(x[0])
    hi = float(x[high - 1]) if high <= n else float(x[-1])
    return value, lo, hi


def settle_limit(ref: np.ndarray, delay: np.ndarray, start: float, end: float) -> float:
    """How long after its reference time an item is all but surely resolved.

    The 99th percentile of the resolved delays of items that began in the first half of the
    window (where any delay up to half the window could be seen), at most half the window.
    Items that began less than this before ``end`` are left out of an estimate: among them
    the slow outcomes are still hidden, and counting only the quick ones would bias it.
    """
    half = (end - start) / 2.0
    early = np.asarray(delay, dtype=float)[np.asarray(ref, dtype=float) <= start + half]
    early = early[np.isfinite(early)]
    if not len(early):
        return 0.0
    return float(min(np.quantile(early, 0.99), half))


def duration_text(hours: float) -> str:
    """Hours in a natural unit with three significant figures: "26.7m", "2.35h", "30.2d"."""
    if hours <= 0:
        return "0h"
    if hours < 1:
        return f"{hours * 60:.3g}m"
    if hours < 48:
        return f"{hours:.3g}h"
    return f"{hours / 24:.3g}d"


# --- duration distributions ------------------------------------------------------------


@dataclass
class Candidate:
    """One distribution fitted to the data, with its distance (KS statistic)."""

    family: str  # scipy's name: "lognorm", "gamma", ...
    distance: float
    #: the file format's distribution (None: the format cannot express this family)
    dist: dict[str, Any] | None


@dataclass
class DurationFit:
    """The distribution chosen for a task's or delay's durations, and what came second."""

    dist: dict[str, Any] | str  # as written in a .lane.json file ("2m" when fixed)
    family: str  # "lognorm", ..., or "empirical"
    distance: float
    n: int
    mean: float
    ci95: tuple[float, float]  # of the mean, hours
    runner_up: Candidate | None
    candidates: list[Candidate] = field(default_factory=list)
    note: str = ""


def _ks(xs: np.ndarray, cdf: np.ndarray) -> float:
    """The KS distance between sorted data ``xs`` and model CDF values at them."""
    n = len(xs)
    return max(float(np.max(np.arange(1, n + 1) / n - cdf)), float(np.max(cdf - np.arange(n) / n)))


def _triangular(x: np.ndarray) -> tuple[float, float, float]:
    """min, mode, max closest to the data by the KS distance (Nelder-Mead from the range and
    the moment estimate of the mode): the sample's extremes fall well short of a
    triangular's ends, whose density is zero there, so they cannot be taken as they are."""
    xs = np.sort(x)
    lo, hi = float(xs[0]), float(xs[-1])
    if hi <= lo:
        return lo, lo, hi
    width = hi - lo

    def distance(theta: np.ndarray) -> float:
        a, m, b = float(theta[0]), float(theta[1]), float(theta[2])
        if a < 0 or not a <= m <= b or b - a < 1e-9 or a > xs[0] or b < xs[-1]:
            return 2.0
        return _ks(xs, stats.triang.cdf(xs, (m - a) / (b - a), loc=a, scale=b - a))

    mode = min(max(3.0 * float(xs.mean()) - lo - hi, lo), hi)
    start = np.array([max(lo - 0.05 * width, 0.0), mode, hi + 0.05 * width])
    best = optimize.minimize(distance, start, method="Nelder-Mead",
                             options={"xatol": width * 1e-4, "fatol": 1e-5, "maxiter": 400})
    a, m, b = (float(v) for v in best.x)
    return (a, m, b) if distance(best.x) < 2.0 else (float(start[0]), mode, float(start[2]))


def _candidates(x: np.ndarray) -> list[tuple[str, Any, dict[str, Any] | None]]:
    """(scipy family, frozen distribution, file distribution or None) for each candidate."""
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=1))
    ln_mean = math.exp(mu + sigma * sigma / 2)
    ln_sd = ln_mean * math.sqrt(math.expm1(sigma * sigma))
    lo, mode, hi = _triangular(x)
    pad = (float(x.max()) - float(x.min())) / max(len(x) - 1, 1)  # extremes fall short
    u_lo, u_hi = max(float(x.min()) - pad, 0.0), float(x.max()) + pad
    out: list[tuple[str, Any, dict[str, Any] | None]] = [
        ("expon", stats.expon(scale=mean), {"dist": "exponential", "mean": duration_text(mean)}),
        ("lognorm", stats.lognorm(s=sigma, scale=math.exp(mu)),
         {"dist": "lognormal", "mean": duration_text(ln_mean), "sd": duration_text(ln_sd)}),
        ("norm", stats.norm(mean, sd),
         {"dist": "normal", "mean": duration_text(mean), "sd": duration_text(sd)}),
        ("triang", stats.triang(c=(mode - lo) / (hi - lo) if hi > lo else 0.5, loc=lo,
                                scale=max(hi - lo, 1e-12)),
         {"dist": "triangular", "min": duration_text(lo), "mode": duration_text(mode),
          "max": duration_text(hi)}),
        ("uniform", stats.uniform(loc=u_lo, scale=max(u_hi - u_lo, 1e-12)),
         {"dist": "uniform", "min": duration_text(u_lo), "max": duration_text(u_hi)}),
    ]
    for family in ("gamma", "weibull_min"):  # shown for comparison; the format lacks them
        shape, _, scale = getattr(stats, family).fit(x, floc=0)
        out.append((family, getattr(stats, family)(shape, scale=scale), None))
    return out


def fit_duration(values: np.ndarray, *, seed: int = 0) -> DurationFit | None:
    """The file-format distribution closest to ``values`` (hours) by the KS distance.

    Candidates: exponential, lognormal, normal, triangular and uniform (what the format can
    write), plus gamma and Weibull for comparison. The closest expressible one wins and the
    next is kept as the runner-up; when even the best is further than ``FIT_DISTANCE`` (or the
    1 % critical value) the data's quantiles are written as an empirical distribution.
    None for fewer than 5 positive values.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 5:
        return None
    mean, lo, hi = mean_ci(x)
    if float(np.std(x)) <= CONSTANT_CV * mean:  # a fixed time, give or take the clock
        return DurationFit(duration_text(mean), "fixed", 0.0,
                           len(x), mean, (lo, hi), None)
    sample = x
    if len(x) > FIT_SAMPLE:
        sample = np.random.default_rng(seed).choice(x, FIT_SAMPLE, replace=False)
    candidates = []
    for family, frozen, dist in _candidates(sample):
        distance = float(stats.kstest(sample, frozen.cdf).statistic)
        candidates.append(Candidate(family, distance, dist))
    candidates.sort(key=lambda c: c.distance)
    usable = [c for c in candidates if c.dist is not None]
    best, runner_up = usable[0], usable[1]
    limit = max(FIT_DISTANCE, 1.63 / math.sqrt(len(sample)))
    note = ""
    if candidates[0].dist is None and candidates[0].distance < 0.8 * best.distance - 0.005:
        note = (f"{candidates[0].family} is closer (distance {candidates[0].distance:.3f}) "
                "but the file format cannot express it")
    if best.distance > limit:
        points = np.quantile(x, (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS)
        dist = {"dist": "empirical", "values": [float(f"{p:.4g}") for p in points]}
        note = (f"no distribution fits (closest: {best.family}, distance {best.distance:.3f});"
                " the data's quantiles are used")
        return DurationFit(dist, "empirical", best.distance, len(x), mean, (lo, hi), best,
                           candidates, note)
    assert best.dist is not None
    return DurationFit(best.dist, best.family, best.distance, len(x), mean, (lo, hi),
                       runner_up, candidates, note)
