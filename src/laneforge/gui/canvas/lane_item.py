"""A lane band with its header: select, rename (double-click), reorder (drag), resize (bottom)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
)

from ...model.geometry import LaneBox
from ...render.painter import LaneDecor, draw_lane, qrect

if TYPE_CHECKING:
    from .scene import DiagramScene

RESIZE_GRIP = 6.0
MIN_HEIGHT = 80.0
Z_LANE = 0.0


class LaneItem(QGraphicsItem):
    def __init__(self, lane_id: str, box: LaneBox) -> None:
        super().__init__()
        self.lane_id = lane_id
        self.box = box
        self.decor = LaneDecor()
        self._press: QPointF | None = None
        self._mode: str | None = None  # "reorder" or "resize"
        self._preview_height: float | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(Z_LANE)

    def set_box(self, box: LaneBox) -> None:
        self.prepareGeometryChange()
        self.box = box
        self._preview_height = None
        self.update()

    def boundingRect(self) -> QRectF:
        rect = qrect(self.box.rect)
        if self._preview_height is not None:
            rect.setHeight(max(rect.height(), self._preview_height))
        return rect.adjusted(-1, -1, 1, 1)

    def header_rect(self) -> QRectF:
        return qrect(self.box.header)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        lane = scene.lane_model(self.lane_id)
        if lane is None:
            return
        self.decor.selected = self.isSelected()
        self.decor.index = self.box.index
        box = self.box
        if self._preview_height is not None:
            from ...model.geometry import Rect

            box = LaneBox(box.id, box.index, Rect(box.rect.x, box.rect.y, box.rect.w,
                                                  self._preview_height),
                          Rect(box.header.x, box.header.y, box.header.w, self._preview_height),
                          box.color, box.pool)
        draw_lane(painter, box, lane, scene.theme, self.decor, lane.calendar)

    # --- where the mouse is --------------------------------------------------------------
    def _on_grip(self, pos: QPointF) -> bool:
        return abs(pos.y() - self.box.rect.bottom) <= RESIZE_GRIP

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        pos = event.scenePos()
        if self._on_grip(pos):
            self.setCursor(Qt.CursorShape.SizeVerCursor)
        elif self.header_rect().contains(pos):
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if self._on_grip(pos) and scene.editable:
            self._mode, self._press = "resize", pos
            event.accept()
        elif self.header_rect().contains(pos):
            self._mode, self._press = "reorder", pos
            if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                scene.clearSelection()
            self.setSelected(True)
            event.accept()
        else:
            event.ignore()  # the band's body: the view rubber-bands or places nodes

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        if self._mode == "resize" and self._press is not None:
            self._preview_height = max(MIN_HEIGHT, event.scenePos().y() - self.box.rect.top)
            self.prepareGeometryChange()
            self.update()
        elif (self._mode == "reorder" and self._press is not None and scene.editable
              and abs(event.scenePos().y() - self._press.y()) > 4):
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            scene.show_lane_drop(self.lane_id, event.scenePos().y())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        if self._mode == "resize" and self._preview_height is not None:
            scene.resize_lane(self.lane_id, self._preview_height)
        elif self._mode == "reorder" and self._press is not None:
            if abs(event.scenePos().y() - self._press.y()) > 4:
                scene.drop_lane(self.lane_id, event.scenePos().y())
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._mode, self._press = None, None
        scene.hide_lane_drop()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.header_rect().contains(event.scenePos()):
            scene: DiagramScene = self.scene()  # type: ignore[assignment]
            scene.rename_requested.emit("lane", self.lane_id)
            event.accept()
        else:
            event.ignore()
