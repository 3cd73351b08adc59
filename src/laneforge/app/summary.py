"""A readable plain-text summary of a process: lanes, nodes, SLAs, scenarios, validation."""

from __future__ import annotations

from ..model import (
    CadenceNode,
    DelayNode,
    EndNode,
    Problem,
    Process,
    SourceNode,
    TaskNode,
    describe_hours,
    mean_hours,
)
from ..model.touches import Touch


def _arrivals_text(node: SourceNode) -> str:
    parts = []
    for arrival in node.arrival_list():
        if hasattr(arrival, "rate"):
            profile = " (weekday profile)" if arrival.profile else ""
            parts.append(f"{arrival.rate}{profile}")
        elif hasattr(arrival, "interarrival"):
            parts.append(f"every {describe_hours(float(arrival.interarrival.mean))} on average")
        else:
            every = f" every {arrival.every}" if arrival.every else " once"
            parts.append(f"batch of {arrival.batch} at {arrival.first}{every}")
    return ", ".join(parts) or "no arrivals"


def _touch_text(touch: Touch) -> str:
    text = f"touch on {touch.channel}"
    extras = [f"engagement +{touch.weight:g}" if touch.weight else "",
              f"cost {touch.cost:g}" if touch.cost else "",
              f"{touch.response_rate:.0%} respond" if touch.response_rate else ""]
    if any(extras):
        text += " (" + ", ".join(e for e in extras if e) + ")"
    return text


def _node_detail(process: Process, node: object) -> str:
    if isinstance(node, SourceNode):
        text = _arrivals_text(node)
        if node.channel is not None:
            text += f"; channel {node.channel}"
            if node.touch_weight:
                text += f" (engagement +{node.touch_weight:g})"
        return text
    if isinstance(node, CadenceNode):
        text = f"every {node.every} × {node.times}, {_touch_text(node.touch)}"
        return text + (f", until {node.until}" if node.until else "")
    if isinstance(node, TaskNode):
        text = f"mean {describe_hours(mean_hours(node.duration))}" if node.duration else "no time"
        if node.staff > 1:
            text += f", {node.staff} staff"
        if node.touch is not None:
            text += f"; {_touch_text(node.touch)}"
        return text
    if isinstance(node, DelayNode):
        return f"wait {describe_hours(mean_hours(node.duration))}" if node.duration else ""
    if isinstance(node, EndNode):
        return f"outcome {node.outcome}"
    branches = process.outgoing(node.id)  # type: ignore[attr-defined]
    labels = []
    for edge in branches:
        if edge.probability is not None:
            labels.append(f"{edge.probability:.0%} {edge.label or edge.target}")
        elif edge.when is not None:
            labels.append(f"if {edge.when}")
        elif edge.default:
            labels.append(f"else {edge.label or edge.target}")
    return "; ".join(labels)


def summarize(process: Process, problems: list[Problem], *, title: str | None = None) -> str:
    """Lines a person can read in a terminal."""
    lines: list[str] = []
    heading = title or process.name
    lines += [heading, "=" * len(heading)]
    if process.description:
        first = process.description.split(". ")[0].rstrip(".")
        lines.append(first + ".")
    sim = process.simulation
    lines.append(
        f"Simulation: horizon {sim.horizon}, warm-up {sim.warmup}, "
        f"{sim.replications} replications, seed {sim.seed}; "
        f"starts {process.start:%a %Y-%m-%d %H:%M}"
        + (f" {sim.timezone}" if sim.timezone else "")
    )
    if process.stages:
        lines.append("Stages: " + " -> ".join(process.stages))
    lines.append("")
    lines.append(f"Lanes ({len(process.lanes)})")
    for lane in process.lanes:
        staff = "no staff limit" if lane.staff is None else f"staff {lane.staff}"
        extras = [staff]
        if lane.calendar:
            extras.append(f"calendar {lane.calendar}")
        if lane.cost_per_hour is not None:
            extras.append(f"{lane.cost_per_hour:g}/h")
        lines.append(f"  {lane.label:<22} {', '.join(extras)}")
        for node in process.nodes_in_lane(lane.id):
            stage = f" [{node.stage}]" if node.stage else ""
            detail = _node_detail(process, node)
            lines.append(f"    {node.kind:<8} {node.label:<30}{stage} {detail}".rstrip())
    orphans = [n for n in process.nodes if not process.has_lane(n.lane)]
    for node in orphans:
        lines.append(f"    {node.kind:<8} {node.label} (lane {node.lane!r} is missing)")
    lines.append(f"Edges: {len(process.edges)}")
    if process.slas:
        lines.append("")
        lines.append(f"SLAs ({len(process.slas)})")
        for sla in process.slas:
            lines.append(
                f"  {sla.label}: {sla.source} -> {sla.target} "
                f"within {sla.within} ({sla.clock} clock)"
            )
    if process.scenarios:
        lines.append("")
        lines.append(f"Scenarios ({len(process.scenarios)})")
        for scenario in process.scenarios:
            lines.append(f"  {scenario.name}: {len(scenario.changes)} change(s)")
    lines.append("")
    lines.extend(validation_lines(problems))
    return "\n".join(lines)


def validation_lines(problems: list[Problem]) -> list[str]:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if not problems:
        return ["Validation: no problems; ready to simulate."]
    head = f"Validation: {len(errors)} error(s), {len(warnings)} warning(s)"
    return [head, *(f"  {p}" for p in problems)]
