"""Working calendars: which days and hours a team works, and working-time arithmetic.

``Calendar`` is the file model ("mon-fri", "09:00-12:30,13:30-17:30" or a night shift
"22:00-06:00", holidays, an optional time zone). ``Timeline`` lays a calendar over the
simulation clock (hours since the process start) as sorted interval lists and answers each
question with one binary search: is the team working at t, when does it next open, when does
a job of N working hours started at t end, and how many working hours lie between two times.
The lists are made from one week of spans repeated with integer day arithmetic, holidays as
day numbers and time-zone offset changes as a short sorted list (``zones.ZoneClock``): no
``datetime`` while a simulation extends them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, field_validator

from .zones import UTC, ZoneClock, check_zone_name, wall_seconds, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
DAY_MINUTES = 1440
#: hours within which a job's end counts as "exactly at closing time" (3.6 microseconds)
TIE = 1e-9


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
    """"09:00-12:30,13:30-17:30" -> ((540, 750), (810, 1050)) in minutes after midnight.

    A span that ends at or before its start runs across midnight: "22:00-06:00" starts at
    22:00 on each working day and ends at 06:00 the next morning, (1320, 1800)."""
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        if part.count("-") != 1:
            raise ValueError(f"cannot read {part.strip()!r} in {text!r}; write HH:MM-HH:MM")
        start_text, end_text = part.split("-")
        start, end = _minutes(start_text, text), _minutes(end_text, text)
        if start == DAY_MINUTES:
            raise ValueError(f"{part.strip()!r} in {text!r} starts at 24:00; write 00:00")
        if end == start:
            raise ValueError(
                f"{part.strip()!r} in {text!r} ends when it starts; "
                "for round-the-clock hours write 00:00-24:00"
            )
        if end < start:
            end += DAY_MINUTES  # a night span, ending the next morning
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ValueError(f"working hours {text!r} overlap")
    if spans[-1][1] - DAY_MINUTES > spans[0][0]:
        raise ValueError(
            f"working hours {text!r} overlap: the span across midnight runs into the next "
            "day's first span"
        )
    return tuple(spans)


class Calendar(BaseModel):
    """When a team works: weekdays, daily hours, holidays, and the time zone they are in."""

    model_config = ConfigDict(extra="allow")

    days: str = "mon-fri"
    hours: str = "09:00-17:00"
    #: IANA zone of the days, hours and holidays; None: the process's clock
    timezone: str | None = None
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

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        return check_zone_name(value)

    @cached_property
    def weekdays(self) -> frozenset[int]:
        return parse_days(self.days)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Working spans of a day in minutes after its midnight; a night span ends past 1440."""
        return parse_hours(self.hours)

    @property
    def hours_per_week(self) -> float:
        return len(self.weekdays) * sum(e - s for s, e in self.spans) / 60.0

    @property
    def always_open(self) -> bool:
        return len(self.weekdays) == 7 and self.spans == ((0, 1440),) and not self.holidays

    # datetime arithmetic, for the UI and for tests; the engine uses a Timeline. Aware times
    # are instants; a naive one is on the calendar's clock without a zone, and in UTC with one.
    def timeline(self, origin: dt.datetime) -> Timeline:
        return Timeline(self, origin)

    def is_open(self, when: dt.datetime) -> bool:
        return self.timeline(when).is_open(0.0)

    def next_opening(self, when: dt.datetime) -> dt.datetime:
        line = self.timeline(when)
        return line.at(line.next_open(0.0))

    def add_working_hours(self, when: dt.datetime, hours: float) -> dt.datetime:
        line = self.timeline(when)
        return line.at(line.add(0.0, hours))

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        line = self.timeline(start)
        return line.worked(0.0, line.hours_at(end))


