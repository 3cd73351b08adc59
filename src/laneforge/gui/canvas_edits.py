"""Edit ▸ and Process ▸ actions on the canvas selection: delete, clipboard, nudge, layout.

Each builds its edit with ``gui.commands`` and hands it to the scene's document, which
pushes it; the scene and the view are all it needs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication

from ..app.layout import auto_layout
from .canvas import DiagramScene, DiagramView
from .commands import (
    FRAGMENT_MIME,
    MoveNodesCommand,
    delete_command,
    fragment,
    layout_command,
    paste_command,
)
from .selection import Selection


class CanvasEdits:
    """The edits a menu or shortcut makes on what is selected in ``scene``."""

    def __init__(self, scene: DiagramScene, view: DiagramView,
                 rename: Callable[[str, object], None]) -> None:
        self.scene, self.view = scene, view
        #: inline rename of a node, lane or edge (the window places the editor)
        self.rename = rename

    def delete(self) -> None:
        selection = self.scene.selection()
        document = self.scene.document
        document.apply(delete_command(document, list(selection.nodes),
                                      list(selection.edges), list(selection.lanes)))

    def copy(self) -> None:
        selection = self.scene.selection()
        if not selection.nodes:
            return
        text = fragment(self.scene.process, list(selection.nodes))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode())
        mime.setText(text)
        QApplication.clipboard().setMimeData(mime)

    def cut(self) -> None:
        self.copy()
        self.delete()

    def paste(self, text: str | None = None) -> None:
        if text is None:
            mime = QApplication.clipboard().mimeData()
            if mime is None:
                return
            text = bytes(mime.data(FRAGMENT_MIME)).decode() if mime.hasFormat(FRAGMENT_MIME) \
                else mime.text()
        document = self.scene.document
        result = paste_command(document, text)
        if result is not None:
            command, ids = result
            document.apply(command)
            self.scene.select(Selection(nodes=tuple(ids)))

    def duplicate(self) -> None:
        selection = self.scene.selection()
        if selection.nodes:
            self.paste(fragment(self.scene.process, list(selection.nodes)))

    def select_all(self) -> None:
        self.scene.select(Selection(nodes=tuple(self.scene.node_items),
                                    edges=tuple(self.scene.edge_items)))

    def rename_selected(self) -> None:
        single = self.scene.selection().single
        if single is not None:
            self.rename(*single)

    def nudge(self, dx: int, dy: int) -> None:
        """Move the selected nodes one grid step; held arrow keys merge into one undo step."""
        selection = self.scene.selection()
        if not selection.nodes:
            return
        step = self.scene.grid
        document = self.scene.document
        moves = {}
        for node_id in selection.nodes:
            node = document.process.node(node_id)
            x, y = node.pos or (0.0, 0.0)
            moves[node_id] = ((x + dx * step, max(30.0, y + dy * step)), node.lane)
        document.apply(MoveNodesCommand(document, moves, nudge=True))

    def auto_layout(self) -> None:
        document = self.scene.document
        layout = auto_layout(document.process)
        document.apply(layout_command(document, layout.positions, layout.lane_heights))
        self.view.fit()
