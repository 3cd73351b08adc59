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
from .nodes import CadenceNode, DecisionNode, NodeBase, TaskNode
from .process import Edge, Process
from .routing import EdgeRoute, EdgeSpec, route_edges
from .routing import label_width as label_width  # re-exported: the PowerPoint labels use it
from .shapes import (
    BOX_KINDS,
    EMPTY_PHASE_WIDTH,
    LABEL_GAP,
    LABEL_HEIGHT,
    LABEL_WIDTH,
    PHASE_HEADER_HEIGHT,
    PHASE_MARGIN,
    UNPLACED,
    Rect,
    content_width,
    lane_height,
    node_size,
)
from .units import describe_hours

HEADER_WIDTH = 168.0
#: the band left of the lane headers that names a pool (only with several pools)
POOL_WIDTH = 30.0
#: a column whose nodes stray into their neighbours' still keeps this much room
MIN_PHASE_WIDTH = 60.0


@dataclass
class LaneBox:
    id: str
    index: int
    rect: Rect  # the whole band, header included
    header: Rect
    color: str
    #: the pool whose band is drawn beside the lane (None: no pool bands): its header then
    #: names the lane without the "Pool / " prefix the band already says
    pool: str | None = None

    @property
    def top(self) -> float:
        return self.rect.y

    @property
    def height(self) -> float:
        return self.rect.h


@dataclass
class PoolBox:
    """A BPMN pool (participant) drawn as BPMN tools draw one: a narrow band left of its
    lanes' headers with its name turned on its side, and an outline round its lanes."""

    name: str
    index: int
    lanes: list[str]
    rect: Rect  # the whole pool: its band, its lanes' headers and bands
    header: Rect  # the narrow band with the name

    @property
    def id(self) -> str:
        return f"pool{self.index + 1}"


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
class Diagram:
    lanes: list[LaneBox]
    nodes: dict[str, NodeBox]
    edges: dict[tuple[str, str], EdgeRoute]
    width: float  # content width right of x = 0
    bounds: Rect = field(default_factory=lambda: Rect(0, 0, 0, 0))
    #: the columns, left to right; empty when the process has no phases
    phases: list[PhaseBox] = field(default_factory=list)
    #: the pools, top to bottom; empty unless the lanes belong to more than one pool
    pools: list[PoolBox] = field(default_factory=list)

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


def pool_runs(process: Process) -> list[tuple[str | None, list[str]]]:
    """The pools: runs of neighbouring lanes with the same ``pool``, each with its name and
    lane ids. One run (the usual case: no lane names a pool) is the process's own pool; a
    pool whose lanes are not next to each other gives one pool per run."""
    runs: list[tuple[str | None, list[str]]] = []
    for lane in process.lanes:
        if runs and runs[-1][0] == lane.pool:
            runs[-1][1].append(lane.id)
        else:
            runs.append((lane.pool, [lane.id]))
    return runs or [(None, [])]


def pool_lane_name(name: str, pool: str | None) -> str:
    """A lane's name as BPMN shows it inside its pool: 'Company / Marketing' in the pool
    'Company' is 'Marketing' (an import of several pools names lanes 'Pool / Lane')."""
    prefix = f"{pool} / " if pool else ""
    return name[len(prefix):] if prefix and name.startswith(prefix) and name != prefix else name


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
    if edge.exit is not None:  # a cadence's way out says which it is
        return edge.exit
    return ""


def edge_specs(process: Process) -> list[EdgeSpec]:
    """What the router needs of each edge: its key, label text and user bends."""
    return [EdgeSpec(edge.key, edge_label(edge), tuple((float(x), float(y)) for x, y in
                                                      edge.bends or ()))
            for edge in process.edges]


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
    if isinstance(node, CadenceNode):
        return f"every {node.every} × {node.times}"
    return ""


def _node_extent(node: NodeBase) -> tuple[float, float]:
    """The horizontal extent of a node with its name (labels are wider than events)."""
    x = (node.pos if node.pos is not None else UNPLACED)[0]
    w = node_size(node.kind)[0]
    if node.kind not in BOX_KINDS:
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
        elif node.kind not in BOX_KINDS:
            label = Rect(x - LABEL_WIDTH / 2, shape.bottom + LABEL_GAP, LABEL_WIDTH, LABEL_HEIGHT)
        color = process.lane_color(node.lane) if process.has_lane(node.lane) else "#888888"
        nodes[node.id] = NodeBox(node.id, node.kind, node.lane, shape, label, color)
    edges = route_edges(nodes, edge_specs(process), Rect(0.0, 0.0, width, max(y, 1.0)))
    phases = [
        PhaseBox(phase.id, index, Rect(left, 0.0, right - left, y),
                 Rect(left, -PHASE_HEADER_HEIGHT, right - left, PHASE_HEADER_HEIGHT))
        for index, (phase, (left, right)) in enumerate(zip(process.phases, spans, strict=True))
    ]
    pools = _pools(process, lanes, width)
    top = -PHASE_HEADER_HEIGHT if phases else 0.0
    left = HEADER_WIDTH + (POOL_WIDTH if pools else 0.0)
    bounds = Rect(-left, top, left + width, max(y, 1.0) - top)
    return Diagram(lanes, nodes, edges, width, bounds, phases, pools)


def _pools(process: Process, lanes: list[LaneBox], width: float) -> list[PoolBox]:
    """The pool bands when the lanes belong to more than one pool (else none, so a process
    without pools is drawn as it always was); a run of lanes without a pool is the
    process's own pool, named after the process."""
    runs = pool_runs(process)
    if len(runs) < 2:
        return []
    boxes = {box.id: box for box in lanes}
    pools = []
    for index, (name, ids) in enumerate(runs):
        top, bottom = boxes[ids[0]].rect.top, boxes[ids[-1]].rect.bottom
        left = -HEADER_WIDTH - POOL_WIDTH
        pools.append(PoolBox(name or process.name, index, ids,
                             Rect(left, top, width - left, bottom - top),
                             Rect(left, top, POOL_WIDTH, bottom - top)))
        for lane_id in ids:
            boxes[lane_id].pool = name
    return pools
