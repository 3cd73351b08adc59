"""Write BPMN 2.0 XML: one pool, its lanes, nodes and flows, with the diagram geometry (DI)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from .._version import __version__
from ..model import CadenceNode, Edge, NodeBase, Process, mean_hours
from ..model.geometry import Diagram, layout_diagram, pool_lane_name, pool_runs
from ..model.shapes import DEFAULT_LANE_HEIGHT, Rect
from ..model.types import tidy_number
from .bpmn import (
    BPMNDI,
    DC,
    DI,
    LF,
    LF_EXPRESSION,
    MODEL,
    NOT_XML,
    PREFIXES,
    XSI,
    q,
    xml_safe,
)

#: BPMN tools draw the name of a pool, and of each lane, in a band this wide
BAND = 30.0
#: top-left corner of the pool in exported diagrams; laneforge's x = 0 is two bands right of it
POOL_X, POOL_Y = 20.0, 20.0
ORIGIN_X = POOL_X + 2 * BAND


for _prefix, _uri in PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

TARGET_NAMESPACE = "https://laneforge.dev/bpmn/processes"


def _json(value: Any) -> str:
    """JSON for an extension element; what XML cannot hold is written as a \\u escape."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _num(value: float) -> str:
    return str(tidy_number(value))


def iso_duration(hours: float) -> str:
    """Hours as an ISO 8601 duration: 0.25 -> 'PT15M', 30 * 24 -> 'P30D', 26.5 -> 'P1DT2H30M'."""
    seconds = round(hours * 3600)
    days, rest = divmod(seconds, 86400)
    parts = [f"{days}D"] if days else []
    clock = ""
    for size, unit in ((3600, "H"), (60, "M"), (1, "S")):
        count, rest = divmod(rest, size)
        clock += f"{count}{unit}" if count else ""
    text = "P" + "".join(parts) + (f"T{clock}" if clock else "")
    return text if text != "P" else "PT0S"


