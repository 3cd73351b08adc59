"""What one replication returns: typed per-replication figures, before aggregation.

The engine fills a :class:`ReplicationRecord` at the end of a run; ``aggregate`` turns a list
of them into :class:`~laneforge.sim.results.Results`. Figures are plain numbers (hours,
counts), so a record pickles cheaply back from a pool worker. The outcome log is filled only
when asked for (``outcome_log=True``): an ordinary run keeps no per-lead rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .rosters import RosterTimeline, person_hours
from .stats import LogHistogram

if TYPE_CHECKING:
    from .cadences import CadenceRecord
    from .engine import Population, Replication
    from .touching import TouchRecord


@dataclass(slots=True)
class NodeRecord:
    """One node's figures; waits and service are means over the leads that started work."""

    visits: int
    wait_hours: float
    #: the part of the wait inside the lane's working hours
    working_wait_hours: float
    service_hours: float
    started: int
    queue_max: int
    queue_end: int


@dataclass(slots=True)
class LaneRecord:
    """One lane's figures over the measured window."""

    busy_hours: float
    #: staff-hours (rostered person-hours for a lane with a roster) in working time
    available_hours: float
    utilization: float | None
    queue_mean: float
    cost: float
    #: queue length at each work-in-progress sample
    queue_series: list[int]


@dataclass(slots=True)
class SLARecord:
    checked: int
    breached: int
    breach_rate: float


@dataclass(slots=True)
class CycleRecord:
    """Cycle times of the leads counted (created after the warm-up) that reached an end."""

    mean: float
    p50: float
    p90: float
    n: int
    histogram: LogHistogram


@dataclass(slots=True)
class DataQualityRecord:
    """Stale contact data in one replication (see sim/validity.py)."""

    contacts: dict[str, int]
    wasted: dict[str, int]
    wasted_hours: float
    wasted_cost: float
    cleansed_by_steps: int
    cleansed_by_batch: int
    #: the batch's cost per record, plus the cleansing steps' staff time and own cost
    cleansing_cost: float
    #: the batch's part of it (not in any lane's cost: added to the total)
    batch_cost: float


@dataclass(frozen=True, slots=True)
class OutcomeEvent:
    """One lead reaching an outcome (``outcome_log=True`` only).

    ``time`` is hours after the run's start (the snapshot's ``as_of`` for a run that starts
    from one); ``source`` the id of the source node the lead came from (None when a snapshot
    item did not say); ``amount`` the lead's amount attribute (None when it has none)."""

    time: float
    outcome: str
    from_snapshot: bool
    source: str | None
    amount: float | None
    #: the snapshot item's id, or None for a lead created in the run
    item: str | None = None


@dataclass(slots=True)
class ReplicationRecord:
    """Everything one replication measured (see DESIGN.md's results for the meanings)."""

    replication: int
    end_time: float
    #: leads created after the warm-up (snapshot items are not counted here: see ``placed``)
    leads: int
    created: int
    open_at_end: int
    stuck: int
    #: events scheduled in the run (SimPy numbers them): for events per second
    events: int
    outcomes: dict[str, int]
    stages: dict[str, int]
    cycle: CycleRecord
    nodes: dict[str, NodeRecord]
    lanes: dict[str, LaneRecord]
    slas: dict[str, SLARecord]
    wip_series: list[int]
    wip_step: float
    #: open items of a snapshot put in place at the start (``start_from``)
    placed: int = 0
    #: every outcome reached, in time order (``outcome_log=True``), else None
    outcome_log: list[OutcomeEvent] | None = None
    #: stale contact data (a process with ``data_quality``), else None
    data_quality: DataQualityRecord | None = None
    #: figures per channel of a process with touches, else None
    touches: TouchRecord | None = None
    #: figures per cadence node (``sim/cadences.py``); empty without cadences
    cadences: dict[str, CadenceRecord] = field(default_factory=dict)


