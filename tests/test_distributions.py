"""Distributions for durations and attributes: analytic means, seeded sampling, bad parameters.

Every statistical check compares the sample mean of N seeded draws with the analytic mean,
allowing 4 standard errors computed from the analytic variance (a false alarm has a chance
of about 6e-5 per check). Analytic moments are computed here, independently of the code
under test: closed forms where they exist, Simpson's rule on the density otherwise.
"""

from __future__ import annotations

import math
import random

import pytest
from pydantic import TypeAdapter, ValidationError

from laneforge.io import ProcessFileError, process_from_data
from laneforge.model.attributes import Choices, attribute_sampler
from laneforge.model.distributions import DurationDist, NumberDist, duration_sampler
from laneforge.model.units import Duration

N = 20_000
DURATIONS = TypeAdapter(DurationDist)
NUMBERS = TypeAdapter(NumberDist)


# --- analytic moments ----------------------------------------------------------------------


def _simpson(f, a: float, b: float, n: int = 20_000) -> float:
    h = (b - a) / n
    total = f(a) + f(b)
    for i in range(1, n):
        total += (4 if i % 2 else 2) * f(a + i * h)
    return total * h / 3


def _clip(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        x = max(x, lo)
    if hi is not None:
        x = min(x, hi)
    return x


def _normal_pdf(z: float, mu: float, sd: float) -> float:
    return math.exp(-0.5 * ((z - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _moments_of_normal_function(g, mu: float, sd: float) -> tuple[float, float]:
    """Mean and variance of g(Z) for Z ~ Normal(mu, sd), by numerical integration."""
    a, b = mu - 12 * sd, mu + 12 * sd
    m1 = _simpson(lambda z: g(z) * _normal_pdf(z, mu, sd), a, b)
    m2 = _simpson(lambda z: g(z) ** 2 * _normal_pdf(z, mu, sd), a, b)
    return m1, m2 - m1 * m1


def _lognormal_log_params(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _positive_part_of_normal(mu: float, sd: float) -> tuple[float, float]:
    """Mean and variance of max(X, 0) for X ~ Normal(mu, sd) (closed form)."""
    k = mu / sd
    m1 = mu * _cdf(k) + sd * _phi(k)
    m2 = (mu * mu + sd * sd) * _cdf(k) + mu * sd * _phi(k)
    return m1, m2 - m1 * m1


def _triangular(a: float, c: float, b: float) -> tuple[float, float]:
    return (a + b + c) / 3, (a * a + b * b + c * c - a * b - a * c - b * c) / 18


def _population(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / len(values)


def _clipped_exponential(m: float, lo: float, hi: float) -> tuple[float, float]:
    def density(x: float) -> float:
        return math.exp(-x / m) / m

    # mass below lo sits at lo, above hi at hi
    below, above = 1 - math.exp(-lo / m), math.exp(-hi / m)
    m1 = lo * below + _simpson(lambda x: x * density(x), lo, hi) + hi * above
    m2 = lo * lo * below + _simpson(lambda x: x * x * density(x), lo, hi) + hi * hi * above
    return m1, m2 - m1 * m1


# --- the cases -------------------------------------------------------------------------------

H = 1.0
M = 1 / 60

#: (id, duration spec, analytic mean in hours, analytic variance)
DURATION_CASES = [
    ("exponential", {"dist": "exponential", "mean": "15m"}, 0.25, 0.25**2),
    (
        "triangular",
        {"dist": "triangular", "min": "10m", "mode": "20m", "max": "1h"},
        *_triangular(10 * M, 20 * M, 1.0),
    ),
    ("uniform", {"dist": "uniform", "min": "1h", "max": "3h"}, 2.0, 4 / 12),
    ("normal", {"dist": "normal", "mean": "1h", "sd": "30m"}, *_positive_part_of_normal(1, 0.5)),
    ("normal-wide", {"dist": "normal", "mean": "1h", "sd": "1h"}, *_positive_part_of_normal(1, 1)),
    ("lognormal", {"dist": "lognormal", "mean": "2h", "sd": "1h"}, 2.0, 1.0),
    (
        "empirical",
        {"dist": "empirical", "values": ["10m", "20m", "1h", 2]},
        *_population([10 * M, 20 * M, 1.0, 2.0]),
    ),
    ("empirical-days", {"dist": "empirical", "values": ["1d", "3d"]}, 48.0, 24.0**2),
    ("fixed-text", "2h", 2.0, 0.0),
    ("fixed-number", 3, 3.0, 0.0),
    ("fixed-minutes", "45m", 0.75, 0.0),
]

_LOG_MU, _LOG_SIGMA = _lognormal_log_params(5, 2)

#: (id, attribute-style spec with plain numbers, analytic mean, analytic variance)
NUMBER_CASES = [
    ("exponential", {"dist": "exponential", "mean": 3}, 3.0, 9.0),
    ("triangular", {"dist": "triangular", "min": 1, "mode": 2, "max": 6}, *_triangular(1, 2, 6)),
    ("uniform", {"dist": "uniform", "min": -5, "max": 5}, 0.0, 100 / 12),
    ("normal", {"dist": "normal", "mean": -1, "sd": 2}, -1.0, 4.0),
    ("lognormal", {"dist": "lognormal", "mean": 5, "sd": 2}, 5.0, 4.0),
    ("empirical", {"dist": "empirical", "values": [1, 2, 2, 7]}, *_population([1, 2, 2, 7])),
    (
        "normal-clipped",
        {"dist": "normal", "mean": 55, "sd": 20, "min": 0, "max": 100},
        *_moments_of_normal_function(lambda z: _clip(z, 0, 100), 55, 20),
    ),
    (
        "exponential-clipped",
        {"dist": "exponential", "mean": 3, "min": 1, "max": 5},
        *_clipped_exponential(3, 1, 5),
    ),
    (
        "lognormal-clipped",
        {"dist": "lognormal", "mean": 5, "sd": 2, "min": 3, "max": 8},
        *_moments_of_normal_function(lambda z: _clip(math.exp(z), 3, 8), _LOG_MU, _LOG_SIGMA),
    ),
]


def _draws(dist, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [dist.sample(rng) for _ in range(N)]


def _assert_sample_mean(draws: list[float], mean: float, variance: float) -> None:
    sample_mean = sum(draws) / len(draws)
    if variance == 0:
        assert all(d == mean for d in draws)
        return
    standard_error = math.sqrt(variance / len(draws))
    assert abs(sample_mean - mean) < 4 * standard_error, (sample_mean, mean, standard_error)


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "mean", "variance"), [c[1:] for c in DURATION_CASES],
                         ids=[c[0] for c in DURATION_CASES])
def test_duration_mean_is_analytic(spec, mean, variance):
    dist = DURATIONS.validate_python(spec)
    assert dist.mean == pytest.approx(mean, rel=1e-9)


@pytest.mark.parametrize(("spec", "mean", "variance"), [c[1:] for c in DURATION_CASES],
                         ids=[c[0] for c in DURATION_CASES])
def test_duration_sample_mean_matches_theory(spec, mean, variance):
    dist = DURATIONS.validate_python(spec)
    draws = _draws(dist, seed=20260105)
    assert min(draws) >= 0
    _assert_sample_mean(draws, mean, variance)


def test_duration_parameters_are_read_as_durations():
    dist = DURATIONS.validate_python({"dist": "uniform", "min": "30m", "max": "1d"})
    draws = _draws(dist, seed=7)
    assert min(draws) >= 0.5 and max(draws) <= 24.0
    assert max(draws) > 20  # parameters are hours, not minutes or raw numbers


def test_normal_duration_is_truncated_at_zero():
    dist = DURATIONS.validate_python({"dist": "normal", "mean": "30m", "sd": "1h"})
    draws = _draws(dist, seed=3)
    assert min(draws) == 0.0
    share_at_zero = sum(d == 0.0 for d in draws) / N
    p_negative = _cdf(-0.5)  # P(X < 0) for mean 0.5 h, sd 1 h
    standard_error = math.sqrt(p_negative * (1 - p_negative) / N)
    assert abs(share_at_zero - p_negative) < 4 * standard_error
    expected, _ = _positive_part_of_normal(0.5, 1.0)
    assert dist.mean == pytest.approx(expected, rel=1e-9)
    assert dist.mean > 0.5  # the truncation moves the mean up


def test_numeric_normal_is_not_truncated():
    dist = NUMBERS.validate_python({"dist": "normal", "mean": 0.5, "sd": 1})
    assert dist.mean == 0.5
    assert min(_draws(dist, seed=3)) < -2


def test_duration_sampler_of_fixed_and_missing_durations():
    rng = random.Random(1)
    assert duration_sampler(None, rng)() == 0.0
    assert duration_sampler(Duration.parse("90m"), rng)() == 1.5


def test_same_seed_gives_the_same_draws():
    dist = DURATIONS.validate_python({"dist": "lognormal", "mean": "2h", "sd": "1h"})
    assert _draws(dist, seed=11)[:50] == _draws(dist, seed=11)[:50]
    assert _draws(dist, seed=11)[:50] != _draws(dist, seed=12)[:50]


def test_degenerate_triangular_is_constant():
    dist = DURATIONS.validate_python({"dist": "triangular", "min": "1h", "mode": "1h", "max": "1h"})
    assert dist.mean == 1.0
    assert set(_draws(dist, seed=1)[:100]) == {1.0}


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "mean", "variance"), [c[1:] for c in NUMBER_CASES],
                         ids=[c[0] for c in NUMBER_CASES])
def test_number_mean_is_analytic(spec, mean, variance):
    dist = NUMBERS.validate_python(spec)
    assert dist.mean == pytest.approx(mean, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize(("spec", "mean", "variance"), [c[1:] for c in NUMBER_CASES],
                         ids=[c[0] for c in NUMBER_CASES])
def test_number_sample_mean_matches_theory(spec, mean, variance):
    dist = NUMBERS.validate_python(spec)
    _assert_sample_mean(_draws(dist, seed=424242), mean, variance)


def test_clipped_attribute_normal_respects_its_bounds():
    process = process_from_data(_process_with_attributes(
        {"score": {"dist": "normal", "mean": 55, "sd": 20, "min": 0, "max": 100}}
    ))
    sample = attribute_sampler(process.attributes["score"], random.Random(5))
    draws = [sample() for _ in range(N)]
    assert min(draws) == 0 and max(draws) == 100  # about 0.3 % and 1.2 % sit on the bounds
    expected, variance = _moments_of_normal_function(lambda z: _clip(z, 0, 100), 55, 20)
    _assert_sample_mean(draws, expected, variance)


def test_choices_attribute_draws_each_choice_at_its_weight():
    choices = Choices(choices={"smb": 0.6, "mid": 0.3, "enterprise": 0.1})
    sample = choices.sampler(random.Random(9))
    draws = [sample() for _ in range(N)]
    for key, p in choices.choices.items():
        share = draws.count(key) / N
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / N), key


def test_choices_weights_are_relative():
    choices = Choices(choices={"a": 3, "b": 1})
    assert choices.probabilities() == {"a": 0.75, "b": 0.25}


def test_constant_attributes():
    process = process_from_data(_process_with_attributes({"region": "emea", "vip": True, "n": 4}))
    rng = random.Random(1)
    assert attribute_sampler(process.attributes["region"], rng)() == "emea"
    assert attribute_sampler(process.attributes["vip"], rng)() is True
    assert attribute_sampler(process.attributes["n"], rng)() == 4


# --- invalid parameters ----------------------------------------------------------------------

BAD_SPECS = [
    ("triangular-min-above-mode", {"dist": "triangular", "min": 3, "mode": 1, "max": 5},
     "min <= mode <= max"),
    ("triangular-mode-above-max", {"dist": "triangular", "min": 1, "mode": 6, "max": 5},
     "min <= mode <= max"),
    ("uniform-min-above-max", {"dist": "uniform", "min": 3, "max": 1}, "min <= max"),
    ("exponential-mean-zero", {"dist": "exponential", "mean": 0}, "greater than 0"),
    ("lognormal-mean-zero", {"dist": "lognormal", "mean": 0, "sd": 1}, "greater than 0"),
    ("empirical-empty", {"dist": "empirical", "values": []}, "at least 1"),
    ("unknown-dist", {"dist": "weibull", "mean": 1}, "one of: exponential, triangular"),
    ("no-dist", {"mean": 3}, "one of: exponential"),
    ("missing-parameter", {"dist": "exponential"}, "required"),
]

NEGATIVE_SD = [
    {"dist": "normal", "mean": 1, "sd": -1},
    {"dist": "lognormal", "mean": 1, "sd": -1},
]


@pytest.mark.parametrize(("spec", "words"), [c[1:] for c in BAD_SPECS],
                         ids=[c[0] for c in BAD_SPECS])
@pytest.mark.parametrize("family", [DURATIONS, NUMBERS], ids=["duration", "number"])
def test_invalid_parameters_are_rejected(family, spec, words):
    with pytest.raises(ValidationError) as caught:
        family.validate_python(spec)
    assert words in str(caught.value)


@pytest.mark.parametrize("spec", NEGATIVE_SD, ids=["normal", "lognormal"])
@pytest.mark.parametrize("family", [DURATIONS, NUMBERS], ids=["duration", "number"])
def test_negative_sd_is_rejected(family, spec):
    with pytest.raises(ValidationError, match=r"cannot be negative|must be .* >= 0"):
        family.validate_python(spec)


def test_negative_duration_parameter_is_rejected():
    with pytest.raises(ValidationError, match="cannot be negative"):
        DURATIONS.validate_python({"dist": "normal", "mean": "1h", "sd": "-5m"})


def test_text_parameters_are_refused_for_numbers():
    with pytest.raises(ValidationError, match="expected a number"):
        NUMBERS.validate_python({"dist": "exponential", "mean": "3h"})


def test_bad_distribution_in_a_file_names_the_field():
    data = _process_with_attributes({})
    data["nodes"][1]["duration"] = {"dist": "triangular", "min": "2h", "mode": "1h", "max": "3h"}
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(data, "funnel.lane.json")
    assert caught.value.field == "nodes[1].duration"
    assert "min <= mode <= max" in str(caught.value)
    assert str(caught.value).startswith("funnel.lane.json: nodes[1].duration: ")


def _process_with_attributes(attributes: dict) -> dict:
    return {
        "format": "laneforge/process",
        "version": 1,
        "name": "attributes",
        "attributes": attributes,
        "lanes": [{"id": "team", "staff": 1}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "team", "arrivals": {"rate": "1/h"}},
            {"id": "work", "kind": "task", "lane": "team", "duration": "1h"},
            {"id": "out", "kind": "end", "lane": "team"},
        ],
        "edges": [{"from": "in", "to": "work"}, {"from": "work", "to": "out"}],
    }
