"""Lanes with a roster: people on shift by the minute of the week, as capacity over time.

A roster lane works while anyone is on (the roster's hours replace its calendar's), in the
lane calendar's time zone, and the calendar's holidays close it from midnight to midnight.
:class:`RosterTimeline` gives the engine those working intervals (task work progresses only
inside them, as with a calendar) and the times the head count changes; at each change the
lane's free staff moves by the difference. Work in service when the count drops goes on
(no pre-emption): the free count goes below zero and new work waits until it is back up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..model.calendar import DAY_MINUTES, Calendar, Timeline
from ..model.roster import WEEK_MINUTES
from ..model.zones import UTC, zone

if TYPE_CHECKING:
    from .engine import Replication

#: a roster as ``roster_steps`` gives it: (minute of the week from Monday 00:00, people)
Steps = tuple[tuple[int, int], ...]


def _day_segments(steps: Steps) -> list[list[tuple[int, int, int]]]:
    """Per weekday (Monday first): ``(start, end, people)`` in minutes after its midnight,
    covering the whole day."""
    bounds = [minute for minute, _ in steps] + [WEEK_MINUTES]
    days: list[list[tuple[int, int, int]]] = [[] for _ in range(7)]
    for (start, people), end in zip(steps, bounds[1:], strict=True):
        while start < end:
            day, offset = divmod(start, DAY_MINUTES)
            stop = min(end, (day + 1) * DAY_MINUTES)
            days[day].append((offset, stop - day * DAY_MINUTES, people))
            start = stop
    return days


class RosterTimeline(Timeline):
    """A Timeline whose working spans are a roster's hours with anyone on, per weekday."""

    __slots__ = ("_segments", "_unit", "_weekday0")

    def __init__(self, steps: Steps, calendar: Calendar | None, origin: dt.datetime) -> None:
        base = Calendar(days="mon-sun", hours="00:00-24:00",
                        timezone=calendar.timezone if calendar is not None else None,
                        holidays=list(calendar.holidays) if calendar is not None else [])
        super().__init__(base, origin)
        tz = zone(base.timezone) if base.timezone else origin.tzinfo
        if tz is None:
            first = origin.date()
        else:
            aware = origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)
            first = dt.datetime.fromtimestamp(aware.timestamp(), tz).date()
        self._weekday0 = first.weekday()
        self._unit = 60.0 if self._clock is not None else 1 / 60.0  # minutes -> seconds | h
        self._segments = _day_segments(steps)
        if not any(people for _, people in steps):
            raise ValueError("the roster has nobody on at any time")
        unit = self._unit
        week = []
        for k in range(7):
            spans: list[tuple[float, float]] = []
            for start, end, people in self._segments[(self._weekday0 + k) % 7]:
                if not people:
                    continue
                if spans and spans[-1][1] == start * unit:
                    spans[-1] = (spans[-1][0], end * unit)
                else:
                    spans.append((start * unit, end * unit))
            week.append(tuple(spans))
        self._week = tuple(week)
        self._starts, self._ends, self._cum, self._day = [], [], [0.0], -1
        self._extend(0.0)

    def changes(self) -> Iterator[tuple[float, int]]:
        """``(time, people)`` from before time 0 on, at every change of the head count;
        ends after :attr:`GIVE_UP_DAYS` days without one (a flat roster never changes)."""
        unit, level = self._unit, None
        k = quiet = -1
        while quiet < self.GIVE_UP_DAYS:
            quiet += 1
            segments = self._segments[(self._weekday0 + k) % 7]
            holiday = k in self._holidays
            for start, _end, people in segments:
                people = 0 if holiday else people
                if people != level:
                    ((t, _),) = self._day_intervals(k, ((start * unit, start * unit),))
                    level, quiet = people, 0
                    yield t, people
            k += 1


def level_at_start(line: RosterTimeline) -> tuple[int, Iterator[tuple[float, int]]]:
    """The head count at time 0 and the changes after it."""
    changes = line.changes()
    level = 0
    for t, people in changes:
        if t > 0.0:
            return level, _chain((t, people), changes)
        level = people
    return level, iter(())


def _chain(first: tuple[float, int], rest: Iterator[tuple[float, int]],
           ) -> Iterator[tuple[float, int]]:
    yield first
    yield from rest


def person_hours(line: RosterTimeline, a: float, b: float) -> float:
    """Rostered person-hours inside [a, b] (holidays and hours with nobody on count 0)."""
    last_t = total = 0.0
    last_level, changes = level_at_start(line)
    for t, people in changes:
        lo, hi = max(last_t, a), min(t, b)
        if hi > lo:
            total += last_level * (hi - lo)
        if t >= b:
            return total
        last_t, last_level = t, people
    return total + last_level * max(0.0, b - max(last_t, a))  # no change after the last


def schedule_changes(rep: Replication, lane: int, line: RosterTimeline, start: int,
                     changes: Iterator[tuple[float, int]]) -> None:
    """At each change of the lane's head count, free staff moves by the difference; a rise
    hands waiting work to the newcomers at once."""
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
    free, dispatch = rep.free, rep.dispatchers[lane]
    level = start
    pending: list[tuple[float, int]] = []

    def change(_arg: Any) -> None:
        nonlocal level
        _, people = pending.pop()
        free[lane] += people - level
        rose = people > level
        level = people
        if rose:
            dispatch()
        following()

    def following() -> None:
        upcoming = next(changes, None)
        if upcoming is None:
            return  # the head count does not change any more
        at, people = upcoming
        pending.append((at, people))
        now = env._now
        push(queue, (now + (at - now), 1, next(eid), (change, None)))

    following()


def roster_lines(rep: Replication) -> list[Callable[[], None]]:
    """Set up every roster lane of ``rep``: its timeline, free staff at time 0, and the
    changes; returns the functions that queue the changes (called after placement)."""
    starters: list[Callable[[], None]] = []
    for lane in rep.c.lanes:
        if lane.roster is None:
            continue
        line = RosterTimeline(lane.roster, lane.calendar, rep.c.origin)
        rep.timelines[lane.index] = line
        level, changes = level_at_start(line)
        rep.free[lane.index] = level
        starters.append(lambda i=lane.index, ln=line, lv=level, ch=changes:
                        schedule_changes(rep, i, ln, lv, ch))
    return starters
