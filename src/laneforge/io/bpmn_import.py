"""Read BPMN 2.0 from other tools, or laneforge's own export, into a process and a report."""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import TypeAdapter

from ..model import FORMAT, VERSION, Edge, Lane, Process, format_hours, limits
from ..model import Node as Node_
from ..model import validate as validate_process
from ..model.geometry import layout_diagram
from ..model.shapes import UNPLACED, Rect, lane_height, node_size
from ..model.text import NAME_KEYS, clean_text
from ..model.types import is_identifier, tidy_number
from .bpmn import (
    BPMNDI,
    DC,
    DI,
    LF,
    MODEL,
    XSI,
    Flow,
    ImportReport,
    Node,
    clean,
    contract,
    outcome_from,
    pool_lane_name,
    q,
    resolve_branches,
    split_tag,
)
from .bpmn_export import BAND
from .lanejson import ProcessFileError, process_from_data

TASKS = {"task", "userTask", "serviceTask", "manualTask", "scriptTask", "sendTask",
         "receiveTask", "businessRuleTask", "callActivity"}
SUBPROCESSES = {"subProcess", "adHocSubProcess", "transaction"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
FLOW_NODES = TASKS | SUBPROCESSES | GATEWAYS | EVENTS
#: structure that carries nothing of its own
SILENT = {"documentation", "extensionElements", "laneSet", "incoming", "outgoing", "auditing",
          "monitoring", "categoryValueRef", "sequenceFlow"}
ACTIVITY_DATA = {"dataInputAssociation", "dataOutputAssociation", "ioSpecification", "property",
                 "resourceRole", "performer", "humanPerformer", "potentialOwner"}
LOOPS = {"standardLoopCharacteristics", "multiInstanceLoopCharacteristics"}
DEFAULT_DURATION = {"dist": "exponential", "mean": "30m"}
DEFAULT_RATE = "20/day"
#: the least space between neighbouring shapes of an imported diagram
GAP = 12.0
#: larger imports are not validated here (the report would take long to make)
CHECK_LIMIT = 3000
_ISO = re.compile(r"P(?:([\d.]+)Y)?(?:([\d.]+)M)?(?:([\d.]+)W)?(?:([\d.]+)D)?"
                  r"(?:T(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?)?")
_ISO_HOURS = (365 * 24.0, 30 * 24.0, 168.0, 24.0, 1.0, 1 / 60, 1 / 3600)
_DEFAULTS = {
    "task": ("task", "default duration, exponential with mean 30 min; set the real work times"),
    "source": ("source", f"default arrival rate {DEFAULT_RATE}; set the real lead volume"),
    "staff": ("lane", "staff of 1; set the team sizes"),
    "customer": ("lane", "the customer's side of the collaboration, so no staff limit "
                 "(customers do not queue for each other); set a staff to change that"),
    "wait": ("timer", "no ISO 8601 duration (such as PT2H), so a wait of 1 day; set how long"),
    "wait0": ("intermediate event", "a delay of 0 h, as laneforge has no such events; set how "
              "long leads wait there"),
}


#: pools with these names (ignoring case, a leading "the" and a plural s) are the customer's
#: side of a collaboration: their lanes get no staff limit
CUSTOMER_POOLS = frozenset({"consumer", "customer", "buyer", "prospect", "lead", "client"})


def customer_side(pool: str | None) -> bool:
    """Is ``pool`` the customer's side ("Consumer", "Customers", "The buyer")? Its steps
    are done by each customer for themselves, so leads never wait for a free person there."""
    if not pool:
        return False
    name = " ".join(pool.casefold().split()).removeprefix("the ")
    return name in CUSTOMER_POOLS or (name.endswith("s") and name[:-1] in CUSTOMER_POOLS)


def iso_hours(text: str) -> float | None:
    """'PT2H30M' -> 2.5, 'P30D' -> 720; None when it is not an ISO 8601 duration."""
    text = text.strip().upper()
    match = _ISO.fullmatch(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        return None
    try:
        return sum(float(v) * size for v, size in zip(match.groups(), _ISO_HOURS, strict=True)
                   if v)
    except ValueError:
        return None


def make_id(wanted: str, used: set[str]) -> str:
    """A valid, unused laneforge id close to ``wanted`` ('sid-1.2' -> 'sid-1_2')."""
    base = wanted if is_identifier(wanted) else re.sub(r"[^A-Za-z0-9_\-]", "_", wanted)
    if not is_identifier(base):
        base = f"_{base}"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


def _is(element: Element, names: set[str]) -> bool:
    namespace, name = split_tag(element.tag)
    return namespace == MODEL and name in names


def _ref(value: str | None) -> str:
    return (value or "").strip().split(":")[-1]


def _text(element: Element | None) -> str:
    return clean("".join(element.itertext())) if element is not None else ""


@dataclass
class _Lane:
    key: str  # the BPMN lane id, or '<process id>#lane' for the pool's own lane
    name: str
    proc: str
    box: Rect | None
    lf: dict[str, Any] | None = None
    #: the name as the BPMN file gives it (without the parent lanes' names)
    own: str = ""
    #: the pool's name when the file has several pools (each becomes lanes of the process)
    pool: str | None = None


@dataclass
class _Reader:
    root: Element
    path: str | None
    fallback: str
    report: ImportReport = field(default_factory=ImportReport)
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    lanes: list[_Lane] = field(default_factory=list)
    lane_of: dict[str, str] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, tuple[Rect, str | None]] = field(default_factory=dict)
    pools: set[str] = field(default_factory=set)
    subprocesses: list[tuple[str, list[str]]] = field(default_factory=list)
    lf_process: dict[str, Any] | None = None
    foreign: set[str] = field(default_factory=set)
    defaults: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    #: DI waypoints of each sequence flow, by flow id
    waypoints: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    #: how a DI x becomes a laneforge x: (origin, scale, shift)
    xmap: tuple[float, float, float] = (0.0, 1.0, 0.0)
    #: the collaborations' <messageFlow> elements, read once every node is known
    message_flows: list[Element] = field(default_factory=list)
    #: participant id -> its process id (None: a black-box pool without a process)
    participants: dict[str, str | None] = field(default_factory=dict)
    #: names the collaborations give themselves
    collaboration_names: list[str] = field(default_factory=list)

    def unmapped(self, element: Element, detail: str = "") -> None:
        _, tag = split_tag(element.tag)
        name = clean(element.get("name")) or (
            _text(element.find(q(MODEL, "text"))) if tag == "textAnnotation" else "")
        text = f"{tag} {element.get('id', '(no id)')}" + (f" '{name}'" if name else "")
        self.report.unmapped.append(text + (f" {detail}" if detail else ""))

    def lf_data(self, element: Element, tag: str) -> dict[str, Any] | None:
        """laneforge's JSON in the element's extensionElements; notes other tools' data."""
        for name in element.attrib:
            if split_tag(name)[0] not in (None, XSI, LF):
                self.foreign.add(str(split_tag(name)[0]))
        holder = element.find(q(MODEL, "extensionElements"))
        for child in [] if holder is None else list(holder):
            namespace, _ = split_tag(child.tag)
            if child.tag != q(LF, tag):
                if namespace not in (None, LF):
                    self.foreign.add(namespace)
                continue
            try:
                value = json.loads(child.text or "")
                if isinstance(value, dict) and _CHECKS[tag](value):
                    return value
            except (ValueError, RecursionError):
                pass
            self.report.warnings.append(f"the laneforge data of {element.get('id')} is "
                                        "damaged; it was read as plain BPMN")
        return None

    # --- reading -------------------------------------------------------------------------
    def read_diagram(self) -> None:
        tops = {el.get("id") for el in self.root
                if split_tag(el.tag)[1] in ("collaboration", "process")}
        planes = [plane for diagram in self.root.findall(q(BPMNDI, "BPMNDiagram"))
                  for plane in diagram.findall(q(BPMNDI, "BPMNPlane"))]
        main = [p for p in planes if _ref(p.get("bpmnElement")) in tops] or planes[:1]
        for plane in main:  # a collapsed sub-process drawn on a plane of its own is left out
            for shape in plane.findall(q(BPMNDI, "BPMNShape")):
                bounds, key = shape.find(q(DC, "Bounds")), _ref(shape.get("bpmnElement"))
                if bounds is None or not key:
                    continue
                try:
                    values = [float(bounds.get(k, "")) for k in ("x", "y", "width", "height")]
                except ValueError:
                    continue
                if not all(_on_drawing(value) for value in values):
                    continue
                box = Rect(*values)
                self.shapes.setdefault(key, (box, shape.get("isHorizontal")))
            for edge in plane.findall(q(BPMNDI, "BPMNEdge")):
                key = _ref(edge.get("bpmnElement"))
                points = []
                for waypoint in edge.findall(q(DI, "waypoint")):
                    try:
                        x, y = float(waypoint.get("x", "")), float(waypoint.get("y", ""))
                    except ValueError:
                        points = []
                        break
                    if not (_on_drawing(x) and _on_drawing(y)):
                        points = []
                        break
                    points.append((x, y))
                if key and len(points) >= 2:
                    self.waypoints.setdefault(key, points)

    def box(self, key: str) -> Rect | None:
        shape = self.shapes.get(key)
        return shape[0] if shape else None

    def read_collaborations(self) -> dict[str, tuple[str, str]]:
        pools: dict[str, tuple[str, str]] = {}
        for collaboration in self.root.findall(q(MODEL, "collaboration")):
            self.collaboration_names.append(clean(collaboration.get("name")))
            for child in collaboration:
                namespace, tag = split_tag(child.tag)
                if namespace != MODEL or tag in SILENT:
                    continue
                if tag == "participant":
                    self.participants[child.get("id", "")] = _ref(child.get("processRef")) or None
                if tag == "messageFlow":
                    self.message_flows.append(child)
                elif tag == "participant" and child.get("processRef"):
                    pools[_ref(child.get("processRef"))] = (child.get("id", ""),
                                                           clean(child.get("name")))
                    self.pools.add(child.get("id", ""))
                    self.names.append(clean(child.get("name")))
                else:
                    self.unmapped(child, "(a pool without a process)"
                                  if tag == "participant" else "")
        return pools

    def read_lanes(self, lane_set: Element, proc: str, prefix: str,
                   pool: str | None = None) -> list[str]:
        """Leaf lanes become laneforge lanes named 'Parent / Child'; returns their keys."""
        leaves: list[str] = []
        for lane in lane_set.findall(q(MODEL, "lane")):
            key = lane.get("id") or f"lane{len(self.lanes) + 1}"
            name = prefix + (clean(lane.get("name")) or key)
            if pool and prefix == f"{pool} / " and clean(lane.get("name")) == pool:
                name = pool  # the one lane of a pool, named after it: no 'Consumer / Consumer'
            refs = [(ref.text or "").strip() for ref in lane.findall(q(MODEL, "flowNodeRef"))]
            children = lane.find(q(MODEL, "childLaneSet"))
            if children is not None and children.find(q(MODEL, "lane")) is not None:
                inner = self.read_lanes(children, proc, f"{name} / ", pool)
                for ref in refs:  # listed by the parent only: the first child lane takes it
                    self.lane_of.setdefault(ref, inner[0])
                leaves += inner
                continue
            self.lanes.append(_Lane(key, name, proc, self.box(key), self.lf_data(lane, "lane"),
                                    clean(lane.get("name")), pool))
            leaves.append(key)
            self.lane_of.update((ref, key) for ref in refs)
        return leaves

    def walk(self, container: Element, proc: str, parent: str | None) -> list[str]:
        """Flow nodes and sequence flows of a process or sub-process; returns the node keys."""
        keys: list[str] = []
        for element in container:
            namespace, tag = split_tag(element.tag)
            if namespace != MODEL:
                if namespace:
                    self.foreign.add(namespace)
                continue
            if tag == "sequenceFlow":
                self.add_flow(element)
            if tag in SILENT:
                continue
            key = element.get("id")
            if not key or key in self.nodes:
                self.unmapped(element, "(a second element with this id)" if key else "(no id)")
                continue
            node = self.make_node(element, tag, proc, parent)
            if node is None:
                continue
            self.nodes[key] = node
            keys.append(key)
            if parent is not None:
                self.parent[key] = parent
            if tag in SUBPROCESSES and node.kind == "junction":
                self.subprocesses.append((key, self.walk(element, proc, key)))
        return keys

    def make_node(self, el: Element, tag: str, proc: str, parent: str | None) -> Node | None:
        key, name = el.get("id", ""), clean(el.get("name"))
        node = Node(key, "task", tag, name, proc, self.box(key), self.lf_data(el, "node"),
                    default_flow=el.get("default"))
        definitions = {split_tag(c.tag)[1] for c in el if str(c.tag).endswith("EventDefinition")}
        if node.lf is not None:
            node.kind = str(node.lf.get("kind", "task"))
        elif tag in TASKS or tag in SUBPROCESSES:
            if el.get("triggeredByEvent") == "true":
                self.unmapped(el, "(event sub-process)")
                return None
            self.check_activity(el, node.label)
            inner = any(_is(child, FLOW_NODES) for child in el)
            if tag == "callActivity" or (tag in SUBPROCESSES and not inner):
                what = "call activity" if tag == "callActivity" else "sub-process"
                self.report.warnings.append(f"{what} {node.label} was imported as one task")
                for child in el:
                    if split_tag(child.tag)[1] not in SILENT | ACTIVITY_DATA | LOOPS:
                        self.unmapped(child, f"(inside {node.label})")
            elif tag in SUBPROCESSES:
                node.kind = "junction"
                self.report.warnings.append(f"sub-process {node.label} was flattened: its steps "
                                            "now sit in its lane, in the main flow")
        elif tag in GATEWAYS:
            node.kind, node.approx = "decision", None if tag == "exclusiveGateway" else tag
        elif tag == "startEvent":
            node.kind = "source" if parent is None else "junction"
        elif tag == "endEvent":
            node.kind, node.data = "end", {"outcome": outcome_from(name)}
        elif "linkEventDefinition" in definitions:
            node.kind = "junction"
            node.link = (tag, clean(el.find(q(MODEL, "linkEventDefinition")).get("name")))
        elif tag == "intermediateCatchEvent" and "timerEventDefinition" in definitions:
            found = el.find(f"{q(MODEL, 'timerEventDefinition')}/{q(MODEL, 'timeDuration')}")
            hours = iso_hours(_text(found))
            node.kind = "delay"
            node.data = {"duration": "1d" if hours is None else format_hours(hours)}
            if hours is None:
                self.defaults.setdefault("wait", []).append(node.label)
        elif tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            node.kind, node.data = "delay", {"duration": "0h"}
            self.defaults.setdefault("wait0", []).append(node.label)
        elif tag == "boundaryEvent":
            node.kind, node.attached = "junction", _ref(el.get("attachedToRef"))
        else:
            self.unmapped(el)
            return None
        return node

    def check_activity(self, element: Element, label: str) -> None:
        for child in element:
            namespace, tag = split_tag(child.tag)
            if namespace == MODEL and tag in ACTIVITY_DATA:
                self.unmapped(child, f"(on {label})")
            elif namespace == MODEL and tag in LOOPS:
                self.report.warnings.append(f"{label} repeats (loop or multi-instance marker); "
                                            "it was imported as one pass")

    def add_flow(self, element: Element) -> None:
        documentation = " ".join(_text(d) for d in element.findall(q(MODEL, "documentation")))
        condition = _text(element.find(q(MODEL, "conditionExpression")))
        self.flows.append(Flow(element.get("id"), element.get("sourceRef", ""),
                               element.get("targetRef", ""), clean(element.get("name")),
                               condition or None, documentation, self.lf_data(element, "edge")))

    def run(self) -> tuple[Process, ImportReport]:
        self.report.exporter = " ".join(filter(None, (self.root.get("exporter"),
                                                      self.root.get("exporterVersion")))) or None
        self.read_diagram()
        pools = self.read_collaborations()
        used = [el for el in self.root if el.tag == q(MODEL, "process") and (
            any(_is(c, FLOW_NODES) for c in el) or el.find(f".//{q(LF, 'lane')}") is not None)]
        for child in self.root:
            namespace, tag = split_tag(child.tag)
            if namespace == MODEL and tag != "collaboration" and child not in used:
                self.unmapped(child)
        pool_names: list[str] = []
        for process in used:
            key = process.get("id", "process")
            pool_id, pool_name = pools.get(key, ("", ""))
            name = pool_name or clean(process.get("name"))
            self.names.append(clean(process.get("name")))
            lf = self.lf_data(process, "process")
            self.lf_process = self.lf_process if self.lf_process is not None else lf
            pool = (name or key) if len(used) > 1 else None
            for lane_set in process.findall(q(MODEL, "laneSet")):
                self.read_lanes(lane_set, key, f"{name or key} / " if pool else "", pool)
            keys = self.walk(process, key, None)
            self.place(keys, key, name or "Process", pool_id, pool)
            pool_names.append(name or key)
        if not self.nodes:
            raise ProcessFileError(self.path, None, "the BPMN file has no process with tasks "
                                   "or events to import")
        if len(used) > 1:  # the process is the whole collaboration, not its first pool
            self.names = [n for n in self.collaboration_names if n] or [
                " and ".join(filter(None, (", ".join(pool_names[:-1]), pool_names[-1])))]
        self.read_messages()
        self.wire()
        contract(self.nodes, self.flows, self.report)
        return self.build()

    def place(self, keys: list[str], proc: str, pool_name: str, pool_id: str,
              pool: str | None = None) -> None:
        """Nodes no lane lists: the lane drawn around them, else a lane named after the pool."""
        bands = [lane for lane in self.lanes if lane.proc == proc and lane.box]
        homeless = [k for k in keys if k not in self.lane_of and self.nodes[k].lf is None]
        for key in homeless:
            box = self.nodes[key].box
            for lane in bands:
                if box and lane.box and lane.box.x <= box.cx <= lane.box.right and (
                        lane.box.y <= box.cy <= lane.box.bottom):
                    self.lane_of[key] = lane.key
                    break
        homeless = [k for k in homeless if k not in self.lane_of]
        if homeless:
            self.lanes.append(_Lane(f"{proc}#lane", pool_name, proc, self.box(pool_id),
                                    pool=pool))
            self.lane_of.update((key, f"{proc}#lane") for key in homeless)

    def read_messages(self) -> None:
        """Message flows between pools become hand-offs: the lead goes where the message goes.

        A message to a whole pool enters it at its first start event (else at its first step
        that no flow leads to); one from a whole pool cannot tell which step sends it and is
        left out, as is one to or from a black-box pool. A start event that another pool's
        step sends to is no source of its own, and an end event that sends is none of the
        lead's ends: both are passed through. A step that sends a message hands the lead
        over, so its sequence flows inside its own pool are left out."""
        if not self.message_flows:
            return
        known = {el.get("id") for el in self.root.iter() if el.get("id")}
        handed: list[Flow] = []
        for element in self.message_flows:
            key = element.get("id") or "(no id)"
            ends: list[str] = []
            for side in ("sourceRef", "targetRef"):
                ref = _ref(element.get(side))
                if not ref:
                    raise ProcessFileError(self.path, f"messageFlow {key}",
                                           f"has no {side}: a message flow joins two elements")
                if ref not in known:
                    raise ProcessFileError(self.path, f"messageFlow {key}",
                                           f"{side} {ref!r} names no element of the file")
                ends.append(ref)
            source, target = ends
            if any(self.participants.get(ref, "") is None for ref in ends):
                self.unmapped(element)  # a black-box pool: nothing in laneforge to join
                continue
            if source in self.participants:
                self.unmapped(element, "(sent by a whole pool: no step of it sends it)")
                continue
            if target in self.participants:
                target = self.entry(str(self.participants[target])) or target
            missing = [ref for ref in (source, target) if ref not in self.nodes]
            if missing:
                self.unmapped(element, f"(from {source} to {target}, which is not imported)")
                continue
            handed.append(Flow(
                element.get("id"), source, target, clean(element.get("name")), None,
                " ".join(_text(d) for d in element.findall(q(MODEL, "documentation"))),
                self.lf_data(element, "edge"), message=True))
        senders = {f.source for f in handed if self.nodes[f.source].lf is None}
        for flow in [f for f in self.flows if f.source in senders]:
            self.flows.remove(flow)
            self.report.warnings.append(
                f"{self.nodes[flow.source].label} sends a message to another pool, which takes "
                f"the lead on; its sequence flow to {self.label_of(flow.target)} was left out")
        for flow in handed:
            sender, receiver = self.nodes[flow.source], self.nodes[flow.target]
            if sender.lf is None and sender.tag == "endEvent":
                sender.kind, sender.data = "junction", {}
            if receiver.lf is None and receiver.tag == "startEvent" and receiver.kind == "source":
                receiver.kind = "junction"
                self.report.notes.append(f"start event {receiver.label} is reached by a message "
                                         f"from {sender.label}, so leads come from there")
        self.flows += handed

    def entry(self, proc: str) -> str | None:
        """Where a message to a whole pool enters: its first start event, else its first
        step that no sequence flow leads to."""
        top = [n for n in self.nodes.values() if n.proc == proc and n.key not in self.parent]
        targets = {f.target for f in self.flows}
        first = next((n for n in top if n.tag == "startEvent"), None) or next(
            (n for n in top if n.key not in targets), None)
        return first.key if first else None

    def label_of(self, key: str) -> str:
        return self.nodes[key].label if key in self.nodes else key

    def wire(self) -> None:
        """Implicit flows: into and out of sub-processes, out of boundary events, links."""
        for key, children in reversed(self.subprocesses):  # outer ones first
            sources = {f.source for f in self.flows}
            targets = {f.target for f in self.flows}
            if key in sources:
                exit_key, sub = f"{key}#out", self.nodes[key]
                self.nodes[exit_key] = Node(
                    exit_key, "junction", sub.tag, f"{sub.name} done" if sub.name else "",
                    sub.proc, sub.box and Rect(sub.box.right - 1, sub.box.cy - 1, 2, 2),
                    default_flow=sub.default_flow)
                self.parent[exit_key] = key
                for flow in self.flows:
                    flow.source = exit_key if flow.source == key else flow.source
                for child in children:
                    node = self.nodes[child]
                    if node.tag == "endEvent" or (child not in sources and
                                                  node.tag != "boundaryEvent"):
                        node.kind = "junction" if node.lf is None else node.kind
                        self.flows.append(Flow(None, child, exit_key, "", None, "", None))
            starts = [c for c in children if self.nodes[c].tag == "startEvent"] or [
                c for c in children if c not in targets and self.nodes[c].tag != "boundaryEvent"]
            self.flows += [Flow(None, key, start, "", None, "", None) for start in starts]
        catches: dict[str, str] = {}
        for node in self.nodes.values():
            if node.link and node.link[0] == "intermediateCatchEvent":
                catches.setdefault(node.link[1], node.key)
        sources = {f.source for f in self.flows}
        for node in list(self.nodes.values()):
            if node.link and node.link[0] == "intermediateThrowEvent" and node.link[1] in catches:
                self.flows.append(Flow(None, node.key, catches[node.link[1]], "", None, "", None))
            if node.attached is None:
                continue
            host = f"{node.attached}#out" if f"{node.attached}#out" in self.nodes else node.attached
            if host not in self.nodes or node.key not in sources:
                del self.nodes[node.key]
                self.report.unmapped.append(f"boundaryEvent {node.key}" + (
                    f" '{node.name}'" if node.name else "") + " (nothing follows it)")
                continue
            self.parent[node.key] = node.attached
            self.flows.append(Flow(None, host, node.key, "", None, "", None))
            self.report.warnings.append(f"boundary event {node.label} became an extra way out "
                                        f"of {self.nodes[node.attached].label}")

    # --- building the process ------------------------------------------------------------
    def lane_key(self, key: str) -> str | None:
        seen: set[str] = set()
        while key not in self.lane_of and key in self.parent and key not in seen:
            seen.add(key)
            key = self.parent[key]
        return self.lane_of.get(key)

    def build(self) -> tuple[Process, ImportReport]:
        order = (self.lf_process or {}).get("_order")
        if order:  # laneforge wrote several pools: the nodes' and edges' order in the process
            rank = {key: i for i, key in enumerate(order["nodes"] + order["edges"])}
            self.nodes = dict(sorted(self.nodes.items(), key=lambda kv: rank.get(kv[0], 1e9)))
            self.flows.sort(key=lambda flow: rank.get(flow.key or "", 1e9))
        nodes = list(self.nodes.values())
        votes = [(s[1] or "").lower() for k, s in self.shapes.items()
                 if k in self.pools or any(lane.key == k for lane in self.lanes)]
        vertical = votes.count("false") > votes.count("true")
        if vertical:
            self.report.warnings.append("the lanes are vertical; the diagram was turned so "
                                        "that they run from left to right")
        lanes = list(self.lanes)
        if lanes and all(lane.box for lane in lanes):
            lanes.sort(key=lambda lane: lane.box.x if vertical else lane.box.y)  # type: ignore
        used: set[str] = set()
        lane_ids = {lane.key: make_id(lane.lf["id"], used) for lane in lanes
                    if lane.lf and isinstance(lane.lf.get("id"), str)}
        for lane in lanes:
            if lane.key not in lane_ids:
                slug = re.sub(r"[^a-z0-9]+", "_", lane.name.lower()).strip("_") or "process"
                lane_ids[lane.key] = make_id(slug if "#" in lane.key else lane.key, used)
        used = set()
        node_ids = {n.key: make_id(n.lf["id"], used) for n in nodes
                    if n.lf and isinstance(n.lf.get("id"), str)}
        for n in nodes:
            node_ids.setdefault(n.key, make_id(n.key.replace("#", "_"), used))
        bands = {lane.key: lane.box.transposed() if vertical else lane.box
                 for lane in lanes if lane.box}
        positions = self.positions(nodes, bands, vertical)
        data = self.settings()
        data.pop("_order", None)
        data["lanes"] = [self.lane_data(lane, lane_ids[lane.key], bands.get(lane.key), nodes)
                         for lane in lanes]
        data["nodes"] = [self.node_data(n, node_ids[n.key], lane_ids, positions.get(n.key))
                         for n in nodes]
        types = _attribute_types(data.get("attributes"))
        data["edges"] = resolve_branches(self.nodes, self.flows, node_ids, types, self.report)
        data = _tidy_text(data, self.report)  # before flow_edges: bends edit these dicts
        flow_edges = list(zip(self.flows, data["edges"], strict=True))
        for index, edge in data.pop("_dangling_edges", []):
            data["edges"].insert(min(int(index), len(data["edges"])), edge)
        process = process_from_data(data, self.path)
        changed = False
        for index, lane in enumerate(lanes):  # a laneforge lane keeps its height unless resized
            band = bands.get(lane.key)
            if lane.lf is not None and band is not None and abs(
                    lane_height(process, process.lanes[index]) - band.h) > 1:
                data["lanes"][index]["height"] = tidy_number(band.h)
                changed = True
        process = process_from_data(data, self.path) if changed else process
        if self.bends(process, flow_edges, lanes, bands, vertical):
            process = process_from_data(data, self.path)
        self.finish(process)
        return process, self.report

    def attached(self, flow: Flow, points: list[tuple[float, float]]) -> bool:
        """Do the waypoints start and end at their nodes' shapes (not left behind by a move)?"""
        for key, (x, y) in ((flow.source, points[0]), (flow.target, points[-1])):
            box = self.nodes[key].box if key in self.nodes else None
            if box is None or not box.adjusted(-3, -3, 3, 3).contains(x, y):
                return False
        return True

    def bends(self, process: Process, flow_edges: list[tuple[Flow, dict[str, Any]]],
              lanes: list[_Lane], bands: dict[str, Rect], vertical: bool) -> bool:
        """Where a flow's DI waypoints differ from laneforge's own route, keep their inner
        corners as the edge's ``bends`` (a laneforge export comes back unchanged; waypoints
        that no longer touch their nodes, left behind by a move, are ignored)."""
        if not self.waypoints or not bands:
            return False
        layout = layout_diagram(process)
        tops = {lane.key: box.top for lane, box in zip(lanes, layout.lanes, strict=False)}
        origin, scale, shift = self.xmap
        ordered = sorted((band.y, band.bottom, key) for key, band in bands.items())

        def local(point: tuple[float, float]) -> tuple[float, float]:
            x, y = (point[1], point[0]) if vertical else point
            band = next(((top, key) for top, bottom, key in ordered if top <= y < bottom),
                        (ordered[0][0], ordered[0][2]))
            return (round((x - origin) * scale + shift, 1),
                    round(tops.get(band[1], 0.0) + y - band[0], 1))

        changed = False
        for flow, edge in flow_edges:
            points = self.waypoints.get(flow.key or "")
            route = layout.edges.get((edge["from"], edge["to"]))
            if points is None or route is None or not self.attached(flow, points):
                continue
            mine = [local(p) for p in points]
            if len(mine) == len(route.points) and all(
                    abs(a[0] - b[0]) <= 1.0 and abs(a[1] - b[1]) <= 1.0
                    for a, b in zip(mine, route.points, strict=True)):
                continue
            inner = mine[1:-1] if _fits(mine, (edge["from"], edge["to"]), layout) else []
            bends = [[tidy_number(x), tidy_number(y)] for x, y in inner]
            if bends != (edge.get("bends") or []):
                if bends:
                    edge["bends"] = bends
                else:
                    edge.pop("bends", None)
                changed = True
        return changed

    def positions(self, nodes: list[Node], bands: dict[str, Rect], vertical: bool
                  ) -> dict[str, tuple[float, float]]:
        """Lane-relative centres from the diagram: x from the lanes' left edge, y from the top."""
        boxes = {n.key: n.box.transposed() if vertical else n.box for n in nodes if n.box}
        if not boxes:
            self.report.notes.append("the file has no diagram (DI): laneforge lays the process "
                                     "out when it is opened")
            return {}
        real = [b for key, b in bands.items() if "#" not in key] or list(bands.values())
        origin = min(b.x for b in real) + BAND if real else min(b.x for b in boxes.values()) - 20
        self.xmap = (origin, 1.0, 0.0)
        top = min(b.y for b in boxes.values()) - 40
        out: dict[str, tuple[float, float]] = {}
        for node in nodes:
            box, band = boxes.get(node.key), bands.get(self.lane_key(node.key) or "")
            if box is not None:
                out[node.key] = (box.cx - origin, box.cy - (band.y if band else top))
        generic = [n for n in nodes if n.lf is None and n.key in out]
        if generic and self.lf_process is None:
            scale = self.spread(generic, out)
            left = min(out[n.key][0] * scale - node_size(n.kind)[0] / 2 for n in generic)
            for n in generic:
                x, y = out[n.key]
                out[n.key] = (x * scale + max(0.0, 10.0 - left),
                              max(y, node_size(n.kind)[1] / 2 + 4))
            self.xmap = (origin, scale, max(0.0, 10.0 - left))
        return out

    def spread(self, nodes: list[Node], out: dict[str, tuple[float, float]]) -> float:
        """How much to widen the picture so laneforge's larger shapes keep a gap of GAP."""
        scale, rows = 1.0, sorted(nodes, key=lambda n: (self.lane_key(n.key) or "", out[n.key]))
        for a, b in itertools.pairwise(rows):
            (ax, ay), (bx, by) = out[a.key], out[b.key]
            (aw, ah), (bw, bh) = node_size(a.kind), node_size(b.kind)
            same_row = abs(ay - by) < (ah + bh) / 2 and self.lane_key(a.key) == self.lane_key(
                b.key)
            if same_row and bx - ax >= 1:
                scale = max(scale, ((aw + bw) / 2 + GAP) / (bx - ax))
        return min(scale, 4.0)

    def settings(self) -> dict[str, Any]:
        name = next((n for n in self.names if n), "")
        if self.lf_process is not None:
            self.report.restored = True
            old = str(self.lf_process.get("name", ""))
            return {**self.lf_process, "name": name if name and name != clean(old) else old}
        name = name or self.fallback
        data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": name}
        process = self.root.find(q(MODEL, "process"))
        documentation = process.find(q(MODEL, "documentation")) if process is not None else None
        if _text(documentation):
            data["description"] = "".join(documentation.itertext()).strip()  # type: ignore
        return data

    def lane_data(self, lane: _Lane, lane_id: str, band: Rect | None, nodes: list[Node]) -> dict:
        if lane.lf is not None:  # a name changed in another tool keeps its pool's prefix
            old = str(lane.lf.get("name", ""))
            shown = pool_lane_name(old, lane.lf.get("pool"))
            edited = bool(lane.own) and lane.own != clean(shown)
            return {**lane.lf, "id": lane_id,
                    "name": old[: len(old) - len(shown)] + lane.own if edited else old}
        tasks = [n for n in nodes if n.kind == "task" and self.lane_key(n.key) == lane.key]
        customer = customer_side(lane.pool)
        if tasks:
            self.defaults.setdefault("customer" if customer else "staff", []).append(
                f"'{lane.name}'")
        data: dict[str, Any] = {"id": lane_id, "name": lane.name,
                                "staff": 1 if tasks and not customer else None}
        if band is not None:
            data["height"] = tidy_number(max(band.h, 60.0))
        if lane.pool:
            data["pool"] = lane.pool
        return data

    def node_data(self, node: Node, node_id: str, lane_ids: dict[str, str],
                  pos: tuple[float, float] | None) -> dict[str, Any]:
        lane_key = self.lane_key(node.key)
        if node.lf is not None:  # laneforge's own data; the diagram wins where it was edited
            data = {**node.lf, "id": node_id}
            old = str(data.get("name", ""))
            data["name"] = node.name if node.name and node.name != clean(old) else old
            if lane_key is None:
                return data
            data["lane"] = lane_ids[lane_key]
            old = data.get("pos")
            known = old if isinstance(old, list) and len(old) == 2 else UNPLACED
            if pos is not None and max(abs(pos[0] - known[0]), abs(pos[1] - known[1])) > 1:
                data["pos"] = [tidy_number(pos[0]), tidy_number(pos[1])]
            return data
        data = {"id": node_id, "kind": node.kind, "lane": lane_ids.get(lane_key or "", ""),
                "name": node.name, **node.data}
        if node.kind == "source":
            data["arrivals"] = {"rate": DEFAULT_RATE}
        elif node.kind == "task":
            data["duration"] = dict(DEFAULT_DURATION)
        if node.kind in ("source", "task"):
            self.defaults.setdefault(node.kind, []).append(node.label)
        if pos is not None:
            data["pos"] = [tidy_number(pos[0]), tidy_number(pos[1])]
        return data

    def finish(self, process: Process) -> None:
        for category, (noun, text) in _DEFAULTS.items():
            labels = self.defaults.get(category, [])
            if labels:
                shown = ", ".join(labels[:8]) + (", …" if len(labels) > 8 else "")
                plural = noun if len(labels) == 1 else f"{noun}s"
                self.report.notes.append(f"{len(labels)} {plural} ({shown}): {text}")
        if self.foreign:
            self.report.notes.append("settings of other tools were ignored (namespaces: "
                                     + ", ".join(sorted(self.foreign)) + ")")
        if len(process.nodes) > CHECK_LIMIT:  # validation takes time that grows as nodes x edges
            self.report.notes.append(f"{len(process.nodes)} nodes: run 'laneforge validate' "
                                     "to check the imported process")
            return
        for problem in [p for p in validate_process(process) if p.severity == "error"][:10]:
            self.report.warnings.append(f"after import: {problem}")


def _fits(points: list[tuple[float, float]], ends: tuple[str, str], layout: Any) -> bool:
    """Can laneforge's route take these waypoints' corners: the stretches between them
    axis-parallel, and none crossing a node or node label (other than its own end's; most
    tools draw nodes smaller than laneforge)?"""
    boxes = [(box.id, rect) for box in layout.nodes.values()
             for rect in (box.shape, box.label) if rect is not None]
    last = len(points) - 2
    for i, ((x1, y1), (x2, y2)) in enumerate(itertools.pairwise(points)):
        if 0 < i < last and abs(x1 - x2) > 0.5 and abs(y1 - y2) > 0.5:
            return False
        mine = {ends[0]} if i == 0 else set()
        mine |= {ends[1]} if i == last else set()
        for node_id, r in boxes:
            if node_id not in mine and min(x1, x2) < r.right and r.left < max(x1, x2) and (
                    min(y1, y2) < r.bottom and r.top < max(y1, y2)):
                return False
    return True


def _process_ok(value: dict[str, Any]) -> bool:
    """Settings as laneforge wrote them: the format header, and nothing the model refuses."""
    if value.get("format") != FORMAT or not isinstance(value.get("version"), int):
        return False
    dangling = value.get("_dangling_edges", [])
    if not isinstance(dangling, list) or not all(
            isinstance(d, list) and len(d) == 2 and isinstance(d[0], int) for d in dangling):
        return False
    order = value.get("_order", {"nodes": [], "edges": []})
    if not isinstance(order, dict) or not all(
            isinstance(order.get(k), list) and all(isinstance(i, str) for i in order[k])
            for k in ("nodes", "edges")):
        return False
    settings = {k: v for k, v in value.items()
                if k not in ("_dangling_edges", "_order", "version")}
    return bool(Process.model_validate(settings)) and all(
        Edge.model_validate(edge) for _, edge in dangling)


_NODE = TypeAdapter(Node_)
#: does a piece of laneforge JSON make a valid process part? (ValueError when it does not)
_CHECKS = {
    "process": _process_ok,
    "lane": lambda value: bool(Lane.model_validate(value)),
    "node": lambda value: bool(_NODE.validate_python(value)),
    "edge": lambda value: bool(Edge.model_validate({**value, "from": "a", "to": "b"})),
}


def _attribute_types(attributes: Any) -> dict[str, str]:
    if not attributes:
        return {}
    try:
        return Process.model_validate({"attributes": attributes}).attribute_types()
    except ValueError:
        return {}


def _on_drawing(value: float) -> bool:
    """A coordinate or size laneforge can lay out (finite, within the coordinate limit);
    a shape or waypoint with another is read as if it had no place."""
    return math.isfinite(value) and not limits.COORDINATE.exceeded(abs(value))


def _tidy_text(data: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    """Another tool's text made fit for a process: characters that are not text replaced
    by U+FFFD, names over the name limit shortened; each change is reported."""
    changed: list[str] = []

    def tidy(value: Any, key: Any) -> Any:
        if isinstance(value, dict):
            return {k: tidy(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [tidy(v, key) for v in value]
        if not isinstance(value, str):
            return value
        text = clean_text(value)
        if text != value:
            changed.append(f"{text[:40]!r} (characters that are not text replaced)")
        limit = limits.NAME if key in NAME_KEYS else limits.TEXT
        if len(text) > limit.value:
            text = text[: int(limit.value) - 1] + "…"
            changed.append(f"{text[:40]!r} (shortened to {int(limit.value)} characters)")
        return text

    data = tidy(data, None)
    for what in changed[:5]:
        report.warnings.append(f"text {what}")
    if len(changed) > 5:
        report.warnings.append(f"{len(changed) - 5} more texts tidied the same way")
    return data


def read_process(root: Element, path: str | None, fallback: str) -> tuple[Process, ImportReport]:
    """The process in a parsed BPMN ``<definitions>`` element, and what the import changed.

    Whatever the file holds, the only error raised is :class:`ProcessFileError`."""
    try:
        return _Reader(root, path, fallback).run()
    except ProcessFileError:
        raise
    except RecursionError:
        raise ProcessFileError(path, None, "the BPMN file is nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # something in the file no reader rule foresaw: one message, never a traceback
        raise ProcessFileError(path, None, f"cannot import this BPMN file: "
                               f"{type(exc).__name__}: {exc}") from None
