"""Automatic layout: a compact grid of lanes (rows) and flow steps (columns).

Steps come from the longest path from the sources after loop edges are set aside
(networkx does the graph work); phases, when the process has them, order the steps (every
node of phase i left of phase i+1). Each lane x phase cell is laid out in two dimensions:
the main path (the most probable way from the first source) keeps the first row of its
lanes, parallel work and branches take the rows below, and an end that only follows a
decision (a rejection: duplicate, disqualified) sits right below that decision. When the
diagram is wider than the ``aspect`` target, the longest phases wrap their steps onto
further rows, and the column pitch is compressed or widened a little, so the bounding
box approaches the target. Lane heights fit their rows. Same input, same output.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from ..model import DecisionNode, EndNode, Process
from ..model.geometry import HEADER_WIDTH
from ..model.shapes import (
    EMPTY_PHASE_WIDTH,
    LABEL_WIDTH,
    MIN_CONTENT_WIDTH,
    PHASE_HEADER_HEIGHT,
    RIGHT_MARGIN,
    extent_above,
    extent_below,
)

#: centre-to-centre distance of two steps (a task is 136 wide, a name below an event 150)
COLUMN_WIDTH = 190.0
#: the pitch may shrink or grow by these factors to reach the aspect target
MIN_PITCH, MAX_PITCH = 0.9, 1.3
#: the first step's centre right of the lane header (room for a 150 px name)
FIRST_COLUMN = 96.0
#: extra room between the last step of a phase and the first of the next
PHASE_GAP = 40.0
#: room above the first row and below the last row of a lane
LANE_TOP, LANE_BOTTOM = 28.0, 36.0
#: free room between the lowest reach of one row and the highest reach of the next
ROW_GAP = 40.0

#: how much more readable (in fitted size) each wrapped row of a phase must make the diagram
WRAP_COST = 0.03

#: aspect targets (width / height of the whole diagram)
ASPECTS = {"wide": 3.5, "screen": 16 / 10, "slide": 16 / 9, "a4": 1.41, "letter": 1.29}
#: the default is wide: few rows per lane, so every lane fits the height of the canvas (which
#: the docks leave short) at a readable zoom, and a slide shows all lanes at a scale where its
#: 9 pt text does not crowd, split into runs of phases side by side; a 16:10 target wraps
#: phases into rows and makes lanes tall, which both the canvas and the slides must shrink
DEFAULT_ASPECT = ASPECTS["wide"]


@dataclass
class Layout:
    positions: dict[str, tuple[float, float]]
    lane_heights: dict[str, float]


def _back_edges(graph: nx.DiGraph, order: list[str]) -> set[tuple[str, str]]:
    """Edges that close a loop, found by depth-first search from the sources in file order."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in order:
        if root in state:
            continue
        stack = [(root, iter(graph.successors(root)))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(graph.successors(child))))
    return back


