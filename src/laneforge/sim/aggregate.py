"""Combine per-replication statistics into :class:`Results` with Student-t intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .analysis import find_bottlenecks, find_warnings
from .capacity import CapacityEstimate
from .compiled import Compiled
from .record import ReplicationRecord
from .results import (
    Attribution,
    CadenceResult,
    ChannelAttribution,
    CycleTime,
    DataQualityResult,
    Histogram,
    LaneCapacity,
    LaneResult,
    NodeResult,
    Results,
    Series,
    SLAResult,
    Stat,
)
from .stats import summarize, t975

WON = "won"


def stat(values: Sequence[float | None]) -> Stat:
    """A figure over replications (one value per replication, None where it has none); the
    interval is clipped at zero: every figure here is a count, a time, money or a share."""
    return Stat.model_validate(summarize(values))


def share(values: Sequence[float | None]) -> Stat:
    """A share over replications, its interval clipped to [0, 1]."""
    return Stat.model_validate(summarize(values, upper=1.0))


def _series(rows: list[list[float]], step: float) -> Series:
    length = min((len(r) for r in rows), default=0)
    mean, lo, hi = [], [], []
    n = len(rows)
    for i in range(length):
        column = [r[i] for r in rows]
        m = math.fsum(column) / n
        if n > 1:
            sd = math.sqrt(math.fsum((x - m) ** 2 for x in column) / (n - 1))
            half = t975(n - 1) * sd / math.sqrt(n)
        else:
            half = 0.0
        mean.append(m)
        lo.append(max(0.0, m - half))
        hi.append(m + half)
    return Series(step_hours=step, mean=mean, lo=lo, hi=hi)


def _histogram(reps: list[ReplicationRecord]) -> Histogram:
    """Cycle times of all replications on shared, readable edges (leads per replication)."""
    merged = [r.cycle.histogram for r in reps]
    p99 = max((h.quantile(0.99) for h in merged if h.n), default=1.0)
    top = max(p99, 1e-3)
    # 24 bins of a round width covering up to the 99th percentile
    raw = top / 24
    magnitude = 10 ** math.floor(math.log10(raw))
    width = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    edges = [i * width for i in range(25)]
    edges.append(math.inf)
    counts = [0.0] * (len(edges) - 1)
    for h in merged:
        for i, count in enumerate(h.coarse(edges)):
            counts[i] += count / len(merged)
    return Histogram(edges=[*edges[:-1], edges[-2] + width], counts=counts)


def _data_quality(reps: list[ReplicationRecord]) -> DataQualityResult | None:
    records = [r.data_quality for r in reps]
    if any(d is None for d in records):
        return None
    dq = [d for d in records if d is not None]
    contacts = [sum(d.contacts.values()) for d in dq]
    wasted = [sum(d.wasted.values()) for d in dq]
    nodes = list(dq[0].contacts)
    return DataQualityResult(
        contacts=stat(contacts), wasted_contacts=stat(wasted),
        wasted_share=share([w / n if n else None for w, n in zip(wasted, contacts,
                                                                 strict=True)]),
        wasted_hours=stat([d.wasted_hours for d in dq]),
        wasted_cost=stat([d.wasted_cost for d in dq]),
        cleansed_by_steps=stat([d.cleansed_by_steps for d in dq]),
        cleansed_by_batch=stat([d.cleansed_by_batch for d in dq]),
        cleansing_cost=stat([d.cleansing_cost for d in dq]),
        contacts_by_node={n: stat([d.contacts[n] for d in dq]) for n in nodes},
        wasted_by_node={n: stat([d.wasted[n] for d in dq]) for n in nodes},
    )
def _attribution(reps: list[ReplicationRecord]) -> Attribution | None:
    """Leads, won deals, cost and cost per won deal per channel, by first and last touch
    (None when the process has no touches)."""
    if any(r.touches is None for r in reps):
        return None
    channels = list(reps[0].touches.channels) if reps[0].touches else []

    def side(leads: str, won: str) -> dict[str, ChannelAttribution]:
        out: dict[str, ChannelAttribution] = {}
        for channel in channels:
            rows = [r.touches.channels[channel] for r in reps if r.touches]
            ratios = [row.cost / getattr(row, won) if getattr(row, won) else None
                      for row in rows]
            out[channel] = ChannelAttribution(
                leads=stat([getattr(row, leads) for row in rows]),
                won=stat([getattr(row, won) for row in rows]),
                cost=stat([row.cost for row in rows]),
                cost_per_won=stat(ratios) if any(v is not None for v in ratios) else None,
            )
        return out

    return Attribution(first_touch=side("first_leads", "first_won"),
                       last_touch=side("last_leads", "last_won"))


def _cadences(reps: list[ReplicationRecord]) -> dict[str, CadenceResult] | None:
    """Each cadence's figures over replications (None when the process has no cadence)."""
    if not reps[0].cadences:
        return None
    fields = ("entered", "touches", "responses", "graduated", "exhausted")
    return {
        node: CadenceResult(**{name: stat([getattr(r.cadences[node], name) for r in reps])
                               for name in fields})
        for node in reps[0].cadences
    }


