"""Contact data that goes stale: a lead record's validity decays with time since it was
last known good, a contact (call or email) to a stale record fails, and cleansing restores
it, by a step before a hand-off or by a periodic batch over every open record.

The decay is a share of valid records going out of date per month (30 days), the way data
providers state it ("about 2 % of B2B contact data decays a month"): a record last checked
``t`` hours ago is still valid with probability ``(1 - share) ** (t / 720)``. That is an
exponential time to going stale, so a check that finds the record good starts the clock
again (memorylessness), and the engine needs no clock per record.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, field_validator

from .nodes import _Model
from .types import NonNegative
from .units import Duration

#: hours in the month the decay is stated per (the file format's month: 30 days)
MONTH_HOURS = 720.0


class Cleansing(_Model):
    """A batch across every open record at a fixed interval (Marketing Ops running the data
    provider's refresh): each record is checked and restored, at ``cost_per_record``."""

    every: Duration
    cost_per_record: NonNegative = 0.0
    #: the first batch, counted from the simulation's start (default: one interval in)
    first: Duration | None = None

    @field_validator("every")
    @classmethod
    def _positive(cls, value: Duration) -> Duration:
        if value.hours <= 0:
            raise ValueError("a cleansing interval must be longer than 0")
        return value

    @property
    def first_hours(self) -> float:
        return self.every.hours if self.first is None else self.first.hours

    def last_before(self, hours: float) -> float:
        """The time of the last batch at or before ``hours`` (-inf before the first)."""
        first, every = self.first_hours, self.every.hours
        if hours < first:
            return -math.inf
        return first + math.floor((hours - first) / every + 1e-12) * every


class DataQuality(_Model):
    """How fast contact data goes out of date, and the periodic cleansing batch, if any."""

    #: share of valid records that go out of date per month (30 days), in [0, 1)
    decay_per_month: Annotated[float, Field(ge=0.0, lt=1.0)]
    #: share of new records that are bad from the start (a typo in a form, a throwaway
    #: address): found at the first contact unless cleansed before
    invalid_at_capture: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    cleansing: Cleansing | None = None

    @property
    def rate_per_hour(self) -> float:
        """The hazard of going stale: ``-ln(1 - share) / 720``."""
        return -math.log1p(-self.decay_per_month) / MONTH_HOURS

    def valid_share(self, hours: float, *, since_capture: bool = False) -> float:
        """The closed form: the share of records still valid ``hours`` after a check (after
        the capture, with ``since_capture``: the records bad from the start left out)."""
        kept = 1.0 - self.invalid_at_capture if since_capture else 1.0
        return kept * (1.0 - self.decay_per_month) ** (max(hours, 0.0) / MONTH_HOURS)


__all__ = ["MONTH_HOURS", "Cleansing", "DataQuality"]
