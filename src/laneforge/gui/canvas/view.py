"""The view onto the scene: zoom (Ctrl+wheel, keys), pan (space-drag, middle button), fit,
drops from the palette, and an inline text editor for renaming in place."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QLineEdit, QWidget

from .scene import DiagramScene

PALETTE_MIME = "application/x-laneforge-node-kind"
ZOOM_MIN, ZOOM_MAX = 0.1, 4.0
ZOOM_STEP = 1.15


class DiagramView(QGraphicsView):
    zoom_changed = Signal(float)

    def __init__(self, scene: DiagramScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._space_down = False
        self._panning: QPointF | None = None
        self._editor: QLineEdit | None = None
        self.legend: list[tuple[QColor, str]] | None = None

    @property
    def diagram_scene(self) -> DiagramScene:
        return self.scene()  # type: ignore[return-value]

    # --- lane headers stay in sight ------------------------------------------------------
    def set_legend(self, entries: list[tuple[QColor, str]] | None) -> None:
        """Swatches explaining the results tint, shown in the bottom-right corner."""
        self.legend = entries
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        self._draw_sticky_headers(painter)
        if self.legend:
            self._draw_legend(painter)

    def _draw_legend(self, painter: QPainter) -> None:
        from ...render.theme import font

        assert self.legend is not None
        theme = self.diagram_scene.theme
        painter.save()
        painter.resetTransform()
        text_font = font(8.0)
        title_font = font(8.0, QFont.Weight.DemiBold)
        metrics = QFontMetricsF(text_font)
        row = metrics.height() + 3
        width = max(metrics.horizontalAdvance(t) for _, t in self.legend) + 36
        height = row * len(self.legend) + 12
        box = QRectF(self.viewport().width() - width - 14,
                     self.viewport().height() - height - 14, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(theme.color("lane_line"), 1.0))
        painter.setBrush(theme.color("label_fill", 0.94))
        painter.drawRoundedRect(box, 6, 6)
        y = box.top() + 6
        for color, text in self.legend:
            heading = color.alpha() == 0
            if not heading:
                painter.setPen(QPen(theme.color("lane_line"), 0.8))
                painter.setBrush(color)
                painter.drawRoundedRect(QRectF(box.left() + 10, y + 3, 14, row - 8), 2, 2)
            painter.setPen(theme.color("text" if heading else "subtext"))
            painter.setFont(title_font if heading else text_font)
            painter.drawText(QRectF(box.left() + (10 if heading else 30), y, width, row),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                             text)
            y += row
        painter.restore()

    def _draw_sticky_headers(self, painter: QPainter) -> None:
        """When the view is scrolled right past the lane headers, draw them at its left edge."""
        scene = self.diagram_scene
        diagram = scene.diagram
        if diagram is None or not diagram.lanes:
            return
        left = self.mapToScene(0, 0).x()
        if left <= diagram.lanes[0].header.x + 1:
            return
        from ...render.painter import LaneDecor, draw_lane_header

        painter.save()
        for box in diagram.lanes:
            lane = scene.lane_model(box.id)
            item = scene.lane_items.get(box.id)
            if lane is None or item is None:
                continue
            header = QRectF(left, box.header.y, box.header.w, box.header.h)
            shadow = QRectF(header.right(), header.top(), 6, header.height())
            painter.fillRect(shadow, QColor(0, 0, 0, 18))
            decor = item.decor if isinstance(item.decor, LaneDecor) else None
            draw_lane_header(painter, header, box.color, lane, scene.theme, decor, lane.calendar)
        painter.restore()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if dx:
            self.viewport().update()  # the sticky headers move with the left edge

    # --- zoom ----------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, value: float) -> None:
        value = max(ZOOM_MIN, min(ZOOM_MAX, value))
        factor = value / self.zoom
        self.scale(factor, factor)
        self.zoom_changed.emit(self.zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def zoom_reset(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        scene = self.diagram_scene
        if scene.diagram is None:
            return
        b = scene.diagram.bounds
        rect = QRectF(b.x - 20, b.y - 20, b.w + 40, b.h + 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > 1.0:
            self.set_zoom(1.0)
            self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom)

    def show_start(self, readable: float = 0.6) -> None:
        """The first view of a process: all of it if that stays readable, else the lanes at
        a readable size from the start of the flow (scroll right for the rest)."""
        scene = self.diagram_scene
        if scene.diagram is None:
            return
        b = scene.diagram.bounds
        viewport = self.viewport().rect()
        whole = min(viewport.width() / (b.w + 40), viewport.height() / (b.h + 40))
        if whole >= readable:
            self.fit()
            return
        tall = viewport.height() / (b.h + 40)
        self.set_zoom(min(1.0, max(readable, tall)))
        top_left = self.mapToScene(0, 0)
        shown = self.mapToScene(viewport.bottomRight()) - top_left
        self.centerOn(b.x - 20 + shown.x() / 2, b.y - 20 + shown.y() / 2)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            self.set_zoom(self.zoom * (ZOOM_STEP ** steps))
            event.accept()
            return
        super().wheelEvent(event)

    # --- panning -------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._editor is None:
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and self._editor is None:
            self.select_next(-1 if event.key() == Qt.Key.Key_Backtab else 1)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.diagram_scene.place_kind:
            self.diagram_scene.start_place(None)
            self.diagram_scene.place_finished.emit()
            self.viewport().unsetCursor()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self._panning = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def select_next(self, step: int = 1) -> str | None:
        """Keyboard access: Tab selects the next node in flow (file) order, Shift+Tab the one
        before, and scrolls it into view."""
        from ..selection import Selection

        scene = self.diagram_scene
        order = [node.id for node in scene.process.nodes if node.id in scene.node_items]
        if not order:
            return None
        current = scene.selection().nodes
        index = order.index(current[0]) + step if current else (0 if step > 0 else -1)
        node_id = order[index % len(order)]
        scene.select(Selection(nodes=(node_id,)))
        self.ensureVisible(scene.node_items[node_id], 60, 60)
        return node_id

    def focusNextPrevChild(self, next: bool) -> bool:  # Qt's name and signature
        return False  # Tab moves between nodes, not out of the canvas

    def sticky_lane_at(self, point: QPointF) -> str | None:
        """The lane whose header is painted at the left edge under ``point`` (viewport), if
        the real headers are scrolled out of sight."""
        diagram = self.diagram_scene.diagram
        if diagram is None or not diagram.lanes:
            return None
        left = self.mapToScene(0, 0).x()
        if left <= diagram.lanes[0].header.x + 1 or point.x() > diagram.lanes[0].header.w * \
                self.zoom:
            return None
        lane = diagram.lane_at(self.mapToScene(point.toPoint()).y())
        return lane.id if lane is not None else None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        lane = self.sticky_lane_at(event.position())
        if lane is not None and event.button() == Qt.MouseButton.LeftButton:
            self.diagram_scene.rename_requested.emit("lane", lane)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        lane = self.sticky_lane_at(event.position())
        if lane is not None and event.button() == Qt.MouseButton.LeftButton \
                and not self._space_down:
            from ..selection import Selection

            self.diagram_scene.select(Selection(lanes=(lane,)))
            event.accept()
            return
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space_down and event.button() == Qt.MouseButton.LeftButton):
            self._panning = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None:
            self._panning = None
            if self._space_down:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # --- drops from the palette ----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            kind = bytes(event.mimeData().data(PALETTE_MIME)).decode()
            self.diagram_scene.add_node_at(kind, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
            self.setFocus()
        else:
            super().dropEvent(event)

    # --- inline editing ------------------------------------------------------------------
    def edit_text(self, scene_rect: QRectF, text: str, done: Callable[[str], None]) -> QLineEdit:
        """A line edit over ``scene_rect``; Enter commits via ``done``, Escape cancels."""
        self.finish_editing(commit=False)
        editor = QLineEdit(self.viewport())
        editor.setText(text)
        editor.selectAll()
        rect = self.mapFromScene(scene_rect).boundingRect()
        height = max(rect.height(), editor.sizeHint().height())
        editor.setGeometry(rect.x(), rect.center().y() - height // 2, max(rect.width(), 140),
                           height)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setObjectName("inlineEditor")

        def commit() -> None:
            if self._editor is editor:
                value = editor.text().strip()
                self.finish_editing(commit=False)
                if value and value != text:
                    done(value)

        editor.returnPressed.connect(commit)
        editor.editingFinished.connect(commit)
        editor.installEventFilter(self)
        editor.show()
        editor.setFocus()
        self._editor = editor
        return editor

    def finish_editing(self, commit: bool = False) -> None:
        editor, self._editor = self._editor, None
        if editor is not None:
            if commit:
                editor.editingFinished.emit()
            editor.hide()
            editor.deleteLater()
            self.setFocus()

    def eventFilter(self, watched, event) -> bool:
        from PySide6.QtCore import QEvent

        if watched is self._editor and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self.finish_editing(commit=False)
            return True
        return super().eventFilter(watched, event)
