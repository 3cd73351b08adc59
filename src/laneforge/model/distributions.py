"""Probability distributions for durations (in hours) and numeric lead attributes.

Every distribution has ``mean`` and ``sample(rng)``, and ``sampler(rng)`` returns a
zero-argument closure for the engine's hot loop. Duration distributions take their
parameters as durations ("15m"); attribute distributions take plain numbers. Both families
are built from the same classes so they behave identically.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable
from statistics import NormalDist
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .types import Number
from .units import Duration

Sampler = Callable[[], float]

_SQRT2 = math.sqrt(2.0)


_STANDARD = NormalDist()


def _z(u: float) -> float:
    """The standard normal quantile, with ``u`` kept inside (0, 1)."""
    return _STANDARD.inv_cdf(min(max(u, 1e-300), 1.0 - 1e-16))


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / _SQRT2))


def clipped_normal_mean(mu: float, sd: float, lo: float | None, hi: float | None) -> float:
    """E[min(max(X, lo), hi)] for X ~ Normal(mu, sd)."""
    if sd == 0:
        return min(max(mu, lo if lo is not None else mu), hi if hi is not None else mu)
    a = -math.inf if lo is None else (lo - mu) / sd
    b = math.inf if hi is None else (hi - mu) / sd
    pa = 0.0 if lo is None else _cdf(a)
    pb = 1.0 if hi is None else _cdf(b)
    fa = 0.0 if lo is None else _phi(a)
    fb = 0.0 if hi is None else _phi(b)
    mean = mu * (pb - pa) + sd * (fa - fb)
    if lo is not None:
        mean += lo * pa
    if hi is not None:
        mean += hi * (1.0 - pb)
    return mean


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the underlying normal for a lognormal with this mean and sd."""
    sigma2 = math.log(1.0 + (sd * sd) / (mean * mean))
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def _clipped_lognormal_mean(mean: float, sd: float, lo: float | None, hi: float | None) -> float:
    if sd == 0:
        return min(max(mean, lo if lo is not None else mean), hi if hi is not None else mean)
    mu, sigma = lognormal_params(mean, sd)

    def partial(x: float) -> float:  # E[X; X < x]
        if x <= 0:
            return 0.0
        return mean * _cdf((math.log(x) - mu - sigma * sigma) / sigma)

    def cdf(x: float) -> float:
        return 0.0 if x <= 0 else _cdf((math.log(x) - mu) / sigma)

    lo_v = max(lo, 0.0) if lo is not None else 0.0
    hi_v = hi if hi is not None else math.inf
    inner = (mean if hi_v == math.inf else partial(hi_v)) - partial(lo_v)
    return lo_v * cdf(lo_v) + inner + (0.0 if hi_v == math.inf else hi_v * (1.0 - cdf(hi_v)))


def _clip(sample: Sampler, lo: float | None, hi: float | None) -> Sampler:
    if lo is None and hi is None:
        return sample
    lo_v = -math.inf if lo is None else lo
    hi_v = math.inf if hi is None else hi
    return lambda: min(max(sample(), lo_v), hi_v)


def _f(value: Any) -> float:
    return float(value)


class _Dist(BaseModel):
    model_config = ConfigDict(extra="allow")

    #: durations are never negative: the normal is truncated at zero
    _nonnegative: bool = False

    @property
    def mean(self) -> float:
        raise AssertionError("subclasses define mean")

    def sampler(self, rng: random.Random) -> Sampler:
        raise AssertionError("subclasses define sampler")

    def sample(self, rng: random.Random) -> float:
        return self.sampler(rng)()

    # conditional draws (the time left of a job already under way): each distribution gives
    # its unclipped CDF and inverse CDF and its clip bounds
    def _cdf(self, x: float) -> float:
        raise NotImplementedError

    def _ppf(self, u: float) -> float:
        raise NotImplementedError

    def _clip_bounds(self) -> tuple[float | None, float | None]:
        return _opt(getattr(self, "min", None)), _opt(getattr(self, "max", None))

    def remaining_sampler(self, rng: random.Random) -> Callable[[float], float]:
        """``remaining(elapsed)``: a draw of ``X - elapsed`` given ``X > elapsed``, for a
        job that has run ``elapsed`` hours (inverse CDF: ``F^-1(U(F(a), 1)) - a``).

        A job past the end of the support (``F(a) = 1``, or beyond ``max``) finishes now
        (0). Below a clip ``min`` the condition says nothing (every draw is above it)."""
        lo, hi = self._clip_bounds()
        cdf, ppf, rand = self._cdf, self._ppf, rng.random

        def remaining(elapsed: float) -> float:
            if hi is not None and elapsed >= hi:
                return 0.0
            if lo is not None and elapsed < lo:
                x = ppf(rand())
            else:
                p = cdf(elapsed)
                if p >= 1.0:
                    return 0.0
                x = ppf(p + (1.0 - p) * rand())
            if lo is not None and x < lo:
                x = lo
            if hi is not None and x > hi:
                x = hi
            return x - elapsed if x > elapsed else 0.0

        return remaining


