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

MONTH_HOURS = 720.0
WALK_LEADS = 3000


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


def _walk(
    c: Compiled, rates: dict[int, float], seed: int
) -> tuple[dict[int, list[float]], dict[str, float]]:
    """Leads walked through the graph without queues: branch fractions at condition and
    decay nodes, and the share of leads reaching each stage."""
    rng = random.Random(f"laneforge:capacity:{seed}")
    total = sum(rates.values())
    counts: dict[int, list[int]] = {
        n.index: [0] * (len(n.routing[0]) + 1)
        for n in c.nodes if n.route in (ROUTE_WHEN, ROUTE_DECAY)
    }
    durations = {n.index: duration_sampler(n.duration, rng) for n in c.nodes
                 if n.kind in (TASK, DELAY)}
    reached = [0] * len(c.stages)
    walked = 0
    for source_index, rate in rates.items():
        if rate <= 0:
            continue
        source = c.nodes[source_index]
        specs = {**c.attributes, **source.attributes}
        draws = [(name, attribute_sampler(specs[name], rng)) for name in c.attribute_order]
        for _ in range(max(1, round(WALK_LEADS * rate / total))):
            attrs = {name: draw() for name, draw in draws}
            t, marks, steps, n, stages = 0.0, {}, 0, source_index, 0
            walked += 1
            while steps < 10_000:
                steps += 1
                node = c.nodes[n]
                if node.stage >= 0 and not stages & (1 << node.stage):
                    stages |= 1 << node.stage
                    reached[node.stage] += 1
                if node.mark:
                    marks[n] = t
                if node.kind == END:
                    break
                if node.kind in (TASK, DELAY):
                    t += durations[n]()
                    if node.sets:
                        attrs["age"] = t
                        updates = [(name, fn(attrs)) for name, fn in node.sets]
                        attrs.update(updates)
                branch, n = _walk_route(node, attrs, t, marks, rng)
                if branch is not None:
                    counts[node.index][branch] += 1
    fractions = {}
    for index, row in counts.items():
        seen = sum(row)
        fractions[index] = [x / seen for x in row] if seen else []
    shares = {name: reached[i] / walked for i, name in enumerate(c.stages)} if walked else {}
    return fractions, shares


def _walk_route(node, attrs, t, marks, rng) -> tuple[int | None, int]:
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
        attrs["age"] = t
        conditions, default = node.routing
        for i, (condition, target) in enumerate(conditions):
            if condition(attrs):
                return i, target
        return len(conditions), default
    branches, default = node.routing
    u, acc = rng.random(), 0.0
    for i, (p, half_life, since, target) in enumerate(branches):
        if half_life:
            reference = marks.get(since, 0.0) if since >= 0 else 0.0
            p *= 0.5 ** ((t - reference) / half_life)
        acc += p
        if u < acc:
            return i, target
    return len(branches), default


def estimate_capacity(
    process: Process, *, compiled: Compiled | None = None, seed: int = 0
) -> CapacityEstimate:
    """Offered load per lane from the traffic equations; no simulation."""
    c = compiled or compile_process(process)
    window = (c.warmup, c.horizon)
    n = len(c.nodes)
    arrivals = np.zeros(n)
    rates: dict[int, float] = {}
    for index in c.sources:
        rate = sum(_arrival_rate(a, window) for a in c.nodes[index].arrivals)
        rates[index] = rate
        arrivals[index] = rate
    needs_walk = c.stages or any(node.route in (ROUTE_WHEN, ROUTE_DECAY) for node in c.nodes)
    fractions: dict[int, list[float]] = {}
    stage_share: dict[str, float] = {}
    if needs_walk and sum(rates.values()):
        fractions, stage_share = _walk(c, rates, seed)
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
    visits = np.linalg.solve(np.eye(n) - transfer.T, arrivals)
    node_rate = {node.id: max(float(visits[node.index]), 0.0) for node in c.nodes}

    lanes: list[LaneLoad] = []
    for lane in c.lanes:
        offered = sum(
            node_rate[node.id] * mean_hours(node.duration) * node.units
            for node in c.nodes if node.kind == TASK and node.lane == lane.index
        )
        if lane.calendar is not None:
            line = Timeline(lane.calendar, c.start)
            open_fraction = line.worked(*window) / (window[1] - window[0])
        else:
            open_fraction = 1.0
        if lane.staff:
            utilization = offered / (lane.staff * open_fraction) if open_fraction else math.inf
        else:
            utilization = None if lane.staff is None else math.inf
        lanes.append(LaneLoad(lane.id, lane.name, lane.staff, offered, open_fraction,
                              utilization))
    total = sum(rates.values())
    outcome_share: dict[str, float] = {}
    for node in c.nodes:
        if node.kind == END and total:
            outcome_share[node.outcome] = outcome_share.get(node.outcome, 0.0) + (
                node_rate[node.id] / total
            )
    return CapacityEstimate(total, node_rate, lanes, outcome_share, stage_share)


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