def aggregate(
    c: Compiled,
    reps: list[ReplicationRecord],
    *,
    scenario: str | None,
    seed: int,
    estimate: CapacityEstimate | None,
    seconds: float = 0.0,
    currency: str | None = None,
) -> Results:
    reps = sorted(reps, key=lambda r: r.replication)

    def node_stat(node_id: str, name: str) -> Stat:
        return stat([getattr(r.nodes[node_id], name) for r in reps])

    def lane_stat(lane_id: str, name: str) -> Stat:
        return stat([getattr(r.lanes[lane_id], name) for r in reps])

    def sla_stat(sla_id: str, name: str) -> Stat:
        return stat([getattr(r.slas[sla_id], name) for r in reps])

    outcomes = {name: stat([r.outcomes[name] for r in reps]) for name in c.outcomes}
    stages = {name: stat([r.stages[name] for r in reps]) for name in c.stages}
    conversions: dict[str, Stat] = {}
    for first, second in zip(c.stages, c.stages[1:], strict=False):
        values = [r.stages[second] / r.stages[first] if r.stages[first] else None
                  for r in reps]
        if any(v is not None for v in values):
            conversions[f"{first}->{second}"] = share(values)
    nodes = {
        node.id: NodeResult(
            visits=node_stat(node.id, "visits"),
            wait_hours=node_stat(node.id, "wait_hours"),
            service_hours=node_stat(node.id, "service_hours"),
            queue_max=node_stat(node.id, "queue_max"),
            working_wait_hours=node_stat(node.id, "working_wait_hours"),
        )
        for node in c.nodes
    }
    lanes = {
        lane.id: LaneResult(
            utilization=share([r.lanes[lane.id].utilization for r in reps])
            if lane.staff is not None else None,
            queue_mean=lane_stat(lane.id, "queue_mean"),
            cost=lane_stat(lane.id, "cost"),
            busy_hours=lane_stat(lane.id, "busy_hours"),
        )
        for lane in c.lanes
    }
    slas = {
        sla.id: SLAResult(
            checked=sla_stat(sla.id, "checked"),
            breached=sla_stat(sla.id, "breached"),
            breach_rate=share([r.slas[sla.id].breach_rate
                               if r.slas[sla.id].checked else None for r in reps]),
        )
        for sla in c.slas
    }
    # the cleansing batch is bought in (a data provider's refresh), not any lane's time
    total_costs = [sum(lane.cost for lane in r.lanes.values())
                   + (r.data_quality.batch_cost if r.data_quality else 0.0) for r in reps]
    has_won = WON in c.outcomes
    won = outcomes.get(WON) if has_won else None
    lead_to_won = share([r.outcomes[WON] / r.leads if r.leads else None
                         for r in reps]) if has_won else None
    cost_per_won = None
    if has_won:
        ratios = [cost / r.outcomes[WON] if r.outcomes[WON] else None
                  for cost, r in zip(total_costs, reps, strict=True)]
        cost_per_won = stat(ratios) if any(v is not None for v in ratios) else None
    results = Results(
        process=c.name,
        scenario=scenario,
        replications=len(reps),
        seed=seed,
        horizon_hours=c.horizon,
        warmup_hours=c.warmup,
        leads=stat([r.leads for r in reps]),
        outcomes=outcomes,
        stages=stages,
        conversions=conversions,
        cycle_time_hours=CycleTime(
            mean=stat([r.cycle.mean for r in reps]),
            p50=stat([r.cycle.p50 for r in reps]),
            p90=stat([r.cycle.p90 for r in reps]),
        ),
        nodes=nodes,
        lanes=lanes,
        slas=slas,
        bottlenecks=[],
        warnings=[],
        won=won,
        lead_to_won=lead_to_won,
        total_cost=stat(total_costs),
        cost_per_won=cost_per_won,
        open_at_end=stat([r.open_at_end for r in reps]),
        wip=_series([r.wip_series for r in reps], reps[0].wip_step),
        lane_queues={
            lane.id: _series([r.lanes[lane.id].queue_series for r in reps],
                             reps[0].wip_step)
            for lane in c.lanes if lane.staff is not None
        },
        cycle_histogram=_histogram(reps),
        capacity=[
            LaneCapacity(lane=load.lane, staff=load.staff, offered_staff=load.offered_staff,
                         utilization=load.utilization)
            for load in (estimate.lanes if estimate else [])
        ],
        labels={
            "nodes": {node.id: node.name for node in c.nodes},
            "lanes": {lane.id: lane.name for lane in c.lanes},
            "slas": {sla.id: sla.name for sla in c.slas},
            "node_lanes": {node.id: c.lanes[node.lane].id for node in c.nodes},
            "sla_lanes": {sla.id: c.lanes[c.nodes[sla.target].lane].id for sla in c.slas},
        },
        seconds=seconds,
        currency=currency,
    )
    results.data_quality = _data_quality(reps)
    results.attribution = _attribution(reps)
    results.cadences = _cadences(reps)
    if any(r.outcome_log is not None for r in reps):
        results.outcome_log = [r.outcome_log or [] for r in reps]
    results.placed = reps[0].placed
    results.bottlenecks = find_bottlenecks(c, results, estimate)
    results.warnings = find_warnings(c, results, reps, estimate)
    return results
