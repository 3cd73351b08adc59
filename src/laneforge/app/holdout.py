"""Validation of a calibrated process on data it did not see (DESIGN.md, "Calibration from
CRM data"): the same measures taken on the holdout, on a simulation of that window, and on
the observed period before it (the noise floor), compared with the contract's tolerances.

Both sides are first turned into *markers* (a case entered a stage, reached an end node,
was worked at a task), so observed and simulated figures come from one function and cannot
measure different things:

- observed: an :class:`~laneforge.io.crm.EventLog` read through its MAP.json;
- simulated: the engine's trace (``run_replication(..., trace=...)``) of the calibrated
  process, started a warm-up before the holdout so its pipeline is full when the window opens.

Leads created in the window are followed to the window's end; those still open then are
censored on both sides (left out of conversions and times, never counted as losses).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..io.crm import CrmMap, EventLog
from ..io.crm.eventlog import ACTIVITY, STAGE
from ..model import Process
from ..model.calendar import Calendar, Timeline
from ..sim import compile_process, run_replication
from ..sim.engine import Stopped
from ..sim.runner import compiled_from_text, process_from_text, worker_pool, worker_stop_check
from .calibrate_stats import quantile_ci

CREATED, ENTERED, OUTCOME, WORK = "created", "stage", "outcome", "work"
MARKER_COLUMNS = ("case", "time", "kind", "name")

#: the contract's tolerances
CONVERSION_POINTS = 0.02
TIME_SHARE = 0.15
ARRIVALS_SHARE = 0.10
BREACH_POINTS = 0.05
WON_MAPE = 0.15

Progress = Callable[[int, int], Any]


# --- markers -------------------------------------------------------------------------------


def _frame(rows: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(MARKER_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"])
    return frame.sort_values(["case", "time"], kind="stable").reset_index(drop=True)


def observed_markers(log: EventLog, mapping: CrmMap, process: Process) -> pd.DataFrame:
    """The export's cases as markers in the process's words, through the mapping."""
    by_id = {node.id: node for node in process.nodes}
    stage_of: dict[str, str] = {}
    for stage, values in mapping.stages.items():
        for value in values:
            stage_of[value.casefold()] = stage
    outcome_of = {k.casefold(): v for k, v in mapping.outcomes.items() if v in by_id}
    node_stage = {
        k.casefold(): by_id[v].stage for k, v in mapping.nodes.items()
        if v in by_id and by_id[v].stage
    }
    task_of = {k.casefold(): v for k, v in mapping.activities.items() if v in by_id}

    parts = []
    created = log.cases["created"].dropna()
    parts.append(pd.DataFrame({"case": created.index.astype(str), "time": created.to_numpy(),
                               "kind": CREATED, "name": ""}))
    # a lead is in its source's stage from its creation, as in the simulation
    source_stage = {k.casefold(): by_id[v].stage for k, v in mapping.sources.items()
                    if v in by_id and by_id[v].stage}
    stages_of_sources = {n.stage for n in process.nodes if n.kind == "source" and n.stage}
    common = next(iter(stages_of_sources)) if len(stages_of_sources) == 1 else None
    sources = log.cases.loc[created.index, "source"].fillna("").str.casefold()
    first = sources.map(source_stage)
    if common is not None:
        first = first.fillna(common)
    hit = first.notna()
    parts.append(pd.DataFrame({"case": created.index[hit].astype(str),
                               "time": created[hit].to_numpy(), "kind": ENTERED,
                               "name": first[hit].to_numpy()}))
    events = log.events
    stages = events[events["kind"] == STAGE]
    values = stages["value"].fillna("").str.casefold()
    for kind, table in ((ENTERED, stage_of), (ENTERED, node_stage), (OUTCOME, outcome_of)):
        names = values.map(table)
        hit = names.notna()
        parts.append(pd.DataFrame({"case": stages["case"][hit].to_numpy(),
                                   "time": stages["time"][hit].to_numpy(),
                                   "kind": kind, "name": names[hit].to_numpy()}))
    work = events[events["kind"] == ACTIVITY]
    for column in ("value", "subtype"):
        names = work[column].fillna("").str.casefold().map(task_of)
        hit = names.notna()
        parts.append(pd.DataFrame({"case": work["case"][hit].to_numpy(),
                                   "time": work["time"][hit].to_numpy(),
                                   "kind": WORK, "name": names[hit].to_numpy()}))
    frame = pd.concat(parts, ignore_index=True)
    frame["case"] = frame["case"].astype(str)
    frame["time"] = pd.to_datetime(frame["time"])
    frame = frame.drop_duplicates(ignore_index=True)
    return frame.sort_values(["case", "time"], kind="stable").reset_index(drop=True)


def trace_markers(process: Process, trace: Sequence[tuple[float, int, int, str]],
                  origin: dt.datetime, until_h: float) -> pd.DataFrame:
    """One replication's trace as markers (times up to ``until_h`` hours after ``origin``)."""
    nodes = process.nodes
    kinds = [node.kind for node in nodes]
    stages = [node.stage or "" for node in nodes]
    rows: dict[str, list[Any]] = {c: [] for c in MARKER_COLUMNS}
    case, time, kind, name = rows["case"], rows["time"], rows["kind"], rows["name"]

    def add(t: float, lead: int, k: str, n: str) -> None:
        case.append(str(lead))
        time.append(t)
        kind.append(k)
        name.append(n)

    for t, lead, index, event in trace:
        if t > until_h or index < 0:
            continue
        node_kind = kinds[index]
        if event == "enter":
            if node_kind == "source":
                add(t, lead, CREATED, "")
            elif node_kind == "end":
                add(t, lead, OUTCOME, nodes[index].id)
            if stages[index]:
                add(t, lead, ENTERED, stages[index])
        elif event == "start" and node_kind == "task":
            add(t, lead, WORK, nodes[index].id)
    frame = pd.DataFrame(rows, columns=list(MARKER_COLUMNS))
    frame["time"] = pd.Timestamp(origin) + pd.to_timedelta(frame["time"], unit="h")
    return frame.sort_values(["case", "time"], kind="stable").reset_index(drop=True)


