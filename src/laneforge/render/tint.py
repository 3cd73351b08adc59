"""Results on the diagram: lanes tinted by load, tasks by wait, badges with waits and SLA misses."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor

from ..model import Process, describe_hours
from .theme import Theme

#: (upper bound, colour name, alpha, legend text); the last band has no upper bound
LOAD_BANDS = ((0.70, None, 0.0, "under 70 %"), (0.85, "warning", 0.10, "70–85 %"),
              (0.95, "warning", 0.22, "85–95 %"), (None, "error", 0.20, "95 % and over"))
WAIT_BANDS = ((0.25, None, 0.0, "under 15 min"), (2.0, "warning", 0.18, "15 min–2 h"),
              (8.0, "warning", 0.38, "2–8 h"), (None, "error", 0.30, "8 h and over"))


def _band(value: float, bands: tuple) -> tuple:  # type: ignore[type-arg]
    for band in bands:
        if band[0] is None or value < band[0]:
            return band
    return bands[-1]


def _color(theme: Theme, band: tuple) -> QColor | None:  # type: ignore[type-arg]
    _, name, alpha, _ = band
    if name is None:
        return None
    return theme.color(name, alpha)


def decorations(results: Any, process: Process, theme: Theme
                ) -> tuple[dict[str, dict[str, Any]], dict[str, QColor]]:
    """Node extras (tint, badges) and lane tints for a run (a sim ``Results``), for the canvas
    and the exports."""
    nodes: dict[str, dict[str, Any]] = {}
    for node in process.nodes:
        result = results.nodes.get(node.id)
        if result is None or node.kind != "task" or not result.visits.mean:
            continue
        wait = result.wait_hours.mean
        badges = [f"wait {describe_hours(wait)}"] if wait >= 1 / 60 else []
        for sla in process.slas:
            sla_result = results.slas.get(sla.id)
            if sla.target == node.id and sla_result is not None and sla_result.checked.mean:
                badges.append(f"{sla_result.breach_rate.mean * 100:.0f} % miss "
                              f"{sla.within}")
        # tint by the wait for a free person (in working hours), not for the morning
        working = getattr(result, "working_wait_hours", result.wait_hours).mean
        nodes[node.id] = {"tint": _color(theme, _band(working, WAIT_BANDS)), "badges": badges}
    lanes: dict[str, QColor] = {}
    for lane_id, lane in results.lanes.items():
        if lane.utilization is None:
            continue
        color = _color(theme, _band(lane.utilization.mean, LOAD_BANDS))
        if color is not None:
            lanes[lane_id] = color
    return nodes, lanes


def legend(theme: Theme) -> list[tuple[QColor, str]]:
    """Swatches and texts for the canvas legend."""
    entries: list[tuple[QColor, str]] = []
    for title, bands in (("Lane load", LOAD_BANDS),
                         ("Wait at a task (working hours)", WAIT_BANDS)):
        entries.append((QColor(0, 0, 0, 0), title))
        for band in bands:
            color = _color(theme, band) or theme.color("node_fill")
            entries.append((color, band[3]))
    return entries
