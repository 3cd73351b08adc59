"""A connection on the canvas: an orthogonal route with its arrowhead and label, clickable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...model.geometry import EdgeRoute
from ...render.painter import arrow_head, draw_edge, edge_label_rect, edge_path

if TYPE_CHECKING:
    from .scene import DiagramScene

Z_EDGE = 10.0


class EdgeItem(QGraphicsItem):
    def __init__(self, key: tuple[str, str], route: EdgeRoute) -> None:
        super().__init__()
        self.key = key
        self.route = route
        self.problem: str | None = None
        self._shape: QPainterPath | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(Z_EDGE)
        self.setAcceptHoverEvents(True)

    def set_route(self, route: EdgeRoute) -> None:
        self.prepareGeometryChange()
        self.route = route
        self._shape = None
        self.update()

    def shape(self) -> QPainterPath:
        """The line widened for easy clicking, plus the arrowhead and the label."""
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10.0)
            path = stroker.createStroke(edge_path(self.route.points))
            head = QPainterPath()
            head.addPolygon(arrow_head(self.route.points))
            path = path.united(head)
            label = edge_label_rect(self.route)
            if label is not None:
                path.addRect(label)
            self._shape = path
        return self._shape

    def boundingRect(self) -> QRectF:
        return self.shape().boundingRect().adjusted(-4, -4, 4, 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        draw_edge(painter, self.route, scene.theme, selected=self.isSelected(),
                  problem=self.problem)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        scene.rename_requested.emit("edge", self.key)
        event.accept()