# --- measures ------------------------------------------------------------------------------


@dataclass
class Measures:
    """What one period (observed or one simulated replication) shows."""

    conversion: dict[str, float | None] = field(default_factory=dict)  # "MQL->SQL": share
    conversion_n: dict[str, int] = field(default_factory=dict)
    times: dict[str, tuple[float, float] | None] = field(default_factory=dict)  # p50, p90 days
    #: stage-to-stage times in days, for the report's histograms
    durations: dict[str, list[float]] = field(default_factory=dict)
    arrivals_per_week: float = 0.0
    weeks: int = 0
    breach: dict[str, float | None] = field(default_factory=dict)  # SLA id -> breach share
    breach_n: dict[str, int] = field(default_factory=dict)
    sla_names: dict[str, str] = field(default_factory=dict)  # SLA id -> its name
    won_by_month: dict[str, int] = field(default_factory=dict)  # "2026-03" -> won deals


def whole_weeks(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return int((end - start) / pd.Timedelta(days=7))


def whole_months(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Period]:
    """Calendar months lying entirely inside [start, end)."""
    first = start.to_period("M") if start == start.normalize() and start.day == 1 else (
        start.to_period("M") + 1)
    last = end.to_period("M") - 1  # the month containing ``end`` is not whole (unless 1st 00:00)
    if end == end.normalize() and end.day == 1:
        last = end.to_period("M") - 1
    return list(pd.period_range(first, last, freq="M")) if first <= last else []


def measure(process: Process, markers: pd.DataFrame, start: pd.Timestamp,
            end: pd.Timestamp) -> Measures:
    """The contract's measures for leads created in [start, end), followed until ``end``."""
    out = Measures()
    seen = markers[markers["time"] < end]
    created = seen[seen["kind"] == CREATED].groupby("case")["time"].min()
    cohort = created[(created >= start) & (created < end)]
    out.weeks = whole_weeks(start, end)
    if out.weeks:
        week_end = start + pd.Timedelta(days=7 * out.weeks)
        out.arrivals_per_week = float(((cohort < week_end).sum()) / out.weeks)
    mine = seen[seen["case"].isin(cohort.index)]
    _conversions(process, mine, out)
    _breaches(process, mine, end, out)
    won_nodes = {n.id for n in process.nodes if n.kind == "end" and n.outcome == "won"}
    wins = seen[(seen["kind"] == OUTCOME) & seen["name"].isin(won_nodes)]
    months = whole_months(start, end)
    by_month = wins["time"].dt.to_period("M").value_counts()
    out.won_by_month = {str(m): int(by_month.get(m, 0)) for m in months}
    return out


def _conversions(process: Process, mine: pd.DataFrame, out: Measures) -> None:
    order = {stage: i for i, stage in enumerate(process.stages)}
    entered = mine[mine["kind"] == ENTERED]
    ends = mine[mine["kind"] == OUTCOME].groupby("case")["time"].min()
    rank = entered["name"].map(order)
    for k in range(len(process.stages) - 1):
        a, b = process.stages[k], process.stages[k + 1]
        what = f"{a}->{b}"
        first_a = entered[entered["name"] == a].groupby("case")["time"].min()
        if first_a.empty:
            out.conversion[what], out.conversion_n[what] = None, 0
            out.times[what], out.durations[what] = None, []
            continue
        later = entered[rank > k]
        t_a = later["case"].map(first_a)
        later = later[t_a.notna() & (later["time"] >= t_a)]
        first_b = later.groupby("case")["time"].min()
        end_after = ends.reindex(first_a.index)
        lost = end_after.notna() & (end_after >= first_a) & ~first_a.index.isin(first_b.index)
        n = int(len(first_b) + lost.sum())
        out.conversion_n[what] = n
        out.conversion[what] = len(first_b) / n if n else None
        if len(first_b):
            days = (first_b - first_a.reindex(first_b.index)) / pd.Timedelta(days=1)
            out.times[what] = (float(days.quantile(0.5)), float(days.quantile(0.9)))
            out.durations[what] = days.tolist()
        else:
            out.times[what] = None
            out.durations[what] = []


def _sla_points(process: Process, sla_from: str, sla_to: str) -> str | None:
    """The stage whose entry starts the SLA clock as the CRM can see it: the first stage met
    on the way from ``from`` (the node itself, then breadth-first, ``to`` included)."""
    by_id = {node.id: node for node in process.nodes}
    succ: dict[str, list[str]] = {}
    for edge in process.edges:
        succ.setdefault(edge.source, []).append(edge.target)
    todo, seen = [sla_from], {sla_from}
    while todo:
        node_id = todo.pop(0)
        node = by_id.get(node_id)
        if node is not None and node.stage:
            return node.stage
        if node_id == sla_to:
            continue
        for nxt in succ.get(node_id, []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return None


def _breaches(process: Process, mine: pd.DataFrame, end: pd.Timestamp, out: Measures) -> None:
    for sla in process.slas:
        out.sla_names[sla.id] = sla.label
        stage = _sla_points(process, sla.source, sla.target)
        if stage is None:
            continue
        starts = mine[(mine["kind"] == ENTERED) & (mine["name"] == stage)]
        starts = starts.groupby("case")["time"].min()
        if starts.empty:
            out.breach[sla.id], out.breach_n[sla.id] = None, 0
            continue
        work = mine[(mine["kind"] == WORK) & (mine["name"] == sla.target)]
        t0 = work["case"].map(starts)
        stops = work[t0.notna() & (work["time"] >= t0)].groupby("case")["time"].min()
        origin = starts.min().floor("D")
        calendar = _clock(process, sla)
        line = Timeline(calendar, origin.to_pydatetime()) if calendar is not None else None

        def hours(t: pd.Timestamp, origin: pd.Timestamp = origin) -> float:
            return (t - origin) / pd.Timedelta(hours=1)

        within = sla.within.hours
        breached = checked = 0
        for case, t0 in starts.items():
            t1 = stops.get(case)
            stop = end if t1 is None or pd.isna(t1) else t1
            a, b = hours(t0), hours(stop)
            spent = line.worked(a, b) if line is not None else b - a
            if spent > within + 1e-9:
                breached += 1
                checked += 1
            elif t1 is not None and not pd.isna(t1):
                checked += 1  # met; a lead still inside its time at the end is censored
        out.breach_n[sla.id] = checked
        out.breach[sla.id] = breached / checked if checked else None


def unseen_slas(process: Process, markers: pd.DataFrame) -> dict[str, str]:
    """SLA id -> why the export cannot show it: its clock stops at the first work logged at
    its ``to`` task, and an export that logs none there (HubSpot's contacts carry no calls)
    would make every lead look breached."""
    worked = set(markers.loc[markers["kind"] == WORK, "name"].unique())
    return {sla.id: f"the export logs no work at {sla.target!r}, where its clock stops"
            for sla in process.slas if sla.target not in worked}


def forget_breaches(m: Measures, unseen: dict[str, str]) -> Measures:
    """``m`` without the SLA breach figures of ``unseen`` SLAs (in place; returned)."""
    for sla_id in unseen:
        m.breach.pop(sla_id, None)
        m.breach_n.pop(sla_id, None)
    return m


def _clock(process: Process, sla: Any) -> Calendar | None:
    """The calendar the SLA's business clock runs on (none: elapsed time)."""
    if sla.clock == "elapsed":
        return None
    name = sla.calendar
    if name is None:
        target = next((n for n in process.nodes if n.id == sla.target), None)
        lane = next((lane for lane in process.lanes if target and lane.id == target.lane), None)
        name = lane.calendar if lane is not None else None
    return process.calendars.get(name) if name is not None else None


# --- comparison ----------------------------------------------------------------------------


@dataclass
class Check:
    metric: str  # conversion | time_p50 | time_p90 | arrivals | sla_breach | won_per_month
    what: str
    observed: float
    simulated: float
    ci95: tuple[float, float] | None
    noise: float | None  # the same distance between two observed periods
    tolerance: str  # in words: "±2 points", "±15 %"
    ok: bool
    #: what to call it on screen (an SLA's name); FIT.json keeps ``what`` (its id)
    label: str = ""

    @property
    def shown(self) -> str:
        return (self.label or self.what).replace("->", " → ")

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "what": self.what, "observed": self.observed,
                "simulated": self.simulated,
                "ci95": list(self.ci95) if self.ci95 is not None else None,
                "noise": self.noise, "tolerance": self.tolerance, "ok": self.ok}


def _interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """The replications' mean and *prediction* interval: where one more period's figure
    falls. The observed holdout is one period, not a mean of many, so the interval of the
    mean (narrower by the square root of the replications) would refuse a true model."""
    mean = statistics.fmean(values)
    n = len(values)
    if n < 2:
        return mean, mean, mean
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    half = t * statistics.stdev(values) * math.sqrt(1 + 1 / n)
    return mean, mean - half, mean + half


def _inside(value: float, interval: tuple[float, float]) -> bool:
    return interval[0] - 1e-12 <= value <= interval[1] + 1e-12


def _distance_ok(distance: float, tolerance: float, noise: float | None) -> bool:
    return distance <= tolerance + 1e-12 or (noise is not None and distance <= noise + 1e-12)


#: the chance that a true process fails the verdict by its intervals (all checks together)
FAMILY_ERROR = 0.05


def compare_measures(observed: Measures, simulated: Sequence[Measures],
                     before: Measures | None) -> list[Check]:
    """One check per measure the holdout shows, each with its noise floor.

    The verdict is green only when every check passes, so the intervals are simultaneous:
    with k checks each interval is taken at 1 - 0.05 / k (Bonferroni), and a true process
    fails one by chance 5 % of the time, not 1 - 0.95 ** k (half the time for 15 checks:
    a template's own export came out amber or red for 4 seeds in 12 with 95 % each).
    """
    k = sum(c.ci95 is not None for c in _checks(observed, simulated, before, 0.95))
    return _checks(observed, simulated, before, 1.0 - FAMILY_ERROR / max(k, 1))


def _checks(observed: Measures, simulated: Sequence[Measures], before: Measures | None,
            level: float) -> list[Check]:
    """The checks, with intervals (the simulated prediction interval, the observed
    quantile's) at ``level``."""
    checks: list[Check] = []
    for what, p_obs in observed.conversion.items():
        sims = [m.conversion.get(what) for m in simulated]
        values = [v for v in sims if v is not None]
        if p_obs is None or not values:
            continue
        mean, lo, hi = _interval(values, level)
        prior = before.conversion.get(what) if before is not None else None
        noise = abs(prior - p_obs) if prior is not None else None
        ok = _inside(p_obs, (lo, hi)) or _distance_ok(
            abs(mean - p_obs), CONVERSION_POINTS, noise)
        checks.append(Check("conversion", what, p_obs, mean, (lo, hi), noise, "±2 points", ok))
    for what, pair in observed.times.items():
        if pair is None:
            continue
        sample = observed.durations.get(what) or []
        for i, (label, q) in enumerate((("time_p50", 0.5), ("time_p90", 0.9))):
            values = [m.times[what][i] for m in simulated if m.times.get(what)]
            if not values or pair[i] <= 0:
                continue
            mean, lo, hi = _interval(values, level)
            prior = before.times.get(what) if before is not None else None
            noise = abs(prior[i] - pair[i]) / pair[i] if prior else None
            # the observed quantile's own interval (order statistics): where times bunch
            # (overnight, over a weekend) a quantile jumps between the bunches when a few
            # leads more or less cross, and a distance in per cent says nothing then
            _, q_lo, q_hi = (quantile_ci(np.asarray(sample), q, level) if sample
                             else (0.0, 1.0, 0.0))
            ok = _inside(pair[i], (lo, hi)) or _inside(mean, (q_lo, q_hi)) or _distance_ok(
                abs(mean - pair[i]) / pair[i], TIME_SHARE, noise)
            checks.append(Check(label, what, pair[i], mean, (lo, hi), noise, "±15 %", ok))
    if observed.weeks and observed.arrivals_per_week > 0:
        values = [m.arrivals_per_week for m in simulated]
        mean, lo, hi = _interval(values, level)
        obs = observed.arrivals_per_week
        noise = (abs(before.arrivals_per_week - obs) / obs
                 if before is not None and before.weeks else None)
        ok = _inside(obs, (lo, hi)) or _distance_ok(abs(mean - obs) / obs, ARRIVALS_SHARE,
                                                      noise)
        checks.append(Check("arrivals", "leads per week", obs, mean, (lo, hi), noise,
                            "±10 %", ok))
    for sla_id, b_obs in observed.breach.items():
        values = [v for m in simulated if (v := m.breach.get(sla_id)) is not None]
        if b_obs is None or not values:
            continue
        mean, lo, hi = _interval(values, level)
        prior = before.breach.get(sla_id) if before is not None else None
        noise = abs(prior - b_obs) if prior is not None else None
        ok = _inside(b_obs, (lo, hi)) or _distance_ok(abs(mean - b_obs), BREACH_POINTS, noise)
        checks.append(Check("sla_breach", sla_id, b_obs, mean, (lo, hi), noise, "±5 points",
                            ok, label=observed.sla_names.get(sla_id, "")))
    months = [m for m, won in observed.won_by_month.items() if won > 0]
    if months:
        sim_by_month = {m: statistics.fmean(s.won_by_month.get(m, 0) for s in simulated)
                        for m in months}
        mape = statistics.fmean(abs(sim_by_month[m] - observed.won_by_month[m])
                                / observed.won_by_month[m] for m in months)
        noise = _monthly_noise(observed, before)
        ok = _distance_ok(mape, WON_MAPE, noise)
        checks.append(Check(
            "won_per_month", f"{len(months)} whole months",
            statistics.fmean(observed.won_by_month[m] for m in months),
            statistics.fmean(sim_by_month.values()), None, noise, "MAPE ≤ 15 %", ok))
    return checks


def _monthly_noise(observed: Measures, before: Measures | None) -> float | None:
    """The mean absolute percentage gap between the two observed periods' monthly wins
    (months paired in order; the periods are of equal length)."""
    if before is None:
        return None
    now = [w for w in observed.won_by_month.values()]
    then = [w for w in before.won_by_month.values()]
    pairs = [(a, b) for a, b in zip(now, then, strict=False) if a > 0]
    if not pairs:
        return None
    return statistics.fmean(abs(b - a) / a for a, b in pairs)


def verdict(checks: Sequence[Check]) -> str:
    """green: every check passes; amber: at most a quarter fail and the funnel's conversions
    hold; red: otherwise, or when nothing could be checked."""
    if not checks:
        return "red"
    failed = [c for c in checks if not c.ok]
    if not failed:
        return "green"
    funnel = [c for c in failed if c.metric in ("conversion", "won_per_month")]
    if len(failed) <= len(checks) / 4 and not funnel:
        return "amber"
    return "red"


NAMES = {"conversion": "conversion", "time_p50": "median time", "time_p90": "p90 time",
         "arrivals": "arrivals", "sla_breach": "SLA breaches", "won_per_month": "won per month"}


def verdict_words(checks: Sequence[Check], colour: str) -> str:
    """The verdict in a sentence a manager can act on."""
    failed = [c for c in checks if not c.ok]
    if not checks:
        return ("Nothing could be checked: the holdout has no whole week of leads reaching a "
                "mapped stage. Use a longer export or a larger --holdout.")
    if colour == "green":
        return (f"The calibrated process reproduces the holdout: all {len(checks)} checks are "
                "inside their tolerance or the period-to-period noise. Its what-ifs can be "
                "trusted as far as the data goes.")
    names = ", ".join(f"{NAMES.get(c.metric, c.metric)} {c.shown}" for c in failed[:4])
    more = f" and {len(failed) - 4} more" if len(failed) > 4 else ""
    if colour == "amber":
        return (f"Mostly reproduced: {len(checks) - len(failed)} of {len(checks)} checks pass; "
                f"off: {names}{more}. Read those figures with care.")
    return (f"Not reproduced: {len(failed)} of {len(checks)} checks fail ({names}{more}). "
            "The process differs from what the CRM shows, or changed during the export: "
            "look at the mapping and at what changed in the team before using its what-ifs.")


# --- the whole validation --------------------------------------------------------------------


@dataclass
class Validation:
    fit_until: pd.Timestamp
    end: pd.Timestamp
    checks: list[Check]
    verdict: str
    replications: int
    observed: Measures | None = None
    simulated: list[Measures] = field(default_factory=list)
    before: Measures | None = None  # the observed period before the holdout (noise floor)
    #: what the export cannot show, so it is not checked: "sla_breach mql_followup" -> why
    not_checked: dict[str, str] = field(default_factory=dict)

    def verdict_words(self) -> str:
        return verdict_words(self.checks, self.verdict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "window": [self.fit_until.isoformat(), self.end.isoformat()],
            "replications": self.replications,
            "checks": [c.to_json() for c in self.checks], "verdict": self.verdict}
        if self.not_checked:
            data["not_checked"] = [{"what": what, "reason": why}
                                   for what, why in self.not_checked.items()]
        return data


def split_point(log: EventLog, holdout: float) -> pd.Timestamp:
    """Where the fit part ends: ``1 - holdout`` of the export's span, on a day boundary."""
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"the holdout must be a share between 0 and 1, got {holdout!r}")
    cut = log.start + (log.end - log.start) * (1.0 - holdout)
    return cut.floor("D")


