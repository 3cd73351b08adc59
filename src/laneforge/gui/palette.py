"""The palette of node kinds: click to place on the canvas, or drag onto it."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model.nodes import KIND_LABELS, NODE_KINDS
from ..render.theme import Theme
from .canvas.view import PALETTE_MIME
from .icons import glyph_icon, kind_icon

HINTS = {
    "source": "Where leads come from: a web form, an email campaign, a webinar, a trade show",
    "task": "Work someone in the lane does: enrich, score, call, qualify, demo, onboard",
    "decision": "A question with branches: duplicate? MQL? sales qualified? closed won?",
    "delay": "Waiting without work: nurture for 30 days, a cooling-off period",
    "cadence": "A nurture cadence: a touch every few days up to a number of times, until the "
               "lead answers or is sales-ready; one way out for graduated, one for exhausted",
    "end": "Where a lead finishes: won, lost, disqualified, back to nurture",
}


class _KindButton(QToolButton):
    """A palette entry: a click arms placing, a drag carries the kind to the canvas."""

    def __init__(self, kind: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.kind = kind
        self._press: QPoint | None = None
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setText(KIND_LABELS[kind])
        self.setIconSize(QSize(28, 28))
        self.setToolTip(f"<b>{KIND_LABELS[kind]}</b><br>{HINTS[kind]}<br><br>"
                        "Click, then click on the canvas; or drag it onto a lane.")
        self.setSizePolicy(self.sizePolicy().horizontalPolicy().Expanding,
                           self.sizePolicy().verticalPolicy())
        self.setAccessibleName(f"Add {KIND_LABELS[kind].lower()}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and (
                event.position().toPoint() - self._press).manhattanLength() > 8:
            self._press = None
            self.setDown(False)
            drag = QDrag(self)
            mime = QMimeData()
            mime.setData(PALETTE_MIME, QByteArray(self.kind.encode()))
            drag.setMimeData(mime)
            drag.setPixmap(self.icon().pixmap(QSize(40, 40)))
            drag.exec(Qt.DropAction.CopyAction)
            return
        super().mouseMoveEvent(event)


class PaletteDock(QDockWidget):
    """Node kinds plus "Add lane"; ``place_requested(kind or None)`` arms the canvas."""

    place_requested = Signal(object)
    add_lane_requested = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__("Palette", parent)
        self.setObjectName("PaletteDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        title = QLabel("Drag onto a lane, or click and place")
        title.setObjectName("hint")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.buttons: dict[str, _KindButton] = {}
        for kind in NODE_KINDS:
            button = _KindButton(kind, body)
            button.clicked.connect(lambda checked, k=kind: self._on_clicked(k, checked))
            layout.addWidget(button)
            self.buttons[kind] = button
        layout.addSpacing(8)
        self.lane_button = QToolButton(body)
        self.lane_button.setText("Lane")
        self.lane_button.setToolTip("<b>Lane</b><br>A team: Marketing, Inside Sales, Field Sales,"
                                    " Success. Adds a lane at the bottom.")
        self.lane_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lane_button.setIconSize(QSize(28, 28))
        self.lane_button.setSizePolicy(self.buttons["task"].sizePolicy())
        self.lane_button.clicked.connect(self.add_lane_requested)
        layout.addWidget(self.lane_button)
        layout.addStretch(1)
        self.setWidget(body)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        for kind, button in self.buttons.items():
            button.setIcon(kind_icon(kind, theme))
        self.lane_button.setIcon(glyph_icon("lane", theme.subtext))

    def _on_clicked(self, kind: str, checked: bool) -> None:
        for other, button in self.buttons.items():
            if other != kind:
                button.setChecked(False)
        self.place_requested.emit(kind if checked else None)

    def clear_choice(self) -> None:
        for button in self.buttons.values():
            button.setChecked(False)
