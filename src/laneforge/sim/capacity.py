"""Capacity without simulating: expected visits from the traffic equations, load per lane.

Expected visits per node solve ``v = a + P^T v`` (``a``: arrivals per hour at the sources,
``P``: branch probabilities). Probability branches are exact; branches on conditions, with
decay, or after ``set`` updates are estimated from a quick walk of sampled leads through the
graph without queues. Each lane's offered load (staff busy on average) is the sum over its
tasks of visits per hour x mean duration x staff units, set against the staff it has in its
working hours. The reverse funnel scales the load to a target of won deals per month.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..model import Process, duration_sampler, mean_hours
from ..model.attributes import attribute_sampler
from ..model.calendar import Timeline
from .compiled import (
    DELAY,
    END,
    ROUTE_DECAY,
    ROUTE_ONE,
    ROUTE_PROB,
    ROUTE_WHEN,
    TASK,
    Compiled,
    compile_process,
)
from .engine import Stopped

MONTH_HOURS = 720.0
#: leads walked per round: one large walk when waiting cannot change the routing; else
#: rounds of "walk -> loads -> queue waits -> walk", the last one large
WALK_UNTIMED = (16_000,)
WALK_TIMED = (2_500, 2_500, 10_000)
#: the wait assumed at an overloaded lane (it grows without limit in reality)
OVERLOADED_WAIT = 24.0 * 30
#: walked leads between two questions to ``should_stop``
STOP_CHECK_EVERY = 250


@dataclass
class LaneLoad:
    lane: str
    name: str
    staff: int | None
    #: staff-hours of work arriving per hour of the clock
    offered: float
    #: share of the clock the lane works (1 without a calendar)
    open_fraction: float
    #: offered / (staff x open fraction); None without a staff limit
    utilization: float | None
    #: hours from a lead's arrival until it reaches one of the lane's tasks (median)
    first_reached_hours: float | None = None

    @property
    def offered_staff(self) -> float:
        """Staff busy on average during working hours."""
        return self.offered / self.open_fraction if self.open_fraction else math.inf

    def staff_needed(self, target_utilization: float = 0.85, scale: float = 1.0) -> int:
        return max(1, math.ceil(self.offered_staff * scale / target_utilization - 1e-9))


@dataclass
class CapacityEstimate:
    arrivals_per_hour: float
    #: expected visits per hour at each node
    node_rate: dict[str, float]
    lanes: list[LaneLoad]
    #: share of leads ending with each outcome
    outcome_share: dict[str, float]
    #: share of leads reaching each stage (from the walk when there are loops or conditions)
    stage_share: dict[str, float] = field(default_factory=dict)

    def lane(self, lane_id: str) -> LaneLoad:
        return next(load for load in self.lanes if load.lane == lane_id)

    @property
    def overloaded(self) -> list[LaneLoad]:
        return [ld for ld in self.lanes if ld.utilization is not None and ld.utilization >= 1.0]

    def summary(self) -> str:
        """'Marketing 62 % · Inside Sales 104 % · ...' for a status bar."""
        parts = [f"{ld.name} {ld.utilization:.0%}" for ld in self.lanes
                 if ld.utilization is not None]
        return " · ".join(parts)


@dataclass
class ReverseFunnel:
    won_per_month: float
    won_per_lead: float
    leads_per_month_now: float
    leads_per_month_needed: float
    #: lane id -> (staff now, staff needed at the target utilization)
    staff: dict[str, tuple[int | None, int | None]]
    target_utilization: float


def _arrival_rate(arrival: object, window: tuple[float, float]) -> float:
    rate = getattr(arrival, "mean_per_hour", 0.0)
    if rate or not hasattr(arrival, "batch"):
        return float(rate)
    start, end = window  # a one-off batch inside the measured window, spread over it
    first = arrival.first.hours  # type: ignore[attr-defined]
    return arrival.batch / (end - start) if start <= first < end else 0.0  # type: ignore[attr-defined]


@dataclass
class _Walk:
    fractions: dict[int, list[float]]
    stage_share: dict[str, float]
    #: per lane: hours from a lead's arrival until it first reaches one of the lane's tasks
    lane_ages: dict[int, list[float]]
    #: per task: arrivals by half hour of the week (for the calendar backlog)
    phases: dict[int, list[int]]


SLOT_HOURS = 0.5
SLOTS = int(168 / SLOT_HOURS)


def week_start(c: Compiled) -> float:
    """The first Monday 00:00 at or after the warm-up, in simulation hours."""
    start = c.start
    monday = -(start.weekday() * 24.0 + start.hour + start.minute / 60.0)
    return monday + math.ceil((c.warmup - monday) / 168.0 - 1e-9) * 168.0


def _day_weights(source: object) -> list[float]:
    weights = [0.0] * 7
    for arrival in getattr(source, "arrivals", []):
        factors = arrival.weekday_factors() if hasattr(arrival, "weekday_factors") else None
        rate = float(getattr(arrival, "mean_per_hour", 0.0) or 1.0)
        for day in range(7):
            weights[day] += rate * (factors[day] if factors else 1.0)
    return weights if sum(weights) else [1.0] * 7


def _walk(
    c: Compiled, rates: dict[int, float], seed: int, waits: _Waits | None,
    lines: list[Timeline | None], leads: int, timed: bool,
    should_stop: Callable[[], bool] | None = None,
) -> _Walk:
    """Leads walked through the graph on the wall clock: working hours where lanes keep a
    calendar, and the expected queue wait per lane (``waits``, in working hours). Gives the
    branch fractions at condition and decay nodes, the share of leads reaching each stage,
    and how long leads take to reach each node."""
    rng = random.Random(f"laneforge:capacity:{seed}")
    total = sum(rates.values())
    counts: dict[int, list[int]] = {
        n.index: [0] * (len(n.routing[0]) + 1)
        for n in c.nodes if n.route in (ROUTE_WHEN, ROUTE_DECAY)
    }
    durations = {n.index: duration_sampler(n.duration, rng) for n in c.nodes
                 if n.kind in (TASK, DELAY)}
    reached = [0] * len(c.stages)
    lane_ages: dict[int, list[float]] = {}
    phases: dict[int, list[int]] = {n.index: [0] * SLOTS for n in c.nodes if n.kind == TASK}
    week0 = week_start(c)
    walked = 0
    for source_index, rate in rates.items():
        if rate <= 0:
            continue
        source = c.nodes[source_index]
        specs = {**c.attributes, **source.attributes}
        draws = [(name, attribute_sampler(specs[name], rng)) for name in c.attribute_order]
        days = _day_weights(source)
        for _ in range(max(1, round(leads * rate / total))):
            if should_stop is not None and walked % STOP_CHECK_EVERY == 0 and should_stop():
                raise Stopped()
            attrs = {name: draw() for name, draw in draws}
            day = rng.choices(range(7), weights=days)[0]  # the weekday profile
            t0 = week0 + (day + rng.random()) * 24.0
            t, marks, steps, n, stages = t0, {}, 0, source_index, 0
            lanes_seen: set[int] = set()
            walked += 1
            while steps < 10_000:
                steps += 1
                node = c.nodes[n]
                if node.kind == TASK and node.lane not in lanes_seen:
                    lanes_seen.add(node.lane)
                    lane_ages.setdefault(node.lane, []).append(t - t0)
                if node.stage >= 0 and not stages & (1 << node.stage):
                    stages |= 1 << node.stage
                    reached[node.stage] += 1
                if node.mark:
                    marks[n] = t
                if node.kind == END:
                    break
                if node.kind == TASK and not timed:
                    t += durations[n]()  # routing does not depend on time: a rough clock
                elif node.kind == TASK:
                    phases[n][int(((t - week0) % 168.0) / SLOT_HOURS) % SLOTS] += 1
                    line = lines[node.lane]
                    wait = waits.wait(n, t, rng) if waits is not None else 0.0
                    if line is not None:
                        t = line.add(line.next_open(t), wait)
                        t = line.add(t, durations[n]())
                    else:
                        t += wait + durations[n]()
                elif node.kind == DELAY:
                    t += durations[n]()
                if node.sets:
                    attrs["age"] = t - t0
                    updates = [(name, fn(attrs)) for name, fn in node.sets]
                    attrs.update(updates)
                branch, n = _walk_route(node, attrs, t, t0, marks, rng)
                if branch is not None:
                    counts[node.index][branch] += 1
    fractions = {}
    for index, row in counts.items():
        seen = sum(row)
        fractions[index] = [x / seen for x in row] if seen else []
    shares = {name: reached[i] / walked for i, name in enumerate(c.stages)} if walked else {}
    return _Walk(fractions, shares, lane_ages, phases)


def erlang_c_wait(servers: int, offered: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (hours), from the Erlang B recursion; long if overloaded."""
    if servers <= 0 or offered <= 0 or mean_service <= 0:
        return 0.0
    if offered >= servers:
        return OVERLOADED_WAIT
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    waiting = servers * blocking / (servers - offered * (1.0 - blocking))
    return waiting * mean_service / (servers - offered)


