"""An open process: the model, its file, its undo stack and the Qt signal views listen to."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..model import Change, Process


class Document(QObject):
    """Owns one Process. Views subscribe to ``changed``; edits go through ``undo_stack``."""

    #: re-emits every model Change (after the model has changed)
    changed = Signal(object)
    #: the file path changed (save as, open)
    path_changed = Signal(object)
    #: the whole process was replaced (revert, recovery): views rebuild from scratch
    reset = Signal()

    def __init__(self, process: Process, path: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process = process
        self.path = path
        self.undo_stack = QUndoStack(self)
        #: a template or recovered file: saving asks for a new name
        self.untitled = path is None
        process.changed.connect(self._on_model_changed)

    def _on_model_changed(self, change: Change) -> None:
        self.changed.emit(change)

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        if self.path is None:
            return self.process.name or "Untitled"
        return self.path.name

    def set_path(self, path: Path | None) -> None:
        self.path = path
        self.untitled = path is None
        self.path_changed.emit(path)

    def replace_process(self, process: Process) -> None:
        """Swap in another process (revert, restore); the undo history starts afresh."""
        self.process.changed.disconnect(self._on_model_changed)
        self.process = process
        process.changed.connect(self._on_model_changed)
        self.undo_stack.clear()
        self.reset.emit()

    def close(self) -> None:
        self.process.changed.disconnect(self._on_model_changed)
