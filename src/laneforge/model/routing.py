"""Orthogonal connectors that go around nodes, node labels and edge labels.

Pure Python (numpy for the obstacle grid), shared by the canvas, the exports and the BPMN
diagram interchange through ``layout_diagram``. How it works:

- a sparse orthogonal grid: candidate x and y lines at every node's sides, centre and
  label, a clearance away from them, half way across wide gaps, and through user bends;
- every grid step that would enter a node's outline or its label (inflated by ``PAD``) is
  blocked; so is one that would enter an edge label already placed;
- ports are the middles of a node's sides (not the side its own label covers); a route
  leaves a port straight for ``CLEARANCE`` before it may turn;
- each edge is an A* search over (grid point, heading) with a cost for length, for every
  bend, for crossing or running along routes placed before it, and for unusual ports;
- edges are routed in a fixed order: forward edges of the main flow first (short ones
  first), backward edges (loops) last; user bends are corners the route passes through
  in order, each leg searched the same way;
- a route that finds no way (a port walled in) falls back to a plain elbow and never fails;
- then the label: candidates on and beside the route's longest segments, the first that
  overlaps no node, no node label and no other edge label wins.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .shapes import Rect

#: obstacles are inflated by this much: a route never touches an outline or a label
PAD = 6.0
#: how far a route runs straight out of a port, and the clearance lines around obstacles
CLEARANCE = 16.0
BEND_COST = 28.0
CROSS_COST = 36.0
OVERLAP_FACTOR = 2.5
EPS = 1e-6
SNAP = 0.5
MID_FACTOR = 0.003
#: a side that already has a connector going the other way (arrows in and out would merge)
MIXED_SIDE_COST = 400.0
LABEL_HEIGHT = 15.0
LABEL_PAD = 3.0

RIGHT, LEFT, DOWN, UP = 0, 1, 2, 3
_STEP = {RIGHT: (1, 0), LEFT: (-1, 0), DOWN: (0, 1), UP: (0, -1)}
_REVERSE = {RIGHT: LEFT, LEFT: RIGHT, DOWN: UP, UP: DOWN}
#: extra cost of leaving (out) or entering (in) a node through each side
_OUT_COST = {RIGHT: 0.0, DOWN: 14.0, UP: 14.0, LEFT: 40.0}
_IN_COST = {LEFT: 0.0, UP: 14.0, DOWN: 14.0, RIGHT: 40.0}


#: offsets tried around a route for a label that finds no room on it, nearest first
_RING = [(dx * 12.0, dy * 9.0) for dx in range(-12, 13) for dy in range(-8, 9) if dx or dy]


def label_width(text: str) -> float:
    """Approximate width of an edge label's box (the painter centres the text in it)."""
    advance = sum(7.4 if c.isupper() or c in "mwMW%" else 3.2 if c in " .,:;·'!ilj|()[]"
                  else 5.8 for c in text)
    return round(min(advance, 180.0) + 12.0, 1)


class Box(Protocol):
    """What the router needs of a node (``geometry.NodeBox`` is one)."""

    shape: Rect
    label: Rect | None

    @property
    def bounds(self) -> Rect: ...


@dataclass
class EdgeRoute:
    key: tuple[str, str]
    points: list[tuple[float, float]]
    label: str
    label_at: tuple[float, float] | None
    #: where the label sits relative to label_at: "above" or "right"
    label_side: str = "above"
    #: the label's box in diagram coordinates (None: no label)
    label_rect: Rect | None = None


@dataclass(frozen=True)
class EdgeSpec:
    key: tuple[str, str]
    label: str = ""
    bends: tuple[tuple[float, float], ...] = ()


def _inflate(rect: Rect, d: float) -> Rect:
    return Rect(rect.x - d, rect.y - d, rect.w + 2 * d, rect.h + 2 * d)


