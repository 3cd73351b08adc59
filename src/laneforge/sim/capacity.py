"""Capacity without simulating: expected visits from the traffic equations, load per lane.

Expected visits per node solve ``v = a + P^T v`` (``a``: arrivals per hour at the sources,
``P``: branch probabilities). Probability branches are exact; branches on conditions, with
decay, or after ``set`` updates are estimated from a walk of sampled leads through the
graph, all leads at once as numpy arrays (attributes drawn stratified, conditions evaluated
on columns, calendars as day tables, decay counted as each lead's chance rather than its
draw). Where routing depends on time (decay, ``age``) the walk runs on the wall clock with
the queue waits of the loads of the round before (a fluid backlog per half hour of the
week plus Erlang C with Cobham's priority formula), three rounds with the loads damped.
Each lane's offered load (staff busy on average) is the sum over its tasks of visits per
hour x mean duration x staff units, set against the staff it has in its working hours.
The reverse funnel scales the load to a target of won deals per month.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..model import Process, mean_hours
from ..model.attributes import Choices
from ..model.expressions import NUMBER, ValueSpec, parse_expression
from ..model.validation import errors, validate_without_scenarios
from .compiled import (
    CADENCE,
    DELAY,
    END,
    ROUTE_CADENCE,
    ROUTE_DECAY,
    ROUTE_ONE,
    ROUTE_PROB,
    ROUTE_WHEN,
    TASK,
    CCadence,
    Compiled,
    InvalidProcessError,
    compile_process,
    value_specs,
)
from .engine import Stopped
from .vector import CalendarTable, code, drawer, quantiles, vector_function, work_table

MONTH_HOURS = 720.0
#: leads walked per round: one large walk when waiting cannot change the routing; else
#: rounds of "walk -> loads -> queue waits -> walk", the last one large
WALK_UNTIMED = (16_000,)
WALK_TIMED = (2_000, 2_000, 6_000)
#: the wait assumed at an overloaded lane (it grows without limit in reality)
OVERLOADED_WAIT = 24.0 * 30


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
    lane_ages: dict[int, np.ndarray]
    #: per task: arrivals by half hour of the week (for the calendar backlog)
    phases: dict[int, np.ndarray]
    #: leads (or their chances) counted down each branch of a condition or decay
    counts: dict[int, np.ndarray] = field(default_factory=dict)


SLOT_HOURS = 0.5
SLOTS = int(168 / SLOT_HOURS)
#: rounds of the walk (every lead moves one node per round at most); a lead still walking
#: after this many is left out, as the engine stops it at ``max_visits``
MAX_SWEEPS = 1_000


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


def _walk_order(c: Compiled) -> list[int]:
    """Nodes so that every edge off a cycle points forward (reverse post-order of a depth
    first search from the sources): a sweep in this order moves leads to the end, or round
    a loop once."""
    seen: set[int] = set()
    post: list[int] = []
    for root in [*c.sources, *range(len(c.nodes))]:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(c.nodes[root].successors))]
        while stack:
            node, children = stack[-1]
            child = next((k for k in children if k not in seen), None)
            if child is None:
                stack.pop()
                post.append(node)
            else:
                seen.add(child)
                stack.append((child, iter(c.nodes[child].successors)))
    return post[::-1]


def _clipped(fn: Callable, spec: ValueSpec | None) -> Callable:
    """``fn``'s numbers clipped to the declared range, as the run's ``set`` does (the run
    also refuses undeclared categories; the estimate leaves that to it)."""
    if spec is None or spec.type != NUMBER or (spec.low is None and spec.high is None):
        return fn
    low, high = spec.low, spec.high

    def clipped(columns: Any, n: int) -> np.ndarray:
        values = fn(columns, n)
        if values.dtype == object or values.dtype.kind not in "iuf":
            return values
        return np.clip(values, low, high)

    return clipped


class _Plan:
    """What a walk needs of the compiled process, prepared once per estimate."""

    def __init__(self, c: Compiled, process: Process) -> None:
        self.order = _walk_order(c)
        #: nodes from which no decision that depends on time or attributes can be reached:
        #: past them, everything is in the traffic equations already, so the rounds that
        #: only feed the waits stop following leads there
        watched = [n.index for n in c.nodes
                   if n.route in (ROUTE_WHEN, ROUTE_DECAY) or n.uses_age or n.touch_clock]
        predecessors: dict[int, list[int]] = {n.index: [] for n in c.nodes}
        for node in c.nodes:
            for successor in node.successors:
                predecessors[successor].append(node.index)
        live, stack = set(watched), list(watched)
        while stack:
            for before in predecessors[stack.pop()]:
                if before not in live:
                    live.add(before)
                    stack.append(before)
        self.settled = frozenset(n.index for n in c.nodes if n.index not in live)
        #: conditions that do not read the clock
        self.pooled = [n.index for n in c.nodes if n.route == ROUTE_WHEN and not n.uses_age
                       and not n.touch_clock]
        #: durations as tables of quantiles (hours), drawn by index
        self.quantiles = {n.index: quantiles(n.duration) for n in c.nodes
                          if n.kind in (TASK, DELAY)}
        by_id = {node.id: node for node in process.nodes}
        self.sets: dict[int, list[tuple[str, Callable]]] = {}
        self.names: dict[int, list[str]] = {}
        self.conditions: dict[int, list[Callable]] = {}
        edges = process.edges_by_source()
        specs = [c.attributes, *(c.nodes[i].attributes for i in c.sources)]
        strings = frozenset(name for spec in specs for name, value in spec.items()
                            if isinstance(value, Choices | str))
        if c.touches is not None:
            strings |= {"first_channel", "last_channel"} & c.touches.kept
        declared = value_specs(process)
        for node in c.nodes:
            source = by_id[node.id]
            texts = dict(getattr(source, "set", None) or {})
            if node.sets and texts:
                self.sets[node.index] = [
                    (name, _clipped(vector_function(texts[name], strings), declared.get(name)))
                    for name, _ in node.sets]
                self.names[node.index] = sorted(
                    {n for text in texts.values() for n in parse_expression(text).names})
            until = getattr(source, "until", None)
            if node.route == ROUTE_CADENCE and until is not None:
                self.conditions[node.index] = [vector_function(until, strings)]
                self.names[node.index] = sorted(parse_expression(until).names)
            if node.route == ROUTE_WHEN:
                whens = [e.when for e in edges.get(node.id, []) if e.when is not None]
                self.conditions[node.index] = [vector_function(w, strings) for w in whens]
                self.names[node.index] = sorted(
                    {n for w in whens for n in parse_expression(w).names})


def _walk(
    c: Compiled, plan: _Plan, rates: dict[int, float], seed: int, waits: _Waits | None,
    tables: list[CalendarTable | None], leads: int, timed: bool,
    should_stop: Callable[[], bool] | None = None, final: bool = True,
    carried: dict[int, np.ndarray] | None = None,
) -> _Walk:
    """Leads walked through the graph together, a node at a time, on the wall clock:
    working hours where lanes keep a calendar, and the expected queue wait per lane
    (``waits``, in working hours). Gives the branch fractions at condition and decay
    nodes, the share of leads reaching each stage and how long leads take to reach each
    lane (``final``), and when leads reach each task during the week (not ``final``).
    ``carried``: branch counts of earlier rounds to add to this one's."""
    gen = np.random.default_rng([abs(seed), 0 if seed >= 0 else 1, 0x1A9E])
    rng = random.Random(f"laneforge:capacity:{seed}")
    total = sum(rates.values())
    week0 = week_start(c)
    counts: dict[int, np.ndarray] = {
        n.index: np.zeros(len(n.routing[0]) + 1)
        for n in c.nodes if n.route in (ROUTE_WHEN, ROUTE_DECAY)
    }
    counts.update({n.index: np.zeros(2) for n in c.nodes if n.route == ROUTE_CADENCE})
    for index, row in (carried or {}).items():
        counts[index] = counts[index] + row
    durations = {n: (lambda k, q=q: q[gen.integers(0, len(q), k)])
                 for n, q in plan.quantiles.items()} if timed else {}
    means = {n.index: mean_hours(n.duration) for n in c.nodes if n.kind in (TASK, DELAY)}
    phases = {n.index: np.zeros(SLOTS, dtype=np.int64) for n in c.nodes if n.kind == TASK}
    # the leads: attributes drawn per source, a weekday from the source's profile
    groups = [(i, max(1, round(leads * rate / total))) for i, rate in rates.items() if rate > 0]
    size = sum(k for _, k in groups)
    columns: dict[str, list[np.ndarray]] = {name: [] for name in c.attribute_order}
    t0_parts, pending_at = [], []
    offset = 0
    for index, k in groups:
        source = c.nodes[index]
        specs = {**c.attributes, **source.attributes}
        for name in c.attribute_order:
            columns[name].append(drawer(specs[name], gen, rng)(k))
        days = np.array(_day_weights(source))
        day = np.searchsorted(np.cumsum(days), gen.random(k) * days.sum(), side="right")
        t0_parts.append(week0 + (np.minimum(day, 6) + gen.random(k)) * 24.0)
        pending_at.append((index, np.arange(offset, offset + k)))
        offset += k
    attrs = {name: np.concatenate(parts) for name, parts in columns.items()}
    t0 = np.concatenate(t0_parts)
    t = t0.copy()
    marks = {n.index: np.full(size, np.nan) for n in c.nodes if n.mark}
    reached = np.zeros((len(c.stages), size), dtype=bool)
    first_age = np.full((len(c.lanes), size), np.nan)
    pending: list[list[np.ndarray]] = [[] for _ in c.nodes]
    for index, idx in pending_at:
        pending[index].append(idx)

    dq = c.data_quality
    if dq is not None:  # each record's last good check, and what its last contact found
        checked, stale = t0.copy(), np.zeros(size, dtype=bool)
    touches = _WalkTouches(c, attrs, t0, gen) if c.touches is not None else None
    if touches is not None:  # a source with a channel: the arrival is the first touch
        for index, idx in pending_at:
            if c.nodes[index].touch is not None:
                touches.touch(c.nodes[index], idx, t0[idx])

    def cols(node: int, idx: np.ndarray) -> dict[str, np.ndarray]:
        out = {name: attrs[name][idx] for name in plan.names.get(node, ()) if name in attrs}
        out["age"] = t[idx] - t0[idx]
        if dq is not None and "stale" not in out:
            out["stale"] = stale[idx]
        if touches is not None:
            touches.clock(out, idx, t[idx])
        return out

    for _ in range(MAX_SWEEPS):
        if not any(pending):
            break
        if should_stop is not None and should_stop():
            raise Stopped()
        for n in plan.order:
            if not pending[n]:
                continue
            idx = pending[n][0] if len(pending[n]) == 1 else np.concatenate(pending[n])
            pending[n] = []
            if not final and n in plan.settled:
                continue
            node = c.nodes[n]
            k = len(idx)
            if final and node.kind == TASK:
                fresh = idx[np.isnan(first_age[node.lane, idx])]
                first_age[node.lane, fresh] = t[fresh] - t0[fresh]
            if final and node.stage >= 0:
                reached[node.stage, idx] = True
            if node.mark:
                marks[n][idx] = t[idx]
            if node.kind == END:
                continue
            if node.kind == CADENCE:
                _walk_cadence(node, idx, t, touches, plan, cols, gen, counts, pending)
                continue
            if node.kind == TASK and timed:
                here = t[idx]
                slot = (((here - week0) % 168.0) / SLOT_HOURS).astype(np.int64) % SLOTS
                if not final:
                    phases[n] += np.bincount(slot, minlength=SLOTS)
                work = durations[n](k)
                if waits is not None:
                    work += waits.wait(n, slot, gen)
                table = tables[node.lane]
                t[idx] = table.done(here, work) if table is not None else here + work
            elif node.kind in (TASK, DELAY):  # routing does not depend on time: a rough
                t[idx] += durations[n](k) if timed else means[n]  # clock of mean durations
            if touches is not None and node.touch is not None and node.kind == TASK:
                touches.touch(node, idx, t[idx])
            if dq is not None and node.kind == TASK and (node.contact or node.cleanse):
                # as the engine: a contact finds the record stale with the decay since its
                # last good check (the periodic batch is left out of the estimate)
                if node.cleanse:
                    stale[idx] = False
                else:
                    valid = (1.0 - dq.decay_per_month) ** ((t[idx] - checked[idx])
                                                           / MONTH_HOURS)
                    valid *= np.where(checked[idx] == t0[idx],
                                      1.0 - dq.invalid_at_capture, 1.0)
                    stale[idx] = gen.random(k) >= valid
                checked[idx] = np.where(stale[idx], checked[idx], t[idx])
            if n in plan.sets:
                values = cols(n, idx)
                updates = [(name, fn(values, k)) for name, fn in plan.sets[n]]
                for name, value in updates:
                    attrs[name] = _assign(attrs.get(name), idx, value, size)
                if touches is not None:
                    touches.after_sets([name for name, _ in updates], idx, t[idx])
            _route(node, idx, t, t0, marks, gen, plan, cols, counts, pending)
    fractions = {}
    for index, row in counts.items():
        seen = float(row.sum())
        fractions[index] = [float(x) / seen for x in row] if seen else []
    shares = {name: float(reached[i].sum()) / size for i, name in enumerate(c.stages)}
    ages = {lane: row[~np.isnan(row)] for lane, row in enumerate(first_age)}
    return _Walk(fractions, shares, {k: v for k, v in ages.items() if len(v)}, phases, counts)


