"""How many people a lane needs in each hour of the week for a service target (Erlang C).

The arrival curve is the process's own (its sources' rates, weekday profiles and repeating
batches, as written or as a calibration wrote them), by hour of the week. Each lead brings
the lane its expected visits to the lane's tasks (the traffic equations of
:func:`laneforge.sim.estimate_capacity`, which follow loops, conditions and decay) times
their mean working time: that is the offered load per hour. Erlang C per hour then gives
the fewest people that answer the target share within the answer time. Work that arrives
in hours no shift may cover waits for the next hours that can be covered, and is spread
over the first answer-time's worth of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Duration, Process, mean_hours
from ..model.calendar import WEEKDAYS
from ..model.nodes import BatchArrivals
from ..sim import CapacityEstimate, estimate_capacity
from .erlang import agents_for_service_level

BLOCKS = 168  # hours of the week, Monday 00:00-01:00 first
#: a lane first reached later than this after a lead's creation sees the weekly pattern
#: blurred by the spread of that lag: its load is taken as flat over the week
LAG_BLUR_HOURS = 48.0
#: service level of an SLA that names no target share of its own
DEFAULT_LEVEL = 0.9


class StaffingError(ValueError):
    """A staffing request that cannot be answered; the message names the option or field."""


@dataclass(frozen=True)
class ServiceTarget:
    """Answer a share ``level`` of the lane's work within ``answer_hours``."""

    level: float
    answer_hours: float
    #: the process SLA it comes from, if any (the simulation check measures that one)
    sla: str | None = None
    #: "business": the answer time counts only while the lane may work (the SLA's clock
    #: stops outside its calendar); "elapsed": every hour counts
    clock: str = "business"

    def text(self) -> str:
        where = f" ({self.sla})" if self.sla else ""
        return f"{self.level:.0%} within {_hours_text(self.answer_hours)}{where}"


def block_name(block: int) -> str:
    """'mon 08:00' for block 8."""
    return f"{WEEKDAYS[block // 24 % 7]} {block % 24:02d}:00"


def _hours_text(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:g} min"
    return f"{hours:g} h"


#: 'mql_followup>=0.9' (or '=' / ':' for a shell that would read '>' as a redirection)
_TARGET = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*(?:>=|=|:)\s*([^%\s]+)\s*(%?)\s*$")


def service_target(process: Process, lane_id: str, *, target: str | None = None,
                   level: float | None = None, answer: str | None = None) -> ServiceTarget:
    """The target from ``--target SLA_ID>=0.9``, or ``--service-level`` with ``--answer``,
    or else the first SLA of the process whose ``to`` task is in the lane (its own target
    share, else 90 %)."""
    if target is not None and (level is not None or answer is not None):
        raise StaffingError("--target: give either --target or --service-level with --answer")
    if target is not None:
        match = _TARGET.match(target)
        if not match:
            raise StaffingError(f"--target: expected SLA_ID>=0.9, got {target!r}")
        sla_id, number, percent = match.groups()
        try:
            share = float(number) / (100.0 if percent else 1.0)
        except ValueError:
            raise StaffingError(f"--target: {number!r} is not a number") from None
        sla = next((s for s in process.slas if s.id == sla_id), None)
        if sla is None:
            known = ", ".join(s.id for s in process.slas) or "none"
            raise StaffingError(f"--target: no SLA {sla_id!r} in the process (SLAs: {known})")
        return ServiceTarget(_level(share, "--target"), sla.within.hours, sla.id, sla.clock)
    if level is not None or answer is not None:
        if level is None or answer is None:
            raise StaffingError("--service-level and --answer go together (e.g. "
                                "--service-level 0.8 --answer 4h)")
        try:
            hours = Duration.parse(answer).hours
        except ValueError as exc:
            raise StaffingError(f"--answer: {exc}") from None
        return ServiceTarget(_level(level, "--service-level"), hours)
    tasks = {n.id for n in process.nodes if n.kind == "task" and n.lane == lane_id}
    sla = next((s for s in process.slas if s.target in tasks), None)
    if sla is None:
        raise StaffingError(f"--target: no SLA of the process ends at a task of lane "
                            f"{lane_id!r}; give --target SLA_ID>=0.9 or --service-level "
                            "0.8 --answer 4h")
    share = sla.target_rate if sla.target_rate is not None else DEFAULT_LEVEL
    return ServiceTarget(_level(share, f"slas.{sla.id}.target"), sla.within.hours, sla.id,
                         sla.clock)


