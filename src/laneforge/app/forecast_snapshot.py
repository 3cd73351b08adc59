"""The snapshot a forecast starts from, read off a CRM export: every lead and deal open at
one moment, at the node it is at, with its age there.

The export's records become markers on nodes through the mapping (as calibration reads
them, :mod:`.calibrate_paths`). A lead's last marker before ``as_of`` says where it is:

- work logged at a task that had not ended by ``as_of``: at that task, in service, with the
  working hours already spent;
- a status of a task or a delay: waiting there (for the team, or the nurture's end);
- work that had ended, or a status of a node that takes no time (a creation, a decision's
  stage): the lead has moved on. If the only recorded node it can reach next through
  nodes that take no time is a task the CRM records only when work starts there, it is in
  that task's queue (no status of any other way was written, so it went that way). Else
  it is placed on the first node after, and the engine routes it from there; a task with
  several ways out is kept, its work done, so the work is not started twice.

A lead whose last marker is an end (an outcome) is closed and left out.

For a process with touches, an open lead's touches so far come from its activity history
(:func:`.calibrate_touches.touch_history`): how many, its first and last channel, the time
of the last one, the engagement they add up to and whether it answered, so conditions on
``touches`` or ``last_channel`` and first/last-touch attribution hold for pipeline leads.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.crm.eventlog import CASE_COLUMNS, EventLog
from ..io.crm.mapping import CrmMap
from ..model import Process
from ..model.calendar import Timeline
from ..sim.compiled import touch_plan
from ..sim.snapshot import OpenItem, Snapshot
from .calibrate_paths import START, Markers, markers, observation, routes
from .calibrate_touches import touch_history
from .worktime import cumulative, lane_calendars, timelines

_TIMED = ("task", "delay", "cadence")
#: the touch built-ins a lead's activity history gives
_HISTORY = ("touches", "first_channel", "last_channel", "engagement", "responded")


def _plain(value: Any) -> Any:
    """A number or flag of a frame as a Python value (the engine compares them in
    expressions)."""
    return value.item() if isinstance(value, np.generic) else value


class SnapshotError(ValueError):
    """A snapshot that cannot be taken; the message names the option and the dates."""


def _moment(value: Any) -> pd.Timestamp:
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise SnapshotError(f"--as-of: cannot read {value!r} as a date") from None
    if moment.tzinfo is not None:  # the log's times are naive local times
        moment = moment.tz_localize(None)
    return moment


def check_as_of(log: EventLog, as_of: Any = None) -> pd.Timestamp:
    """``as_of`` as a time of the export's clock (default its end); SnapshotError naming the
    date and the export's window when it lies outside."""
    if as_of is None:
        return pd.Timestamp(log.end)
    moment = _moment(as_of)
    if not log.start <= moment <= log.end:
        raise SnapshotError(
            f"--as-of: {moment:%Y-%m-%d %H:%M} is outside the export, which runs from "
            f"{log.start:%Y-%m-%d %H:%M} to {log.end:%Y-%m-%d %H:%M}")
    return moment


@dataclass
class _Graph:
    """What placing a lead needs of the process, by node index."""

    ids: list[str]
    kinds: list[str]
    succ: list[list[int]]
    ways: dict[int, dict[int, tuple[int, ...]]]
    #: tasks the export shows only when work starts there (no status means them)
    start_only: frozenset[int]
    lines: list[Timeline | None]


def _graph(process: Process, log: EventLog, mapping: CrmMap) -> tuple[_Graph, Any]:
    obs = observation(process, mapping, log)
    index = {node.id: i for i, node in enumerate(process.nodes)}
    succ: list[list[int]] = [[] for _ in process.nodes]
    for edge in process.edges:
        succ[index[edge.source]].append(index[edge.target])
    by_status = {i for nodes in obs.statuses.values() for i in nodes}
    start_only = frozenset(set(obs.activities.values()) - by_status)
    lane_lines = timelines(lane_calendars(process), log.start)
    lines = [lane_lines[node.lane] for node in process.nodes]
    graph = _Graph([n.id for n in process.nodes], [n.kind for n in process.nodes], succ,
                   routes(process, obs.observed), start_only, lines)
    return graph, obs


def _moved_on(g: _Graph, node: int) -> tuple[int, bool]:
    """Where a lead that has left ``node`` (its work done, or passed at once) is: the one
    start-only task it can reach next without time passing, else the single next node; the
    flag says it is still ``node`` (several ways out, none of them known)."""
    queues = [target for target, way in g.ways.get(node, {}).items()
              if way and target in g.start_only
              and not any(g.kinds[n] in _TIMED for n in way[:-1])]
    if len(queues) == 1:
        return queues[0], False
    if len(g.succ[node]) == 1:
        return g.succ[node][0], False
    return node, True