def _exponential_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The exponential distribution over quantities of type ``Q``."""

    class Exponential(_Dist):
        dist: Literal["exponential"]
        mean_: Q = Field(alias="mean")
        min: optional_bound = None
        max: optional_bound = None

        @field_validator("mean_")
        @classmethod
        def _positive(cls, v: Any) -> Any:
            if _f(v) <= 0:
                raise ValueError("the mean of an exponential must be greater than 0")
            return v

        @property
        def mean(self) -> float:
            m = _f(self.mean_)
            lo, hi = _opt(self.min), _opt(self.max)
            if lo is None and hi is None:
                return m
            a, b = max(lo or 0.0, 0.0), hi if hi is not None else math.inf
            # E[clip(X, a, b)] = a + integral_a^b P(X > x) dx
            tail = m * (math.exp(-a / m) - (0.0 if b == math.inf else math.exp(-b / m)))
            return a + tail

        def sampler(self, rng: random.Random) -> Sampler:
            m = _f(self.mean_)
            log, rand = math.log, rng.random
            return _clip(lambda: -m * log(1.0 - rand()), _opt(self.min), _opt(self.max))

        def _cdf(self, x: float) -> float:
            return 0.0 if x <= 0 else 1.0 - math.exp(-x / _f(self.mean_))

        def _ppf(self, u: float) -> float:
            return -_f(self.mean_) * math.log(1.0 - u) if u < 1.0 else math.inf

        def remaining_sampler(self, rng: random.Random) -> Callable[[float], float]:
            if self.min is None and self.max is None:  # memoryless: what is left is fresh
                fresh = self.sampler(rng)
                return lambda _elapsed: fresh()
            return super().remaining_sampler(rng)

    return Exponential

def _triangular_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The triangular distribution over quantities of type ``Q``."""

    class Triangular(_Dist):
        dist: Literal["triangular"]
        min: Q
        mode: Q
        max: Q

        @model_validator(mode="after")
        def _ordered(self) -> Triangular:
            if not _f(self.min) <= _f(self.mode) <= _f(self.max):
                raise ValueError("a triangular distribution needs min <= mode <= max")
            return self

        @property
        def mean(self) -> float:
            return (_f(self.min) + _f(self.mode) + _f(self.max)) / 3.0

        def sampler(self, rng: random.Random) -> Sampler:
            lo, mode, hi = _f(self.min), _f(self.mode), _f(self.max)
            if hi == lo:
                return lambda: lo
            c = (mode - lo) / (hi - lo)
            rand, sqrt = rng.random, math.sqrt

            def sample() -> float:
                u = rand()
                if u < c:
                    return lo + sqrt(u * (hi - lo) * (mode - lo))
                return hi - sqrt((1.0 - u) * (hi - lo) * (hi - mode))

            return sample

        def _clip_bounds(self) -> tuple[float | None, float | None]:
            return None, None

        def _cdf(self, x: float) -> float:
            lo, mode, hi = _f(self.min), _f(self.mode), _f(self.max)
            if x >= hi:
                return 1.0
            if x <= lo:
                return 0.0
            if x <= mode:
                return (x - lo) ** 2 / ((hi - lo) * (mode - lo))
            return 1.0 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))

        def _ppf(self, u: float) -> float:
            lo, mode, hi = _f(self.min), _f(self.mode), _f(self.max)
            if hi == lo:
                return lo
            if u < (mode - lo) / (hi - lo):
                return lo + math.sqrt(u * (hi - lo) * (mode - lo))
            return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))

    return Triangular

