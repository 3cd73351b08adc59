"""Shifts that cover a requirement per hour of the week at least cost (an integer program).

The user sets the templates: shift lengths (8-hour shifts, part-time 4-hour blocks), the
days and the window of the day they may run in; every shift starts on the hour. One
integer variable per placed shift (day x start x length) counts the people on it; every
hour needs at least its requirement covered; the cost is hours x cost per hour x the
template's weight (part-time may cost more or less per hour). ``scipy.optimize.milp``
solves it; the same problem without integrality gives the lower bound that no roster beats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, milp

from ..model.calendar import WEEKDAYS, parse_days, parse_hours
from .staffing_need import BLOCKS, StaffingError, block_name

#: seconds the solver may take before it gives back the best roster found so far
TIME_LIMIT = 60.0


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift length in whole hours and its cost weight per hour (1: the full rate)."""

    hours: int
    weight: float = 1.0


@dataclass(frozen=True, order=True)
class Shift:
    """One placed shift: a weekday (mon = 0), a start hour and a length."""

    day: int
    start: int
    hours: int
    weight: float = 1.0

    @property
    def blocks(self) -> np.ndarray:
        first = self.day * 24 + self.start
        return np.arange(first, first + self.hours) % BLOCKS

    @property
    def span(self) -> str:
        """'08:00-16:00' (a shift past midnight ends the next morning, as in calendars)."""
        return f"{self.start:02d}:00-{(self.start + self.hours) % 24:02d}:00"

    def text(self) -> str:
        return f"{WEEKDAYS[self.day]} {self.span}"


_LENGTH = re.compile(r"^\s*(\d+)\s*h\s*$", re.IGNORECASE)


def parse_templates(text: str, part_time_weight: float = 1.0) -> list[ShiftTemplate]:
    """'8h,4h' -> templates; shifts shorter than the longest are part-time and cost
    ``part_time_weight`` times the hourly rate."""
    lengths: list[int] = []
    for part in text.split(","):
        match = _LENGTH.match(part)
        if not match or not 1 <= int(match.group(1)) <= 24:
            raise StaffingError(f"--shifts: expected lengths in whole hours such as 8h,4h, "
                                f"got {part.strip()!r}")
        lengths.append(int(match.group(1)))
    if part_time_weight <= 0:
        raise StaffingError(f"--part-time-cost: must be above 0, got {part_time_weight:g}")
    longest = max(lengths)
    return [ShiftTemplate(n, 1.0 if n == longest else part_time_weight)
            for n in sorted(set(lengths), reverse=True)]


def place_shifts(templates: list[ShiftTemplate], days: str, hours: str) -> list[Shift]:
    """Every shift of ``templates`` starting on the hour on ``days`` inside the window
    ``hours`` ('08:00-18:00'; a window past midnight, '22:00-06:00', runs into the next
    day)."""
    try:
        weekdays = sorted(parse_days(days))
    except ValueError as exc:
        raise StaffingError(f"--days: {exc}") from None
    try:
        spans = parse_hours(hours)
    except ValueError as exc:
        raise StaffingError(f"--hours: {exc}") from None
    if len(spans) != 1 or spans[0][0] % 60 or spans[0][1] % 60:
        raise StaffingError(f"--hours: expected one window on the hour such as 08:00-18:00, "
                            f"got {hours!r}")
    if not weekdays:
        raise StaffingError(f"--days: no day in {days!r}")
    first, last = spans[0][0] // 60, spans[0][1] // 60
    # a start past midnight (a night window) is a shift of the next day
    shifts = [Shift((day + start // 24) % 7, start % 24, t.hours, t.weight)
              for t in templates for day in weekdays
              for start in range(first, last - t.hours + 1)]
    if not shifts:
        longest = min(t.hours for t in templates)
        raise StaffingError(f"--hours: the window {hours} holds {last - first} hours; no "
                            f"{longest}-hour shift fits in it")
    return sorted(set(shifts))


def coverage_matrix(shifts: list[Shift]) -> np.ndarray:
    """Hours of the week x shifts: 1 where the shift covers the hour."""
    matrix = np.zeros((BLOCKS, len(shifts)))
    for j, shift in enumerate(shifts):
        matrix[shift.blocks, j] = 1.0
    return matrix


def coverable(shifts: list[Shift]) -> np.ndarray:
    """The hours some shift can cover."""
    return coverage_matrix(shifts).sum(axis=1) > 0 if shifts else np.zeros(BLOCKS, bool)


@dataclass
class ShiftChoice:
    """The people per placed shift, what they cost a week and the bound below it."""

    counts: dict[Shift, int]
    cost: float
    #: the cost of the same problem with fractional people: no roster costs less
    lp_bound: float
    #: people on in each hour of the week
    staffed: np.ndarray


def choose_shifts(required: np.ndarray, shifts: list[Shift], cost_per_hour: float,
                  *, time_limit: float = TIME_LIMIT) -> ShiftChoice:
    """The cheapest whole number of people per shift that covers ``required`` in every
    hour. Raises StaffingError naming the first hour no shift covers."""
    required = np.asarray(required, dtype=float)
    matrix = coverage_matrix(shifts)
    needed = np.flatnonzero(required > 0)
    uncovered = [b for b in needed if not matrix[b].any()]
    if uncovered:
        block = int(uncovered[0])
        raise StaffingError(
            f"--shifts/--days/--hours: {block_name(block)} needs {int(required[block])} "
            f"people but no shift covers it ({len(uncovered)} such hours)")
    if not len(needed):
        return ShiftChoice({}, 0.0, 0.0, np.zeros(BLOCKS, dtype=np.int64))
    cost = np.array([s.hours * s.weight * cost_per_hour for s in shifts])
    rows = LinearConstraint(matrix[needed], lb=required[needed], ub=np.inf)
    options = {"time_limit": time_limit, "disp": False}
    relaxed = milp(cost, constraints=rows, integrality=np.zeros(len(shifts)),
                   bounds=(0, np.inf), options=options)
    result = milp(cost, constraints=rows, integrality=np.ones(len(shifts)),
                  bounds=(0, np.inf), options=options)
    if result.x is None or relaxed.x is None:
        raise StaffingError(f"--shifts: no roster found ({result.message})")
    people = np.round(result.x).astype(np.int64)
    counts = {s: int(k) for s, k in zip(shifts, people, strict=True) if k > 0}
    staffed = (matrix @ people).astype(np.int64)
    return ShiftChoice(counts, float(cost @ people), float(relaxed.fun), staffed)


def roster_of(counts: dict[Shift, int]) -> dict[str, dict[str, int]]:
    """The chosen shifts as a lane's ``roster``: {'mon': {'08:00-16:00': 3}, ...}, days in
    week order and shifts by start."""
    out: dict[str, dict[str, int]] = {}
    for shift in sorted(counts):
        day = out.setdefault(WEEKDAYS[shift.day], {})
        day[shift.span] = day.get(shift.span, 0) + counts[shift]
    return out
