"""The properties dock: shows the editor for whatever is selected and keeps it up to date."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from ...model import Change
from ..document import Document
from ..selection import Selection
from .base import Editor
from .edge_editor import EdgeEditor
from .lane_editor import LaneEditor
from .look import StyledDock
from .multi_editor import MultiEditor
from .node_editor import NodeEditor
from .process_editor import ProcessEditor


class PropertiesDock(StyledDock):
    """Edits the selection: a node, a connection, a lane, several items, or the process.

    Every edit is pushed on the document's undo stack; the shown values follow the model
    (``Document.changed``), so undo, redo and edits elsewhere appear here.
    """

    #: a Selection the dock asks the canvas to select (a node named in an SLA or branch)
    select_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Properties", parent)
        self.setObjectName("PropertiesDock")
        self.document: Document | None = None
        self.selection = Selection()
        self.current: Editor | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("properties_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("properties_content")
        self.column = QVBoxLayout(content)
        self.column.setContentsMargins(12, 10, 12, 12)
        self.column.setSpacing(0)
        self.process_editor = ProcessEditor()
        self.node_editor = NodeEditor()
        self.edge_editor = EdgeEditor()
        self.lane_editor = LaneEditor()
        self.multi_editor = MultiEditor()
        for editor in self.editors:
            editor.hide()
            editor.select_requested.connect(self.select_requested)
            self.column.addWidget(editor)
        self.column.addStretch(1)
        self.scroll.setWidget(content)
        self.setWidget(self.scroll)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 22)
        self._apply_style()

    @property
    def editors(self) -> tuple[Editor, ...]:
        return (self.process_editor, self.node_editor, self.edge_editor, self.lane_editor,
                self.multi_editor)

    # --- public API ------------------------------------------------------------------------
    def set_document(self, document: Document | None) -> None:
        """Edit another document (a file was opened); the selection starts empty."""
        if self.document is not None:
            with contextlib.suppress(RuntimeError):  # the old document may be deleted already
                self.document.changed.disconnect(self._on_document_changed)
                self.document.reset.disconnect(self._on_document_reset)
        self.document = document
        if document is not None:
            document.changed.connect(self._on_document_changed)
            document.reset.connect(self._on_document_reset)
        for editor in self.editors:
            editor.set_document(document)
        self.selection = Selection()
        self._show()

    def set_selection(self, selection: Selection) -> None:
        self.selection = selection
        self._show()

    def refresh(self) -> None:
        """Show the model's current values (runs once after a burst of model changes)."""
        self._refresh_timer.stop()
        if self.document is None:
            return
        if not self._targets_exist():
            self.selection = self._existing(self.selection)
            self._show()
            return
        if self.current is not None:
            self.current.refresh()

    # --- choosing the editor ---------------------------------------------------------------
    def _existing(self, selection: Selection) -> Selection:
        assert self.document is not None
        process = self.document.process
        edges = {e.key for e in process.edges}
        return Selection(
            nodes=tuple(n for n in selection.nodes if process.has_node(n)),
            edges=tuple(k for k in selection.edges if tuple(k) in edges),
            lanes=tuple(ln for ln in selection.lanes if process.has_lane(ln)),
        )

    def _targets_exist(self) -> bool:
        return self._existing(self.selection) == self.selection

    def _show(self) -> None:
        self._refresh_timer.stop()
        editor: Editor | None = None
        if self.document is not None:
            self.selection = self._existing(self.selection)
            single = self.selection.single
            if self.selection.empty:
                editor = self.process_editor
                editor.refresh()
            elif single is None:
                editor = self.multi_editor
                self.multi_editor.set_selection(self.selection)
            elif single[0] == "node":
                editor = self.node_editor
                self.node_editor.set_node(str(single[1]))
            elif single[0] == "edge":
                editor = self.edge_editor
                source, target = single[1]  # type: ignore[misc]
                self.edge_editor.set_edge((source, target))
            else:
                editor = self.lane_editor
                self.lane_editor.set_lane(str(single[1]))
        for other in self.editors:
            if other is not editor:
                other.hide()
        if editor is not None:
            editor.show()
        if editor is not self.current:
            self.scroll.verticalScrollBar().setValue(0)
        self.current = editor

    # --- following the document ------------------------------------------------------------
    def _on_document_changed(self, change: Change) -> None:
        if change.kind == "node_renamed":
            new, old = change.key, change.detail
            self.selection = Selection(
                nodes=tuple(new if n == old else n for n in self.selection.nodes),
                edges=tuple(tuple(new if end == old else end for end in key)
                            for key in self.selection.edges),  # type: ignore[misc]
                lanes=self.selection.lanes)
            self.node_editor.rename_target(old, new)
            self.edge_editor.rename_target(old, new)
        elif change.kind == "lane_renamed":
            new, old = change.key, change.detail
            self.selection = Selection(
                nodes=self.selection.nodes, edges=self.selection.edges,
                lanes=tuple(new if ln == old else ln for ln in self.selection.lanes))
            self.lane_editor.rename_target(old, new)
        self._refresh_timer.start()

    def _on_document_reset(self) -> None:
        for editor in self.editors:
            editor.forget()
        self._show()