def _uniform_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The uniform distribution over quantities of type ``Q``."""

    class Uniform(_Dist):
        dist: Literal["uniform"]
        min: Q
        max: Q

        @model_validator(mode="after")
        def _ordered(self) -> Uniform:
            if _f(self.min) > _f(self.max):
                raise ValueError("a uniform distribution needs min <= max")
            return self

        @property
        def mean(self) -> float:
            return (_f(self.min) + _f(self.max)) / 2.0

        def sampler(self, rng: random.Random) -> Sampler:
            lo, width, rand = _f(self.min), _f(self.max) - _f(self.min), rng.random
            return lambda: lo + width * rand()

        def _clip_bounds(self) -> tuple[float | None, float | None]:
            return None, None

        def _cdf(self, x: float) -> float:
            lo, hi = _f(self.min), _f(self.max)
            if x >= hi:
                return 1.0
            return 0.0 if x <= lo else (x - lo) / (hi - lo)

        def _ppf(self, u: float) -> float:
            lo, hi = _f(self.min), _f(self.max)
            return lo + (hi - lo) * u

    return Uniform

def _normal_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The normal distribution over quantities of type ``Q``."""

    class Normal(_Dist):
        dist: Literal["normal"]
        mean_: Q = Field(alias="mean")
        sd: Q
        min: optional_bound = None
        max: optional_bound = None

        @field_validator("sd")
        @classmethod
        def _sd(cls, v: Any) -> Any:
            if _f(v) < 0:
                raise ValueError("the standard deviation cannot be negative")
            return v

        def _bounds(self) -> tuple[float | None, float | None]:
            lo = _opt(self.min)
            if nonnegative:
                lo = 0.0 if lo is None else max(lo, 0.0)
            return lo, _opt(self.max)

        @property
        def mean(self) -> float:
            return clipped_normal_mean(_f(self.mean_), _f(self.sd), *self._bounds())

        def sampler(self, rng: random.Random) -> Sampler:
            mu, sd, gauss = _f(self.mean_), _f(self.sd), rng.gauss
            return _clip(lambda: gauss(mu, sd), *self._bounds())

        def _clip_bounds(self) -> tuple[float | None, float | None]:
            return self._bounds()

        def _cdf(self, x: float) -> float:
            mu, sd = _f(self.mean_), _f(self.sd)
            if sd == 0:
                return 1.0 if x >= mu else 0.0
            return _cdf((x - mu) / sd)

        def _ppf(self, u: float) -> float:
            mu, sd = _f(self.mean_), _f(self.sd)
            return mu if sd == 0 else mu + sd * _z(u)

    return Normal

