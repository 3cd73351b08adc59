"""Where everything of a diagram goes: lane bands, node outlines, orthogonal edge routes.

Pure Python (no Qt), shared by the canvas, the exporters (render/), the BPMN diagram
interchange (io/) and the layout (app/), so the diagram is the same everywhere. Scene
coordinates: lanes are stacked from y = 0 downwards with their header to the left of
x = 0; a node's ``pos`` is its centre, with ``y`` measured from the top of its lane.
Phases (the columns of the grid) are bands across all lanes, side by side from x = 0,
with their header strip above the lanes (negative y), so lanes do not move when a
process gains phases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .distributions import mean_hours
from .nodes import DecisionNode, NodeBase, TaskNode
from .process import Edge, Process
from .shapes import (
    EMPTY_PHASE_WIDTH,
    LABEL_GAP,
    LABEL_HEIGHT,
    LABEL_WIDTH,
    PHASE_HEADER_HEIGHT,
    PHASE_MARGIN,
    ROUTE_GAP,
    UNPLACED,
    Rect,
    content_width,
    lane_height,
    node_size,
)
from .units import describe_hours

HEADER_WIDTH = 168.0
#: a column whose nodes stray into their neighbours' still keeps this much room
MIN_PHASE_WIDTH = 60.0


def label_width(text: str) -> float:
    """Approximate width of an edge label (the painter measures it exactly)."""
    return min(len(text) * 5.6, 180.0) + 10.0


@dataclass
class LaneBox:
    id: str
    index: int
    rect: Rect  # the whole band, header included
    header: Rect
    color: str

    @property
    def top(self) -> float:
        return self.rect.y

    @property
    def height(self) -> float:
        return self.rect.h


@dataclass
class PhaseBox:
    id: str
    index: int
    rect: Rect  # the band across all lanes (y from 0 to the bottom of the last lane)
    header: Rect  # the strip above the lanes that names the phase

    @property
    def left(self) -> float:
        return self.rect.left

    @property
    def right(self) -> float:
        return self.rect.right


@dataclass
class NodeBox:
    id: str
    kind: str
    lane: str
    shape: Rect  # the outline's bounding box
    label: Rect | None  # the name below (events) or above (decisions); None: inside (tasks)
    color: str

    @property
    def bounds(self) -> Rect:
        return self.shape if self.label is None else self.shape.united(self.label)

    @property
    def cx(self) -> float:
        return self.shape.cx

    @property
    def cy(self) -> float:
        return self.shape.cy


@dataclass
class EdgeRoute:
    key: tuple[str, str]
    points: list[tuple[float, float]]
    label: str
    label_at: tuple[float, float] | None
    #: where the label sits relative to label_at: "above" or "right"
    label_side: str = "above"


@dataclass
class Diagram:
    lanes: list[LaneBox]
    nodes: dict[str, NodeBox]
    edges: dict[tuple[str, str], EdgeRoute]
    width: float  # content width right of x = 0
    bounds: Rect = field(default_factory=lambda: Rect(0, 0, 0, 0))
    #: the columns, left to right; empty when the process has no phases
    phases: list[PhaseBox] = field(default_factory=list)

    def lane_at(self, y: float) -> LaneBox | None:
        for lane in self.lanes:
            if lane.rect.top <= y < lane.rect.bottom:
                return lane
        return None

    def phase_at(self, x: float) -> PhaseBox | None:
        """The phase whose column holds ``x``; left of the first or right of the last
        column, the outermost one (None only without phases)."""
        if not self.phases:
            return None
        for phase in self.phases:
            if x < phase.right:
                return phase
        return self.phases[-1]


def edge_label(edge: Edge) -> str:
    """The short text on a connection: its label, its probability, or its condition."""
    if edge.probability is not None:
        text = f"{edge.probability * 100:.0f} %"
        if edge.decay is not None:
            text += " ↘"
        return f"{edge.label} · {text}" if edge.label else text
    if edge.label:
        return edge.label
    if edge.when is not None:
        return edge.when if len(edge.when) <= 28 else edge.when[:27] + "…"
    if edge.default:
        return "otherwise"
    return ""


def node_subtitle(node: NodeBase) -> str:
    """The small second line on the canvas: mean duration, arrival rate or outcome."""
    if isinstance(node, TaskNode):
        if node.duration is None:
            return ""
        text = f"≈ {describe_hours(mean_hours(node.duration))}"
        return text + (f" · {node.staff} staff" if node.staff > 1 else "")
    kind = node.kind
    if kind == "delay":
        duration = getattr(node, "duration", None)
        return f"{describe_hours(mean_hours(duration))}" if duration is not None else ""
    if kind == "source":
        arrivals = node.arrival_list()  # type: ignore[attr-defined]
        if len(arrivals) == 1:
            arrival = arrivals[0]
            if hasattr(arrival, "rate"):
                return str(arrival.rate)
            if hasattr(arrival, "batch"):
                return f"{arrival.batch} at once"
            return f"every {describe_hours(float(arrival.interarrival.mean))}"
        return f"{len(arrivals)} streams" if arrivals else ""
    if kind == "end":
        return str(getattr(node, "outcome", ""))
    return ""


def _node_extent(node: NodeBase) -> tuple[float, float]:
    """The horizontal extent of a node with its name (labels are wider than events)."""
    x = (node.pos if node.pos is not None else UNPLACED)[0]
    w = node_size(node.kind)[0]
    if node.kind != "task":
        w = max(w, LABEL_WIDTH)
    return x - w / 2, x + w / 2


def phase_spans(process: Process, width: float) -> list[tuple[float, float]]:
    """Left and right of each phase's column: contiguous from x = 0, in the file's order.

    A column spans its nodes (with their names) and is at least the phase's ``width``;
    the boundary between two columns lies half way between their nodes. The last
    column reaches at least to ``width`` (the right end of the lanes).
    """
    extents: list[tuple[float, float] | None] = []
    for phase in process.phases:
        spans = [_node_extent(n) for n in process.nodes if n.phase == phase.id]
        extents.append((min(a for a, _ in spans) - PHASE_MARGIN,
                        max(b for _, b in spans) + PHASE_MARGIN) if spans else None)
    result: list[tuple[float, float]] = []
    left = 0.0
    count = len(process.phases)
    for index, phase in enumerate(process.phases):
        least = float(phase.width) if phase.width else (
            EMPTY_PHASE_WIDTH if extents[index] is None else MIN_PHASE_WIDTH)
        mine = extents[index]
        following = next((e for e in extents[index + 1:] if e is not None), None)
        if index == count - 1:
            right = max(width, mine[1] if mine else left)
        elif mine is not None and following is not None and extents[index + 1] is not None:
            right = (mine[1] + following[0]) / 2
        elif mine is not None:
            right = mine[1]
        else:
            right = left
        right = max(right, left + least)
        result.append((left, right))
        left = right
    return result


def layout_diagram(process: Process) -> Diagram:
    """Compute every box and route of ``process`` (nodes without ``pos`` are placed at 0)."""
    lanes: list[LaneBox] = []
    tops: dict[str, float] = {}
    y = 0.0
    width = content_width(process)
    spans = phase_spans(process, width)
    if spans:
        width = max(width, spans[-1][1])
    for index, lane in enumerate(process.lanes):
        height = lane_height(process, lane)
        rect = Rect(-HEADER_WIDTH, y, HEADER_WIDTH + width, height)
        lanes.append(LaneBox(lane.id, index, rect, Rect(-HEADER_WIDTH, y, HEADER_WIDTH, height),
                             process.lane_color(lane.id)))
        tops[lane.id] = y
        y += height
    nodes: dict[str, NodeBox] = {}
    for node in process.nodes:
        top = tops.get(node.lane, 0.0)
        x, ny = node.pos if node.pos is not None else UNPLACED
        w, h = node_size(node.kind)
        shape = Rect(x - w / 2, top + ny - h / 2, w, h)
        label = None
        if isinstance(node, DecisionNode):
            label = Rect(x - LABEL_WIDTH / 2, shape.top - LABEL_GAP - LABEL_HEIGHT, LABEL_WIDTH,
                         LABEL_HEIGHT)
        elif node.kind != "task":
            label = Rect(x - LABEL_WIDTH / 2, shape.bottom + LABEL_GAP, LABEL_WIDTH, LABEL_HEIGHT)
        color = process.lane_color(node.lane) if process.has_lane(node.lane) else "#888888"
        nodes[node.id] = NodeBox(node.id, node.kind, node.lane, shape, label, color)
    edges: dict[tuple[str, str], EdgeRoute] = {}
    for edge in process.edges:
        a, b = nodes.get(edge.source), nodes.get(edge.target)
        if a is None or b is None:
            continue
        edges[edge.key] = route_edge(a, b, edge.key, edge_label(edge))
    phases = [
        PhaseBox(phase.id, index, Rect(left, 0.0, right - left, y),
                 Rect(left, -PHASE_HEADER_HEIGHT, right - left, PHASE_HEADER_HEIGHT))
        for index, (phase, (left, right)) in enumerate(zip(process.phases, spans, strict=True))
    ]
    top = -PHASE_HEADER_HEIGHT if phases else 0.0
    bounds = Rect(-HEADER_WIDTH, top, HEADER_WIDTH + width, max(y, 1.0) - top)
    return Diagram(lanes, nodes, edges, width, bounds, phases)


def route_edge(a: NodeBox, b: NodeBox, key: tuple[str, str], label: str = "") -> EdgeRoute:
    """An orthogonal route from ``a`` to ``b`` that starts and ends on their outlines.

    Forward (``b`` clearly to the right): out of a's right side, into b's left side, with a
    vertical jog half way. Same column: out of the bottom or top, into the top or bottom.
    Backward (a loop): out of a's bottom, under both nodes, into b's bottom.
    """
    sa, sb = a.shape, b.shape
    if sb.left - sa.right >= 4.0:
        start, end = (sa.right, sa.cy), (sb.left, sb.cy)
        if abs(sa.cy - sb.cy) < 0.5:
            points = [start, end]
            gap = end[0] - start[0]
            label_at = (start[0] + max(6.0, (gap - label_width(label)) / 2), sa.cy)
        else:
            # branches out of one side share the first stretch: label each after its turn
            mx = (sa.right + sb.left) / 2
            points = [start, (mx, sa.cy), (mx, sb.cy), end]
            if sb.left - mx >= label_width(label) + 12.0:
                label_at = (mx + 8.0, sb.cy)
            else:  # no room before the target: beside the vertical stretch
                return EdgeRoute(key, points, label, (mx, (sa.cy + sb.cy) / 2) if label else None,
                                 "right")
        return EdgeRoute(key, points, label, label_at if label else None, "above")
    if sa.right - sb.left < -1 or abs(sa.cx - sb.cx) <= max(sa.w, sb.w) / 2 + ROUTE_GAP:
        if sb.top >= sa.bottom:  # b below a
            start, end = (sa.cx, sa.bottom), (sb.cx, sb.top)
            label_y = start[1] + 12.0
        elif sb.bottom <= sa.top:  # b above a
            start, end = (sa.cx, sa.top), (sb.cx, sb.bottom)
            label_y = start[1] - 12.0
        else:
            start = end = None  # overlapping: fall through to the loop route
        if start is not None and end is not None:
            if abs(start[0] - end[0]) < 0.5:
                points = [start, end]
            else:
                my = (start[1] + end[1]) / 2
                points = [start, (start[0], my), (end[0], my), end]
            return EdgeRoute(key, points, label, (start[0], label_y) if label else None, "right")
    # backward (a loop): round the side where neither node has its name
    below_free = not _label_below(a) and not _label_below(b)
    above_free = not _label_above(a) and not _label_above(b)
    if above_free and not below_free:
        high = min(a.bounds.top, b.bounds.top) - ROUTE_GAP
        start, end = (sa.cx, sa.top), (sb.cx, sb.top)
        points = [start, (sa.cx, high), (sb.cx, high), end]
        label_at = ((sa.cx + sb.cx) / 2, high) if label else None
        return EdgeRoute(key, points, label, label_at, "above")
    low = max(a.bounds.bottom, b.bounds.bottom) + ROUTE_GAP
    start, end = (sa.cx, sa.bottom), (sb.cx, sb.bottom)
    points = [start, (sa.cx, low), (sb.cx, low), end]
    label_at = ((sa.cx + sb.cx) / 2, low) if label else None
    return EdgeRoute(key, points, label, label_at, "above")


def _label_below(box: NodeBox) -> bool:
    return box.label is not None and box.label.top >= box.shape.bottom


def _label_above(box: NodeBox) -> bool:
    return box.label is not None and box.label.bottom <= box.shape.top
