"""Compile a validated Process once into plain tables and closures for the event loop.

Nothing here is touched by pydantic at run time: nodes become ``CNode`` records with integer
indexes, expressions become compiled functions of the lead's attribute dict, and the
distributions stay as objects only to make per-replication samplers at setup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from ..model import (
    CadenceNode,
    DecisionNode,
    DelayNode,
    EndNode,
    Process,
    SourceNode,
    TaskNode,
    errors,
    parse_expression,
    validate,
)
from ..model.attributes import value_spec
from ..model.calendar import Calendar
from ..model.expressions import TOUCH_NAMES, ValueSpec, setter
from ..model.roster import roster_peak, roster_steps
from ..model.zones import start_instant

SOURCE, TASK, DECISION, DELAY, END, CADENCE = range(6)
_KIND_CODE = {SourceNode: SOURCE, TaskNode: TASK, DecisionNode: DECISION, DelayNode: DELAY,
              EndNode: END, CadenceNode: CADENCE}

# routing modes
ROUTE_NONE, ROUTE_ONE, ROUTE_PROB, ROUTE_WHEN, ROUTE_DECAY, ROUTE_CADENCE = range(6)

#: outcome of a lead stopped by max_visits
STUCK = "stuck"

#: a lead's attributes -> a value (a compiled ``when``, ``set`` or priority expression)
Expression = Callable[[dict[str, Any]], Any]


class Probabilities(NamedTuple):
    """ROUTE_PROB: the first target whose cumulative probability exceeds a uniform draw
    (the last cumulative is infinity, so rounding never leaves a lead without a branch)."""

    cumulative: list[float]
    targets: list[int]


class Conditions(NamedTuple):
    """ROUTE_WHEN: the first ``when`` that holds, else the default edge's target."""

    conditions: list[tuple[Expression, int]]
    default: int


class DecayBranch(NamedTuple):
    """One probability edge of a ROUTE_DECAY node; ``half_life`` 0: no decay; ``since`` the
    reference node's index, or -1 for the lead's creation."""

    probability: float
    half_life: float
    since: int
    target: int


class Decaying(NamedTuple):
    """ROUTE_DECAY: probability edges (some decaying); what they lose goes to ``default``."""

    branches: list[DecayBranch]
    default: int


class CCadence(NamedTuple):
    """ROUTE_CADENCE: a cadence's touches ``every`` hours apart, at most ``times``, the
    condition that graduates a lead after a touch (None: only an answer does) and the
    targets of its two exits."""

    every: float
    times: int
    until: Expression | None
    graduated: int
    exhausted: int


#: what a node's ``routing`` holds: ROUTE_ONE the target's index, else one of the tuples
Routing = int | Probabilities | Conditions | Decaying | CCadence | None


class InvalidProcessError(ValueError):
    """The process has validation errors and cannot be simulated."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        where = f"{first.field}: " if first.field else ""
        super().__init__(f"{where}{first.message}{more}")


@dataclass
class CLane:
    index: int
    id: str
    name: str
    staff: int | None
    calendar: Calendar | None
    cost_per_hour: float
    #: people on by minute of the week (``roster_steps``); then ``staff`` is its peak
    roster: tuple[tuple[int, int], ...] | None = None


class CTouch(NamedTuple):
    """A task's touch: its channel, engagement weight, cost and response rate."""

    channel: str
    weight: float
    cost: float
    response_rate: float


@dataclass
class TouchPlan:
    """What the engine keeps of touches: the half-life of engagement in hours (0: it never
    fades), the built-in names it maintains (those the process does not declare itself)
    and the channels, in file order (sources first)."""

    half_life: float
    kept: frozenset[str]
    channels: list[str]


#: built-in touch names whose value depends on the clock: refreshed before a node reads them
CLOCK_NAMES = frozenset({"engagement", "since_last_touch"})


