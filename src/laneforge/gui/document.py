"""The open document in the app: an ``app.session.Session`` with Qt signals and the undo stack.

This is the one place that pushes undo commands. Views build an edit with ``gui.commands``
and hand it to :meth:`Document.apply`; they never touch the stack's ``push`` themselves, so
"who may change the process?" has one answer. What the session holds beyond the process
(the last results, whether they are painted on the diagram) is read and set here too, so no
view reads another view's widgets to learn it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..app.core import Results
from ..app.session import Session
from ..model import Change, Process


class Document(QObject):
    """Owns one Session. Views subscribe to ``changed``; edits go through :meth:`apply`."""

    #: re-emits every model Change (after the model has changed)
    changed = Signal(object)
    #: the file path changed (save as, open)
    path_changed = Signal(object)
    #: the whole process was replaced (revert, recovery): views rebuild from scratch
    reset = Signal()
    #: the last run's results changed, or whether they are shown on the diagram
    results_changed = Signal()

    def __init__(self, process: Process | Session, path: Path | None = None,
                 parent: QObject | None = None, *, untitled: bool | None = None) -> None:
        super().__init__(parent)
        self.session = process if isinstance(process, Session) else Session(process, path)
        self.undo_stack = QUndoStack(self)
        #: a template, an import or recovered work: saving asks for a new name
        self.untitled = self.session.path is None if untitled is None else untitled
        self.session.process.changed.connect(self._on_model_changed)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    @classmethod
    def open(cls, path: str | os.PathLike[str], parent: QObject | None = None) -> Document:
        """A process file as a document (laid out where positions are missing).

        Raises ``ProcessFileError`` naming the file and the field.
        """
        return cls(Session.open(path), parent=parent)

    # --- what the session holds --------------------------------------------------------------
    @property
    def process(self) -> Process:
        return self.session.process

    @property
    def path(self) -> Path | None:
        return self.session.path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        if self.path is None:
            return self.process.name or "Untitled"
        return self.path.name

    @property
    def results(self) -> Results | None:
        """The last finished run (not a comparison), or None."""
        return self.session.results[0] if self.session.results else None

    @property
    def results_on_diagram(self) -> bool:
        return self.session.results_on_diagram

    @property
    def shown_results(self) -> Results | None:
        """The results painted on the diagram (and carried by exports), or None."""
        return self.results if self.results_on_diagram else None

    def set_results(self, results: Results | None) -> None:
        self.session.results = [] if results is None else [results]
        self.results_changed.emit()

    def set_results_on_diagram(self, shown: bool) -> None:
        if shown != self.session.results_on_diagram:
            self.session.results_on_diagram = shown
            self.results_changed.emit()

    # --- edits -------------------------------------------------------------------------------
    def apply(self, command: QUndoCommand | None) -> bool:
        """Do ``command`` as one undo step (None: nothing to do); True if it was pushed."""
        if command is None:
            return False
        self.undo_stack.push(command)
        return True

    def mark_unsaved(self) -> None:
        """The content is not on disk yet (restored or imported work): closing asks."""
        self.undo_stack.resetClean()

    # --- files -------------------------------------------------------------------------------
    def set_path(self, path: Path | None) -> None:
        self.session.path = path
        self.untitled = path is None
        self.path_changed.emit(path)

    def save(self, path: Path) -> Path:
        """Write the process to ``path`` atomically; the document is then clean there.

        Raises ``ProcessFileError`` (nothing is changed then).
        """
        written = self.session.save(path)
        self.untitled = False
        self.undo_stack.setClean()
        self.path_changed.emit(self.session.path)
        return written

    def replace_process(self, process: Process) -> None:
        """Swap in another process (revert, restore); the undo history starts afresh."""
        self.session.process.changed.disconnect(self._on_model_changed)
        self.session.process = process
        process.changed.connect(self._on_model_changed)
        self.undo_stack.clear()
        self.reset.emit()

    def close(self) -> None:
        self.session.process.changed.disconnect(self._on_model_changed)

    def _on_model_changed(self, change: Change) -> None:
        self.changed.emit(change)

    def _on_clean_changed(self, clean: bool) -> None:
        self.session.dirty = not clean