def _walk_route(node, attrs, t, t0, marks, rng) -> tuple[int | None, int]:
    if node.route == ROUTE_ONE:
        return None, node.routing
    if node.route == ROUTE_PROB:
        u = rng.random()
        cumulative, targets = node.routing
        for i, edge in enumerate(cumulative):
            if u < edge:
                return None, targets[i]
        return None, targets[-1]
    if node.route == ROUTE_WHEN:
        attrs["age"] = t - t0
        conditions, default = node.routing
        for i, (condition, target) in enumerate(conditions):
            if condition(attrs):
                return i, target
        return len(conditions), default
    branches, default = node.routing
    u, acc = rng.random(), 0.0
    for i, (p, half_life, since, target) in enumerate(branches):
        if half_life:
            reference = marks.get(since, t0) if since >= 0 else t0
            p *= 0.5 ** ((t - reference) / half_life)
        acc += p
        if u < acc:
            return i, target
    return len(branches), default


def estimate_capacity(
    process: Process, *, compiled: Compiled | None = None, seed: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> CapacityEstimate:
    """Offered load per lane from the traffic equations; no simulation.

    ``should_stop`` is asked every few hundred walked leads; when it answers true the
    estimate raises :class:`~laneforge.sim.engine.Stopped`."""
    c = compiled or compile_process(process)
    window = (c.warmup, c.horizon)
    n = len(c.nodes)
    arrivals = np.zeros(n)
    rates: dict[int, float] = {}
    for index in c.sources:
        rate = sum(_arrival_rate(a, window) for a in c.nodes[index].arrivals)
        rates[index] = rate
        arrivals[index] = rate
    lines = [Timeline(lane.calendar, c.start) if lane.calendar is not None else None
             for lane in c.lanes]
    open_fraction = [
        line.worked(*window) / (window[1] - window[0]) if line is not None else 1.0
        for line in lines
    ]
    timed = any(node.route == ROUTE_DECAY for node in c.nodes) or c.uses_age
    walk = None
    node_rate = {node.id: 0.0 for node in c.nodes}
    if sum(rates.values()):
        waits: _Waits | None = None
        for leads in WALK_TIMED if timed else WALK_UNTIMED:
            walk = _walk(c, rates, seed, waits, lines, leads, timed, should_stop)
            node_rate = _solve(c, arrivals, walk.fractions)
            waits = _Waits(c, node_rate, open_fraction, lines, walk.phases)
    lanes: list[LaneLoad] = []
    for lane in c.lanes:
        offered = _offered(c, node_rate, lane.index)
        fraction = open_fraction[lane.index]
        if lane.staff:
            utilization = offered / (lane.staff * fraction) if fraction else math.inf
        else:
            utilization = None if lane.staff is None else math.inf
        ages = sorted(walk.lane_ages.get(lane.index, [])) if walk else []
        lanes.append(LaneLoad(lane.id, lane.name, lane.staff, offered, fraction, utilization,
                              ages[len(ages) // 2] if ages else None))
    total = sum(rates.values())
    outcome_share: dict[str, float] = {}
    for node in c.nodes:
        if node.kind == END and total:
            outcome_share[node.outcome] = outcome_share.get(node.outcome, 0.0) + (
                node_rate[node.id] / total
            )
    return CapacityEstimate(total, node_rate, lanes, outcome_share,
                            walk.stage_share if walk else {})


def _solve(c: Compiled, arrivals: np.ndarray, fractions: dict[int, list[float]] | None
           ) -> dict[str, float]:
    """Visits per hour at each node: v = a + P^T v."""
    n = len(c.nodes)
    fractions = fractions or {}
    transfer = np.zeros((n, n))
    for node in c.nodes:
        i = node.index
        if node.route == ROUTE_ONE:
            transfer[i, node.routing] += 1.0
        elif node.route == ROUTE_PROB:
            cumulative, targets = node.routing
            previous = 0.0
            for edge, target in zip(cumulative, targets, strict=True):
                upper = min(edge, 1.0)
                transfer[i, target] += max(upper - previous, 0.0)
                previous = upper
        elif node.route in (ROUTE_WHEN, ROUTE_DECAY):
            branches, default = node.routing
            targets = [b[-1] for b in branches] + [default]
            observed = fractions.get(i)
            if not observed:  # never reached in the walk: fall back to the stated numbers
                if node.route == ROUTE_DECAY:
                    probabilities = [b[0] for b in branches]
                    observed = [*probabilities, max(0.0, 1.0 - sum(probabilities))]
                else:
                    observed = [0.0] * len(branches) + [1.0]
            for share, target in zip(observed, targets, strict=True):
                transfer[i, target] += share
    try:
        visits = np.linalg.solve(np.eye(n) - transfer.T, arrivals)
    except np.linalg.LinAlgError:  # a loop the walk never left: least squares keeps it finite
        visits = np.linalg.lstsq(np.eye(n) - transfer.T, arrivals, rcond=None)[0]
    return {node.id: max(float(visits[node.index]), 0.0) for node in c.nodes}


def _offered(c: Compiled, node_rate: dict[str, float], lane: int) -> float:
    return sum(node_rate[node.id] * mean_hours(node.duration) * node.units
               for node in c.nodes if node.kind == TASK and node.lane == lane)


class _Waits:
    """Expected queue wait (working hours) of a task's leads by the hour of the week.

    Two parts: the backlog a calendar builds up while the team is away (a fluid model of
    one representative week: work flows in as the walk saw it arrive, and is done at full
    staff while the lane is open), and the random queueing of M/M/c in working hours
    (Erlang C, split by priority class with Cobham's formula). A priority class sees only
    its own and higher classes' backlog.
    """

    WEEKS = 3

    def __init__(self, c: Compiled, node_rate: dict[str, float], open_fraction: list[float],
                 lines: list[Timeline | None], phases: dict[int, list[int]]) -> None:
        self.week0 = week_start(c)
        self.by_task: dict[int, tuple[list[float] | None, float]] = {}
        for lane in c.lanes:
            tasks = [n for n in c.nodes if n.kind == TASK and n.lane == lane.index]
            fraction = open_fraction[lane.index]
            if not lane.staff or not tasks or not fraction:
                continue
            rate = {t.index: node_rate[t.id] for t in tasks}
            work = {t.index: rate[t.index] * mean_hours(t.duration) * t.units for t in tasks}
            total_work = sum(work.values())
            if not total_work:
                continue
            staff = lane.staff
            offered_open = total_work / fraction
            if offered_open >= staff:
                for t in tasks:
                    self.by_task[t.index] = (None, OVERLOADED_WAIT)
                continue
            mean = total_work / sum(rate.values())
            base = erlang_c_wait(staff, offered_open, mean)  # FIFO mean wait
            rho = offered_open / staff
            line = lines[lane.index]
            for level in sorted({_level(t) for t in tasks}, reverse=True):
                served_first = [t for t in tasks if _level(t) >= level]
                higher = sum(work[t.index] for t in tasks if _level(t) > level)
                sigma_high = higher / fraction / staff
                sigma_own = sum(work[t.index] for t in served_first) / fraction / staff
                # Cobham: W_k = W0 / ((1 - sigma_higher)(1 - sigma_up_to_k)); FIFO is W0/(1-rho)
                random_wait = base * (1 - rho) / max((1 - sigma_high) * (1 - sigma_own), 1e-6)
                backlog = None
                if line is not None:
                    inflow = [0.0] * SLOTS
                    for t in served_first:
                        seen = _smooth(phases.get(t.index) or [1] * SLOTS)
                        count = sum(seen) or 1
                        for slot, k in enumerate(seen):
                            inflow[slot] += work[t.index] * k / count * SLOTS
                    backlog = self._fluid(line, inflow, staff)
                for t in tasks:
                    if _level(t) == level:
                        self.by_task[t.index] = (backlog, random_wait)

    def _fluid(self, line: Timeline, inflow: list[float], staff: int) -> list[float]:
        """Backlog per staff member (hours of work) at each half hour of the last week."""
        backlog = 0.0
        out: list[float] = []
        for week in range(self.WEEKS):
            for slot in range(SLOTS):
                t = self.week0 + (week * SLOTS + slot) * SLOT_HOURS
                capacity = line.worked(t, t + SLOT_HOURS) * staff
                backlog = max(0.0, backlog + inflow[slot] * SLOT_HOURS - capacity)
                if week == self.WEEKS - 1:
                    out.append(backlog / staff)
        return out

    def wait(self, task: int, t: float, rng: random.Random) -> float:
        """A wait drawn for a lead arriving at ``t``: the backlog ahead of it plus an
        exponential queueing delay (M/M/c waits are exponential beyond the first)."""
        entry = self.by_task.get(task)
        if entry is None:
            return 0.0
        backlog, random_wait = entry
        drawn = rng.expovariate(1.0 / random_wait) if random_wait > 0 else 0.0
        if backlog is None:
            return drawn
        return backlog[int(((t - self.week0) % 168.0) / SLOT_HOURS) % SLOTS] + drawn


def _smooth(counts: list[int], half_width: int = 4) -> list[float]:
    """A moving average over +-2 hours, wrapping round the week: a few thousand walked leads
    arrive in clumps that real queues spread out."""
    n = len(counts)
    window = 2 * half_width + 1
    return [sum(counts[(i + k) % n] for k in range(-half_width, half_width + 1)) / window
            for i in range(n)]


def _level(node: object) -> float:
    priority = getattr(node, "priority", None)
    return float(priority) if isinstance(priority, int | float) else 0.0




def reverse_funnel(
    process: Process,
    won_per_month: float,
    *,
    target_utilization: float = 0.85,
    won_outcome: str = "won",
    estimate: CapacityEstimate | None = None,
) -> ReverseFunnel:
    """Leads per month and staff per lane needed for ``won_per_month`` won deals."""
    if won_per_month <= 0:
        raise ValueError("the target of won deals must be above 0")
    if not 0 < target_utilization <= 1:
        raise ValueError("the target utilization must lie between 0 and 1")
    estimate = estimate or estimate_capacity(process)
    won_per_lead = estimate.outcome_share.get(won_outcome, 0.0)
    if won_per_lead <= 0:
        raise ValueError(f"no lead ends with outcome {won_outcome!r}, so no volume reaches it")
    now = estimate.arrivals_per_hour * MONTH_HOURS
    needed = won_per_month / won_per_lead
    scale = needed / now if now else math.inf
    staff = {
        load.lane: (load.staff, load.staff_needed(target_utilization, scale)
                    if load.staff is not None else None)
        for load in estimate.lanes
    }
    return ReverseFunnel(won_per_month, won_per_lead, now, needed, staff, target_utilization)
