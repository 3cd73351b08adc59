"""The find bar (Edit ▸ Find, Ctrl+F): incremental search over node, lane, phase and SLA
names and ids, floating at the top right of the canvas.

Enter or F3 goes to the next match, Shift+Enter or Shift+F3 to the previous one, Esc
closes. The match is selected and brought into the middle of the view; an SLA selects the
two nodes it runs between, a phase the nodes in it. The matching itself is
:func:`laneforge.app.find.find`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton

from ..app.find import Match, find, next_index
from .canvas import DiagramView
from .document import Document
from .selection import Selection

MARGIN = 12  # from the viewport's top-right corner
WIDTH = 380

STYLESHEET = """
QFrame#findBar { background: palette(base); border: 1px solid palette(mid);
                 border-radius: 7px; }
QFrame#findBar QLineEdit { border: 1px solid palette(mid); border-radius: 4px;
                           padding: 3px 6px; background: palette(base); }
QFrame#findBar QLineEdit:focus { border: 1.5px solid palette(highlight); }
QFrame#findBar QToolButton { padding: 2px 4px; border: none; }
QFrame#findBar QToolButton:hover { background: palette(midlight); }
"""


class FindBar(QFrame):
    """Overlay child of the view; ``matches`` and ``current`` say where the search is."""

    match_shown = Signal(object)  # Match

    def __init__(self, view: DiagramView) -> None:
        super().__init__(view)
        self.setObjectName("findBar")
        self.setStyleSheet(STYLESHEET)
        self.view = view
        self.document: Document | None = None
        self.matches: list[Match] = []
        self.current: int | None = None

        self.edit = QLineEdit(self)
        self.edit.setObjectName("findEdit")
        self.edit.setPlaceholderText("Find a node, lane, phase or SLA")
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.edit.textChanged.connect(self._on_text_changed)
        self.status = QLabel(self)
        self.status.setObjectName("findStatus")
        self.status.setMinimumWidth(64)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.previous_button = self._button(Qt.ArrowType.UpArrow, "Previous match (Shift+F3)",
                                            self.find_previous)
        self.next_button = self._button(Qt.ArrowType.DownArrow, "Next match (F3, Enter)",
                                        self.find_next)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.close_bar)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.close_button)
        view.installEventFilter(self)
        self.hide()

    def _button(self, arrow: Qt.ArrowType, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setArrowType(arrow)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    # --- the document searched --------------------------------------------------------
    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.changed.disconnect(self._on_document_changed)
            self.document.reset.disconnect(self._on_document_changed)
        self.document = document
        document.changed.connect(self._on_document_changed)
        document.reset.connect(self._on_document_changed)
        self.matches, self.current = [], None
        if self.isVisible():
            self._search(move=False)

    def _on_document_changed(self, *args: object) -> None:
        if self.isVisible() and self.edit.text():
            self._search(move=False)  # renames and deletions change the count, not the view

    # --- opening and closing ------------------------------------------------------------
    def open(self) -> None:
        """Show the bar with its text selected, so typing replaces the last search."""
        self._place()
        self.show()
        self.raise_()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
        if self.edit.text():
            self._search(move=False)

    def close_bar(self) -> None:
        self.hide()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _place(self) -> None:
        viewport = self.view.viewport().geometry()
        width = min(WIDTH, max(220, viewport.width() - 2 * MARGIN))
        height = self.sizeHint().height()
        self.setGeometry(viewport.right() - width - MARGIN + 1, viewport.top() + MARGIN,
                         width, height)

    # --- searching -------------------------------------------------------------------
    def find_next(self) -> None:
        self._step(1)

    def find_previous(self) -> None:
        self._step(-1)

    def _step(self, step: int) -> None:
        if not self.isVisible():
            self.open()
        if not self.edit.text():
            return
        self._search(move=False)
        index = next_index(len(self.matches), self.current, step)
        if index is not None:
            self._show(index)

    def _on_text_changed(self, text: str) -> None:
        self._search(move=True)

    def _search(self, move: bool) -> None:
        """Match again; keep the current match if it still matches, else start at the first
        one (and go there when ``move``)."""
        process = self.view.diagram_scene.process
        before = self.matches[self.current] if self.current is not None \
            and self.current < len(self.matches) else None
        self.matches = find(process, self.edit.text())
        keys = [(m.kind, m.id) for m in self.matches]
        if before is not None and (before.kind, before.id) in keys:
            self.current = keys.index((before.kind, before.id))
            if move:
                self._show(self.current)
        elif self.matches and move:
            self._show(0)
        else:
            self.current = None
        self._update_status()

    def _show(self, index: int) -> None:
        self.current = index
        match = self.matches[index]
        scene = self.view.diagram_scene
        scene.select(Selection(nodes=match.nodes, lanes=match.lanes))
        items = [scene.node_items[n] for n in match.nodes if n in scene.node_items]
        items += [scene.lane_items[ln] for ln in match.lanes if ln in scene.lane_items]
        if items:
            rect = QRectF(items[0].sceneBoundingRect())
            for item in items[1:]:
                rect = rect.united(item.sceneBoundingRect())
            self.view.show_rect(rect)
        self._update_status()
        self.match_shown.emit(match)

    def _update_status(self) -> None:
        text = self.edit.text().strip()
        if not text:
            self.status.setText("")
            self.status.setToolTip("")
        elif not self.matches:
            self.status.setText("No match")
            self.status.setToolTip(f"Nothing is named or has an id containing '{text}'")
        else:
            position = self.current + 1 if self.current is not None else 0
            self.status.setText(f"{position} of {len(self.matches)}" if position
                                else f"{len(self.matches)} found")
            current = self.matches[self.current] if self.current is not None else None
            tip = current.description if current else ""
            self.status.setToolTip(tip[:1].upper() + tip[1:])
        muted = bool(text) and not self.matches
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText if muted
                                      else QPalette.ColorRole.WindowText)
        font = self.status.font()
        font.setItalic(muted)
        self.status.setFont(font)

    # --- keys ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        if watched is self.view and event.type() == QEvent.Type.KeyPress and self.isVisible():
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and not self.view.diagram_scene.place_kind:
                self.hide()  # Esc on the canvas closes the bar too (placing a node first)
                return True
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                self._step(-1 if shift else 1)
                return True
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)
