"""Time zones for calendars: IANA names, and wall-clock time to instants without ``datetime``.

A calendar with ``"timezone": "Europe/London"`` keeps its days and hours on London's wall
clock. :class:`ZoneClock` turns a wall-clock reading (seconds since 1970-01-01 00:00 on that
clock) into the instant (POSIX seconds) at which the clock first shows it, by arithmetic on a
short sorted list of the zone's UTC-offset changes. The list is found once per zone and year
(cached for the whole program), so a ``Timeline`` extended while a simulation runs does no
``datetime`` work after the first day of each simulated year.

The rule for the two awkward hours of daylight saving: a wall time the clock skips (02:30
on the night clocks go forward) is reached when the clock jumps past it; a wall time it
shows twice (01:30 on the night they go back) is reached the first time. So a night shift
22:00-06:00 lasts 7 hours in spring and 9 in autumn, as the people on it work.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1)
_DAY = 86400
#: how far apart the offset is sampled while looking for changes (changes that undo
#: themselves within this step would be missed; tzdata has none in living memory)
_STEP = _DAY


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/London``), or ValueError saying what to write."""
    text = name.strip()
    try:
        if not text:
            raise ValueError
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}; write an IANA name such as Europe/London, "
            "America/New_York or Asia/Kolkata"
        ) from None


def check_zone_name(value: str | None) -> str | None:
    """Validator for the ``timezone`` fields: None or a zone this machine knows."""
    if value is not None:
        zone(value)
    return value


def wall_seconds(when: dt.datetime) -> float:
    """A naive date and time as seconds since 1970-01-01 00:00 on the same clock."""
    return (when - _EPOCH).total_seconds()


def _offset(tz: dt.tzinfo, instant: int) -> int:
    offset = dt.datetime.fromtimestamp(instant, tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@lru_cache(maxsize=512)
def _year_changes(tz: dt.tzinfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """(instant, offset before, offset after) in seconds for each UTC-offset change of ``tz``
    in the UTC year ``year``, in order: the offset sampled daily, each change found to the
    second by bisection."""
    first = int(dt.datetime(year, 1, 1, tzinfo=UTC).timestamp())
    last = int(dt.datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    changes: list[tuple[int, int, int]] = []
    at, before = first, _offset(tz, first)
    while at < last:
        step = min(at + _STEP, last)
        if _offset(tz, step) == before:
            at = step
            continue
        lo, hi = at, step  # the offset at lo is ``before``, at hi it is not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset(tz, mid) == before:
                lo = mid
            else:
                hi = mid
        after = _offset(tz, hi)
        changes.append((hi, before, after))
        at, before = hi, after
    return tuple(changes)


class ZoneClock:
    """One zone's wall clock as arithmetic over its offset changes (loaded a year at a time)."""

    __slots__ = ("_after", "_at", "_first", "_tz", "_until", "_walls", "_year")

    def __init__(self, tz: dt.tzinfo, instant: float) -> None:
        """A clock good for wall times from about two days before ``instant`` onwards."""
        start = dt.datetime.fromtimestamp(instant, UTC) - dt.timedelta(days=2)
        self._tz = tz
        self._year = start.year
        self._first = _offset(tz, int(dt.datetime(start.year, 1, 1, tzinfo=UTC).timestamp()))
        self._at: list[int] = []  # instants of the changes
        self._walls: list[int] = []  # the wall reading reached just before each change
        self._after: list[int] = []  # the offset after each change
        self._until = 0
        self._load_year()

    def _load_year(self) -> None:
        for at, before, after in _year_changes(self._tz, self._year):
            self._at.append(at)
            self._walls.append(at + before)
            self._after.append(after)
        self._year += 1
        self._until = int(dt.datetime(self._year, 1, 1, tzinfo=UTC).timestamp())

    def instant(self, wall: float) -> float:
        """The first instant (POSIX seconds) at which the clock shows ``wall`` or later."""
        while wall > self._until - 2 * _DAY:  # offsets are under a day: the year covers it
            self._load_year()
        i = bisect.bisect_right(self._walls, wall) - 1
        if i < 0:
            return wall - self._first
        at, shifted = self._at[i], wall - self._after[i]
        return shifted if shifted > at else at


def start_instant(start: dt.datetime, timezone: str | None) -> dt.datetime:
    """The process start as the simulation's origin: ``start`` itself without a zone (every
    calendar on one wall clock, no daylight saving), else the instant at which the wall
    clock of ``timezone`` first shows it, as an aware time in that zone."""
    if timezone is None:
        return start
    tz = zone(timezone)
    naive = start.replace(tzinfo=None)
    guess = naive.replace(tzinfo=UTC).timestamp()
    instant = ZoneClock(tz, guess - _DAY).instant(wall_seconds(naive))
    return dt.datetime.fromtimestamp(instant, tz)
