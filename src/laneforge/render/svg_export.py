"""The diagram as SVG for vector editors: one group per lane, edge and node, with ids and
classes, drawn by the canvas's painter so it looks as the PNG and PDF do.

QSvgGenerator writes one flat list of groups (one per painter state), so nothing says
which lane or node a shape belongs to. Each element is therefore painted in a pass of its
own, and the passes' output, read back with an XML parser, is wrapped in a group:

    <g id="node-first_call" class="node task lane-inside_sales">…</g>
    <g id="edge-first_call-to-reached" class="edge" data-from="first_call" …>…</g>
    <g id="lane-inside_sales" class="lane">…</g>

Text stays text. The generator works at 96 dpi, the canvas's, so point sizes are as large
against the shapes as on screen (at its default 72 dpi the labels came out 3/4 size).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QPainter
from PySide6.QtSvg import QSvgGenerator

from ..model import Process
from ..model.geometry import Diagram
from .diagram import Decorations, message_keys
from .painter import LaneDecor, draw_edge, draw_lane, draw_node, draw_phase, draw_pool
from .pdf_page import SCENE_DPI
from .theme import Theme

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)


@dataclass
class Part:
    """One element of the drawing: its group's id, classes, data and how to paint it."""

    id: str
    classes: str
    paint: Callable[[QPainter], None]
    title: str = ""
    data: dict[str, str] | None = None


def parts(process: Process, diagram: Diagram, theme: Theme, decor: Decorations) -> list[Part]:
    """The lanes, the pools, the phase columns, the edges, then the nodes: the painter's order
    (diagram.paint_diagram)."""
    result: list[Part] = []
    for box in diagram.lanes:
        lane = process.lane(box.id)
        lane_decor = decor.lanes.get(box.id) or LaneDecor()
        lane_decor.index = box.index

        def paint_lane(p: QPainter, box: Any = box, lane: Any = lane,
                       lane_decor: LaneDecor = lane_decor) -> None:
            draw_lane(p, box, lane, theme, lane_decor, lane.calendar)

        result.append(Part(f"lane-{box.id}", "lane", paint_lane, lane.label))
    for pool in diagram.pools:

        def paint_pool(p: QPainter, pool: Any = pool) -> None:
            draw_pool(p, pool, theme)

        result.append(Part(f"pool-{pool.index + 1}", "pool", paint_pool, pool.name,
                           {"lanes": " ".join(pool.lanes)}))
    for phase_box, phase in zip(diagram.phases, process.phases, strict=False):

        def paint_phase(p: QPainter, phase_box: Any = phase_box, phase: Any = phase) -> None:
            draw_phase(p, phase_box, phase, theme)

        result.append(Part(f"phase-{phase.id}", "phase", paint_phase, phase.label))
    messages = message_keys(process)
    for key, route in diagram.edges.items():
        problem = decor.edge_problems.get(key)
        message = key in messages

        def paint_edge(p: QPainter, route: Any = route, problem: str | None = problem,
                       message: bool = message) -> None:
            draw_edge(p, route, theme, problem=problem, message=message)

        result.append(Part(f"edge-{key[0]}-to-{key[1]}", "edge message" if message else "edge",
                           paint_edge,
                           route.label, {"from": key[0], "to": key[1]}))
    for node in process.nodes:
        node_box = diagram.nodes.get(node.id)
        if node_box is None:
            continue

        def paint_node(p: QPainter, node: Any = node, node_box: Any = node_box) -> None:
            draw_node(p, node, node_box, theme, decor.nodes.get(node.id))

        result.append(Part(f"node-{node.id}", f"node {node.kind} lane-{node.lane}", paint_node,
                           node.label))
    return result


def _generate(rect: QRectF, paint: Callable[[QPainter], None], title: str = "",
              description: str = "") -> ElementTree.Element:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(SCENE_DPI)
    generator.setSize(QSize(int(rect.width()), int(rect.height())))
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    if title:
        generator.setTitle(title)
    if description:
        generator.setDescription(description)
    painter = QPainter(generator)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.translate(-rect.x(), -rect.y())
    paint(painter)
    painter.end()
    buffer.close()
    return ElementTree.fromstring(bytes(data.data()))


def _content(root: ElementTree.Element) -> list[ElementTree.Element]:
    """What a pass painted: the groups inside the generator's outer group."""
    outer = root.find(f"{{{SVG_NS}}}g")
    return list(outer) if outer is not None else []


def grouped_svg(process: Process, diagram: Diagram, rect: QRectF, theme: Theme,
                decor: Decorations, *, title: str, description: str,
                background: bool = True) -> str:
    """The SVG document with one group per element (see the module's docstring)."""

    def fill(p: QPainter) -> None:
        if background:
            p.fillRect(rect, QColor(theme.canvas))

    root = _generate(rect, fill, title, description)
    root.set("width", f"{rect.width():g}")
    root.set("height", f"{rect.height():g}")
    outer = root.find(f"{{{SVG_NS}}}g")
    assert outer is not None
    for child in list(outer):
        outer.remove(child)
    backdrop = ElementTree.SubElement(outer, f"{{{SVG_NS}}}g", {"id": "background",
                                                                "class": "background"})
    backdrop.extend(_content(_generate(rect, fill)) if background else [])
    for part in parts(process, diagram, theme, decor):
        group = ElementTree.SubElement(outer, f"{{{SVG_NS}}}g",
                                       {"id": part.id, "class": part.classes})
        for name, value in (part.data or {}).items():
            group.set(f"data-{name}", value)
        if part.title:
            ElementTree.SubElement(group, f"{{{SVG_NS}}}title").text = part.title
        group.extend(_content(_generate(rect, part.paint)))
    ElementTree.indent(root, space="")
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
