"""The statistics under calibration, each on data whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from laneforge.app.calibrate_branches import BranchEdge, fit_branch, fit_decay
from laneforge.app.calibrate_paths import routes
from laneforge.app.calibrate_stats import (
    binomial_ci,
    fit_duration,
    mean_ci,
    median_ci,
    poisson_ci,
    settle_limit,
)
from laneforge.app.calibrate_time import (
    batches_from_bursts,
    days_text,
    find_bursts,
    fit_arrivals,
    fit_calendar,
    fit_staff,
    whole_weeks,
)
from laneforge.io import process_from_data

SIGMAS = 3.3
MONDAY = pd.Timestamp("2026-01-05")


# --- intervals -----------------------------------------------------------------------------


def test_poisson_interval_is_garwoods() -> None:
    assert poisson_ci(0) == pytest.approx((0.0, 3.6889), abs=1e-4)
    assert poisson_ci(10) == pytest.approx((4.7954, 18.3904), abs=1e-4)
    assert poisson_ci(10, 2.0) == pytest.approx((4.7954 / 2, 18.3904 / 2), abs=1e-4)


@pytest.mark.parametrize("rate", [0.7, 7.5, 40.0])
def test_poisson_interval_covers_at_least_95_percent(rate: float) -> None:
    ks = np.arange(0, int(rate * 4 + 40))
    covered = [k for k in ks if poisson_ci(int(k))[0] <= rate <= poisson_ci(int(k))[1]]
    assert stats.poisson.pmf(covered, rate).sum() >= 0.95


def test_binomial_interval_is_wilsons() -> None:
    assert binomial_ci(30, 100) == pytest.approx((0.2189, 0.3958), abs=1e-4)
    lo, hi = binomial_ci(0, 20)
    assert lo == 0.0 and 0.1 < hi < 0.2
    assert binomial_ci(0, 0) == (0.0, 1.0)


def test_binomial_interval_coverage_is_near_nominal() -> None:
    n, p = 200, 0.3
    ks = np.arange(n + 1)
    covered = [k for k in ks if binomial_ci(int(k), n)[0] <= p <= binomial_ci(int(k), n)[1]]
    assert stats.binom.pmf(covered, n, p).sum() >= 0.93


def test_median_interval_uses_binomial_ranks() -> None:
    median, lo, hi = median_ci(np.arange(10.0))
    assert (median, lo, hi) == (4.5, 1.0, 8.0)
    j = int(stats.binom.ppf(0.025, 10, 0.5))
    assert 1 - 2 * stats.binom.cdf(j - 1, 10, 0.5) >= 0.95
    assert median_ci(np.array([3.0, 5.0])) == (4.0, 3.0, 5.0)


def test_mean_interval_is_students() -> None:
    mean, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    half = stats.t.ppf(0.975, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, lo, hi) == pytest.approx((2.5, 2.5 - half, 2.5 + half))


def test_settle_limit_is_the_time_nearly_everything_takes() -> None:
    refs = np.linspace(0, 100, 1001)
    assert settle_limit(refs, np.full(1001, 5.0), 0.0, 100.0) == pytest.approx(5.0)
    # delays longer than half the window cannot be told apart from open leads: capped there
    assert settle_limit(refs, np.full(1001, 80.0), 0.0, 100.0) == pytest.approx(50.0)
    assert settle_limit(np.array([90.0]), np.array([1.0]), 0.0, 100.0) == 0.0


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(("family", "draw", "mean", "sd"), [
    ("triang", lambda r, n: r.triangular(0.25, 0.4, 0.7, n), 0.45, 0.0935),
    ("lognorm", lambda r, n: r.lognormal(0.0, 0.5, n), math.exp(0.125),
     math.exp(0.125) * math.sqrt(math.expm1(0.25))),
    ("expon", lambda r, n: r.exponential(2.0, n), 2.0, 2.0),
    ("uniform", lambda r, n: r.uniform(1.0, 3.0, n), 2.0, 2 / math.sqrt(12)),
])
def test_duration_family_and_mean_come_back(family: str, draw, mean: float, sd: float) -> None:
    values = draw(np.random.default_rng(3), 3000)
    fit = fit_duration(values)
    assert fit is not None
    assert fit.family == family
    assert abs(fit.mean - mean) <= SIGMAS * sd / math.sqrt(3000)
    assert fit.ci95[0] < fit.mean < fit.ci95[1]
    assert fit.runner_up is not None and fit.runner_up.distance >= fit.distance
    assert fit.dist["dist"] in {"triangular", "lognormal", "exponential", "uniform"}


def test_nothing_fits_two_humps_so_the_data_is_used() -> None:
    rng = np.random.default_rng(4)
    values = np.r_[rng.normal(1, 0.1, 1500), rng.normal(5, 0.2, 1500)]
    fit = fit_duration(values)
    assert fit.family == "empirical"
    points = fit.dist["values"]
    assert len(points) == 50 and points == sorted(points)
    assert np.mean(points) == pytest.approx(values.mean(), rel=0.02)
    assert "no distribution fits" in fit.note


def test_a_shape_the_format_lacks_is_noted() -> None:
    fit = fit_duration(np.random.default_rng(5).gamma(3.0, 1.0, 3000))
    assert fit.dist is not None and fit.family in {"lognorm", "norm", "triang"}
    assert "gamma" in fit.note


def test_fixed_and_too_few_durations() -> None:
    fit = fit_duration(np.full(40, 2 / 60) + np.random.default_rng(1).uniform(0, 1e-5, 40))
    assert fit.family == "fixed" and fit.dist == "2m"
    assert fit_duration(np.array([1.0, 2.0, 3.0])) is None
    assert fit_duration(np.array([0.0, -1.0, np.nan, 1.0, 2.0, 3.0])) is None


# --- branches and decay --------------------------------------------------------------------


def _passes(rng: np.random.Generator, n: int, base: float, half: float, other: float):
    ages = rng.uniform(0, 96, n)
    u = rng.random(n)
    p = base * 0.5 ** (ages / half)
    chosen = np.where(u < p, 0, np.where(u < p + other, 1, 2))
    return chosen, ages


def test_decay_base_and_half_life_come_back() -> None:
    chosen, ages = _passes(np.random.default_rng(8), 20000, 0.5, 24.0, 0.2)
    bases, fits = fit_decay(chosen, ages[:, None], ["meet", "later"], [36.0, None])
    decay = fits[0]
    assert decay is not None and decay.identified and fits[1] is None
    se = (math.log(decay.ci95[1]) - math.log(decay.ci95[0])) / (2 * 1.96)
    assert abs(math.log(decay.half_life / 24.0)) <= SIGMAS * se
    se_base = (decay.base_ci95[1] - decay.base_ci95[0]) / (2 * 1.96)
    assert abs(bases[0] - 0.5) <= SIGMAS * se_base
    assert abs(bases[1] - 0.2) <= SIGMAS * math.sqrt(0.2 * 0.8 / 20000)


def test_a_half_life_is_not_identified_when_nobody_waits() -> None:
    rng = np.random.default_rng(9)
    chosen = (rng.random(2000) >= 0.4).astype(int)  # 0: the decaying edge, 1: the default
    _, fits = fit_decay(chosen, np.zeros((2000, 1)), ["meet"], [24.0])
    assert fits[0] is not None and not fits[0].identified


def test_fit_branch_leaves_out_the_last_passes_until_they_settle() -> None:
    rng = np.random.default_rng(2)
    n = 4000
    ref = rng.uniform(0, 1000, n)
    slow = rng.random(n) < 0.3
    seen = ref + np.where(slow, rng.uniform(0, 100, n), 0.0)
    visible = seen <= 1000
    passes = pd.DataFrame({"target": np.where(slow, "slow", "quick"), "ref": ref, "seen": seen,
                           "passed": ref})[visible].reset_index(drop=True)
    edges = [BranchEdge("slow", 0.5, None, False), BranchEdge("quick", 0.5, None, False)]
    fit = fit_branch("x", edges, passes, None, int((~visible).sum()), 0.0, 1000.0)
    assert 90 <= fit.limit_hours <= 100
    p = fit.targets["slow"][0]
    assert abs(p - 0.3) <= SIGMAS * math.sqrt(0.21 / fit.n)
    assert fit.pending == int((~visible).sum())
    assert fit.seen["slow"] + fit.seen["quick"] == len(passes)


# --- routes through unrecorded nodes -------------------------------------------------------


def test_routes_pass_only_unrecorded_nodes_and_flag_two_ways() -> None:
    process = process_from_data({
        "format": "laneforge/process", "version": 1, "name": "r",
        "lanes": [{"id": "l", "staff": None}],
        "nodes": [{"id": i, "kind": k, "lane": "l"} for i, k in (
            ("s", "source"), ("d1", "decision"), ("a", "decision"), ("b", "decision"),
            ("t", "task"), ("e", "end"))],
        "edges": [{"from": "s", "to": "d1"},
                  {"from": "d1", "to": "a", "probability": 0.5},
                  {"from": "d1", "to": "b", "probability": 0.5},
                  {"from": "a", "to": "t"}, {"from": "b", "to": "t"}, {"from": "t", "to": "e"}],
    })
    index = {node.id: i for i, node in enumerate(process.nodes)}
    s, t, e = index["s"], index["t"], index["e"]
    table = routes(process, frozenset({s, t, e}))
    assert table[s][t] == ()  # through a or through b: the records cannot tell
    assert table[t][e] == (e,)
    table = routes(process, frozenset({s, index["a"], t, e}))
    assert table[s][index["a"]] == (index["d1"], index["a"])
    assert table[s][t] == (index["d1"], index["b"], t)


# --- time ----------------------------------------------------------------------------------


def test_whole_weeks_start_on_the_first_monday() -> None:
    first, weeks = whole_weeks(pd.Timestamp("2026-01-07 10:00"), pd.Timestamp("2026-02-10"))
    assert first == pd.Timestamp("2026-01-12") and weeks == 4
    assert whole_weeks(MONDAY, MONDAY + pd.Timedelta(days=6))[1] == 0


def _poisson_times(rng: np.random.Generator, per_day: float, days: int) -> pd.Series:
    n = rng.poisson(per_day * days)
    return pd.Series(MONDAY + pd.to_timedelta(np.sort(rng.uniform(0, days, n)), unit="D"))


def test_flat_arrivals_get_a_rate_and_no_profile() -> None:
    times = _poisson_times(np.random.default_rng(1), 50.0, 84)
    fit = fit_arrivals(times, MONDAY, MONDAY + pd.Timedelta(days=84))
    assert fit.weeks == 12 and fit.profile is None and fit.batches == []
    days = 84.0
    assert abs(fit.rate_per_day - 50.0) <= SIGMAS * math.sqrt(50.0 * days) / days
    assert fit.ci95[0] < fit.rate_per_day < fit.ci95[1]
    assert sum(fit.hours) == pytest.approx(24.0)


def test_imports_are_found_and_kept_out_of_the_rate() -> None:
    rng = np.random.default_rng(2)
    steady = _poisson_times(rng, 50.0, 90)
    imports = [MONDAY + pd.Timedelta(days=d, hours=10) for d in (10, 40, 70)]
    burst = pd.Series([when + pd.Timedelta(seconds=s) for when in imports for s in range(200)])
    times = pd.concat([steady, burst], ignore_index=True)
    fit = fit_arrivals(times, MONDAY, MONDAY + pd.Timedelta(days=90))
    assert len(fit.batches) == 1
    batch = fit.batches[0]
    assert (batch.size, batch.first, batch.every_days, batch.count) == (200, imports[0], 30.0, 3)
    assert abs(fit.rate_per_day - 50.0) <= SIGMAS * math.sqrt(50.0 * 84) / 84
    two = find_bursts(burst[:400], 0.03)
    assert [size for _, size in two] == [200, 200]
    assert [b.every_days for b in batches_from_bursts(two)] == [None, None]
    uneven = [(imports[0], 200), (imports[1], 200), (imports[2] + pd.Timedelta(days=9), 200)]
    assert len(batches_from_bursts(uneven)) == 3


def test_staff_is_the_median_of_distinct_owners_per_week() -> None:
    per_week = [3, 3, 4, 3, 2]
    times, owners = [], []
    for week, count in enumerate(per_week):
        for k in range(count):
            for hour in (10, 30, 50):
                times.append(MONDAY + pd.Timedelta(days=7 * week, hours=hour))
                owners.append(f"u{k}")
    fit = fit_staff(pd.Series(times), pd.Series(owners), MONDAY,
                    MONDAY + pd.Timedelta(days=35))
    assert fit.per_week == per_week and fit.staff == 3 and fit.owners_seen == 4
    assert fit.ci95[0] <= 3 <= fit.ci95[1]
    assert fit_staff(pd.Series(times), pd.Series(owners), MONDAY,
                     MONDAY + pd.Timedelta(days=3)) is None


def test_calendar_comes_back_from_work_starts_with_a_lunch_break() -> None:
    rng = np.random.default_rng(6)
    starts = []
    for day in range(56):
        date = MONDAY + pd.Timedelta(days=day)
        if date.day_of_week >= 5:
            continue
        for lo, hi in ((9.0, 12.5), (13.5, 17.5)):
            starts.extend(date + pd.to_timedelta(rng.uniform(lo, hi, 20), unit="h"))
    starts.append(MONDAY + pd.Timedelta(days=5, hours=19))  # someone logged a call on Saturday
    fit = fit_calendar(pd.Series(starts))
    assert (fit.days, fit.hours) == ("mon-fri", "09:00-12:30,13:30-17:30")
    assert fit.coverage > 0.99
    assert fit_calendar(pd.Series(starts[:10])) is None


def test_days_are_written_as_a_calendar_writes_them() -> None:
    assert days_text([0, 1, 2, 3, 4]) == "mon-fri"
    assert days_text([0, 2, 4]) == "mon,wed,fri"
    assert days_text([6, 5, 0]) == "mon,sat-sun"
    assert days_text(list(range(7))) == "mon-sun"
