"""A phase's name above the lanes; it stays at the top of the view while the lanes scroll."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...model.geometry import PhaseBox
from ...render.painter import draw_phase, qrect

if TYPE_CHECKING:
    from .scene import DiagramScene

Z_PHASE_HEADER = 40.0  # over nodes and edges once it sticks to the top of the view


class PhaseHeaderItem(QGraphicsItem):
    def __init__(self, phase_id: str, box: PhaseBox) -> None:
        super().__init__()
        self.phase_id = phase_id
        self.box = box
        self.view_top: float | None = None  # the top of the visible scene area
        self.setZValue(Z_PHASE_HEADER)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_box(self, box: PhaseBox) -> None:
        self.prepareGeometryChange()
        self.box = box
        self.update()

    def header_rect(self) -> QRectF:
        """Where the header is drawn: in its strip, or pinned to the view's top edge."""
        header = qrect(self.box.header)
        if self.view_top is not None and self.view_top > header.top():
            bottom = self.box.rect.bottom - header.height()
            header.moveTop(min(self.view_top, bottom))
        return header

    def set_view_top(self, top: float | None) -> None:
        if top != self.view_top:
            self.prepareGeometryChange()
            self.view_top = top
            self.update()

    def boundingRect(self) -> QRectF:
        return self.header_rect().adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: Any = None) -> None:
        scene: DiagramScene = self.scene()  # type: ignore[assignment]
        scene.track_views()  # a view shown after the scene was built: follow its scrolling
        phase = scene.phase_model(self.phase_id)
        if phase is not None:
            draw_phase(painter, self.box, phase, scene.theme, band=False,
                       header_rect=self.header_rect())