def _level(share: float, option: str) -> float:
    if not 0.0 < share < 1.0:
        raise StaffingError(f"{option}: the share answered in time must lie between 0 and 1 "
                            f"(not 1 itself), got {share:g}")
    return share


def arrival_curve(process: Process) -> np.ndarray:
    """Leads created per hour in each hour of the week (all sources together).

    A rate with a weekday profile is the rate times that day's weight; a repeating batch
    counts as its long-run rate, and a one-off batch inside the measured window as spread
    over that window (as the capacity estimate counts it), both flat over the week."""
    curve = np.zeros(BLOCKS)
    warmup = process.simulation.warmup.hours
    window = process.simulation.horizon.hours - warmup
    for source in process.sources():
        for arrival in source.arrival_list():
            if hasattr(arrival, "weekday_factors"):
                per_hour = arrival.rate.per_hour
                for day, weight in enumerate(arrival.weekday_factors()):
                    curve[day * 24:(day + 1) * 24] += per_hour * weight
            elif isinstance(arrival, BatchArrivals) and arrival.every is None:
                if window > 0 and warmup <= arrival.first.hours < warmup + window:
                    curve += arrival.batch / window
            else:
                curve += arrival.mean_per_hour
    return curve


def batch_curves(process: Process) -> tuple[np.ndarray, np.ndarray]:
    """The batches' leads per hour of the week two ways: spread flat as
    :func:`arrival_curve` counts them, and at the hours of the week they land in (from the
    simulation's start, over the measured window, per week of it). Both add up to the same
    leads a week."""
    flat, placed = np.zeros(BLOCKS), np.zeros(BLOCKS)
    warmup = process.simulation.warmup.hours
    window = process.simulation.horizon.hours - warmup
    if window <= 0:
        return flat, placed
    start = process.start
    offset = start.weekday() * 24 + start.hour + start.minute / 60
    for source in process.sources():
        for arrival in source.arrival_list():
            if not isinstance(arrival, BatchArrivals):
                continue
            first = arrival.first.hours
            if arrival.every is None:
                times = np.array([first]) if warmup <= first < warmup + window else np.array([])
                flat += arrival.batch / window if len(times) else 0.0
            else:
                every = arrival.every.hours
                skip = max(0, math.ceil((warmup - first) / every - 1e-9))
                times = np.arange(first + skip * every, warmup + window, every)
                flat += arrival.batch / every
            blocks = np.floor(offset + times).astype(np.int64) % BLOCKS
            np.add.at(placed, blocks, arrival.batch * BLOCKS / window)
    return flat, placed


@dataclass
class LaneDemand:
    """The work a lane gets: per hour of the week, and per lead."""

    lane: str
    #: leads created per hour, by hour of the week
    arrivals: np.ndarray
    #: expected visits per lead to each of the lane's tasks
    visits: dict[str, float]
    #: staff-hours of work per visit, averaged over the lane's tasks
    handling_hours: float
    #: median hours from a lead's creation to its first task in the lane
    lag_hours: float | None
    #: erlangs offered to the lane in each hour of the week
    offered: np.ndarray
    #: won deals per hour of the clock (for the cost per won deal)
    won_per_hour: float = 0.0

    @property
    def work_per_lead(self) -> float:
        return self.handling_hours * sum(self.visits.values())


def check_lane(process: Process, lane_id: str) -> list[Any]:
    """The lane's tasks; StaffingError when the lane is unknown, unlimited or idle."""
    lane = next((ln for ln in process.lanes if ln.id == lane_id), None)
    if lane is None:
        known = ", ".join(ln.id for ln in process.lanes)
        raise StaffingError(f"--lane: no lane {lane_id!r} in the process (lanes: {known})")
    if lane.staff is None:
        raise StaffingError(f"--lane: lane {lane_id!r} has no staff limit (\"staff\": null): "
                            "it needs no roster")
    tasks = [n for n in process.nodes if n.kind == "task" and n.lane == lane_id]
    if not tasks:
        raise StaffingError(f"--lane: lane {lane_id!r} has no task to staff")
    return tasks


