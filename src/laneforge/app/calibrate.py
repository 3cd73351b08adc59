"""Calibrate a process from a CRM export: fit its parameters, list what changed and why.

``fit(process, log, mapping)`` reads the event log every CRM reader produces and fits each
item of DESIGN.md's "what is fitted" list, each with its sample size and a 95 % interval.
The result is a new process (a copy: the input is never modified), the list of changes
(old -> new), what the data does not cover (left as it was, with the reason), and FIT.json's
sections. Validation on held-out data is a separate step that fills ``validation``.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..io.crm.eventlog import ACTIVITY, OWNER, EventLog
from ..io.crm.mapping import CrmMap
from ..model import Process
from ..model.calendar import Calendar, Timeline
from ..model.paths import MISSING, get_value, set_value
from ..model.scenarios import editable_data
from ..model.touches import Touch
from ..model.units import RATE_PERIODS
from .calibrate_branches import BranchEdge, BranchFit, fit_branch
from .calibrate_paths import Markers, Observation, Walk, markers, observation, walk
from .calibrate_quality import StaleFit, first_attempts, fit_stale_share
from .calibrate_stats import DurationFit, duration_text, fit_duration, settle_limit
from .calibrate_time import ArrivalFit, CalendarFit, StaffFit, fit_arrivals, fit_calendar, fit_staff
from .calibrate_touches import (
    HandoffFit,
    ResponseFit,
    answered,
    fit_responses,
    implied_handoffs,
    is_response,
    observed_handoffs,
    routing_edges,
    touch_rows,
    touching_nodes,
)
from .calibrate_weights import (
    WIDEST,
    WeightFit,
    cadence_threshold,
    checks,
    fit_weights,
    process_weights,
    weight_rows,
)
from .worktime import lane_calendars, timelines, worked_between

FORMAT = "laneforge/calibration"
VERSION = 1
_CALENDAR_DEFAULTS = {"days": Calendar.model_fields["days"].default,
                      "hours": Calendar.model_fields["hours"].default}
_TOUCH_DEFAULTS = {name: Touch.model_fields[name].default
                   for name in ("weight", "cost", "response_rate")}


@dataclass
class Change:
    """One parameter changed: its path (as scenarios write it), old and new file values."""

    path: str
    old: Any
    new: Any
    n: int
    ci95: tuple[float, float] | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "old": _plain(self.old),
                                "new": _plain(self.new), "n": self.n}
        if self.ci95 is not None:
            data["ci95"] = [_round(v) for v in self.ci95]
        return data


@dataclass
class Calibration:
    """What ``fit`` found: the new process, the changes, and each fit's details."""

    process: Process
    changes: list[Change]
    #: paths of the parameters the data does not cover (left as they were)
    not_calibrated: list[str]
    #: path -> why it was not calibrated
    reasons: dict[str, str]
    data: dict[str, Any]
    sources: dict[str, ArrivalFit] = field(default_factory=dict)
    branches: dict[str, BranchFit] = field(default_factory=dict)
    lanes: dict[str, StaffFit] = field(default_factory=dict)
    calendars: dict[str, CalendarFit] = field(default_factory=dict)  # by lane id
    durations: dict[str, DurationFit] = field(default_factory=dict)  # tasks and delays
    #: the share of contact records going stale a month, where the export tells
    stale: StaleFit | None = None
    #: touch weights bounded by the exits of cadences whose until is on engagement
    weights: list[WeightFit] = field(default_factory=list)
    #: touch task id -> its response rate, where the export logs touches and answers
    touches: dict[str, ResponseFit] = field(default_factory=dict)
    #: touches before each hand-off a condition on engagement or touches makes
    handoffs: list[HandoffFit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: filled in by validation on held-out data (FIT.json's "validation"); None until then
    validation: dict[str, Any] | None = None

    def change(self, path: str) -> Change:
        for change in self.changes:
            if change.path == path:
                return change
        raise KeyError(f"no change at {path!r}")

    def to_fit_json(self) -> dict[str, Any]:
        """FIT.json as DESIGN.md shows it (``validation`` only once it has been run)."""
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "data": dict(self.data)}
        out["sources"] = {node: _source_json(f) for node, f in self.sources.items()}
        out["branches"] = {node: _branch_json(f) for node, f in self.branches.items()}
        out["lanes"] = {lane: {"staff": f.staff, "owners_seen": f.owners_seen}
                        for lane, f in self.lanes.items()}
        out["tasks"] = {node: {"duration": f.dist, "n": f.n}
                        for node, f in self.durations.items()}
        out["changes"] = [c.to_data() for c in self.changes]
        out["not_calibrated"] = list(self.not_calibrated)
        out["reasons"] = {path: self.reasons[path] for path in self.not_calibrated
                          if path in self.reasons}
        if self.touches:
            out["touches"] = {node: {"response_rate": _round(f.rate),
                                     "ci95": [_round(v) for v in f.ci95], "n": f.n,
                                     "answered": f.answered}
                              for node, f in self.touches.items()}
        if self.validation is not None:
            out["validation"] = self.validation
        return out


def _round(value: float) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.4g}")


