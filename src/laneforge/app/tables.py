"""The result tables (KPIs, lanes, tasks, SLAs, outcomes, funnel, and for a process with
touches the attribution by channel, with cadences their figures) as rows, and as CSV files.

The app shows them, reports print them, and both export the same CSV. A number in a table
is a :class:`Value` that knows its kind, so the app and reports show it exactly as the KPI
tiles do (shares as %, durations in the tiles' unit, money with the process's currency);
a 95 % interval is one :class:`Interval` cell ("a–b"). The CSV keeps the raw numbers
(hours, shares 0-1), each interval as a low and a high column, and says the unit in the
header (or in a unit column where the rows differ).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..io import atomic_write_text
from ..model.currency import format_figure, resolve
from ..sim.analysis import bottleneck_lanes
from ..sim.results import Results, Stat

#: what a CSV header says of the raw number of each kind
CSV_UNITS = {"hours": "hours", "percent": "share 0-1", "money": "money"}


@dataclass(frozen=True)
class Value:
    value: float | None
    kind: str  # "count", "hours", "percent", "money" or "number"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    kind: str


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[object]]
    currency: str | None = None
    #: a tooltip per header, where the name alone does not explain the column
    notes: dict[str, str] = field(default_factory=dict)

    def text(self, cell: object) -> str:
        """A cell as the app and reports show it, formatted like the KPI tiles."""
        if isinstance(cell, Value):
            return "" if cell.value is None else format_figure(cell.value, cell.kind,
                                                                self.currency)
        if isinstance(cell, Interval):
            return (f"{format_figure(cell.low, cell.kind, self.currency)}–"
                    f"{format_figure(cell.high, cell.kind, self.currency)}")
        return "" if cell is None else str(cell)

    def shown_rows(self) -> list[list[str]]:
        return [[self.text(cell) for cell in row] for row in self.rows]

    def _column_kinds(self, column: int) -> set[str]:
        return {cell.kind for row in self.rows for cell in row[column:column + 1]
                if isinstance(cell, Value | Interval)}

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        headers: list[str] = []
        plan: list[str] = []  # per column: "plain", "unit" (add a unit column), "interval"
        for column, name in enumerate(self.headers):
            kinds = self._column_kinds(column)
            unit = CSV_UNITS.get(next(iter(kinds)), "") if len(kinds) == 1 else ""
            if unit == "money":
                unit = resolve(self.currency)
            intervals = any(isinstance(row[column], Interval) for row in self.rows
                            if column < len(row))
            suffix = f" ({unit})" if unit else ""
            if intervals:
                headers += [f"{name} low{suffix}", f"{name} high{suffix}"]
                plan.append("interval")
            elif len(kinds) > 1:
                headers += [name, f"{name} unit"]
                plan.append("unit")
            else:
                headers.append(name + suffix)
                plan.append("plain")
        writer.writerow(headers)
        for row in self.rows:
            line: list[object] = []
            for cell, how in zip(row, plan, strict=True):
                if how == "interval":
                    line += ([_raw(cell.low), _raw(cell.high)] if isinstance(cell, Interval)
                             else ["", ""])
                elif how == "unit":
                    kind = cell.kind if isinstance(cell, Value) else ""
                    unit = resolve(self.currency) if kind == "money" else CSV_UNITS.get(
                        kind, "count" if kind == "count" else "")
                    line += [_raw(cell), unit]
                else:
                    line.append(_raw(cell))
            writer.writerow(line)
        return buffer.getvalue()


def _raw(cell: object) -> object:
    if isinstance(cell, Value):
        cell = cell.value
    if isinstance(cell, float):
        return f"{cell:.6g}"
    return "" if cell is None else cell


def _stat(stat: Stat | None, kind: str) -> list[object]:
    """The mean and its 95 % interval (blank when there is none: one replication)."""
    if stat is None:
        return [Value(None, kind), None]
    interval = Interval(stat.ci95[0], stat.ci95[1], kind) \
        if stat.ci95[0] != stat.ci95[1] else None
    return [Value(stat.mean, kind), interval]


INTERVAL = "95 % interval"


def kpi_table(r: Results) -> Table:
    """The KPI tiles' figures, named as on the tiles, plus total cost and open leads."""
    rows: list[list[object]] = [["Leads", *_stat(r.leads, "count")]]
    if r.won is not None:
        rows.append(["Won deals", *_stat(r.won, "count")])
    if r.lead_to_won is not None:
        rows.append(["Lead → won", *_stat(r.lead_to_won, "percent")])
    rows += [["Cycle time mean", *_stat(r.cycle_time_hours.mean, "hours")],
             ["Cycle time p50", *_stat(r.cycle_time_hours.p50, "hours")],
             ["Cycle time p90", *_stat(r.cycle_time_hours.p90, "hours")]]
    attainment = r.sla_attainment()
    if attainment is not None:
        rows.append(["SLA attainment", Value(attainment, "percent"), None])
    if r.cost_per_won is not None:
        rows.append(["Cost per won deal", *_stat(r.cost_per_won, "money")])
    rows += [["Total cost", *_stat(r.total_cost, "money")],
             ["Open at the end", *_stat(r.open_at_end, "count")]]
    return Table("kpis", "Key figures", ["KPI", "Mean", INTERVAL], rows, r.currency)


