"""A connection on the canvas: an orthogonal route with its arrowhead and label, clickable.

A selected connection shows a handle on each segment; dragging one moves the segment
across its direction and stores the route's corners as the edge's ``bends`` (one undo
step). "Straighten connector" in its context menu clears them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QMenu, QStyleOptionGraphicsItem

from ...model.geometry import EdgeRoute
from ...model.routing import CLEARANCE
from ...render.painter import arrow_head, draw_edge, edge_label_rect, edge_path, edge_pen

if TYPE_CHECKING:
    from .scene import DiagramScene

Z_EDGE = 10.0
HANDLE_SIZE = 8.0
#: segments shorter than this get no handle (there is no room to grab them)
MIN_HANDLE_SEGMENT = 14.0

Point = tuple[float, float]


def moved_segment(points: list[Point], index: int, offset: float) -> list[Point]:
    """The route with segment ``index`` moved ``offset`` across its direction.

    The route's ends stay on their ports: moving the first or last segment keeps a short
    straight stretch out of the port and adds the corners that the move needs.
    """
    pts = list(points)
    horizontal = abs(pts[index][1] - pts[index + 1][1]) < 1e-6
    dx, dy = (0.0, offset) if horizontal else (offset, 0.0)

    def shift(p: Point) -> Point:
        return (p[0] + dx, p[1] + dy)

    def toward(a: Point, b: Point) -> Point:  # CLEARANCE from a towards b
        length = abs(b[0] - a[0]) + abs(b[1] - a[1])
        k = min(CLEARANCE, length / 2) / length if length else 0.0
        return (a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k)

    a, b = pts[index], pts[index + 1]
    if index > 0:  # a corner: it moves along the segment before
        start = [shift(a)]
    else:  # the port stays: straight out of it, then across
        out = toward(a, b)
        start = [a, out, shift(out)]
    if index + 1 < len(pts) - 1:
        end = [shift(b)]
    else:
        into = toward(b, a)
        end = [shift(into), into, b]
    return _clean([*pts[:index], *start, *end, *pts[index + 2:]])


def _clean(points: list[Point]) -> list[Point]:
    """Without repeated points and without corners that lie on a straight line."""
    out: list[Point] = []
    for p in points:
        p = (round(p[0], 1), round(p[1], 1))
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (ax == bx == p[0]) or (ay == by == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out


def bends_of(points: list[Point]) -> list[list[float]]:
    """The corners between the route's two ports, as stored in ``edge.bends``."""
    return [[x, y] for x, y in _clean(points)[1:-1]]


