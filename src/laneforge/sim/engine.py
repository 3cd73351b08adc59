"""One replication of a compiled process on SimPy's event loop.

The engine puts plain (callback, argument) entries on SimPy's event queue, in SimPy's
order, instead of running a generator per lead, and keeps each lane's staff as a counter
with a queue: a free staff member takes a lead at once without a request event, and a
finishing one hands the next waiting lead over directly. Each node's handling is a closure
made at setup for what that node uses. Statistics are running sums and a log histogram,
so memory does not grow with the number of leads (unless a trace is asked for).
"""

from __future__ import annotations

import functools
import heapq
import math
import random
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable
from typing import Any

import simpy

from ..model import duration_sampler
from ..model.attributes import attribute_sampler
from ..model.calendar import TIE, Timeline
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


class _Halt(Exception):
    """The run has reached its end (raised by the stop entry on the event queue)."""


def _halt(_arg: Any) -> None:
    raise _Halt()


# What entering a node does, as source: one line group per feature a node may use. A node's
# step is compiled from the groups it needs, so the event loop never tests for a feature the
# node does not have (a stage, a loop, a mark, an SLA clock).
_STEP_HEAD = """\
def make(n, max_visits, bit, stage, drop, opened, action, env, tr, stuck_lead,
         stage_counts, sla_pending, visits, reports):
    visited = 0

    def report():
        visits[n] = visited

    reports.append(report)

    def step(lead):
        nonlocal visited
        counted = lead.counted
        if counted:
            visited += 1
"""
_STEP_PARTS = {
    "traced": """\
        tr((env._now, lead.id, n, "enter"))
""",
    "loop": """\
        seen = lead.visits
        if seen is None:
            seen = lead.visits = {}
        count = seen.get(n, 0) + 1
        seen[n] = count
        if count > max_visits:
            stuck_lead(lead)
            return -1
""",
    "stage": """\
        if counted and not lead.stages & bit:
            lead.stages |= bit
            stage_counts[stage] += 1
""",
    "mark": """\
        if lead.marks is None:
            lead.marks = {}
        lead.marks[n] = env._now
""",
    "drop": """\
        sla_open = lead.sla_open
        if sla_open:
            for i in drop:
                if i in sla_open:
                    del sla_open[i]
            if not sla_open:
                sla_pending.discard(lead)
""",
    "opened": """\
        if lead.sla_open is None:
            lead.sla_open = {}
        now = env._now
        for i in opened:
            lead.sla_open[i] = now
        sla_pending.add(lead)
""",
}
_STEP_TAIL = """\
        return action(lead)

    return step
"""


@functools.cache
def _step_maker(*features: bool) -> Callable[..., Callable[[Lead], int]]:
    """The maker of steps with the given features (in the order of ``_STEP_PARTS``)."""
    parts = [text for use, text in zip(features, _STEP_PARTS.values(), strict=True) if use]
    namespace: dict[str, Any] = {}
    exec(compile(_STEP_HEAD + "".join(parts) + _STEP_TAIL, "<laneforge step>", "exec"),
         namespace)
    return namespace["make"]