def _lognormal_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The lognormal distribution over quantities of type ``Q``."""

    class Lognormal(_Dist):
        dist: Literal["lognormal"]
        mean_: Q = Field(alias="mean")
        sd: Q
        min: optional_bound = None
        max: optional_bound = None

        @field_validator("mean_")
        @classmethod
        def _positive(cls, v: Any) -> Any:
            if _f(v) <= 0:
                raise ValueError("the mean of a lognormal must be greater than 0")
            return v

        @field_validator("sd")
        @classmethod
        def _sd(cls, v: Any) -> Any:
            if _f(v) < 0:
                raise ValueError("the standard deviation cannot be negative")
            return v

        @property
        def mean(self) -> float:
            return _clipped_lognormal_mean(
                _f(self.mean_), _f(self.sd), _opt(self.min), _opt(self.max)
            )

        def sampler(self, rng: random.Random) -> Sampler:
            m, sd = _f(self.mean_), _f(self.sd)
            if sd == 0:
                return _clip(lambda: m, _opt(self.min), _opt(self.max))
            mu, sigma = lognormal_params(m, sd)
            lognorm = rng.lognormvariate
            return _clip(lambda: lognorm(mu, sigma), _opt(self.min), _opt(self.max))

        def _cdf(self, x: float) -> float:
            m, sd = _f(self.mean_), _f(self.sd)
            if sd == 0:
                return 1.0 if x >= m else 0.0
            if x <= 0:
                return 0.0
            mu, sigma = lognormal_params(m, sd)
            return _cdf((math.log(x) - mu) / sigma)

        def _ppf(self, u: float) -> float:
            m, sd = _f(self.mean_), _f(self.sd)
            if sd == 0:
                return m
            mu, sigma = lognormal_params(m, sd)
            return math.exp(mu + sigma * _z(u))

    return Lognormal

def _empirical_class(Q: Any, optional_bound: Any, nonnegative: bool) -> type[_Dist]:
    """The empirical distribution over quantities of type ``Q``."""

    class Empirical(_Dist):
        dist: Literal["empirical"]
        values: list[Q] = Field(min_length=1)

        @property
        def mean(self) -> float:
            return sum(_f(v) for v in self.values) / len(self.values)

        def sampler(self, rng: random.Random) -> Sampler:
            values = [_f(v) for v in self.values]
            choice = rng.choice
            return lambda: choice(values)

        def remaining_sampler(self, rng: random.Random) -> Callable[[float], float]:
            """One of the values above ``elapsed``, equally likely, less ``elapsed``."""
            values = sorted(_f(v) for v in self.values)
            rand = rng.random

            def remaining(elapsed: float) -> float:
                first = bisect.bisect_right(values, elapsed)
                if first == len(values):
                    return 0.0
                k = first + int(rand() * (len(values) - first))
                return values[min(k, len(values) - 1)] - elapsed

            return remaining

    return Empirical

def _family(quantity: Any, nonnegative: bool, suffix: str) -> dict[str, type[_Dist]]:
    """Build the distribution classes whose parameters have type ``quantity``."""
    optional_bound = quantity | None
    makers = {
        "exponential": _exponential_class, "triangular": _triangular_class,
        "uniform": _uniform_class, "normal": _normal_class, "lognormal": _lognormal_class,
        "empirical": _empirical_class,
    }
    classes = {name: make(quantity, optional_bound, nonnegative)
               for name, make in makers.items()}
    for name, cls in classes.items():
        cls.__name__ = cls.__qualname__ = f"{name.capitalize()}{suffix}"
    return classes


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


DURATION_DISTS = _family(Duration, True, "Duration")
NUMBER_DISTS = _family(Number, False, "Number")
DIST_NAMES = tuple(DURATION_DISTS)


def _dist_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("dist")  # may be any JSON value, even an unhashable list
        return f"<{name}>" if isinstance(name, str) and name in DURATION_DISTS else None
    if isinstance(value, _Dist):
        return f"<{value.dist}>"  # type: ignore[attr-defined]
    if isinstance(value, Duration | int | float | str):
        return "<fixed>"
    return None


def _union(classes: dict[str, type[_Dist]], fixed: Any) -> Any:
    members = [Annotated[cls, Tag(f"<{name}>")] for name, cls in classes.items()]
    members.append(Annotated[fixed, Tag("<fixed>")])
    return Annotated[
        Union[tuple(members)],  # noqa: UP007 - a runtime-built union
        Discriminator(
            _dist_tag,
            custom_error_type="invalid_distribution",
            custom_error_message=(
                "expected a fixed value or {\"dist\": ...} with one of: " + ", ".join(DIST_NAMES)
            ),
        ),
    ]


#: a duration: a fixed "2h", or a distribution whose parameters are durations
DurationDist = _union(DURATION_DISTS, Duration)
#: a number drawn from a distribution with numeric parameters (no fixed form: see attributes)
NumberDist = _union(NUMBER_DISTS, Number)

DurationLike = Duration | _Dist


def mean_hours(dist: DurationLike | None) -> float:
    """Mean of a duration distribution in hours (0 for no duration)."""
    return 0.0 if dist is None else float(dist.mean)


def duration_sampler(dist: DurationLike | None, rng: random.Random) -> Sampler:
    """A zero-argument sampler for a duration; constant durations cost nothing."""
    if dist is None:
        return lambda: 0.0
    if isinstance(dist, Duration):
        hours = dist.hours
        return lambda: hours
    return dist.sampler(rng)


def remaining_sampler(dist: DurationLike | None, rng: random.Random,
                      ) -> Callable[[float], float]:
    """``remaining(elapsed)``: the rest of a duration that has already run ``elapsed`` hours,
    drawn from the duration conditioned on being longer (a fixed one: what is left of it;
    past the end of the support: 0, the job finishes now)."""
    if dist is None:
        return lambda _elapsed: 0.0
    if isinstance(dist, Duration):
        hours = dist.hours
        return lambda elapsed: hours - elapsed if hours > elapsed else 0.0
    return dist.remaining_sampler(rng)
