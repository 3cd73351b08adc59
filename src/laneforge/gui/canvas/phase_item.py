"""A phase's column on the canvas: the tinted band across the lanes, under edges and nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...model.geometry import PhaseBox
from ...render.painter import draw_phase, qrect

if TYPE_CHECKING:
    from .scene import DiagramScene

Z_PHASE = 1.0


class PhaseItem(QGraphicsItem):
    """Only a backdrop: clicks go through to the lanes below."""

    def __init__(self, phase_id: str, box: PhaseBox) -> None:
        super().__init__()
        self.phase_id = phase_id
        self.box = box
        self.setZValue(Z_PHASE)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_box(self, box: PhaseBox) -> None:
        self.prepareGeometryChange()
        self.box = box
        self.update()

    def boundingRect(self) -> QRectF:
        return qrect(self.box.rect).adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        scene.track_views()  # the headers follow the scrolling of the views that show us
        phase = scene.phase_model(self.phase_id)
        if phase is not None:
            draw_phase(painter, self.box, phase, scene.theme, header=False)
