"""The replay drawn over the diagram: dots moving along edges and queue counters on nodes.

One item paints everything, so a frame is a single paint call; it reads geometry from the
scene's layout and counts from the Replay, never the model, and takes no mouse input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...app.replay import NodeState, Replay
from ...model.geometry import Diagram
from ...render.theme import font

if TYPE_CHECKING:
    from ..canvas.scene import DiagramScene

Z_TOKENS = 50.0
#: real seconds a dot takes along one edge
DOT_SECONDS = 0.6
MAX_DOTS = 300
DOT_RADIUS = 4.0
#: dots closer than this (scene units) are drawn as one
DOT_SPACING = 2.2 * DOT_RADIUS
#: zoomed out, dots keep at least this radius on screen (pixels), up to MAX_DOT_SCALE times
MIN_SCREEN_RADIUS = 2.8
MAX_DOT_SCALE = 2.5
#: a queue is long when more leads wait than this many times the lane's staff
LONG_QUEUE_FACTOR = 2.0
LONG_QUEUE_MIN = 3
BADGE_POINT_SIZE = 7.4
BADGE_GAP = 10.0  # between a task's outline (or a delay's name) and its counter's centre
RESULTS_BADGE_STEP = 15.0  # results badges drawn by the node item sit below it first


@dataclass
class Dot:
    """A lead on its way along the edge ``key``, at ``x, y`` in scene coordinates."""

    x: float
    y: float
    color: str
    key: tuple[str, str]
    lead: int


@dataclass
class Badge:
    """A counter under a node: its text, where it is drawn and whether the queue is long."""

    text: str
    rect: QRectF
    long: bool
    state: NodeState


class _Route:
    """An edge's polyline with its cumulative lengths, to find the point at a fraction."""

    __slots__ = ("lengths", "points", "total")

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.points = points
        self.lengths = [0.0]
        for (x1, y1), (x2, y2) in pairwise(points):
            self.lengths.append(self.lengths[-1] + math.hypot(x2 - x1, y2 - y1))
        self.total = self.lengths[-1]

    def point_at(self, fraction: float) -> tuple[float, float]:
        target = self.total * min(max(fraction, 0.0), 1.0)
        for i in range(1, len(self.points)):
            if self.lengths[i] >= target or i == len(self.points) - 1:
                span = self.lengths[i] - self.lengths[i - 1]
                k = (target - self.lengths[i - 1]) / span if span > 0 else 1.0
                (x1, y1), (x2, y2) = self.points[i - 1], self.points[i]
                return x1 + (x2 - x1) * k, y1 + (y2 - y1) * k
        return self.points[-1]


def badge_text(kind: str, state: NodeState) -> str:
    """The counter under a node: "12 waiting · 3 busy" on tasks, "8 here" on delays."""
    if kind == "task":
        return f"{state.waiting} waiting · {state.busy} busy"
    return f"{state.here} here"