class _WalkTouches:
    """The built-in touch attributes of the walked leads, as columns: what the engine keeps
    per lead (:mod:`.touching`), for all leads at once. ``touches``, the channels (as codes)
    and ``responded`` are columns of ``attrs`` that conditions read directly; engagement is
    kept as its value at its last change and the time of that change, and faded when read.
    A source with a channel touches its leads as they arrive."""

    def __init__(self, c: Compiled, attrs: dict[str, np.ndarray], t0: np.ndarray,
                 gen: np.random.Generator) -> None:
        plan = c.touches
        assert plan is not None
        size = len(t0)
        self.kept, self.half_life, self.gen, self.attrs = plan.kept, plan.half_life, gen, attrs
        self.engaged = np.zeros(size)
        self.engaged_at = t0.copy()
        self.touched_at = t0.copy()
        self.first = np.full(size, code(""), dtype=np.int64)
        defaults = {"touches": np.zeros(size), "responded": np.zeros(size, dtype=bool),
                    "first_channel": self.first.copy(), "last_channel": self.first.copy()}
        for name, column in defaults.items():
            if name in self.kept:
                attrs[name] = column

    def faded(self, idx: np.ndarray, now: np.ndarray) -> np.ndarray:
        value = self.engaged[idx]
        if self.half_life:
            return value * np.exp2(-(now - self.engaged_at[idx]) / self.half_life)
        return value

    def touch(self, node: Any, idx: np.ndarray, now: np.ndarray) -> None:
        """One touch of ``node`` for the leads ``idx`` at their times ``now``."""
        touch, kept, attrs = node.touch, self.kept, self.attrs
        self.engaged[idx] = self.faded(idx, now) + touch.weight
        self.engaged_at[idx] = now
        self.touched_at[idx] = now
        channel = code(touch.channel)
        if "touches" in kept:
            attrs["touches"][idx] += 1
        if "last_channel" in kept:
            attrs["last_channel"][idx] = channel
        if "first_channel" in kept:
            column = attrs["first_channel"]
            column[idx] = np.where(column[idx] == code(""), channel, column[idx])
        if "responded" in kept and touch.response_rate:
            column = attrs["responded"]
            column[idx] |= self.gen.random(len(idx)) < touch.response_rate

    def clock(self, out: dict[str, np.ndarray], idx: np.ndarray, now: np.ndarray) -> None:
        """The clock-dependent built-ins of the leads ``idx`` at ``now``, into ``out``."""
        if "engagement" in self.kept:
            out["engagement"] = self.faded(idx, now)
        if "since_last_touch" in self.kept:
            out["since_last_touch"] = now - self.touched_at[idx]

    def after_sets(self, names: list[str], idx: np.ndarray, now: np.ndarray) -> None:
        """A ``set`` gave engagement a new value: it fades afresh from there."""
        if "engagement" in names and "engagement" in self.kept:
            self.engaged[idx] = np.asarray(self.attrs.pop("engagement")[idx], dtype=float)
            self.engaged_at[idx] = now