def simulate_window(process: Process, start: pd.Timestamp, end: pd.Timestamp, *,
                    replications: int, seed: int, warmup_days: float | None = None,
                    progress: Progress | None = None,
                    should_stop: Callable[[], bool] | None = None,
                    jobs: int = 1) -> list[Measures]:
    """The calibrated process simulated over [start, end) after a warm-up, per replication.

    With ``jobs`` > 1 the replications run in a pool of worker processes, each measured
    where it ran (only the figures come back, not the traces); every replication draws from
    its own seeded streams, so the figures are the same as one by one, in the same order.
    """
    warm_h = (process.simulation.warmup.hours if warmup_days is None else warmup_days * 24.0)
    window_h = (end - start) / pd.Timedelta(hours=1)
    variant = process.detached_copy()
    origin = (start - pd.Timedelta(hours=warm_h)).to_pydatetime()
    variant.start = origin
    if jobs > 1 and replications > 1:
        return _simulate_in_pool(variant, start, end, warm_h, window_h, replications, seed,
                                 min(jobs, replications), progress, should_stop)
    compiled = compile_process(variant, horizon=warm_h + window_h, warmup=warm_h)
    compiled.drain = 0.0
    out = []
    for replication in range(replications):
        out.append(_measure_replication(variant, compiled, replication, seed, start, end,
                                        warm_h + window_h, should_stop))
        if progress is not None:
            progress(replication + 1, replications)
    return out


