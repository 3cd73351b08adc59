"""Checks that a loaded process makes sense and can be simulated: ``validate(process)``.

Loading already guarantees types and syntax; this module checks meaning: references,
reachability, branch rules, durations, expressions against declared attributes. Each
problem names the node, edge, lane or SLA and the field of the file it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import networkx as nx

from . import limits
from .distributions import mean_hours
from .expressions import COMPUTED_NAMES, TOUCH_NAMES, ExpressionError, parse_expression
from .nodes import (
    CADENCE_EXITS,
    CadenceNode,
    DecisionNode,
    DelayNode,
    EndNode,
    SourceNode,
    TaskNode,
)
from .scenarios import ScenarioError, apply_scenario, known_keys

if TYPE_CHECKING:
    from .process import Process

Severity = Literal["error", "warning"]
PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` error (cannot simulate) or warning (probably unintended)."""

    severity: Severity
    message: str
    node: str | None = None
    edge: tuple[str, str] | None = None
    lane: str | None = None
    sla: str | None = None
    field: str | None = None

    @property
    def subject(self) -> str:
        if self.node:
            return f"node {self.node}"
        if self.edge:
            return f"edge {self.edge[0]} -> {self.edge[1]}"
        if self.lane:
            return f"lane {self.lane}"
        if self.sla:
            return f"SLA {self.sla}"
        return "process"

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.severity}: {self.subject}: {self.message}{where}"


