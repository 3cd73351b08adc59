"""Paint a whole process (lanes, edges, nodes, markers) onto any QPainter."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QPainter

from ..model import Process, errors, validate
from ..model.geometry import Diagram, layout_diagram
from ..model.units import format_hours
from .painter import (
    LaneDecor,
    NodeDecor,
    draw_edge,
    draw_lane,
    draw_node,
    draw_phase,
    draw_pool,
    qrect,
)
from .theme import LIGHT, Theme


@dataclass
class Decorations:
    """Per-item extras: problems, results tint and badges, lane loads."""

    nodes: dict[str, NodeDecor] = field(default_factory=dict)
    lanes: dict[str, LaneDecor] = field(default_factory=dict)
    edge_problems: dict[tuple[str, str], str] = field(default_factory=dict)


def node_markers(process: Process) -> dict[str, NodeDecor]:
    """Stage and SLA markers for every node (what the canvas always shows)."""
    decor = {node.id: NodeDecor(stage=node.stage) for node in process.nodes}
    for sla in process.slas:
        if sla.target in decor:
            decor[sla.target].slas.append(format_hours(sla.within.hours))
    return decor


def problem_decorations(process: Process, base: Decorations | None = None) -> Decorations:
    decorations = base or Decorations(nodes=node_markers(process))
    for problem in validate(process):
        severity = problem.severity
        if problem.node and problem.node in decorations.nodes:
            current = decorations.nodes[problem.node].problem
            if current != "error":
                decorations.nodes[problem.node].problem = severity
        if problem.edge and decorations.edge_problems.get(problem.edge) != "error":
            decorations.edge_problems[problem.edge] = severity
    return decorations


def paint_diagram(painter: QPainter, process: Process, diagram: Diagram | None = None,
                  theme: Theme = LIGHT, decorations: Decorations | None = None,
                  *, background: bool = True) -> Diagram:
    diagram = diagram or layout_diagram(process)
    decorations = decorations or Decorations(nodes=node_markers(process))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    if background:
        painter.fillRect(qrect(diagram.bounds), QColor(theme.canvas))
    for box in diagram.lanes:
        lane = process.lane(box.id)
        decor = decorations.lanes.get(box.id) or LaneDecor()
        decor.index = box.index
        draw_lane(painter, box, lane, theme, decor, lane.calendar)
    for pool in diagram.pools:
        draw_pool(painter, pool, theme)
    for phase_box, phase in zip(diagram.phases, process.phases, strict=False):
        draw_phase(painter, phase_box, phase, theme)
    messages = message_keys(process)
    for key, route in diagram.edges.items():
        draw_edge(painter, route, theme, problem=decorations.edge_problems.get(key),
                  message=key in messages)
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is not None:
            draw_node(painter, node, box, theme, decorations.nodes.get(node.id))
    return diagram


def message_keys(process: Process) -> set[tuple[str, str]]:
    """The edges drawn as message flows (hand-offs between pools)."""
    return {edge.key for edge in process.edges if edge.message}


def has_errors(process: Process) -> bool:
    return bool(errors(validate(process)))
