"""The swim-lane diagram as native PowerPoint shapes: lanes, nodes by kind, connectors, labels."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE

from ..model import Process
from ..model.geometry import (
    HEADER_WIDTH,
    Diagram,
    EdgeRoute,
    NodeBox,
    PoolBox,
    Rect,
    node_subtitle,
    pool_lane_name,
)
from ..model.shapes import BOX_KINDS, LABEL_GAP
from .pptx_labels import LABEL_SLIDE_WIDTH, edge_label
from .pptx_offpage import Markers, draw_crossing
from .pptx_shapes import (
    EMU_PER_PT,
    LOAD_BANDS,
    OUTCOME_COLORS,
    PALETTE,
    WAIT_BANDS,
    Frame,
    Line,
    arrowhead,
    band_color,
    blend,
    connector_at,
    fill,
    glue,
    message_line,
    outline,
    plain,
    shape_at,
    write,
)
from .pptx_text import MIN_PT, fit, line_height, text_width, wrap
from .pptx_view import SlideView, frame_left, frame_right

ACCENT_WIDTH = 6.0  # the lane colour strip at the left of a header (px)
TASK_INSET_X = 14.0  # left and right text margins inside a task, together (px)
TASK_MAX_WIDTH = 176.0  # a task widened for a long word stays inside its column (px)
PHASE_ROW = 34.0  # the height of the phase names above the lanes (px)
#: LibreOffice reroutes a glued elbow through a detour when the two sides are closer than
#: about 0.1 in; such steps are drawn as separate segments instead
ELBOW_MIN_GAP = 109728  # EMU, 0.12 in
#: the shape of each node kind and its glyph (text in the shape; events carry their name
#: beside them in a text box)
NODE_SHAPES = {"task": MSO_SHAPE.ROUNDED_RECTANGLE, "cadence": MSO_SHAPE.ROUNDED_RECTANGLE,
               "decision": MSO_SHAPE.DIAMOND}
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


def draw_diagram(slide: Any, process: Process, diagram: Diagram, view: SlideView, *,
                 font: str, results: Any = None) -> dict[str, Any]:
    """Add the run of ``view`` to ``slide``; returns the node shapes by node id."""
    shapes = slide.shapes
    frame = view.frame
    diagram = widened(process, diagram, frame.k / EMU_PER_PT)
    name_size = lane_name_size(process, diagram, frame.k / EMU_PER_PT, results is not None)
    task_size = task_name_size(process, diagram, frame.k / EMU_PER_PT)
    for box in diagram.lanes:
        _lane(shapes, process, box, view, font, results, name_size)
    for pool in diagram.pools:
        _pool(shapes, pool, view, font)
    if view.phases:
        _phases(shapes, diagram, view, font)
    anchor = shapes._spTree[-1]  # connectors go between the lanes and the nodes
    nodes: dict[str, Any] = {}
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is not None and view.contains(node.id):
            nodes[node.id] = _node(shapes, node, box, view, font, results, task_size)
    markers = Markers(view, (diagram.bounds.top + 2, diagram.bounds.bottom - 2))
    messages = {edge.key for edge in process.edges if edge.message}
    for key, route in diagram.edges.items():
        inside = (key[0] in nodes, key[1] in nodes)
        if not any(inside):
            continue
        label = None
        within = None if all(inside) else (view.run.left, view.run.right)
        if route.label and route.label_at is not None and (
                within is None or within[0] <= route.label_at[0] <= within[1]):
            label = edge_label(shapes, route, key, diagram, frame, font, within=within)
            if label is not None and within is not None and not (
                    within[0] <= frame_left(label, frame)
                    and frame_right(label, frame) <= within[1]):
                label._element.getparent().remove(label._element)
                label = None  # it would cover the markers: the marker carries it
        if all(inside):
            elements = [_edge(shapes, route, nodes[key[0]], nodes[key[1]], diagram, frame,
                              message=key in messages)]
        else:
            elements = draw_crossing(shapes, process, route, nodes, diagram, view, markers, font,
                                 note=route.label if label is None else "",
                                 message=key in messages)
        if label is not None:
            elements.append(label._element)
        for element in elements:
            anchor.addnext(element)
            anchor = element
    return nodes


def widened(process: Process, diagram: Diagram, pt: float) -> Diagram:
    """The diagram with tasks as wide as their longest word needs at 9 pt (at ``pt`` points
    per scene px), about their centres; the routes' ends on their sides move along."""
    boxes = dict(diagram.nodes)
    grown: dict[str, float] = {}
    for node in process.nodes:
        box = boxes.get(node.id)
        if box is None or box.kind not in BOX_KINDS:
            continue
        longest = max((text_width(w, MIN_PT, bold=True) for w in node.label.split()),
                      default=0.0)
        need = longest / pt + TASK_INSET_X + 2
        if need > box.shape.w:
            grow = min(need, TASK_MAX_WIDTH) - box.shape.w
            shape = Rect(box.shape.x - grow / 2, box.shape.y, box.shape.w + grow, box.shape.h)
            boxes[node.id] = replace(box, shape=shape)
            grown[node.id] = grow / 2
    if not grown:
        return diagram
    edges = {}
    for key, route in diagram.edges.items():
        points = list(route.points)
        for index, node_id in ((0, key[0]), (-1, key[1])):
            if node_id in grown:
                side = _side(diagram.nodes[node_id].shape, *points[index])
                shift = {"left": -grown[node_id], "right": grown[node_id]}.get(side or "", 0.0)
                points[index] = (points[index][0] + shift, points[index][1])
        edges[key] = replace(route, points=points)
    return replace(diagram, nodes=boxes, edges=edges)


