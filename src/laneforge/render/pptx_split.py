"""Where a diagram is cut across slides: runs of phase columns, or of node columns.

A slide shows every lane over a stretch of the diagram's width. With phases the stretches
are runs of consecutive phase columns; without, runs of node columns (nodes whose centres
line up), cut half way between two columns. Each run is as wide as a slide can show at the
scale where the text fits its shapes; the runs are balanced so no slide is much fuller than
another. Pure Python on the diagram geometry (no Qt, no python-pptx).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..model import Process
from ..model.geometry import Diagram, NodeBox

#: centres closer than this (scene px) are one column
COLUMN_TOLERANCE = 40.0
#: room kept around a phase's nodes (scene px)
PHASE_PADDING = 16.0
DEFAULT_PHASE_WIDTH = 190.0


@dataclass(frozen=True)
class Column:
    """A stretch of the diagram's width: a phase, or a column of nodes."""

    left: float
    right: float
    phase: str | None = None  # the phase id when the process has phases
    label: str = ""

    @property
    def width(self) -> float:
        return self.right - self.left


@dataclass
class SlideRun:
    """The part of the diagram one slide shows: ``left`` to ``right`` of every lane."""

    index: int
    left: float
    right: float
    columns: list[Column]
    nodes: set[str] = field(default_factory=set)

    @property
    def width(self) -> float:
        return self.right - self.left


def _x_extent(box: NodeBox) -> tuple[float, float]:
    return box.bounds.left, box.bounds.right


def node_columns(diagram: Diagram) -> list[Column]:
    """The node columns, left to right, each reaching half way to its neighbours; the first
    starts at the lanes' left edge (x = 0), the last ends at their right edge."""
    boxes = sorted(diagram.nodes.values(), key=lambda b: b.cx)
    groups: list[list[NodeBox]] = []
    for box in boxes:
        if groups and box.cx - groups[-1][-1].cx <= COLUMN_TOLERANCE:
            groups[-1].append(box)
        else:
            groups.append([box])
    if not groups:
        return [Column(0.0, diagram.width)]
    extents = [(min(_x_extent(b)[0] for b in g), max(_x_extent(b)[1] for b in g))
               for g in groups]
    return _contiguous(extents, diagram.width, [None] * len(extents), [""] * len(extents))


def phase_columns(process: Process, diagram: Diagram) -> list[Column]:
    """The phase columns in the process's order: each spans its nodes (at least its width),
    and reaches half way to its neighbours."""
    extents: list[tuple[float, float]] = []
    previous_right = 0.0
    for phase in process.phases:
        boxes = [diagram.nodes[n.id] for n in process.nodes
                 if n.phase == phase.id and n.id in diagram.nodes]
        if boxes:
            left = min(b.bounds.left for b in boxes) - PHASE_PADDING
            right = max(b.bounds.right for b in boxes) + PHASE_PADDING
        else:
            left, right = previous_right, previous_right + (phase.width or DEFAULT_PHASE_WIDTH)
        if phase.width and right - left < phase.width:
            grow = (phase.width - (right - left)) / 2
            left, right = left - grow, right + grow
        extents.append((left, right))
        previous_right = right
    return _contiguous(extents, diagram.width, [p.id for p in process.phases],
                       [p.label for p in process.phases])


def _contiguous(extents: list[tuple[float, float]], width: float, phases: list[str | None],
                labels: list[str]) -> list[Column]:
    cuts = [min(0.0, extents[0][0])]
    for (_, right), (left, _) in itertools.pairwise(extents):
        cuts.append((right + left) / 2)
    cuts.append(max(width, extents[-1][1]))
    return [Column(cuts[i], cuts[i + 1], phases[i], labels[i]) for i in range(len(extents))]


def columns_of(process: Process, diagram: Diagram) -> list[Column]:
    """Phase columns when the process has phases, node columns otherwise."""
    return phase_columns(process, diagram) if process.phases else node_columns(diagram)


def plan_runs(process: Process, diagram: Diagram, max_width: float, *,
              first_extra: float = 0.0) -> list[SlideRun]:
    """The fewest runs of consecutive columns each at most ``max_width`` wide (the first
    ``first_extra`` wider; a column wider than that is a run of its own), balanced: the
    widest run is as narrow as it can be with that many slides."""
    columns = columns_of(process, diagram)
    count = len(_greedy(columns, max_width, first_extra))
    widest = max(c.width for c in columns)
    low, high = max(widest - first_extra, 0.0), max(max_width, widest)
    for _ in range(40):  # the narrowest limit that still needs no more runs
        middle = (low + high) / 2
        if len(_greedy(columns, middle, first_extra)) <= count:
            high = middle
        else:
            low = middle
    runs = [SlideRun(i, group[0].left, group[-1].right, group)
            for i, group in enumerate(_greedy(columns, high, first_extra))]
    phase_of = {n.id: n.phase for n in process.nodes}
    for box in diagram.nodes.values():
        run = _run_of(runs, box, phase_of.get(box.id) if process.phases else None)
        run.nodes.add(box.id)
    return runs


def _run_of(runs: list[SlideRun], box: NodeBox, phase: str | None) -> SlideRun:
    if phase is not None:
        for run in runs:
            if any(c.phase == phase for c in run.columns):
                return run
    for run in runs:
        if run.left <= box.cx < run.right:
            return run
    return runs[0] if box.cx < runs[0].left else runs[-1]


def _greedy(columns: list[Column], limit: float, first_extra: float = 0.0
            ) -> list[list[Column]]:
    groups: list[list[Column]] = []
    for column in columns:
        room = limit + (first_extra if len(groups) == 1 else 0.0)
        if groups and column.right - groups[-1][0].left <= room + 1e-6:
            groups[-1].append(column)
        else:
            groups.append([column])
    return groups