def _overlaps(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _segment_hits(p: tuple[float, float], q: tuple[float, float], r: Rect) -> bool:
    """Does the axis-parallel segment p-q enter the interior of r?"""
    x1, x2 = sorted((p[0], q[0]))
    y1, y2 = sorted((p[1], q[1]))
    if y1 == y2:
        return r.top < y1 < r.bottom and x1 < r.right and r.left < x2
    return r.left < x1 < r.right and y1 < r.bottom and r.top < y2


def _ports(box: Box) -> list[tuple[int, tuple[float, float]]]:
    """The middles of the sides a connector may use, with the outward heading."""
    s = box.shape
    sides = [(RIGHT, (s.right, s.cy)), (LEFT, (s.left, s.cy)), (DOWN, (s.cx, s.bottom)),
             (UP, (s.cx, s.top))]
    label = box.label
    if label is None:
        return sides
    return [(d, p) for d, p in sides
            if not (d == DOWN and label.top >= s.bottom - 1) and not (d == UP and label.bottom
                                                                       <= s.top + 1)]


def _order(specs: list[EdgeSpec], boxes: dict[str, Box]) -> list[int]:
    """Main flow first: forward edges by length, then same-column ones, loops last."""
    def key(index: int) -> tuple[int, float, int]:
        a, b = boxes[specs[index].key[0]].shape, boxes[specs[index].key[1]].shape
        forward = b.left - a.right >= 4.0
        backward = b.right <= a.left - 4.0
        length = abs(a.cx - b.cx) + abs(a.cy - b.cy)
        return (0 if forward else 2 if backward else 1, length, index)

    return sorted(range(len(specs)), key=key)


def _unique(values: set[float]) -> list[float]:
    """Sorted, without values closer than EPS to the one before."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > EPS:
            out.append(v)
    return out


def _nearest(value: float, lines: list[float]) -> float:
    """``value``, or the line within SNAP of it."""
    i = bisect_left(lines, value - SNAP)
    return lines[i] if i < len(lines) and abs(lines[i] - value) <= SNAP else value


class _Grid:
    def __init__(self, boxes: dict[str, Box], specs: list[EdgeSpec], frame: Rect | None,
                 stub_xs: set[float], stub_ys: set[float]) -> None:
        xs: set[float] = set()
        ys: set[float] = set()
        self.obstacles: list[Rect] = []
        for box in boxes.values():
            s, b = box.shape, box.bounds
            xs.update((s.left - CLEARANCE, s.right + CLEARANCE, s.cx, b.left - CLEARANCE,
                       b.right + CLEARANCE))
            ys.update((s.top - CLEARANCE, s.bottom + CLEARANCE, s.cy, b.top - CLEARANCE,
                       b.bottom + CLEARANCE))
            self.obstacles.append(_inflate(s, PAD))
            if box.label is not None:
                self.obstacles.append(_inflate(box.label, PAD))
        bxs = {x for spec in specs for x, _ in spec.bends} | stub_xs
        bys = {y for spec in specs for _, y in spec.bends} | stub_ys
        self.xs = self._lines(xs, bxs, None if frame is None else (frame.left, frame.right))
        self.ys = self._lines(ys, bys, None if frame is None else (frame.top, frame.bottom))
        self.nx, self.ny = len(self.xs), len(self.ys)
        n = self.nx * self.ny
        self.hblock = np.zeros((self.nx, self.ny), dtype=np.bool_)
        self.vblock = np.zeros((self.nx, self.ny), dtype=np.bool_)
        for rect in self.obstacles:
            self._block(rect)
        self._freeze()
        self.hused = bytearray(n)  # a route runs horizontally through the point
        self.vused = bytearray(n)

    @staticmethod
    def _lines(values: set[float], bends: set[float], frame: tuple[float, float] | None
               ) -> list[float]:
        """Sorted grid lines: the obstacles' lines (inside the frame, whose inner edges are
        lines too), half way across wide gaps, and the bends' lines."""
        raw = _unique(values)
        if frame is not None:
            low, high = frame[0] + PAD, frame[1] - PAD
            raw = [low, *(v for v in raw if low < v < high), high]
        elif raw:
            raw = [raw[0] - 3 * CLEARANCE, *raw, raw[-1] + 3 * CLEARANCE]
        mids = [(a + b) / 2 for a, b in itertools.pairwise(raw) if b - a > 60.0]
        return _unique({*raw, *mids, *bends}) or [0.0]

    def _block(self, r: Rect) -> None:
        xs, ys = self.xs, self.ys
        # horizontal steps (i, j) -> (i + 1, j) on a line strictly inside r's rows
        j0, j1 = bisect_right(ys, r.top), bisect_left(ys, r.bottom)
        i0, i1 = max(0, bisect_right(xs, r.left) - 1), bisect_left(xs, r.right)
        if j0 < j1 and i0 < i1:
            self.hblock[i0:i1, j0:j1] = True
        i0, i1 = bisect_right(xs, r.left), bisect_left(xs, r.right)
        j0, j1 = max(0, bisect_right(ys, r.top) - 1), bisect_left(ys, r.bottom)
        if i0 < i1 and j0 < j1:
            self.vblock[i0:i1, j0:j1] = True

    def _freeze(self) -> None:
        self.hb = bytearray(self.hblock.tobytes())
        self.vb = bytearray(self.vblock.tobytes())

    def add_obstacle(self, rect: Rect) -> None:
        self.obstacles.append(rect)
        self._block(rect)
        self._freeze()

    def index(self, point: tuple[float, float]) -> int | None:
        x, y = point
        i, j = bisect_left(self.xs, x - EPS), bisect_left(self.ys, y - EPS)
        if i < self.nx and j < self.ny and abs(self.xs[i] - x) <= EPS and abs(
                self.ys[j] - y) <= EPS:
            return i * self.ny + j
        return None

    def mark(self, points: list[tuple[float, float]]) -> None:
        """Record a placed route, so later ones pay for crossing or following it."""
        xs, ys, ny = self.xs, self.ys, self.ny
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            if y1 == y2:
                j = bisect_left(ys, y1)
                if j >= ny or ys[j] != y1:
                    continue
                a, b = sorted((x1, x2))
                for i in range(bisect_left(xs, a), bisect_right(xs, b)):
                    self.hused[i * ny + j] = 1
            elif x1 == x2:
                i = bisect_left(xs, x1)
                if i >= self.nx or xs[i] != x1:
                    continue
                a, b = sorted((y1, y2))
                for j in range(bisect_left(ys, a), bisect_right(ys, b)):
                    self.vused[i * ny + j] = 1

    def search(self, starts: list[tuple[int, int, float]], goals: dict[int, tuple[int | None,
               float]], mid: float | None = None) -> tuple[list[int], int] | None:
        """A* from (point, heading, cost) starts to goal points {point: (heading in, cost)}.

        Returns the grid points of the cheapest way and the heading it arrives with. With
        ``mid``, vertical stretches cost a little more the farther they are from x = mid
        (a forward step jogs half way between its nodes).
        """
        xs, ys, ny = self.xs, self.ys, self.ny
        hb, vb, hused, vused = self.hb, self.vb, self.hused, self.vused
        goal_xy = [(xs[p // ny], ys[p % ny]) for p in goals]

        def h(p: int) -> float:
            """Manhattan distance to the nearest goal, plus a bend if none is in line (an
            orthogonal path to a point off both lines turns at least once)."""
            x, y = xs[p // ny], ys[p % ny]
            low = math.inf
            for gx, gy in goal_xy:
                d = abs(x - gx) + abs(y - gy)
                if x != gx and y != gy:
                    d += BEND_COST
                if d < low:
                    low = d
            return low

        best: dict[int, float] = {}
        parent: dict[int, int] = {}
        heap: list[tuple[float, float, int]] = []
        for p, d, cost in starts:
            s = p * 4 + d
            if cost < best.get(s, math.inf):
                best[s] = cost
                parent[s] = -1
                heapq.heappush(heap, (cost + h(p), -cost, s))
        done: dict[int, float] = {}
        while heap:
            _f, minus_g, s = heapq.heappop(heap)
            g = -minus_g
            if s < 0:  # a finished route
                final = -s - 1
                return self._path(parent, final), final % 4
            if g > best.get(s, math.inf):
                continue
            p, d = divmod(s, 4)
            if p in goals:
                heading, extra = goals[p]
                total = g + extra + (0.0 if heading is None or heading == d else BEND_COST)
                if total < done.get(s, math.inf):
                    done[s] = total
                    heapq.heappush(heap, (total, -total, -s - 1))
            i, j = divmod(p, ny)
            for nd in (RIGHT, LEFT, DOWN, UP):
                if nd == _REVERSE[d]:
                    continue
                if nd == RIGHT:
                    if i + 1 >= self.nx or hb[p]:
                        continue
                    q = p + ny
                    length = xs[i + 1] - xs[i]
                    along, across = hused[q] and hused[p], vused[q]
                elif nd == LEFT:
                    if i == 0 or hb[p - ny]:
                        continue
                    q = p - ny
                    length = xs[i] - xs[i - 1]
                    along, across = hused[q] and hused[p], vused[q]
                elif nd == DOWN:
                    if j + 1 >= ny or vb[p]:
                        continue
                    q = p + 1
                    length = ys[j + 1] - ys[j]
                    along, across = vused[q] and vused[p], hused[q]
                else:
                    if j == 0 or vb[p - 1]:
                        continue
                    q = p - 1
                    length = ys[j] - ys[j - 1]
                    along, across = vused[q] and vused[p], hused[q]
                if mid is not None and nd >= DOWN:
                    length *= 1.0 + MID_FACTOR * abs(xs[i] - mid)
                cost = g + length * (1.0 + OVERLAP_FACTOR * along) + (
                    CROSS_COST if across and not along else 0.0) + (
                    BEND_COST if nd != d else 0.0)
                t = q * 4 + nd
                if cost < best.get(t, math.inf):
                    best[t] = cost
                    parent[t] = s
                    heapq.heappush(heap, (cost + h(q), -cost, t))
        return None

    def _path(self, parent: dict[int, int], s: int) -> list[int]:
        points: list[int] = []
        while s != -1:
            points.append(s // 4)
            s = parent[s]
        points.reverse()
        return points

    def xy(self, p: int) -> tuple[float, float]:
        return (self.xs[p // self.ny], self.ys[p % self.ny])


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 1e-6 and abs(out[-1][1] - p[1]) < 1e-6:
            continue
        if len(out) >= 2:  # a corner on a straight stretch (not a turn back) goes
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (abs(x0 - x1) < 1e-6 and abs(x1 - p[0]) < 1e-6 and (y1 - y0) * (p[1] - y1) > 0) or (
                    abs(y0 - y1) < 1e-6 and abs(y1 - p[1]) < 1e-6 and (x1 - x0) * (p[0] - x1) > 0):
                out[-1] = p
                continue
        out.append(p)
    return out


class Router:
    """Routes all edges of one diagram; ``route_all`` is the entry point."""

    def __init__(self, boxes: dict[str, Box], specs: list[EdgeSpec],
                 frame: Rect | None = None) -> None:
        self.boxes = boxes
        self.specs = specs
        rects: list[Rect] = []
        self._shape_index: dict[str, int] = {}
        for node_id, box in boxes.items():
            self._shape_index[node_id] = len(rects)
            rects.append(box.shape)
            if box.label is not None:
                rects.append(box.label)
        #: every node outline and node label as rows of (left, top, right, bottom)
        self._rects = np.array([(r.left, r.top, r.right, r.bottom) for r in rects], dtype=float)
        self._centres = (_unique({box.shape.cx for box in boxes.values()}),
                         _unique({box.shape.cy for box in boxes.values()}))
        #: node -> (heading, port, stub end) for each side a connector may use
        self._stubs = {node_id: self._stub_ends(node_id) for node_id in boxes}
        stub_points = [stub for ends in self._stubs.values() for _, _, stub in ends]
        self.grid = _Grid(boxes, specs, frame, {p[0] for p in stub_points},
                          {p[1] for p in stub_points})
        self._ports: dict[str, list[tuple[int, tuple[float, float], int]]] = {}
        self.labels: list[Rect] = []
        self.placed: list[list[tuple[float, float]]] = []
        #: (node, side) -> "in" / "out" uses, to spread edges over a node's sides
        self.sides: dict[tuple[str, int], set[str]] = {}

    def route_all(self) -> dict[tuple[str, str], EdgeRoute]:
        routes: dict[tuple[str, str], EdgeRoute] = {}
        for index in _order(self.specs, self.boxes):
            spec = self.specs[index]
            points = self.route(spec)
            self.grid.mark(points)
            self.placed.append(points)
            routes[spec.key] = self.place_label(spec, points)
        return {spec.key: routes[spec.key] for spec in self.specs}

    # --- routes --------------------------------------------------------------------------
    def _side_cost(self, node: str, side: int, role: str, base: dict[int, float]) -> float:
        used = self.sides.get((node, side), set())
        return base[side] + (0.0 if not used else 12.0 if used == {role} else MIXED_SIDE_COST)

    def _free_ports(self, node: str) -> list[tuple[int, tuple[float, float], int]]:
        """(grid point of the stub, port, heading) of the sides of ``node`` whose straight
        stretch out of the port touches no other node or label (computed once a node)."""
        cached = self._ports.get(node)
        if cached is not None:
            return cached
        left, t, r, b = self._rects.T
        own = self._shape_index[node]
        out = []
        for heading, port, stub in self._stubs[node]:
            p = self.grid.index(stub)
            if p is None:
                continue
            x1, x2 = sorted((port[0], stub[0]))
            y1, y2 = sorted((port[1], stub[1]))
            near = (left - PAD < x2) & (x1 < r + PAD) & (t - PAD < y2) & (y1 < b + PAD)
            near[own] = False
            if not near.any():
                out.append((p, port, heading))
        self._ports[node] = out
        return out

    def _stub_ends(self, node: str) -> list[tuple[int, tuple[float, float], tuple[float, float]]]:
        """Where the straight stretch out of each port ends: CLEARANCE out, or half way to
        the next node or label in front of it when that is closer (two nodes facing each
        other across a narrow gap then share the point, and the connector is straight)."""
        box = self.boxes[node]
        left, t, r, b = self._rects.T
        own = self._shape_index[node]
        out = []
        for heading, (px, py) in _ports(box):
            if heading in (RIGHT, LEFT):
                ahead = (t - PAD < py) & (py < b + PAD)
                gaps = left - px if heading == RIGHT else px - r
            else:
                ahead = (left - PAD < px) & (px < r + PAD)
                gaps = t - py if heading == DOWN else py - b
            ahead &= gaps >= 0
            ahead[own] = False
            if box.label is not None:
                ahead[own + 1] = False
            gap = float(gaps[ahead].min()) if ahead.any() else math.inf
            length = CLEARANCE if gap >= 2 * CLEARANCE else math.floor(gap) / 2
            dx, dy = _STEP[heading]
            out.append((heading, (px, py), (px + dx * length, py + dy * length)))
        return out

    def _port_states(self, node: str, role: str
                     ) -> list[tuple[int, tuple[float, float], int, float]]:
        """(grid point of the stub, port, heading, cost) for every usable side of ``node``."""
        base = _OUT_COST if role == "out" else _IN_COST
        return [(p, port, heading, self._side_cost(node, heading, role, base))
                for p, port, heading in self._free_ports(node)]

    def route(self, spec: EdgeSpec) -> list[tuple[float, float]]:
        source, target = spec.key
        grid = self.grid
        outs = self._port_states(source, "out")
        ins = self._port_states(target, "in")
        if source == target and outs:  # a self-loop: out of one side, in by another
            outs = [min(outs, key=lambda o: o[3])]
            ins = [i for i in ins if i[2] != outs[0][2]]
        waypoints = [self._snap(bend) for bend in spec.bends]
        a, b = self.boxes[source].shape, self.boxes[target].shape
        mid = (a.right + b.left) / 2 if b.left - a.right >= 4.0 and not waypoints else None
        if not outs or not ins:
            return self._fallback(spec, waypoints)
        starts = [(p, heading, cost) for p, _, heading, cost in outs]
        start_ports = {p: (port, heading) for p, port, heading, _ in outs}
        end_ports = {p: (port, heading) for p, port, heading, _ in ins}
        legs: list[list[tuple[float, float]]] = []
        path: list[int] = []
        for k in range(len(waypoints) + 1):
            if k == len(waypoints):
                goals: dict[int, tuple[int | None, float]] = {
                    p: (_REVERSE[heading], cost) for p, _, heading, cost in ins}
            else:
                point = grid.index(waypoints[k])
                if point is None:
                    return self._fallback(spec, waypoints)
                goals = {point: (None, 0.0)}
            found = grid.search(starts, goals, mid)
            if found is None:
                return self._fallback(spec, waypoints)
            leg, heading_now = found
            if k == 0:
                path = leg
            legs.append([grid.xy(p) for p in leg])
            # on from the bend: straight on is free, a turn costs a bend, turning back two
            starts = [(leg[-1], d, 0.0 if d == heading_now else 2 * BEND_COST
                       if d == _REVERSE[heading_now] else BEND_COST) for d in _STEP]
        first_port, out_side = start_ports[path[0]]
        end_port, in_side = end_ports[grid.index(legs[-1][-1])]  # type: ignore[index]
        points = [first_port]
        for leg_points in legs:
            points.extend(leg_points)
        points.append(end_port)
        self.sides.setdefault((source, out_side), set()).add("out")
        self.sides.setdefault((target, in_side), set()).add("in")
        return _simplify(points)

    def _snap(self, bend: tuple[float, float]) -> tuple[float, float]:
        """A bend within SNAP of a node's centre line goes onto it (bends read back from
        files are rounded; the ports are not)."""
        return (_nearest(bend[0], self._centres[0]), _nearest(bend[1], self._centres[1]))

    def _fallback(self, spec: EdgeSpec, waypoints: list[tuple[float, float]]
                  ) -> list[tuple[float, float]]:
        """A plain elbow through the bends: right side out, left side in (never fails)."""
        a, b = self.boxes[spec.key[0]].shape, self.boxes[spec.key[1]].shape
        start, end = (a.right, a.cy), (b.left, b.cy)
        points = [start]
        current = start
        for target in [*waypoints, end]:
            if current[0] != target[0] and current[1] != target[1]:
                mid = (current[0] + target[0]) / 2
                points += [(mid, current[1]), (mid, target[1])]
            points.append(target)
            current = target
        return _simplify(points)

    # --- labels --------------------------------------------------------------------------
    def place_label(self, spec: EdgeSpec, points: list[tuple[float, float]]) -> EdgeRoute:
        if not spec.label:
            return EdgeRoute(spec.key, points, "", None)
        w, h = label_width(spec.label), LABEL_HEIGHT
        best: tuple[tuple[int, float, int], Rect] | None = None
        for rank, rect in enumerate(self._candidates(points, w, h)):
            hard = self._hard(rect)
            score = (hard, self._soft(rect, points), rank)
            if best is None or score < best[0]:
                best = (score, rect)
            if hard == 0 and score[1] == 0:
                break
        assert best is not None
        rect = Rect(*(round(v, 1) for v in (best[1].x, best[1].y, best[1].w, best[1].h)))
        self.labels.append(rect)
        self.grid.add_obstacle(_inflate(rect, 2.0))
        return EdgeRoute(spec.key, points, spec.label, (rect.x, rect.bottom + 2.0), "above", rect)

    def _hard(self, rect: Rect) -> int:
        g = _inflate(rect, LABEL_PAD)
        left, t, r, b = self._rects.T
        nodes = int(((left < g.right) & (g.left < r) & (t < g.bottom) & (g.top < b)).sum())
        return nodes + sum(_overlaps(g, other) for other in self.labels)

    def _soft(self, rect: Rect, own: list[tuple[float, float]]) -> float:
        """How many other routes' segments run under the label (it hides them)."""
        count = 0.0
        for route in self.placed:
            if route is own:
                continue
            for p, q in itertools.pairwise(route):
                if _segment_hits(p, q, rect):
                    count += 1
        return count

    def _candidates(self, points: list[tuple[float, float]], w: float, h: float):
        segments = sorted(
            ((abs(q[0] - p[0]) + abs(q[1] - p[1]), i) for i, (p, q) in
             enumerate(itertools.pairwise(points))), key=lambda s: (-s[0], s[1]))
        near: list[Rect] = []
        for _, i in segments:
            (x1, y1), (x2, y2) = points[i], points[i + 1]
            if abs(y1 - y2) < 1e-6:  # horizontal: on the line, above it, below it
                lo, hi = sorted((x1, x2))
                if hi - lo < w + 8:
                    near.append(Rect((lo + hi) / 2 - w / 2, y1 - h - 3, w, h))
                    continue
                for t in (0.5, 0.3, 0.7, 0.15, 0.85):
                    cx = lo + w / 2 + 4 + t * (hi - lo - w - 8)
                    yield Rect(cx - w / 2, y1 - h / 2, w, h)
                    yield Rect(cx - w / 2, y1 - h - 3, w, h)
                    yield Rect(cx - w / 2, y1 + 3, w, h)
            else:  # vertical: on the line, right of it, left of it
                lo, hi = sorted((y1, y2))
                if hi - lo < h + 8:
                    near.append(Rect(x1 + 5, (lo + hi) / 2 - h / 2, w, h))
                    continue
                for t in (0.5, 0.3, 0.7, 0.15, 0.85):
                    cy = lo + h / 2 + 4 + t * (hi - lo - h - 8)
                    yield Rect(x1 - w / 2, cy - h / 2, w, h)
                    yield Rect(x1 + 5, cy - h / 2, w, h)
                    yield Rect(x1 - 5 - w, cy - h / 2, w, h)
        yield from near
        # nothing fits on the route: the nearest free place around its longest segment
        (x1, y1), (x2, y2) = points[segments[0][1]], points[segments[0][1] + 1]
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        yield from sorted((Rect(cx + dx - w / 2, cy + dy - h / 2, w, h) for dx, dy in _RING),
                          key=lambda r: (abs(r.cx - cx) / 2 + abs(r.cy - cy), r.cx, r.cy))


def route_edges(boxes: dict[str, Box], specs: list[EdgeSpec], frame: Rect | None = None
                ) -> dict[tuple[str, str], EdgeRoute]:
    """Every edge's route and label, in ``specs`` order (edges with a missing end: none)."""
    specs = [s for s in specs if s.key[0] in boxes and s.key[1] in boxes]
    if not specs:
        return {}
    return Router(boxes, specs, frame).route_all()