class _Plan:
    """What does not depend on the wrap widths: steps, phases, the main path, side exits."""

    def __init__(self, process: Process) -> None:
        self.process = process
        graph = process.graph()
        self.graph = graph
        index = {n.id: i for i, n in enumerate(process.nodes)}
        self.index = index
        self.nodes = {n.id: n for n in process.nodes}  # Process.node is a linear search
        sources = [n.id for n in process.sources()]
        order = sources + [n.id for n in process.nodes if n.id not in sources]
        dag = nx.DiGraph()
        dag.add_nodes_from(n.id for n in process.nodes)
        back = _back_edges(graph, order)
        dag.add_edges_from(e for e in graph.edges if e not in back)
        self.dag = dag
        self.topo = list(nx.lexicographical_topological_sort(dag, key=index.__getitem__))
        first_lane = process.lanes[0].id
        self.lane_of = {n.id: n.lane if process.has_lane(n.lane) else first_lane
                        for n in process.nodes}

        phase_ids = {p.id: i for i, p in enumerate(process.phases)}
        self.phase_count = max(1, len(process.phases))
        self.phase_of: dict[str, int] = {}
        for node_id in self.topo:
            node = self.nodes[node_id]
            if node.phase in phase_ids:
                self.phase_of[node_id] = phase_ids[node.phase]
            else:  # no phase: the column of what leads to it
                self.phase_of[node_id] = max(
                    (self.phase_of[p] for p in dag.predecessors(node_id)), default=0)

        self.main = self._main_path()
        self.side_exit: dict[str, str] = {}  # end -> the decision it hangs under
        for node in process.nodes:
            if not isinstance(node, EndNode):
                continue
            preds = list(graph.predecessors(node.id))
            if len(preds) != 1 or not isinstance(self.nodes[preds[0]], DecisionNode):
                continue
            decision = preds[0]
            has_other_way = any(s != node.id for s in graph.successors(decision))
            if self._final_outcome(decision) == node.id:
                continue  # a decision that only ends: its likeliest outcome stays on the row
            same_cell = (self.lane_of[decision] == self.lane_of[node.id]
                         and self.phase_of[decision] == self.phase_of[node.id])
            if has_other_way and same_cell:
                self.side_exit[node.id] = decision

        self.exits: dict[str, list[str]] = defaultdict(list)  # decision -> ends under it
        for end, decision in self.side_exit.items():
            self.exits[decision].append(end)

        # steps: the longest path, phase by phase, so phase i ends before phase i+1 starts
        rank: dict[str, int] = {}
        self.phase_steps: list[int] = []
        floor = 0
        for phase in range(self.phase_count):
            members = [n for n in self.topo
                       if self.phase_of[n] == phase and n not in self.side_exit]
            for node_id in members:
                rank[node_id] = max([floor] + [rank[p] + 1 for p in dag.predecessors(node_id)
                                               if p in rank])
            top = max((rank[n] for n in members), default=floor - 1)
            self.phase_steps.append(top - floor + 1)
            for node_id in members:
                rank[node_id] -= floor
            floor = top + 1
        self.step = rank  # the step within the node's phase
        #: rows of the last placement that had to end on a decision with an end under it
        self.bad_breaks = 0

    def _final_outcome(self, decision: str) -> str | None:
        """For a decision that leads only to ends: the end that continues its row (a won
        deal, else the likeliest); None when the decision leads on to further work."""
        edges = [self.graph.edges[decision, s]["edge"] for s in self.graph.successors(decision)]
        if not edges or not all(isinstance(self.nodes[e.target], EndNode)
                                for e in edges):
            return None

        def preferred(edge) -> tuple:
            won = str(getattr(self.nodes[edge.target], "outcome", "")) == "won"
            return (not won, -(edge.probability or 0.0), self.index[edge.target])

        return min(edges, key=preferred).target

    def _main_path(self) -> set[str]:
        """The most probable way from the first source to an outcome."""
        sources = self.process.sources()
        if not sources:
            return set()
        reach: dict[str, int] = {}  # the longest way on to an outcome, in steps
        for node_id in reversed(self.topo):
            reach[node_id] = max((reach[s] + 1 for s in self.dag.successors(node_id)),
                                 default=0)
        path = [sources[0].id]
        while True:
            edges = [self.graph.edges[path[-1], s]["edge"] for s in self.dag.successors(path[-1])]
            if not edges:
                break
            unknown = [e for e in edges if e.probability is None]
            rest = 1.0 - sum(e.probability or 0.0 for e in edges)
            share = max(rest, 0.0) / len(unknown) if unknown else 0.0

            def likely(edge, share=share):
                # on towards an outcome before ending; of the outcomes, a won deal first
                target = self.nodes[edge.target]
                ends = isinstance(target, EndNode)
                chance = edge.probability if edge.probability is not None else share
                return (ends, ends and str(getattr(target, "outcome", "")) != "won",
                        -round(chance, 6), -reach[edge.target], not edge.default,
                        self.index[edge.target])

            path.append(min(edges, key=likely).target)
        return set(path)

    # --- placing for given wrap widths -------------------------------------------------------
    def place(self, widths: list[int], pitch: float) -> tuple[Layout, float, float]:
        """Positions and lane heights for phases wrapped at ``widths`` steps; with the
        diagram's width and height."""
        process = self.process
        # x of each phase's first column
        lefts: list[float] = []
        x = 0.0
        for phase, width in enumerate(widths):
            lefts.append(x)
            least = 0.0
            if phase < len(process.phases) and process.phases[phase].width:
                least = float(process.phases[phase].width)
            span = width * pitch + PHASE_GAP if width else EMPTY_PHASE_WIDTH
            x += max(span, least)
        last = x - PHASE_GAP - pitch + FIRST_COLUMN if widths and widths[-1] else x
        content = max(MIN_CONTENT_WIDTH, last + LABEL_WIDTH / 2 + RIGHT_MARGIN)

        # slots: (lane, phase, block, column) -> nodes stacked top to bottom
        cells: dict[tuple[str, int], dict[int, list[str]]] = defaultdict(
            lambda: defaultdict(list))
        for node_id in self.topo:
            if node_id not in self.side_exit:
                cells[(self.lane_of[node_id], self.phase_of[node_id])][
                    self.step[node_id]].append(node_id)
        hangs = set(self.side_exit.values())  # decisions with an end hanging under them
        self.bad_breaks = 0
        blocks: dict[str, tuple[int, int]] = {}
        slots: dict[tuple[str, int, int, int], list[str]] = defaultdict(list)
        for (lane, phase), by_step in cells.items():
            steps = sorted(by_step)
            block, index = 0, 0
            while index < len(steps):
                start = steps[index]
                end = start + widths[phase] - 1  # the last step of this row
                # a row does not end on a stack (a decision with an end under it, parallel
                # work): the way on to the next row would run through what is below

                def stacked(step: int, by_step=by_step) -> bool:
                    here = by_step.get(step, [])
                    return len(here) > 1 or any(n in hangs for n in here)

                last = end
                while start < end < steps[-1] and stacked(end):
                    end -= 1
                if end < steps[-1] and stacked(end):
                    end = last  # no better place to break the row
                    self.bad_breaks += 1
                while index < len(steps) and steps[index] <= end:
                    step = steps[index]
                    for node_id in by_step[step]:
                        blocks[node_id] = (block, step - start)
                        slots[(lane, phase, block, step - start)].append(node_id)
                    index += 1
                block += 1

        lane_order = {lane.id: i for i, lane in enumerate(process.lanes)}
        row_of: dict[str, int] = {}
        where: dict[str, tuple[int, int]] = {}  # node -> (lane index, row), for the order

        def weight(node_id: str) -> tuple:
            spots = [where[p] for p in self.graph.predecessors(node_id) if p in where]
            mean = (sum(a * 1000 + b for a, b in spots) / len(spots)) if spots else 0.0
            return (node_id not in self.main, mean, self.index[node_id])

        # rows per (lane, phase, block): the tallest stack of its columns
        depth: dict[tuple[str, int, int], int] = defaultdict(int)
        stacks: dict[tuple[str, int, int, int], list[str]] = {}
        keys = sorted(slots, key=lambda k: (k[1], k[2], k[3], lane_order[k[0]]))
        for key in keys:
            members = sorted(slots[key], key=weight)
            stack: list[str] = []
            for node_id in members:
                stack.append(node_id)
                stack += self.exits.get(node_id, [])
            stacks[key] = stack
            for row, node_id in enumerate(stack):
                where[node_id] = (lane_order[key[0]], key[2] * 10 + row)
            lane, phase, block, _ = key
            depth[(lane, phase, block)] = max(depth[(lane, phase, block)], len(stack))
        for key, stack in stacks.items():
            lane, phase, block, _ = key
            offset = sum(depth[(lane, phase, b)] for b in range(block))
            for row, node_id in enumerate(stack):
                row_of[node_id] = offset + row

        positions: dict[str, tuple[float, float]] = {}
        heights: dict[str, float] = {}
        for lane in process.lanes:
            members = [n.id for n in process.nodes if self.lane_of[n.id] == lane.id
                       and n.id in row_of]
            rows = max((row_of[n] for n in members), default=0) + 1
            above = [0.0] * rows
            below = [0.0] * rows
            for node_id in members:
                kind = self.nodes[node_id].kind
                above[row_of[node_id]] = max(above[row_of[node_id]], extent_above(kind))
                below[row_of[node_id]] = max(below[row_of[node_id]], extent_below(kind))
            ys: list[float] = []
            y = LANE_TOP
            for row in range(rows):
                reach_up = above[row] or extent_above("task")
                y = y + reach_up if row == 0 else y + ROW_GAP + reach_up
                ys.append(y)
                y += below[row] or extent_below("task")
            heights[lane.id] = float(math.ceil(y + LANE_BOTTOM))
            for node_id in members:
                phase = self.phase_of[node_id]
                column = blocks[node_id][1] if node_id in blocks else \
                    blocks[self.side_exit[node_id]][1]
                cx = lefts[phase] + FIRST_COLUMN + column * pitch
                # whole pixels: a click can put a node there, and files diff cleanly
                positions[node_id] = (float(round(cx)), float(round(ys[row_of[node_id]])))
        width = HEADER_WIDTH + content
        height = sum(heights.values()) + (PHASE_HEADER_HEIGHT if process.phases else 0.0)
        return Layout(positions, heights), width, height