def _walk_cadence(node, idx, t, touches, plan, cols, gen, counts, pending) -> None:
    """The leads ``idx`` through cadence ``node``: a touch now and every ``every`` after, an
    answer drawn and ``until`` checked after each, as the engine does (``sim/cadences.py``);
    the graduated go on by one exit, those left after the last touch by the other."""
    cadence = node.routing
    assert isinstance(cadence, CCadence) and touches is not None
    quiet = replace(node, touch=node.touch._replace(response_rate=0.0))
    rate = node.touch.response_rate
    condition = plan.conditions.get(node.index, [None])[0]
    responded = touches.attrs.get("responded") if "responded" in touches.kept else None
    live, graduated = idx, []
    for sent in range(cadence.times):
        if sent:
            t[live] += cadence.every
        touches.touch(quiet, live, t[live])
        done = gen.random(len(live)) < rate if rate else np.zeros(len(live), dtype=bool)
        if responded is not None:
            responded[live] |= done
        if condition is not None:
            done = done | condition(cols(node.index, live), len(live)).astype(bool)
        graduated.append(live[done])
        live = live[~done]
        if not len(live):
            break
    left = np.concatenate(graduated) if graduated else idx[:0]
    counts[node.index] += (len(left), len(live))
    for target, chosen in ((cadence.graduated, left), (cadence.exhausted, live)):
        if len(chosen):
            pending[target].append(chosen)