CRITERIA_WORDS = {"utilization": "load", "wait": "wait", "sla": "SLA misses",
                  "unstable": "cannot keep up"}


def lane_table(r: Results) -> Table:
    flagged = {b.lane: b.severity for b in r.bottlenecks}
    criteria = bottleneck_lanes(r)
    rows: list[list[object]] = []
    for lane_id, lane in r.lanes.items():
        utilization = _stat(lane.utilization, "percent") if lane.utilization is not None \
            else ["no staff limit", None]
        severity = flagged.get(lane_id)
        rows.append([r.label("lanes", lane_id), *utilization,
                     Value(lane.queue_mean.mean, "count"), Value(lane.busy_hours.mean, "count"),
                     Value(lane.cost.mean, "money"),
                     _bottleneck_cell(severity, criteria.get(lane_id, ["unstable"]))])
    return Table("lanes", "Lanes", ["Lane", "Utilization", INTERVAL, "Mean queue",
                                    "Busy staff-hours", "Cost", "Bottleneck"], rows,
                 r.currency, {"Bottleneck": bottleneck_lanes.__doc__ or ""})


def _bottleneck_cell(severity: str | None, criteria: list[str]) -> str:
    """"high: load, SLA misses": the severity and which thresholds of the rule it crossed."""
    if not severity:
        return ""
    return f"{severity}: " + ", ".join(CRITERIA_WORDS[c] for c in criteria)


def task_table(r: Results) -> Table:
    lanes = r.labels.get("node_lanes", {})
    rows: list[list[object]] = []
    for node_id, node in r.nodes.items():
        if not node.visits.mean:
            continue
        rows.append([r.label("nodes", node_id), r.label("lanes", lanes.get(node_id, "")),
                     Value(node.visits.mean, "count"), Value(node.wait_hours.mean, "hours"),
                     Value(node.working_wait_hours.mean, "hours"),
                     Value(node.service_hours.mean, "hours"),
                     Value(node.queue_max.mean, "count")])
    return Table("tasks", "Steps", ["Step", "Lane", "Visits", "Wait",
                                    "Wait in working hours", "Service time",
                                    "Longest queue"], rows, r.currency)


def sla_table(r: Results) -> Table:
    rows = [[r.label("slas", k), Value(s.checked.mean, "count"), Value(s.breached.mean, "count"),
             *_stat(s.breach_rate, "percent")]
            for k, s in r.slas.items()]
    return Table("slas", "SLAs", ["SLA", "Checked", "Breached", "Breach rate", INTERVAL],
                 rows, r.currency)


def outcome_table(r: Results) -> Table:
    total = sum(s.mean for s in r.outcomes.values()) or 1.0
    rows = [[name, *_stat(s, "count"), Value(s.mean / total, "percent")]
            for name, s in r.outcomes.items()]
    return Table("outcomes", "Outcomes", ["Outcome", "Leads", INTERVAL, "Share"], rows,
                 r.currency)


def funnel_table(r: Results) -> Table:
    rows: list[list[object]] = []
    names = list(r.stages)
    for i, name in enumerate(names):
        conversion = r.conversions.get(f"{names[i - 1]}->{name}") if i else None
        rows.append([name, *_stat(r.stages[name], "count"),
                     Value(conversion.mean if conversion else None, "percent")])
    return Table("funnel", "Funnel", ["Stage", "Leads", INTERVAL,
                                      "Conversion from previous"], rows, r.currency)