def auto_layout(process: Process, aspect: float | None = None) -> Layout:
    """A compact layout whose bounding box approaches ``aspect`` (width / height; default:
    a 16:10 screen; see :data:`ASPECTS`)."""
    if not process.lanes:
        return Layout({}, {})
    target = aspect if aspect and aspect > 0 else DEFAULT_ASPECT
    plan = _Plan(process)

    def fit(width: float, height: float) -> float:
        """The height of the target-shaped box the diagram needs: smaller reads larger."""
        return max(width / target, height)

    def best_pitch(current: list[int]) -> tuple[Layout, float, float]:
        layout, width, height = plan.place(current, COLUMN_WIDTH)
        wanted = target * height  # the width that would hit the target
        fixed = width - sum(current) * COLUMN_WIDTH
        columns = max(sum(current), 1)
        pitch = min(max((wanted - fixed) / columns, COLUMN_WIDTH * MIN_PITCH),
                    COLUMN_WIDTH * MAX_PITCH)
        if abs(pitch - COLUMN_WIDTH) < 1.0:
            return layout, width, height
        return plan.place(current, round(pitch, 1))

    def wraps(widths: list[int]) -> int:
        return sum(math.ceil(steps / w) - 1 for steps, w in zip(plan.phase_steps, widths,
                                                                  strict=True) if w)

    def score(widths: list[int], placed: tuple[Layout, float, float]) -> float:
        # every extra row of a wrapped phase must pay for itself: wraps are harder to read
        return fit(placed[1], placed[2]) * (1.0 + WRAP_COST * wraps(widths))

    def narrower(widths: list[int], phase: int) -> list[int] | None:
        """``widths`` with more rows for ``phase``: the first that ends no row on a stack
        (None if there is none)."""
        result = list(widths)
        while result[phase] > 1:
            steps = plan.phase_steps[phase]
            blocks = math.ceil(steps / result[phase]) + 1
            result[phase] = min(result[phase] - 1, math.ceil(steps / blocks))
            plan.place(result, COLUMN_WIDTH)
            if not plan.bad_breaks:
                return result
        return None

    current = [max(steps, 0) for steps in plan.phase_steps]
    best = best_pitch(current)
    best_score = score(current, best)
    while True:
        _, width, height = plan.place(current, COLUMN_WIDTH)
        if width / height <= target:
            break
        options = [w for phase in range(len(current))
                   if (w := narrower(current, phase)) is not None]
        if not options:
            break
        # wrap the phase that costs the least height for the width it saves
        ranked = []
        for index, option in enumerate(options):
            _, w, h = plan.place(option, COLUMN_WIDTH)
            ranked.append((round(fit(w, h), 3), index))
        current = options[min(ranked)[1]]
        candidate = best_pitch(current)
        candidate_score = score(current, candidate)
        if candidate_score < best_score - 1e-6:
            best, best_score = candidate, candidate_score
    return best[0]


def needs_layout(process: Process) -> bool:
    """True when some node has no position (an imported or hand-written file)."""
    return any(node.pos is None for node in process.nodes)


def apply_layout(process: Process, layout: Layout) -> None:
    """Write a layout into the process through its mutators (not undoable: for loading)."""
    for node_id, pos in layout.positions.items():
        process.edit.move_node(node_id, pos)
    for lane_id, height in layout.lane_heights.items():
        process.edit.set_value(f"lanes.{lane_id}.height", height)
