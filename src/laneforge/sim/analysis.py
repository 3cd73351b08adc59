"""What holds leads back, in sentences a manager understands; and what to be careful about.

One rule says what a bottleneck is (:data:`RULE`, :func:`bottleneck_lanes`): a lane is one
when its utilization, the working-hours wait before one of its tasks, or the misses of an
SLA that ends at one of its tasks crosses a stated threshold, or when it cannot keep up.
The results dock, the lane table, the text report and the slides all use that one list.
Bottlenecks are ranked by severity, then by the waiting they cause (lead-hours spent
waiting for their tasks per week). A lane whose work arrives faster than its staff can do
it, or whose queue keeps growing to the end of the run, is called unstable and reported
plainly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from ..model import describe_hours
from .compiled import TASK, Compiled

if TYPE_CHECKING:
    from .capacity import CapacityEstimate
    from .record import ReplicationRecord
    from .results import Bottleneck, Results

#: a lane at or above this utilization is a bottleneck even if waits are still short
BUSY = 0.80
#: a mean wait in working hours at or above this before one of its tasks makes a lane a
#: bottleneck at any utilization (waiting for a free person, not for the team to come in)
LONG_WAIT = 2.0
#: an SLA ending at one of the lane's tasks missed this often makes the lane a bottleneck
SLA_MISS = 0.10
RULE = (f"A lane is a bottleneck when its utilization is {BUSY:.0%} or more, when leads "
        f"wait {LONG_WAIT:g} working hours or more on average before one of its tasks, "
        f"when {SLA_MISS:.0%} or more miss an SLA that ends at one of its tasks, or when "
        "work arrives faster than its staff can do it.").replace("%", " %")
#: stage names that read well in the plural ("MQLs wait", "Customers wait")
COUNTABLE = {"lead", "customer", "opportunity", "contact", "prospect", "account", "deal"}
SUGGESTED_UTILIZATION = 0.85


def pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _plural(word: str) -> str:
    if word.isupper():
        return word + "s"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


def _who_waits(c: Compiled, task_index: int) -> str:
    """'MQLs' when leads on their way to this task have reached stage MQL, else 'leads'.

    The stage is the furthest one along the shortest path from a source, so loops back to
    earlier steps (nurture, recycling) do not make a scoring task look like a sales step.
    """
    if not c.stages:
        return "leads"
    graph = nx.DiGraph()
    for node in c.nodes:
        graph.add_node(node.index)
        for target in node.successors:
            graph.add_edge(node.index, target)
    best_path: list[int] | None = None
    for source in c.sources:
        try:
            path = nx.shortest_path(graph, source, task_index)
        except nx.NetworkXNoPath:
            continue
        if best_path is None or len(path) < len(best_path):
            best_path = path
    stages = [c.nodes[i].stage for i in best_path or [task_index]]
    best = max(stages)
    if best < 0:
        return "leads"
    stage = c.stages[best]
    if stage.isupper() or stage.lower() in COUNTABLE:
        return _plural(stage)
    return f"leads at {stage}"


def _unstable(c: Compiled, results: Results, estimate: CapacityEstimate | None) -> dict[str, str]:
    """lane id -> why it cannot keep up."""
    found: dict[str, str] = {}
    for lane in c.lanes:
        if lane.staff is None:
            continue
        load = estimate.lane(lane.id) if estimate else None
        series = results.lane_queues.get(lane.id)
        growing = False
        last = 0.0
        if series and series.mean:
            step = series.step_hours
            inside = [q for i, q in enumerate(series.mean) if c.warmup <= i * step <= c.horizon]
            if len(inside) >= 20:
                tenth = max(len(inside) // 10, 1)
                middle = inside[len(inside) * 4 // 10: len(inside) * 6 // 10]
                last = sum(inside[-tenth:]) / tenth
                mid = sum(middle) / len(middle)
                util = results.lanes[lane.id].utilization
                growing = last > 2 * mid + max(lane.staff, 1) and bool(util and util.mean >= 0.9)
        over = load is not None and load.utilization is not None and load.utilization >= 1.0
        if over or growing:
            parts = []
            if load is not None and load.utilization is not None:
                parts.append(f"work arrives at {pct(load.utilization)} of its capacity")
            if growing:
                parts.append(f"its queue grew to {last:.0f} leads by the end of the run")
            found[lane.id] = (
                f"{lane.name} cannot keep up: " + " and ".join(parts)
                + ". Waits grow without limit, so a longer run shows longer waits."
            )
    return found


def bottleneck_lanes(results: Results, unstable: set[str] | frozenset[str] = frozenset(),
                     ) -> dict[str, list[str]]:
    """A lane is a bottleneck when its utilization is 80 % or more, when leads wait 2
    working hours or more on average before one of its tasks, when 10 % or more miss an
    SLA that ends at one of its tasks, or when it cannot keep up.

    Returns lane id -> the criteria it meets ("utilization", "wait", "sla", "unstable"),
    only for lanes that meet one; computed from the results alone, so the lane table and
    the SLA table show the very numbers that decided it.
    """
    node_lanes = results.labels.get("node_lanes", {})
    sla_lanes = results.labels.get("sla_lanes", {})
    found: dict[str, list[str]] = {}
    for lane_id, lane in results.lanes.items():
        criteria = []
        if lane.utilization is not None and lane.utilization.mean >= BUSY:
            criteria.append("utilization")
        if any(node_lanes.get(node_id) == lane_id and node.visits.mean
               and node.working_wait_hours.mean >= LONG_WAIT
               for node_id, node in results.nodes.items()):
            criteria.append("wait")
        if any(sla_lanes.get(sla_id) == lane_id and sla.checked.mean
               and sla.breach_rate.mean >= SLA_MISS for sla_id, sla in results.slas.items()):
            criteria.append("sla")
        if lane_id in unstable:
            criteria.append("unstable")
        if criteria:
            found[lane_id] = criteria
    return found


def find_bottlenecks(
    c: Compiled, results: Results, estimate: CapacityEstimate | None
) -> list[Bottleneck]:
    from .results import Bottleneck

    weeks = (c.horizon - c.warmup) / 168.0
    unstable = _unstable(c, results, estimate)
    flagged = bottleneck_lanes(results, set(unstable))
    found: list[Bottleneck] = []
    for lane in c.lanes:
        if lane.id not in flagged:
            continue
        lane_result = results.lanes[lane.id]
        util = lane_result.utilization.mean if lane_result.utilization else 0.0
        tasks = [n for n in c.nodes if n.kind == TASK and n.lane == lane.index
                 and results.nodes[n.id].visits.mean]
        if not tasks:
            tasks = [n for n in c.nodes if n.lane == lane.index]
        if not tasks:
            continue
        # rank by waiting for a free person (inside working hours), not for the team to
        # come in in the morning: a calendar alone does not make a bottleneck
        waiting = {
            n.index: results.nodes[n.id].visits.mean * results.nodes[n.id].working_wait_hours.mean
            for n in tasks
        }
        worst = max(tasks, key=lambda n: waiting[n.index])
        wait = results.nodes[worst.id].wait_hours.mean
        working = results.nodes[worst.id].working_wait_hours.mean
        load_text = (f"{lane.name} runs at {pct(util)} of capacity" if lane_result.utilization
                     else f"{lane.name} has no staff limit")
        sentence = (
            f"{load_text}; "
            f"{_who_waits(c, worst.index)} wait {describe_hours(wait)} on average "
            f"for \u201c{worst.name}\u201d"
        )
        if lane.calendar is not None and wait - working >= 0.5:
            sentence += f" ({describe_hours(working)} of it in working hours)"
        breaches = [
            (results.slas[s.id].breach_rate.mean, s) for s in c.slas
            if c.nodes[s.target].lane == lane.index and results.slas[s.id].checked.mean
        ]
        worst_breach = 0.0
        if breaches:
            worst_breach, sla = max(breaches, key=lambda b: b[0])
            if worst_breach >= 0.01:
                sentence += f" and {pct(worst_breach)} miss \u201c{sla.name}\u201d"
        sentence += "."
        load = estimate.lane(lane.id) if estimate else None
        if load is not None and load.staff:
            needed = load.staff_needed(SUGGESTED_UTILIZATION)
            if needed > load.staff:
                extra = needed - load.staff
                sentence += (
                    f" About {extra} more {'person' if extra == 1 else 'people'} would bring "
                    f"it to {pct(load.offered_staff / needed)}."
                )
        if lane.id in unstable:
            sentence += " " + unstable[lane.id]
        severity = (
            "critical" if lane.id in unstable or util >= 0.95
            else "high" if util >= 0.85 or worst_breach >= SLA_MISS or working >= 8.0
            else "moderate"
        )
        found.append(Bottleneck(
            lane=lane.id, node=worst.id, utilization=util if lane_result.utilization else None,
            wait_hours=wait, reason=sentence,
            lead_hours_waiting_per_week=sum(waiting.values()) / weeks if weeks else 0.0,
            severity=severity,
        ))
    rank = {"critical": 0, "high": 1, "moderate": 2}
    found.sort(key=lambda b: (rank[b.severity], -b.lead_hours_waiting_per_week))
    return found


def find_warnings(
    c: Compiled, results: Results, reps: list[ReplicationRecord],
    estimate: CapacityEstimate | None,
) -> list[str]:
    warnings = list(_unstable(c, results, estimate).values())
    stuck = sum(r.stuck for r in reps) / len(reps)
    if stuck:
        limits = sorted({n.max_visits for n in c.nodes if n.loop})
        warnings.append(
            f"{stuck:.0f} leads per replication went round a loop more than "
            f"{limits[0] if limits else 100} times and ended as 'stuck'; check the loop's exit."
        )
    if results.open_at_end.mean > 0.01 * max(results.leads.mean, 1.0):
        warnings.append(
            f"On average {results.open_at_end.mean:.0f} leads were still open when the drain "
            f"limit ({describe_hours(c.drain)} after the horizon) passed; they have no outcome "
            "and count as work in progress."
        )
    if len(reps) == 1:
        warnings.append(
            "A single replication has no confidence interval; run 10 or more to tell real "
            "differences from noise."
        )
    for sla in c.slas:
        if not results.slas[sla.id].checked.mean:
            warnings.append(f"\u201c{sla.name}\u201d was never checked: no lead went from "
                            f"{c.nodes[sla.source].name!r} to {c.nodes[sla.target].name!r}.")
    busy = [ln for ln in c.lanes if ln.staff is not None
            and (u := results.lanes[ln.id].utilization) is not None and u.mean >= BUSY]
    if c.warmup == 0 and busy:
        warnings.append(
            "No warm-up: the run starts with empty queues, so the first weeks understate "
            "waits in busy lanes; a warm-up of a few weeks gives steadier figures."
        )
    if estimate is not None:
        late = [load for load in estimate.lanes if load.staff and load.first_reached_hours
                and load.first_reached_hours > c.warmup]
        if late:
            slowest = max(late, key=lambda load: load.first_reached_hours or 0.0)
            names = ", ".join(load.name for load in late)
            warnings.append(
                f"Leads take about {describe_hours(slowest.first_reached_hours or 0.0)} to reach "
                f"{slowest.name}, longer than the warm-up ({describe_hours(c.warmup)}): the "
                f"figures of {names} include weeks of filling up and understate their load. "
                "A longer warm-up gives steadier figures."
            )
    if results.leads.mean == 0:
        warnings.append("No lead was created in the measured window; check the sources' "
                        "arrivals and the horizon.")
    return warnings
