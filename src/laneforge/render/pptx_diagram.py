"""The swim-lane diagram as native PowerPoint shapes: lanes, nodes by kind, connectors, labels."""

from __future__ import annotations

from typing import Any

from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE

from ..model import Process
from ..model.geometry import Diagram, EdgeRoute, NodeBox, Rect, label_width, node_subtitle
from .pptx_shapes import (
    LOAD_BANDS,
    OUTCOME_COLORS,
    PALETTE,
    WAIT_BANDS,
    Frame,
    Line,
    arrowhead,
    band_color,
    blend,
    fill,
    fit_size,
    glue,
    outline,
    plain,
    write,
)

ACCENT_WIDTH = 6.0  # the lane colour strip at the left of a header (px)
EDGE_LABEL_HEIGHT = 15.0
#: LibreOffice reroutes a glued elbow through a detour when the two sides are closer than
#: about 0.1 in; such steps are drawn as separate segments instead
ELBOW_MIN_GAP = 109728  # EMU, 0.12 in
#: the shape of each node kind and its glyph (text in the shape; events carry their name
#: beside them in a text box)
NODE_SHAPES = {"task": MSO_SHAPE.ROUNDED_RECTANGLE, "decision": MSO_SHAPE.DIAMOND}
GLYPHS = {"source": ("►", 14.0), "decision": ("×", 24.0), "end": ("●", 18.0),
          "delay": ("◷", 16.0)}  # glyph, canvas size in points
#: connection sites (index by side) of the preset shapes: roundRect and diamond have four,
#: the ellipse eight (top, top-left, left, ... counter-clockwise)
SITES = {"four": {"top": 0, "left": 1, "bottom": 2, "right": 3},
         "ellipse": {"top": 0, "left": 2, "bottom": 4, "right": 6}}