def lane_demand(process: Process, lane_id: str,
                estimate: CapacityEstimate | None = None) -> LaneDemand:
    """The lane's offered load by hour of the week, from the arrival curve and the visits."""
    tasks = check_lane(process, lane_id)
    estimate = estimate or estimate_capacity(process)
    total = estimate.arrivals_per_hour
    curve = arrival_curve(process)
    visits = {t.id: estimate.node_rate.get(t.id, 0.0) / total if total else 0.0
              for t in tasks}
    work = {t.id: mean_hours(t.duration) * t.staff for t in tasks}
    per_lead_visits = sum(visits.values())
    handling = (sum(visits[k] * work[k] for k in visits) / per_lead_visits
                if per_lead_visits else float(np.mean(list(work.values()))))
    lag = estimate.lane(lane_id).first_reached_hours
    at_lane = shifted_curve(curve, lag)
    won = estimate.outcome_share.get("won", 0.0) * total
    return LaneDemand(lane_id, curve, visits, handling, lag,
                      at_lane * per_lead_visits * handling, won)


def shifted_curve(curve: np.ndarray, lag: float | None) -> np.ndarray:
    """The curve as the lane sees it: later by the lag (whole hours), or flat past
    :data:`LAG_BLUR_HOURS`."""
    if lag is None or lag <= 0:
        return curve.copy()
    if lag > LAG_BLUR_HOURS:
        return np.full(BLOCKS, curve.mean())
    return np.roll(curve, round(lag))


@dataclass
class Requirement:
    """People needed per hour of the week for a target."""

    target: ServiceTarget
    handling_hours: float
    #: erlangs per hour once work from hours nobody may cover is moved on
    load: np.ndarray
    #: fewest people per hour (0 where there is no work, or nobody may work)
    agents: np.ndarray
    #: hours whose work was moved to later hours (no shift may cover them)
    moved_from: np.ndarray
    warnings: list[str] = field(default_factory=list)


def required_agents(offered: np.ndarray, handling_hours: float, target: ServiceTarget,
                    coverable: np.ndarray) -> Requirement:
    """Erlang C per hour, after moving the work of hours nobody may cover (``coverable``
    false) to the first ``answer_hours`` of coverable hours after them."""
    load, moved = moved_load(offered, coverable, target.answer_hours)
    warnings: list[str] = []
    if moved.any():
        worst = _longest_closed(coverable)
        if target.clock == "elapsed" and worst > target.answer_hours:
            warnings.append(
                f"work arriving while no shift may run (up to {worst} hours in a row) waits "
                f"longer than {_hours_text(target.answer_hours)} of elapsed time: the SLA "
                "cannot be met for it")
    agents = np.zeros(BLOCKS, dtype=np.int64)
    for block in np.flatnonzero(load > 0):
        agents[block] = agents_for_service_level(float(load[block]), handling_hours,
                                                 target.answer_hours, target.level)
    return Requirement(target, handling_hours, load, agents, moved, warnings)


def moved_load(offered: np.ndarray, coverable: np.ndarray,
               answer_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Erlangs per hour once the work of hours nobody may cover is spread over the first
    ``answer_hours`` of coverable hours after them (round the week), and the hours moved
    from. StaffingError when work arrives but no hour of the week can be covered."""
    load = np.where(coverable, offered, 0.0).astype(float)
    moved = (~coverable) & (offered > 0)
    if moved.any():
        if not coverable.any():
            raise StaffingError("--shifts/--days/--hours: no shift can be placed in the week, "
                                "but the lane has work")
        spread = max(1, math.ceil(answer_hours - 1e-9))
        order = np.flatnonzero(coverable)
        for block in np.flatnonzero(moved):
            later = order[order > block]
            ahead = np.r_[later, order[order <= block]][:spread]  # wrapping round the week
            load[ahead] += offered[block] / len(ahead)
    return load, moved


def _longest_closed(coverable: np.ndarray) -> int:
    """The longest run of hours nobody may cover, round the week."""
    if coverable.all():
        return 0
    doubled = np.r_[coverable, coverable]
    longest = run = 0
    for open_ in doubled:
        run = 0 if open_ else run + 1
        longest = max(longest, run)
    return min(longest, BLOCKS)
