"""One small QUndoCommand per kind of edit, each calling only the process's mutators."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ...model import MISSING, SLA, Edge, Lane, NodeBase, RemovedNode
from .base import MOVE_ID, SET_VALUE_ID, DocumentCommand, MacroCommand, label_of

if TYPE_CHECKING:
    from ..document import Document


# --- nodes -----------------------------------------------------------------------------------


class AddNodeCommand(DocumentCommand):
    def __init__(self, document: Document, node: NodeBase, parent: MacroCommand | None = None):
        super().__init__(document, f"Add {node.kind_label.lower()} '{node.label}'", parent)
        self.node = node

    def redo(self) -> None:
        self.process.edit.add_node(self.node)

    def undo(self) -> None:
        self.process.edit.remove_node(self.node.id)


class RemoveNodeCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete '{label_of(document, node_id)}'", parent)
        self.node_id = node_id
        self.record: RemovedNode | None = None

    def redo(self) -> None:
        self.record = self.process.edit.remove_node(self.node_id)

    def undo(self) -> None:
        assert self.record is not None
        self.process.edit.restore_node(self.record)


class MoveNodesCommand(DocumentCommand):
    """Move nodes (and change their lane); keyboard nudges merge into one command."""

    def __init__(
        self, document: Document,
        moves: dict[str, tuple[tuple[float, float], str]],
        *, nudge: bool = False, parent: MacroCommand | None = None,
    ) -> None:
        names = list(moves)
        text = (f"Move '{label_of(document, names[0])}'" if len(names) == 1
                else f"Move {len(names)} nodes")
        super().__init__(document, text, parent)
        self.new = dict(moves)
        self.old = {n: (document.process.node(n).pos, document.process.node(n).lane)
                    for n in names}
        self.nudge = nudge

    def redo(self) -> None:
        for node_id, (pos, lane) in self.new.items():
            self.process.edit.move_node(node_id, pos, lane)

    def undo(self) -> None:
        for node_id, (pos, lane) in self.old.items():
            self.process.edit.move_node(node_id, pos or (0.0, 0.0), lane)

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, MoveNodesCommand) and self.nudge and other.nudge):
            return False
        if set(other.new) != set(self.new):
            return False
        self.new = dict(other.new)
        return True


class RenameNodeCommand(DocumentCommand):
    """Change a node's id (references follow)."""

    def __init__(self, document: Document, old_id: str, new_id: str,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Change id of '{label_of(document, old_id)}'", parent)
        self.old_id, self.new_id = old_id, new_id

    def redo(self) -> None:
        self.process.edit.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.process.edit.rename_node(self.new_id, self.old_id)


# --- any property ----------------------------------------------------------------------------


class SetValueCommand(DocumentCommand):
    """Set one property by path; consecutive edits of the same field merge."""

    def __init__(self, document: Document, path: str, value: Any, text: str, *,
                 merge: bool = False, parent: MacroCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.path = path
        self.value = value
        self.old: Any = MISSING
        self.merge = merge
        self._first = True

    def redo(self) -> None:
        old = self.process.edit.set_value(self.path, self.value)
        if self._first:
            self.old = old
            self._first = False

    def undo(self) -> None:
        self.process.edit.set_value(self.path, self.old)

    def id(self) -> int:
        return SET_VALUE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetValueCommand) and self.merge and other.merge):
            return False
        if other.path != self.path:
            return False
        self.value = other.value
        return True


class SetValuesCommand(DocumentCommand):
    """Set several properties by path as one step (a calibration's ticked changes with the
    observed figures); undo puts each old value back in reverse order."""

    def __init__(self, document: Document, values: Sequence[tuple[str, Any]], text: str,
                 parent: MacroCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.values = list(values)
        self.old: list[Any] = []

    def redo(self) -> None:
        old: list[Any] = []
        try:
            for path, value in self.values:
                old.append(self.process.edit.set_value(path, value))
        except (ValueError, KeyError):
            for (path, _), previous in reversed(list(zip(self.values, old, strict=False))):
                self.process.edit.set_value(path, previous)  # never half applied
            raise
        self.old = old

    def undo(self) -> None:
        for (path, _), previous in reversed(list(zip(self.values, self.old, strict=True))):
            self.process.edit.set_value(path, previous)


# --- edges -----------------------------------------------------------------------------------


class AddEdgeCommand(DocumentCommand):
    def __init__(self, document: Document, edge: Edge, parent: MacroCommand | None = None):
        super().__init__(document, f"Connect '{label_of(document, edge.source)}' → "
                                   f"'{label_of(document, edge.target)}'", parent)
        self.edge = edge

    def redo(self) -> None:
        self.process.edit.add_edge(self.edge)

    def undo(self) -> None:
        self.process.edit.remove_edge(self.edge.source, self.edge.target)


class RemoveEdgeCommand(DocumentCommand):
    def __init__(self, document: Document, key: tuple[str, str],
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Delete connection '{label_of(document, key[0])}' → "
                                   f"'{label_of(document, key[1])}'", parent)
        self.key = key
        self.index = -1
        self.edge: Edge | None = None

    def redo(self) -> None:
        self.index, self.edge = self.process.edit.remove_edge(*self.key)

    def undo(self) -> None:
        assert self.edge is not None
        self.process.edit.add_edge(self.edge, self.index)


# --- lanes -----------------------------------------------------------------------------------


class AddLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane: Lane, index: int | None = None,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Add lane '{lane.label}'", parent)
        self.lane, self.index = lane, index

    def redo(self) -> None:
        self.process.edit.add_lane(self.lane, self.index)

    def undo(self) -> None:
        self.process.edit.remove_lane(self.lane.id)


class RemoveLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete lane '{document.process.lane(lane_id).label}'",
                         parent)
        self.lane_id = lane_id
        self.index = -1
        self.lane: Lane | None = None

    def redo(self) -> None:
        self.index, self.lane = self.process.edit.remove_lane(self.lane_id)

    def undo(self) -> None:
        assert self.lane is not None
        self.process.edit.add_lane(self.lane, self.index)


class MoveLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane_id: str, index: int,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Move lane '{document.process.lane(lane_id).label}'", parent)
        self.lane_id, self.index = lane_id, index
        self.old = document.process.lane_index(lane_id)

    def redo(self) -> None:
        self.process.edit.move_lane(self.lane_id, self.index)

    def undo(self) -> None:
        self.process.edit.move_lane(self.lane_id, self.old)


class RenameLaneCommand(DocumentCommand):
    """Change a lane's id (its nodes and scenario paths follow)."""

    def __init__(self, document: Document, old_id: str, new_id: str,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Change id of lane '{document.process.lane(old_id).label}'",
                         parent)
        self.old_id, self.new_id = old_id, new_id

    def redo(self) -> None:
        self.process.edit.rename_lane(self.old_id, self.new_id)

    def undo(self) -> None:
        self.process.edit.rename_lane(self.new_id, self.old_id)


# --- SLAs and scenarios ----------------------------------------------------------------------


class AddSLACommand(DocumentCommand):
    def __init__(self, document: Document, sla: SLA, parent: MacroCommand | None = None):
        super().__init__(document, f"Add SLA '{sla.label}'", parent)
        self.sla = sla

    def redo(self) -> None:
        self.process.edit.add_sla(self.sla)

    def undo(self) -> None:
        self.process.edit.remove_sla(self.sla.id)


class RemoveSLACommand(DocumentCommand):
    def __init__(self, document: Document, sla_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete SLA '{document.process.sla(sla_id).label}'", parent)
        self.sla_id = sla_id
        self.index = -1
        self.sla: SLA | None = None

    def redo(self) -> None:
        self.index, self.sla = self.process.edit.remove_sla(self.sla_id)

    def undo(self) -> None:
        assert self.sla is not None
        self.process.edit.add_sla(self.sla, self.index)


class AddScenarioCommand(DocumentCommand):
    def __init__(self, document: Document, scenario: Any, index: int | None = None,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Add scenario '{scenario.name}'", parent)
        self.scenario, self.index = scenario, index

    def redo(self) -> None:
        self.process.edit.add_scenario(self.scenario, self.index)

    def undo(self) -> None:
        self.process.edit.remove_scenario(self.scenario.name)


class RemoveScenarioCommand(DocumentCommand):
    def __init__(self, document: Document, name: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete scenario '{name}'", parent)
        self.name = name
        self.index = -1
        self.scenario: Any = None

    def redo(self) -> None:
        self.index, self.scenario = self.process.edit.remove_scenario(self.name)

    def undo(self) -> None:
        self.process.edit.add_scenario(self.scenario, self.index)


class ReplaceScenarioCommand(DocumentCommand):
    """Rename a scenario or change its changes (one whole scenario replaced)."""

    def __init__(self, document: Document, name: str, scenario: Any, text: str,
                 parent: MacroCommand | None = None):
        super().__init__(document, text, parent)
        self.name, self.scenario = name, scenario
        self.old: Any = None

    def redo(self) -> None:
        self.old = self.process.edit.replace_scenario(self.name, self.scenario)

    def undo(self) -> None:
        self.process.edit.replace_scenario(self.scenario.name, self.old)


# --- property editors ---------------------------------------------------------------------

#: edits of one spin box closer together than this are one undo step (a held arrow key)
MERGE_SECONDS = 1.5

Steps = Sequence[tuple[str, Any]]


class SpinValueCommand(SetValueCommand):
    """A SetValueCommand that merges with the next edit of the same path only if it follows
    quickly, so holding an arrow is one undo step but two separate edits are two."""

    def __init__(self, document: Document, path: str, value: Any, text: str,
                 parent: MacroCommand | None = None) -> None:
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


class ReplaceSLACommand(DocumentCommand):
    """Replace an SLA in place: its ends cannot be changed by path, so the SLA is swapped."""

    def __init__(self, document: Document, sla_id: str, data: dict[str, Any], text: str,
                 parent: MacroCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.sla_id = sla_id
        self.new = SLA.model_validate(data)
        self.old: SLA | None = None

    def redo(self) -> None:
        index, self.old = self.process.edit.remove_sla(self.sla_id)
        self.process.edit.add_sla(self.new, index)

    def undo(self) -> None:
        assert self.old is not None
        index, _ = self.process.edit.remove_sla(self.new.id)
        self.process.edit.add_sla(self.old, index)


class RenameSLACommand(DocumentCommand):
    """Give an SLA another id; scenario changes that point at it (``slas.<id>.…``) follow."""

    def __init__(self, document: Document, sla_id: str, new_id: str, text: str,
                 parent: MacroCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.sla_id, self.new_id = sla_id, new_id

    def redo(self) -> None:
        self.process.edit.rename_sla(self.sla_id, self.new_id)

    def undo(self) -> None:
        self.process.edit.rename_sla(self.new_id, self.sla_id)


class RenamePhaseCommand(DocumentCommand):
    """Give a phase another id; the nodes in that phase follow."""

    def __init__(self, document: Document, phase_id: str, new_id: str, text: str,
                 parent: MacroCommand | None = None) -> None:
        super().__init__(document, text, parent)
        self.phase_id, self.new_id = phase_id, new_id

    def redo(self) -> None:
        self.process.edit.rename_phase(self.phase_id, self.new_id)

    def undo(self) -> None:
        self.process.edit.rename_phase(self.new_id, self.phase_id)