def run_replication(
    c: Compiled, replication: int, seed: int | None = None,
    trace: list[tuple[float, int, int, str]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Simulate one replication; returns plain per-replication statistics.

    ``trace`` collects (time, lead, node index or -1, event) for a replay; ``should_stop``
    is polled a few hundred times per run and raises :class:`Stopped` when it says so.

    SimPy's environment is the clock and the event queue. Entries on the queue are
    ``(time, priority, id, (callback, argument))``, pushed the way ``Environment.schedule``
    pushes a Timeout (same times, priorities and ids), and the loop at the end pops them in
    SimPy's order; a Timeout object and its callback list per event would only be overhead.
    Every node gets its own closures at setup (entering it, routing out of it, and for a
    task starting and finishing work), so the loop checks only what that node uses.
    """
    seed = c.seed if seed is None else seed
    env = simpy.Environment()
    queue = env._queue
    eid = env._eid
    push = heapq.heappush
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
    created = counted_leads = wip = stuck = next_id = 0
    stopped = False
    wip_series: list[int] = []
    lane_q_series: list[list[int]] = [[] for _ in range(n_lanes)]
    sla_pending: set[Lead] = set()
    tr = trace.append if trace is not None else None

    # --- lanes: staff counters, queues, calendars ------------------------------------------
    # one Timeline per calendar: the lanes and SLAs on the same calendar share its intervals
    shared: dict[int, Timeline] = {}
    origin = c.origin

    def timeline(calendar: Any) -> Timeline | None:
        if calendar is None:
            return None
        line = shared.get(id(calendar))
        if line is None:
            line = shared[id(calendar)] = Timeline(calendar, origin)
        return line

    staff = [lane.staff for lane in c.lanes]
    free = [lane.staff if lane.staff is not None else 0 for lane in c.lanes]
    use_heap = c.any_priority
    queues: list[Any] = [[] if use_heap else deque() for _ in range(n_lanes)]
    timelines = [timeline(lane.calendar) for lane in c.lanes]
    sla_lines = [timeline(s.calendar) for s in c.slas]
    sla_within = [s.within + 1e-9 for s in c.slas]
    seq = 0

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

    def stop() -> None:
        """End the run where SimPy's ``until`` event would: ``succeed()`` queues it now with
        normal priority, so what is already queued for this instant still happens first."""
        nonlocal stopped
        stopped = True
        push(queue, (env._now, 1, next(eid), (_halt, None)))

    # --- moving a lead ---------------------------------------------------------------------
    def finish_lead(lead: Lead, outcome: str, index: int) -> None:
        nonlocal wip
        now = env._now
        if lead.counted:
            outcome_counts[index] += 1
            cycle.add(now - lead.created)
        if lead.sla_open:
            lead.sla_open = None
            sla_pending.discard(lead)
        wip -= 1
        if tr is not None:
            tr((now, lead.id, -1, outcome))
        if wip == 0 and now >= horizon and not stopped:
            stop()

    def make_router(node: CNode) -> Callable[[Lead], int]:
        """The node's way out: the index of the next node for ``lead``."""
        r = node.route
        if r == ROUTE_ONE:
            target = node.routing
            return lambda _lead: target
        if r == ROUTE_PROB:
            rand = route_rand[node.index]
            cumulative, targets = node.routing
            pairs = list(zip(cumulative, targets, strict=True))
            last = targets[-1]

            def probable(_lead: Lead) -> int:
                u = rand()
                for edge, target in pairs:
                    if u < edge:
                        return target
                return last

            return probable
        if r == ROUTE_WHEN:
            conditions, default = node.routing
            uses_age = node.uses_age

            def conditional(lead: Lead) -> int:
                attrs = lead.attrs
                if uses_age:
                    attrs["age"] = env._now - lead.created
                for condition, target in conditions:
                    if condition(attrs):
                        return target
                return default

            return conditional
        if r == ROUTE_DECAY:
            rand = route_rand[node.index]
            branches, default = node.routing

            def decaying(lead: Lead) -> int:
                u = rand()
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

            return decaying

        def nowhere(_lead: Lead) -> int:
            raise AssertionError(f"node {node.id} has no way out")

        return nowhere

    def make_sets(node: CNode) -> Callable[[Lead], None] | None:
        if not node.sets:
            return None
        sets, uses_age = node.sets, node.uses_age

        def apply_sets(lead: Lead) -> None:
            attrs = lead.attrs
            if uses_age:
                attrs["age"] = env._now - lead.created
            updates = [(name, fn(attrs)) for name, fn in sets]
            for name, value in updates:
                attrs[name] = value

        return apply_sets

    routers = [make_router(node) for node in nodes]
    #: for each node, what happens when a lead gets there (a task's arrival, a delay, an
    #: end); returns the next node for instant steps (decisions, sources), else -1
    actions: list[Callable[[Lead], int]] = [routers[node.index] for node in nodes]

    def make_step(node: CNode) -> Callable[[Lead], int]:
        n = node.index
        loop, max_visits = node.loop, node.max_visits
        bit = 1 << node.stage if node.stage >= 0 else 0
        stage = node.stage
        mark = node.mark
        # SLAs whose path does not pass here: a lead that comes here stops their clocks
        drop = tuple(i for i, sla in enumerate(c.slas) if n not in sla.reach)
        opened = tuple(c.sla_from.get(n, ()))
        action = actions[n]
        make = _step_maker(tr is not None, loop, bool(bit), mark, bool(drop), bool(opened))
        return make(n, max_visits, bit, stage, drop, opened, action, env, tr, stuck_lead,
                    stage_counts, sla_pending, visits, reports)

    def stuck_lead(lead: Lead) -> None:
        """``lead`` came to a node more often than its ``max_visits``."""
        nonlocal stuck
        stuck += 1
        finish_lead(lead, STUCK, outcome_index[STUCK])

    def enter(lead: Lead, n: int) -> None:
        """The lead arrives at node ``n``: follow instant steps until it waits somewhere."""
        while n >= 0:
            n = steps[n](lead)

    # --- tasks -----------------------------------------------------------------------------
    # The calendar look-ups on the task path read the Timeline's tables directly (the same
    # arithmetic as Timeline.worked_if_open / cumulative / add_from, which they call when
    # the tables need extending): a method call per look-up costs more than the look-up.
    def make_dispatch(lane: int) -> Callable[[], None]:
        queue_ = queues[lane]
        line = timelines[lane]
        starts, ends, cum = line.tables if line is not None else ([], [], [])

        def dispatch() -> None:
            if not queue_:
                return
            now = env._now
            if line is None:
                worked_now = 0.0
            elif now >= ends[-1]:
                worked_now = line.worked_if_open(now)
                if worked_now < 0.0:
                    return
            else:
                i = bisect_right(starts, now) - 1
                if i < 0 or now >= ends[i]:
                    return  # closed: the lane's next opening dispatches
                worked_now = cum[i] + now - starts[i] if now > 0.0 else 0.0
            while queue_:
                task = queue_[0][-2]
                if free[lane] < task[0]:
                    return
                if use_heap:
                    _, _, lead, task, arrived = heapq.heappop(queue_)
                else:
                    lead, task, arrived = queue_.popleft()
                node_q[task[1]] -= 1
                # lane_queue_changed(lane, -1), inlined: this runs for most task starts
                last = q_last[lane]
                a = last if last > warmup else warmup
                b = now if now < horizon else horizon
                if b > a:
                    q_area[lane] += lane_q[lane] * (b - a)
                q_last[lane] = now
                lane_q[lane] -= 1
                task[2](lead, arrived, now, worked_now)

        return dispatch

    dispatchers = [make_dispatch(lane) for lane in range(n_lanes)]
    reports: list[Callable[[], None]] = []

    def make_task(node: CNode) -> None:
        n, lane, units, cost = node.index, node.lane, node.units, node.cost
        limited = staff[lane] is not None
        line = timelines[lane]
        starts, ends, cum = line.tables if line is not None else ([], [], [])
        queue_ = queues[lane]
        dispatch = dispatchers[lane]
        sample = samplers[n]
        router = routers[n]
        apply_sets = make_sets(node)
        closing = tuple(
            (i, sla_lines[i], sla_lines[i] is line) for i in c.sla_to.get(n, ())
        )
        priority = node.priority
        priority_fn = priority if callable(priority) else None
        fixed = -(priority or 0.0) if priority_fn is None else 0.0
        uses_age = node.uses_age
        tie = TIE

        # this task's sums (closure cells are quicker than list items); see ``report``
        waited = waited_working = served = 0.0
        started = 0

        def report() -> None:
            wait_sum[n], busy_wait_sum[n], wait_n[n], service_sum[n] = (
                waited, waited_working, started, served
            )

        reports.append(report)

        def start(lead: Lead, arrived: float, begin: float, worked_begin: float) -> None:
            """Work on ``lead`` begins at ``begin``; ``worked_begin`` is the lane calendar's
            cumulative working time then (any value without a calendar)."""
            now = env._now
            work = sample()
            if line is None:
                end = begin + work
            elif work > tie:
                target = worked_begin + work
                if cum[-1] < target:
                    end = line.add_from(worked_begin, work)
                else:  # Timeline.add_from inlined: a job ending at closing time ends then
                    j = bisect_left(cum, target - tie) - 1
                    end = starts[j] + (target - cum[j])
                    if end > ends[j]:
                        end = ends[j]
            elif work > 0.0:
                end = line.add_from(worked_begin, work)
            else:
                end = begin
            if limited:
                free[lane] -= units
            # busy staff-hours inside the measured window (working hours only)
            if begin >= warmup and end <= horizon:
                # inside the window: the task takes exactly ``work`` working hours
                busy[lane] += work * units
                if cost:
                    exec_cost[lane] += cost
            else:
                a = begin if begin > warmup else warmup
                b = end if end < horizon else horizon
                if b > a:
                    busy[lane] += (line.worked(a, b) if line is not None else b - a) * units
                    exec_cost[lane] += cost if begin >= warmup else 0.0
            if lead.counted:
                nonlocal waited, waited_working, started, served
                waited += begin - arrived
                if line is None:
                    waited_working += begin - arrived
                elif begin > arrived:
                    # line.cumulative(arrived); the tables reach past ``begin`` already
                    i = bisect_right(starts, arrived) - 1
                    if i < 0 or arrived <= 0.0:
                        waited_working += worked_begin
                    else:
                        e = ends[i]
                        waited_working += worked_begin - (
                            cum[i] + (arrived if arrived < e else e) - starts[i]
                        )
                started += 1
                served += work
            if closing and lead.sla_open:
                sla_open = lead.sla_open
                for i, sline, same in closing:
                    opened_at = sla_open.pop(i, None)
                    if opened_at is None:
                        continue
                    if sline is None:
                        taken = begin - opened_at
                    elif begin <= opened_at:
                        taken = 0.0
                    elif same:
                        taken = worked_begin - sline.cumulative(opened_at)
                    else:
                        taken = sline.cumulative(begin) - sline.cumulative(opened_at)
                    if lead.counted:
                        sla_checked[i] += 1
                        if taken > sla_within[i]:
                            sla_breached[i] += 1
                if not sla_open:
                    sla_pending.discard(lead)
            if tr is not None:
                tr((begin, lead.id, n, "start"))
            push(queue, (now + (end - now), 1, next(eid), (done, lead)))

        def done(lead: Lead) -> None:
            if limited:
                free[lane] += units
                if queue_:
                    dispatch()
            if apply_sets is not None:
                apply_sets(lead)
            if tr is not None:
                tr((env._now, lead.id, n, "done"))
            enter(lead, router(lead))

        task = (units, n, start)

        def arrive(lead: Lead) -> int:
            nonlocal seq
            now = env._now
            if not limited:
                if line is None:
                    start(lead, now, now, 0.0)
                else:
                    begin = line.next_open(now)
                    start(lead, now, begin, line.cumulative(begin))
                return -1
            if free[lane] >= units and not queue_:
                if line is None:
                    start(lead, now, now, 0.0)
                    return -1
                if now >= ends[-1]:
                    worked_now = line.worked_if_open(now)
                    if worked_now >= 0.0:
                        start(lead, now, now, worked_now)
                        return -1
                else:
                    i = bisect_right(starts, now) - 1
                    if i >= 0 and now < ends[i]:
                        start(lead, now, now, cum[i] + now - starts[i] if now > 0.0 else 0.0)
                        return -1
            if use_heap:
                if priority_fn is not None:
                    if uses_age:
                        lead.attrs["age"] = now - lead.created
                    key = -(float(priority_fn(lead.attrs)) or 0.0)
                else:
                    key = fixed
                seq += 1
                push(queue_, (key, seq, lead, task, now))
            else:
                queue_.append((lead, task, now))
            node_q[n] += 1
            if node_q[n] > node_qmax[n] and now >= warmup:
                node_qmax[n] = node_q[n]
            lane_queue_changed(lane, 1)
            return -1

        actions[n] = arrive

    def make_delay(node: CNode) -> None:
        n = node.index
        sample = samplers[n]
        router = routers[n]
        apply_sets = make_sets(node)

        def done(lead: Lead) -> None:
            if apply_sets is not None:
                apply_sets(lead)
            enter(lead, router(lead))

        def wait(lead: Lead) -> int:
            push(queue, (env._now + sample(), 1, next(eid), (done, lead)))
            return -1

        actions[n] = wait

    def make_end(node: CNode) -> None:
        outcome, index = node.outcome, outcome_index[node.outcome]

        def end(lead: Lead) -> int:
            finish_lead(lead, outcome, index)
            return -1

        actions[node.index] = end

    for node in nodes:
        if node.kind == TASK:
            make_task(node)
        elif node.kind == DELAY:
            make_delay(node)
        elif node.kind == END:
            make_end(node)
    steps = [make_step(node) for node in nodes]

    # --- lane openings (queued work starts when the team comes in) ------------------------
    def schedule_opening(lane: int, line: Timeline, after: float) -> None:
        at = line.next_start_after(after)
        dispatch = dispatchers[lane]

        def opened(_arg: Any) -> None:
            dispatch()
            schedule_opening(lane, line, at)

        now = env._now
        push(queue, (now + (at - now), 1, next(eid), (opened, None)))

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

    def new_lead(source: int, make_attrs: Callable[[], dict[str, Any]] | None) -> None:
        nonlocal created, counted_leads, wip, next_id
        now = env._now
        counted = now >= warmup
        created += 1
        next_id += 1
        if counted:
            counted_leads += 1
        wip += 1
        lead = Lead(next_id, now, counted, make_attrs() if make_attrs else None)
        enter(lead, source)

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
        index = source.index

        def arrive(_arg: Any) -> None:
            new_lead(index, make_attrs)
            schedule()

        def schedule() -> None:
            now = env._now
            at = next_time(now)
            if at < horizon:
                push(queue, (now + (at - now), 1, next(eid), (arrive, None)))

        schedule()

    def _schedule_batches(
        source: CNode, spec: Any, make_attrs: Callable[[], dict[str, Any]] | None
    ) -> None:
        first = spec.first.hours
        every = spec.every.hours if spec.every is not None else None

        def arrive(_arg: Any) -> None:
            for _ in range(spec.batch):
                new_lead(source.index, make_attrs)
            if every is not None and env._now + every < horizon:
                push(queue, (env._now + every, 1, next(eid), (arrive, None)))

        if first < horizon:
            push(queue, (env._now + first, 1, next(eid), (arrive, None)))

    for index in c.sources:
        start_arrivals(nodes[index])

    # --- work in progress samples, horizon and drain ---------------------------------------
    step = horizon / WIP_SAMPLES

    def sample(_arg: Any) -> None:
        wip_series.append(wip)
        for lane_index in range(n_lanes):
            lane_q_series[lane_index].append(lane_q[lane_index])
        if len(wip_series) <= WIP_SAMPLES:
            push(queue, (env._now + step, 1, next(eid), (sample, None)))

    push(queue, (env._now + 0.0, 1, next(eid), (sample, None)))

    def at_horizon(_arg: Any) -> None:
        if wip == 0 and not stopped:
            stop()

    def at_drain_limit(_arg: Any) -> None:
        if not stopped:
            stop()

    push(queue, (env._now + horizon, 1, next(eid), (at_horizon, None)))
    push(queue, (env._now + (horizon + c.drain), 1, next(eid), (at_drain_limit, None)))
    if should_stop is not None:
        every = (horizon + c.drain) / CANCEL_CHECKS

        def check(_arg: Any) -> None:
            if should_stop():
                raise Stopped()
            push(queue, (env._now + every, 1, next(eid), (check, None)))

        push(queue, (env._now + every, 1, next(eid), (check, None)))

    # --- the loop: SimPy's queue in SimPy's order ------------------------------------------
    pop = heapq.heappop
    try:
        while True:
            env._now, _, _, (callback, argument) = pop(queue)
            callback(argument)
    except _Halt:
        next(eid)  # SimPy puts its ``until`` event back on the queue when it stops the run
    end_time = env._now
    for report in reports:
        report()

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
        "leads": counted_leads,
        "created": created,
        "open_at_end": wip,
        "stuck": stuck,
        # events scheduled in the run (SimPy numbers them): for events per second
        "events": next(eid),
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
