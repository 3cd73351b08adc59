"""The view onto the scene: zoom (Ctrl+wheel, keys), pan (space-drag, middle button), fit,
the first view of a process, the overview in its corner, drops from the palette, and an
inline text editor for renaming in place."""

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

from .overview import OverviewMap
from .scene import DiagramScene

PALETTE_MIME = "application/x-laneforge-node-kind"
ZOOM_MIN, ZOOM_MAX = 0.1, 4.0
ZOOM_STEP = 1.15
#: The smallest zoom at which the diagram reads without effort: lane names (10.5 pt) are
#: 8.4 px on screen, node names (9.2 pt, semi-bold) 7.4 px. The first view never starts below.
READABLE_ZOOM = 0.6
FIT_PADDING = 20.0  # scene units around the diagram when fitting


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
        # True from the first view of a process until the user zooms or pans: resizing the
        # window then applies the first-view rule again instead of keeping a stale view
        self.auto_view = False
        self._applying = False
        self._content: tuple[object, QRectF] = (None, QRectF())  # (diagram, its extent)
        self.overview = OverviewMap(self)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._on_view_moved)
            bar.actionTriggered.connect(self._on_user_scrolled)
            bar.rangeChanged.connect(self._on_view_moved)

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

    def legend_rect(self) -> QRectF:
        """Where the legend goes (viewport coordinates): the bottom-right corner, above the
        overview when that is shown."""
        from ...render.theme import font

        entries = self.legend or []
        metrics = QFontMetricsF(font(8.0))
        row = metrics.height() + 3
        width = max((metrics.horizontalAdvance(t) for _, t in entries), default=0) + 36
        height = row * len(entries) + 12
        bottom = self.viewport().height() - 14
        if self.overview.isVisible():
            bottom = self.overview.geometry().top() - self.viewport().geometry().top() - 8
        return QRectF(self.viewport().width() - width - 14, bottom - height, width, height)

    def _draw_legend(self, painter: QPainter) -> None:
        from ...render.theme import font

        assert self.legend is not None
        theme = self.diagram_scene.theme
        painter.save()
        painter.resetTransform()
        text_font = font(8.0)
        title_font = font(8.0, QFont.Weight.DemiBold)
        row = QFontMetricsF(text_font).height() + 3
        box = self.legend_rect()
        width = box.width()
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
        if left <= diagram.bounds.x + 1:
            return
        from ...render.painter import LaneDecor, draw_lane_header, draw_pool, lane_title

        painter.save()
        for pool in diagram.pools:  # the pools' bands stay left of the lanes' headers
            draw_pool(painter, pool, scene.theme, outline=False,
                      header_rect=QRectF(left, pool.header.y, pool.header.w, pool.header.h))
        if diagram.pools:
            left += diagram.pools[0].header.w
        for box in diagram.lanes:
            lane = scene.lane_model(box.id)
            item = scene.lane_items.get(box.id)
            if lane is None or item is None:
                continue
            header = QRectF(left, box.header.y, box.header.w, box.header.h)
            shadow = QRectF(header.right(), header.top(), 6, header.height())
            painter.fillRect(shadow, QColor(0, 0, 0, 18))
            decor = item.decor if isinstance(item.decor, LaneDecor) else None
            draw_lane_header(painter, header, box.color, lane, scene.theme, decor, lane.calendar,
                             label=lane_title(lane, box))
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
        self._on_view_moved()

    def zoom_in(self) -> None:
        self.auto_view = False
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.auto_view = False
        self.set_zoom(self.zoom / ZOOM_STEP)

    def zoom_reset(self) -> None:
        self.auto_view = False
        self.set_zoom(1.0)

    # --- what is shown -------------------------------------------------------------------
    def content_rect(self) -> QRectF:
        """The diagram's extent in scene coordinates (lanes, phase bands above them, nodes,
        edges), padded a little; empty without a diagram."""
        scene = self.diagram_scene
        if scene.diagram is None:
            return QRectF()
        if self._content[0] is not scene.diagram:  # the scene lays out anew on every change
            b = scene.diagram.bounds
            rect = QRectF(b.x, b.y, b.w, b.h)
            items = scene.itemsBoundingRect()
            if not items.isEmpty():
                rect = rect.united(items)
            self._content = (scene.diagram, rect.adjusted(-FIT_PADDING, -FIT_PADDING,
                                                          FIT_PADDING, FIT_PADDING))
        return QRectF(self._content[1])

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def shows_whole(self) -> bool:
        """Whether the whole diagram is in sight (a pixel of rounding allowed)."""
        content = self.content_rect()
        tolerance = 2.0 / max(self.zoom, 1e-6)
        return self.visible_scene_rect().adjusted(-tolerance, -tolerance, tolerance,
                                                  tolerance).contains(content)

    def whole_zoom(self) -> float:
        """The zoom at which the whole diagram fills the viewport."""
        content = self.content_rect()
        viewport = self.viewport().rect()
        if content.isEmpty() or viewport.isEmpty():
            return 1.0
        return min(viewport.width() / content.width(), viewport.height() / content.height())

    def fit(self) -> None:
        """View ▸ Fit: the whole process, however small (never above 100 %)."""
        self.auto_view = False
        self._fit_whole()

    def _fit_whole(self) -> None:
        content = self.content_rect()
        if content.isEmpty():
            return
        self.set_zoom(min(1.0, self.whole_zoom()))
        self.centerOn(content.center())

    def show_start(self) -> None:
        """The first view of a process: all of it when that is readable (at least
        ``READABLE_ZOOM``), else all lanes' height at a readable zoom from the left, where
        the flow starts, with the overview showing the rest. Applied again on resizes until
        the user zooms or pans."""
        self.auto_view = True
        self._apply_start()

    def _apply_start(self) -> None:
        content = self.content_rect()
        viewport = self.viewport().rect()
        if content.isEmpty() or viewport.isEmpty():
            return
        if self.whole_zoom() >= READABLE_ZOOM:
            self._fit_whole()
        else:
            tall = viewport.height() / content.height()
            self.set_zoom(min(1.0, max(READABLE_ZOOM, tall)))
            shown = self.visible_scene_rect()
            self.centerOn(content.left() + shown.width() / 2,
                          content.top() + shown.height() / 2)
        self._on_view_moved()

    def pan_to(self, scene_point: QPointF) -> None:
        """Centre the view on ``scene_point`` (the overview's clicks and drags)."""
        self.auto_view = False
        self.centerOn(scene_point)

    def clear_scene_rect(self) -> QRectF:
        """The visible scene area that lane headers (real or sticky) do not cover."""
        shown = self.visible_scene_rect()
        diagram = self.diagram_scene.diagram
        if diagram is None or not diagram.lanes:
            return shown
        header_right = max(shown.left(), diagram.lanes[0].header.x) + diagram.lanes[0].header.w
        return QRectF(header_right, shown.top(), max(0.0, shown.right() - header_right),
                      shown.height())

    def show_rect(self, rect: QRectF) -> None:
        """Bring ``rect`` (scene) into the middle of the view beside the lane headers:
        centred when it fits, else its top-left part; a view zoomed out below readable zooms
        in to ``READABLE_ZOOM`` first."""
        self.auto_view = False
        if self.zoom < READABLE_ZOOM:
            self.set_zoom(READABLE_ZOOM)
        shown = self.visible_scene_rect()
        diagram = self.diagram_scene.diagram
        header = diagram.lanes[0].header.w if diagram is not None and diagram.lanes else 0.0
        room = shown.width() - header  # the sticky headers cover the left strip
        margin = 40.0 / self.zoom
        left = rect.center().x() - room / 2 if rect.width() + 2 * margin <= room \
            else rect.left() - margin
        y = rect.center().y() if rect.height() + 2 * margin <= shown.height() \
            else rect.top() - margin + shown.height() / 2
        # no scrolling past the diagram's edges: a diagram as tall as the view stays put
        content = self.content_rect()
        self.centerOn(_clamp(left - header + shown.width() / 2, content.left(), content.right(),
                             shown.width()),
                      _clamp(y, content.top(), content.bottom(), shown.height()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.auto_view and not self._applying:
            # zooming may show or hide a scroll bar, which resizes the viewport again
            self._applying = True
            try:
                self._apply_start()
            finally:
                self._applying = False
        self._on_view_moved()

    def _on_view_moved(self, *args: object) -> None:
        self.overview.follow()

    def _on_user_scrolled(self, action: int) -> None:
        self.auto_view = False

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.auto_view = False
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
        self.auto_view = False
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
        # working on the canvas ends the automatic first view: what is under the pointer
        # must not move when a dock or the window changes size afterwards
        self.auto_view = False
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
            self.auto_view = False
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


def _clamp(centre: float, low: float, high: float, size: float) -> float:
    """The view's centre on one axis, so that a view of ``size`` stays inside [low, high]
    (centred on it when the range is smaller than the view)."""
    if high - low <= size:
        return (low + high) / 2
    return min(max(centre, low + size / 2), high - size / 2)
