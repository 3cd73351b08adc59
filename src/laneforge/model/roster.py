"""A lane's roster: how many people work in each hour of the week.

Written in a `.lane.json` lane as shifts per weekday, ``"roster": {"mon": {"08:00-16:00": 3,
"12:00-16:00": 1}, ...}``. Shifts that overlap add up (4 people from 12:00 to 16:00 above); a
span that ends at or before its start runs past midnight into the next day, as in calendars.
A day that is not named has nobody on it. With a roster the lane's ``staff`` is not used for
capacity; its holidays (from the lane's calendar) still close it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from .calendar import DAY_MINUTES, WEEKDAYS, parse_hours

WEEK_MINUTES = 7 * DAY_MINUTES
#: most people one shift of a roster may name (limits a file to a sane size)
MAX_SHIFT_STAFF = 100_000


def _check_roster(value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    for day, shifts in value.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r} in the roster; use mon, tue, ... sun")
        for span, people in shifts.items():
            if len(parse_hours(span)) != 1:
                raise ValueError(f"roster shift {span!r} on {day}: write one span per shift")
            if not 0 <= people <= MAX_SHIFT_STAFF:
                raise ValueError(
                    f"roster shift {span!r} on {day}: {people} people; "
                    f"use 0 to {MAX_SHIFT_STAFF}"
                )
    return value


Roster = Annotated[
    dict[str, dict[str, Annotated[int, Field(strict=True)]]], AfterValidator(_check_roster)
]


def roster_steps(roster: dict[str, dict[str, int]]) -> list[tuple[int, int]]:
    """The roster as a step function over one week: ``[(minute, people), ...]``.

    Minutes count from Monday 00:00 (0 to 10079); each entry holds until the next one, and
    the last holds until the week wraps to the first. The first entry is always at minute 0.
    Shifts running past Sunday midnight wrap into Monday."""
    delta = [0] * (WEEK_MINUTES + 1)
    for day, shifts in roster.items():
        base = WEEKDAYS.index(day) * DAY_MINUTES
        for span, people in shifts.items():
            ((start, end),) = parse_hours(span)
            a, b = base + start, base + end
            if b <= WEEK_MINUTES:
                delta[a] += people
                delta[b] -= people
            else:  # past Sunday midnight: the tail lands on Monday morning
                delta[a] += people
                delta[WEEK_MINUTES] -= people
                delta[0] += people
                delta[b - WEEK_MINUTES] -= people
    steps: list[tuple[int, int]] = []
    level = 0
    for minute in range(WEEK_MINUTES):
        level += delta[minute]
        if not steps or steps[-1][1] != level:
            steps.append((minute, level))
    return steps


def roster_peak(roster: dict[str, dict[str, int]]) -> int:
    """The most people on at any one time."""
    return max(people for _, people in roster_steps(roster))


def roster_person_hours(roster: dict[str, dict[str, int]]) -> float:
    """Paid hours per week: every shift's length times its people."""
    total = 0
    for shifts in roster.values():
        for span, people in shifts.items():
            ((start, end),) = parse_hours(span)
            total += (end - start) * people
    return total / 60
