"""Small value types shared by the process model: numbers that keep their spelling, ids, colours."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
_ID_RE = re.compile(ID_PATTERN)
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


class _NumberSchema:
    """A finite int or float, kept as written (45 stays 45, 0.4 stays 0.4); never a bool."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> int | float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PydanticCustomError("number", "expected a number, got {value}",
                                          {"value": repr(value)})
            if isinstance(value, float) and not math.isfinite(value):
                raise PydanticCustomError("number", "expected a finite number")
            return value

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v),
            json_schema_input_schema=core_schema.float_schema(),
        )


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value!r}")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be greater than 0, got {value!r}")
    return value


def tidy_number(value: float) -> float:
    """A coordinate as it should be written: whole numbers as ints, else two decimals."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"a probability must lie between 0 and 1, got {value!r}")
    return value


def _identifier(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use letters, digits, '_' and '-', "
            "starting with a letter or '_'"
        )
    return value


def _color(value: str) -> str:
    if not _COLOR_RE.match(value):
        raise ValueError(f"expected a colour such as '#4C78A8', got {value!r}")
    return value


Number = Annotated[float, _NumberSchema]
NonNegative = Annotated[float, _NumberSchema, AfterValidator(_non_negative)]
PositiveNumber = Annotated[float, _NumberSchema, AfterValidator(_positive)]
Probability = Annotated[float, _NumberSchema, AfterValidator(_probability)]
Identifier = Annotated[str, AfterValidator(_identifier)]
Color = Annotated[str, AfterValidator(_color)]
PositiveInt = Annotated[int, Field(ge=1, strict=True)]
Position = tuple[Number, Number]


def is_identifier(value: str) -> bool:
    return bool(_ID_RE.match(value))