class Timeline:
    """A calendar's working intervals on the simulation clock, extended lazily as time goes on.

    Without a time zone the intervals of day ``k`` are ``offset + 24 k + span`` hours (the
    offset: from the origin back to its midnight); with one, each span's ends are wall-clock
    readings turned into instants by the zone's :class:`~laneforge.model.zones.ZoneClock`.
    A calendar without its own zone takes the zone of an aware ``origin`` (the process's).
    """

    CHUNK_DAYS = 56
    #: a calendar with no working time in this many days is treated as never open
    GIVE_UP_DAYS = 3660

    __slots__ = ("_cal", "_clock", "_cum", "_day", "_ends", "_holidays", "_offset", "_origin",
                 "_origin_ts", "_starts", "_wall0", "_week")

    def __init__(self, calendar: Calendar, origin: dt.datetime) -> None:
        if not calendar.weekdays or not calendar.spans:
            raise ValueError("the calendar has no working hours")
        self._cal = calendar
        self._origin = origin
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum: list[float] = [0.0]  # working hours before interval i; one extra at the end
        #: next day to generate, in days after the origin's (local) date: from the day before,
        #: whose night span may run past the origin
        self._day = -1
        tz = zone(calendar.timezone) if calendar.timezone else origin.tzinfo
        if tz is None:
            first = origin.date()
            base = dt.datetime.combine(first, dt.time())
            self._offset = (base - origin).total_seconds() / 3600.0
            self._clock: ZoneClock | None = None
            self._origin_ts = self._wall0 = 0.0
            spans = tuple((s / 60.0, e / 60.0) for s, e in calendar.spans)  # in hours
        else:
            aware = origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)
            self._origin_ts = aware.timestamp()
            first = dt.datetime.fromtimestamp(self._origin_ts, tz).date()
            self._wall0 = wall_seconds(dt.datetime.combine(first, dt.time()))
            self._clock = ZoneClock(tz, self._origin_ts)
            self._offset = 0.0
            spans = tuple((s * 60.0, e * 60.0) for s, e in calendar.spans)  # in seconds
        weekday0 = first.weekday()
        #: the spans of day k are ``_week[k % 7]`` (empty on days off)
        self._week = tuple(spans if (weekday0 + k) % 7 in calendar.weekdays else ()
                           for k in range(7))
        self._holidays = frozenset((day - first).days for day in calendar.holidays)
        self._extend(0.0)  # at least one interval, so the look-ups can test ``_ends[-1]``

    def _day_intervals(self, k: int, spans: tuple[tuple[float, float], ...]) -> list[
            tuple[float, float]]:
        """Day ``k``'s working intervals, hours since the origin (before clipping at 0)."""
        clock = self._clock
        if clock is None:
            day_h = self._offset + k * 24.0
            return [(day_h + s, day_h + e) for s, e in spans]
        wall, o = self._wall0 + k * 86400, self._origin_ts
        return [((clock.instant(wall + s) - o) / 3600.0, (clock.instant(wall + e) - o) / 3600.0)
                for s, e in spans]

    def _extend(self, until: float) -> None:
        """Generate intervals until one ends after ``until`` (hours since origin)."""
        if self._ends and self._ends[-1] > until:
            return  # the common case on the engine's hot path: nothing to generate
        starts, ends, cum = self._starts, self._ends, self._cum
        week, holidays = self._week, self._holidays
        generated = 0
        while not ends or ends[-1] <= until:
            for _ in range(self.CHUNK_DAYS):
                k = self._day
                self._day = k + 1
                generated += 1
                spans = week[k % 7]
                if not spans or k in holidays:
                    continue
                for start, end in self._day_intervals(k, spans):
                    if end <= 0.0 or end <= start:  # before the origin, or skipped by DST
                        continue
                    start = max(start, 0.0)
                    if ends and abs(ends[-1] - start) < 1e-12:
                        ends[-1] = end  # 24-hour days join into one interval
                        cum[-1] += end - start
                        continue
                    starts.append(start)
                    ends.append(end)
                    cum.append(cum[-1] + end - start)
            if generated > self.GIVE_UP_DAYS and not ends:
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
        if t >= self._ends[-1]:
            self._extend(t)
        i = bisect.bisect_right(self._ends, t)
        return max(t, self._starts[i])

    def next_start_after(self, t: float) -> float:
        """The start of the first working interval that begins strictly after ``t``
        (infinity for a calendar that, once open, never closes)."""
        starts = self._starts
        i = bisect.bisect_right(starts, t)
        if i < len(starts):
            return starts[i]
        give_up = t + 24.0 * self.GIVE_UP_DAYS
        while self._ends[-1] < give_up:
            self._extend(self._ends[-1] + 24.0 * self.CHUNK_DAYS)
            i = bisect.bisect_right(starts, t)
            if i < len(starts):
                return starts[i]
        return math.inf

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
        (``hours`` > 0), for callers that need that figure anyway.

        The sums carry rounding (a few 1e-14 h), so "exactly at closing time" means within
        :data:`TIE` hours of it: such a job ends at closing, not a weekend later."""
        target = worked_before + hours
        cum = self._cum
        while cum[-1] < target:
            self._extend(self._ends[-1] + 24.0 * self.CHUNK_DAYS / 2)
        if hours > 1e-9:  # TIE, written out: this is on the engine's hot path
            j = bisect.bisect_left(cum, target - 1e-9) - 1
            end = self._starts[j] + (target - cum[j])
            closing = self._ends[j]
            return end if end < closing else closing
        j = bisect.bisect_right(cum, worked_before) - 1  # next to nothing: ends as it starts
        return self._starts[j] + (target - cum[j])

    def at(self, t: float) -> dt.datetime:
        """The date and time of simulated hour ``t``, on the origin's clock (an aware origin
        gives aware times in its zone; a naive one read as UTC, naive UTC times)."""
        origin = self._origin
        if self._clock is None:
            return origin + dt.timedelta(hours=t)
        utc = dt.datetime.fromtimestamp(self._origin_ts, UTC) + dt.timedelta(hours=t)
        return utc.astimezone(origin.tzinfo) if origin.tzinfo is not None else utc.replace(
            tzinfo=None)

    def hours_at(self, when: dt.datetime) -> float:
        """The simulated hour of ``when`` (the inverse of :meth:`at`)."""
        if self._clock is None:
            return (when - self._origin).total_seconds() / 3600.0
        aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        return (aware.timestamp() - self._origin_ts) / 3600.0