def required_scale(process: Process, diagram: Diagram) -> float:
    """The smallest scene-to-slide scale (1 = 100 %) at which every task's name fits its
    shape, and every lane's name its header, at 9 pt or more."""
    low, high = 0.2, 2.0
    for _ in range(30):
        middle = (low + high) / 2
        if _names_fit(process, diagram, middle):
            high = middle
        else:
            low = middle
    return high


def _names_fit(process: Process, diagram: Diagram, scale: float) -> bool:
    pt = scale * 0.75  # points per scene px at this scale
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is None:
            continue
        if box.kind in BOX_KINDS:  # as wide as a task may be widened for a long word
            width = (max(box.shape.w, TASK_MAX_WIDTH) - TASK_INSET_X) * pt
            if fit(node.label, width, (box.shape.h - 4) * pt, largest=MIN_PT,
                   bold=True) is None:
                return False
        elif box.label is not None:  # an event's or decision's name: two lines at most
            width = max(box.label.w, LABEL_SLIDE_WIDTH) * pt
            if fit(node.label, width, 1e6, largest=MIN_PT, max_lines=2) is None:
                return False
    for lane in diagram.lanes:
        label = process.lane(lane.id).label
        width = (lane.header.w - ACCENT_WIDTH - 22) * pt
        if fit(label, width, lane.header.h * pt * 0.6, largest=MIN_PT, bold=True) is None:
            return False
    return True


# --- lanes and phases ------------------------------------------------------------------------


def _lane_details(lane: Any) -> list[str]:
    details = ["no staff limit" if lane.staff is None else
               f"{lane.staff} staff" if lane.staff != 1 else "1 person"]
    if lane.calendar:
        details.append(lane.calendar)
    if lane.cost_per_hour:
        details.append(f"{lane.cost_per_hour:g}/h")
    return details