@dataclass
class CNode:
    index: int
    id: str
    name: str
    kind: int
    lane: int
    stage: int = -1
    #: record the time a lead passes (SLA start points, decay references)
    mark: bool = False
    #: count visits per lead (the node lies on a cycle)
    loop: bool = False
    max_visits: int = 100
    route: int = ROUTE_NONE
    #: where a lead goes next, by ``route`` (see :data:`Routing`)
    routing: Routing = None
    duration: Any = None
    units: int = 1
    priority: float | Expression | None = None
    sets: list[tuple[str, Expression]] = field(default_factory=list)
    cost: float = 0.0
    outcome: str = ""
    uses_age: bool = False
    #: task only: reaches the lead through its contact data / restores its record
    contact: bool = False
    cleanse: bool = False
    #: indexes of the nodes this one leads to
    successors: list[int] = field(default_factory=list)
    #: source only: arrival specifications and attribute overrides
    arrivals: list[Any] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    #: a task's touch; for a source, its arrival as a touch (cost and response 0)
    touch: CTouch | None = None
    #: the node's expressions read engagement or since_last_touch (refreshed to now first)
    touch_clock: bool = False


@dataclass
class CSLA:
    index: int
    id: str
    name: str
    source: int
    target: int
    within: float
    calendar: Calendar | None
    #: nodes from which ``target`` can still be reached; elsewhere the clock is dropped
    reach: frozenset[int]
    target_rate: float | None


@dataclass
class Compiled:
    """Everything the engine needs, as plain Python structures."""

    name: str
    start: dt.datetime
    lanes: list[CLane]
    nodes: list[CNode]
    slas: list[CSLA]
    stages: list[str]
    outcomes: list[str]
    attributes: dict[str, Any]
    attribute_order: list[str]
    sources: list[int]
    horizon: float
    warmup: float
    drain: float
    replications: int
    seed: int
    any_priority: bool
    has_loops: bool
    uses_age: bool
    #: ``node -> [sla indexes]`` for SLAs that start / stop there
    sla_from: dict[int, list[int]]
    sla_to: dict[int, list[int]]
    #: the process's time zone (``simulation.timezone``); None: one wall clock, no DST
    timezone: str | None = None
    #: contact data going stale (``model.data_quality.DataQuality``); None: never
    data_quality: Any = None
    #: touches and engagement; None: the process has neither (and runs as it always did)
    touches: TouchPlan | None = None

    @property
    def cadences(self) -> list[CNode]:
        """The process's cadence nodes, in file order."""
        return [node for node in self.nodes if node.kind == CADENCE]

    @property
    def origin(self) -> dt.datetime:
        """The simulation's t = 0 for calendars: ``start``, aware in ``timezone`` if set."""
        return start_instant(self.start, self.timezone)


def _fn(text: str) -> Expression:
    return parse_expression(text).function


def value_specs(process: Process) -> dict[str, ValueSpec]:
    """What each attribute may hold after a ``set``: its declaration joined with every
    source's override of it (see :func:`~laneforge.model.attributes.value_spec`)."""
    overrides: dict[str, list[Any]] = {name: [spec] for name, spec in process.attributes.items()}
    for node in process.nodes:
        if isinstance(node, SourceNode):
            for name, spec in node.attributes.items():
                if name in overrides:
                    overrides[name].append(spec)
    return {name: value_spec(*specs) for name, specs in overrides.items()}


def _set_fn(text: str, spec: ValueSpec | None, node: str, target: str) -> Expression:
    """A ``set`` expression checked against its target's declaration (unchecked if the
    target is undeclared, which only a process compiled with ``check=False`` has)."""
    if spec is None:
        return _fn(text)
    return setter(text, spec, node=node, target=target)


def _uses_age(*texts: str | None) -> bool:
    return any(t is not None and "age" in parse_expression(t).names for t in texts)


def _node_texts(node: Any, out: list[Any]) -> list[str]:
    """Every expression text of ``node`` and its outgoing edges ``out``."""
    texts = [e.when for e in out if e.when is not None]
    if isinstance(getattr(node, "priority", None), str):
        texts.append(node.priority)
    texts.extend(getattr(node, "set", {}).values())
    if getattr(node, "until", None) is not None:
        texts.append(node.until)
    return texts


def _reads(process: Process, names: frozenset[str]) -> bool:
    """True if an expression of ``process`` reads one of ``names`` or a ``set`` assigns one."""
    by_source = process.edges_by_source()
    for node in process.nodes:
        if names & set(getattr(node, "set", {})):
            return True
        for text in _node_texts(node, by_source.get(node.id, [])):
            if names & parse_expression(text).names:
                return True
    return False


