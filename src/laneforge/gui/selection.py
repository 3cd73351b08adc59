"""What is selected on the canvas, as ids (never copies of model objects)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    lanes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.nodes or self.edges or self.lanes)

    @property
    def count(self) -> int:
        return len(self.nodes) + len(self.edges) + len(self.lanes)

    @property
    def single(self) -> tuple[str, object] | None:
        """("node", id), ("edge", (from, to)) or ("lane", id) when exactly one is selected."""
        if self.count != 1:
            return None
        if self.nodes:
            return ("node", self.nodes[0])
        if self.edges:
            return ("edge", self.edges[0])
        return ("lane", self.lanes[0])
