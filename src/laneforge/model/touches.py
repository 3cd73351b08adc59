"""Touches: each pass through a task that reaches the lead (a call, an email) on a channel.

A task's ``touch`` says which channel the pass is, how much it adds to the lead's
engagement, what it costs and how often the lead answers; a source's ``channel`` makes the
lead's arrival its first touch. The process's ``engagement`` section gives the half-life
with which engagement fades between touches (none: it never fades), so a condition on
``engagement`` means recent engagement. The engine keeps the built-in attributes
(:data:`~laneforge.model.expressions.TOUCH_NAMES`) for every lead; an attribute the
process declares under the same name is the process's own and the engine leaves it alone.

The checks here run while the file loads, and each message names the node and the field
(``touch.weight``), since a touch is one small object whose every field has one meaning.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from .types import Number, is_identifier
from .units import Duration

#: the fields of a task's ``touch``, in the order they are written
TOUCH_FIELDS = ("channel", "weight", "cost", "response_rate")


class Touch(BaseModel):
    """One touch per pass through the task: on ``channel``, adding ``weight`` to the lead's
    engagement, costing ``cost`` (on top of the task's own), answered with probability
    ``response_rate`` (the built-in ``responded`` becomes true)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str
    weight: Number = 0
    cost: Number = 0
    response_rate: Number = 0


class Engagement(BaseModel):
    """How engagement fades: it halves every ``half_life`` since the last change."""

    model_config = ConfigDict(extra="allow")

    half_life: Duration | None = None

    @field_validator("half_life")
    @classmethod
    def _positive(cls, value: Duration | None) -> Duration | None:
        if value is not None and value.hours <= 0:
            raise ValueError("a half-life must be greater than 0; leave it out for "
                             "engagement that never fades")
        return value

    @property
    def half_life_hours(self) -> float:
        """The half-life in hours; 0 when engagement never fades."""
        return self.half_life.hours if self.half_life is not None else 0.0


def _number(node: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        raise ValueError(f"node {node!r}: touch.{name} must be a number, got {value!r}")
    return value


def check_channel(node: str, field: str, value: Any) -> str:
    """A channel name: an identifier such as ``email`` or ``paid_search``."""
    if not isinstance(value, str) or not is_identifier(value):
        raise ValueError(f"node {node!r}: {field} must be a channel name such as 'email' "
                         f"(letters, digits, '_' and '-'), got {value!r}")
    return value


def parse_touch(node: str, value: Any) -> Touch | None:
    """A task's ``touch`` from its file value; every refusal names ``node`` and the field."""
    if value is None or isinstance(value, Touch):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"node {node!r}: touch must be an object such as "
                         '{"channel": "email", "weight": 10}, got ' + repr(value))
    unknown = [key for key in value if key not in TOUCH_FIELDS]
    if unknown:
        raise ValueError(f"node {node!r}: touch.{unknown[0]} is not a field of a touch "
                         f"(a touch has {', '.join(TOUCH_FIELDS)})")
    if "channel" not in value:
        raise ValueError(f"node {node!r}: touch.channel is required (the channel of the "
                         "touch, such as 'email')")
    check_channel(node, "touch.channel", value["channel"])
    numbers = {name: _number(node, name, value[name]) for name in TOUCH_FIELDS[1:]
               if name in value}
    for name in ("weight", "cost"):
        if numbers.get(name, 0.0) < 0:
            raise ValueError(f"node {node!r}: touch.{name} must be 0 or more, got "
                             f"{numbers[name]!r}")
    rate = numbers.get("response_rate", 0.0)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"node {node!r}: touch.response_rate must lie between 0 and 1, got "
                         f"{rate!r}")
    return Touch(channel=value["channel"], **numbers)
