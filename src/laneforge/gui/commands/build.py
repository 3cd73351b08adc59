"""What new things start as: a blank process, a new node or lane, a copied fragment."""

from __future__ import annotations

import json
from typing import Any

from ...model import NODE_CLASSES, Lane, NodeBase, Process
from ...model.nodes import KIND_LABELS

FRAGMENT_MIME = "application/x-laneforge-fragment"

#: what a new node starts with, so it is valid and simulates at once
NODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "source": {"arrivals": {"rate": "20/day"}},
    "task": {"duration": {"dist": "exponential", "mean": "30m"}},
    "decision": {},
    "delay": {"duration": "1d"},
    "cadence": {"every": "7d", "times": 6,
                "touch": {"channel": "email", "weight": 10, "response_rate": 0.05}},
    "end": {"outcome": "done"},
}


def blank_process() -> Process:
    """What File ▸ New starts from: one team, nothing drawn yet."""
    return Process(name="Untitled process", lanes=[Lane(id="team", name="Team", staff=1)])


def new_node(process: Process, kind: str, lane: str, pos: tuple[float, float],
             name: str | None = None) -> NodeBase:
    """A node of ``kind`` with a fresh id, sensible defaults and the given position."""
    label = name or KIND_LABELS[kind]
    node_id = process.edit.unique_id(label)
    data = {"id": node_id, "kind": kind, "lane": lane, "name": label, "pos": list(pos),
            **json.loads(json.dumps(NODE_DEFAULTS[kind]))}
    return NODE_CLASSES[kind].model_validate(data)


def new_lane(process: Process, name: str = "New lane") -> Lane:
    return Lane(id=process.edit.unique_id(name), name=name, staff=1)


def fragment(process: Process, node_ids: list[str]) -> str:
    """The selected nodes and the edges between them, as JSON for the clipboard."""
    chosen = set(node_ids)
    nodes = [n.model_dump(mode="json", by_alias=True, exclude_none=True)
             for n in process.nodes if n.id in chosen]
    edges = [e.model_dump(mode="json", by_alias=True, exclude_none=True)
             for e in process.edges if e.source in chosen and e.target in chosen]
    return json.dumps({"format": "laneforge/fragment", "nodes": nodes, "edges": edges})
