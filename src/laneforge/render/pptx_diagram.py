"""The swim-lane diagram as native PowerPoint shapes: lanes, nodes by kind, connectors, labels."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE

from ..model import Process
from ..model.geometry import (
    HEADER_WIDTH,
    Diagram,
    EdgeRoute,
    NodeBox,
    Rect,
    label_width,
    node_subtitle,
)
from ..model.shapes import LABEL_GAP
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
    fill,
    glue,
    outline,
    plain,
    write,
)
from .pptx_split import SlideRun
from .pptx_text import MIN_PT, fit, line_height, text_width, wrap

ACCENT_WIDTH = 6.0  # the lane colour strip at the left of a header (px)
TASK_INSET_X = 14.0  # left and right text margins inside a task, together (px)
TASK_MAX_WIDTH = 176.0  # a task widened for a long word stays inside its column (px)
#: how wide the name of an event or decision may be on a slide (px): the column's pitch
#: less a gap, wider than the canvas's label as the slide's text is larger
LABEL_SLIDE_WIDTH = 176.0
PHASE_ROW = 34.0  # the height of the phase names above the lanes (px)
MARKER_GAP = 8.0  # between the run's edge, an off-page marker and the slide's edge (px)
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


@dataclass
class SlideView:
    """What one slide shows of the diagram and where: the run of columns, the scene-to-slide
    frame, the strips beside the run that hold the off-page markers, and on which deck slide
    every node is (for the markers' text)."""

    run: SlideRun
    frame: Frame
    gutter_left: float  # scene px between the lane headers and the run
    gutter_right: float  # scene px right of the run
    slide_of: dict[str, int]  # node id -> slide number in the deck
    number: int  # this slide's number in the deck
    phases: bool = False  # draw the phase row above the lanes

    @property
    def header_left(self) -> float:
        return self.run.left - self.gutter_left - HEADER_WIDTH

    @property
    def right(self) -> float:
        return self.run.right + self.gutter_right

    def contains(self, node_id: str) -> bool:
        return node_id in self.run.nodes


def draw_diagram(slide: Any, process: Process, diagram: Diagram, view: SlideView, *,
                 font: str, results: Any = None) -> dict[str, Any]:
    """Add the run of ``view`` to ``slide``; returns the node shapes by node id."""
    shapes = slide.shapes
    frame = view.frame
    diagram = widened(process, diagram, frame.k / EMU_PER_PT)
    name_size = lane_name_size(process, diagram, frame.k / EMU_PER_PT, results is not None)
    for box in diagram.lanes:
        _lane(shapes, process, box, view, font, results, name_size)
    if view.phases:
        _phases(shapes, diagram, view, font)
    anchor = shapes._spTree[-1]  # connectors go between the lanes and the nodes
    nodes: dict[str, Any] = {}
    for node in process.nodes:
        box = diagram.nodes.get(node.id)
        if box is not None and view.contains(node.id):
            nodes[node.id] = _node(shapes, node, box, view, font, results)
    markers = _Markers(view, (diagram.bounds.top + 2, diagram.bounds.bottom - 2))
    for key, route in diagram.edges.items():
        inside = (key[0] in nodes, key[1] in nodes)
        if not any(inside):
            continue
        label = None
        within = None if all(inside) else (view.run.left, view.run.right)
        if route.label and route.label_at is not None and (
                within is None or within[0] <= route.label_at[0] <= within[1]):
            label = _edge_label(shapes, route, key, diagram, frame, font, within=within)
            if label is not None and within is not None and not (
                    within[0] <= frame_left(label, frame)
                    and frame_right(label, frame) <= within[1]):
                label._element.getparent().remove(label._element)
                label = None  # it would cover the markers: the marker carries it
        if all(inside):
            elements = [_edge(shapes, route, nodes[key[0]], nodes[key[1]], diagram, frame)]
        else:
            elements = _crossing(shapes, process, route, nodes, diagram, view, markers, font,
                                 note=route.label if label is None else "")
        if label is not None:
            elements.append(label._element)
        for element in elements:
            anchor.addnext(element)
            anchor = element
    return nodes


def frame_left(shape: Any, frame: Frame) -> float:
    """The scene x of a shape's left edge."""
    return frame.x0 + (shape.left - frame.left) / frame.k


def frame_right(shape: Any, frame: Frame) -> float:
    return frame.x0 + (shape.left + shape.width - frame.left) / frame.k


def widened(process: Process, diagram: Diagram, pt: float) -> Diagram:
    """The diagram with tasks as wide as their longest word needs at 9 pt (at ``pt`` points
    per scene px), about their centres; the routes' ends on their sides move along."""
    boxes = dict(diagram.nodes)
    grown: dict[str, float] = {}
    for node in process.nodes:
        box = boxes.get(node.id)
        if box is None or box.kind != "task":
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
        if box.kind == "task":  # as wide as a task may be widened for a long word
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
    band = _rect(shapes, MSO_SHAPE.RECTANGLE, Rect(left, box.rect.y, view.right - left,
                                                   box.rect.h), frame)
    band.name = f"Lane {box.id}"
    fill(band, color)
    outline(band, PALETTE["lane_line"], frame.line(1.0, 0.5))
    header_rect = Rect(left, box.header.y, HEADER_WIDTH, box.header.h)
    header = _rect(shapes, MSO_SHAPE.RECTANGLE, header_rect, frame)
    header.name = f"Lane header {box.id}"
    fill(header, blend(PALETTE["header_fill"], box.color, 0.06))
    outline(header, PALETTE["lane_line"], frame.line(1.0, 0.5))
    details = _lane_details(lane)
    detail_size = MIN_PT
    lines = [Line(lane.label, name_size, bold=True),
             Line(" · ".join(details), detail_size, color=PALETTE["subtext"])]
    if utilization is not None:
        level = utilization.mean
        tone = "error" if level >= 0.95 else "warning" if level >= 0.85 else "subtext"
        lines.append(Line(f"load {level * 100:.0f} %", detail_size, bold=True,
                          color=PALETTE[tone]))
    write(header, lines, font=font, align="left", anchor="top", inset=frame.size(8))
    header.text_frame.margin_left = frame.size(ACCENT_WIDTH + 10)
    header.text_frame.margin_top = frame.size(10)
    strip = _rect(shapes, MSO_SHAPE.RECTANGLE,
                  Rect(header_rect.x, header_rect.y, ACCENT_WIDTH, header_rect.h), frame)
    strip.name = f"Lane accent {box.id}"
    fill(strip, box.color)
    outline(strip, None)


def _phases(shapes: Any, diagram: Diagram, view: SlideView, font: str) -> None:
    """The phase names in a row above the lanes, and a thin line between two phases."""
    frame = view.frame
    top = diagram.bounds.y - PHASE_ROW
    bottom = diagram.bounds.bottom
    columns = view.run.columns
    for i, column in enumerate(columns):
        left = column.left - (view.gutter_left if i == 0 else 0.0)
        right = column.right + (view.gutter_right if i == len(columns) - 1 else 0.0)
        cell = _rect(shapes, MSO_SHAPE.RECTANGLE, Rect(left, top, right - left, PHASE_ROW - 4),
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


def _node(shapes: Any, node: Any, box: NodeBox, view: SlideView, font: str,
          results: Any) -> Any:
    frame = view.frame
    pt = frame.k / EMU_PER_PT
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
        width, height = (box.shape.w - TASK_INSET_X) * pt, (box.shape.h - 4) * pt
        with_subtitle = fit(node.label, width, height, largest=11.0, bold=True,
                            reserve=line_height(MIN_PT)) if subtitle else None
        if with_subtitle is not None and wrap(subtitle, width, MIN_PT) is not None \
                and len(wrap(subtitle, width, MIN_PT) or []) == 1:
            lines = [Line(node.label, with_subtitle.size, bold=True),
                     Line(subtitle, MIN_PT, color=PALETTE["subtext"])]
        else:
            alone = fit(node.label, width, height, largest=11.0, bold=True)
            lines = [Line(node.label, alone.size if alone else MIN_PT, bold=True)]
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


def _edge_label(shapes: Any, route: EdgeRoute, key: tuple[str, str], diagram: Diagram,
                frame: Frame, font: str, *, within: tuple[float, float] | None = None
                ) -> Any | None:
    """The label as a small rounded box at 9 pt where the canvas puts it
    (painter.edge_label_rect). Where the line's free stretch is too short for it on one
    line only its share ("45 %") is shown, or it wraps onto two lines, so it does not
    cover the nodes at either end."""
    assert route.label_at is not None
    pt = frame.k / EMU_PER_PT
    y = route.label_at[1]
    text = route.label
    lines = [text]
    if route.label_side == "right":
        rect, lines = _beside(route, diagram, pt)
    else:
        left, right = _free_stretch(route, diagram)
        room = (right - left - 6) * pt - 8
        if text_width(text, MIN_PT) > room:
            wrapped = wrap(text, room, MIN_PT)
            if " · " in text and text_width(text.rsplit(" · ", 1)[1], MIN_PT) <= room:
                lines = [text.rsplit(" · ", 1)[1]]  # the share alone: the line says the rest
            elif wrapped is not None and len(wrapped) <= 2:
                lines = wrapped
            else:
                lines = wrap(text, max(room, 1.0), MIN_PT) or [text]
                lines = lines[:2] if len(lines) <= 2 else [text]
        w = (max(text_width(line, MIN_PT) for line in lines) + 8) / pt
        h = (len(lines) * line_height(MIN_PT) + 3) / pt
        rect = Rect((left + right) / 2 - w / 2, y - h - 2, w, h)
    if within is not None:  # kept off the marker strips beside the run, or left out
        moved = rect
        if moved.right > within[1] - 2:
            moved = Rect(within[1] - 2 - moved.w, moved.y, moved.w, moved.h)
        if moved.left < within[0] + 2:
            moved = Rect(within[0] + 2, moved.y, moved.w, moved.h)
        if moved != rect and any(_overlap(moved, b.shape) for b in diagram.nodes.values()):
            return None
        rect = moved
    box = _rect(shapes, MSO_SHAPE.ROUNDED_RECTANGLE, rect, frame)
    box.name = f"Edge label {key[0]} → {key[1]}"
    box.adjustments[0] = 0.25
    fill(box, PALETTE["label_fill"])
    outline(box, PALETTE["lane_line"], frame.line(0.8, 0.25))
    write(box, [Line(line, MIN_PT, color=PALETTE["subtext"]) for line in lines], font=font,
          wrap=False, inset=frame.size(1))
    return box


def _beside(route: EdgeRoute, diagram: Diagram, pt: float) -> tuple[Rect, list[str]]:
    """Where the label of a vertical stretch goes: right of the line as on the canvas,
    else left of it, else only its share, wherever it covers no node or node name."""
    assert route.label_at is not None
    x, y = route.label_at
    h = (line_height(MIN_PT) + 3) / pt
    texts = [route.label]
    if " · " in route.label:
        texts.append(route.label.rsplit(" · ", 1)[1])
    candidates = []
    for text in texts:
        w = (text_width(text, MIN_PT) + 8) / pt
        candidates += [(Rect(x + 5, y - h / 2 + 4, w, h), text),
                       (Rect(x - 5 - w, y - h / 2 + 4, w, h), text)]
    obstacles = [box.shape for box in diagram.nodes.values()]
    for box in diagram.nodes.values():
        if box.label is not None:
            width = max(box.label.w, LABEL_SLIDE_WIDTH)
            obstacles.append(Rect(box.shape.cx - width / 2, box.label.y, width, box.label.h))
    for rect, text in candidates:
        if not any(_overlap(rect, other) for other in obstacles):
            return rect, [text]
    return candidates[0][0], [texts[0]]


def _overlap(a: Rect, b: Rect) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def _free_stretch(route: EdgeRoute, diagram: Diagram) -> tuple[float, float]:
    """The free part of the horizontal stretch where the route's label sits: between the
    nodes (and their names) the line passes, the part around the label's anchor, or the
    widest one."""
    assert route.label_at is not None
    x, y = route.label_at
    for (x1, y1), (x2, y2) in itertools.pairwise(route.points):
        if abs(y1 - y) < 0.5 and abs(y2 - y) < 0.5 and min(x1, x2) - 1 <= x <= max(x1, x2) + 1:
            free = [(min(x1, x2), max(x1, x2))]
            for box in diagram.nodes.values():
                for rect in (box.shape, box.label):
                    if rect is not None and rect.top - 4 <= y <= rect.bottom + 20:
                        free = _cut(free, rect.left, rect.right)
            if not free:
                break
            around = [part for part in free if part[0] <= x <= part[1]]
            return around[0] if around else max(free, key=lambda p: p[1] - p[0])
    reserved = label_width(route.label)
    return x, x + reserved


def _cut(parts: list[tuple[float, float]], left: float, right: float
         ) -> list[tuple[float, float]]:
    kept = []
    for a, b in parts:
        if right <= a or left >= b:
            kept.append((a, b))
            continue
        if left > a:
            kept.append((a, left))
        if right < b:
            kept.append((right, b))
    return kept


# --- connections to other slides -------------------------------------------------------------


class _Markers:
    """The off-page markers of one slide, stacked so that none covers another."""

    def __init__(self, view: SlideView, limits: tuple[float, float]) -> None:
        self.view = view
        self.taken: dict[str, list[tuple[float, float]]] = {"left": [], "right": []}
        #: one marker for every (side, text, note): edges to the same node share it
        self.shared: dict[tuple[str, str, str], Any] = {}
        self.limits = limits

    def place(self, side: str, y: float, height: float) -> Rect:
        """A free spot in the ``side`` strip as near ``y`` as the other markers allow,
        inside the lanes."""
        view = self.view
        if side == "right":
            left, width = view.run.right + MARKER_GAP, view.gutter_right - 2 * MARKER_GAP
        else:
            left = view.run.left - view.gutter_left + MARKER_GAP
            width = view.gutter_left - 2 * MARKER_GAP
        low, high = self.limits
        taken = sorted(self.taken[side])

        def clashes(top: float) -> tuple[float, float] | None:
            return next(((a, b) for a, b in taken if top < b + 8 and top + height > a - 8),
                        None)

        top = min(max(y - height / 2, low), high - height)
        down = top
        while (clash := clashes(down)) is not None:
            down = clash[1] + 8
        up = top
        while (clash := clashes(up)) is not None:
            up = clash[0] - 8 - height
        if down + height <= high and (up < low or down - top <= top - up):
            top = down
        elif up >= low:
            top = up
        else:  # a full strip: overlap another marker rather than leave the slide
            top = max(low, min(down, high - height))
        self.taken[side].append((top, top + height))
        return Rect(left, top, width, height)


def _clip(points: list[tuple[float, float]], left: float, right: float
          ) -> tuple[list[tuple[float, float]], str] | None:
    """``points`` from the first up to where they leave ``left``..``right``, and the side
    they leave by; None when they never leave."""
    kept = [points[0]]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        for bound, side in ((right, "right"), (left, "left")):
            if (x2 - bound) * (x1 - bound) < 0 or (x1 != bound and x2 == bound):
                kept.append((bound, y1 + (y2 - y1) * (bound - x1) / (x2 - x1 or 1)))
                return kept, side
        kept.append((x2, y2))
    return None


def crossing_sides(diagram: Diagram, run: SlideRun) -> set[str]:
    """The sides ("left", "right") of ``run`` that edges to or from other slides leave by."""
    sides = set()
    for (source, target), route in diagram.edges.items():
        inside = (source in run.nodes, target in run.nodes)
        if inside[0] == inside[1]:
            continue
        points = list(route.points) if inside[0] else list(reversed(route.points))
        clipped = _clip(points, run.left, run.right)
        if clipped is None:
            sides.add("right" if points[-1][0] >= points[0][0] else "left")
        else:
            sides.add(clipped[1])
    return sides


def _crossing(shapes: Any, process: Process, route: EdgeRoute, nodes: dict[str, Any],
              diagram: Diagram, view: SlideView, markers: _Markers, font: str, *,
              note: str = "") -> list[Any]:
    """An edge to or from a node on another slide: its route up to the slide's edge, then
    a marker naming the node at the other end and its slide ("→ Proposal (next slide)").
    Edges to the same node (with the same note) share one marker; ``note`` (the edge's
    label, when there is no room for it on the line) goes under the marker's text."""
    source, target = route.key
    outgoing = source in nodes
    points = list(route.points) if outgoing else list(reversed(route.points))
    clipped = _clip(points, view.run.left, view.run.right)
    if clipped is None:  # the route stays on this slide: end at the nearer side
        side = "right" if points[-1][0] >= points[0][0] else "left"
        clipped = ([points[0], (points[0][0], points[0][1])], side)
    path, side = clipped
    other = target if outgoing else source
    number = view.slide_of.get(other, view.number)
    where = ("next slide" if number == view.number + 1 else
             "previous slide" if number == view.number - 1 else f"slide {number}")
    name = process.node(other).label
    arrow = "→" if (side == "right") == outgoing else "←"
    text = f"{arrow} {name} ({where})" if outgoing else f"{arrow} from {name} ({where})"
    frame = view.frame
    elements = []
    shared = markers.shared.get((side, text, note))
    if shared is None:
        pt = frame.k / EMU_PER_PT
        gutter = view.gutter_right if side == "right" else view.gutter_left
        width_pt = (gutter - 2 * MARKER_GAP) * pt - 6
        count = len(wrap(text, width_pt, MIN_PT) or [text])
        if note:
            count += len(wrap(note, width_pt, MIN_PT) or [note])
        rect = markers.place(side, path[-1][1], (count * line_height(MIN_PT) + 6) / pt)
        marker = _rect(shapes, MSO_SHAPE.ROUNDED_RECTANGLE, rect, frame)
        marker.name = f"Off-page {source} → {target}"
        marker.adjustments[0] = 0.3
        fill(marker, PALETTE["label_fill"])
        outline(marker, PALETTE["edge"], frame.line(1.0, 0.75))
        marker.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        lines = [Line(text, MIN_PT, color=PALETTE["text"])]
        if note:  # "70 %" kept on one line
            lines.append(Line(note.replace(" %", "\u00a0%"), MIN_PT, color=PALETTE["subtext"]))
        write(marker, lines, font=font, inset=frame.size(3))
        elements.append(marker._element)
        markers.shared[(side, text, note)] = rect
    else:
        rect = shared
    edge_x = rect.left if side == "right" else rect.right
    bend = (path[-1][0] + edge_x) / 2
    path = _simplify([*path, (bend, path[-1][1]), (bend, rect.cy), (edge_x, rect.cy)])
    if not outgoing:
        path.reverse()
    group = shapes.add_group_shape()
    group.name = f"Edge {source} → {target}"
    for i in range(len(path) - 1):
        segment = _connector(group.shapes, MSO_CONNECTOR.STRAIGHT, path[i], path[i + 1], frame)
        segment.name = f"{group.name} ({i + 1})"
        if i == len(path) - 2:
            arrowhead(segment)
    return [group._element, *elements]


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Without repeated points and without points in the middle of a straight stretch."""
    kept: list[tuple[float, float]] = []
    for point in points:
        if kept and abs(kept[-1][0] - point[0]) < 0.01 and abs(kept[-1][1] - point[1]) < 0.01:
            continue
        if len(kept) >= 2:
            (x0, y0), (x1, y1) = kept[-2], kept[-1]
            if (abs(x0 - x1) < 0.01 and abs(x1 - point[0]) < 0.01) or \
                    (abs(y0 - y1) < 0.01 and abs(y1 - point[1]) < 0.01):
                kept[-1] = point
                continue
        kept.append(point)
    return kept


def _rect(shapes: Any, kind: Any, rect: Rect, frame: Frame) -> Any:
    return plain(shapes.add_shape(kind, frame.x(rect.x), frame.y(rect.y), frame.size(rect.w),
                                  frame.size(rect.h)))
