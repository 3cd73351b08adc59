"""Automatic layout: left to right by flow order, each node kept in its lane.

Columns come from the longest path from the sources after loop edges are set aside
(networkx does the graph work). Within a lane, the nodes of one column are stacked and
ordered by the height of their predecessors to avoid crossings; an end that only follows a
decision (a rejection: duplicate, disqualified) sits right below that decision instead of
taking a column of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from ..model import DecisionNode, EndNode, Process
from ..model.shapes import DEFAULT_LANE_HEIGHT, LABEL_HEIGHT

COLUMN_WIDTH = 190.0
FIRST_COLUMN = 70.0
FIRST_ROW = 78.0
ROW_HEIGHT = 112.0


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


def auto_layout(process: Process) -> Layout:
    graph = process.graph()
    sources = [n.id for n in process.sources()]
    order = sources + [n.id for n in process.nodes if n.id not in sources]
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    back = _back_edges(graph, order)
    dag.add_edges_from(e for e in graph.edges if e not in back)

    side_exit: dict[str, str] = {}  # end -> the decision it hangs under
    for node in process.nodes:
        if not isinstance(node, EndNode):
            continue
        preds = list(graph.predecessors(node.id))
        if len(preds) != 1 or not isinstance(process.node(preds[0]), DecisionNode):
            continue
        decision = preds[0]
        has_other_way = any(s != node.id for s in graph.successors(decision))
        same_lane = process.node(decision).lane == node.lane
        if has_other_way and same_lane and decision not in side_exit.values():
            side_exit[node.id] = decision

    column: dict[str, int] = {}
    for node_id in nx.topological_sort(dag):
        if node_id in side_exit:
            continue
        preds = [p for p in dag.predecessors(node_id) if p in column]
        column[node_id] = max((column[p] + 1 for p in preds), default=0)
    for end, decision in side_exit.items():
        column[end] = column.get(decision, 0)

    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    for node in process.nodes:
        if node.id not in side_exit:
            cells[(node.lane, column[node.id])].append(node.id)
    positions: dict[str, tuple[float, float]] = {}
    lane_rows: dict[str, int] = defaultdict(lambda: 1)
    lane_order = {lane.id: i for i, lane in enumerate(process.lanes)}
    for col in sorted(set(column.values())):
        for lane in process.lanes:
            members = cells.get((lane.id, col), [])

            def weight(node_id: str) -> float:
                ys = [
                    lane_order.get(process.node(p).lane, 0) * 1000 + positions[p][1]
                    for p in graph.predecessors(node_id) if p in positions
                ]
                return sum(ys) / len(ys) if ys else 0.0

            members.sort(key=weight)
            rows = list(members)
            for end, decision in side_exit.items():
                if decision in members and process.node(end).lane == lane.id:
                    rows.insert(rows.index(decision) + 1, end)
            x = FIRST_COLUMN + col * COLUMN_WIDTH
            for row, node_id in enumerate(rows):
                positions[node_id] = (x, FIRST_ROW + row * ROW_HEIGHT)
            lane_rows[lane.id] = max(lane_rows[lane.id], len(rows))
    heights = {
        lane.id: max(DEFAULT_LANE_HEIGHT,
                     FIRST_ROW + (lane_rows[lane.id] - 1) * ROW_HEIGHT + 40 + LABEL_HEIGHT)
        for lane in process.lanes
    }
    return Layout(positions, heights)


def needs_layout(process: Process) -> bool:
    """True when some node has no position (an imported or hand-written file)."""
    return any(node.pos is None for node in process.nodes)


def apply_layout(process: Process, layout: Layout) -> None:
    """Write a layout into the process through its mutators (not undoable: for loading)."""
    for node_id, pos in layout.positions.items():
        process.move_node(node_id, pos)
    for lane_id, height in layout.lane_heights.items():
        process.set_value(f"lanes.{lane_id}.height", height)
