"""Fits from when things happen: arrival rates and profiles, batches, staff and calendars.

Each function takes plain timestamps (a CRM's local wall-clock times) and the fitting
window, so it can be checked on made-up times whose answer is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..model.calendar import WEEKDAYS
from .calibrate_stats import median_ci, poisson_ci

#: a minute with at least this many new leads of one source (and far more than its Poisson
#: rate allows) is an import, not arrivals
BURST_MIN = 10
#: chance, per minute, that Poisson arrivals alone would give a burst that large
BURST_CHANCE = 1e-9
#: bursts this close together are one import logged over a few minutes
BURST_JOIN = pd.Timedelta(minutes=5)
#: a weekday profile is written when the weekday counts differ beyond chance at this level
PROFILE_P = 1e-3
#: share of activity starts the fitted working hours must cover
CALENDAR_COVER = 0.95
#: a half hour outside that core still counts as working with this share of a core slot
SLOT_SHARE = 0.25
#: a half hour next to working ones counts as working with this share of a core slot
EDGE_SHARE = 0.05
#: a weekday counts as working with this share of the busiest weekday's activity starts
DAY_SHARE = 0.2
#: fewest activity starts to fit a calendar from
CALENDAR_MIN = 50


def whole_weeks(start: pd.Timestamp, until: pd.Timestamp) -> tuple[pd.Timestamp, int]:
    """The first Monday 00:00 at or after ``start`` and the number of whole weeks from it
    that end by ``until``."""
    day = start.normalize()
    first = day + pd.Timedelta(days=(7 - day.weekday()) % 7)
    if first < start:
        first += pd.Timedelta(days=7)
    weeks = max(0, int((until - first) // pd.Timedelta(days=7)))
    return first, weeks


@dataclass
class Batch:
    """Leads imported at once: ``size`` at ``first``, repeating every ``every_days`` or once."""

    size: int
    first: pd.Timestamp
    every_days: float | None = None
    count: int = 1  # bursts seen
    #: 95 % intervals (order statistics over the bursts) of the size and of the gap in days
    size_ci: tuple[float, float] | None = None
    every_ci: tuple[float, float] | None = None


@dataclass
class ArrivalFit:
    """A source's arrivals over whole weeks: the Poisson rate and its weekday profile."""

    rate_per_day: float
    ci95: tuple[float, float]
    n: int  # leads counted (bursts left out)
    weeks: int
    #: weekday -> multiplier (mean 1); None when the days do not differ beyond chance
    profile: dict[str, float] | None
    #: weekday -> 95 % interval of its multiplier
    profile_ci: dict[str, tuple[float, float]]
    #: hour of day -> multiplier (mean 1): the format has no hour profile; for reports
    hours: list[float]
    batches: list[Batch] = field(default_factory=list)
    burst_leads: int = 0


def heavy_minutes(times: pd.Series, rate_per_minute: float) -> pd.Series:
    """Leads per minute, for the minutes with far more new leads than the rate allows."""
    minutes = times.dt.floor("min").value_counts().sort_index()
    threshold = max(BURST_MIN, int(stats.poisson.isf(BURST_CHANCE, max(rate_per_minute, 1e-9))))
    return minutes[minutes >= threshold]


def find_bursts(times: pd.Series, rate_per_minute: float) -> list[tuple[pd.Timestamp, int]]:
    """(time, size) of each import: a minute with far more new leads than the rate allows
    (minutes close together are one import)."""
    if times.empty:
        return []
    heavy = heavy_minutes(times, rate_per_minute)
    bursts: list[tuple[pd.Timestamp, int]] = []
    for when, size in heavy.items():
        if bursts and when - bursts[-1][0] <= BURST_JOIN:
            bursts[-1] = (bursts[-1][0], bursts[-1][1] + int(size))
        else:
            bursts.append((pd.Timestamp(when), int(size)))
    return bursts


def batches_from_bursts(bursts: list[tuple[pd.Timestamp, int]]) -> list[Batch]:
    """Three or more bursts at regular gaps (within 10 % of their median) are one repeating
    batch of their median size; anything else is a one-off batch each."""
    if len(bursts) >= 3:
        gaps = np.diff([b[0].value for b in bursts]) / 8.64e13  # days
        median = float(np.median(gaps))
        if median > 0 and (gaps.max() - gaps.min()) <= 0.1 * median:
            sizes = np.array([b[1] for b in bursts], dtype=float)
            size, size_lo, size_hi = median_ci(sizes)
            _, gap_lo, gap_hi = median_ci(gaps)
            return [Batch(round(size), bursts[0][0], round(median, 1), len(bursts),
                          (size_lo, size_hi), (gap_lo, gap_hi))]
    return [Batch(size, when) for when, size in bursts]


