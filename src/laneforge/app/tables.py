"""The result tables (KPIs, lanes, tasks, SLAs, outcomes, funnel) as rows, and as CSV files.

The app shows them, reports print them, and both export the same CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_write_text
from ..sim.results import Results, Stat


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[object]]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.headers)
        writer.writerows([[_cell(v) for v in row] for row in self.rows])
        return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else value


def _stat(stat: Stat | None) -> list[object]:
    if stat is None:
        return [None, None, None]
    return [stat.mean, stat.ci95[0], stat.ci95[1]]


def kpi_table(r: Results) -> Table:
    rows: list[list[object]] = [["leads", *_stat(r.leads)]]
    if r.won is not None:
        rows.append(["won deals", *_stat(r.won)])
    if r.lead_to_won is not None:
        rows.append(["lead to won (share)", *_stat(r.lead_to_won)])
    rows += [["cycle time mean (h)", *_stat(r.cycle_time_hours.mean)],
             ["cycle time p50 (h)", *_stat(r.cycle_time_hours.p50)],
             ["cycle time p90 (h)", *_stat(r.cycle_time_hours.p90)],
             ["total cost", *_stat(r.total_cost)]]
    if r.cost_per_won is not None:
        rows.append(["cost per won deal", *_stat(r.cost_per_won)])
    attainment = r.sla_attainment()
    if attainment is not None:
        rows.append(["SLA attainment (share)", attainment, None, None])
    rows.append(["open at the end", *_stat(r.open_at_end)])
    return Table("kpis", "Key figures", ["kpi", "mean", "ci95 low", "ci95 high"], rows)


def lane_table(r: Results) -> Table:
    rows = []
    for lane_id, lane in r.lanes.items():
        rows.append([r.label("lanes", lane_id), *_stat(lane.utilization),
                     lane.queue_mean.mean, lane.busy_hours.mean, lane.cost.mean])
    return Table("lanes", "Lanes", ["lane", "utilization", "ci95 low", "ci95 high",
                                    "mean queue", "busy staff-hours", "cost"], rows)


def task_table(r: Results) -> Table:
    lanes = r.labels.get("node_lanes", {})
    rows = []
    for node_id, node in r.nodes.items():
        if not node.visits.mean:
            continue
        rows.append([r.label("nodes", node_id), r.label("lanes", lanes.get(node_id, "")),
                     node.visits.mean, node.wait_hours.mean, node.working_wait_hours.mean,
                     node.service_hours.mean, node.queue_max.mean])
    return Table("tasks", "Steps", ["step", "lane", "visits", "wait (h)",
                                    "wait in working hours (h)", "service (h)",
                                    "longest queue"], rows)


def sla_table(r: Results) -> Table:
    rows = [[r.label("slas", k), s.checked.mean, s.breached.mean, *_stat(s.breach_rate)]
            for k, s in r.slas.items()]
    return Table("slas", "SLAs", ["SLA", "checked", "breached", "breach rate", "ci95 low",
                                  "ci95 high"], rows)


def outcome_table(r: Results) -> Table:
    total = sum(s.mean for s in r.outcomes.values()) or 1.0
    rows = [[name, *_stat(s), s.mean / total] for name, s in r.outcomes.items()]
    return Table("outcomes", "Outcomes", ["outcome", "mean", "ci95 low", "ci95 high", "share"],
                 rows)


def funnel_table(r: Results) -> Table:
    rows = []
    names = list(r.stages)
    for i, name in enumerate(names):
        conversion = r.conversions.get(f"{names[i - 1]}->{name}") if i else None
        rows.append([name, *_stat(r.stages[name]), conversion.mean if conversion else None])
    return Table("funnel", "Funnel", ["stage", "leads", "ci95 low", "ci95 high",
                                      "conversion from previous"], rows)


def all_tables(r: Results) -> list[Table]:
    return [kpi_table(r), outcome_table(r), funnel_table(r), lane_table(r), task_table(r),
            sla_table(r)]


def write_tables(tables: Sequence[Table], folder: Path, prefix: str = "") -> list[Path]:
    """One CSV per table in ``folder`` (each written atomically); returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = folder / f"{prefix}{table.name}.csv"
        atomic_write_text(path, table.to_csv())
        written.append(path)
    return written
