"""How big things are drawn: node outlines by kind, labels, and lane heights.

The diagram geometry (``laneforge.model.geometry``) and BPMN diagram interchange (``laneforge.io``)
both place nodes by these numbers, so a diagram exported to another tool has the canvas's
proportions. A node's ``pos`` is its centre, with ``y`` measured from the top of its lane.
"""

from __future__ import annotations

from dataclasses import dataclass

from .nodes import NodeBase
from .process import Lane, Process

TASK_SIZE = (136.0, 58.0)
DECISION_SIZE = (60.0, 60.0)
EVENT_SIZE = (44.0, 44.0)
#: kinds drawn as a rounded box with the name inside (a cadence is a box of touches)
BOX_KINDS = frozenset({"task", "cadence"})
LABEL_WIDTH = 150.0
LABEL_HEIGHT = 32.0
LABEL_GAP = 4.0
DEFAULT_LANE_HEIGHT = 160.0
LANE_MIN_HEIGHT = 150.0
LANE_PADDING = 22.0
MIN_CONTENT_WIDTH = 960.0
RIGHT_MARGIN = 90.0
ROUTE_GAP = 28.0
#: the strip above the lanes that names the phases (columns of the grid)
PHASE_HEADER_HEIGHT = 34.0
#: the width of a phase that holds no node yet (and sets no width of its own)
EMPTY_PHASE_WIDTH = 220.0
#: room kept between a phase's outermost nodes (with labels) and its boundary
PHASE_MARGIN = 14.0
#: where a node without a position is drawn
UNPLACED = (60.0, DEFAULT_LANE_HEIGHT / 2)


@dataclass(frozen=True)
class Rect:
    """A rectangle in diagram coordinates (y grows downwards)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def united(self, other: Rect) -> Rect:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.right and self.y <= py <= self.bottom

    def adjusted(self, dx1: float, dy1: float, dx2: float, dy2: float) -> Rect:
        return Rect(self.x + dx1, self.y + dy1, self.w - dx1 + dx2, self.h - dy1 + dy2)

    def transposed(self) -> Rect:
        """Mirrored on the diagonal: a vertical lane's band as a horizontal one."""
        return Rect(self.y, self.x, self.h, self.w)


def node_size(kind: str) -> tuple[float, float]:
    if kind in BOX_KINDS:
        return TASK_SIZE
    if kind == "decision":
        return DECISION_SIZE
    return EVENT_SIZE


def extent_above(kind: str) -> float:
    """How far a node of ``kind`` (with its label) reaches above its centre."""
    height = node_size(kind)[1]
    return height / 2 + (LABEL_GAP + LABEL_HEIGHT if kind == "decision" else 0.0)


def extent_below(kind: str) -> float:
    """How far a node of ``kind`` (with its label) reaches below its centre."""
    height = node_size(kind)[1]
    return height / 2 + (LABEL_GAP + LABEL_HEIGHT if kind in ("source", "end", "delay") else 0.0)


def _extent_in_lane(node: NodeBase) -> float:
    """How far below the lane top the node (with its label) reaches."""
    return (node.pos or UNPLACED)[1] + extent_below(node.kind)


def lane_height(process: Process, lane: Lane) -> float:
    """The lane's height: as set, but never cutting off one of its nodes."""
    wanted = float(lane.height) if lane.height else DEFAULT_LANE_HEIGHT
    needed = max((_extent_in_lane(n) + LANE_PADDING for n in process.nodes_in_lane(lane.id)),
                 default=0.0)
    return max(wanted, needed, LANE_MIN_HEIGHT if not lane.height else 60.0)


def content_width(process: Process) -> float:
    """The width of the lanes right of their headers: room for every node and its label."""
    right = 0.0
    for node in process.nodes:
        if node.pos is not None:
            right = max(right, node.pos[0] + max(node_size(node.kind)[0], LABEL_WIDTH) / 2)
    return max(MIN_CONTENT_WIDTH, right + RIGHT_MARGIN)