def _measure_replication(process: Process, compiled: Any, replication: int, seed: int,
                         start: pd.Timestamp, end: pd.Timestamp, until_h: float,
                         should_stop: Callable[[], bool] | None) -> Measures:
    trace: list[tuple[float, int, int, str]] = []
    run_replication(compiled, replication, seed, trace=trace, should_stop=should_stop)
    markers = trace_markers(process, trace, process.start, until_h)
    return measure(process, markers, start, end)


def _window_job(text: str, warm_h: float, window_h: float, replication: int, seed: int,
                start: pd.Timestamp, end: pd.Timestamp) -> Measures | None:
    """One replication in a pool worker; None when it was asked to stop."""
    compiled = compiled_from_text(text, warm_h + window_h, warm_h)
    compiled.drain = 0.0
    try:
        return _measure_replication(process_from_text(text), compiled, replication, seed,
                                    start, end, warm_h + window_h, worker_stop_check())
    except Stopped:
        return None


def _simulate_in_pool(variant: Process, start: pd.Timestamp, end: pd.Timestamp,
                      warm_h: float, window_h: float, replications: int, seed: int, jobs: int,
                      progress: Progress | None,
                      should_stop: Callable[[], bool] | None) -> list[Measures]:
    compile_process(variant, horizon=warm_h + window_h, warmup=warm_h)  # errors here, once
    text = json.dumps(variant.to_data())
    pool, stop_flag = worker_pool(jobs, fresh=True)  # the export stays in this process
    results: dict[int, Measures] = {}
    stopped = False
    try:
        futures = {pool.submit(_window_job, text, warm_h, window_h, i, seed, start, end): i
                   for i in range(replications)}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            for future in done:
                result = future.result()
                if result is None:
                    raise Stopped()
                results[futures[future]] = result
                if progress is not None:
                    progress(len(results), replications)
            if should_stop is not None and should_stop():
                stopped = True
                stop_flag.set()
                raise Stopped()
    finally:
        pool.shutdown(wait=not stopped, cancel_futures=True)
    return [results[i] for i in range(replications)]