def _assign(column: np.ndarray | None, idx: np.ndarray, value: np.ndarray, size: int
            ) -> np.ndarray:
    """``column[idx] = value``, widening the column's type if the new values need it."""
    if column is None:
        column = np.zeros(size, dtype=value.dtype if value.dtype != object else object)
    if column.dtype != value.dtype:
        wider = np.result_type(column.dtype, value.dtype)
        if wider != column.dtype:
            column = column.astype(wider)
    column[idx] = value
    return column


def _route(node, idx, t, t0, marks, gen, plan, cols, counts, pending) -> None:
    """Send the leads ``idx`` at ``node`` on to its successors."""
    k = len(idx)
    if node.route == ROUTE_ONE:
        pending[node.routing].append(idx)
        return
    if node.route == ROUTE_PROB:
        cumulative, targets = node.routing
        branch = np.searchsorted(np.array(cumulative), gen.random(k), side="right")
        branch = np.minimum(branch, len(targets) - 1)
        targets = list(targets)
    elif node.route == ROUTE_WHEN:
        conditions, default = node.routing
        values = cols(node.index, idx)
        branch = np.full(k, len(conditions))
        for i, fn in enumerate(plan.conditions[node.index]):
            branch[(branch == len(conditions)) & fn(values, k).astype(bool)] = i
        targets = [target for _, target in conditions] + [default]
    else:
        branches, default = node.routing
        odds = np.empty((len(branches), k))
        here = t[idx]
        for i, (p, half_life, since, _) in enumerate(branches):
            if half_life:
                reference = t0[idx]
                if since >= 0 and since in marks:
                    stamped = marks[since][idx]
                    reference = np.where(np.isnan(stamped), reference, stamped)
                odds[i] = p * 0.5 ** ((here - reference) / half_life)
            else:
                odds[i] = p
        cumulative = np.cumsum(odds, axis=0)
        branch = (gen.random(k)[None, :] >= cumulative).sum(axis=0)
        targets = [b[-1] for b in branches] + [default]
        # the fractions count each lead's chances rather than the branch it drew
        capped = np.minimum(cumulative, 1.0).sum(axis=1)
        counts[node.index] += np.diff(np.concatenate(([0.0], capped, [float(k)])))
        return _send(idx, branch, targets, pending)
    if node.index in counts:
        counts[node.index] += np.bincount(branch, minlength=len(targets))
    _send(idx, branch, targets, pending)


