"""Undo commands: one small QUndoCommand per kind of edit, each calling only model mutators.

Composite edits (delete a selection, paste, auto-layout) are a parent command whose children
are these small ones, so undo and redo replay exactly the same mutator calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..model import MISSING, SLA, Edge, Lane, NodeBase, RemovedNode
from .document import Document

MOVE_ID = 1001
SET_VALUE_ID = 1002


def _name(document: Document, node_id: str) -> str:
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
    def process(self):  # the document's current Process
        return self.document.process


# --- nodes -----------------------------------------------------------------------------------


class AddNodeCommand(DocumentCommand):
    def __init__(self, document: Document, node: NodeBase, parent: MacroCommand | None = None):
        super().__init__(document, f"Add {node.kind_label.lower()} '{node.label}'", parent)
        self.node = node

    def redo(self) -> None:
        self.process.add_node(self.node)

    def undo(self) -> None:
        self.process.remove_node(self.node.id)


class RemoveNodeCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete '{_name(document, node_id)}'", parent)
        self.node_id = node_id
        self.record: RemovedNode | None = None

    def redo(self) -> None:
        self.record = self.process.remove_node(self.node_id)

    def undo(self) -> None:
        assert self.record is not None
        self.process.restore_node(self.record)


class MoveNodesCommand(DocumentCommand):
    """Move nodes (and change their lane); keyboard nudges merge into one command."""

    def __init__(
        self, document: Document,
        moves: dict[str, tuple[tuple[float, float], str]],
        *, nudge: bool = False, parent: MacroCommand | None = None,
    ) -> None:
        names = list(moves)
        text = (f"Move '{_name(document, names[0])}'" if len(names) == 1
                else f"Move {len(names)} nodes")
        super().__init__(document, text, parent)
        self.new = dict(moves)
        self.old = {n: (document.process.node(n).pos, document.process.node(n).lane)
                    for n in names}
        self.nudge = nudge

    def redo(self) -> None:
        for node_id, (pos, lane) in self.new.items():
            self.process.move_node(node_id, pos, lane)

    def undo(self) -> None:
        for node_id, (pos, lane) in self.old.items():
            self.process.move_node(node_id, pos or (0.0, 0.0), lane)

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
        super().__init__(document, f"Change id of '{_name(document, old_id)}'", parent)
        self.old_id, self.new_id = old_id, new_id

    def redo(self) -> None:
        self.process.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.process.rename_node(self.new_id, self.old_id)


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
        old = self.process.set_value(self.path, self.value)
        if self._first:
            self.old = old
            self._first = False

    def undo(self) -> None:
        self.process.set_value(self.path, self.old)

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
                old.append(self.process.set_value(path, value))
        except (ValueError, KeyError):
            for (path, _), previous in reversed(list(zip(self.values, old, strict=False))):
                self.process.set_value(path, previous)  # never half applied
            raise
        self.old = old

    def undo(self) -> None:
        for (path, _), previous in reversed(list(zip(self.values, self.old, strict=True))):
            self.process.set_value(path, previous)


# --- edges -----------------------------------------------------------------------------------


class AddEdgeCommand(DocumentCommand):
    def __init__(self, document: Document, edge: Edge, parent: MacroCommand | None = None):
        super().__init__(document, f"Connect '{_name(document, edge.source)}' → "
                                   f"'{_name(document, edge.target)}'", parent)
        self.edge = edge

    def redo(self) -> None:
        self.process.add_edge(self.edge)

    def undo(self) -> None:
        self.process.remove_edge(self.edge.source, self.edge.target)


class RemoveEdgeCommand(DocumentCommand):
    def __init__(self, document: Document, key: tuple[str, str],
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Delete connection '{_name(document, key[0])}' → "
                                   f"'{_name(document, key[1])}'", parent)
        self.key = key
        self.index = -1
        self.edge: Edge | None = None

    def redo(self) -> None:
        self.index, self.edge = self.process.remove_edge(*self.key)

    def undo(self) -> None:
        assert self.edge is not None
        self.process.add_edge(self.edge, self.index)


# --- lanes -----------------------------------------------------------------------------------


class AddLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane: Lane, index: int | None = None,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Add lane '{lane.label}'", parent)
        self.lane, self.index = lane, index

    def redo(self) -> None:
        self.process.add_lane(self.lane, self.index)

    def undo(self) -> None:
        self.process.remove_lane(self.lane.id)


class RemoveLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete lane '{document.process.lane(lane_id).label}'",
                         parent)
        self.lane_id = lane_id
        self.index = -1
        self.lane: Lane | None = None

    def redo(self) -> None:
        self.index, self.lane = self.process.remove_lane(self.lane_id)

    def undo(self) -> None:
        assert self.lane is not None
        self.process.add_lane(self.lane, self.index)


class MoveLaneCommand(DocumentCommand):
    def __init__(self, document: Document, lane_id: str, index: int,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Move lane '{document.process.lane(lane_id).label}'", parent)
        self.lane_id, self.index = lane_id, index
        self.old = document.process.lane_index(lane_id)

    def redo(self) -> None:
        self.process.move_lane(self.lane_id, self.index)

    def undo(self) -> None:
        self.process.move_lane(self.lane_id, self.old)


class RenameLaneCommand(DocumentCommand):
    """Change a lane's id (its nodes and scenario paths follow)."""

    def __init__(self, document: Document, old_id: str, new_id: str,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Change id of lane '{document.process.lane(old_id).label}'",
                         parent)
        self.old_id, self.new_id = old_id, new_id

    def redo(self) -> None:
        self.process.rename_lane(self.old_id, self.new_id)

    def undo(self) -> None:
        self.process.rename_lane(self.new_id, self.old_id)


