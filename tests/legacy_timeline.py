"""The calendar ``Timeline`` before calendars became week tables, kept as a reference.

Simulation results with the new ``laneforge.model.calendar.Timeline`` must be identical to
results with this one (tests/test_calendar_identity.py), and benchmarks/bench_calendar.py
times both. Only for calendars the old one could express: no time zone, no night spans.
"""

from __future__ import annotations

import bisect
import datetime as dt

from laneforge.model.calendar import Calendar


class LegacyTimeline:
    """The Timeline as it was before calendars became week tables: intervals generated day by day
    with ``datetime`` arithmetic. Kept unchanged as the reference the new one must match."""

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