class EdgeItem(QGraphicsItem):
    def __init__(self, key: tuple[str, str], route: EdgeRoute) -> None:
        super().__init__()
        self.key = key
        self.route = route
        self.problem: str | None = None
        #: a hand-off between pools (the edge's ``message``): drawn dashed, as BPMN does
        self.message = False
        self._shape: QPainterPath | None = None
        self._drag: tuple[int, QPointF, list[Point]] | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(Z_EDGE)
        self.setAcceptHoverEvents(True)

    def set_route(self, route: EdgeRoute) -> None:
        self.prepareGeometryChange()
        self.route = route
        self._shape = None
        self.update()

    # --- handles -------------------------------------------------------------------------
    def _editable(self) -> bool:
        scene = self.scene()
        return bool(scene is not None and getattr(scene, "editable", False))

    def handles(self) -> list[tuple[int, QPointF]]:
        """(segment index, centre) of every segment that can be dragged."""
        points = self.route.points
        out = []
        for i in range(len(points) - 1):
            (x1, y1), (x2, y2) = points[i], points[i + 1]
            if abs(x2 - x1) + abs(y2 - y1) >= MIN_HANDLE_SEGMENT:
                out.append((i, QPointF((x1 + x2) / 2, (y1 + y2) / 2)))
        return out

    def handle_at(self, pos: QPointF) -> int | None:
        if not (self.isSelected() and self._editable()):
            return None
        for index, centre in self.handles():
            if abs(pos.x() - centre.x()) <= HANDLE_SIZE and abs(pos.y() - centre.y()) <= \
                    HANDLE_SIZE:
                return index
        return None

    def _horizontal(self, index: int) -> bool:
        (_, y1), (_, y2) = self.route.points[index], self.route.points[index + 1]
        return abs(y1 - y2) < 1e-6

    # --- geometry ------------------------------------------------------------------------
    def shape(self) -> QPainterPath:
        """The line widened for easy clicking, plus the arrowhead, the label and handles."""
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10.0)
            path = stroker.createStroke(edge_path(self.route.points))
            head = QPainterPath()
            head.addPolygon(arrow_head(self.route.points))
            path = path.united(head)
            # the shape fills with the winding rule: a label sitting on its own line (or a
            # handle on it) must add to the clickable area, not cut a hole in it
            path.setFillRule(Qt.FillRule.WindingFill)
            label = edge_label_rect(self.route)
            if label is not None:
                path.addRect(label)
            for _, centre in self.handles() if self.isSelected() else ():
                path.addRect(QRectF(centre.x() - HANDLE_SIZE, centre.y() - HANDLE_SIZE,
                                    2 * HANDLE_SIZE, 2 * HANDLE_SIZE))
            self._shape = path
        return self._shape

    def boundingRect(self) -> QRectF:
        return self.shape().boundingRect().adjusted(-4, -4, 4, 4)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedChange:
            self.prepareGeometryChange()  # the handles come and go with the selection
            self._shape = None
        return super().itemChange(change, value)

    def pen(self) -> QPen:
        """The pen the line is painted with (dashed for a message flow)."""
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        return edge_pen(scene.theme, selected=self.isSelected(), problem=self.problem,
                        message=self.message)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        draw_edge(painter, self.route, scene.theme, selected=self.isSelected(),
                  problem=self.problem, message=self.message)
        if self.isSelected() and self._editable():
            painter.setPen(QPen(QColor(scene.theme.selection), 1.2))
            painter.setBrush(QColor(scene.theme.canvas))
            half = HANDLE_SIZE / 2
            for _, centre in self.handles():
                painter.drawRect(QRectF(centre.x() - half, centre.y() - half, HANDLE_SIZE,
                                        HANDLE_SIZE))

    # --- dragging a segment --------------------------------------------------------------
    def hoverMoveEvent(self, event: Any) -> None:
        index = self.handle_at(event.pos())
        if index is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.SizeVerCursor if self._horizontal(index)
                           else Qt.CursorShape.SizeHorCursor)
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event: Any) -> None:
        index = self.handle_at(event.pos()) if event.button() == Qt.MouseButton.LeftButton \
            else None
        if index is None:
            super().mousePressEvent(event)
            return
        self._drag = (index, event.scenePos(), list(self.route.points))
        event.accept()

    def _dragged_points(self, scene_pos: QPointF) -> list[Point]:
        assert self._drag is not None
        index, start, points = self._drag
        delta = scene_pos - start
        offset = delta.y() if self._horizontal_in(points, index) else delta.x()
        scene = self.scene()
        if getattr(scene, "snap_enabled", False):
            grid = getattr(scene, "grid", 10.0)
            offset = round(offset / grid) * grid
        return moved_segment(points, index, offset) if offset else points

    @staticmethod
    def _horizontal_in(points: list[Point], index: int) -> bool:
        return abs(points[index][1] - points[index + 1][1]) < 1e-6

    def mouseMoveEvent(self, event: Any) -> None:
        if self._drag is None:
            super().mouseMoveEvent(event)
            return
        points = self._dragged_points(event.scenePos())
        self.set_route(EdgeRoute(self.key, points, self.route.label, None))
        event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self._drag is None:
            super().mouseReleaseEvent(event)
            return
        points = self._dragged_points(event.scenePos())
        original = self._drag[2]
        self._drag = None
        event.accept()
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        if points != original:
            scene.set_edge_bends(self.key, bends_of(points))
        else:
            scene.relayout()

    # --- menu ----------------------------------------------------------------------------
    def context_menu(self) -> QMenu:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        menu = QMenu()
        action = menu.addAction("Straighten connector",
                                lambda: scene.set_edge_bends(self.key, None))
        edge = scene.edge_model(self.key)
        action.setEnabled(scene.editable and edge is not None and bool(edge.bends))
        return menu

    def contextMenuEvent(self, event: Any) -> None:
        if not self.isSelected():
            self.scene().clearSelection()
            self.setSelected(True)
        self.context_menu().exec(event.screenPos())
        event.accept()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        scene.rename_requested.emit("edge", self.key)
        event.accept()