def _plain(value: Any) -> Any:
    return None if value is MISSING else value


def _source_json(f: ArrivalFit) -> dict[str, Any]:
    data: dict[str, Any] = {"rate_per_day": _round(f.rate_per_day),
                            "ci95": [_round(v) for v in f.ci95], "n": f.n}
    if f.profile is not None:
        data["profile"] = f.profile
    if f.batches:
        data["batches"] = [{"size": b.size, "first": b.first.isoformat(),
                            "every_days": b.every_days} for b in f.batches]
    return data


def _branch_json(f: BranchFit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for target, (p, ci, hits) in f.targets.items():
        entry: dict[str, Any] = {"probability": _round(p), "ci95": [_round(v) for v in ci],
                                 "n": hits}
        decay = f.decay.get(target)
        if decay is not None:
            entry["decay"] = {"half_life_hours": _round(decay.half_life),
                              "ci95": [_round(v) for v in decay.ci95]}
        out[target] = entry
    return out


def _widest(f: BranchFit) -> float:
    """The largest half-width of a branch's 95 % intervals: passes the records cannot place
    could move a share by up to their share of all passes, more than that is a bias the
    interval does not show."""
    return max(((hi - lo) / 2.0 for _, (lo, hi), _ in f.targets.values()), default=0.0)


def _rate_text(per_day: float, old: Any) -> str:
    """A rate per day written in the period the process used ("165/week" stays weekly)."""
    period = "day"
    match = re.match(r"^\s*[0-9.eE+-]+\s*/\s*([a-z]+)\s*$", str(old or "").lower())
    if match and match.group(1) in RATE_PERIODS:
        period = match.group(1)
    return f"{per_day / 24.0 * RATE_PERIODS[period]:.4g}/{period}"


class _Fitter:
    """One calibration run: the inputs, the walk through the leads, and what it collects."""

    def __init__(self, process: Process, log: EventLog, mapping: CrmMap,
                 until: pd.Timestamp) -> None:
        self.process = process
        self.log = log
        self.mapping = mapping
        self.until = until
        self.origin = log.start
        self.end_h = (until - log.start) / pd.Timedelta(hours=1)
        self.data = editable_data(process)
        self.changes: list[Change] = []
        self.reasons: dict[str, str] = {}
        self.obs: Observation = observation(process, mapping, log)
        self.events = log.events[log.events["time"] < until]
        self.activities = self._activities()
        self._calendar_fits: dict[str, CalendarFit] | None = None
        self.notes: list[str] = []
        #: touch weights bounded by each cadence's exits
        self.weights: list[WeightFit] = []

    # --- bookkeeping ---------------------------------------------------------------------
    def old(self, path: str) -> Any:
        try:
            return copy.deepcopy(get_value(self.data, path))
        except ValueError:
            parts = path.split(".")
            if len(parts) == 3 and parts[0] == "calendars" and parts[2] in _CALENDAR_DEFAULTS:
                return _CALENDAR_DEFAULTS[parts[2]]  # left out of the file as the default
            if len(parts) == 4 and parts[2] == "touch" and parts[3] in _TOUCH_DEFAULTS:
                return _TOUCH_DEFAULTS[parts[3]]
            return MISSING

    def change(self, path: str, new: Any, n: int,
               ci95: tuple[float, float] | None = None) -> None:
        old = self.old(path)
        if old == new or (old is MISSING and new is None):
            return
        self.changes.append(Change(path, old, new, n, ci95))

    def skip(self, path: str, reason: str) -> None:
        self.reasons[path] = reason

    def _activities(self) -> pd.DataFrame:
        """Activity records with the task they map to (by type, else by subtype), their
        recorded length (``hours``, NaN where the export has none) and end."""
        acts = self.events[self.events["kind"] == ACTIVITY]
        if self.mapping.responses:  # an answer is the lead's, no work of the task's
            acts = acts[~is_response(acts, self.mapping.responses)]
        by_type = acts["value"].map(self.mapping.activities)
        by_subtype = acts["subtype"].map(self.mapping.activities)
        task = by_type.fillna(by_subtype)
        frame = pd.DataFrame({"time": acts["time"], "owner": acts["owner"], "task": task,
                              "hours": acts["duration_h"].astype(float), "end": acts["end"]})
        valid = {n.id for n in self.process.tasks()}
        return frame[frame["task"].isin(valid)]

    def timelines(self) -> dict[str, Timeline | None]:
        """Lane id -> its working timeline from the export's start: the calendar fitted from
        when its work is logged, else the process's."""
        fitted: dict[str, Calendar] = {}
        for lane_id, f in self.calendar_fits().items():
            lane = self.process.lane(lane_id)
            old = self.process.calendars.get(lane.calendar) if lane.calendar else None
            fitted[lane_id] = Calendar(days=f.days, hours=f.hours,
                                       holidays=list(old.holidays) if old else [])
        return timelines(lane_calendars(self.process, fitted), self.origin)

    def task_lines(self) -> dict[int, Timeline | None]:
        """Task node index -> its lane's timeline (see :meth:`timelines`)."""
        lines = self.timelines()
        return {i: lines[node.lane] for i, node in enumerate(self.process.nodes)
                if node.kind == "task"}

    def work_hours(self) -> pd.Series:
        """Each activity's working time: its recorded length, else the working hours of its
        lane between its start and end. An events CSV has start and end times only, and a
        call started at 17:20 that ends at 09:10 took 40 minutes of work, not 16 hours."""
        acts = self.activities
        hours = acts["hours"].copy()
        missing = hours.isna() & acts["end"].notna()
        if not missing.any():
            return hours
        lines = self.timelines()
        lane_of_task = {n.id: n.lane for n in self.process.tasks()}
        lane = acts["task"].map(lane_of_task)
        hour = pd.Timedelta(hours=1)
        for lane_id, line in lines.items():
            rows = missing & (lane == lane_id)
            if not rows.any():
                continue
            a = ((acts.loc[rows, "time"] - self.origin) / hour).to_numpy(dtype=float)
            b = ((acts.loc[rows, "end"] - self.origin) / hour).to_numpy(dtype=float)
            hours[rows] = worked_between(line, a, b)
        return hours

    # --- sources -------------------------------------------------------------------------
    def sources(self) -> dict[str, ArrivalFit]:
        cases = self.log.cases
        source_node = cases["source"].map(self.mapping.sources)
        if len(self.process.sources()) == 1:
            source_node = source_node.fillna(self.process.sources()[0].id)
        fits = {}
        for node in self.process.sources():
            created = cases["created"][source_node == node.id]
            base = f"nodes.{node.id}.arrivals"
            if created.empty:
                self.skip(base, "no lead in the export comes from this source")
                continue
            f = fit_arrivals(created, self.log.start, self.until)
            if f.weeks == 0:
                self.skip(base, "the export holds no whole week before the fit's end")
                continue
            fits[node.id] = f
            self._arrival_changes(node.id, f)
        return fits

    def _arrival_changes(self, node_id: str, f: ArrivalFit) -> None:
        base = f"nodes.{node_id}.arrivals"
        old = self.old(base)
        rate = _rate_text(f.rate_per_day, old.get("rate") if isinstance(old, dict) else None)
        steady: dict[str, Any] = {"rate": rate}
        if f.profile is not None:
            steady["profile"] = f.profile
        if isinstance(old, dict) and "rate" in old and not f.batches:
            # the interval in the period the rate is written in
            per = float(rate.split("/")[0]) / f.rate_per_day if f.rate_per_day else 1.0
            self.change(f"{base}.rate", rate, f.n, (f.ci95[0] * per, f.ci95[1] * per))
            self.change(f"{base}.profile", f.profile if f.profile is not None else MISSING, f.n)
            return
        specs: list[dict[str, Any]] = [steady] if f.n else []
        kept = [a for a in (old if isinstance(old, list) else [old])
                if isinstance(a, dict) and "batch" in a]
        if kept and not f.batches:
            specs.extend(kept)
            self.skip(f"{base}.batch", "no import was seen in the export; the batches are "
                      "kept as they were")
        for b in f.batches:
            first = (b.first - self.log.start) / pd.Timedelta(hours=1)
            spec: dict[str, Any] = {"batch": b.size, "first": duration_text(max(first, 0.0))}
            if b.every_days is not None:
                spec["every"] = f"{b.every_days:g}d"
            specs.append(spec)
        self.change(base, specs[0] if len(specs) == 1 else specs, f.n + f.burst_leads, f.ci95)

    # --- branches ------------------------------------------------------------------------
    def decay_since(self) -> dict[int, list[int]]:
        """Branch node index -> the reference node of each decaying non-default edge."""
        index = {node.id: i for i, node in enumerate(self.process.nodes)}
        out: dict[int, list[int]] = {}
        for node_id, edges in self.process.edges_by_source().items():
            refs = [index.get(e.decay.since, -1) if e.decay.since else -1
                    for e in edges if e.decay is not None and not e.default]
            if refs:
                out[index[node_id]] = refs
        return out

    def branches(self, w: Walk) -> dict[str, BranchFit]:
        fits = {}
        nodes = self.process.nodes
        for node_id, edges in self.process.edges_by_source().items():
            if len(edges) < 2:
                continue
            i = self.process.node_index(node_id)
            path = f"nodes.{node_id}.branches"
            if nodes[i].kind == "cadence":  # its exits follow its touches, not shares
                self.skip(path, "a cadence's exits follow its touches and answers: its "
                          "touch's response rate is what is fitted")
                continue
            passes = w.passes.get(i)
            if passes is None or passes.empty:
                self.skip(path, "no lead was seen taking one of its branches")
                continue
            passes = passes.assign(target=[nodes[t].id for t in passes["target"]])
            branch_edges = [BranchEdge(e.target, e.probability,
                                       e.decay.half_life.hours if e.decay else None, e.default)
                            for e in edges]
            pending = len(w.pending.get(i, ()))
            f = fit_branch(node_id, branch_edges, passes, w.ages.get(i), pending, 0.0, self.end_h)
            if f is None:
                self.skip(path, f"too few passes seen ({len(passes)})")
                continue
            fits[node_id] = f
            unsure = w.unresolved.get(i, 0)
            if unsure and unsure / (unsure + len(passes)) > _widest(f):
                self.skip(path, f"the export cannot tell which way {unsure:,} of "
                          f"{unsure + len(passes):,} leads went here (its records show where "
                          "they went next, not by which branch); the shares are left as "
                          "they are")
                continue
            if any(e.when is not None for e in edges):
                self.skip(path, "its branches are conditions on lead attributes; the shares "
                          "seen are in the fit, the conditions are left as they are")
                continue
            self._branch_changes(node_id, edges, f)
        return fits

    def _branch_changes(self, node_id: str, edges: list[Any], f: BranchFit) -> None:
        values = {e.target: round(f.targets[e.target][0], 4) for e in edges}
        carriers = [e for e in edges if e.probability is not None]
        if carriers:  # the probabilities must add up to 1 exactly once rounded
            largest = max(carriers, key=lambda e: values[e.target])
            rest = sum(values[e.target] for e in carriers if e is not largest)
            values[largest.target] = round(max(1.0 - rest, 0.0), 4)
        decaying = bool(f.decay)
        for edge in carriers:
            _, ci, _ = f.targets[edge.target]
            if decaying and edge.default:
                ci = None  # what the decaying siblings leave: no share of its own to bound
            self.change(f"edges.{node_id}->{edge.target}.probability", values[edge.target], f.n,
                        ci)
            decay = f.decay.get(edge.target)
            if edge.decay is None:
                continue
            path = f"edges.{node_id}->{edge.target}.decay.half_life"
            if decay is None or not decay.identified:
                self.skip(path, "the leads' waits do not pin the half-life down (too few, or "
                          "all alike)")
                continue
            self.change(path, duration_text(decay.half_life), f.n, decay.ci95)

    # --- stale contact data ----------------------------------------------------------------
    def data_quality(self) -> StaleFit | None:
        """The monthly share of records going stale, from each lead's first contact attempt
        and the bounces and wrong numbers the CRM logged (MAP.json's ``stale_activities``)."""
        contact = {n.id for n in self.process.tasks() if n.contact}
        cleanse = {n.id for n in self.process.tasks() if n.cleanse}
        words = {w.casefold() for w in self.mapping.stale_activities}
        path = "data_quality.decay_per_month"
        if not contact and not words:
            return None  # the process says nothing of contact data, nor does the mapping
        if not words:
            self.skip(path, "MAP.json names no activity that says a contact hit an "
                      "out-of-date record (stale_activities: 'Email bounced', 'Wrong number')")
            return None
        acts = self.events[self.events["kind"] == ACTIVITY]
        task = acts["value"].map(self.mapping.activities).fillna(
            acts["subtype"].map(self.mapping.activities))
        is_stale = (acts["value"].str.casefold().isin(words)
                    | acts["subtype"].str.casefold().isin(words)).fillna(False).astype(bool)
        frame = acts[["case", "time"]]
        f = fit_stale_share(**_columns(first_attempts(
            frame[task.isin(contact) & ~is_stale], frame[is_stale],
            self.log.cases["created"], frame[task.isin(cleanse)], self._batches())))
        if f is None:
            self.skip(path, "no contact attempt in the export before the fit's end")
            return None
        share = round(f.share, 4)
        if self.process.data_quality is None:
            new: dict[str, Any] = {"decay_per_month": share}
            if f.capture is not None and round(f.capture[0], 4) > 0:
                new["invalid_at_capture"] = round(f.capture[0], 4)
            self.change("data_quality", new, f.n, f.ci95)
        else:
            self.change(path, share, f.n, f.ci95)
            had = self.process.data_quality.invalid_at_capture
            if f.capture is not None and (had or round(f.capture[0], 4) > 0):
                self.change("data_quality.invalid_at_capture", round(f.capture[0], 4), f.n,
                            f.capture[1])
        return f

    # --- touches -------------------------------------------------------------------------
    def touches(self, m: Markers) -> tuple[dict[str, ResponseFit], list[HandoffFit]]:
        """Each touch task's response rate from its logged touches and the answers to them
        (MAP.json's ``channels`` and ``responses``), and the touches before each hand-off a
        condition on engagement or touches makes (hand-offs alone do not identify the channel
        weights; the exits of a cadence whose until is on engagement bound them)."""
        tasks = {n.id: n.touch.channel for n in touching_nodes(self.process)}
        if not tasks:
            return {}, []  # a process without touches: nothing here, as before
        acts = self.events[self.events["kind"] == ACTIVITY]
        touches = touch_rows(acts, self.mapping.activities, self.mapping.channels, tasks,
                             self.mapping.responses, self.mapping.stale_activities)
        touches = touches[touches["at"] < self.until]
        fits: dict[str, ResponseFit] = {}
        hit = pd.Series(False, index=touches.index)
        if not self.mapping.responses:
            for task in tasks:
                self.skip(f"nodes.{task}.touch.response_rate", "MAP.json names no activity "
                          "that says a lead answered a touch (responses: 'Email replied', "
                          "'Call connected')")
        else:
            hit, orphans = answered(touches, acts, self.mapping.channels,
                                    self.mapping.responses)
            fits = fit_responses(touches, hit)
            for task in tasks:
                path = f"nodes.{task}.touch.response_rate"
                f = fits.get(task)
                if f is None:
                    self.skip(path, "no activity record maps to this task")
                    continue
                self.change(path, round(f.rate, 4), f.n, f.ci95)
            if orphans:
                self.notes.append(f"{orphans:,} answers follow no logged touch of their "
                                  "channel (left out of the response rates)")
        fitted = self._weights(touches, hit)
        return fits, self._handoffs(touches, m, fitted)

    def _weights(self, touches: pd.DataFrame, hit: pd.Series) -> set[str]:
        """Touch weights bounded by when leads left each cadence whose ``until`` is
        ``engagement >= T`` (app/calibrate_weights.py); the paths changed."""
        cadences = [(n, t) for n in self.process.nodes if n.kind == "cadence"
                    and (t := cadence_threshold(n)) is not None]
        if not cadences:
            return set()
        cases = self.log.cases[self.log.cases["created"] < self.until]
        source = self.source_nodes(cases)
        channelled = {n.id for n in self.process.sources() if n.channel is not None}
        rows = weight_rows(touches, hit, source[source.isin(channelled)], cases["created"],
                           self.origin)
        half_life = self.process.engagement.half_life_hours if self.process.engagement \
            else 0.0
        start = process_weights(self.process)
        changed: set[str] = set()
        for node, threshold in cadences:
            found, reached = checks(rows, node.id, every_h=node.every.hours, times=node.times,
                                    half_life_h=half_life, end_h=self.end_h)
            f = fit_weights(found, reached, threshold, node.id, start=start)
            if f is None:
                self.notes.append(f"the exits of cadence {node.id!r} do not bound its touch "
                                  "weights (too few checks of one kind, or none fits all)")
                continue
            self.weights.append(f)
            for key, (low, high) in f.bounds.items():
                target = self.process.node(key) if self.process.has_node(key) else None
                if target is None or not high < WIDEST * threshold * 0.99:
                    continue  # a channel of no node, or a weight no check bounds
                path = (f"nodes.{key}.touch_weight" if target.kind == "source"
                        else f"nodes.{key}.touch.weight")
                self.change(path, round(f.weights[key], 2), f.checks, (low, high))
                changed.add(path)
        return changed

    def source_nodes(self, cases: pd.DataFrame) -> pd.Series:
        """Case -> the source node its CRM lead source maps to (the only source when the
        process has one), NaN where it maps to none."""
        source = cases["source"].map(self.mapping.sources)
        if len(self.process.sources()) == 1:
            source = source.fillna(self.process.sources()[0].id)
        return source

    def _handoffs(self, touches: pd.DataFrame, m: Markers,
                  fitted: set[str] = frozenset()) -> list[HandoffFit]:
        out = []
        created = self.log.cases["created"]
        channelled = {n.id for n in self.process.sources() if n.channel is not None}
        source_touch = self.source_nodes(self.log.cases).isin(channelled).astype(np.int64)
        case_ids = np.asarray(m.case_ids, dtype=object)
        for a, b, when in routing_edges(self.process):
            target = self.process.node_index(b)
            sets = np.array([target in c for c in m.candidates], dtype=bool)
            rows = np.flatnonzero(sets[m.node]) if len(m.node) else np.zeros(0, np.int64)
            if not len(rows):
                continue
            first = pd.Series(m.t[rows]).groupby(m.case[rows]).min()
            reached = pd.Series(first.to_numpy(), index=pd.Index(
                case_ids[first.index.to_numpy()], dtype="string"))
            reached = reached[reached.index.isin(created.index)]
            seen = observed_handoffs(touches, reached, m.origin, source_touch)
            out.append(HandoffFit(f"{a}->{b}", b, when, seen))
        if out:
            for task in (n.id for n in self.process.tasks() if n.touch is not None):
                if f"nodes.{task}.touch.weight" in fitted:
                    continue
                self.skip(f"nodes.{task}.touch.weight", "the hand-offs only say when a lead's "
                          "engagement crossed its threshold, which many weights give; the "
                          "touches before each hand-off are in the notes")
        return out

    def _batches(self) -> pd.DatetimeIndex | None:
        """When the process's cleansing batch ran over the export: the export's activity
        history does not log it, so its schedule is taken as the process says, from the
        process's start date (its ``first``, then every ``every``)."""
        dq = self.process.data_quality
        if dq is None or dq.cleansing is None:
            return None
        first = pd.Timestamp(self.process.start) + pd.Timedelta(hours=dq.cleansing.first_hours)
        step = pd.Timedelta(hours=dq.cleansing.every.hours)
        if first > self.until:
            return None
        count = int((self.until - first) / step) + 1
        return pd.DatetimeIndex([first + i * step for i in range(count)])

    # --- durations -----------------------------------------------------------------------
    def task_durations(self) -> dict[str, DurationFit]:
        fits = {}
        records = self.work_hours().groupby(self.activities["task"])
        for node in self.process.tasks():
            path = f"nodes.{node.id}.duration"
            if self.process.lane(node.lane).staff is None:
                self.skip(path, "the lane has no staff limit (the lead's own time): nothing "
                          "is logged for it")
                continue
            if node.id not in records.groups:
                self.skip(path, "no activity record maps to this task")
                continue
            f = fit_duration(records.get_group(node.id).to_numpy())
            if f is None:
                self.skip(path, "too few activity records with a duration")
                continue
            fits[node.id] = f
            self.change(path, f.dist, f.n, f.ci95)
        return fits

    def delay_durations(self, w: Walk) -> dict[str, DurationFit]:
        fits = {}
        for i, node in enumerate(self.process.nodes):
            if node.kind != "delay":
                continue
            path = f"nodes.{node.id}.duration"
            samples = w.delays.get(i)
            if samples is None or samples.empty:
                self.skip(path, "neither its start nor its end is recorded")
                continue
            limit = settle_limit(samples["ref"].to_numpy(), samples["hours"].to_numpy(), 0.0,
                                 self.end_h)
            kept = samples[samples["ref"] <= self.end_h - limit]["hours"].to_numpy()
            f = fit_duration(kept)
            if f is None:
                self.skip(path, f"too few leads seen leaving it ({len(kept)})")
                continue
            fits[node.id] = f
            self.change(path, f.dist, f.n, f.ci95)
        return fits

    # --- lanes ---------------------------------------------------------------------------
    def owner_lanes(self) -> pd.Series:
        """Owner id -> lane: by id or role in MAP.json, else where most of their logged work
        is; queues and users without a role (integration users) only when mapped by id."""
        owners = self.log.owners
        lane_of_task = {n.id: n.lane for n in self.process.tasks()}
        worked = self.activities.assign(lane=self.activities["task"].map(lane_of_task))
        usual = worked.groupby("owner")["lane"].agg(lambda s: s.mode().iloc[0])
        lanes = {}
        for owner in worked["owner"].dropna().unique():
            if owner in self.mapping.owners:
                lanes[owner] = self.mapping.owners[owner]
                continue
            row = owners.loc[owner] if owner in owners.index else None
            if row is not None and (bool(row["is_queue"]) or pd.isna(row["role"])):
                continue
            role = f"role:{row['role']}" if row is not None else None
            lanes[owner] = self.mapping.owners.get(role, usual.get(owner)) if role else \
                usual.get(owner)
        return pd.Series(lanes, dtype="object")

    def assignments(self) -> pd.DataFrame:
        """Leads handed to a person ("time", "owner", "lane"), for an export that logs no
        work (HubSpot's contacts: calls are engagements, not part of it): owners mapped to a
        lane in MAP.json by id or role; queues and users without a role only by id."""
        moves = self.events[self.events["kind"] == OWNER]
        owners = self.log.owners
        lanes: dict[str, str] = {}
        for owner in moves["value"].dropna().unique():
            if owner in self.mapping.owners:
                lanes[owner] = self.mapping.owners[owner]
                continue
            row = owners.loc[owner] if owner in owners.index else None
            if row is None or bool(row["is_queue"]) or pd.isna(row["role"]):
                continue
            lane = self.mapping.owners.get(f"role:{row['role']}")
            if lane is not None:
                lanes[owner] = lane
        frame = pd.DataFrame({"time": moves["time"], "owner": moves["value"],
                              "lane": moves["value"].map(lanes)})
        return frame.dropna(subset=["lane"])

    def lanes(self) -> dict[str, StaffFit]:
        fits = {}
        if self.activities.empty:  # nothing logged: who took leads in, week by week
            acts = self.assignments()
            nothing = ("the export logs no work, and no owner it assigns leads to is mapped "
                       "to this lane (map owner ids in MAP.json's owners)")
        else:
            acts = self.activities.assign(lane=self.activities["owner"].map(self.owner_lanes()))
            nothing = "no work logged by people of this lane"
        for lane in self.process.lanes:
            path = f"lanes.{lane.id}.staff"
            if lane.staff is None:
                self.skip(path, "the lane has no staff limit")
                continue
            mine = acts[acts["lane"] == lane.id]
            if mine.empty:
                self.skip(path, nothing)
                continue
            f = fit_staff(mine["time"], mine["owner"], self.log.start, self.until)
            if f is None:
                self.skip(path, "the export holds no whole week")
                continue
            fits[lane.id] = f
            self.change(path, f.staff, f.weeks, f.ci95)
        if fits and self.activities.empty:
            self.notes.append("staff counted from the people leads were assigned to each week "
                              "(the export logs no work)")
        return fits

    def calendar_fits(self) -> dict[str, CalendarFit]:
        """Lane id -> the working days and hours its logged work shows (computed once)."""
        if self._calendar_fits is None:
            lane_of_task = {n.id: n.lane for n in self.process.tasks()}
            lane = self.activities["task"].map(lane_of_task)
            self._calendar_fits = {}
            for x in self.process.lanes:
                if x.staff is not None:
                    f = fit_calendar(self.activities.loc[lane == x.id, "time"])
                    if f is not None:
                        self._calendar_fits[x.id] = f
        return self._calendar_fits

    def calendars(self) -> dict[str, CalendarFit]:
        """Working calendars from when work in each lane's tasks was started."""
        fits = self.calendar_fits()
        for lane in self.process.lanes:
            if lane.staff is None:
                if lane.calendar is not None:
                    self.skip(f"lanes.{lane.id}.calendar", "the lane has no staff limit: no "
                              "work is logged for it")
            elif lane.id not in fits:
                self.skip(f"lanes.{lane.id}.calendar", "too little work logged to tell when "
                          "the team works")
        by_calendar: dict[str | None, list[str]] = {}
        for lane in self.process.lanes:
            by_calendar.setdefault(lane.calendar, []).append(lane.id)
        for calendar, lane_ids in by_calendar.items():
            found = [fits[x] for x in lane_ids if x in fits]
            if not found:
                continue
            agree = len({(f.days, f.hours) for f in found}) == 1
            if calendar is not None and agree and len(found) == len(lane_ids):
                n = sum(f.n for f in found)
                self.change(f"calendars.{calendar}.days", found[0].days, n)
                self.change(f"calendars.{calendar}.hours", found[0].hours, n)
                continue
            for lane_id in lane_ids:
                if lane_id in fits:
                    self._own_calendar(lane_id, calendar, fits[lane_id])
        return fits

    def _own_calendar(self, lane_id: str, calendar: str | None, f: CalendarFit) -> None:
        """Give a lane its own calendar when its hours differ from the others on its own."""
        current = self.data["calendars"].get(calendar) if calendar else None
        if current and current.get("days", "mon-fri") == f.days \
                and current.get("hours", "09:00-17:00") == f.hours:
            return
        name = lane_id if lane_id not in self.data["calendars"] else f"{lane_id}_fitted"
        new: dict[str, Any] = {"days": f.days, "hours": f.hours}
        if current and current.get("holidays"):
            new["holidays"] = list(current["holidays"])
        self.change(f"calendars.{name}", new, f.n)
        self.change(f"lanes.{lane_id}.calendar", name, f.n)


def fit(process: Process, log: EventLog, mapping: CrmMap, *,
        fit_until: pd.Timestamp | str | None = None) -> Calibration:
    """Fit ``process``'s parameters to ``log`` (read with ``mapping``) up to ``fit_until``.

    Data from ``fit_until`` on is ignored (it is for validation); leads open then are
    censored. The input process is not modified.
    """
    until = log.end if fit_until is None else pd.Timestamp(fit_until)
    f = _Fitter(process, log, mapping, until)
    m = markers(log, f.obs, until, f.task_lines())
    w = walk(process, m, f.obs, f.decay_since())
    result = Calibration(process=process, changes=f.changes, not_calibrated=[],
                         reasons=f.reasons, data={})
    result.sources = f.sources()
    result.branches = f.branches(w)
    result.durations = {**f.task_durations(), **f.delay_durations(w)}
    result.lanes = f.lanes()
    result.calendars = f.calendars()
    result.stale = f.data_quality()
    result.touches, result.handoffs = f.touches(m)
    result.weights = f.weights
    result.process = _apply(process, f.data, f.changes)
    for handoff in result.handoffs:  # what the calibrated process makes of the same span
        handoff.implied = implied_handoffs(result.process, f.end_h, handoff.target)
        f.notes.append(handoff.text())
    result.not_calibrated = list(f.reasons)
    result.notes.extend(f.notes)
    cases = int((log.cases["created"] < until).sum())
    result.data = {"format": log.format, "cases": cases, "from": log.start.isoformat(),
                   "to": log.end.isoformat(), "fit_until": until.isoformat()}
    answers = {w.casefold() for w in mapping.responses}  # a lead's answers name no node
    unmapped = [(w, n) for w, n in m.unmapped.most_common() if w.casefold() not in answers]
    if unmapped:
        words = ", ".join(f"{w!r} ({n})" for w, n in unmapped[:8])
        result.notes.append(f"CRM values that map to no node: {words}")
    if w.gaps > w.two_ways:
        result.notes.append(f"{w.gaps - w.two_ways} records could not be placed on the "
                            "process's paths")
    if w.two_ways:
        result.notes.append(f"{w.two_ways} records follow one of several ways the export "
                            "cannot tell apart (no pass counted on them)")
    return result


def _columns(attempts: pd.DataFrame) -> dict[str, Any]:
    return {"age_h": attempts["age_h"].to_numpy(), "stale": attempts["stale"].to_numpy(),
            "fresh": attempts["fresh"].to_numpy(dtype=bool)}


def _apply(process: Process, data: dict[str, Any], changes: list[Change]) -> Process:
    """The process with ``changes`` applied to a copy of its data."""
    data = copy.deepcopy(data)
    for change in changes:
        set_value(data, change.path, change.new)
    return type(process).model_validate(data)


__all__ = ["Calibration", "Change", "fit"]