class _Ids:
    """Unique XML ids: every id in a BPMN file, node, lane, flow or shape, shares one space."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        candidate, number = wanted, 2
        while candidate in self.used:
            candidate, number = f"{wanted}_{number}", number + 1
        self.used.add(candidate)
        return candidate


def describe_edge(edge: Edge) -> str | None:
    """Documentation for a flow BPMN cannot express: its probability, decay or default role."""
    parts = []
    if edge.probability is not None:
        parts.append(f"probability {edge.probability:g} ({edge.probability * 100:.4g} %)")
    if edge.decay is not None:
        since = f" since {edge.decay.since}" if edge.decay.since else " since the lead arrived"
        parts.append(f"halving every {edge.decay.half_life}{since}")
    if edge.default:
        parts.append("default branch: takes what the others leave")
    return "; ".join(parts) or None


class _Writer:
    def __init__(self, process: Process) -> None:
        self.p = process
        self.data = process.to_data()
        self.ids = _Ids()
        node_ids = {node.id for node in process.nodes}
        self.node = {node.id: self.ids.take(node.id) for node in process.nodes}
        self.lane = {lane.id: self.ids.take(f"Lane_{lane.id}") for lane in process.lanes}
        self.pools = pool_runs(process)
        pool_of_lane = {lane: k for k, (_, lanes) in enumerate(self.pools) for lane in lanes}
        #: node id -> index of its pool (a node in no lane goes with the first pool)
        self.pool_of = {node.id: pool_of_lane.get(node.lane, 0) for node in process.nodes}
        self.flows: list[tuple[int, Edge, str]] = []
        self.dangling: list[list[Any]] = []
        for index, edge in enumerate(process.edges):
            if edge.source in node_ids and edge.target in node_ids:
                self.flows.append((index, edge, self.ids.take(f"Flow_{edge.source}_{edge.target}")))
            else:  # an edge to a node that does not exist: only laneforge can keep it
                self.dangling.append([index, self.data["edges"][index]])
        self.ends: dict[tuple[str, str], list[str]] = {}  # (node, incoming/outgoing) -> flows
        for _, edge, flow_id in self.flows:
            if self.crosses(edge):  # a message flow: no sequence flow of either node
                continue
            self.ends.setdefault((edge.target, "incoming"), []).append(flow_id)
            self.ends.setdefault((edge.source, "outgoing"), []).append(flow_id)
            if edge.default:
                self.ends.setdefault((edge.source, "default"), []).append(flow_id)
        self.process_ids = [self.ids.take("Process_1")]
        self.collaboration_id = self.ids.take("Collaboration_1")
        self.participant_ids = [self.ids.take("Participant_1")]
        for number in range(2, len(self.pools) + 1):
            self.process_ids.append(self.ids.take(f"Process_{number}"))
            self.participant_ids.append(self.ids.take(f"Participant_{number}"))

    def crosses(self, edge: Edge) -> bool:
        """Does the edge go from one pool to another (BPMN: a message flow)?"""
        return self.pool_of[edge.source] != self.pool_of[edge.target]

    def pool_name(self, index: int) -> str:
        name = self.pools[index][0]
        return name if name is not None and len(self.pools) > 1 else self.p.name

    def write(self) -> str:
        root = ET.Element(q(MODEL, "definitions"), {
            "id": self.ids.take("Definitions_1"), "targetNamespace": TARGET_NAMESPACE,
            "exporter": "laneforge", "exporterVersion": __version__})
        collaboration = ET.SubElement(root, q(MODEL, "collaboration"), id=self.collaboration_id)
        if len(self.pools) > 1:
            collaboration.set("name", xml_safe(self.p.name))
        for index, participant_id in enumerate(self.participant_ids):
            ET.SubElement(collaboration, q(MODEL, "participant"), id=participant_id,
                          name=xml_safe(self.pool_name(index)),
                          processRef=self.process_ids[index])
        for index, edge, flow_id in self.flows:
            if self.crosses(edge):
                self.write_flow(collaboration, edge, flow_id, self.data["edges"][index],
                                "messageFlow")
        for index in range(len(self.pools)):
            self.write_process(root, index)
        self.write_diagram(root)
        ET.indent(root, space="  ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    def extension(self, parent: ET.Element, tag: str, value: Any) -> None:
        holder = ET.SubElement(parent, q(MODEL, "extensionElements"))
        ET.SubElement(holder, q(LF, tag)).text = _json(value)

    def write_process(self, root: ET.Element, pool: int) -> None:
        """The process of one pool; the first one also holds the process's settings."""
        p = self.p
        process = ET.SubElement(root, q(MODEL, "process"), id=self.process_ids[pool],
                                name=xml_safe(self.pool_name(pool)),
                                isExecutable="false")
        if p.description and pool == 0:
            ET.SubElement(process, q(MODEL, "documentation")).text = xml_safe(p.description)
        if pool == 0:
            settings = {k: v for k, v in self.data.items() if k not in ("lanes", "nodes", "edges")}
            if self.dangling:
                settings["_dangling_edges"] = self.dangling
            if len(self.pools) > 1:  # written pool by pool: the order to restore
                settings["_order"] = {"nodes": [self.node[n.id] for n in p.nodes],
                                      "edges": [flow_id for _, _, flow_id in self.flows]}
            self.extension(process, "process", settings)
        lanes = set(self.pools[pool][1])
        if lanes:
            lane_set = ET.SubElement(process, q(MODEL, "laneSet"),
                                     id=self.ids.take(f"LaneSet_{pool + 1}"))
            for index, lane in enumerate(p.lanes):
                if lane.id not in lanes:
                    continue
                element = ET.SubElement(lane_set, q(MODEL, "lane"), id=self.lane[lane.id])
                name = pool_lane_name(lane.name, lane.pool) if len(self.pools) > 1 else lane.name
                if name:
                    element.set("name", xml_safe(name))
                self.extension(element, "lane", self.data["lanes"][index])
                for node in p.nodes_in_lane(lane.id):
                    ET.SubElement(element, q(MODEL, "flowNodeRef")).text = self.node[node.id]
        for index, node in enumerate(p.nodes):
            if self.pool_of[node.id] == pool:
                self.write_node(process, node, self.data["nodes"][index])
        for index, edge, flow_id in self.flows:
            if self.pool_of[edge.source] == pool and not self.crosses(edge):
                self.write_flow(process, edge, flow_id, self.data["edges"][index])

    def write_node(self, process: ET.Element, node: NodeBase, data: dict[str, Any]) -> None:
        staffed = self.p.has_lane(node.lane) and self.p.lane(node.lane).limited
        tag = {"source": "startEvent", "task": "userTask" if staffed else "task",
               "decision": "exclusiveGateway", "delay": "intermediateCatchEvent",
               "cadence": "sendTask", "end": "endEvent"}.get(node.kind, "task")
        element = ET.SubElement(process, q(MODEL, tag), id=self.node[node.id])
        if node.name:
            element.set("name", xml_safe(node.name))
        default = self.ends.get((node.id, "default"))
        if default and tag in ("exclusiveGateway", "userTask", "task"):
            element.set("default", default[0])
        self.extension(element, "node", data)
        for direction in ("incoming", "outgoing"):
            for flow_id in self.ends.get((node.id, direction), []):
                ET.SubElement(element, q(MODEL, direction)).text = flow_id
        if isinstance(node, CadenceNode):
            self.write_loop(element, node)
        if tag == "intermediateCatchEvent":
            timer = ET.SubElement(element, q(MODEL, "timerEventDefinition"),
                                  id=self.ids.take(f"{self.node[node.id]}_timer"))
            duration = getattr(node, "duration", None)
            if duration is not None:
                expression = ET.SubElement(timer, q(MODEL, "timeDuration"))
                expression.set(q(XSI, "type"), "bpmn:tFormalExpression")
                expression.text = iso_duration(mean_hours(duration))

    def write_loop(self, element: ET.Element, node: CadenceNode) -> None:
        """A cadence as BPMN draws a repeated task: a send task with standard loop
        characteristics, at most ``times`` rounds, looping while the lead has not answered
        and ``until`` does not hold (laneforge reads the cadence back from its own data)."""
        loop = ET.SubElement(element, q(MODEL, "standardLoopCharacteristics"),
                             id=self.ids.take(f"{self.node[node.id]}_loop"),
                             testBefore="false", loopMaximum=str(node.times))
        ET.SubElement(loop, q(MODEL, "documentation")).text = xml_safe(
            f"every {node.every}, up to {node.times} times")
        stop = "responded" if node.until is None else f"responded or ({node.until})"
        condition = ET.SubElement(loop, q(MODEL, "loopCondition"), language=LF_EXPRESSION)
        condition.set(q(XSI, "type"), "bpmn:tFormalExpression")
        condition.text = xml_safe(f"not ({stop})")

    def write_flow(self, parent: ET.Element, edge: Edge, flow_id: str, data: dict,
                   tag: str = "sequenceFlow") -> None:
        """A sequence flow in a process, or a message flow (no condition) in the collaboration."""
        element = ET.SubElement(parent, q(MODEL, tag), id=flow_id,
                                sourceRef=self.node[edge.source], targetRef=self.node[edge.target])
        if edge.label:
            element.set("name", xml_safe(edge.label))
        documentation = describe_edge(edge)
        if documentation:
            ET.SubElement(element, q(MODEL, "documentation")).text = xml_safe(documentation)
        self.extension(element, "edge", data)
        if edge.when is not None and tag == "sequenceFlow":
            condition = ET.SubElement(element, q(MODEL, "conditionExpression"),
                                      language=LF_EXPRESSION)
            condition.set(q(XSI, "type"), "bpmn:tFormalExpression")
            condition.text = xml_safe(edge.when)

    def write_diagram(self, root: ET.Element) -> None:
        """Shapes and waypoints from ``layout_diagram``: the same boxes, routes and label
        boxes as the canvas, moved so that the pool's and lanes' name bands fit left of x = 0."""
        layout = layout_diagram(self.p)
        diagram = ET.SubElement(root, q(BPMNDI, "BPMNDiagram"), id=self.ids.take("BPMNDiagram_1"),
                                name=xml_safe(self.p.name))
        plane = ET.SubElement(diagram, q(BPMNDI, "BPMNPlane"), id=self.ids.take("BPMNPlane_1"),
                              bpmnElement=self.collaboration_id)
        if len(self.pools) == 1:
            self.shape(plane, self.participant_ids[0], _pool(layout), isHorizontal="true")
        else:  # each pool spans its lanes, stacked as on the canvas
            boxes = {box.id: box.rect for box in layout.lanes}
            for index, (_, lanes) in enumerate(self.pools):
                top, bottom = boxes[lanes[0]].y, boxes[lanes[-1]].bottom
                self.shape(plane, self.participant_ids[index],
                           Rect(POOL_X, top + POOL_Y, 2 * BAND + layout.width, bottom - top),
                           isHorizontal="true")
        for box in layout.lanes:
            rect = box.rect
            self.shape(plane, self.lane[box.id], Rect(POOL_X + BAND, rect.y + POOL_Y,
                                                      BAND + layout.width, rect.h),
                       isHorizontal="true")
        for node in self.p.nodes:
            nbox = layout.nodes[node.id]
            label = None if nbox.label is None else _moved(nbox.label)
            extra = {"isMarkerVisible": "true"} if node.kind == "decision" else {}
            self.shape(plane, self.node[node.id], _moved(nbox.shape), label, **extra)
        for _, edge, flow_id in self.flows:
            route = layout.edges[edge.key]
            element = ET.SubElement(plane, q(BPMNDI, "BPMNEdge"),
                                    id=self.ids.take(f"{flow_id}_di"), bpmnElement=flow_id)
            for x, y in route.points:
                ET.SubElement(element, q(DI, "waypoint"), x=_num(x + ORIGIN_X),
                              y=_num(y + POOL_Y))
            if route.label_rect is not None:
                _bounds(ET.SubElement(element, q(BPMNDI, "BPMNLabel")),
                        _moved(route.label_rect))

    def shape(self, plane: ET.Element, element_id: str, box: Rect, label: Rect | None = None,
              **attributes: str) -> None:
        shape = ET.SubElement(plane, q(BPMNDI, "BPMNShape"), id=self.ids.take(f"{element_id}_di"),
                              bpmnElement=element_id, **attributes)
        _bounds(shape, box)
        if label is not None:
            _bounds(ET.SubElement(shape, q(BPMNDI, "BPMNLabel")), label)


def _moved(rect: Rect) -> Rect:
    """A diagram rectangle in the BPMN file's coordinates."""
    return Rect(rect.x + ORIGIN_X, rect.y + POOL_Y, rect.w, rect.h)


def _pool(layout: Diagram) -> Rect:
    height = sum(box.rect.h for box in layout.lanes)
    return Rect(POOL_X, POOL_Y, 2 * BAND + layout.width, max(height, DEFAULT_LANE_HEIGHT))


def _bounds(parent: ET.Element, box: Rect) -> None:
    ET.SubElement(parent, q(DC, "Bounds"), x=_num(box.x), y=_num(box.y), width=_num(box.w),
                  height=_num(box.h))


def write_bpmn(process: Process) -> str:
    """The BPMN 2.0 XML text of ``process`` (see :func:`laneforge.io.bpmn.export_bpmn`)."""
    return _Writer(process).write()