def assemble_record(rep: Replication, end_time: float, population: Population,
                    ) -> ReplicationRecord:
    """The record of a finished replication, from its state (``settle`` has run)."""
    c, nodes, window = rep.c, rep.nodes, rep.horizon - rep.warmup
    busy, timelines = rep.busy, rep.timelines
    available = []
    for lane_index, lane in enumerate(c.lanes):
        line = timelines[lane_index]
        if isinstance(line, RosterTimeline):  # rostered person-hours
            available.append(person_hours(line, rep.warmup, rep.horizon))
            continue
        hours = line.worked(rep.warmup, rep.horizon) if line is not None else window
        available.append(hours * lane.staff if lane.staff is not None else 0.0)
    costs = []
    for lane_index, lane in enumerate(c.lanes):
        paid = available[lane_index] if lane.staff is not None else busy[lane_index]
        costs.append(paid * lane.cost_per_hour + rep.exec_cost[lane_index])
    wait_n, cycle = rep.wait_n, rep.cycle
    return ReplicationRecord(
        replication=rep.replication,
        end_time=end_time,
        leads=population.counted,
        created=population.created,
        open_at_end=population.wip,
        stuck=population.stuck,
        events=next(rep.eid),
        outcomes=dict(zip(c.outcomes, rep.outcome_counts, strict=True)),
        stages=dict(zip(c.stages, rep.stage_counts, strict=True)),
        cycle=CycleRecord(mean=cycle.mean, p50=cycle.quantile(0.5), p90=cycle.quantile(0.9),
                          n=cycle.n, histogram=cycle),
        nodes={
            node.id: NodeRecord(
                visits=rep.visits[i],
                wait_hours=rep.wait_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                working_wait_hours=rep.busy_wait_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                service_hours=rep.service_sum[i] / wait_n[i] if wait_n[i] else 0.0,
                started=wait_n[i],
                queue_max=rep.node_qmax[i],
                queue_end=rep.node_q[i],
            )
            for i, node in enumerate(nodes)
        },
        lanes={
            lane.id: LaneRecord(
                busy_hours=busy[i],
                available_hours=available[i],
                utilization=(busy[i] / available[i]) if available[i] else None,
                queue_mean=rep.q_area[i] / window,
                cost=costs[i],
                queue_series=rep.lane_q_series[i],
            )
            for i, lane in enumerate(c.lanes)
        },
        slas={
            sla.id: SLARecord(
                checked=rep.sla_checked[i],
                breached=rep.sla_breached[i],
                breach_rate=rep.sla_breached[i] / rep.sla_checked[i]
                if rep.sla_checked[i] else 0.0,
            )
            for i, sla in enumerate(c.slas)
        },
        wip_series=rep.wip_series,
        wip_step=rep.wip_step,
        placed=population.placed,
        outcome_log=population.log,
        data_quality=_data_quality(rep),
        touches=rep.touch_book.record() if rep.touch_book is not None else None,
        cadences=dict(rep.cadences),
    )


def _data_quality(rep: Replication) -> DataQualityRecord | None:
    """Contacts and cleansing by node; a wasted contact's hours are the contact step's mean
    service (whether a record is stale does not depend on how long the call takes)."""
    tally = rep.validity
    if tally is None:
        return None
    c, wait_n = rep.c, rep.wait_n
    wasted_hours = wasted_cost = step_cost = 0.0
    contacts: dict[str, int] = {}
    wasted: dict[str, int] = {}
    for node in c.nodes:
        i = node.index
        hours = rep.service_sum[i] / wait_n[i] if wait_n[i] else 0.0
        rate = c.lanes[node.lane].cost_per_hour
        if node.contact:
            contacts[node.id], wasted[node.id] = tally.contacts[i], tally.wasted[i]
            lost = tally.wasted[i] * hours * node.units
            wasted_hours += lost
            wasted_cost += lost * rate + tally.wasted[i] * node.cost
        if node.cleanse:
            step_cost += tally.cleansed[i] * (hours * node.units * rate + node.cost)
    return DataQualityRecord(
        contacts=contacts, wasted=wasted, wasted_hours=wasted_hours, wasted_cost=wasted_cost,
        cleansed_by_steps=sum(tally.cleansed), cleansed_by_batch=tally.batch_records,
        cleansing_cost=tally.batch_cost + step_cost, batch_cost=tally.batch_cost)