def lane_name_size(process: Process, diagram: Diagram, pt: float, with_load: bool) -> float:
    """One size for every lane's name (9 to 13 pt): the largest at which each fits its
    header above its details (at ``pt`` points per scene px)."""
    sizes = []
    for box in diagram.lanes:
        lane = process.lane(box.id)
        inner_w = (HEADER_WIDTH - ACCENT_WIDTH - 22) * pt
        inner_h = (box.header.h - 20) * pt
        details = wrap(" · ".join(_lane_details(lane)), inner_w, MIN_PT) or ["", ""]
        reserve = (len(details) + (1 if with_load else 0)) * line_height(MIN_PT)
        found = fit(lane.label, inner_w, inner_h, largest=13.0, bold=True, reserve=reserve)
        sizes.append(found.size if found else MIN_PT)
    return min(sizes, default=MIN_PT)


def _lane(shapes: Any, process: Process, box: Any, view: SlideView, font: str,
          results: Any, name_size: float) -> None:
    frame = view.frame
    lane = process.lane(box.id)
    base = PALETTE["lane_fill" if box.index % 2 == 0 else "lane_fill_alt"]
    color = blend(base, box.color, 0.035)
    utilization = None
    if results is not None and box.id in results.lanes:
        utilization = results.lanes[box.id].utilization
        if utilization is not None:
            color = band_color(utilization.mean, LOAD_BANDS, color) or color
    left = view.header_left
    band = shape_at(shapes, MSO_SHAPE.RECTANGLE, Rect(left, box.rect.y, view.right - left,
                                                   box.rect.h), frame)
    band.name = f"Lane {box.id}"
    fill(band, color)
    outline(band, PALETTE["lane_line"], frame.line(1.0, 0.5))
    header_rect = Rect(left, box.header.y, HEADER_WIDTH, box.header.h)
    header = shape_at(shapes, MSO_SHAPE.RECTANGLE, header_rect, frame)
    header.name = f"Lane header {box.id}"
    fill(header, blend(PALETTE["header_fill"], box.color, 0.06))
    outline(header, PALETTE["lane_line"], frame.line(1.0, 0.5))
    details = _lane_details(lane)
    detail_size = MIN_PT
    title = pool_lane_name(lane.label, box.pool) if box.pool else lane.label
    lines = [Line(title, name_size, bold=True),
             Line(" · ".join(details), detail_size, color=PALETTE["subtext"])]
    if utilization is not None:
        level = utilization.mean
        tone = "error" if level >= 0.95 else "warning" if level >= 0.85 else "subtext"
        lines.append(Line(f"load {level * 100:.0f} %", detail_size, bold=True,
                          color=PALETTE[tone]))
    write(header, lines, font=font, align="left", anchor="top", inset=frame.size(8))
    header.text_frame.margin_left = frame.size(ACCENT_WIDTH + 10)
    header.text_frame.margin_top = frame.size(10)
    strip = shape_at(shapes, MSO_SHAPE.RECTANGLE,
                  Rect(header_rect.x, header_rect.y, ACCENT_WIDTH, header_rect.h), frame)
    strip.name = f"Lane accent {box.id}"
    fill(strip, box.color)
    outline(strip, None)


def _pool(shapes: Any, pool: PoolBox, view: SlideView, font: str) -> None:
    """A pool as the canvas draws it: an outline round its lanes and a narrow band left of
    their headers with its name turned on its side (the text frame's ``vert270``)."""
    frame = view.frame
    left = view.pool_left
    frame_shape = shape_at(shapes, MSO_SHAPE.RECTANGLE,
                           Rect(left, pool.rect.y, view.right - left, pool.rect.h), frame)
    frame_shape.name = f"Pool outline {pool.index + 1}"
    fill(frame_shape, None)
    outline(frame_shape, PALETTE["subtext"], frame.line(1.2, 0.75))
    band = shape_at(shapes, MSO_SHAPE.RECTANGLE,
                    Rect(left, pool.header.y, pool.header.w, pool.header.h), frame)
    band.name = f"Pool {pool.index + 1}"
    fill(band, blend(PALETTE["header_fill"], PALETTE["text"], 0.04))
    outline(band, PALETTE["subtext"], frame.line(1.2, 0.75))
    write(band, [Line(pool.name, MIN_PT + 1, bold=True)], font=font, wrap=False)
    band.text_frame._txBody.bodyPr.set("vert", "vert270")


