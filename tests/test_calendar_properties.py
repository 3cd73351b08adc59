"""Timeline against a deliberately plain reference, on random calendars (hypothesis).

The reference below turns every local day's spans into instants one at a time with
``datetime`` and ``zoneinfo`` and answers each question by walking the resulting list:
slow, short, and obviously right. The ``Timeline`` answers the same questions from week
tables, day numbers and offset-change lists; both must agree on random weekday sets, one to
three spans (some across midnight), holidays, calendar and process time zones with and
without daylight saving, origins near the clock changes, and random times.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laneforge.model.calendar import TIE, Calendar, Timeline
from laneforge.model.zones import start_instant

UTC = dt.UTC
ZONES = [None, "UTC", "Asia/Kolkata", "America/New_York", "Europe/London",
         "Australia/Sydney", "Australia/Lord_Howe", "America/St_Johns"]
#: 2026's clock changes: US, EU, Australia (Lord Howe too), each way
CHANGES = [dt.datetime(2026, 3, 8), dt.datetime(2026, 11, 1), dt.datetime(2026, 3, 29),
           dt.datetime(2026, 10, 25), dt.datetime(2026, 4, 5), dt.datetime(2026, 10, 4)]
WEEK_DAYS = 21  # query times lie within three weeks of the origin
REACH_DAYS = 84  # the reference lists intervals this far (enough for every answer asked)
TOL = 1e-8


# --- the reference ----------------------------------------------------------------------------


def first_instant(wall: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The first instant (UTC) at which the clock of ``tz`` shows ``wall`` or later."""
    guess = wall.replace(tzinfo=tz, fold=0)  # PEP 495: fold 0 is the earlier of a repeat
    if guess.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return guess.astimezone(UTC)
    instant = guess.astimezone(UTC) - dt.timedelta(hours=3)  # skipped: walk to the jump
    while instant.astimezone(tz).replace(tzinfo=None) < wall:
        instant += dt.timedelta(minutes=1)
    return instant


class Reference:
    """A calendar's working intervals (hours since the origin), listed day by day."""

    def __init__(self, calendar: Calendar, start: dt.datetime, process_zone: str | None):
        local = calendar.timezone or process_zone
        tz = ZoneInfo(local) if local else None
        if tz is None:
            origin, first = start, start.date()
        else:
            if process_zone:
                origin = first_instant(start, ZoneInfo(process_zone))
            else:
                origin = start.replace(tzinfo=UTC)  # a process without a zone: read in UTC
            first = origin.astimezone(tz).date()

        def hours(wall: dt.datetime) -> float:
            if tz is None:
                return (wall - origin).total_seconds() / 3600.0
            return (first_instant(wall, tz) - origin).total_seconds() / 3600.0

        intervals: list[list[float]] = []
        for k in range(-1, REACH_DAYS):
            day = first + dt.timedelta(days=k)
            if day.weekday() not in calendar.weekdays or day in calendar.holidays:
                continue
            midnight = dt.datetime.combine(day, dt.time())
            for s, e in calendar.spans:
                a = hours(midnight + dt.timedelta(minutes=s))
                b = hours(midnight + dt.timedelta(minutes=e))
                if b <= max(a, 0.0):
                    continue
                a = max(a, 0.0)
                if intervals and intervals[-1][1] == a:
                    intervals[-1][1] = b  # touching: one stretch of work
                else:
                    intervals.append([a, b])
        self.intervals = intervals
        self.reach = intervals[-1][1]

    def is_open(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.intervals)

    def cumulative(self, t: float) -> float:
        return sum(max(0.0, min(b, t) - a) for a, b in self.intervals)

    def next_open(self, t: float) -> float:
        if self.is_open(t):
            return t
        return min(a for a, _ in self.intervals if a > t)

    def next_start_after(self, t: float) -> float:
        return min((a for a, _ in self.intervals if a > t), default=math.inf)

    def add(self, t: float, hours: float) -> float:
        if hours <= 0.0:
            return t
        left = hours
        for a, b in self.intervals:
            if b <= t:
                continue
            begin = max(a, t)
            if b - begin >= left - TIE:  # ending within TIE of closing time ends then
                return min(begin + left, b)
            left -= b - begin
        raise AssertionError("the reference does not reach far enough")

    def near_boundary(self, t: float) -> bool:
        return any(abs(t - x) < 1e-7 for pair in self.intervals for x in pair)


# --- random calendars -------------------------------------------------------------------------


def _clock(quarter: int) -> str:
    return f"{quarter * 15 // 60:02d}:{quarter * 15 % 60:02d}"


@st.composite
def hours_specs(draw) -> str:
    """One to three spans on a quarter-hour grid, turned round the clock by a random amount
    so that one of them may run across midnight ("22:00-06:00")."""
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    pairs = list(zip(cuts[::2], cuts[1::2], strict=True))
    turn = 0 if pairs == [(0, 96)] else draw(st.integers(0, 95))
    parts = []
    for a, b in pairs:
        a, b = (a + turn) % 96, (b + turn) % 96
        parts.append(f"{_clock(a)}-{'24:00' if a == b == 0 else _clock(b)}")
    return ",".join(parts)


@st.composite
def calendars(draw) -> dict:
    """A calendar as file data; its holidays as days after the origin's date."""
    days = draw(st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                        min_size=1))
    return {"days": ",".join(sorted(days)), "hours": draw(hours_specs()),
            "timezone": draw(st.sampled_from(ZONES)),
            "holidays": draw(st.lists(st.integers(-2, 42), max_size=6))}