def _send(idx: np.ndarray, branch: np.ndarray, targets: list[int],
          pending: list[list[np.ndarray]]) -> None:
    for i, target in enumerate(targets):
        chosen = idx[branch == i]
        if len(chosen):
            pending[target].append(chosen)


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


def estimate_capacity(
    process: Process, *, compiled: Compiled | None = None, seed: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> CapacityEstimate:
    """Offered load per lane from the traffic equations; no simulation.

    Raises InvalidProcessError if the process (leaving its scenarios aside) has errors.
    ``should_stop`` is asked before every step of the walks (a few milliseconds apart);
    when it answers true the estimate raises :class:`~laneforge.sim.engine.Stopped`."""
    if compiled is None:
        # the estimate is of the process as it stands: its scenarios need not be valid
        problems = errors(validate_without_scenarios(process))
        if problems:
            raise InvalidProcessError(problems)
        compiled = compile_process(process, check=False)
    c = compiled
    window = (c.warmup, c.horizon)
    n = len(c.nodes)
    arrivals = np.zeros(n)
    rates: dict[int, float] = {}
    for index in c.sources:
        rate = sum(_arrival_rate(a, window) for a in c.nodes[index].arrivals)
        rates[index] = rate
        arrivals[index] = rate
    origin = c.origin
    tables = [work_table(lane.calendar, origin, c.horizon + 24.0 * 120)
              if lane.calendar is not None else None for lane in c.lanes]
    open_fraction = [
        table.worked(*window) / (window[1] - window[0]) if table is not None else 1.0
        for table in tables
    ]
    timed = any(node.route == ROUTE_DECAY or node.touch_clock for node in c.nodes) or c.uses_age
    walk = None
    node_rate = {node.id: 0.0 for node in c.nodes}
    if sum(rates.values()):
        plan = _Plan(c, process)
        waits: _Waits | None = None
        rounds = WALK_TIMED if timed else WALK_UNTIMED
        loads: dict[str, float] | None = None
        carried: dict[int, np.ndarray] | None = None
        for round_, leads in enumerate(rounds):
            last = round_ == len(rounds) - 1
            walk = _walk(c, plan, rates, seed + round_, waits, tables, leads, timed,
                         should_stop, last, carried)
            if round_ >= 1:  # conditions on attributes alone: the rounds with waits pool
                carried = {i: walk.counts[i] for i in plan.pooled}
            node_rate = _solve(c, arrivals, walk.fractions)
            if round_ < len(rounds) - 1:
                # waits and routing chase each other (long waits, fewer leads on, shorter
                # waits): after the first round the loads move half way each time
                loads = node_rate if loads is None else {
                    k: (loads[k] + v) / 2 for k, v in node_rate.items()}
                waits = _Waits(c, loads, open_fraction, tables, walk.phases)
    lanes: list[LaneLoad] = []
    for lane in c.lanes:
        offered = _offered(c, node_rate, lane.index)
        fraction = open_fraction[lane.index]
        if lane.staff:
            utilization = offered / (lane.staff * fraction) if fraction else math.inf
        else:
            utilization = None if lane.staff is None else math.inf
        ages = np.sort(walk.lane_ages[lane.index]) if walk and lane.index in walk.lane_ages \
            else None
        lanes.append(LaneLoad(lane.id, lane.name, lane.staff, offered, fraction, utilization,
                              float(ages[len(ages) // 2]) if ages is not None else None))
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
        elif node.route == ROUTE_CADENCE:
            cadence = node.routing
            observed = fractions.get(i)
            if cadence.until is None or not observed:
                # without ``until`` the walk is not needed: a lead graduates unless it
                # leaves every touch unanswered, (1 - p) ** times
                assert node.touch is not None
                stays = (1.0 - node.touch.response_rate) ** cadence.times
                observed = [1.0 - stays, stays]
            transfer[i, cadence.graduated] += observed[0]
            transfer[i, cadence.exhausted] += observed[1]
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
                 tables: list[CalendarTable | None], phases: dict[int, np.ndarray]) -> None:
        self.week0 = week_start(c)
        self.by_task: dict[int, tuple[np.ndarray | None, float]] = {}
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
            table = tables[lane.index]
            capacity = None
            if table is not None:
                slots = self.week0 + np.arange(self.WEEKS * SLOTS + 1) * SLOT_HOURS
                capacity = np.diff(table.cumulative(slots)) * staff
            for level in sorted({_level(t) for t in tasks}, reverse=True):
                served_first = [t for t in tasks if _level(t) >= level]
                higher = sum(work[t.index] for t in tasks if _level(t) > level)
                sigma_high = higher / fraction / staff
                sigma_own = sum(work[t.index] for t in served_first) / fraction / staff
                # Cobham: W_k = W0 / ((1 - sigma_higher)(1 - sigma_up_to_k)); FIFO is W0/(1-rho)
                random_wait = base * (1 - rho) / max((1 - sigma_high) * (1 - sigma_own), 1e-6)
                backlog = None
                if capacity is not None:
                    inflow = np.zeros(SLOTS)
                    for t in served_first:
                        seen = phases.get(t.index)
                        if seen is None or not seen.sum():
                            seen = np.ones(SLOTS)
                        seen = _smooth(seen)
                        inflow += work[t.index] * seen / (seen.sum() or 1.0) * SLOTS
                    backlog = self._fluid(capacity, inflow, staff)
                for t in tasks:
                    if _level(t) == level:
                        self.by_task[t.index] = (backlog, random_wait)

    def _fluid(self, capacity: np.ndarray, inflow: np.ndarray, staff: int) -> np.ndarray:
        """Backlog per staff member (hours of work) at each half hour of the last week:
        Lindley's recursion b = max(0, b + in - out) as a running minimum of the net sum."""
        net = np.cumsum(np.tile(inflow, self.WEEKS) * SLOT_HOURS - capacity)
        backlog = net - np.minimum(np.minimum.accumulate(net), 0.0)
        return backlog[-SLOTS:] / staff

    def wait(self, task: int, slot: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        """Waits drawn for leads arriving in half hours ``slot`` of the week: the backlog
        ahead of each plus an exponential queueing delay (M/M/c waits are exponential
        beyond the first)."""
        entry = self.by_task.get(task)
        if entry is None:
            return np.zeros(len(slot))
        backlog, random_wait = entry
        drawn = gen.exponential(random_wait, len(slot)) if random_wait > 0 \
            else np.zeros(len(slot))
        return drawn if backlog is None else backlog[slot] + drawn


def _smooth(counts: np.ndarray, half_width: int = 4) -> np.ndarray:
    """A moving average over +-2 hours, wrapping round the week: a few thousand walked leads
    arrive in clumps that real queues spread out."""
    window = 2 * half_width + 1
    padded = np.concatenate((counts[-half_width:], counts, counts[:half_width])).astype(float)
    return np.convolve(padded, np.ones(window) / window, mode="valid")


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
