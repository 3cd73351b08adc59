"""A BPMN pool on the canvas: the narrow band naming it left of its lanes' headers and an
outline round its lanes. Drawn only when the lanes belong to more than one pool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...model.geometry import PoolBox
from ...render.painter import draw_pool, qrect

if TYPE_CHECKING:
    from .scene import DiagramScene

Z_POOL = 1.5  # over the lanes and the phases' tint, under edges and nodes


class PoolItem(QGraphicsItem):
    """Only a frame: clicks go through to the lanes below (a pool is edited through the
    ``pool`` of its lanes)."""

    def __init__(self, pool_id: str, box: PoolBox) -> None:
        super().__init__()
        self.pool_id = pool_id
        self.box = box
        self.setZValue(Z_POOL)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_box(self, box: PoolBox) -> None:
        self.prepareGeometryChange()
        self.box = box
        self.update()

    def boundingRect(self) -> QRectF:
        return qrect(self.box.rect).adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        draw_pool(painter, self.box, scene.theme)
