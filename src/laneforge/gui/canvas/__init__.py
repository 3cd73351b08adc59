"""The swim-lane canvas: scene, view and one item class per kind of diagram element."""

from .edge_item import EdgeItem
from .lane_item import LaneItem
from .node_item import NodeItem
from .scene import DiagramScene
from .view import PALETTE_MIME, DiagramView

__all__ = ["PALETTE_MIME", "DiagramScene", "DiagramView", "EdgeItem", "LaneItem", "NodeItem"]
