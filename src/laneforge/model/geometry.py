"""Where everything of a diagram goes: lane bands, node outlines, orthogonal edge routes.

Pure Python (no Qt), shared by the canvas, the exporters (render/), the BPMN diagram
interchange (io/) and the layout (app/), so the diagram is the same everywhere. Scene
coordinates: lanes are stacked from y = 0 downwards with their header to the left of
x = 0; a node's ``pos`` is its centre, with ``y`` measured from the top of its lane.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .distributions import mean_hours
from .nodes import DecisionNode, NodeBase, TaskNode
from .process import Edge, Process
from .shapes import (
    LABEL_GAP,
    LABEL_HEIGHT,
    LABEL_WIDTH,
    ROUTE_GAP,
    UNPLACED,
    Rect,
    content_width,
    lane_height,
    node_size,
)
from .units import describe_hours

HEADER_WIDTH = 168.0


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

    def lane_at(self, y: float) -> LaneBox | None:
        for lane in self.lanes:
            if lane.rect.top <= y < lane.rect.bottom:
                return lane
        return None


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
        # the mean over the week, weekday profile applied: the figure the properties show
        from .rate_text import per_day_text

        arrivals = node.arrival_list()  # type: ignore[attr-defined]
        if not arrivals:
            return ""
        per_hour = float(node.mean_rate_per_hour)  # type: ignore[attr-defined]
        if not per_hour:
            batches = sum(getattr(a, "batch", 0) for a in arrivals)
            return f"{batches} at once" if batches else ""
        plain = (len(arrivals) == 1 and hasattr(arrivals[0], "rate")
                 and not arrivals[0].profile and arrivals[0].rate.per_hour == per_hour)
        text = per_day_text(per_hour) if plain else f"≈ {per_day_text(per_hour)}"
        return text + (f" · {len(arrivals)} streams" if len(arrivals) > 1 else "")
    if kind == "end":
        return str(getattr(node, "outcome", ""))
    return ""


def layout_diagram(process: Process) -> Diagram:
    """Compute every box and route of ``process`` (nodes without ``pos`` are placed at 0)."""
    lanes: list[LaneBox] = []
    tops: dict[str, float] = {}
    y = 0.0
    width = content_width(process)
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
    bounds = Rect(-HEADER_WIDTH, 0.0, HEADER_WIDTH + width, max(y, 1.0))
    return Diagram(lanes, nodes, edges, width, bounds)


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
