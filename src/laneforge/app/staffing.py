"""The staffing plan of a lane: the cheapest weekly roster that meets a service target.

Erlang C per hour of the week gives the fewest people (:mod:`.staffing_need`), an integer
program picks the shifts that cover them at least cost (:mod:`.staffing_shifts`), and
:func:`check_and_top_up` then simulates the process with the roster (nurture loops,
batches, decay: what Erlang C ignores) and adds a person where it falls short. The command
line (``laneforge staff``) and the app both call :func:`staffing_plan`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..atomic import atomic_write_text
from ..io import dumps
from ..model import Process
from ..model.calendar import WEEKDAYS
from ..sim import CapacityEstimate
from .staffing_need import (
    BLOCKS,
    LaneDemand,
    Requirement,
    ServiceTarget,
    StaffingError,
    block_name,
    check_lane,
    lane_demand,
    required_agents,
    service_target,
)
from .staffing_shifts import (
    Shift,
    ShiftChoice,
    choose_shifts,
    coverable,
    parse_templates,
    place_shifts,
    roster_of,
)

#: the window and days of a lane without a calendar
DEFAULT_DAYS, DEFAULT_HOURS = "mon-fri", "08:00-18:00"
#: rounds of "simulate, add a person" the check makes at most
TOP_UP_ROUNDS = 5


@dataclass
class StaffingPlan:
    """A lane's roster for a target, with what it rests on."""

    process: str
    lane: str
    target: ServiceTarget
    demand: LaneDemand
    requirement: Requirement
    shifts: list[Shift]
    choice: ShiftChoice
    #: money per paid hour; None: the lane has no cost and the cost is in paid hours
    cost_per_hour: float | None
    days: str
    hours: str
    warnings: list[str] = field(default_factory=list)

    @property
    def roster(self) -> dict[str, dict[str, int]]:
        return roster_of(self.choice.counts)

    @property
    def person_hours(self) -> float:
        return float(sum(s.hours * k for s, k in self.choice.counts.items()))

    @property
    def won_per_week(self) -> float:
        return self.demand.won_per_hour * 168.0

    @property
    def cost_per_won(self) -> float | None:
        """The lane's weekly cost over the process's won deals a week."""
        return self.choice.cost / self.won_per_week if self.won_per_week > 0 else None

    def to_json(self) -> dict[str, Any]:
        """The plan as ``laneforge/staffing`` JSON (``laneforge staff --json``)."""
        rows = [{"hour": block_name(b), "load": round(float(self.requirement.load[b]), 4),
                 "required": int(self.requirement.agents[b]),
                 "staffed": int(self.choice.staffed[b])}
                for b in range(BLOCKS)
                if self.requirement.load[b] > 0 or self.choice.staffed[b] > 0]
        won = self.cost_per_won
        return {
            "format": "laneforge/staffing", "version": 1, "process": self.process,
            "lane": self.lane,
            "target": {"sla": self.target.sla, "level": self.target.level,
                       "answer_hours": self.target.answer_hours},
            "days": self.days, "hours": self.hours,
            "handling_hours": round(self.requirement.handling_hours, 6),
            "cost_per_hour": self.cost_per_hour,
            "weekly_cost": round(self.choice.cost, 2),
            "lp_bound": round(self.choice.lp_bound, 2),
            "person_hours": self.person_hours,
            "won_per_week": round(self.won_per_week, 4),
            "cost_per_won": round(won, 2) if won is not None else None,
            "roster": self.roster, "by_hour": rows, "warnings": self.warnings,
        }


def default_window(process: Process, lane_id: str) -> tuple[str, str]:
    """The days and hours a lane's calendar names (its hours widened to whole hours), or
    mon-fri 08:00-18:00 without a calendar."""
    lane = process.lane(lane_id)
    calendar = process.calendars.get(lane.calendar) if lane.calendar else None
    if calendar is None:
        return DEFAULT_DAYS, DEFAULT_HOURS
    start = min(s for s, _ in calendar.spans) // 60
    end = math.ceil(max(e for _, e in calendar.spans) / 60)
    return calendar.days, f"{start:02d}:00-{end % 24:02d}:00"


