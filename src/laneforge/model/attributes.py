"""Lead attributes: what every new lead carries (score, segment, region, ...), drawn per lead."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from .distributions import NumberDist, _Dist
from .expressions import BOOL, NUMBER, STRING, ValueSpec


class Choices(BaseModel):
    """A categorical attribute: {"choices": {"smb": 0.6, "mid": 0.3, "enterprise": 0.1}}."""

    model_config = ConfigDict(extra="allow")

    choices: dict[str, float] = Field(min_length=1)

    @field_validator("choices")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            if isinstance(weight, bool) or not math.isfinite(weight) or weight < 0:
                raise ValueError(f"the weight of {key!r} must be a number >= 0")
        if sum(value.values()) <= 0:
            raise ValueError("at least one choice needs a weight above 0")
        return value

    @property
    def total(self) -> float:
        return sum(self.choices.values())

    def probabilities(self) -> dict[str, float]:
        total = self.total
        return {key: weight / total for key, weight in self.choices.items()}

    def sampler(self, rng: random.Random) -> Callable[[], str]:
        keys = list(self.choices)
        cumulative: list[float] = []
        running = 0.0
        for key in keys:
            running += self.choices[key]
            cumulative.append(running)
        total = running
        rand = rng.random

        def sample() -> str:
            u = rand() * total
            for key, edge in zip(keys, cumulative, strict=True):
                if u < edge:
                    return key
            return keys[-1]

        return sample


def _attribute_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if "choices" in value:
            return "<choices>"
        return "<number>"
    if isinstance(value, Choices):
        return "<choices>"
    if isinstance(value, _Dist):
        return "<number>"
    if isinstance(value, bool | str):
        return "<constant>"
    if isinstance(value, int | float):
        return "<number>"
    return None


#: an attribute specification: a numeric distribution, a fixed number, choices, or a constant
AttributeSpec = Annotated[
    Union[  # noqa: UP007 - tagged union members
        Annotated[Choices, Tag("<choices>")],
        Annotated[NumberDist, Tag("<number>")],
        Annotated[bool | str, Tag("<constant>")],
    ],
    Discriminator(
        _attribute_tag,
        custom_error_type="invalid_attribute",
        custom_error_message=(
            "expected a number, text, true/false, {\"dist\": ...} or {\"choices\": {...}}"
        ),
    ),
]


def attribute_type(spec: Any) -> str:
    """The expression type of an attribute: number, string or bool."""
    if isinstance(spec, Choices):
        return STRING
    if isinstance(spec, bool):
        return BOOL
    if isinstance(spec, str):
        return STRING
    return NUMBER


def attribute_sampler(spec: Any, rng: random.Random) -> Callable[[], Any]:
    """A zero-argument sampler for one attribute."""
    if isinstance(spec, Choices | _Dist):
        return spec.sampler(rng)
    value = spec
    return lambda: value


def attribute_mean(spec: Any) -> Any:
    """The expected value (numbers), the most likely choice (categories), or the constant."""
    if isinstance(spec, Choices):
        return max(spec.choices, key=spec.choices.__getitem__)
    if isinstance(spec, _Dist):
        return spec.mean
    return spec


def value_spec(*specs: Any) -> ValueSpec:
    """What ``set`` may store in an attribute declared by ``specs`` (the process's own
    declaration, then any source overrides): its type, the hull of the declared
    ``min``/``max`` (the values its distributions can draw; a fixed number or a bound
    missing from any declaration leaves that side open), and the union of the choices
    (weight-0 choices included, so a category only a ``set`` gives can be declared)."""
    kind = attribute_type(specs[0])
    if kind == STRING:
        if not all(isinstance(spec, Choices) for spec in specs):
            return ValueSpec(STRING)
        return ValueSpec(STRING, choices=frozenset(k for spec in specs for k in spec.choices))
    if kind != NUMBER:
        return ValueSpec(kind)
    lows = [getattr(spec, "min", None) for spec in specs]
    highs = [getattr(spec, "max", None) for spec in specs]
    return ValueSpec(NUMBER,
                     None if None in lows else min(float(x) for x in lows),
                     None if None in highs else max(float(x) for x in highs))
