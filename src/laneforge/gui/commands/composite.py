"""Edits made of several steps (delete a selection, connect, rename, paste, auto-layout,
a form's linked values), built as one macro command so undo and redo replay the same
mutator calls."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ...model import NODE_CLASSES, Edge, NodeBase
from ...model.editing import follows_name
from ...model.nodes import CADENCE_EXITS, KIND_LABELS
from .base import MacroCommand, label_of
from .items import (
    AddEdgeCommand,
    AddNodeCommand,
    MoveNodesCommand,
    RemoveEdgeCommand,
    RemoveLaneCommand,
    RemoveNodeCommand,
    RemoveSLACommand,
    RenameLaneCommand,
    RenameNodeCommand,
    SetValueCommand,
)

if TYPE_CHECKING:
    from ..document import Document

Steps = Sequence[tuple[str, Any]]


def check_steps(document: Document, steps: Steps) -> str | None:
    """Why applying ``steps`` (path, value) in order would fail, tried on a detached copy."""
    copy = document.process.detached_copy()
    for path, value in steps:
        try:
            copy.edit.set_value(path, value)
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


def delete_command(document: Document, nodes: list[str], edges: list[tuple[str, str]],
                   lanes: Sequence[str] = ()) -> QUndoCommand | None:
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
        text = f"Delete '{label_of(document, node_ids[0])}'"
    elif len(lanes) == 1 and not nodes and not edges:
        text = f"Delete lane '{process.lane(lanes[0]).label}'"
    elif not node_ids and len(edge_keys) == 1:
        text = (f"Delete connection '{label_of(document, edge_keys[0][0])}' → "
                f"'{label_of(document, edge_keys[0][1])}'")
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


def connect_command(document: Document, source: str, target: str) -> QUndoCommand | None:
    """Connect two nodes; a node that already branches by probability shares it evenly, and
    a cadence's ways out are marked as they are drawn (graduated first, then exhausted)."""
    process = document.process
    if source == target or any(e.key == (source, target) for e in process.edges):
        return None
    if process.node(source).kind == "end" or process.node(target).kind == "source":
        return None
    siblings = process.outgoing(source)
    parent = MacroCommand(f"Connect '{process.node(source).label}' → "
                          f"'{process.node(target).label}'")
    edge = Edge.model_validate({"from": source, "to": target})
    if process.node(source).kind == "cadence":
        taken = {e.exit for e in siblings}
        free = next((name for name in CADENCE_EXITS if name not in taken), None)
        if free is not None:
            edge = Edge.model_validate({"from": source, "to": target, "exit": free})
        AddEdgeCommand(document, edge, parent)
        return parent
    uses_conditions = any(e.when is not None or e.default for e in siblings)
    if siblings and not uses_conditions:
        count = len(siblings) + 1
        shares = [round(1.0 / count, 4)] * count
        shares[-1] = round(1.0 - sum(shares[:-1]), 4)
        for sibling, share in zip(siblings, shares, strict=False):
            SetValueCommand(document, f"edges.{sibling.source}->{sibling.target}.probability",
                            share, "Share probability", parent=parent)
        edge = Edge.model_validate({"from": source, "to": target, "probability": shares[-1]})
    elif siblings and uses_conditions and not any(e.default for e in siblings):
        edge = Edge.model_validate({"from": source, "to": target, "default": True})
    AddEdgeCommand(document, edge, parent)
    return parent


def rename_command(document: Document, kind: str, key: str, name: str) -> MacroCommand | None:
    """Rename a node or lane; an id that was made from its old name follows the new one.

    Ids the user set by hand ("sdr_team") stay as they are.
    """
    process = document.process
    if kind == "node":
        item = process.node(key)
        old_name, fallback = item.name, KIND_LABELS.get(item.kind, item.kind)
        text = f"Rename '{item.label}' to '{name}'"
    else:
        item = process.lane(key)
        old_name, fallback = item.name, "Lane"
        text = f"Rename lane '{item.label}' to '{name}'"
    if name == item.name:
        return None
    parent = MacroCommand(text)
    path = f"{'nodes' if kind == 'node' else 'lanes'}.{key}.name"
    SetValueCommand(document, path, name, text, parent=parent)
    if name and follows_name(key, *(n for n in (old_name, fallback) if n)):
        taken = {n.id for n in process.nodes} | {ln.id for ln in process.lanes}
        taken.discard(key)
        new_id = process.edit.unique_id(name, taken)
        if new_id != key:
            if kind == "node":
                RenameNodeCommand(document, key, new_id, parent)
            else:
                RenameLaneCommand(document, key, new_id, parent)
    return parent


def paste_command(document: Document, text: str, offset: tuple[float, float] = (30.0, 30.0)
                  ) -> tuple[QUndoCommand, list[str]] | None:
    """Add a copied fragment with fresh ids, shifted by ``offset``; returns the new ids."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("format") != "laneforge/fragment":
        return None
    process = document.process
    taken = {n.id for n in process.nodes} | {ln.id for ln in process.lanes}
    renamed: dict[str, str] = {}
    nodes: list[NodeBase] = []
    for raw in data.get("nodes", []):
        try:
            kind = raw["kind"]
            raw = dict(raw)
            new_id = process.edit.unique_id(raw["id"], taken)
            taken.add(new_id)
            renamed[raw["id"]] = new_id
            raw["id"] = new_id
            if not process.has_lane(raw.get("lane", "")):
                raw["lane"] = process.lanes[0].id
            x, y = raw.get("pos") or (60.0, 80.0)
            raw["pos"] = [x + offset[0], y + offset[1]]
            nodes.append(NODE_CLASSES[kind].model_validate(raw))
        except (KeyError, ValueError, IndexError):
            return None
    if not nodes:
        return None
    parent = MacroCommand(f"Paste {len(nodes)} node{'s' if len(nodes) != 1 else ''}")
    for node in nodes:
        AddNodeCommand(document, node, parent)
    for raw in data.get("edges", []):
        if raw.get("from") in renamed and raw.get("to") in renamed:
            edge = dict(raw, **{"from": renamed[raw["from"]], "to": renamed[raw["to"]]})
            decay = edge.get("decay")
            if isinstance(decay, dict) and decay.get("since") is not None:
                since = decay["since"]
                decay = dict(decay)
                if since in renamed:
                    decay["since"] = renamed[since]
                elif not process.has_node(since):
                    decay.pop("since")
                edge["decay"] = decay
            AddEdgeCommand(document, Edge.model_validate(edge), parent)
    return parent, [n.id for n in nodes]
