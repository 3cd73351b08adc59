"""Working time on a lane's calendar for whole arrays of CRM times at once.

A task's duration in a process is working time: the engine only lets work progress inside
the lane's hours, so a 40-minute call started at 17:20 ends at 09:10 the next morning. A
CRM records wall-clock times; fitting durations, or placing the end of a call whose export
only says how long it took, needs the conversion both ways. :class:`Timeline` answers one
time at a time; these answer arrays with its tables (same figures, without a Python loop).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model import Process
from ..model.calendar import Calendar, Timeline


def _tables(line: Timeline, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    finite = t[np.isfinite(t)]
    if len(finite):
        line.cumulative(float(np.max(finite, initial=0.0)))  # extend the tables
    starts, ends, cum = (np.asarray(a, dtype=float) for a in line.tables)
    return starts, ends, cum


def cumulative(line: Timeline | None, t: np.ndarray) -> np.ndarray:
    """Working hours from the timeline's origin to each time in ``t`` (hours since the
    origin); the times themselves when there is no calendar. NaN stays NaN."""
    t = np.asarray(t, dtype=float)
    if line is None:
        return t.copy()
    starts, ends, cum = _tables(line, t)
    i = np.searchsorted(starts, t, side="right") - 1
    safe = np.clip(i, 0, None)
    worked = cum[safe] + np.minimum(t, ends[safe]) - starts[safe]
    out = np.where((i < 0) | (t <= 0.0), 0.0, worked)
    return np.where(np.isnan(t), np.nan, out)


def worked_between(line: Timeline | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Working hours inside [a, b] for each pair (hours since the origin)."""
    return np.maximum(cumulative(line, b) - cumulative(line, a), 0.0)


def finish_times(line: Timeline | None, a: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """When work of ``hours`` working hours started at ``a`` is done (as
    :meth:`Timeline.add`: work ending at closing time ends then)."""
    a = np.asarray(a, dtype=float)
    hours = np.asarray(hours, dtype=float)
    if line is None:
        return a + hours
    target = cumulative(line, a) + np.where(hours > 0.0, hours, 0.0)
    finite = target[np.isfinite(target)]
    if len(finite):
        line.add_from(0.0, float(np.max(finite)))  # tables reaching the latest finish
    starts, _, cum = (np.asarray(x, dtype=float) for x in line.tables)
    j = np.clip(np.searchsorted(cum, target, side="left") - 1, 0, len(starts) - 1)
    done = starts[j] + (target - cum[j])
    out = np.where(hours > 0.0, done, a)
    return np.where(np.isnan(target), np.nan, out)


def lane_calendars(process: Process,
                   overrides: dict[str, Calendar] | None = None) -> dict[str, Calendar | None]:
    """Lane id -> its working calendar (None: always working); ``overrides`` by lane id
    (fitted calendars) win."""
    out: dict[str, Calendar | None] = {}
    for lane in process.lanes:
        calendar = process.calendars.get(lane.calendar) if lane.calendar else None
        out[lane.id] = (overrides or {}).get(lane.id, calendar)
    return out


def timelines(calendars: dict[str, Calendar | None],
              origin: pd.Timestamp | dt.datetime) -> dict[str, Timeline | None]:
    """One timeline per lane from ``origin``; lanes sharing a calendar share its timeline."""
    start = pd.Timestamp(origin).to_pydatetime()
    shared: dict[int, Timeline] = {}
    out: dict[str, Timeline | None] = {}
    for lane_id, calendar in calendars.items():
        if calendar is None or calendar.always_open:
            out[lane_id] = None
            continue
        if id(calendar) not in shared:
            shared[id(calendar)] = Timeline(calendar, start)
        out[lane_id] = shared[id(calendar)]
    return out


__all__ = ["cumulative", "finish_times", "lane_calendars", "timelines", "worked_between"]
