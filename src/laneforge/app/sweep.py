"""Sweep one parameter over a range and watch a KPI: "how many SDRs keep SLA breaches under 5 %?".

Every value runs with the same seed, so the runs share random numbers and differences come
from the parameter, not from noise. The answer is the smallest value whose mean meets the
target (for staff: the fewest people that are enough).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..model import Process, apply_changes, base_value
from ..sim import Results, Stat, simulate_variants
from .compare import Metric, metrics_for

Goal = Literal["at most", "at least"]


@dataclass(frozen=True)
class Parameter:
    """A number in the process that a sweep varies, addressed like a scenario change."""

    path: str
    label: str
    integer: bool = True


def sweepable(process: Process) -> list[Parameter]:
    """The parameters offered in the app: each staffed lane's staff and every source's volume."""
    found = [Parameter(f"lanes.{lane.id}.staff", f"{lane.label}: staff")
             for lane in process.lanes if lane.staff is not None]
    found.append(Parameter("arrivals.scale", "All sources: volume ×", integer=False))
    found += [Parameter(f"nodes.{node.id}.arrivals.scale", f"{node.label}: volume ×",
                        integer=False)
              for node in process.sources() if node.arrival_list()]
    return found


@dataclass
class SweepResult:
    parameter: Parameter
    values: list[float]
    runs: list[Results]

    def metrics(self) -> list[Metric]:
        return metrics_for(self.runs)

    def stats(self, metric: Metric) -> list[Stat]:
        out = []
        for run in self.runs:
            stat = metric.get(run)
            out.append(stat if stat is not None else Stat(mean=float("nan"), ci95=(0, 0),
                                                          min=0, max=0))
        return out


def smallest_meeting(values: Sequence[float], stats: Sequence[Stat], target: float,
                     goal: Goal) -> float | None:
    """The smallest value whose mean KPI meets ``target`` (``at most`` or ``at least``)."""
    for value, stat in sorted(zip(values, stats, strict=True), key=lambda vs: vs[0]):
        mean = stat.mean
        if mean != mean:  # NaN: the KPI does not exist for this run
            continue
        if (goal == "at most" and mean <= target) or (goal == "at least" and mean >= target):
            return value
    return None


def run_sweep(
    process: Process,
    parameter: Parameter,
    values: Sequence[float],
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon: str | float | None = None,
    warmup: str | float | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], Any] | None = None,
    cancel: threading.Event | None = None,
) -> SweepResult:
    """Simulate the process once per value (same seed for all), every value's replications
    in one pool; raises ValueError early if a value cannot be applied."""
    if not values:
        raise ValueError("the sweep needs at least one value")
    variants = []
    for value in values:
        applied = round(value) if parameter.integer else float(value)
        variants.append(apply_changes(process, {parameter.path: applied},
                                      name=f"{parameter.label} = {applied:g}"))
    names = [f"{parameter.label} = {value:g}" for value in values]
    runs = simulate_variants(list(zip(names, variants, strict=True)),
                             replications=replications or process.simulation.replications,
                             seed=seed, horizon=horizon, warmup=warmup, jobs=jobs,
                             progress=progress, cancel=cancel)
    return SweepResult(parameter, [float(v) for v in values], runs)


def current_value(process: Process, parameter: Parameter) -> float:
    value = base_value(process, parameter.path)
    return float(value) if isinstance(value, int | float) else 1.0


def kpi_choices(process: Process) -> list[Metric]:
    """The KPIs a sweep can chart, known before anything runs (same getters as comparisons)."""
    choices: list[Metric] = []
    for sla in process.slas:
        choices.append(Metric(f"sla:{sla.id}", f"SLA breaches: {sla.label}",
                              lambda r, k=sla.id: r.slas[k].breach_rate, "percent", "lower"))
    for lane in process.lanes:
        if lane.staff is not None:
            choices.append(Metric(f"util:{lane.id}", f"Utilization: {lane.label}",
                                  lambda r, k=lane.id: r.lanes[k].utilization, "percent",
                                  "neutral"))
    for node in process.tasks():
        choices.append(Metric(f"wait:{node.id}", f"Wait: {node.label}",
                              lambda r, k=node.id: r.nodes[k].wait_hours, "hours", "lower"))
    if any(getattr(n, "outcome", None) == "won" for n in process.nodes):
        choices.append(Metric("won", "Won deals", lambda r: r.won, "count", "higher"))
        choices.append(Metric("cost_per_won", "Cost per won deal", lambda r: r.cost_per_won,
                              "money", "lower"))
    choices.append(Metric("cycle_p90", "Cycle time p90", lambda r: r.cycle_time_hours.p90,
                          "hours", "lower"))
    return choices
