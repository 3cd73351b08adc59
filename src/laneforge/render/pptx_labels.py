"""Edge labels on a slide at 9 pt: where the canvas puts them, shortened or wrapped where
the line's free stretch is short, moved off the nodes and the marker strips."""

from __future__ import annotations

import itertools
from typing import Any

from pptx.enum.shapes import MSO_SHAPE

from ..model.geometry import Diagram, EdgeRoute, Rect, label_width
from .pptx_shapes import EMU_PER_PT, PALETTE, Frame, Line, fill, outline, shape_at, write
from .pptx_text import MIN_PT, line_height, text_width, wrap

#: how wide the name of an event or decision may be on a slide (px): the column's pitch
#: less a gap, wider than the canvas's label as the slide's text is larger
LABEL_SLIDE_WIDTH = 176.0


def edge_label(shapes: Any, route: EdgeRoute, key: tuple[str, str], diagram: Diagram,
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
        if moved != rect and any(overlap(moved, b.shape) for b in diagram.nodes.values()):
            return None
        rect = moved
    box = shape_at(shapes, MSO_SHAPE.ROUNDED_RECTANGLE, rect, frame)
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
        if not any(overlap(rect, other) for other in obstacles):
            return rect, [text]
    return candidates[0][0], [texts[0]]


def overlap(a: Rect, b: Rect) -> bool:
    """Whether the two rectangles share any area."""
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
