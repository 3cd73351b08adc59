"""Undo commands of the properties dock: timed merging for spin boxes, multi-value edits, SLAs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from ...model import SLA
from ..commands import DocumentCommand, MacroCommand, SetValueCommand
from ..document import Document

#: edits of one spin box closer together than this are one undo step (a held arrow key)
MERGE_SECONDS = 1.5

Steps = Sequence[tuple[str, Any]]


class SpinValueCommand(SetValueCommand):
    """A SetValueCommand that merges with the next edit of the same path only if it follows
    quickly, so holding an arrow is one undo step but two separate edits are two."""

    def __init__(self, document: Document, path: str, value: Any, text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(document, path, value, text, merge=True, parent=parent)
        self.stamp = time.monotonic()

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpinValueCommand):
            return False
        if other.stamp - self.stamp > MERGE_SECONDS:
            return False
        if not super().mergeWith(other):
            return False
        self.stamp = other.stamp
        return True


def check_steps(document: Document, steps: Steps) -> str | None:
    """Why applying ``steps`` (path, value) in order would fail, tried on a detached copy."""
    copy = document.process.detached_copy()
    for path, value in steps:
        try:
            copy.set_value(path, value)
        except (ValueError, KeyError) as exc:
            return str(exc.args[0]) if exc.args else str(exc)
    return None


def values_command(document: Document, text: str, steps: Steps) -> QUndoCommand:
    """One undo step that sets several values in order (one SetValueCommand if only one)."""
    if len(steps) == 1:
        path, value = steps[0]
        return SetValueCommand(document, path, value, text)
    parent = MacroCommand(text)
    for path, value in steps:
        SetValueCommand(document, path, value, text, parent=parent)
    return parent


class ReplaceSLACommand(DocumentCommand):
    """Replace an SLA in place: its ends cannot be changed by path, so the SLA is swapped."""

    def __init__(self, document: Document, sla_id: str, data: dict[str, Any], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.sla_id = sla_id
        self.new = SLA.model_validate(data)
        self.old: SLA | None = None

    def redo(self) -> None:
        index, self.old = self.process.remove_sla(self.sla_id)
        self.process.add_sla(self.new, index)

    def undo(self) -> None:
        assert self.old is not None
        index, _ = self.process.remove_sla(self.new.id)
        self.process.add_sla(self.old, index)


class RenameSLACommand(QUndoCommand):
    """Give an SLA another id; scenario changes that point at it (``slas.<id>.…``) follow."""

    def __init__(self, document: Document, sla_id: str, new_id: str, text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.document, self.sla_id, self.new_id = document, sla_id, new_id

    def redo(self) -> None:
        self.document.process.rename_sla(self.sla_id, self.new_id)

    def undo(self) -> None:
        self.document.process.rename_sla(self.new_id, self.sla_id)


class RenamePhaseCommand(QUndoCommand):
    """Give a phase another id; the nodes in that phase follow."""

    def __init__(self, document: Document, phase_id: str, new_id: str, text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.document, self.phase_id, self.new_id = document, phase_id, new_id

    def redo(self) -> None:
        self.document.process.rename_phase(self.phase_id, self.new_id)

    def undo(self) -> None:
        self.document.process.rename_phase(self.new_id, self.phase_id)