# --- SLAs and scenarios ----------------------------------------------------------------------


class AddSLACommand(DocumentCommand):
    def __init__(self, document: Document, sla: SLA, parent: MacroCommand | None = None):
        super().__init__(document, f"Add SLA '{sla.label}'", parent)
        self.sla = sla

    def redo(self) -> None:
        self.process.add_sla(self.sla)

    def undo(self) -> None:
        self.process.remove_sla(self.sla.id)


class RemoveSLACommand(DocumentCommand):
    def __init__(self, document: Document, sla_id: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete SLA '{document.process.sla(sla_id).label}'", parent)
        self.sla_id = sla_id
        self.index = -1
        self.sla: SLA | None = None

    def redo(self) -> None:
        self.index, self.sla = self.process.remove_sla(self.sla_id)

    def undo(self) -> None:
        assert self.sla is not None
        self.process.add_sla(self.sla, self.index)


class AddScenarioCommand(DocumentCommand):
    def __init__(self, document: Document, scenario: Any, index: int | None = None,
                 parent: MacroCommand | None = None):
        super().__init__(document, f"Add scenario '{scenario.name}'", parent)
        self.scenario, self.index = scenario, index

    def redo(self) -> None:
        self.process.add_scenario(self.scenario, self.index)

    def undo(self) -> None:
        self.process.remove_scenario(self.scenario.name)


class RemoveScenarioCommand(DocumentCommand):
    def __init__(self, document: Document, name: str, parent: MacroCommand | None = None):
        super().__init__(document, f"Delete scenario '{name}'", parent)
        self.name = name
        self.index = -1
        self.scenario: Any = None

    def redo(self) -> None:
        self.index, self.scenario = self.process.remove_scenario(self.name)

    def undo(self) -> None:
        self.process.add_scenario(self.scenario, self.index)


class ReplaceScenarioCommand(DocumentCommand):
    """Rename a scenario or change its changes (one whole scenario replaced)."""

    def __init__(self, document: Document, name: str, scenario: Any, text: str,
                 parent: MacroCommand | None = None):
        super().__init__(document, text, parent)
        self.name, self.scenario = name, scenario
        self.old: Any = None

    def redo(self) -> None:
        self.old = self.process.replace_scenario(self.name, self.scenario)

    def undo(self) -> None:
        self.process.replace_scenario(self.scenario.name, self.old)


# --- composite edits -------------------------------------------------------------------------


def delete_command(document: Document, nodes: list[str], edges: list[tuple[str, str]],
                   lanes: list[str] = ()) -> QUndoCommand | None:  # type: ignore[assignment]
    """Delete nodes (with their edges and SLAs), edges and lanes (with their nodes)."""
    process = document.process
    node_ids = list(dict.fromkeys([*nodes, *(n.id for lane in lanes
                                             for n in process.nodes_in_lane(lane))]))
    edge_keys = list(dict.fromkeys([
        *edges,
        *(e.key for e in process.edges if e.source in node_ids or e.target in node_ids),
    ]))
    sla_ids = [s.id for s in process.slas if s.source in node_ids or s.target in node_ids]
    count = len(node_ids) + len(edges) + len(lanes)
    if not node_ids and not edge_keys and not lanes:
        return None
    if len(node_ids) == 1 and not lanes and not edges:
        text = f"Delete '{_name(document, node_ids[0])}'"
    elif len(lanes) == 1 and not nodes and not edges:
        text = f"Delete lane '{process.lane(lanes[0]).label}'"
    elif not node_ids and len(edge_keys) == 1:
        text = (f"Delete connection '{_name(document, edge_keys[0][0])}' → "
                f"'{_name(document, edge_keys[0][1])}'")
    else:
        text = f"Delete {count} items"
    parent = MacroCommand(text)
    for key in edge_keys:
        RemoveEdgeCommand(document, key, parent)
    for sla_id in sla_ids:
        RemoveSLACommand(document, sla_id, parent)
    for node_id in node_ids:
        RemoveNodeCommand(document, node_id, parent)
    for lane_id in lanes:
        RemoveLaneCommand(document, lane_id, parent)
    return parent


def layout_command(document: Document, positions: dict[str, tuple[float, float]],
                   lane_heights: dict[str, float], text: str = "Auto-layout") -> QUndoCommand:
    parent = MacroCommand(text)
    process = document.process
    moves = {n: (pos, process.node(n).lane) for n, pos in positions.items()
             if process.node(n).pos != pos}
    if moves:
        MoveNodesCommand(document, moves, parent=parent)
    for lane_id, height in lane_heights.items():
        if process.lane(lane_id).height != height:
            SetValueCommand(document, f"lanes.{lane_id}.height", height,
                            "Resize lane", parent=parent)
    return parent