def fit_arrivals(created: pd.Series, start: pd.Timestamp, until: pd.Timestamp) -> ArrivalFit:
    """Rate per day over the whole weeks in [start, until), its weekday and hour profile, and
    the batches (bursts) found in the window, whose leads the rate leaves out."""
    created = created[(created >= start) & (created < until)].sort_values()
    first, weeks = whole_weeks(start, until)
    span_min = max((until - start) / pd.Timedelta(minutes=1), 1.0)
    bursts = find_bursts(created, len(created) / span_min)
    heavy = heavy_minutes(created, len(created) / span_min) if bursts else pd.Series()
    in_burst = created.dt.floor("min").isin(heavy.index)
    steady = created[~in_burst]
    inside = steady[(steady >= first) & (steady < first + pd.Timedelta(days=7 * weeks))]
    n = len(inside)
    days = 7.0 * weeks
    rate = n / days if days else math.nan
    lo, hi = poisson_ci(n, days) if days else (math.nan, math.nan)
    per_day = np.bincount(inside.dt.day_of_week.to_numpy(), minlength=7)
    per_hour = np.bincount(inside.dt.hour.to_numpy(), minlength=24)
    profile: dict[str, float] | None = None
    profile_ci: dict[str, tuple[float, float]] = {}
    if n:
        mean_day = n / 7.0
        for day, count in zip(WEEKDAYS, per_day, strict=True):
            a, b = poisson_ci(int(count))
            profile_ci[day] = (a / mean_day, b / mean_day)
        if stats.chisquare(per_day).pvalue < PROFILE_P:
            profile = {day: round(float(c) / mean_day, 2)
                       for day, c in zip(WEEKDAYS, per_day, strict=True)}
    hours = [float(c) / (n / 24.0) if n else 0.0 for c in per_hour]
    return ArrivalFit(rate, (lo, hi), n, weeks, profile, profile_ci, hours,
                      batches_from_bursts(bursts), int(in_burst.sum()))


# --- staff -------------------------------------------------------------------------------


@dataclass
class StaffFit:
    """Staff as the median number of distinct people who logged work in a whole week."""

    staff: int
    median: float
    ci95: tuple[float, float]
    weeks: int
    owners_seen: int
    per_week: list[int]


def fit_staff(times: pd.Series, owners: pd.Series, start: pd.Timestamp,
              until: pd.Timestamp) -> StaffFit | None:
    """Distinct ``owners`` active in each whole week of the window (weeks without any work
    count as 0); None without a whole week."""
    first, weeks = whole_weeks(start, until)
    if weeks == 0:
        return None
    week = ((times - first) // pd.Timedelta(days=7)).to_numpy()
    keep = (week >= 0) & (week < weeks)
    frame = pd.DataFrame({"week": week[keep], "owner": owners.to_numpy()[keep]})
    counts = frame.groupby("week")["owner"].nunique().reindex(range(weeks), fill_value=0)
    per_week = [int(c) for c in counts]
    median, lo, hi = median_ci(np.asarray(per_week))
    return StaffFit(math.floor(median + 0.5), median, (lo, hi), weeks,
                    int(frame["owner"].nunique()), per_week)


# --- calendars ---------------------------------------------------------------------------


@dataclass
class CalendarFit:
    """Working days and hours (half-hour steps) from when work was logged."""

    days: str  # "mon-fri"
    hours: str  # "09:00-12:30,13:30-17:30"
    n: int
    coverage: float  # share of the starts inside the fitted calendar


def days_text(days: list[int]) -> str:
    """Weekday numbers as a calendar writes them: [0, 1, 2, 3, 4] -> "mon-fri"."""
    if len(days) == 7:
        return "mon-sun"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(WEEKDAYS[r[0]] if len(r) == 1 else f"{WEEKDAYS[r[0]]}-{WEEKDAYS[r[-1]]}"
                    for r in runs)


def _clock(slot: int) -> str:
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def fit_calendar(starts: pd.Series) -> CalendarFit | None:
    """The weekdays with at least ``DAY_SHARE`` of the busiest day's starts, and the half
    hours that cover ``CALENDAR_COVER`` of the starts on them (plus any half hour with at
    least ``SLOT_SHARE`` of an average covered one, and any next to those with at least
    ``EDGE_SHARE``: after the morning rush work can tail off to a trickle); runs of half
    hours become spans, so a lunch break with no work logged shows as a gap. None with
    fewer than CALENDAR_MIN starts.
    """
    if len(starts) < CALENDAR_MIN:
        return None
    weekday = starts.dt.day_of_week.to_numpy()
    per_day = np.bincount(weekday, minlength=7)
    days = [d for d in range(7) if per_day[d] >= DAY_SHARE * per_day.max()]
    on_days = starts[np.isin(weekday, days)]
    slot = (on_days.dt.hour * 2 + on_days.dt.minute // 30).to_numpy()
    counts = np.bincount(slot, minlength=48)
    order = np.argsort(-counts, kind="stable")
    covered = np.cumsum(counts[order]) / counts.sum()
    core = order[: int(np.searchsorted(covered, CALENDAR_COVER)) + 1]
    working = set(core.tolist())
    typical = counts[core].mean()
    working |= {s for s in range(48) if counts[s] >= SLOT_SHARE * typical and counts[s] > 0}
    grown = True
    while grown:  # quiet half hours next to working ones (work tails off after a rush)
        edge = {s for w in working for s in (w - 1, w + 1) if 0 <= s < 48} - working
        more = {s for s in edge if counts[s] > 0 and counts[s] >= EDGE_SHARE * typical}
        working |= more
        grown = bool(more)
    spans: list[list[int]] = []
    for s in sorted(working):
        if spans and s == spans[-1][1]:
            spans[-1][1] = s + 1
        else:
            spans.append([s, s + 1])
    hours = ",".join(f"{_clock(a)}-{_clock(b)}" if b < 48 else f"{_clock(a)}-24:00"
                     for a, b in spans)
    inside = int(counts[sorted(working)].sum())
    return CalendarFit(days_text(days), hours, len(starts), inside / len(starts))
