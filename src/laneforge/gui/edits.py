"""Edits a user makes on the canvas, built as undo commands: new nodes, connections, paste."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..model import NODE_CLASSES, Edge, Lane, NodeBase, Process
from ..model.editing import follows_name
from ..model.nodes import KIND_LABELS
from .commands import (
    AddEdgeCommand,
    AddNodeCommand,
    MacroCommand,
    RenameLaneCommand,
    RenameNodeCommand,
    SetValueCommand,
)
from .document import Document

FRAGMENT_MIME = "application/x-laneforge-fragment"

#: what a new node starts with, so it is valid and simulates at once
NODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "source": {"arrivals": {"rate": "20/day"}},
    "task": {"duration": {"dist": "exponential", "mean": "30m"}},
    "decision": {},
    "delay": {"duration": "1d"},
    "end": {"outcome": "done"},
}


def blank_process() -> Process:
    """What File ▸ New starts from: one team, nothing drawn yet."""
    return Process(name="Untitled process", lanes=[Lane(id="team", name="Team", staff=1)])


def new_node(process: Process, kind: str, lane: str, pos: tuple[float, float],
             name: str | None = None) -> NodeBase:
    """A node of ``kind`` with a fresh id, sensible defaults and the given position."""
    label = name or KIND_LABELS[kind]
    node_id = process.unique_id(label)
    data = {"id": node_id, "kind": kind, "lane": lane, "name": label, "pos": list(pos),
            **json.loads(json.dumps(NODE_DEFAULTS[kind]))}
    return NODE_CLASSES[kind].model_validate(data)


def new_lane(process: Process, name: str = "New lane") -> Lane:
    return Lane(id=process.unique_id(name), name=name, staff=1)


def connect_command(document: Document, source: str, target: str) -> QUndoCommand | None:
    """Connect two nodes; a node that already branches by probability shares it evenly."""
    process = document.process
    if source == target or any(e.key == (source, target) for e in process.edges):
        return None
    if process.node(source).kind == "end" or process.node(target).kind == "source":
        return None
    siblings = process.outgoing(source)
    parent = MacroCommand(f"Connect '{process.node(source).label}' → "
                          f"'{process.node(target).label}'")
    edge = Edge.model_validate({"from": source, "to": target})
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
        new_id = process.unique_id(name, taken)
        if new_id != key:
            if kind == "node":
                RenameNodeCommand(document, key, new_id, parent)
            else:
                RenameLaneCommand(document, key, new_id, parent)
    return parent


def fragment(process: Process, node_ids: list[str]) -> str:
    """The selected nodes and the edges between them, as JSON for the clipboard."""
    chosen = set(node_ids)
    nodes = [n.model_dump(mode="json", by_alias=True, exclude_none=True)
             for n in process.nodes if n.id in chosen]
    edges = [e.model_dump(mode="json", by_alias=True, exclude_none=True)
             for e in process.edges if e.source in chosen and e.target in chosen]
    return json.dumps({"format": "laneforge/fragment", "nodes": nodes, "edges": edges})


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
            new_id = process.unique_id(raw["id"], taken)
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