origins = st.one_of(
    st.datetimes(dt.datetime(2025, 12, 1), dt.datetime(2027, 1, 31)),
    st.builds(lambda change, minutes: change + dt.timedelta(minutes=minutes),
              st.sampled_from(CHANGES), st.integers(-3 * 1440, 3 * 1440)),
)


def _case(spec: dict, start: dt.datetime, process_zone: str | None):
    """The calendar, its Timeline from ``start`` and the reference."""
    holidays = [start.date() + dt.timedelta(days=d) for d in spec["holidays"]]
    calendar = Calendar(**{**spec, "holidays": holidays})
    line = Timeline(calendar, start_instant(start, process_zone))
    return calendar, line, Reference(calendar, start, process_zone)


def _times(draw, ref: Reference) -> list[float]:
    """Random times in the first three weeks, and times just either side of boundaries."""
    times = draw(st.lists(st.floats(0, 24.0 * WEEK_DAYS, allow_nan=False), min_size=1,
                          max_size=10))
    edges = [x for pair in ref.intervals for x in pair if x < 24.0 * WEEK_DAYS]
    if edges:
        for x in draw(st.lists(st.sampled_from(edges), max_size=4)):
            times += [max(x - 1e-6, 0.0), x + 1e-6]
    return times


@settings(max_examples=150, deadline=None, database=None)
@given(calendar=calendars(), start=origins, process_zone=st.sampled_from(ZONES),
       data=st.data())
def test_the_timeline_answers_like_the_plain_reference(
    calendar: dict, start: dt.datetime, process_zone: str | None, data: st.DataObject,
) -> None:
    calendar, line, ref = _case(calendar, start, process_zone)
    per_week = calendar.hours_per_week
    for t in _times(data.draw, ref):
        if not ref.near_boundary(t):
            assert line.is_open(t) == ref.is_open(t), t
            assert (line.worked_if_open(t) >= 0.0) == ref.is_open(t), t
        assert line.cumulative(t) == pytest.approx(ref.cumulative(t), abs=TOL)
        assert line.next_open(t) == pytest.approx(ref.next_open(t), abs=TOL)
        assert line.next_start_after(t) == pytest.approx(ref.next_start_after(t), abs=TOL)
        hours = data.draw(st.floats(0.0, 2.0 * per_week, allow_nan=False))
        end = line.add(t, hours)
        assert end == pytest.approx(ref.add(t, hours), abs=TOL)
        # add and worked undo each other; zero hours is the start itself
        assert line.worked(t, end) == pytest.approx(hours, abs=TOL)
        assert line.add(t, 0.0) == t
        assert line.add_from(line.cumulative(t), hours or 1.0) == line.add(t, hours or 1.0)
    assert line.worked(0.0, ref.reach - 1e-6) == pytest.approx(
        ref.cumulative(ref.reach - 1e-6), abs=1e-7)


@settings(max_examples=80, deadline=None, database=None)
@given(calendar=calendars(), start=origins, process_zone=st.sampled_from(ZONES))
def test_the_interval_lists_are_sorted_separate_and_closing_time_ends_a_job(
    calendar: dict, start: dt.datetime, process_zone: str | None,
) -> None:
    _, line, ref = _case(calendar, start, process_zone)
    line.cumulative(24.0 * WEEK_DAYS)
    live = line.tables
    assert len(live[2]) == len(live[0]) + 1 == len(live[1]) + 1
    starts, ends, cum = (list(column) for column in live)  # the look-ups below extend them
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        assert a < b
        assert cum[i + 1] == pytest.approx(cum[i] + b - a, abs=TOL)
        if i + 1 == len(starts):
            break  # the last interval may still grow when the next day joins it
        assert b < starts[i + 1]  # touching intervals are joined
        # strictly after: an opening itself is not after itself
        assert line.next_start_after(a) == starts[i + 1]
        assert line.add(a, b - a) == pytest.approx(b, abs=TOL)  # ends at closing, not later
        assert line.is_open(a) and not line.is_open(b)
    # the same intervals as the reference (the last of each may still grow or be cut short)
    shared = min(len(starts), len(ref.intervals)) - 1
    for a, b, pair in zip(starts[:shared], ends[:shared], ref.intervals, strict=False):
        assert [a, b] == pytest.approx(pair, abs=TOL)


@settings(max_examples=60, deadline=None, database=None)
@given(calendar=calendars(), start=origins, process_zone=st.sampled_from(ZONES),
       hours=st.floats(0.0, 30.0, allow_nan=False),
       minutes=st.integers(0, 24 * 60 * WEEK_DAYS))
def test_the_datetime_api_agrees_with_the_timeline_in_zones(
    calendar: dict, start: dt.datetime, process_zone: str | None, hours: float, minutes: int,
) -> None:
    calendar, line, ref = _case(calendar, start, process_zone)
    when = line.at(minutes / 60.0)
    assert line.hours_at(when) == pytest.approx(minutes / 60.0, abs=1e-9)
    t = minutes / 60.0
    if not ref.near_boundary(t):
        assert calendar.is_open(when) == ref.is_open(t)
    hours = min(hours, 2.0 * calendar.hours_per_week)
    done = calendar.add_working_hours(when, hours)
    assert line.hours_at(done) == pytest.approx(ref.add(t, hours), abs=1e-6)
    assert calendar.working_hours_between(when, done) == pytest.approx(hours, abs=1e-6)
    assert line.hours_at(calendar.next_opening(when)) == pytest.approx(ref.next_open(t),
                                                                        abs=1e-6)