def scene_bounds(diagram: Diagram) -> Rect:
    """Everything drawn: the lanes, every node with its label and every route."""
    bounds = diagram.bounds
    for box in diagram.nodes.values():
        bounds = bounds.united(box.bounds)
    for route in diagram.edges.values():
        xs = [p[0] for p in route.points]
        ys = [p[1] for p in route.points]
        bounds = bounds.united(Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    return bounds


def draw_diagram(slide: Any, process: Process, diagram: Diagram, frame: Frame, *, font: str,
                 results: Any = None) -> dict[str, Any]:
    """Add the diagram to ``slide``; returns the node shapes by node id."""
    shapes = slide.shapes
    for box in diagram.lanes:
        _lane(shapes, process, box, frame, font, results)
    anchor = shapes._spTree[-1]  # connectors go between the lanes and the nodes
    nodes: dict[str, Any] = {}
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is not None:
            nodes[node.id] = _node(shapes, node, box, frame, font, results)
    for key, route in diagram.edges.items():
        elements = [_edge(shapes, route, nodes[key[0]], nodes[key[1]], diagram, frame)]
        if route.label and route.label_at is not None:
            elements.append(_edge_label(shapes, route, key, frame, font)._element)
        for element in elements:
            anchor.addnext(element)
            anchor = element
    return nodes


# --- lanes -----------------------------------------------------------------------------------


def _lane(shapes: Any, process: Process, box: Any, frame: Frame, font: str,
          results: Any) -> None:
    lane = process.lane(box.id)
    base = PALETTE["lane_fill" if box.index % 2 == 0 else "lane_fill_alt"]
    color = blend(base, box.color, 0.035)
    utilization = None
    if results is not None and box.id in results.lanes:
        utilization = results.lanes[box.id].utilization
        if utilization is not None:
            color = band_color(utilization.mean, LOAD_BANDS, color) or color
    band = _rect(shapes, MSO_SHAPE.RECTANGLE, box.rect, frame)
    band.name = f"Lane {box.id}"
    fill(band, color)
    outline(band, PALETTE["lane_line"], frame.line(1.0, 0.5))
    header = _rect(shapes, MSO_SHAPE.RECTANGLE, box.header, frame)
    header.name = f"Lane header {box.id}"
    fill(header, blend(PALETTE["header_fill"], box.color, 0.06))
    outline(header, PALETTE["lane_line"], frame.line(1.0, 0.5))
    details = ["no staff limit" if lane.staff is None else
               f"{lane.staff} staff" if lane.staff != 1 else "1 person"]
    if lane.calendar:
        details.append(lane.calendar)
    if lane.cost_per_hour:
        details.append(f"{lane.cost_per_hour:g}/h")
    inner = box.header.w - ACCENT_WIDTH - 22
    name_size = fit_size(lane.label, inner, 10.5, 2, bold=True)
    lines = [Line(lane.label, frame.pt(name_size), bold=True),
             Line(" · ".join(details), frame.pt(8.2), color=PALETTE["subtext"])]
    if utilization is not None:
        level = utilization.mean
        tone = "error" if level >= 0.95 else "warning" if level >= 0.85 else "subtext"
        lines.append(Line(f"load {level * 100:.0f} %", frame.pt(8.2), bold=True,
                          color=PALETTE[tone]))
    write(header, lines, font=font, align="left", anchor="top", inset=frame.size(8))
    header.text_frame.margin_left = frame.size(ACCENT_WIDTH + 12)
    header.text_frame.margin_top = frame.size(12)
    strip = _rect(shapes, MSO_SHAPE.RECTANGLE,
                  Rect(box.header.x, box.header.y, ACCENT_WIDTH, box.header.h), frame)
    strip.name = f"Lane accent {box.id}"
    fill(strip, box.color)
    outline(strip, None)


# --- nodes -----------------------------------------------------------------------------------


def _node(shapes: Any, node: Any, box: NodeBox, frame: Frame, font: str, results: Any) -> Any:
    kind = box.kind
    shape = _rect(shapes, NODE_SHAPES.get(kind, MSO_SHAPE.OVAL), box.shape, frame)
    shape.name = f"Node {node.id}"
    subtitle = node_subtitle(node)
    if kind == "task":
        shape.adjustments[0] = min(0.5, 10.0 / min(box.shape.w, box.shape.h))
        tint = None
        result = results.nodes.get(node.id) if results is not None else None
        if result is not None and result.visits.mean:
            # like the canvas: the wait for a free person, inside working hours
            working = getattr(result, "working_wait_hours", result.wait_hours).mean
            tint = band_color(working, WAIT_BANDS, PALETTE["node_fill"])
        fill(shape, tint or PALETTE["node_fill"])
        outline(shape, box.color, frame.line(1.6, 0.75))
        size = fit_size(node.label, box.shape.w - 16, 9.2, 2, bold=True)
        lines = [Line(node.label, frame.pt(size), bold=True)]
        if subtitle:
            lines.append(Line(subtitle, frame.pt(7.6), color=PALETTE["subtext"]))
        write(shape, lines, font=font, inset=frame.size(6))
        return shape
    ring = box.color
    if kind == "end":
        ring = PALETTE[OUTCOME_COLORS.get(str(getattr(node, "outcome", "")), "subtext")]
    fill(shape, blend(PALETTE["node_fill"], ring, 0.16))
    outline(shape, ring, frame.line(4.0 if kind in ("end", "delay") else 1.6, 0.75),
            double=kind == "delay")
    glyph, size = GLYPHS.get(kind, ("", 9.0))
    write(shape, [Line(glyph, frame.pt(size), bold=kind != "decision", color=ring)],
          font=font)
    if box.label is not None:
        label = shapes.add_textbox(frame.x(box.label.x), frame.y(box.label.y),
                                   frame.size(box.label.w), frame.size(box.label.h))
        label.name = f"Label {node.id}"
        if kind == "decision":
            size = fit_size(node.label, box.label.w, 8.4, 2)
            lines = [Line(node.label, frame.pt(size))]
            write(label, lines, font=font, anchor="bottom")
        else:
            lines = [Line(node.label, frame.pt(fit_size(node.label, box.label.w, 8.4, 1)))]
            if subtitle:
                lines.append(Line(subtitle, frame.pt(7.4), color=PALETTE["subtext"]))
            write(label, lines, font=font, anchor="top")
    return shape


# --- edges -----------------------------------------------------------------------------------


def _side(rect: Rect, x: float, y: float) -> str | None:
    """The side of ``rect`` whose midpoint is ``(x, y)`` (where a connection site sits)."""
    near = 0.75
    if abs(y - rect.cy) < near:
        if abs(x - rect.right) < near:
            return "right"
        if abs(x - rect.left) < near:
            return "left"
    if abs(x - rect.cx) < near:
        if abs(y - rect.top) < near:
            return "top"
        if abs(y - rect.bottom) < near:
            return "bottom"
    return None


def _site(box: NodeBox, shape: Any, point: tuple[float, float]) -> tuple[Any, int] | None:
    side = _side(box.shape, *point)
    if side is None:
        return None
    sites = SITES["four"] if box.kind in NODE_SHAPES else SITES["ellipse"]
    return shape, sites[side]


def _edge(shapes: Any, route: EdgeRoute, source: Any, target: Any, diagram: Diagram,
          frame: Frame) -> Any:
    """The route as connectors; returns the XML element to place in the z-order.

    A straight route is one straight connector and a forward step (out of the right side,
    into the left side, far enough apart) one elbow connector, both glued to the two shapes,
    so they follow the nodes when they are moved in PowerPoint; LibreOffice and PowerPoint
    draw both the same. Every other route (same column with a jog, loops round the nodes)
    is a group of straight connectors along the polyline, the same in every application.
    """
    name = f"Edge {route.key[0]} → {route.key[1]}"
    points = route.points
    a, b = diagram.nodes[route.key[0]], diagram.nodes[route.key[1]]
    begin, end = _site(a, source, points[0]), _site(b, target, points[-1])
    forward = (len(points) == 4 and begin is not None and end is not None
               and _side(a.shape, *points[0]) == "right"
               and _side(b.shape, *points[-1]) == "left"
               and abs(points[1][0] - (points[0][0] + points[-1][0]) / 2) < 0.75
               and frame.size(points[-1][0] - points[0][0]) >= ELBOW_MIN_GAP)
    if len(points) == 2 or forward:
        kind = MSO_CONNECTOR.STRAIGHT if len(points) == 2 else MSO_CONNECTOR.ELBOW
        connector = _connector(shapes, kind, points[0], points[-1], frame)
        connector.name = name
        glue(connector, begin, end)
        arrowhead(connector)
        return connector._element
    group = shapes.add_group_shape()
    group.name = name
    for i in range(len(points) - 1):
        segment = _connector(group.shapes, MSO_CONNECTOR.STRAIGHT, points[i], points[i + 1],
                             frame)
        segment.name = f"{name} ({i + 1})"
        if i == len(points) - 2:
            arrowhead(segment)
    return group._element


def _connector(shapes: Any, kind: Any, start: tuple[float, float], end: tuple[float, float],
               frame: Frame) -> Any:
    connector = plain(shapes.add_connector(kind, frame.x(start[0]), frame.y(start[1]),
                                           frame.x(end[0]), frame.y(end[1])))
    outline(connector, PALETTE["edge"], frame.line(1.4, 0.75))
    return connector


def _edge_label(shapes: Any, route: EdgeRoute, key: tuple[str, str], frame: Frame,
                font: str) -> Any:
    """The label as a small rounded box, where the canvas puts it (painter.edge_label_rect);
    as wide as the text in Arial, centred where the layout reserved room for it."""
    assert route.label_at is not None
    reserved = label_width(route.label)
    w, h = min(reserved, len(route.label) * 7.6 * 96 / 72 * 0.5 + 9), EDGE_LABEL_HEIGHT
    x, y = route.label_at
    rect = (Rect(x + 5, y - h / 2 + 4, w, h) if route.label_side == "right"
            else Rect(x + (reserved - w) / 2, y - h - 2, w, h))
    box = _rect(shapes, MSO_SHAPE.ROUNDED_RECTANGLE, rect, frame)
    box.name = f"Edge label {key[0]} → {key[1]}"
    box.adjustments[0] = 0.25
    fill(box, PALETTE["label_fill"])
    outline(box, PALETTE["lane_line"], frame.line(0.8, 0.25))
    write(box, [Line(route.label, frame.pt(7.6), color=PALETTE["subtext"])], font=font,
          wrap=False)
    return box


def _rect(shapes: Any, kind: Any, rect: Rect, frame: Frame) -> Any:
    return plain(shapes.add_shape(kind, frame.x(rect.x), frame.y(rect.y), frame.size(rect.w),
                                  frame.size(rect.h)))