def _phases(shapes: Any, diagram: Diagram, view: SlideView, font: str) -> None:
    """The phase names in a row above the lanes, and a thin line between two phases."""
    frame = view.frame
    top = diagram.bounds.y - PHASE_ROW
    bottom = diagram.bounds.bottom
    columns = view.run.columns
    for i, column in enumerate(columns):
        left = column.left - (view.gutter_left if i == 0 else 0.0)
        right = column.right + (view.gutter_right if i == len(columns) - 1 else 0.0)
        cell = shape_at(shapes, MSO_SHAPE.RECTANGLE, Rect(left, top, right - left, PHASE_ROW - 4),
                     frame)
        cell.name = f"Phase {column.phase}"
        fill(cell, PALETTE["header_fill"])
        outline(cell, PALETTE["lane_line"], frame.line(1.0, 0.5))
        pt = frame.k / EMU_PER_PT
        size = fit(column.label, (right - left - 12) * pt, (PHASE_ROW - 6) * pt,
                   largest=12.0, max_lines=2, bold=True)
        write(cell, [Line(column.label, size.size if size else MIN_PT, bold=True)], font=font,
              inset=frame.size(4))
        if i:
            line = plain(shapes.add_connector(MSO_CONNECTOR.STRAIGHT, frame.x(column.left),
                                              frame.y(top + PHASE_ROW), frame.x(column.left),
                                              frame.y(bottom)))
            line.name = f"Phase line {column.phase}"
            outline(line, PALETTE["lane_line"], frame.line(1.2, 0.75))
            line.line.dash_style = MSO_LINE_DASH_STYLE.DASH


# --- nodes -----------------------------------------------------------------------------------


def task_name_size(process: Process, diagram: Diagram, pt: float) -> float:
    """One size for every task's name (9 to 11 pt): the largest at which each fits its
    shape (at ``pt`` points per scene px), so the tasks read as one set."""
    sizes = []
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is not None and box.kind in BOX_KINDS:
            width, height = (box.shape.w - TASK_INSET_X) * pt, (box.shape.h - 4) * pt
            found = fit(node.label, width, height, largest=11.0, bold=True)
            sizes.append(found.size if found else MIN_PT)
    return min(sizes, default=MIN_PT)


def _node(shapes: Any, node: Any, box: NodeBox, view: SlideView, font: str,
          results: Any, task_size: float) -> Any:
    frame = view.frame
    pt = frame.k / EMU_PER_PT
    kind = box.kind
    shape = shape_at(shapes, NODE_SHAPES.get(kind, MSO_SHAPE.OVAL), box.shape, frame)
    shape.name = f"Node {node.id}"
    subtitle = node_subtitle(node)
    if kind == "cadence":  # the canvas's loop arrow, as a glyph the slide's font has
        subtitle = f"↻ {subtitle}"
    if kind in BOX_KINDS:
        shape.adjustments[0] = min(0.5, 10.0 / min(box.shape.w, box.shape.h))
        tint = None
        result = results.nodes.get(node.id) if results is not None else None
        if result is not None and result.visits.mean:
            # like the canvas: the wait for a free person, inside working hours
            working = getattr(result, "working_wait_hours", result.wait_hours).mean
            tint = band_color(working, WAIT_BANDS, PALETTE["node_fill"])
        fill(shape, tint or PALETTE["node_fill"])
        outline(shape, box.color, frame.line(1.6, 0.75))
        width, height = (box.shape.w - TASK_INSET_X) * pt, (box.shape.h - 4) * pt
        room_for_subtitle = bool(subtitle) and fit(
            node.label, width, height, largest=task_size, smallest=task_size, bold=True,
            reserve=line_height(MIN_PT)) is not None and len(
            wrap(subtitle, width, MIN_PT) or ["", ""]) == 1
        lines = [Line(node.label, task_size, bold=True)]
        if room_for_subtitle:
            lines.append(Line(subtitle, MIN_PT, color=PALETTE["subtext"]))
        write(shape, lines, font=font, inset=frame.size(TASK_INSET_X / 2))
        shape.text_frame.margin_top = shape.text_frame.margin_bottom = frame.size(1)
        return shape
    ring = box.color
    if kind == "end":
        ring = PALETTE[OUTCOME_COLORS.get(str(getattr(node, "outcome", "")), "subtext")]
    fill(shape, blend(PALETTE["node_fill"], ring, 0.16))
    outline(shape, ring, frame.line(4.0 if kind in ("end", "delay") else 1.6, 0.75),
            double=kind == "delay")
    glyph, size = GLYPHS.get(kind, ("", 9.0))
    write(shape, [Line(glyph, max(MIN_PT, frame.pt(size)), bold=kind != "decision",
                       color=ring)], font=font)
    if box.label is not None:
        _node_label(shapes, node, box, view, font, subtitle if kind != "decision" else "")
    return shape