def staffing_plan(
    process: Process, lane: str, *, target: str | None = None,
    service_level: float | None = None, answer: str | None = None,
    shifts: str = "8h,4h", part_time_weight: float = 1.0, days: str | None = None,
    hours: str | None = None, estimate: CapacityEstimate | None = None,
) -> StaffingPlan:
    """The cheapest roster of ``lane`` in the given shift templates that meets the target
    by Erlang C in every hour of the week.

    ``target`` is 'SLA_ID>=0.9'; or ``service_level`` with ``answer`` ('4h'); without
    either, the lane's SLA. ``shifts`` are lengths ('8h,4h'; the shorter ones part-time at
    ``part_time_weight`` times the rate), placed on the hour on ``days`` inside ``hours``
    (default: the lane calendar's). Raises StaffingError naming the option at fault."""
    check_lane(process, lane)
    goal = service_target(process, lane, target=target, level=service_level, answer=answer)
    demand = lane_demand(process, lane, estimate)
    window_days, window_hours = default_window(process, lane)
    days = days or window_days
    hours = hours or window_hours
    placed = place_shifts(parse_templates(shifts, part_time_weight), days, hours)
    need = required_agents(demand.offered, demand.handling_hours, goal, coverable(placed))
    rate = process.lane(lane).cost_per_hour
    choice = choose_shifts(need.agents, placed, float(rate) if rate else 1.0)
    return StaffingPlan(process.name, lane, goal, demand, need, placed, choice,
                        float(rate) if rate else None, days, hours, list(need.warnings))


def with_roster(process: Process, lane: str, roster: dict[str, dict[str, int]]) -> Process:
    """A copy of ``process`` whose lane ``lane`` carries ``roster`` (the rest unchanged)."""
    data = process.to_data()
    for item in data["lanes"]:
        if item["id"] == lane:
            item["roster"] = roster
    return Process.model_validate(data)


def write_process_with_roster(process: Process, plan: StaffingPlan,
                              path: str | os.PathLike[str]) -> None:
    """Save a copy of the process with the plan's roster on its lane, atomically."""
    atomic_write_text(path, dumps(with_roster(process, plan.lane, plan.roster)))


