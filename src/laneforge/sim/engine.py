"""One replication of a compiled process on SimPy's event loop.

The engine schedules plain SimPy timeouts with callbacks instead of running a generator
per lead, and keeps each lane's staff as a counter with a queue: a free staff member takes
a lead at once without a request event, and a finishing one hands the next waiting lead
over directly. Statistics are running sums and a log histogram, so memory does not grow
with the number of leads (unless a trace is asked for).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import Timeout

from ..model import duration_sampler
from ..model.attributes import attribute_sampler
from ..model.calendar import Timeline
from .compiled import (
    DELAY,
    END,
    ROUTE_DECAY,
    ROUTE_ONE,
    ROUTE_PROB,
    ROUTE_WHEN,
    STUCK,
    TASK,
    CNode,
    Compiled,
)
from .stats import LogHistogram

#: samples of work in progress per replication, for charts
WIP_SAMPLES = 240


class Lead:
    __slots__ = ("attrs", "counted", "created", "id", "marks", "sla_open", "stages", "visits")

    def __init__(self, lead_id: int, created: float, counted: bool, attrs: Any) -> None:
        self.id = lead_id
        self.created = created
        self.counted = counted
        self.attrs = attrs
        self.marks: dict[int, float] | None = None
        self.visits: dict[int, int] | None = None
        self.sla_open: dict[int, float] | None = None
        self.stages = 0


def _stream(seed: int, replication: int, purpose: str, key: str) -> random.Random:
    """An independent stream per purpose and object, so scenarios share random numbers."""
    return random.Random(f"laneforge:{seed}:{replication}:{purpose}:{key}")


def _weekday_offset(c: Compiled) -> float:
    """Hours between the Monday 00:00 before the start and the start."""
    start = c.start
    return start.weekday() * 24.0 + start.hour + start.minute / 60.0 + start.second / 3600.0


#: how often (in steps of the horizon) a run checks whether it should stop
CANCEL_CHECKS = 400


class Stopped(Exception):
    """A replication was asked to stop before it finished."""


def run_replication(
    c: Compiled, replication: int, seed: int | None = None,
    trace: list[tuple[float, int, int, str]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Simulate one replication; returns plain per-replication statistics.

    ``trace`` collects (time, lead, node index or -1, event) for a replay; ``should_stop``
    is polled a few hundred times per run and raises :class:`Stopped` when it says so.
    """
    seed = c.seed if seed is None else seed
    env = simpy.Environment()
    nodes = c.nodes
    n_nodes, n_lanes = len(nodes), len(c.lanes)
    horizon, warmup = c.horizon, c.warmup
    window = horizon - warmup

    # --- statistics ----------------------------------------------------------------------
    visits = [0] * n_nodes
    wait_sum = [0.0] * n_nodes
    busy_wait_sum = [0.0] * n_nodes  # the part of the wait inside the lane's working hours
    wait_n = [0] * n_nodes
    service_sum = [0.0] * n_nodes
    node_q = [0] * n_nodes
    node_qmax = [0] * n_nodes
    busy = [0.0] * n_lanes
    exec_cost = [0.0] * n_lanes
    lane_q = [0] * n_lanes
    q_area = [0.0] * n_lanes
    q_last = [0.0] * n_lanes
    outcome_index = {name: i for i, name in enumerate(c.outcomes)}
    outcome_counts = [0] * len(c.outcomes)
    stage_counts = [0] * len(c.stages)
    sla_checked = [0] * len(c.slas)
    sla_breached = [0] * len(c.slas)
    cycle = LogHistogram()
    counters = {"created": 0, "counted": 0, "wip": 0, "stuck": 0, "next_id": 0}
    wip_series: list[int] = []
    lane_q_series: list[list[int]] = [[] for _ in range(n_lanes)]
    sla_pending: set[Lead] = set()
    tr = trace.append if trace is not None else None

    # --- lanes: staff counters, queues, calendars ------------------------------------------
    staff = [lane.staff for lane in c.lanes]
    free = [lane.staff if lane.staff is not None else 0 for lane in c.lanes]
    use_heap = c.any_priority
    queues: list[Any] = [[] if use_heap else deque() for _ in range(n_lanes)]
    timelines: list[Timeline | None] = [
        Timeline(lane.calendar, c.start) if lane.calendar is not None else None
        for lane in c.lanes
    ]
    sla_lines: list[Timeline | None] = [
        Timeline(s.calendar, c.start) if s.calendar is not None else None for s in c.slas
    ]
    seq = [0]

    # --- per-node random streams and samplers ----------------------------------------------
    samplers: list[Callable[[], float] | None] = [None] * n_nodes
    route_rand: list[Callable[[], float] | None] = [None] * n_nodes
    for node in nodes:
        if node.kind in (TASK, DELAY):
            samplers[node.index] = duration_sampler(
                node.duration, _stream(seed, replication, "duration", node.id)
            )
        if node.route in (ROUTE_PROB, ROUTE_DECAY):
            route_rand[node.index] = _stream(seed, replication, "route", node.id).random

    def lane_queue_changed(lane: int, delta: int) -> None:
        now = env._now
        last = q_last[lane]
        a = last if last > warmup else warmup
        b = now if now < horizon else horizon
        if b > a:
            q_area[lane] += lane_q[lane] * (b - a)
        q_last[lane] = now
        lane_q[lane] += delta

    # --- moving a lead ---------------------------------------------------------------------
    def finish_lead(lead: Lead, outcome: str) -> None:
        now = env._now
        if lead.counted:
            outcome_counts[outcome_index[outcome]] += 1
            cycle.add(now - lead.created)
        if lead.sla_open:
            lead.sla_open = None
            sla_pending.discard(lead)
        counters["wip"] -= 1
        if tr is not None:
            tr((now, lead.id, -1, outcome))
        if counters["wip"] == 0 and now >= horizon and not stop.triggered:
            stop.succeed()

    def route(lead: Lead, node: CNode) -> int:
        r = node.route
        if r == ROUTE_ONE:
            return node.routing
        if r == ROUTE_PROB:
            u = route_rand[node.index]()
            cumulative, targets = node.routing
            for i, edge in enumerate(cumulative):
                if u < edge:
                    return targets[i]
            return targets[-1]
        if r == ROUTE_WHEN:
            attrs = lead.attrs
            if node.uses_age:
                attrs["age"] = env._now - lead.created
            conditions, default = node.routing
            for condition, target in conditions:
                if condition(attrs):
                    return target
            return default
        if r == ROUTE_DECAY:
            u = route_rand[node.index]()
            branches, default = node.routing
            now = env._now
            acc = 0.0
            for p, half_life, since, target in branches:
                if half_life:
                    if since >= 0 and lead.marks is not None and since in lead.marks:
                        reference = lead.marks[since]
                    else:
                        reference = lead.created
                    p *= 0.5 ** ((now - reference) / half_life)
                acc += p
                if u < acc:
                    return target
            return default
        raise AssertionError(f"node {node.id} has no way out")

    def enter(lead: Lead, n: int) -> None:
        """The lead arrives at node ``n``: follow instant steps until it waits somewhere."""
        while True:
            node = nodes[n]
            now = env._now
            if lead.counted:
                visits[n] += 1
            if tr is not None:
                tr((now, lead.id, n, "enter"))
            if node.loop:
                seen = lead.visits
                if seen is None:
                    seen = lead.visits = {}
                count = seen.get(n, 0) + 1
                seen[n] = count
                if count > node.max_visits:
                    counters["stuck"] += 1
                    finish_lead(lead, STUCK)
                    return
            if node.stage >= 0 and lead.counted:
                bit = 1 << node.stage
                if not lead.stages & bit:
                    lead.stages |= bit
                    stage_counts[node.stage] += 1
            if node.mark:
                if lead.marks is None:
                    lead.marks = {}
                lead.marks[n] = now
            if lead.sla_open:
                for i in [i for i in lead.sla_open if n not in c.slas[i].reach]:
                    del lead.sla_open[i]
                if not lead.sla_open:
                    sla_pending.discard(lead)
            opened = c.sla_from.get(n)
            if opened:
                if lead.sla_open is None:
                    lead.sla_open = {}
                for i in opened:
                    lead.sla_open[i] = now
                sla_pending.add(lead)
            kind = node.kind
            if kind == TASK:
                task_arrive(lead, node)
                return
            if kind == DELAY:
                Timeout(env, samplers[n](), lead).callbacks.append(delay_done[n])
                return
            if kind == END:
                finish_lead(lead, node.outcome)
                return
            n = route(lead, node)

    # --- tasks -----------------------------------------------------------------------------
    def task_arrive(lead: Lead, node: CNode) -> None:
        lane = node.lane
        now = env._now
        if staff[lane] is None:
            line = timelines[lane]
            begin = line.next_open(now) if line is not None else now
            start_work(lead, node, now, begin)
            return
        line = timelines[lane]
        if (free[lane] >= node.units and not queues[lane]
                and (line is None or line.is_open(now))):
            start_work(lead, node, now, now)
            return
        if use_heap:
            priority = node.priority
            if callable(priority):
                if node.uses_age:
                    lead.attrs["age"] = now - lead.created
                priority = float(priority(lead.attrs))
            seq[0] += 1
            heapq.heappush(queues[lane], (-(priority or 0.0), seq[0], lead, node, now))
        else:
            queues[lane].append((lead, node, now))
        n = node.index
        node_q[n] += 1
        if node_q[n] > node_qmax[n] and now >= warmup:
            node_qmax[n] = node_q[n]
        lane_queue_changed(lane, 1)

    def dispatch(lane: int) -> None:
        queue = queues[lane]
        if not queue:
            return
        now = env._now
        line = timelines[lane]
        if line is not None and not line.is_open(now):
            return
        while queue:
            head = queue[0]
            node = head[-2]
            if free[lane] < node.units:
                return
            if use_heap:
                _, _, lead, node, arrived = heapq.heappop(queue)
            else:
                lead, node, arrived = queue.popleft()
            node_q[node.index] -= 1
            lane_queue_changed(lane, -1)
            start_work(lead, node, arrived, now)

    def start_work(lead: Lead, node: CNode, arrived: float, begin: float) -> None:
        n, lane = node.index, node.lane
        now = env._now
        work = samplers[n]()
        line = timelines[lane]
        end = line.add(begin, work) if line is not None else begin + work
        units = node.units
        if staff[lane] is not None:
            free[lane] -= units
        # busy staff-hours inside the measured window (working hours only)
        if begin >= warmup and end <= horizon:
            # inside the window: the task takes exactly ``work`` working hours
            busy[lane] += work * units
            exec_cost[lane] += node.cost
        else:
            a = begin if begin > warmup else warmup
            b = end if end < horizon else horizon
            if b > a:
                busy[lane] += (line.worked(a, b) if line is not None else b - a) * units
                exec_cost[lane] += node.cost if begin >= warmup else 0.0
        if lead.counted:
            wait_sum[n] += begin - arrived
            busy_wait_sum[n] += line.worked(arrived, begin) if line is not None else begin - arrived
            wait_n[n] += 1
            service_sum[n] += work
        if lead.sla_open:
            closing = c.sla_to.get(n)
            if closing:
                for i in closing:
                    opened_at = lead.sla_open.pop(i, None)
                    if opened_at is None:
                        continue
                    sline = sla_lines[i]
                    taken = sline.worked(opened_at, begin) if sline is not None else (
                        begin - opened_at
                    )
                    if lead.counted:
                        sla_checked[i] += 1
                        if taken > c.slas[i].within + 1e-9:
                            sla_breached[i] += 1
                if not lead.sla_open:
                    sla_pending.discard(lead)
        if tr is not None:
            tr((begin, lead.id, n, "start"))
        Timeout(env, end - now, lead).callbacks.append(task_done[n])

    def make_task_done(node: CNode) -> Callable[[Any], None]:
        n, lane, units, sets, limited = node.index, node.lane, node.units, node.sets, (
            staff[node.lane] is not None
        )

        def done(event: Any) -> None:
            lead = event._value
            if limited:
                free[lane] += units
                if queues[lane]:
                    dispatch(lane)
            if sets:
                apply_sets(lead, node)
            if tr is not None:
                tr((env._now, lead.id, n, "done"))
            enter(lead, route(lead, node))

        return done

    def make_delay_done(node: CNode) -> Callable[[Any], None]:
        def done(event: Any) -> None:
            lead = event._value
            if node.sets:
                apply_sets(lead, node)
            enter(lead, route(lead, node))

        return done

    def apply_sets(lead: Lead, node: CNode) -> None:
        attrs = lead.attrs
        if node.uses_age:
            attrs["age"] = env._now - lead.created
        updates = [(name, fn(attrs)) for name, fn in node.sets]
        for name, value in updates:
            attrs[name] = value

    task_done = [make_task_done(n) if n.kind == TASK else None for n in nodes]
    delay_done = [make_delay_done(n) if n.kind == DELAY else None for n in nodes]

    # --- lane openings (queued work starts when the team comes in) ------------------------
    def schedule_opening(lane: int, line: Timeline, after: float) -> None:
        at = line.next_start_after(after)

        def opened(_event: Any) -> None:
            dispatch(lane)
            schedule_opening(lane, line, at)

        Timeout(env, at - env._now).callbacks.append(opened)

    for lane_index, line in enumerate(timelines):
        if line is not None and staff[lane_index] is not None:
            schedule_opening(lane_index, line, 0.0)

    # --- sources ---------------------------------------------------------------------------
    def attribute_maker(source: CNode) -> Callable[[], dict[str, Any]] | None:
        specs = {**c.attributes, **source.attributes}
        if not specs and not c.uses_age:
            return None
        rng = _stream(seed, replication, "attributes", source.id)
        draws = [(name, attribute_sampler(specs[name], rng)) for name in c.attribute_order]
        return lambda: {name: draw() for name, draw in draws}

    def new_lead(source: CNode, make_attrs: Callable[[], dict[str, Any]] | None) -> None:
        now = env._now
        counted = now >= warmup
        counters["created"] += 1
        counters["next_id"] += 1
        if counted:
            counters["counted"] += 1
        counters["wip"] += 1
        lead = Lead(counters["next_id"], now, counted, make_attrs() if make_attrs else None)
        enter(lead, source.index)

    offset = _weekday_offset(c)

    def start_arrivals(source: CNode) -> None:
        make_attrs = attribute_maker(source)
        for k, spec in enumerate(source.arrivals):
            rng = _stream(seed, replication, "arrivals", f"{source.id}:{k}")
            if hasattr(spec, "rate"):
                factors = spec.weekday_factors()
                rate = spec.rate.per_hour
                if rate <= 0 or not any(factors):
                    continue
                if all(f == 1.0 for f in factors):
                    next_time = _poisson(rng, rate)
                else:
                    next_time = _profiled_poisson(rng, rate, factors, offset)
            elif hasattr(spec, "interarrival"):
                draw = duration_sampler(spec.interarrival, rng)
                next_time = _renewal(draw)
            else:
                _schedule_batches(source, spec, make_attrs)
                continue
            _schedule_stream(source, next_time, make_attrs)

    def _schedule_stream(
        source: CNode, next_time: Callable[[float], float],
        make_attrs: Callable[[], dict[str, Any]] | None,
    ) -> None:
        def arrive(_event: Any) -> None:
            new_lead(source, make_attrs)
            schedule()

        def schedule() -> None:
            at = next_time(env._now)
            if at < horizon:
                Timeout(env, at - env._now).callbacks.append(arrive)

        schedule()

    def _schedule_batches(
        source: CNode, spec: Any, make_attrs: Callable[[], dict[str, Any]] | None
    ) -> None:
        first = spec.first.hours
        every = spec.every.hours if spec.every is not None else None

        def arrive(_event: Any) -> None:
            for _ in range(spec.batch):
                new_lead(source, make_attrs)
            if every is not None and env._now + every < horizon:
                Timeout(env, every).callbacks.append(arrive)

        if first < horizon:
            Timeout(env, first).callbacks.append(arrive)

    for index in c.sources:
        start_arrivals(nodes[index])

    # --- work in progress samples, horizon and drain ---------------------------------------
    step = horizon / WIP_SAMPLES

    def sample(_event: Any) -> None:
        wip_series.append(counters["wip"])
        for lane_index in range(n_lanes):
            lane_q_series[lane_index].append(lane_q[lane_index])
        if len(wip_series) <= WIP_SAMPLES:
            Timeout(env, step).callbacks.append(sample)

    Timeout(env, 0.0).callbacks.append(sample)

    stop = env.event()

    def at_horizon(_event: Any) -> None:
        if counters["wip"] == 0 and not stop.triggered:
            stop.succeed()

    def at_drain_limit(_event: Any) -> None:
        if not stop.triggered:
            stop.succeed()

    Timeout(env, horizon).callbacks.append(at_horizon)
    Timeout(env, horizon + c.drain).callbacks.append(at_drain_limit)
    if should_stop is not None:
        every = (horizon + c.drain) / CANCEL_CHECKS

        def check(_event: Any) -> None:
            if should_stop():
                raise Stopped()
            Timeout(env, every).callbacks.append(check)

        Timeout(env, every).callbacks.append(check)
    env.run(until=stop)
    end_time = env.now

    # SLA clocks still running when the run ends count as breached once past their deadline
    for lead in sla_pending:
        if not lead.counted or not lead.sla_open:
            continue
        for i, opened_at in lead.sla_open.items():
            sline = sla_lines[i]
            taken = sline.worked(opened_at, end_time) if sline else end_time - opened_at
            if taken > c.slas[i].within + 1e-9:
                sla_checked[i] += 1
                sla_breached[i] += 1
    for lane_index in range(n_lanes):
        lane_queue_changed(lane_index, 0)

    available = []
    for lane_index, lane in enumerate(c.lanes):
        line = timelines[lane_index]
        hours = line.worked(warmup, horizon) if line is not None else window
        available.append(hours * lane.staff if lane.staff is not None else 0.0)
    costs = []
    for lane_index, lane in enumerate(c.lanes):
        paid = available[lane_index] if lane.staff is not None else busy[lane_index]
        costs.append(paid * lane.cost_per_hour + exec_cost[lane_index])

    return {
        "replication": replication,
        "end_time": end_time,
        "leads": counters["counted"],
        "created": counters["created"],
        "open_at_end": counters["wip"],
        "stuck": counters["stuck"],
        # events scheduled in the run (SimPy numbers them): for events per second
        "events": next(env._eid),
        "outcomes": dict(zip(c.outcomes, outcome_counts, strict=True)),
        "stages": dict(zip(c.stages, stage_counts, strict=True)),
        "cycle": {"mean": cycle.mean, "p50": cycle.quantile(0.5), "p90": cycle.quantile(0.9),
                  "n": cycle.n, "histogram": cycle},
        "nodes": {
            node.id: {
                "visits": visits[i],
                "wait_hours": wait_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                "working_wait_hours": busy_wait_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                "service_hours": service_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                "started": wait_n[i],
                "queue_max": node_qmax[i],
                "queue_end": node_q[i],
            }
            for i, node in enumerate(nodes)
        },
        "lanes": {
            lane.id: {
                "busy_hours": busy[i],
                "available_hours": available[i],
                "utilization": (busy[i] / available[i]) if available[i] else None,
                "queue_mean": q_area[i] / window,
                "cost": costs[i],
                "queue_series": lane_q_series[i],
            }
            for i, lane in enumerate(c.lanes)
        },
        "slas": {
            sla.id: {
                "checked": sla_checked[i],
                "breached": sla_breached[i],
                "breach_rate": sla_breached[i] / sla_checked[i] if sla_checked[i] else 0.0,
            }
            for i, sla in enumerate(c.slas)
        },
        "wip_series": wip_series,
        "wip_step": step,
    }


# --- arrival time generators ---------------------------------------------------------------


def _poisson(rng: random.Random, rate: float) -> Callable[[float], float]:
    rand, log, mean = rng.random, math.log, 1.0 / rate
    return lambda now: now - mean * log(1.0 - rand())


def _renewal(draw: Callable[[], float]) -> Callable[[float], float]:
    return lambda now: now + draw()


def _profiled_poisson(
    rng: random.Random, rate: float, factors: tuple[float, ...], offset: float
) -> Callable[[float], float]:
    """Poisson arrivals whose rate is ``rate * factors[weekday]``, piecewise by day."""
    rand, log = rng.random, math.log

    def next_time(now: float) -> float:
        t = now
        while True:
            day = int((t + offset) // 24.0)
            boundary = (day + 1) * 24.0 - offset
            day_rate = rate * factors[day % 7]
            if day_rate > 0:
                candidate = t - log(1.0 - rand()) / day_rate
                if candidate < boundary:
                    return candidate
            t = boundary  # memoryless: start afresh at midnight with the next day's rate

    return next_time