def _node_label(shapes: Any, node: Any, box: NodeBox, view: SlideView, font: str,
                subtitle: str) -> None:
    """The name of an event (below it) or a decision (above it) in a text box as wide as the
    column allows, as tall as its lines at 9 pt or more."""
    frame = view.frame
    assert box.label is not None
    pt = frame.k / EMU_PER_PT
    width_px = max(box.label.w, LABEL_SLIDE_WIDTH)
    name_fit = fit(node.label, width_px * pt, 1e6, largest=MIN_PT, max_lines=2) \
        or fit(node.label, width_px * pt, 1e6, largest=MIN_PT, max_lines=4)
    size = name_fit.size if name_fit else MIN_PT
    lines = [Line(node.label, size)]
    height = (name_fit.lines if name_fit else 2) * line_height(size)
    if subtitle:
        lines.append(Line(subtitle, MIN_PT, color=PALETTE["subtext"]))
        height += line_height(MIN_PT)
    height_px = height / pt + 4
    x = box.shape.cx - width_px / 2
    if box.kind == "decision":
        rect = Rect(x, box.shape.top - LABEL_GAP - height_px, width_px, height_px)
    else:
        rect = Rect(x, box.shape.bottom + LABEL_GAP, width_px, height_px)
    label = shapes.add_textbox(frame.x(rect.x), frame.y(rect.y), frame.size(rect.w),
                               frame.size(rect.h))
    label.name = f"Label {node.id}"
    write(label, lines, font=font, anchor="bottom" if box.kind == "decision" else "top")
    label.text_frame.margin_top = label.text_frame.margin_bottom = 0


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
          frame: Frame, *, message: bool = False) -> Any:
    """The route as connectors; returns the XML element to place in the z-order.

    A straight route is one straight connector and a forward step (out of the right side,
    into the left side, far enough apart) one elbow connector, both glued to the two shapes,
    so they follow the nodes when they are moved in PowerPoint; LibreOffice and PowerPoint
    draw both the same. Every other route (same column with a jog, loops round the nodes)
    is a group of straight connectors along the polyline, the same in every application.
    A ``message`` edge is dashed, with an open circle at its start and an open arrowhead.
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
        connector = connector_at(shapes, kind, points[0], points[-1], frame)
        connector.name = name
        glue(connector, begin, end)
        if message:
            message_line(connector, start=True, end=True)
        else:
            arrowhead(connector)
        return connector._element
    group = shapes.add_group_shape()
    group.name = name
    for i in range(len(points) - 1):
        segment = connector_at(group.shapes, MSO_CONNECTOR.STRAIGHT, points[i], points[i + 1],
                             frame)
        segment.name = f"{name} ({i + 1})"
        if message:
            message_line(segment, start=i == 0, end=i == len(points) - 2)
        elif i == len(points) - 2:
            arrowhead(segment)
    return group._element