def validate_holdout(process: Process, log: EventLog, mapping: CrmMap, *,
                     fit_until: pd.Timestamp, replications: int = 10, seed: int | None = None,
                     progress: Progress | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     jobs: int = 1, markers: pd.DataFrame | None = None) -> Validation:
    """Simulate the calibrated ``process`` over the holdout [fit_until, export end) and
    compare it with what the export shows there, beside the noise floor (``jobs``: worker
    processes for the replications; ``markers``: the export's observed markers, if the
    caller has them already)."""
    if markers is None:
        markers = observed_markers(log, mapping, process)
    unseen = unseen_slas(process, markers)
    end = log.end
    observed = forget_breaches(measure(process, markers, fit_until, end), unseen)
    length = end - fit_until
    before = None
    if fit_until - length >= log.start:
        before = forget_breaches(measure(process, markers[markers["time"] < fit_until],
                                         fit_until - length, fit_until), unseen)
    simulated = simulate_window(
        process, fit_until, end, replications=replications,
        seed=process.simulation.seed if seed is None else seed,
        progress=progress, should_stop=should_stop, jobs=jobs)
    checks = compare_measures(observed, simulated, before)
    return Validation(fit_until, end, checks, verdict(checks), replications,
                      observed=observed, simulated=simulated, before=before,
                      not_checked={f"sla_breach {k}": why for k, why in unseen.items()})


__all__ = [
    "Check", "Measures", "Validation", "compare_measures", "forget_breaches", "measure",
    "observed_markers", "simulate_window", "split_point", "trace_markers", "unseen_slas",
    "validate_holdout", "verdict",
]

