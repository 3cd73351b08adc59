"""Scenarios side by side: the same KPI rows for every run, with deltas against the first.

Scenarios run with the same seed share random numbers replication by replication (common
random numbers), so a difference is judged on the paired differences: significant when the
95 % Student-t interval of "replication i of B minus replication i of A" excludes zero
(:meth:`Stat.differs_from`). That test sees consistent small changes that two overlapping
intervals would hide, and still calls noise noise. Each metric knows whether higher is
better, which the app uses to colour a delta green or red; a significant change of a
metric where neither direction is better (utilization, leads) is "changed", never grey.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..model import describe_hours, format_value
from ..model.currency import format_figure, format_money
from ..sim.results import Results, Stat

__all__ = ["VERDICT_WORDS", "Metric", "Row", "compare", "format_delta", "format_figure",
           "format_value", "metrics_for", "run_name"]

Direction = Literal["higher", "lower", "neutral"]
#: how a verdict reads in legends, tooltips and exports
VERDICT_WORDS = {"better": "better", "worse": "worse", "changed": "changed (neither is better)",
                 "same": "not significant", "none": ""}
SIGNIFICANCE_RULE = ("a difference is significant when the 95 % interval of the paired "
                     "differences (replication by replication, same random numbers) "
                     "excludes zero")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    get: Callable[[Results], Stat | None]
    kind: Literal["count", "hours", "percent", "money", "number"]
    better: Direction


@dataclass(frozen=True)
class Row:
    metric: Metric
    values: list[Stat | None]
    #: value minus the first run's value (None where either is missing)
    deltas: list[float | None]
    significant: list[bool]
    #: the currency money figures are shown in (the first run's process's)
    currency: str | None = None

    def verdict(self, column: int) -> Literal["better", "worse", "changed", "same", "none"]:
        """How a column compares with the first: 'same' only when not significant;
        'changed' when significant for a metric where neither direction is better."""
        delta = self.deltas[column]
        if delta is None or column == 0:
            return "none"
        if not self.significant[column] or delta == 0:
            return "same"
        if self.metric.better == "neutral":
            return "changed"
        good = delta > 0 if self.metric.better == "higher" else delta < 0
        return "better" if good else "worse"


def format_delta(delta: float | None, kind: str, currency: str | None = None) -> str:
    if delta is None:
        return ""
    magnitude = abs(delta)
    if format_value(magnitude, kind) in ("0 min", "0.0 %", "0", "0.0", "0.00"):
        return "±0" if kind != "percent" else "±0.0 pt"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if kind == "percent":
        return f"{sign}{magnitude * 100:.1f} pt"
    if kind == "hours":
        return f"{sign}{describe_hours(magnitude)}"
    if kind == "money":
        return f"{sign}{format_money(magnitude, currency)}"
    return f"{sign}{format_value(magnitude, kind)}"


def metrics_for(runs: Sequence[Results]) -> list[Metric]:
    """The KPI rows that make sense for these runs (all share one process)."""
    first = runs[0]
    metrics = [
        Metric("leads", "Leads", lambda r: r.leads, "count", "neutral"),
    ]
    if first.won is not None:
        metrics += [
            Metric("won", "Won deals", lambda r: r.won, "count", "higher"),
            Metric("lead_to_won", "Lead → won", lambda r: r.lead_to_won, "percent", "higher"),
        ]
    for name in first.conversions:
        metrics.append(Metric(f"conversion:{name}", f"{name.replace('->', ' → ')} conversion",
                              lambda r, k=name: r.conversions.get(k), "percent", "higher"))
    metrics += [
        Metric("cycle_p50", "Cycle time p50", lambda r: r.cycle_time_hours.p50, "hours", "lower"),
        Metric("cycle_p90", "Cycle time p90", lambda r: r.cycle_time_hours.p90, "hours", "lower"),
    ]
    for sla_id in first.slas:
        metrics.append(Metric(f"sla:{sla_id}", f"SLA breaches: {first.label('slas', sla_id)}",
                              lambda r, k=sla_id: r.slas[k].breach_rate, "percent", "lower"))
    for lane_id, lane in first.lanes.items():
        if lane.utilization is not None:
            metrics.append(Metric(
                f"util:{lane_id}", f"Utilization: {first.label('lanes', lane_id)}",
                lambda r, k=lane_id: r.lanes[k].utilization, "percent", "neutral"))
    waits = sorted(first.nodes.items(), key=lambda kv: -kv[1].wait_hours.mean)
    for node_id, node in waits[:5]:
        if node.wait_hours.mean > 0:
            metrics.append(Metric(
                f"wait:{node_id}", f"Wait: {first.label('nodes', node_id)}",
                lambda r, k=node_id: r.nodes[k].wait_hours, "hours", "lower"))
    if first.data_quality is not None:  # what stale records cost, and what cleansing does
        metrics += [
            Metric("wasted_contacts", "Contacts to stale records",
                   lambda r: r.data_quality.wasted_contacts if r.data_quality else None,
                   "count", "lower"),
            Metric("wasted_cost", "Cost of wasted contacts",
                   lambda r: r.data_quality.wasted_cost if r.data_quality else None,
                   "money", "lower"),
            Metric("cleansing_cost", "Cleansing cost",
                   lambda r: r.data_quality.cleansing_cost if r.data_quality else None,
                   "money", "lower"),
        ]
    metrics.append(Metric("total_cost", "Total cost", lambda r: r.total_cost, "money", "lower"))
    if first.cost_per_won is not None:
        metrics.append(Metric("cost_per_won", "Cost per won deal", lambda r: r.cost_per_won,
                              "money", "lower"))
    return metrics


def compare(runs: Sequence[Results]) -> list[Row]:
    """One row per metric; deltas and significance against the first run."""
    if not runs:
        return []
    rows = []
    for metric in metrics_for(runs):
        values = [metric.get(r) for r in runs]
        base = values[0]
        deltas: list[float | None] = []
        significant: list[bool] = []
        for value in values:
            if value is None or base is None:
                deltas.append(None)
                significant.append(False)
            else:
                deltas.append(value.mean - base.mean)
                significant.append(value.differs_from(base))
        rows.append(Row(metric, values, deltas, significant, runs[0].currency))
    return rows


def run_name(results: Results) -> str:
    return results.scenario or "Baseline"