def touch_plan(process: Process) -> TouchPlan | None:
    """The touches the engine keeps for ``process``, or None when it has no touch, no
    channel and no expression or ``set`` on a built-in touch name it does not declare."""
    kept = frozenset(name for name in TOUCH_NAMES if name not in process.attributes)
    if not process.uses_touches() and not _reads(process, kept):
        return None
    channels: list[str] = []
    for node in sorted(process.nodes, key=lambda n: not isinstance(n, SourceNode)):
        channel = getattr(node, "channel", None) or getattr(getattr(node, "touch", None),
                                                            "channel", None)
        if channel is not None and channel not in channels:
            channels.append(channel)
    half_life = process.engagement.half_life_hours if process.engagement else 0.0
    return TouchPlan(half_life, kept, channels)


def compile_process(
    process: Process,
    *,
    horizon: float | None = None,
    warmup: float | None = None,
    check: bool = True,
) -> Compiled:
    """Turn ``process`` into tables; raises InvalidProcessError if it has validation errors."""
    if check:
        problems = errors(validate(process))
        if problems:
            raise InvalidProcessError(problems)
    sim = process.simulation
    horizon_h = sim.horizon.hours if horizon is None else float(horizon)
    warmup_h = sim.warmup.hours if warmup is None else float(warmup)
    if horizon_h <= 0:
        raise ValueError("the horizon must be longer than 0")
    if not 0 <= warmup_h < horizon_h:
        raise ValueError("the warm-up must be shorter than the horizon")

    lane_index = {lane.id: i for i, lane in enumerate(process.lanes)}
    node_index = {node.id: i for i, node in enumerate(process.nodes)}
    stage_index = {stage: i for i, stage in enumerate(process.stages)}
    lanes = [
        CLane(
            index=i, id=lane.id, name=lane.label,
            staff=roster_peak(lane.roster) if lane.roster else lane.staff,
            calendar=process.calendars[lane.calendar] if lane.calendar else None,
            cost_per_hour=float(lane.cost_per_hour or 0.0),
            roster=tuple(roster_steps(lane.roster)) if lane.roster else None,
        )
        for i, lane in enumerate(process.lanes)
    ]
    for lane in lanes:  # a roster lane keeps its calendar: the zone and holidays count
        if lane.calendar is not None and lane.calendar.always_open and lane.roster is None:
            lane.calendar = None
    graph = process.graph()
    cyclic: set[str] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 or any(graph.has_edge(n, n) for n in component):
            cyclic |= component

    marked: set[str] = {sla.source for sla in process.slas}
    for edge in process.edges:
        if edge.decay is not None and edge.decay.since:
            marked.add(edge.decay.since)

    outcomes: list[str] = []
    nodes: list[CNode] = []
    specs = value_specs(process)
    touches = touch_plan(process)
    if touches is not None:
        for name in touches.kept:
            specs.setdefault(name, ValueSpec(TOUCH_NAMES[name]))
    by_source = process.edges_by_source()
    for i, node in enumerate(process.nodes):
        c = CNode(
            index=i, id=node.id, name=node.label, kind=_KIND_CODE[type(node)],
            lane=lane_index[node.lane],
            stage=stage_index[node.stage] if node.stage is not None else -1,
            mark=node.id in marked, loop=node.id in cyclic,
            max_visits=node.max_visits or sim.max_visits,
        )
        if isinstance(node, TaskNode):
            c.duration = node.duration
            c.units = node.staff
            if isinstance(node.priority, str):
                c.priority = _fn(node.priority)
                c.uses_age = _uses_age(node.priority)
            elif node.priority is not None:
                c.priority = float(node.priority)
            c.cost = float(node.cost or 0.0)
            c.contact, c.cleanse = node.contact, node.cleanse
        if isinstance(node, TaskNode | DelayNode):
            c.duration = node.duration
            c.sets = [(name, _set_fn(text, specs.get(name), node.id, name))
                      for name, text in node.set.items()]
            c.uses_age = c.uses_age or _uses_age(*node.set.values())
        if isinstance(node, EndNode):
            c.outcome = node.outcome
            if node.outcome not in outcomes:
                outcomes.append(node.outcome)
        if isinstance(node, SourceNode):
            c.arrivals = node.arrival_list()
            c.attributes = dict(node.attributes)
        if touches is not None:
            if isinstance(node, TaskNode | CadenceNode) and node.touch is not None:
                t = node.touch
                c.touch = CTouch(t.channel, float(t.weight), float(t.cost),
                                 float(t.response_rate))
            elif isinstance(node, SourceNode) and node.channel is not None:
                c.touch = CTouch(node.channel, float(node.touch_weight or 0.0), 0.0, 0.0)
            names = {n for text in _node_texts(node, by_source.get(node.id, []))
                     for n in parse_expression(text).names}
            c.touch_clock = bool(names & CLOCK_NAMES & touches.kept)
        nodes.append(c)

    for c, node in zip(nodes, process.nodes, strict=True):
        out = by_source.get(node.id, [])
        c.successors = [node_index[e.target] for e in out]
        if not out or c.kind == END:
            continue
        if isinstance(node, CadenceNode):
            exits = {e.exit: node_index[e.target] for e in out}
            c.route, c.routing = ROUTE_CADENCE, CCadence(
                node.every.hours, node.times,
                _fn(node.until) if node.until is not None else None,
                exits["graduated"], exits["exhausted"])
            c.uses_age = _uses_age(node.until)
        elif len(out) == 1:
            c.route, c.routing = ROUTE_ONE, node_index[out[0].target]
        elif any(e.when is not None for e in out):
            conditions = [(_fn(e.when), node_index[e.target]) for e in out if e.when is not None]
            default = next(node_index[e.target] for e in out if e.default)
            c.route, c.routing = ROUTE_WHEN, Conditions(conditions, default)
            c.uses_age = c.uses_age or _uses_age(*(e.when for e in out))
        elif any(e.decay is not None for e in out) or any(e.default for e in out):
            default_edge = next(e for e in out if e.default)
            branches = [
                DecayBranch(
                    float(e.probability or 0.0),
                    e.decay.half_life.hours if e.decay else 0.0,
                    node_index[e.decay.since] if e.decay and e.decay.since else -1,
                    node_index[e.target],
                )
                for e in out if not e.default
            ]
            c.route, c.routing = ROUTE_DECAY, Decaying(branches, node_index[default_edge.target])
        else:
            cumulative, targets, running = [], [], 0.0
            for e in out:
                running += float(e.probability or 0.0)
                cumulative.append(running)
                targets.append(node_index[e.target])
            cumulative[-1] = float("inf")  # rounding never leaves a lead without a branch
            c.route, c.routing = ROUTE_PROB, Probabilities(cumulative, targets)

    slas: list[CSLA] = []
    sla_from: dict[int, list[int]] = {}
    sla_to: dict[int, list[int]] = {}
    for i, sla in enumerate(process.slas):
        target = node_index[sla.target]
        calendar = None
        if sla.clock == "business":
            if sla.calendar is not None:
                calendar = process.calendars[sla.calendar]
            else:
                calendar = lanes[nodes[target].lane].calendar
        reach = frozenset(node_index[n] for n in _reach_without(graph, sla.target, sla.source))
        slas.append(CSLA(
            index=i, id=sla.id, name=sla.label, source=node_index[sla.source], target=target,
            within=sla.within.hours, calendar=calendar if calendar and not calendar.always_open
            else None, reach=reach, target_rate=sla.target_rate,
        ))
        sla_from.setdefault(node_index[sla.source], []).append(i)
        sla_to.setdefault(target, []).append(i)

    if any(c.loop for c in nodes):
        outcomes.append(STUCK)
    return Compiled(
        name=process.name, start=process.start, lanes=lanes, nodes=nodes, slas=slas,
        stages=list(process.stages), outcomes=outcomes,
        attributes=dict(process.attributes), attribute_order=list(process.attributes),
        sources=[c.index for c in nodes if c.kind == SOURCE],
        horizon=horizon_h, warmup=warmup_h, drain=sim.drain_hours,
        replications=sim.replications, seed=sim.seed,
        any_priority=any(c.priority is not None for c in nodes),
        has_loops=bool(cyclic), uses_age=any(c.uses_age for c in nodes),
        sla_from=sla_from, sla_to=sla_to, timezone=sim.timezone, touches=touches,
        data_quality=process.data_quality,
    )


def _reach_without(graph: nx.DiGraph, target: str, start: str) -> set[str]:
    """The nodes on an SLA's path: those from which ``target`` can be reached without passing
    ``start`` again (passing it restarts the clock), plus ``start`` and ``target``.

    A lead that moves anywhere else (a long nurture that loops back through ``start``) has
    left the path, and its clock stops without a check.
    """
    if start == target:
        return {target}
    rest = graph.subgraph(n for n in graph.nodes if n != start)
    return nx.ancestors(rest, target) | {target, start}