def data_quality_table(r: Results) -> Table | None:
    """Stale contact data: contacts wasted on out-of-date records and what cleansing cost
    (None for a process without data quality)."""
    dq = r.data_quality
    if dq is None:
        return None
    rows: list[list[object]] = [
        ["Contacts", *_stat(dq.contacts, "count")],
        ["Contacts to stale records", *_stat(dq.wasted_contacts, "count")],
        ["Share of contacts wasted", *_stat(dq.wasted_share, "percent")],
        ["Staff-hours wasted", *_stat(dq.wasted_hours, "count")],
        ["Cost of wasted contacts", *_stat(dq.wasted_cost, "money")],
        ["Records cleansed by steps", *_stat(dq.cleansed_by_steps, "count")],
        ["Records cleansed by the batch", *_stat(dq.cleansed_by_batch, "count")],
        ["Cleansing cost", *_stat(dq.cleansing_cost, "money")],
    ]
    for node_id, contacts in dq.contacts_by_node.items():
        wasted = dq.wasted_by_node[node_id]
        share = wasted.mean / contacts.mean if contacts.mean else None
        rows.append([f"Wasted at {r.label('nodes', node_id)}", Value(wasted.mean, "count"),
                     f"{share:.1%} of its contacts" if share is not None else None])
    return Table("data_quality", "Data quality", ["Figure", "Mean", INTERVAL], rows,
                 r.currency)
def attribution_table(r: Results) -> Table | None:
    """Per channel, first- and last-touch leads, won deals and cost per won deal (None for
    a process without touches)."""
    a = r.attribution
    if a is None:
        return None
    rows: list[list[object]] = []
    for channel, first in a.first_touch.items():
        last = a.last_touch[channel]
        rows.append([channel, Value(first.leads.mean, "count"), Value(first.won.mean, "count"),
                     Value(first.cost_per_won.mean if first.cost_per_won else None, "money"),
                     Value(last.leads.mean, "count"), Value(last.won.mean, "count"),
                     Value(last.cost_per_won.mean if last.cost_per_won else None, "money"),
                     Value(first.cost.mean, "money")])
    return Table("attribution", "Attribution by channel",
                 ["Channel", "First-touch leads", "First-touch won", "Cost per won (first)",
                  "Last-touch leads", "Last-touch won", "Cost per won (last)", "Touch cost"],
                 rows, r.currency,
                 {"Touch cost": "What the touches on this channel cost in the measured "
                                "window; cost per won deal divides it by the deals won with "
                                "this channel as the lead's first (last) touch."})


def cadence_table(r: Results) -> Table | None:
    """Per cadence: leads that entered, touches sent and per lead, answers, and how its
    leads left (None for a process without cadences)."""
    if not r.cadences:
        return None
    rows: list[list[object]] = []
    for node_id, c in r.cadences.items():
        entered = c.entered.mean
        rows.append([r.label("nodes", node_id), Value(entered, "count"),
                     Value(c.touches.mean, "count"),
                     Value(c.touches.mean / entered if entered else None, "number"),
                     Value(c.responses.mean, "count"), Value(c.graduated.mean, "count"),
                     Value(c.graduated.mean / entered if entered else None, "percent"),
                     Value(c.exhausted.mean, "count")])
    return Table("cadences", "Cadences",
                 ["Cadence", "Entered", "Touches", "Touches per lead", "Responses",
                  "Graduated", "Graduated share", "Exhausted"], rows, r.currency,
                 {"Graduated": "Leads that answered a touch of the cadence or met its "
                               "'until' condition, and left by its graduated exit.",
                  "Exhausted": "Leads that got every touch without graduating.",
                  "Graduated share": "Graduated leads over the leads that entered; leads "
                                     "still in the cadence at the end count as neither."})


def all_tables(r: Results) -> list[Table]:
    tables = [kpi_table(r), outcome_table(r), funnel_table(r), lane_table(r), task_table(r),
              sla_table(r)]
    extra = [t for t in (data_quality_table(r), attribution_table(r), cadence_table(r))
             if t is not None]
    return [*tables, *extra]


def write_tables(tables: Sequence[Table], folder: Path, prefix: str = "") -> list[Path]:
    """One CSV per table in ``folder`` (each written atomically); returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = folder / f"{prefix}{table.name}.csv"
        atomic_write_text(path, table.to_csv())
        written.append(path)
    return written
