"""A node on the canvas: drawn by the shared painter, moved by dragging, connected by its handle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneHoverEvent, QStyleOptionGraphicsItem

from ...model.geometry import NodeBox, Rect
from ...render.painter import NodeDecor, draw_node, node_outline, qrect

if TYPE_CHECKING:
    from .scene import DiagramScene

HANDLE_RADIUS = 6.0
HANDLE_OFFSET = 10.0
Z_NODE = 20.0


class NodeItem(QGraphicsItem):
    """Holds the node's id and presentation state only; data is read from the model."""

    def __init__(self, node_id: str, box: NodeBox) -> None:
        super().__init__()
        self.node_id = node_id
        self.box = box
        self.decor = NodeDecor()
        self.hovered = False
        self._syncing = False
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
            | QGraphicsItem.GraphicsItemFlag.ItemIsFocusable
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(Z_NODE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_box(box)

    # --- geometry ------------------------------------------------------------------------
    def set_box(self, box: NodeBox) -> None:
        """Take new geometry from the layout (not a user move)."""
        self.prepareGeometryChange()
        self.box = box
        self._syncing = True
        self.setPos(box.cx, box.cy)
        self._syncing = False
        self.update()

    def local(self, rect: Rect) -> QRectF:
        return qrect(rect).translated(-self.box.cx, -self.box.cy)

    def boundingRect(self) -> QRectF:
        extra_below = 16.0 + 15.0 * len(self.decor.badges)
        rect = self.local(self.box.bounds).adjusted(-16, -16, 16 + HANDLE_OFFSET, extra_below)
        return rect

    def shape(self) -> QPainterPath:
        path = node_outline(self.box).translated(-self.box.cx, -self.box.cy)
        if self.box.label is not None:
            path.addRect(self.local(self.box.label))
        path.addEllipse(self.handle_center(), HANDLE_RADIUS + 3, HANDLE_RADIUS + 3)
        return path

    def handle_center(self) -> QPointF:
        """The connection handle, just right of the outline (local coordinates)."""
        return QPointF(self.box.shape.w / 2 + HANDLE_OFFSET, 0.0)

    def on_handle(self, scene_pos: QPointF) -> bool:
        local = self.mapFromScene(scene_pos)
        delta = local - self.handle_center()
        return (delta.x() ** 2 + delta.y() ** 2) ** 0.5 <= HANDLE_RADIUS + 3

    def scene_box(self) -> NodeBox:
        """The box where the item is now (it differs from the layout while dragging)."""
        dx, dy = self.pos().x() - self.box.cx, self.pos().y() - self.box.cy
        shape = Rect(self.box.shape.x + dx, self.box.shape.y + dy, self.box.shape.w,
                     self.box.shape.h)
        label = None
        if self.box.label is not None:
            label = Rect(self.box.label.x + dx, self.box.label.y + dy, self.box.label.w,
                         self.box.label.h)
        return NodeBox(self.box.id, self.box.kind, self.box.lane, shape, label, self.box.color)

    # --- painting ------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        node = scene.node_model(self.node_id)
        if node is None:
            return
        painter.save()
        painter.translate(-self.box.cx, -self.box.cy)
        self.decor.selected = self.isSelected()
        self.decor.hovered = self.hovered
        draw_node(painter, node, self.box, scene.theme, self.decor)
        painter.restore()
        if (self.hovered or self.isSelected()) and node.kind != "end" and scene.editable:
            center = self.handle_center()
            color = QColor(scene.theme.selection)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(color, 1.5))
            painter.setBrush(QColor(scene.theme.node_fill))
            painter.drawEllipse(center, HANDLE_RADIUS, HANDLE_RADIUS)
            painter.setBrush(color)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(center, HANDLE_RADIUS / 2.4, HANDLE_RADIUS / 2.4)

    # --- interaction ---------------------------------------------------------------------
    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        on_handle = self.on_handle(event.scenePos())
        self.setCursor(Qt.CursorShape.CrossCursor if on_handle
                       else Qt.CursorShape.PointingHandCursor)
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = False
        self.update()
        super().hoverLeaveEvent(event)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and not self._syncing:
            scene: DiagramScene = self.scene()  # type: ignore[assignment]
            if scene is not None and scene.snap_enabled:
                grid = scene.grid
                point: QPointF = value
                return QPointF(round(point.x() / grid) * grid, round(point.y() / grid) * grid)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged \
                and not self._syncing:
            scene = self.scene()  # type: ignore[assignment]
            if scene is not None:
                scene.node_dragged(self.node_id)
        return super().itemChange(change, value)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        scene.rename_requested.emit("node", self.node_id)
        event.accept()
