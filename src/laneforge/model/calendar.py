"""Working calendars: which days and hours a team works, and working-time arithmetic.

``Calendar`` is the file model ("mon-fri", "09:00-12:30,13:30-17:30", holidays).
``Timeline`` lays a calendar over the simulation clock (hours since the process start) and
answers, by binary search over precomputed intervals: is the team working at t, when does it
next open, when does a job of N working hours started at t end, and how many working hours
lie between two times.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_days(text: str) -> frozenset[int]:
    """"mon-fri", "mon,wed,fri", "sat-sun", "mon-sun", "daily" -> weekday numbers (mon = 0)."""
    spec = text.strip().lower()
    if spec in ("daily", "all", "every day"):
        return frozenset(range(7))
    if spec in ("", "none"):
        return frozenset()
    days: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = (p.strip() for p in part.partition("-"))
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(f"unknown weekday in {text!r}; use mon, tue, ... sun")
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        else:
            raise ValueError(f"unknown weekday {part!r} in {text!r}; use mon, tue, ... sun")
    return frozenset(days)


def _minutes(text: str, whole: str) -> int:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"cannot read {text.strip()!r} in {whole!r} as a time; write HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text.strip()!r} in {whole!r} is not a time of day")
    return hours * 60 + minutes


def parse_hours(text: str) -> tuple[tuple[int, int], ...]:
    """"09:00-12:30,13:30-17:30" -> ((540, 750), (810, 1050)) in minutes after midnight."""
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        if part.count("-") != 1:
            raise ValueError(f"cannot read {part.strip()!r} in {text!r}; write HH:MM-HH:MM")
        start_text, end_text = part.split("-")
        start, end = _minutes(start_text, text), _minutes(end_text, text)
        if end <= start:
            raise ValueError(
                f"{part.strip()!r} in {text!r} ends before it starts; "
                "night shifts across midnight are written as two spans on their days"
            )
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ValueError(f"working hours {text!r} overlap")
    return tuple(spans)


class Calendar(BaseModel):
    """When a team works: weekdays, daily hours and holidays."""

    model_config = ConfigDict(extra="allow")

    days: str = "mon-fri"
    hours: str = "09:00-17:00"
    holidays: list[dt.date] = []

    @field_validator("days")
    @classmethod
    def _check_days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @cached_property
    def weekdays(self) -> frozenset[int]:
        return parse_days(self.days)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return parse_hours(self.hours)

    @property
    def hours_per_week(self) -> float:
        return len(self.weekdays) * sum(e - s for s, e in self.spans) / 60.0

    @property
    def always_open(self) -> bool:
        return len(self.weekdays) == 7 and self.spans == ((0, 1440),) and not self.holidays

    # datetime arithmetic, for the UI and for tests; the engine uses a Timeline
    def timeline(self, origin: dt.datetime) -> Timeline:
        return Timeline(self, origin)

    def is_open(self, when: dt.datetime) -> bool:
        return self.timeline(when).is_open(0.0)

    def next_opening(self, when: dt.datetime) -> dt.datetime:
        return when + dt.timedelta(hours=self.timeline(when).next_open(0.0))

    def add_working_hours(self, when: dt.datetime, hours: float) -> dt.datetime:
        return when + dt.timedelta(hours=self.timeline(when).add(0.0, hours))

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        line = self.timeline(start)
        return line.worked(0.0, (end - start).total_seconds() / 3600.0)


class Timeline:
    """A calendar's working intervals on the simulation clock, extended lazily as time goes on."""

    CHUNK_DAYS = 56
    #: a calendar with no working time in this many days is treated as never open
    GIVE_UP_DAYS = 3660

    __slots__ = ("_cal", "_cum", "_day", "_ends", "_holidays", "_origin", "_starts")

    def __init__(self, calendar: Calendar, origin: dt.datetime) -> None:
        self._cal = calendar
        self._origin = origin
        self._holidays = frozenset(calendar.holidays)
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum: list[float] = [0.0]  # working hours before interval i; one extra at the end
        self._day = origin.date()  # next day to generate
        if not calendar.weekdays or not calendar.spans:
            raise ValueError("the calendar has no working hours")
        self._extend(0.0)  # at least one interval, so the look-ups can test ``_ends[-1]``

    def _extend(self, until: float) -> None:
        """Generate intervals until one ends after ``until`` (hours since origin)."""
        if self._ends and self._ends[-1] > until:
            return  # the common case on the engine's hot path: nothing to generate
        base = dt.datetime.combine(self._origin.date(), dt.time())
        offset = (base - self._origin).total_seconds() / 3600.0
        weekdays, spans = self._cal.weekdays, self._cal.spans
        generated = 0
        while not self._ends or self._ends[-1] <= until:
            for _ in range(self.CHUNK_DAYS):
                day = self._day
                self._day = day + dt.timedelta(days=1)
                generated += 1
                if day.weekday() not in weekdays or day in self._holidays:
                    continue
                day_h = offset + (day - base.date()).days * 24.0
                for s, e in spans:
                    start, end = day_h + s / 60.0, day_h + e / 60.0
                    if end <= 0.0:
                        continue
                    start = max(start, 0.0)
                    if self._ends and abs(self._ends[-1] - start) < 1e-12:
                        self._ends[-1] = end  # 24-hour days join into one interval
                        self._cum[-1] += end - start
                        continue
                    self._starts.append(start)
                    self._ends.append(end)
                    self._cum.append(self._cum[-1] + end - start)
            if generated > self.GIVE_UP_DAYS and not self._ends:
                raise ValueError("the calendar has no working time in ten years")

    def is_open(self, t: float) -> bool:
        if t >= self._ends[-1]:
            self._extend(t)
        i = bisect.bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    @property
    def tables(self) -> tuple[list[float], list[float], list[float]]:
        """The interval starts, ends and working hours before each start, as the live lists
        (they grow in place as time goes on; ``cum`` has one more entry than the others).
        For a caller that inlines :meth:`worked_if_open`, :meth:`cumulative` and
        :meth:`add_from` for times before ``ends[-1]`` and calls them beyond it."""
        return self._starts, self._ends, self._cum

    def worked_if_open(self, t: float) -> float:
        """:meth:`cumulative` at ``t`` if the team is working then, else -1 (one look-up
        for the engine's "start now?" question)."""
        ends = self._ends
        if t >= ends[-1]:
            self._extend(t)
        i = bisect.bisect_right(self._starts, t) - 1
        if i < 0 or t >= ends[i]:
            return -1.0
        if t <= 0.0:
            return 0.0
        return self._cum[i] + t - self._starts[i]

    def next_open(self, t: float) -> float:
        """``t`` if the team is working then, else the start of its next working interval."""
        self._extend(t)
        i = bisect.bisect_right(self._ends, t)
        return max(t, self._starts[i])

    def next_start_after(self, t: float) -> float:
        """The start of the first working interval that begins strictly after ``t``."""
        self._extend(t + 24.0 * 14)
        while True:
            i = bisect.bisect_right(self._starts, t)
            if i < len(self._starts):
                return self._starts[i]
            self._extend(self._ends[-1] + 24.0 * self.CHUNK_DAYS)

    def cumulative(self, t: float) -> float:
        """Working hours between the origin and ``t``."""
        if t <= 0.0:
            return 0.0
        ends = self._ends
        if t >= ends[-1]:
            self._extend(t)
        i = bisect.bisect_right(self._starts, t) - 1
        if i < 0:
            return 0.0
        end = ends[i]
        return self._cum[i] + (t if t < end else end) - self._starts[i]

    def worked(self, a: float, b: float) -> float:
        """Working hours inside [a, b]."""
        return self.cumulative(b) - self.cumulative(a) if b > a else 0.0

    def add(self, t: float, hours: float) -> float:
        """When a job needing ``hours`` of working time, started at ``t``, is done.

        A job that ends exactly at closing time ends then, not at the next opening.
        """
        if hours <= 0.0:
            return t
        return self.add_from(self.cumulative(t), hours)

    def add_from(self, worked_before: float, hours: float) -> float:
        """:meth:`add` for a start ``t`` whose :meth:`cumulative` is ``worked_before``
        (``hours`` > 0), for callers that need that figure anyway."""
        target = worked_before + hours
        cum = self._cum
        while cum[-1] < target:
            self._extend(self._ends[-1] + 24.0 * self.CHUNK_DAYS / 2)
            cum = self._cum
        j = bisect.bisect_left(cum, target) - 1
        return self._starts[j] + (target - cum[j])

    def at(self, t: float) -> dt.datetime:
        return self._origin + dt.timedelta(hours=t)