class _Checker:
    def __init__(self, process: Process) -> None:
        self.p = process
        self.problems: list[Problem] = []
        self.node_index = {n.id: i for i, n in enumerate(process.nodes)}
        self.lane_ids = {lane.id for lane in process.lanes}
        self.lane_index = {lane.id: i for i, lane in enumerate(process.lanes)}
        self.types = process.attribute_types()

    def add(self, severity: Severity, message: str, **where: object) -> None:
        self.problems.append(Problem(severity, message, **where))  # type: ignore[arg-type]

    def error(self, message: str, **where: object) -> None:
        self.add("error", message, **where)

    def warning(self, message: str, **where: object) -> None:
        self.add("warning", message, **where)

    # --- rules ---------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        self.run_without_scenarios()
        self.check_scenarios()
        self.check_unknown_keys()
        return self.problems

    def check_process(self) -> None:
        p = self.p
        if not p.sources():
            self.error("the process has no source: add one where leads come from")
        if not any(isinstance(n, EndNode) for n in p.nodes):
            self.error("the process has no end: add one where leads finish")
        if not p.lanes:
            self.error("the process has no lanes")
        sim = p.simulation
        if sim.horizon.hours <= 0:
            self.error("the horizon must be longer than 0", field="simulation.horizon")
        if sim.warmup.hours >= sim.horizon.hours > 0:
            self.error(
                f"the warm-up ({sim.warmup}) must be shorter than the horizon ({sim.horizon})",
                field="simulation.warmup",
            )
        for name, spec in p.attributes.items():
            choices = getattr(spec, "choices", None)
            if choices is not None and abs(sum(choices.values()) - 1.0) > PROBABILITY_TOLERANCE:
                self.warning(
                    f"the weights of attribute {name!r} add up to {sum(choices.values()):g}, "
                    "not 1; they are used as relative weights",
                    field=f"attributes.{name}.choices",
                )

    def check_lanes(self) -> None:
        p = self.p
        for i, lane in enumerate(p.lanes):
            if lane.calendar is not None and lane.calendar not in p.calendars:
                self.error(f"unknown calendar {lane.calendar!r}", lane=lane.id,
                           field=f"lanes[{i}].calendar")
            elif lane.calendar is not None and not p.calendars[lane.calendar].weekdays:
                self.error(f"calendar {lane.calendar!r} has no working days, so "
                           f"{lane.label} never works", lane=lane.id,
                           field=f"calendars.{lane.calendar}.days")
            if lane.staff is not None and not any(
                isinstance(n, TaskNode) for n in p.nodes_in_lane(lane.id)
            ):
                self.warning(f"{lane.label} has {lane.staff} staff but no task to work on",
                             lane=lane.id, field=f"lanes[{i}].staff")
            if lane.staff == 0 and any(isinstance(n, TaskNode) for n in p.nodes_in_lane(lane.id)):
                self.error(f"{lane.label} has no staff, so its tasks can never start",
                           lane=lane.id, field=f"lanes[{i}].staff")

    def check_nodes(self) -> None:
        p = self.p
        for i, node in enumerate(p.nodes):
            at = f"nodes[{i}]"
            if node.lane not in self.lane_ids:
                self.error(f"unknown lane {node.lane!r}", node=node.id, field=f"{at}.lane")
                lane = None
            else:
                lane = p.lane(node.lane)
            if node.stage is not None and node.stage not in p.stages:
                self.error(f"unknown stage {node.stage!r}; stages are: "
                           + (", ".join(p.stages) or "none declared"),
                           node=node.id, field=f"{at}.stage")
            if node.phase is not None and all(ph.id != node.phase for ph in p.phases):
                self.error(f"unknown phase {node.phase!r}; phases are: "
                           + (", ".join(ph.id for ph in p.phases) or "none declared"),
                           node=node.id, field=f"{at}.phase")
            elif node.phase is None and p.phases:
                self.warning(f"{node.label!r} belongs to no phase; the process has phases "
                             "(" + ", ".join(ph.label for ph in p.phases) + "), so give it "
                             "the one it is part of",
                             node=node.id, field=f"{at}.phase")
            if isinstance(node, SourceNode):
                if not node.arrival_list():
                    self.warning(f"source {node.label!r} has no arrivals, so no lead enters here",
                                 node=node.id, field=f"{at}.arrivals")
                for name in node.attributes:
                    if name not in p.attributes:
                        self.error(f"source sets attribute {name!r}, which is not declared "
                                   "under the process attributes", node=node.id,
                                   field=f"{at}.attributes.{name}")
                    elif (t := self.types[name]) != (
                        u := _type_of(node.attributes[name])
                    ):
                        self.error(f"attribute {name!r} is a {t} but this source gives a {u}",
                                   node=node.id, field=f"{at}.attributes.{name}")
            if isinstance(node, TaskNode):
                if node.duration is None and lane is not None and lane.staff is not None:
                    self.error(f"task {node.label!r} in {lane.label} (staffed) has no duration",
                               node=node.id, field=f"{at}.duration")
                if lane is not None and lane.staff is not None and node.staff > lane.staff:
                    self.error(f"task {node.label!r} needs {node.staff} staff at once but "
                               f"{lane.label} has {lane.staff}", node=node.id,
                               field=f"{at}.staff")
                if isinstance(node.priority, str):
                    self.check_expression(node.priority, "number", node=node.id,
                                          field=f"{at}.priority")
                if (node.contact or node.cleanse) and self.p.data_quality is None:
                    what = "contact" if node.contact else "cleanse"
                    self.warning(f"task {node.label!r} is a {what} step but the process sets "
                                 "no data_quality: records never go stale",
                                 node=node.id, field=f"{at}.{what}")
                if node.contact and node.cleanse:
                    self.error(f"task {node.label!r} cannot both contact the lead and cleanse "
                               "its record: draw the check as a step of its own",
                               node=node.id, field=f"{at}.cleanse")
            if isinstance(node, DelayNode) and node.duration is None:
                self.error(f"delay {node.label!r} has no duration", node=node.id,
                           field=f"{at}.duration")
            if isinstance(node, TaskNode | DelayNode):
                for target, text in node.set.items():
                    if target in COMPUTED_NAMES and target not in self.types:
                        self.error(f"'set' assigns {target!r}, which the engine computes from "
                                   "the clock", node=node.id, field=f"{at}.set.{target}")
                        continue
                    wanted = self.types.get(target, TOUCH_NAMES.get(target))
                    if wanted is None:
                        self.error(f"'set' assigns {target!r}, which is not a declared attribute",
                                   node=node.id, field=f"{at}.set.{target}")
                        continue
                    self.check_expression(text, wanted, node=node.id,
                                          field=f"{at}.set.{target}")
            if isinstance(node, CadenceNode):
                self.check_cadence(node, at)
            if isinstance(node, SourceNode) and node.touch_weight and node.channel is None:
                self.warning(f"source {node.label!r} has a touch_weight but no channel, so its "
                             "arrivals are no touch and the weight is not used", node=node.id,
                             field=f"{at}.touch_weight")

    def check_cadence(self, node: CadenceNode, at: str) -> None:
        label = node.label
        if node.every.hours <= 0:
            self.error(f"cadence {label!r} must wait longer than 0 between touches",
                       node=node.id, field=f"{at}.every")
        if node.times < 1:
            self.error(f"cadence {label!r} must touch the lead at least once (times is "
                       f"{node.times})", node=node.id, field=f"{at}.times")
        if node.until is not None:
            self.check_expression(node.until, "bool", node=node.id, field=f"{at}.until")

    def check_expression(self, text: str, wanted: str | None, **where: object) -> None:
        try:
            kind = parse_expression(text).infer_type(self.types)
        except ExpressionError as exc:
            self.error(f"{exc} in {text!r}", **where)
            return
        if wanted == "bool" and kind not in ("bool", "any"):
            self.error(f"condition {text!r} gives a {kind}, not true/false", **where)
        elif wanted not in (None, "bool", "any") and kind not in (wanted, "any"):
            self.error(f"{text!r} gives a {kind} but a {wanted} is needed", **where)

    def check_edges(self) -> None:
        for i, edge in enumerate(self.p.edges):
            at, key = f"edges[{i}]", edge.key
            for end, name in ((edge.source, "from"), (edge.target, "to")):
                if end not in self.node_index:
                    self.error(f"unknown node {end!r}", edge=key, field=f"{at}.{name}")
            if edge.when is not None:
                self.check_expression(edge.when, "bool", edge=key, field=f"{at}.when")
            if edge.decay is not None:
                if edge.probability is None:
                    self.error("decay works on a probability branch; give this edge a "
                               "probability", edge=key, field=f"{at}.decay")
                since = edge.decay.since
                if since is not None and since not in self.node_index:
                    self.error(f"decay counts from unknown node {since!r}", edge=key,
                               field=f"{at}.decay.since")
            if edge.exit is not None and edge.source in self.node_index and not isinstance(
                self.p.nodes[self.node_index[edge.source]], CadenceNode
            ):
                self.error(f"'exit' marks a way out of a cadence, but {edge.source!r} is no "
                           "cadence", edge=key, field=f"{at}.exit")
            if edge.source in self.node_index and isinstance(
                self.p.nodes[self.node_index[edge.source]], EndNode
            ):
                self.error("an end has no way out; remove this edge", edge=key, field=at)
            if edge.target in self.node_index and isinstance(
                self.p.nodes[self.node_index[edge.target]], SourceNode
            ):
                self.error("leads cannot flow into a source; connect to its first task "
                           "instead", edge=key, field=f"{at}.to")

    def check_branches(self) -> None:
        p = self.p
        edge_pos = {e.key: i for i, e in enumerate(p.edges)}
        by_source = p.edges_by_source()
        for i, node in enumerate(p.nodes):
            if isinstance(node, EndNode):
                continue
            out = by_source.get(node.id, [])
            where = {"node": node.id, "field": f"nodes[{i}]"}
            if not out:
                self.error(f"{node.kind_label.lower()} {node.label!r} has no way out; "
                           "connect it to the next step", **where)
                continue
            if isinstance(node, CadenceNode):
                self.check_exits(node, out, edge_pos, where)
                continue
            if len(out) == 1:
                edge = out[0]
                if isinstance(node, DecisionNode):
                    self.warning(f"decision {node.label!r} has only one way out", **where)
                if edge.when is not None or (edge.probability not in (None, 1, 1.0)):
                    self.warning(f"{node.label!r} has one way out, so its condition or "
                                 "probability is ignored", edge=edge.key,
                                 field=f"edges[{edge_pos[edge.key]}]")
                continue
            self.check_branch_set(node, out, edge_pos, where)

    def check_exits(self, node, out, edge_pos, where) -> None:
        """A cadence has exactly two ways out, marked ``exit: graduated`` and ``exit:
        exhausted``; it decides between them itself, so they carry no branch rule."""
        for edge in out:
            at = f"edges[{edge_pos[edge.key]}]"
            if edge.probability is not None or edge.when is not None or edge.default \
                    or edge.decay is not None:
                self.error(f"a way out of cadence {node.label!r} takes no probability, "
                           "condition or default: the cadence decides by itself",
                           edge=edge.key, field=at)
            elif edge.exit is None:
                self.error(f"a way out of cadence {node.label!r} needs 'exit': "
                           "\"graduated\" or \"exhausted\"", edge=edge.key, field=f"{at}.exit")
        marks = [edge.exit for edge in out]
        missing = [name for name in CADENCE_EXITS if name not in marks]
        doubled = [name for name in CADENCE_EXITS if marks.count(name) > 1]
        if doubled:
            self.error(f"cadence {node.label!r} has {marks.count(doubled[0])} edges marked "
                       f"exit {doubled[0]!r}; it needs exactly one of each", **where)
        elif missing and all(edge.exit is not None for edge in out):
            self.error(f"cadence {node.label!r} has no way out marked exit {missing[0]!r}; "
                       "it needs one edge for leads that graduate and one for leads whose "
                       "touches ran out", **where)

    def check_branch_set(self, node, out, edge_pos, where) -> None:
        with_p = [e for e in out if e.probability is not None and not e.default]
        with_when = [e for e in out if e.when is not None]
        defaults = [e for e in out if e.default]
        bare = [e for e in out if e.probability is None and e.when is None and not e.default]
        label = node.label
        if with_when and with_p:
            self.error(f"the branches of {label!r} mix probabilities and conditions; use "
                       "one or the other", **where)
            return
        if with_when:
            if len(defaults) != 1:
                self.error(f"the conditions of {label!r} need exactly one default branch "
                           f"(found {len(defaults)})", **where)
            for edge in bare:
                self.error("this branch has neither a condition nor the default mark",
                           edge=edge.key, field=f"edges[{edge_pos[edge.key]}]")
            return
        # probability branches; a default sibling takes the rest (needed with decay)
        decays = [e for e in out if e.decay is not None]
        if bare:
            self.error(f"the branches of {label!r} need a probability each (or conditions "
                       "plus one default)", edge=bare[0].key,
                       field=f"edges[{edge_pos[bare[0].key]}]")
            return
        if len(defaults) > 1:
            self.error(f"{label!r} has {len(defaults)} default branches; mark one", **where)
            return
        total = sum(e.probability or 0.0 for e in out)
        if decays and not defaults:
            self.error(f"decay on a branch of {label!r} needs a sibling marked default to "
                       "receive what it loses", edge=decays[0].key,
                       field=f"edges[{edge_pos[decays[0].key]}].decay")
        if defaults and defaults[0].probability is None:
            if total > 1.0 + PROBABILITY_TOLERANCE:
                self.error(f"the probabilities out of {label!r} add up to {total:.4g}, over 1",
                           **where)
        elif abs(total - 1.0) > PROBABILITY_TOLERANCE:
            self.error(f"the probabilities out of {label!r} add up to {total:.4g}, not 1",
                       **where)

    def check_reachability(self) -> None:
        p = self.p
        graph = p.graph()
        by_source = p.edges_by_source()
        sources = [n.id for n in p.sources()]
        ends = [n.id for n in p.nodes if isinstance(n, EndNode)]
        if not sources or not ends:
            return
        reached: set[str] = set(sources)
        for source in sources:
            reached |= nx.descendants(graph, source)
        can_finish: set[str] = set(ends)
        for end in ends:
            can_finish |= nx.ancestors(graph, end)
        flagged: set[str] = set()
        for component in nx.strongly_connected_components(graph):
            if len(component) == 1:
                only = next(iter(component))
                if not graph.has_edge(only, only):
                    continue
            if component & can_finish:
                continue
            names = ", ".join(sorted(component))
            first = min(component, key=self.node_index.__getitem__)
            self.error(f"loop without an exit: leads going round {names} never reach an end",
                       node=first, field=f"nodes[{self.node_index[first]}]")
            flagged |= component
        for i, node in enumerate(p.nodes):
            if node.id not in reached and not isinstance(node, SourceNode):
                self.error(f"{node.label!r} cannot be reached from any source", node=node.id,
                           field=f"nodes[{i}]")
            elif node.id not in can_finish and node.id not in flagged and by_source.get(node.id):
                self.error(f"leads at {node.label!r} can never reach an end", node=node.id,
                           field=f"nodes[{i}]")

    def check_slas(self) -> None:
        p = self.p
        graph = p.graph()
        for i, sla in enumerate(p.slas):
            at = f"slas[{i}]"
            ok = True
            for end, name in ((sla.source, "from"), (sla.target, "to")):
                if end not in self.node_index:
                    self.error(f"unknown node {end!r}", sla=sla.id, field=f"{at}.{name}")
                    ok = False
            if sla.calendar is not None and sla.calendar not in p.calendars:
                self.error(f"unknown calendar {sla.calendar!r}", sla=sla.id,
                           field=f"{at}.calendar")
            elif sla.calendar is not None and not p.calendars[sla.calendar].weekdays:
                self.error(f"calendar {sla.calendar!r} has no working days, so the "
                           "business clock never runs", sla=sla.id,
                           field=f"calendars.{sla.calendar}.days")
            if sla.within.hours <= 0:
                self.error("the time limit must be longer than 0", sla=sla.id,
                           field=f"{at}.within")
            if ok and sla.source != sla.target and not nx.has_path(graph, sla.source, sla.target):
                self.warning(f"{sla.target!r} cannot be reached from {sla.source!r}, so "
                             f"{sla.label!r} is never checked", sla=sla.id, field=at)

    def check_scenarios(self) -> None:
        """Each scenario applies, and the process it makes is free of new errors."""
        if not self.p.scenarios:
            return
        base = {(p.message, p.field) for p in _Checker(self.p).run_without_scenarios()
                if p.severity == "error"}
        for i, scenario in enumerate(self.p.scenarios):
            try:
                changed = apply_scenario(self.p, scenario)
            except ScenarioError as exc:
                self.error(str(exc), field=f"scenarios[{i}].changes")
                continue
            for problem in _Checker(changed).run_without_scenarios():
                if problem.severity == "error" and (problem.message, problem.field) not in base:
                    where = f" ({problem.field})" if problem.field else ""
                    self.error(f"scenario {scenario.name!r} makes the process invalid: "
                               f"{problem.message}{where}", field=f"scenarios[{i}].changes")
                    break

    def check_limits(self) -> None:
        for message, where in limits.process_findings(self.p):
            self.error(message, **where)

    def check_zero_time_loops(self) -> None:
        """A loop that can be taken without time passing and without a random way out would
        spin at one instant for ever: an error naming its nodes."""
        for trap in zero_time_traps(self.p):
            names = ", ".join(trap)
            first = min(trap, key=self.node_index.__getitem__)
            self.error(f"loop without time: leads can go round {names} for ever at one "
                       "instant (decisions and steps without duration, and no probability "
                       "branch out of the loop); give one step a duration or add a "
                       "probability branch that leaves the loop",
                       node=first, field=f"nodes[{self.node_index[first]}]")

    def run_without_scenarios(self) -> list[Problem]:
        self.check_limits()
        self.check_zero_time_loops()
        self.check_process()
        self.check_lanes()
        self.check_nodes()
        self.check_edges()
        self.check_branches()
        self.check_reachability()
        self.check_slas()
        return self.problems

    def check_unknown_keys(self) -> None:
        known = known_keys()
        groups = (("lanes", self.p.lanes), ("nodes", self.p.nodes), ("edges", self.p.edges),
                  ("slas", self.p.slas))
        for name, items in groups:
            for i, item in enumerate(items):
                for key in item.model_extra or {}:
                    hint = " (a field of another kind)" if key in known else ""
                    where: dict[str, object] = {"field": f"{name}[{i}].{key}"}
                    if name == "nodes":
                        where["node"] = item.id  # type: ignore[attr-defined]
                    elif name == "lanes":
                        where["lane"] = item.id  # type: ignore[attr-defined]
                    elif name == "edges":
                        where["edge"] = item.key  # type: ignore[attr-defined]
                    else:
                        where["sla"] = item.id  # type: ignore[attr-defined]
                    self.warning(f"unknown field {key!r}{hint} is kept but not used", **where)


