"""Edges to nodes on other slides: the route up to the run's edge, then a marker in the strip
beside the run naming the node there ("→ Proposal (next slide)")."""

from __future__ import annotations

import itertools
from typing import Any

from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE

from ..model import Process
from ..model.geometry import Diagram, EdgeRoute, Rect
from .pptx_shapes import (
    EMU_PER_PT,
    PALETTE,
    Line,
    arrowhead,
    connector_at,
    fill,
    message_line,
    outline,
    shape_at,
    write,
)
from .pptx_split import SlideRun
from .pptx_text import MIN_PT, line_height, wrap
from .pptx_view import SlideView

MARKER_GAP = 8.0  # between the run's edge, an off-page marker and the slide's edge (px)


class Markers:
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
            # a hair of tolerance: a marker moved to just touch another one (a - 8 - height)
            # must not clash with it again through rounding, or the search never ends
            return next(((a, b) for a, b in taken
                         if top < b + 8 - 1e-6 and top + height > a - 8 + 1e-6), None)

        top = min(max(y - height / 2, low), high - height)
        down = top
        for _ in range(len(taken) + 1):  # each step passes one marker, so this many at most
            if (clash := clashes(down)) is None:
                break
            down = clash[1] + 8
        up = top
        for _ in range(len(taken) + 1):
            if (clash := clashes(up)) is None:
                break
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


def draw_crossing(shapes: Any, process: Process, route: EdgeRoute, nodes: dict[str, Any],
              diagram: Diagram, view: SlideView, markers: Markers, font: str, *,
              note: str = "", message: bool = False) -> list[Any]:
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
        marker = shape_at(shapes, MSO_SHAPE.ROUNDED_RECTANGLE, rect, frame)
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
        segment = connector_at(group.shapes, MSO_CONNECTOR.STRAIGHT, path[i], path[i + 1], frame)
        segment.name = f"{group.name} ({i + 1})"
        if message:  # the open circle only where the message leaves a node on this slide
            message_line(segment, start=outgoing and i == 0, end=i == len(path) - 2)
        elif i == len(path) - 2:
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