class TokenOverlayItem(QGraphicsItem):
    """Dots and counters of one Replay at one moment, painted above the nodes."""

    def __init__(self, replay: Replay) -> None:
        super().__init__()
        self.replay = replay
        self.time = 0.0
        self.speed = 4.0
        self.dots: list[Dot] = []
        self.badges: dict[str, Badge] = {}
        self._kinds = {node.id: node.kind for node in replay.nodes}
        self._lanes = {node.id: node.lane for node in replay.nodes}
        self._diagram: Diagram | None = None
        self._routes: dict[tuple[str, str], _Route] = {}
        self._bounds = QRectF()
        self._dots_rect = QRectF()
        self._font = font(BADGE_POINT_SIZE, QFont.Weight.DemiBold)
        self._metrics = QFontMetricsF(self._font)
        # only the exposed part is repainted when a few dots move
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setZValue(Z_TOKENS)

    # --- geometry ------------------------------------------------------------------------
    def _scene(self) -> DiagramScene | None:
        return self.scene()  # type: ignore[return-value]

    def _sync_geometry(self) -> bool:
        """Follow the scene's latest layout; True when it changed."""
        scene = self._scene()
        diagram = scene.diagram if scene is not None else None
        if diagram is self._diagram:
            return False
        self.prepareGeometryChange()
        self._diagram = diagram
        self._routes = {key: _Route(route.points) for key, route in diagram.edges.items()
                        if len(route.points) >= 2} if diagram is not None else {}
        if diagram is None:
            self._bounds = QRectF()
        else:
            b = diagram.bounds
            self._bounds = QRectF(b.x, b.y, b.w, b.h).adjusted(-80, -80, 80, 120)
        return True

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never hit by clicks or rubber bands

    # --- state ---------------------------------------------------------------------------
    def set_time(self, hours: float, speed: float | None = None) -> None:
        """Show the replay at ``hours``; ``speed`` (hours per second) sets the dots' pace."""
        self.time = hours
        if speed is not None:
            self.speed = speed
        relaid = self._sync_geometry()
        old_dots, old_badges = self._dots_rect, self.badges
        self.dots = self._make_dots()
        self.badges = self._make_badges()
        self._dots_rect = self._rect_of_dots()
        if relaid:
            self.update()
            return
        self.update(old_dots.united(self._dots_rect))
        for node_id in old_badges.keys() | self.badges.keys():
            old, new = old_badges.get(node_id), self.badges.get(node_id)
            if old is not None and new is not None and old.text == new.text \
                    and old.long == new.long and old.rect == new.rect:
                continue
            for badge in (old, new):
                if badge is not None:
                    self.update(badge.rect.adjusted(-2, -2, 2, 2))

    def refresh(self) -> None:
        """Redraw at the same moment (after a relayout or a theme change)."""
        self.set_time(self.time)

    def _make_dots(self) -> list[Dot]:
        diagram = self._diagram
        if diagram is None:
            return []
        travel = max(self.speed, 1e-6) * DOT_SECONDS
        window = travel * (self.replay.max_hop + 1)
        start = self.time - window
        # too many at once (fast playing): follow every 2nd, 4th, ... lead rather than
        # cutting off the oldest dots, so the dots still spread along the edges
        sample = 1
        while self.replay.moves_count(start, self.time) > MAX_DOTS * sample:
            sample *= 2
        dots = []
        taken: set[tuple[int, int]] = set()
        for move in reversed(self.replay.moves_between(start, self.time, limit=MAX_DOTS,
                                                       sample=sample)):
            progress = (self.time - move.time) / travel - move.hop
            route = self._routes.get((move.from_id, move.to_id))
            box = diagram.nodes.get(move.to_id)
            if route is None or box is None or not 0.0 <= progress < 1.0:
                continue
            x, y = route.point_at(progress)
            cell = (round(x / DOT_SPACING), round(y / DOT_SPACING))
            if cell in taken:  # a crowd of dots on top of each other reads as noise: one will do
                continue
            taken.add(cell)
            dots.append(Dot(x, y, box.color, (move.from_id, move.to_id), move.lead))
        return dots

    def _rect_of_dots(self) -> QRectF:
        if not self.dots:
            return QRectF()
        xs, ys = [d.x for d in self.dots], [d.y for d in self.dots]
        pad = DOT_RADIUS * MAX_DOT_SCALE + 2
        return QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                      max(ys) - min(ys) + 2 * pad)

    def _make_badges(self) -> dict[str, Badge]:
        diagram, scene = self._diagram, self._scene()
        if diagram is None or scene is None:
            return {}
        badges = {}
        h = self._metrics.height() + 4
        for node_id, state in self.replay.state_at(self.time).items():
            kind = self._kinds[node_id]
            box = diagram.nodes.get(node_id)
            if box is None or kind not in ("task", "delay") or not any(state):
                continue
            text = badge_text(kind, state)
            item = scene.node_items.get(node_id)
            below = len(item.decor.badges[:2]) * RESULTS_BADGE_STEP if item is not None else 0.0
            anchor = box.label.bottom if kind != "task" and box.label is not None \
                else box.shape.bottom
            w = self._metrics.horizontalAdvance(text) + 12
            cy = anchor + BADGE_GAP + below
            rect = QRectF(box.cx - w / 2, cy - h / 2, w, h)
            badges[node_id] = Badge(text, rect, self._is_long(node_id, state), state)
        return badges

    def _is_long(self, node_id: str, state: NodeState) -> bool:
        staff = self.replay.lane_staff.get(self._lanes[node_id])
        if staff is None or self._kinds[node_id] != "task":
            return False
        return state.waiting >= max(LONG_QUEUE_MIN, LONG_QUEUE_FACTOR * staff)

    # --- painting ------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene = self._scene()
        if scene is None:
            return
        theme = scene.theme
        exposed = option.exposedRect if option is not None else self._bounds
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.dots and exposed.intersects(self._dots_rect):
            zoom = painter.worldTransform().m11() or 1.0
            radius = min(max(DOT_RADIUS, MIN_SCREEN_RADIUS / zoom), DOT_RADIUS * MAX_DOT_SCALE)
            by_color: dict[str, list[Dot]] = {}
            for dot in self.dots:
                by_color.setdefault(dot.color, []).append(dot)
            for color, dots in by_color.items():
                fill = QColor(color)
                painter.setPen(QPen(fill.darker(135), radius / DOT_RADIUS))
                painter.setBrush(fill)
                for dot in dots:
                    painter.drawEllipse(QPointF(dot.x, dot.y), radius, radius)
        painter.setFont(self._font)
        normal_fill, normal_text = theme.color("label_fill"), theme.color("text")
        long_fill, long_text = theme.color("warning"), QColor("#1F2933")
        for node_id, badge in self.badges.items():
            if not exposed.intersects(badge.rect):
                continue
            box = self._diagram.nodes.get(node_id) if self._diagram is not None else None
            border = QColor(box.color) if box is not None else theme.color("lane_line")
            painter.setPen(QPen(long_fill.darker(115) if badge.long else border, 1.0))
            painter.setBrush(long_fill if badge.long else normal_fill)
            radius = badge.rect.height() / 2
            painter.drawRoundedRect(badge.rect, radius, radius)
            painter.setPen(long_text if badge.long else normal_text)
            painter.drawText(badge.rect, int(Qt.AlignmentFlag.AlignCenter), badge.text)
