"""The two shapes every edit takes: one step on the document, or a macro of steps.

Commands call only the process's public mutators (``add_node``, ``set_value``, ...), and only
the modules of this package do: if those mutators move to another object, this package is
the one place to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from ...model import Process
    from ..document import Document

MOVE_ID = 1001
SET_VALUE_ID = 1002


def label_of(document: Document, node_id: str) -> str:
    """A node's label for a command text (its id once the node is gone)."""
    try:
        return document.process.node(node_id).label
    except KeyError:
        return node_id


class MacroCommand(QUndoCommand):
    """A parent whose children run in order on redo and in reverse on undo.

    The children are kept in a Python list rather than as Qt child commands: Qt would own
    them through the parent while Python could still collect their wrappers, and the two
    must never both delete one command.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.children: list[QUndoCommand] = []

    def add(self, command: QUndoCommand) -> None:
        self.children.append(command)

    def redo(self) -> None:
        for child in self.children:
            child.redo()

    def undo(self) -> None:
        for child in reversed(self.children):
            child.undo()


class DocumentCommand(QUndoCommand):
    """An edit of the document; with a ``parent`` macro it becomes one of its steps."""

    def __init__(self, document: Document, text: str, parent: MacroCommand | None = None):
        super().__init__(text)
        self.document = document
        if parent is not None:
            parent.add(self)

    @property
    def process(self) -> Process:
        """The document's current process (revert swaps it, commands follow)."""
        return self.document.process