def _takes_no_time(node: object) -> bool:
    if isinstance(node, DecisionNode):
        return True
    if isinstance(node, CadenceNode):  # a single touch, or touches no time apart
        return node.times <= 1 or node.every.hours <= 0
    if isinstance(node, TaskNode | DelayNode):
        try:
            return mean_hours(node.duration) <= 0
        except (ArithmeticError, ValueError):
            return False
    return False


def zero_time_traps(process: Process) -> list[list[str]]:
    """Sets of nodes a lead can circle for ever without simulated time passing.

    Only steps that take no time (decisions, tasks and delays of duration 0 or none) count.
    Conditions (``when``) are treated as if any branch could be chosen every time (in zero
    time the attributes a condition reads rarely change), probabilities as random: a lead
    leaves a loop for sure only when some probability branch on it leads out. The trap is
    the largest set in which every node can keep the lead inside: a single way or a
    condition with a branch inside, or a random choice whose every possible branch stays
    inside. Each trap is a list of node ids in file order.
    """
    order = {n.id: i for i, n in enumerate(process.nodes)}
    inside = {n.id for n in process.nodes if _takes_no_time(n)}
    if not inside:
        return []
    by_source = process.edges_by_source()
    rules: dict[str, tuple[str, list[str], list[str]]] = {}
    for node_id in inside:
        out = [e for e in by_source.get(node_id, []) if e.target in order]
        if len(out) == 1:
            rules[node_id] = ("one", [out[0].target], [])
        elif any(e.exit is not None for e in out):  # a cadence: either way may be taken
            rules[node_id] = ("random", [e.target for e in out], [])
        elif any(e.when is not None for e in out):
            rules[node_id] = ("any", [e.target for e in out], [])
        else:
            given = sum(e.probability or 0.0 for e in out if not e.default)
            sure = [e.target for e in out if not e.default and e.decay is None
                    and (e.probability or 0.0) > 0]
            maybe = [e.target for e in out if not e.default and e.decay is not None
                     and (e.probability or 0.0) > 0]
            rest = [e.target for e in out if e.default]
            if rest and (given < 1.0 - PROBABILITY_TOLERANCE or maybe):
                sure += rest
            rules[node_id] = ("random", sure, maybe)
    changed = True
    while changed:
        changed = False
        for node_id in list(inside):
            kind, sure, maybe = rules[node_id]
            if kind == "random":
                keeps = all(t in inside for t in sure) and any(t in inside for t in sure + maybe)
            else:
                keeps = any(t in inside for t in sure)
            if not keeps:
                inside.discard(node_id)
                changed = True
    if not inside:
        return []
    graph = process.graph().subgraph(inside)
    traps = [sorted(c, key=order.__getitem__) for c in nx.strongly_connected_components(graph)
             if len(c) > 1 or graph.has_edge(next(iter(c)), next(iter(c)))]
    return sorted(traps, key=lambda t: order[t[0]])


def _type_of(spec: object) -> str:
    from .attributes import attribute_type

    return attribute_type(spec)


def validate(process: Process) -> list[Problem]:
    """All problems of ``process``, errors first, in file order within each severity."""
    problems = _Checker(process).run()
    return sorted(problems, key=lambda p: 0 if p.severity == "error" else 1)


def validate_without_scenarios(process: Process) -> list[Problem]:
    """The problems of ``process`` as it stands, its scenarios left unchecked (checking
    them rebuilds the process once per scenario); errors first."""
    problems = _Checker(process).run_without_scenarios()
    return sorted(problems, key=lambda p: 0 if p.severity == "error" else 1)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