def write_plan_json(plan: StaffingPlan, path: str | os.PathLike[str]) -> None:
    atomic_write_text(path, json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n")


# --- the simulation check ------------------------------------------------------------------


@dataclass
class TopUpRound:
    """One simulation of the roster: the share answered in time, and the shift added."""

    met_share: float
    added: Shift | None = None


@dataclass
class TopUp:
    plan: StaffingPlan
    rounds: list[TopUpRound]

    @property
    def met(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].met_share >= self.plan.target.level


SimulateFn = Callable[..., Any]


def check_and_top_up(
    process: Process, plan: StaffingPlan, simulate_fn: SimulateFn | None = None, *,
    rounds: int = TOP_UP_ROUNDS, replications: int | None = None, seed: int | None = None,
) -> TopUp:
    """Simulate the process with the plan's roster and, while the SLA falls short, add one
    person to the worst hour (the cheapest shift covering the hour with the highest load
    per person), at most ``rounds`` times. Returns the plan with the roster it ended on.

    ``simulate_fn(process, replications=, seed=)`` returns results with
    ``slas[sla].breach_rate.mean`` (default :func:`laneforge.sim.runner.simulate`). The
    engine must honour lane rosters for the check to mean anything."""
    sla = plan.target.sla
    if sla is None:
        raise StaffingError("--check: the simulation check measures an SLA of the process; "
                            "give --target SLA_ID>=0.9")
    if simulate_fn is None:
        from ..sim.runner import simulate as simulate_fn
    counts = dict(plan.choice.counts)
    history: list[TopUpRound] = []
    for round_ in range(rounds + 1):
        trial = with_roster(process, plan.lane, roster_of(counts))
        results = simulate_fn(trial, replications=replications, seed=seed)
        met = 1.0 - float(results.slas[sla].breach_rate.mean)
        history.append(TopUpRound(met))
        if met >= plan.target.level or round_ == rounds:
            break
        staffed = _staffed(counts)
        shift = _top_up_shift(plan, staffed)
        counts[shift] = counts.get(shift, 0) + 1
        history[-1].added = shift
    staffed = _staffed(counts)
    rate = plan.cost_per_hour or 1.0
    cost = sum(s.hours * s.weight * rate * k for s, k in counts.items())
    choice = ShiftChoice(counts, float(cost), plan.choice.lp_bound, staffed)
    return TopUp(replace(plan, choice=choice), history)


def _staffed(counts: dict[Shift, int]) -> np.ndarray:
    staffed = np.zeros(BLOCKS, dtype=np.int64)
    for shift, k in counts.items():
        staffed[shift.blocks] += k
    return staffed


def worst_block(load: np.ndarray, staffed: np.ndarray) -> int:
    """The hour with the most load per person on (ties: the earliest)."""
    busy = np.where(load > 0, load / np.maximum(staffed, 1e-9), -np.inf)
    return int(np.argmax(busy))


def _top_up_shift(plan: StaffingPlan, staffed: np.ndarray) -> Shift:
    """The cheapest shift covering the worst hour; among equals, the one covering the most
    load per person over its hours."""
    load = plan.requirement.load
    block = worst_block(load, staffed)
    rate = plan.cost_per_hour or 1.0
    busy = np.where(load > 0, load / np.maximum(staffed, 1), 0.0)
    over = [s for s in plan.shifts if block in s.blocks]
    return min(over, key=lambda s: (s.hours * s.weight * rate, -float(busy[s.blocks].sum()),
                                    s))


# --- text ----------------------------------------------------------------------------------


def format_plan(plan: StaffingPlan, top_up: TopUp | None = None) -> str:
    """The roster per weekday x hour ('people on (needed)'), the shifts and the cost."""
    staffed, need = plan.choice.staffed, plan.requirement.agents
    rows = [h for h in range(24)
            if any(staffed[d * 24 + h] or need[d * 24 + h] for d in range(7))]
    days = [d for d in range(7) if any(staffed[d * 24:(d + 1) * 24])
            or any(need[d * 24:(d + 1) * 24])]
    lane = plan.lane
    lines = [f"Staffing plan for lane {lane}: {plan.target.text()}, shifts on {plan.days} "
             f"{plan.hours}", ""]
    lines.append("hour   " + "".join(f"{WEEKDAYS[d]:>9}" for d in days))
    for h in rows:
        cells = "".join(f"{_cell(staffed[d * 24 + h], need[d * 24 + h]):>9}" for d in days)
        lines.append(f"{h:02d}:00  {cells}")
    lines.append("        people on (needed by Erlang C)")
    lines.append("")
    for day, shifts in plan.roster.items():
        lines.append(f"{day}: " + ", ".join(f"{k} x {span}" for span, k in shifts.items()))
    unit = "paid hours" if plan.cost_per_hour is None else "a week"
    cost = f"{plan.choice.cost:,.0f}" if plan.cost_per_hour is not None else \
        f"{plan.person_hours:g}"
    lines.append(f"cost {cost} {unit} ({plan.person_hours:g} paid hours; no roster in these "
                 f"shifts costs less than {plan.choice.lp_bound:,.0f})")
    won = plan.cost_per_won
    if won is not None and plan.cost_per_hour is not None:
        lines.append(f"{plan.won_per_week:.1f} won deals a week: {won:,.0f} of this lane per "
                     "won deal")
    if top_up is not None:
        for i, r in enumerate(top_up.rounds):
            added = f"; added {r.added.text()}" if r.added else ""
            lines.append(f"simulation {i + 1}: {r.met_share:.1%} in time{added}")
    lines.extend(f"warning: {w}" for w in plan.warnings)
    return "\n".join(lines)


def _cell(on: int, needed: int) -> str:
    if not on and not needed:
        return "."
    return f"{on} ({needed})"
