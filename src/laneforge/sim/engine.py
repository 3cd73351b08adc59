"""One replication of a compiled process on SimPy's event loop.

The engine puts plain (callback, argument) entries on SimPy's event queue, in SimPy's
order, instead of running a generator per lead. A :class:`Replication` holds the run's
state (clock, queue, statistics); the parts build closures over it at setup, one per node
and for what that node uses: :mod:`.steps` (entering a node, routing out of it),
:mod:`.tasks` (lanes, queues, task starts and ends, delays), :mod:`.sla` (SLA clocks),
:mod:`.arrivals` (sources), :class:`Population` here (leads coming and going, the end of
the run) and :mod:`.record` (the typed result). Statistics are running sums and a log
histogram, so memory does not grow with the number of leads (unless a trace is asked for).
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import simpy

from ..model import duration_sampler
from ..model.calendar import Timeline
from ..model.errors import SimulationError
from .arrivals import AttributeMaker, start_arrivals
from .cadences import CadenceRecord, make_cadence
from .compiled import CADENCE, DELAY, END, ROUTE_DECAY, ROUTE_PROB, STUCK, TASK, Compiled
from .placement import place_snapshot
from .record import OutcomeEvent, ReplicationRecord, assemble_record
from .rosters import roster_lines
from .sla import settle_pending
from .snapshot import Snapshot
from .stats import LogHistogram
from .steps import RUNAWAY_STEPS, make_router, make_step
from .tasks import Start, make_delay, make_dispatch, make_task, schedule_openings
from .touching import TouchBook
from .validity import counts, schedule_cleansing

#: samples of work in progress per replication, for charts
WIP_SAMPLES = 240
#: how often (in steps of the horizon) a run checks whether it should stop
CANCEL_CHECKS = 400

Trace = list[tuple[float, int, int, str]]


class Lead:
    """One lead (or open item of a snapshot) on its way through the process; ``source`` is
    the index of the source node it came from (-1: unknown)."""

    __slots__ = ("attrs", "checked", "counted", "created", "id", "marks", "sla_open", "source",
                 "stages", "stale_at", "visits")

    def __init__(self, lead_id: int, created: float, counted: bool, attrs: Any,
                 source: int = -1) -> None:
        self.id = lead_id
        self.created = created
        self.counted = counted
        self.attrs = attrs
        self.marks: dict[int, float] | None = None
        self.visits: dict[int, int] | None = None
        self.sla_open: dict[int, float] | None = None
        self.stages = 0
        self.source = source
        #: data quality (sim/validity.py): last known good, found stale (-1: not)
        self.checked = created
        self.stale_at = -1.0


def _stream(seed: int, replication: int, purpose: str, key: str) -> random.Random:
    """An independent stream per purpose and object, so scenarios share random numbers."""
    return random.Random(f"laneforge:{seed}:{replication}:{purpose}:{key}")


class Stopped(Exception):
    """A replication was asked to stop before it finished."""


class _Halt(Exception):
    """The run has reached its end (raised by the stop entry on the event queue)."""


def _halt(_arg: Any) -> None:
    raise _Halt()


class Replication:
    """The state of one replication: SimPy's clock and queue, the per-node and per-lane
    statistics as lists (the parts' closures hold them as locals), lanes and calendars.

    Entries on the queue are ``(time, priority, id, (callback, argument))``, pushed the way
    ``Environment.schedule`` pushes a Timeout (same times, priorities and ids), and
    :meth:`run` pops them in SimPy's order; a Timeout object and its callback list per event
    would only be overhead."""

    def __init__(self, c: Compiled, replication: int, seed: int, trace: Trace | None) -> None:
        self.c, self.replication, self.seed = c, replication, seed
        self.env = env = simpy.Environment()
        self.queue, self.eid, self.push = env._queue, env._eid, heapq.heappush
        self.nodes = nodes = c.nodes
        n_nodes, n_lanes = len(nodes), len(c.lanes)
        self.horizon, self.warmup = c.horizon, c.warmup
        self.tr = trace.append if trace is not None else None
        # statistics
        self.visits = [0] * n_nodes
        self.wait_sum = [0.0] * n_nodes
        self.busy_wait_sum = [0.0] * n_nodes  # the part of the wait inside working hours
        self.wait_n = [0] * n_nodes
        self.service_sum = [0.0] * n_nodes
        self.node_q = [0] * n_nodes
        self.node_qmax = [0] * n_nodes
        self.busy = [0.0] * n_lanes
        self.exec_cost = [0.0] * n_lanes
        self.lane_q = [0] * n_lanes
        self.q_area = [0.0] * n_lanes
        self.q_last = [0.0] * n_lanes
        self.outcome_index = {name: i for i, name in enumerate(c.outcomes)}
        self.outcome_counts = [0] * len(c.outcomes)
        self.stage_counts = [0] * len(c.stages)
        self.sla_checked = [0] * len(c.slas)
        self.sla_breached = [0] * len(c.slas)
        self.cycle = LogHistogram()
        self.wip_series: list[int] = []
        self.lane_q_series: list[list[int]] = [[] for _ in range(n_lanes)]
        self.wip_step = self.horizon / WIP_SAMPLES
        self.sla_pending: set[Lead] = set()
        #: contacts, wasted contacts and cleansing (None without data quality)
        self.validity = counts(self)
        #: per node: what it does at the end of the run to its figures
        self.reports: list[Callable[[], None]] = []
        # lanes: staff counters, queues, calendars (one Timeline per calendar: the lanes
        # and SLAs on the same calendar share its intervals)
        shared: dict[int, Timeline] = {}

        def timeline(calendar: Any) -> Timeline | None:
            if calendar is None:
                return None
            line = shared.get(id(calendar))
            if line is None:
                line = shared[id(calendar)] = Timeline(calendar, c.origin)
            return line

        self.staff = [lane.staff for lane in c.lanes]
        self.free = [lane.staff if lane.staff is not None else 0 for lane in c.lanes]
        self.use_heap = c.any_priority
        self.queues: list[Any] = [[] if self.use_heap else deque() for _ in range(n_lanes)]
        self.lane_seq = [itertools.count(1) for _ in range(n_lanes)]
        self.timelines = [timeline(lane.calendar) for lane in c.lanes]
        self.sla_lines = [timeline(s.calendar) for s in c.slas]
        self.sla_within = [s.within + 1e-9 for s in c.slas]
        # per-node random streams and samplers
        self.samplers: list[Callable[[], float] | None] = [None] * n_nodes
        self.route_rand: list[Callable[[], float] | None] = [None] * n_nodes
        for node in nodes:
            if node.kind in (TASK, DELAY):
                self.samplers[node.index] = duration_sampler(
                    node.duration, self.stream("duration", node.id))
            if node.route in (ROUTE_PROB, ROUTE_DECAY):
                self.route_rand[node.index] = self.stream("route", node.id).random
        #: roster lanes: their timelines and staff at time 0 now, their changes queued later
        self.roster_starts = roster_lines(self)
        self.lane_queue_changed = _queue_counter(self)
        self.dispatchers = [make_dispatch(self, lane) for lane in range(n_lanes)]
        #: per task node its start, per delay its ``wait_for`` (for a snapshot's items)
        self.starts: dict[int, Start] = {}
        self.waits: dict[int, Callable[[Lead, float], None]] = {}
        #: touches and attribution (None: the process has no touches)
        self.touch_book = TouchBook(self) if c.touches is not None else None
        #: per cadence node id its figures (empty: the process has no cadence)
        self.cadences: dict[str, CadenceRecord] = {}

    def stream(self, purpose: str, key: str) -> random.Random:
        return _stream(self.seed, self.replication, purpose, key)

    def build(self, population: Population) -> Callable[[Lead, int], None]:
        """Every node's step and action; returns ``enter(lead, node)``."""
        nodes = self.nodes
        routers = [make_router(self, node) for node in nodes]
        #: for each node, what happens when a lead gets there (a task's arrival, a delay, an
        #: end); returns the next node for instant steps (decisions, sources), else -1
        actions: list[Callable[[Lead], int]] = list(routers)
        steps: list[Callable[[Lead], int]] = []

        def enter(lead: Lead, n: int) -> None:
            """The lead arrives at node ``n``: follow instant steps until it waits."""
            while n >= 0:
                n = steps[n](lead)

        for node in nodes:
            if node.kind == TASK:
                actions[node.index], self.starts[node.index] = make_task(
                    self, node, routers[node.index], enter)
            elif node.kind == DELAY:
                actions[node.index], self.waits[node.index] = make_delay(
                    self, node, routers[node.index], enter)
            elif node.kind == END:
                actions[node.index] = population.make_end(node.outcome)
            elif node.kind == CADENCE:
                actions[node.index], self.cadences[node.id] = make_cadence(self, node, enter)
        steps.extend(make_step(self, node, actions[node.index], population.stuck_lead,
                               population.runaway) for node in nodes)
        return enter

    def run(self, should_stop: Callable[[], bool] | None) -> float:
        """Pop the queue in SimPy's order until the stop entry; returns the end time."""
        env, queue, push, eid = self.env, self.queue, self.push, self.eid
        if should_stop is not None:
            every = (self.horizon + self.c.drain) / CANCEL_CHECKS

            def check(_arg: Any) -> None:
                if should_stop():
                    raise Stopped()
                push(queue, (env._now + every, 1, next(eid), (check, None)))

            push(queue, (env._now + every, 1, next(eid), (check, None)))
        pop = heapq.heappop
        try:
            while True:
                env._now, _, _, (callback, argument) = pop(queue)
                callback(argument)
        except _Halt:
            next(eid)  # SimPy puts its ``until`` event back on the queue when it stops
        return env._now


def _queue_counter(rep: Replication) -> Callable[[int, int], None]:
    """``changed(lane, delta)``: the lane's queue grows by ``delta``; its length is
    integrated up to now first (a closure: quicker than a method on the hot path)."""
    env, q_last, q_area, lane_q = rep.env, rep.q_last, rep.q_area, rep.lane_q
    warmup, horizon = rep.warmup, rep.horizon

    def lane_queue_changed(lane: int, delta: int) -> None:
        now = env._now
        last = q_last[lane]
        a = last if last > warmup else warmup
        b = now if now < horizon else horizon
        if b > a:
            q_area[lane] += lane_q[lane] * (b - a)
        q_last[lane] = now
        lane_q[lane] += delta

    return lane_queue_changed


class Population:
    """Leads coming and going, and the end of the run: counts of created, counted, open
    (work in progress) and stuck leads, outcomes and cycle times, the work-in-progress
    samples, and the stop at the horizon (once empty) or at the drain limit.

    The counters are closure cells of the per-lead functions (quicker than attributes);
    :meth:`settle` copies them into attributes when the run is over."""

    def __init__(self, rep: Replication, outcome_log: bool | frozenset[str] = False,
                 amount: str | None = None) -> None:
        env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
        horizon, warmup, tr = rep.horizon, rep.warmup, rep.tr
        outcome_counts, cycle = rep.outcome_counts, rep.cycle
        sla_pending = rep.sla_pending
        self.rep = rep
        self.created = self.counted = self.wip = self.stuck = self.placed = 0
        log: list[OutcomeEvent] | None = [] if outcome_log else None
        #: the outcomes logged (a forecast reads its wins only); None: all of them
        logged = outcome_log if isinstance(outcome_log, frozenset) else None
        self.log = log
        #: the snapshot's leads -> their item ids (for the outcome log)
        self.items: dict[Lead, str] = {}
        items = self.items
        source_ids = [node.id for node in rep.nodes]
        book = rep.touch_book
        created = counted_leads = wip = stuck = next_id = 0
        stopped = False
        enter = _no_enter

        def stop() -> None:
            """End the run where SimPy's ``until`` event would: ``succeed()`` queues it now
            with normal priority, so what is already queued for this instant happens first."""
            nonlocal stopped
            stopped = True
            push(queue, (env._now, 1, next(eid), (_halt, None)))

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
            if book is not None and lead.counted:
                book.finish(lead, index)
            if log is not None and lead.counted and (logged is None or outcome in logged):
                attrs = lead.attrs
                value = attrs.get(amount) if attrs and amount else None
                item = items.get(lead)
                log.append(OutcomeEvent(
                    now, outcome, item is not None,
                    source_ids[lead.source] if lead.source >= 0 else None,
                    float(value) if isinstance(value, int | float) else None, item))
            if tr is not None:
                tr((now, lead.id, -1, outcome))
            if wip == 0 and now >= horizon and not stopped:
                stop()

        def stuck_lead(lead: Lead) -> None:
            """``lead`` came to a node more often than its ``max_visits``."""
            nonlocal stuck
            stuck += 1
            finish_lead(lead, STUCK, rep.outcome_index[STUCK])

        def new_lead(source: int, make_attrs: AttributeMaker) -> None:
            nonlocal created, counted_leads, wip, next_id
            now = env._now
            counted = now >= warmup
            created += 1
            next_id += 1
            if counted:
                counted_leads += 1
            wip += 1
            lead = Lead(next_id, now, counted, make_attrs() if make_attrs else None, source)
            enter(lead, source)

        def place(item: str, created_at: float, attrs: Any, source: int) -> Lead:
            """A lead for an open item of a snapshot, already in the process at the start."""
            nonlocal wip, next_id
            next_id += 1
            wip += 1
            self.placed += 1
            lead = Lead(next_id, created_at, True, attrs, source)
            items[lead] = item
            return lead

        def sample(_arg: Any) -> None:
            rep.wip_series.append(wip)
            for lane_index, series in enumerate(rep.lane_q_series):
                series.append(rep.lane_q[lane_index])
            if len(rep.wip_series) <= WIP_SAMPLES:
                push(queue, (env._now + rep.wip_step, 1, next(eid), (sample, None)))

        def at_horizon(_arg: Any) -> None:
            if wip == 0 and not stopped:
                stop()

        def at_drain_limit(_arg: Any) -> None:
            if not stopped:
                stop()

        def bind(step_in: Callable[[Lead, int], None]) -> None:
            nonlocal enter
            enter = step_in

        def enter_at(lead: Lead, n: int) -> None:
            enter(lead, n)

        def settle() -> None:
            self.created, self.counted, self.wip, self.stuck = (
                created, counted_leads, wip, stuck)

        def open_count() -> int:
            return wip

        self.finish_lead, self.stuck_lead, self.new_lead = finish_lead, stuck_lead, new_lead
        self.sample, self.at_horizon, self.at_drain_limit = sample, at_horizon, at_drain_limit
        self.settle, self.bind, self.place, self.enter_at = settle, bind, place, enter_at
        self.open_count = open_count

    def make_end(self, outcome: str) -> Callable[[Lead], int]:
        """An end node's action: the lead leaves with ``outcome``."""
        finish_lead, index = self.finish_lead, self.rep.outcome_index[outcome]

        def end(lead: Lead) -> int:
            finish_lead(lead, outcome, index)
            return -1

        return end

    def runaway(self, lead: Lead, n: int) -> None:
        """``lead`` went round a loop :data:`~laneforge.sim.steps.RUNAWAY_STEPS` more times
        (once past ``WATCH_FROM`` visits of a node) without the clock moving: stop the run,
        naming the nodes it kept passing."""
        nodes = self.rep.nodes
        loop_nodes = sum(1 for node in nodes if node.loop)
        floor = RUNAWAY_STEPS // (2 * max(loop_nodes, 1))
        seen = lead.visits or {}
        involved = tuple(nodes[i].id for i, count in sorted(seen.items())
                         if i >= 0 and count >= floor)
        involved = involved or (nodes[n].id,)
        raise SimulationError(
            f"the run went round {', '.join(involved)} {RUNAWAY_STEPS:,} times without any "
            f"time passing (at hour {self.rep.env._now:.2f}); give the loop a duration or a "
            "way out", involved)

    def schedule(self) -> None:
        """Queue the work-in-progress samples, the horizon and the drain limit."""
        rep = self.rep
        env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
        push(queue, (env._now + 0.0, 1, next(eid), (self.sample, None)))
        push(queue, (env._now + rep.horizon, 1, next(eid), (self.at_horizon, None)))
        push(queue, (env._now + (rep.horizon + rep.c.drain), 1, next(eid),
                     (self.at_drain_limit, None)))


def _no_enter(_lead: Lead, _n: int) -> None:
    raise AssertionError("the replication was not built")


def run_replication(
    c: Compiled, replication: int, seed: int | None = None,
    trace: Trace | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    start_from: Snapshot | None = None,
    outcome_log: bool | frozenset[str] = False,
    amount: str | None = None,
) -> ReplicationRecord:
    """Simulate one replication; returns its figures as a :class:`ReplicationRecord`.

    ``trace`` collects (time, lead, node index or -1, event) for a replay; ``should_stop``
    is polled a few hundred times per run and raises :class:`Stopped` when it says so.
    ``start_from`` puts a snapshot's open items in place at time 0 (``c`` compiled with the
    snapshot's ``as_of`` as its start and no warm-up: see ``simulate``); ``outcome_log``
    keeps every outcome with its time, origin, source and the attribute ``amount`` (a set of
    outcome names: only those).
    """
    with _collector_paused():
        return _run_replication(c, replication, seed, trace, should_stop, start_from,
                                outcome_log, amount)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic collector off for one replication on the main thread (the command
    line, a pool worker): its passes over everything the process holds (a CRM export, a
    large snapshot's leads) took a third of a forecast's run, and a replication leaves
    little for it (a few closures per run, collected once it is over). Other threads are
    left alone: the app collects on its GUI thread only (``gui.main_thread_gc``)."""
    if threading.current_thread() is not threading.main_thread() or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_replication(c: Compiled, replication: int, seed: int | None, trace: Trace | None,
                     should_stop: Callable[[], bool] | None, start_from: Snapshot | None,
                     outcome_log: bool | frozenset[str], amount: str | None,
                     ) -> ReplicationRecord:
    rep = Replication(c, replication, c.seed if seed is None else seed, trace)
    population = Population(rep, outcome_log, amount)
    population.bind(rep.build(population))
    if start_from is not None:
        place_snapshot(rep, population, start_from)
    schedule_openings(rep)
    schedule_cleansing(rep, population)
    start_arrivals(rep, population.new_lead)
    population.schedule()
    end_time = rep.run(should_stop)
    for report in rep.reports:
        report()
    settle_pending(rep, end_time)
    for lane_index in range(len(c.lanes)):
        rep.lane_queue_changed(lane_index, 0)
    population.settle()
    return assemble_record(rep, end_time, population)
