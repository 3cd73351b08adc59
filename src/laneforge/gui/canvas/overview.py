"""The overview (minimap): the whole diagram scaled down in a corner of the canvas, with a
rectangle for the part the view shows; clicking or dragging in it pans the view.

It is cheap by construction: the scene is rendered into a cached pixmap only when the
scene changed (debounced) and the overview is shown; scrolling and zooming repaint just
the cached pixmap and the rectangle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .view import DiagramView

REFRESH_DELAY_MS = 200
MAX_WIDTH, MAX_HEIGHT, MIN_HEIGHT = 260, 170, 44
MARGIN = 12  # from the viewport's corner
PADDING = 6  # inside the frame, around the diagram


class OverviewMap(QWidget):
    """Overlay child of a :class:`DiagramView`, kept in its bottom-right corner."""

    panned = Signal()

    def __init__(self, view: DiagramView) -> None:
        super().__init__(view)
        self.setObjectName("overviewMap")
        self.view = view
        self.enabled = True  # View ▸ Overview: shown whenever part of the diagram is hidden
        self.renders = 0  # how many times the scene was drawn into the pixmap (tests)
        self._pixmap: QPixmap | None = None
        self._dirty = True
        self._drag_offset: QPointF | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._render)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view (View ▸ Overview hides it)")
        self.hide()
        view.scene().changed.connect(self.schedule)
        view.scene().sceneRectChanged.connect(self.schedule)

    # --- when to show and refresh -------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.follow()

    def schedule(self, *args: object) -> None:
        """The scene changed: draw it again shortly (many changes in a row draw once)."""
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def follow(self) -> None:
        """The view moved, zoomed or resized: show or hide, place, repaint the rectangle."""
        scene = self.view.scene()
        needed = self.enabled and scene is not None and scene.diagram is not None \
            and not self.view.shows_whole()
        if not needed:
            if self.isVisible():
                self.hide()
                self.view.viewport().update()  # the legend moves back into the corner
            return
        self._place()
        if not self.isVisible():
            self.show()
            self.raise_()
            self.view.viewport().update()
        if self._dirty and not self._timer.isActive():
            self._render()
        self.update()

    def _place(self) -> None:
        size = self.sizeHint()
        viewport = self.view.viewport().geometry()
        self.setGeometry(viewport.right() - size.width() - MARGIN + 1,
                         viewport.bottom() - size.height() - MARGIN + 1,
                         size.width(), size.height())

    def sizeHint(self) -> QSize:
        source = self.view.content_rect()
        if source.isEmpty():
            return QSize(MAX_WIDTH, MIN_HEIGHT)
        room = self.view.viewport().size()
        width = min(MAX_WIDTH, max(120, room.width() // 3))
        height = width * source.height() / source.width()
        if height < MIN_HEIGHT:  # a very wide process gets a longer strip, up to half the view
            width = min(max(width, room.width() // 2), MIN_HEIGHT * source.width()
                        / source.height())
            height = width * source.height() / source.width()
        if height > MAX_HEIGHT:
            height = MAX_HEIGHT
            width = height * source.width() / source.height()
        height = max(MIN_HEIGHT, height)
        return QSize(int(width) + 2 * PADDING, int(height) + 2 * PADDING)

    def _render(self) -> None:
        self._timer.stop()
        self._dirty = False
        scene = self.view.diagram_scene
        source, target = self.view.content_rect(), self._target()
        if source.isEmpty() or target.isEmpty():
            self._pixmap = None
            return
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(target.width() * ratio), int(target.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(scene.theme.color("canvas"))
        painter = QPainter(pixmap)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.SmoothPixmapTransform)
        scene.render(painter, QRectF(0, 0, target.width(), target.height()), source,
                     Qt.AspectRatioMode.KeepAspectRatio)
        painter.end()
        self._pixmap = pixmap
        self.renders += 1
        self.update()

    # --- geometry: scene <-> overview -------------------------------------------------------
    def _target(self) -> QRectF:
        """Where the diagram is drawn inside the widget (aspect ratio kept, centred)."""
        inner = QRectF(self.rect()).adjusted(PADDING, PADDING, -PADDING, -PADDING)
        source = self.view.content_rect()
        if source.isEmpty() or inner.isEmpty():
            return QRectF()
        scale = min(inner.width() / source.width(), inner.height() / source.height())
        w, h = source.width() * scale, source.height() * scale
        return QRectF(inner.center().x() - w / 2, inner.center().y() - h / 2, w, h)

    def _mapping(self) -> tuple[QRectF, QRectF, float]:
        """(scene source, overview target, scale), from the diagram as it is now (the cached
        picture may be a moment older)."""
        source, target = self.view.content_rect(), self._target()
        scale = target.width() / source.width() if not source.isEmpty() else 1.0
        return source, target, scale

    def to_scene(self, point: QPointF) -> QPointF:
        source, target, scale = self._mapping()
        return QPointF(source.x() + (point.x() - target.x()) / scale,
                       source.y() + (point.y() - target.y()) / scale)

    def to_overview(self, point: QPointF) -> QPointF:
        source, target, scale = self._mapping()
        return QPointF(target.x() + (point.x() - source.x()) * scale,
                       target.y() + (point.y() - source.y()) * scale)

    def visible_rect(self) -> QRectF:
        """The view's visible scene area, in overview coordinates (clipped to the map)."""
        shown = self.view.visible_scene_rect()
        top_left = self.to_overview(shown.topLeft())
        bottom_right = self.to_overview(shown.bottomRight())
        return QRectF(top_left, bottom_right).intersected(QRectF(self.rect()))

    # --- painting and input -----------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        theme = self.view.diagram_scene.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(theme.color("lane_line"), 1.0))
        painter.setBrush(theme.color("canvas", 0.96))
        painter.drawRoundedRect(frame, 6, 6)
        if self._pixmap is not None:
            painter.drawPixmap(self._target(), self._pixmap, QRectF(self._pixmap.rect()))
        shown = self.visible_rect()
        if not shown.isEmpty():
            # dim what is out of view, outline what is in it
            outside = theme.color("canvas", 0.55 if theme.name == "light" else 0.4)
            target = self._target()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(outside)
            for part in (QRectF(target.left(), target.top(), target.width(),
                                shown.top() - target.top()),
                         QRectF(target.left(), shown.bottom(), target.width(),
                                target.bottom() - shown.bottom()),
                         QRectF(target.left(), shown.top(), shown.left() - target.left(),
                                shown.height()),
                         QRectF(shown.right(), shown.top(), target.right() - shown.right(),
                                shown.height())):
                if part.width() > 0 and part.height() > 0:
                    painter.drawRect(part)
            painter.setBrush(theme.color("selection", 0.10))
            painter.setPen(QPen(theme.color("selection"), 1.6))
            painter.drawRect(shown.adjusted(0.8, 0.8, -0.8, -0.8))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        shown = self.visible_rect()
        point = event.position()
        # grabbing the rectangle keeps the grip point; a click elsewhere centres there
        self._drag_offset = point - shown.center() if shown.contains(point) else QPointF()
        self._pan_to(point)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None:
            self._pan_to(event.position())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_offset = None
        event.accept()

    def _pan_to(self, point: QPointF) -> None:
        offset = self._drag_offset or QPointF()
        self.view.pan_to(self.to_scene(point - offset))
        self.panned.emit()