def _place(g: _Graph, m: Markers, rows: range, as_of_h: float) -> tuple[Any, ...] | None:
    """(node, entered at, in service, worked hours) of one lead from its markers, or None
    when it has reached an end."""
    last = rows[-1]
    nodes = m.candidates[m.node[last]]
    node, t = nodes[0], float(m.t[last])
    if g.kinds[node] == "end" or all(g.kinds[n] == "end" for n in nodes):
        return None
    if m.kind[last] == START:
        end = float(m.end[last])
        line = g.lines[node]
        if not end <= as_of_h:  # still being worked (or no end known)
            worked = float(cumulative(line, np.array([as_of_h]))[0]
                           - cumulative(line, np.array([t]))[0])
            entered = _entry(g, m, rows, node, t)
            return node, entered, True, max(worked, 0.0)
        moved, stayed = _moved_on(g, node)
        if stayed:  # its work is done: kept there in service with all of it spent
            worked = float(cumulative(line, np.array([end]))[0]
                           - cumulative(line, np.array([t]))[0])
            return node, _entry(g, m, rows, node, t), True, max(worked, 0.0)
        return moved, end, False, None
    if g.kinds[node] in _TIMED:
        return node, t, False, None
    moved, _ = _moved_on(g, node)  # passed at once: where it went, since then
    return moved, t, False, None


def _entry(g: _Graph, m: Markers, rows: range, node: int, start: float) -> float:
    """When the lead entered the task whose work started at ``start``: the status that put
    it there, else when it left the node before (its work's end, or its passing), else the
    start itself."""
    if len(rows) < 2:
        return start
    before = rows[-2]
    nodes = m.candidates[m.node[before]]
    if m.kind[before] != START and node in nodes:
        return float(m.t[before])
    if m.kind[before] == START:
        end = float(m.end[before])
        return end if np.isfinite(end) and end <= start else start
    return float(m.t[before]) if g.kinds[nodes[0]] not in _TIMED else start


def snapshot_from_export(log: EventLog, mapping: CrmMap, process: Process,
                         as_of: Any = None) -> Snapshot:
    """Every lead or deal of ``log`` open at ``as_of`` (default: the export's end), placed
    at its node with its age there (see the module's docstring for how). Only records up to
    ``as_of`` are read, so a snapshot of a past date sees what the CRM showed then."""
    moment = check_as_of(log, as_of)
    g, obs = _graph(process, log, mapping)
    m = markers(log, obs, moment + pd.Timedelta(microseconds=1),
                {i: g.lines[i] for i, kind in enumerate(g.kinds) if kind == "task"})
    as_of_h = (moment - log.start) / pd.Timedelta(hours=1)
    source_of = {word: g.ids[i] for word, i in obs.sources.items()}
    single_source = next(iter(source_of.values())) if len(source_of) == 1 else None
    cases = log.cases.reindex(m.case_ids)
    attributes = [c for c in cases.columns if c not in CASE_COLUMNS and c in process.attributes]
    history, kept = None, frozenset()
    plan = touch_plan(process)
    if plan is not None:  # touches so far, from the activity history
        history, kept = touch_history(log, mapping, process, moment), plan.kept
    items: list[OpenItem] = []
    if not len(m.case):
        return Snapshot(as_of=moment.to_pydatetime())
    bounds = np.flatnonzero(np.r_[True, m.case[1:] != m.case[:-1], True]).tolist()
    for start, stop in itertools.pairwise(bounds):
        placed = _place(g, m, range(start, stop), as_of_h)
        if placed is None:
            continue
        node, entered, in_service, worked = placed
        case = int(m.case[start])
        row = cases.iloc[case]
        attrs: dict[str, Any] = {name: row[name] for name in attributes if pd.notna(row[name])}
        if pd.notna(row["amount"]):
            attrs["amount"] = float(row["amount"])
        touched = None
        case_id = str(m.case_ids[case])
        if history is not None and case_id in history.index:
            past = history.loc[case_id]
            attrs.update({name: _plain(past[name]) for name in _HISTORY if name in kept})
            touched = max(as_of_h - float(past["last_h"]), 0.0)
        source = row["source"]
        items.append(OpenItem(
            id=str(m.case_ids[case]), node=g.ids[node], age_hours=max(as_of_h - entered, 0.0),
            in_service=in_service, worked_hours=worked, attributes=attrs,
            source=source_of.get(str(source), single_source) if pd.notna(source)
            else single_source,
            created_hours_ago=max(as_of_h - float(m.created[case]), 0.0),
            touched_hours_ago=touched))
    return Snapshot(as_of=moment.to_pydatetime(), items=tuple(items))


def open_by_node(snapshot: Snapshot) -> dict[str, int]:
    """How many open items sit at each node (for a summary and for tests)."""
    counts: dict[str, int] = {}
    for item in snapshot.items:
        counts[item.node] = counts.get(item.node, 0) + 1
    return dict(sorted(counts.items()))


__all__ = ["SnapshotError", "check_as_of", "open_by_node", "snapshot_from_export"]
