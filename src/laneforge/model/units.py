"""Durations ("90m", "2.5h", "3d", "1w") and rates ("40/day") as they are written in process files.

Both keep the text the user wrote, so a file loads and saves back unchanged, and expose the
value in hours (durations) or per hour (rates), the engine's one unit of time.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

#: hours per unit; a bare number is hours
DURATION_UNITS: dict[str, float] = {
    "s": 1 / 3600,
    "m": 1 / 60,
    "min": 1 / 60,
    "h": 1.0,
    "d": 24.0,
    "w": 168.0,
}
#: hours per rate period
RATE_PERIODS: dict[str, float] = {
    "min": 1 / 60,
    "h": 1.0,
    "hour": 1.0,
    "d": 24.0,
    "day": 24.0,
    "w": 168.0,
    "week": 168.0,
    "month": 720.0,
}

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-z]*)\s*$")
_RATE_RE = re.compile(rf"^\s*({_NUMBER})\s*/\s*([a-z]+)\s*$")


def _format_number(value: float) -> str:
    """Short when that is exact ("60", "2.5"), else every digit: writing must not round."""
    text = f"{value:.6g}"
    if "e" in text or float(text) != value:
        return repr(float(value))
    return text


class Duration:
    """A non-negative span of time, written as a number of hours or with a unit."""

    __slots__ = ("hours", "raw")

    def __init__(self, hours: float, raw: str | float | int | None = None) -> None:
        self.hours = float(hours)
        self.raw = raw if raw is not None else self.hours

    @classmethod
    def parse(cls, value: Any) -> Duration:
        """Read a duration from a file value; raise ``ValueError`` with a readable message."""
        if isinstance(value, Duration):
            return value
        if isinstance(value, bool) or value is None:
            raise ValueError(f"expected a duration such as '90m' or '2.5h', got {value!r}")
        if isinstance(value, int | float):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"a duration must be a finite number of hours >= 0, got {value!r}")
            return cls(float(value), value)
        if not isinstance(value, str):
            raise ValueError(f"expected a duration such as '90m' or '2.5h', got {value!r}")
        text = value.strip()
        if text.startswith("-"):
            raise ValueError(f"a duration cannot be negative: {value!r}")
        match = _DURATION_RE.match(text.lower())
        if not match:
            raise ValueError(
                f"cannot read {value!r} as a duration; write a number with a unit "
                "such as '90m', '2.5h', '3d' or '1w'"
            )
        number, unit = match.groups()
        if unit == "":
            unit = "h"
        if unit not in DURATION_UNITS:
            raise ValueError(
                f"unknown time unit {unit!r} in {value!r}; use s, m, h, d (24 h) or w"
            )
        hours = float(number) * DURATION_UNITS[unit]
        if not math.isfinite(hours):
            raise ValueError(f"duration {value!r} is too large")
        return cls(hours, value)

    @classmethod
    def from_hours(cls, hours: float) -> Duration:
        """A duration written in the most natural unit ("15m", "2.5h", "3d", "2w")."""
        return cls(hours, format_hours(hours))

    # Distributions and durations share an interface: a fixed value is a degenerate distribution.
    @property
    def mean(self) -> float:
        return self.hours

    def sample(self, rng: Any) -> float:
        return self.hours

    def __float__(self) -> float:
        return self.hours

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Duration):
            return self.hours == other.hours and self.raw == other.raw
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.hours)

    def __repr__(self) -> str:
        return f"Duration({self.raw!r})"

    def __str__(self) -> str:
        return str(self.raw) if isinstance(self.raw, str) else format_hours(self.hours)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _pydantic_parser(cls.parse, "duration"),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda d: d.raw, when_used="always"
            ),
            json_schema_input_schema=core_schema.union_schema(
                [core_schema.str_schema(), core_schema.float_schema()]
            ),
        )


def format_hours(hours: float) -> str:
    """Write hours in the largest unit that gives a short number: 0.25 -> "15m", 72 -> "3d"."""
    if hours == 0:
        return "0h"
    for unit, size in (("w", 168.0), ("d", 24.0), ("h", 1.0), ("m", 1 / 60)):
        value = hours / size
        tidy = value >= 1 and abs(value * 10 - round(value * 10)) < 1e-9
        if tidy and (unit == "h" or value == round(value)):
            return f"{_format_number(round(value, 1))}{unit}"
    if hours < 1 / 60:
        return f"{_format_number(hours * 3600)}s"
    return f"{_format_number(hours)}h"


def describe_hours(hours: float) -> str:
    """A human read-out for the UI and reports: "2.5 h", "45 min", "3.2 d"."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def format_value(value: float | None, kind: str) -> str:
    """A key figure as the app, reports and slides show it; ``kind`` is "hours",
    "percent", "money", "count" or anything else for a plain number."""
    if value is None:
        return "–"
    if kind == "hours":
        return describe_hours(value)
    if kind == "percent":
        return f"{value * 100:.1f} %"
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "count":
        # a mean over replications: whole deals from 10 on ("66", not "66.3"), a tenth below
        return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"
    return f"{value:,.2f}"


class Rate:
    """Arrivals per period, such as "40/day" or "500/month" (30 days)."""

    __slots__ = ("per_hour", "raw")

    def __init__(self, per_hour: float, raw: str | float | None = None) -> None:
        self.per_hour = float(per_hour)
        self.raw = raw if raw is not None else self.per_hour

    @classmethod
    def parse(cls, value: Any) -> Rate:
        if isinstance(value, Rate):
            return value
        if isinstance(value, bool) or value is None:
            raise ValueError(f"expected a rate such as '40/day', got {value!r}")
        if isinstance(value, int | float):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"a rate must be a finite number per hour >= 0, got {value!r}")
            return cls(float(value), value)
        if not isinstance(value, str):
            raise ValueError(f"expected a rate such as '40/day', got {value!r}")
        if value.strip().startswith("-"):
            raise ValueError(f"a rate cannot be negative: {value!r}")
        match = _RATE_RE.match(value.lower())
        if not match:
            raise ValueError(
                f"cannot read {value!r} as a rate; write a count per period such as "
                "'10/h', '40/day', '120/week' or '500/month'"
            )
        number, period = match.groups()
        if period not in RATE_PERIODS:
            raise ValueError(
                f"unknown period {period!r} in {value!r}; use h, day, week or month (30 days)"
            )
        return cls(float(number) / RATE_PERIODS[period], value)

    def scaled(self, factor: float) -> Rate:
        """The same rate times ``factor``, written in the same period."""
        if isinstance(self.raw, str):
            match = _RATE_RE.match(self.raw.lower())
            if match:
                return Rate(
                    self.per_hour * factor,
                    f"{_format_number(float(match.group(1)) * factor)}/{match.group(2)}",
                )
        return Rate(self.per_hour * factor, self.per_hour * factor)

    def __float__(self) -> float:
        return self.per_hour

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rate):
            return self.per_hour == other.per_hour and self.raw == other.raw
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.per_hour)

    def __repr__(self) -> str:
        return f"Rate({self.raw!r})"

    def __str__(self) -> str:
        return str(self.raw)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _pydantic_parser(cls.parse, "rate"),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda r: r.raw, when_used="always"
            ),
        )


def _pydantic_parser(parse: Any, kind: str) -> Any:
    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise PydanticCustomError(f"invalid_{kind}", str(exc)) from None

    return validate
