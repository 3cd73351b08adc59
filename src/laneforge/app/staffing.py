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
    LAG_BLUR_HOURS,
    LaneDemand,
    Requirement,
    ServiceTarget,
    StaffingError,
    batch_curves,
    block_name,
    check_lane,
    lane_demand,
    moved_load,
    required_agents,
    service_target,
    shifted_curve,
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


def write_plan_json(plan: StaffingPlan | TopUp, path: str | os.PathLike[str]) -> None:
    """Save the plan (or the checked plan with its rounds) as JSON, atomically."""
    atomic_write_text(path, json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n")


# --- the simulation check ------------------------------------------------------------------


@dataclass
class TopUpRound:
    """One simulation of the roster: the share answered in time, and the shift added."""

    met_share: float
    added: Shift | None = None
    #: the SLA's clocks checked over the replications (how sure the share is)
    checked: float = 0.0


@dataclass
class TopUp:
    """The roster the check ended on (``plan``), the Erlang C roster it started from, and
    what the last simulation gave for the cost per won deal."""

    plan: StaffingPlan
    rounds: list[TopUpRound]
    start: StaffingPlan | None = None
    #: the lane's cost over the measured window of the last simulation, and its won deals
    lane_cost: float | None = None
    won: float | None = None
    replications: int | None = None
    seed: int | None = None
    #: hours the last simulation measured (horizon less warm-up)
    window_hours: float | None = None

    @property
    def won_per_week(self) -> float | None:
        if self.won is None or not self.window_hours:
            return None
        return self.won / self.window_hours * 168.0

    @property
    def met(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].met_share >= self.plan.target.level

    @property
    def added(self) -> int:
        """People added to the Erlang C roster (one shift each)."""
        return sum(r.added is not None for r in self.rounds)

    @property
    def cost_per_won(self) -> float | None:
        """The checked roster's cost per simulated won deal (None without a lane cost or
        without won deals)."""
        if self.plan.cost_per_hour is None or not self.won or self.lane_cost is None:
            return None
        return self.lane_cost / self.won

    def to_json(self) -> dict[str, Any]:
        """The checked plan as ``laneforge/staffing`` JSON: its roster and cost are the
        checked roster's; ``check`` holds the rounds and the Erlang C roster before them."""
        out = self.plan.to_json()
        won = self.cost_per_won
        start = self.start or self.plan
        out["check"] = {
            "sla": self.plan.target.sla, "level": self.plan.target.level, "met": self.met,
            "added": self.added, "replications": self.replications, "seed": self.seed,
            "rounds": [{"met": round(r.met_share, 4), "checked": r.checked,
                        "added": None if r.added is None else
                        {"day": WEEKDAYS[r.added.day], "shift": r.added.span,
                         "hours": r.added.hours}}
                       for r in self.rounds],
            "cost_per_won": round(won, 2) if won is not None else None,
            "won_per_week": (round(self.won_per_week, 4) if self.won_per_week is not None
                             else None),
            "erlang_c": {"weekly_cost": round(start.choice.cost, 2),
                         "person_hours": start.person_hours, "roster": start.roster},
        }
        return out


SimulateFn = Callable[..., Any]
RoundFn = Callable[[int, TopUpRound], Any]


def check_and_top_up(
    process: Process, plan: StaffingPlan, simulate_fn: SimulateFn | None = None, *,
    rounds: int = TOP_UP_ROUNDS, replications: int | None = None, seed: int | None = None,
    on_round: RoundFn | None = None,
) -> TopUp:
    """Simulate the process with the plan's roster and, while the SLA falls short, add one
    person to the worst hour (the cheapest shift covering the hour with the highest load
    per person, batches counted where they land: :func:`top_up_load`), at most ``rounds``
    times. Returns the plan with the roster it ended on.

    ``simulate_fn(process, replications=, seed=)`` returns results with
    ``slas[sla].breach_rate.mean`` (default :func:`laneforge.sim.runner.simulate`). The
    engine must honour lane rosters for the check to mean anything. ``on_round(i, round)``
    hears of each round once its shift (if any) is chosen, as the check goes."""
    sla = plan.target.sla
    if sla is None:
        raise StaffingError("--check: the simulation check measures an SLA of the process; "
                            "give --target SLA_ID>=0.9")
    if simulate_fn is None:
        from ..sim.runner import simulate as simulate_fn
    load = top_up_load(process, plan)
    counts = dict(plan.choice.counts)
    history: list[TopUpRound] = []
    results: Any = None
    for round_ in range(rounds + 1):
        trial = with_roster(process, plan.lane, roster_of(counts))
        results = simulate_fn(trial, replications=replications, seed=seed)
        measured = results.slas[sla]
        met = 1.0 - float(measured.breach_rate.mean)
        checked = getattr(measured, "checked", None)
        runs = getattr(results, "replications", 1)
        history.append(TopUpRound(met, checked=float(checked.mean) * runs if checked else 0.0))
        if met < plan.target.level and round_ < rounds:
            shift = _top_up_shift(plan, load, _staffed(counts))
            counts[shift] = counts.get(shift, 0) + 1
            history[-1].added = shift
        if on_round is not None:
            on_round(round_, history[-1])
        if history[-1].added is None:
            break
    staffed = _staffed(counts)
    rate = plan.cost_per_hour or 1.0
    cost = sum(s.hours * s.weight * rate * k for s, k in counts.items())
    choice = ShiftChoice(counts, float(cost), plan.choice.lp_bound, staffed)
    lane_cost, won = _cost_and_won(results, plan.lane)
    return TopUp(replace(plan, choice=choice), history, plan, lane_cost, won,
                 getattr(results, "replications", replications),
                 getattr(results, "seed", seed), _window(results))


def _window(results: Any) -> float | None:
    horizon = getattr(results, "horizon_hours", None)
    return None if horizon is None else float(horizon - results.warmup_hours)


def _cost_and_won(results: Any, lane: str) -> tuple[float | None, float | None]:
    """The lane's mean cost and the mean won deals of a run (None where it has none)."""
    lanes = getattr(results, "lanes", None) or {}
    cost = lanes[lane].cost.mean if lane in lanes else None
    won = getattr(results, "won", None)
    return (float(cost) if cost is not None else None,
            float(won.mean) if won is not None else None)


def top_up_load(process: Process, plan: StaffingPlan) -> np.ndarray:
    """The lane's erlangs per hour of the week as the top-up weighs them: Erlang C's load,
    but with each batch at the hours it lands in rather than spread over the week (a
    trade-show list all arrives at once, and the people it needs are needed then). Without
    batches, or when the lane is reached too long after a lead's creation for the week's
    pattern to show, it is the requirement's load."""
    flat, placed = batch_curves(process)
    demand = plan.demand
    blurred = demand.lag_hours is not None and demand.lag_hours > LAG_BLUR_HOURS
    if not placed.any() or blurred:
        return plan.requirement.load
    per_lead = sum(demand.visits.values()) * demand.handling_hours
    offered = shifted_curve(demand.arrivals - flat + placed, demand.lag_hours) * per_lead
    return moved_load(offered, coverable(plan.shifts), plan.target.answer_hours)[0]


def _staffed(counts: dict[Shift, int]) -> np.ndarray:
    staffed = np.zeros(BLOCKS, dtype=np.int64)
    for shift, k in counts.items():
        staffed[shift.blocks] += k
    return staffed


def worst_block(load: np.ndarray, staffed: np.ndarray) -> int:
    """The hour with the most load per person on (ties: the earliest)."""
    busy = np.where(load > 0, load / np.maximum(staffed, 1e-9), -np.inf)
    return int(np.argmax(busy))


def _top_up_shift(plan: StaffingPlan, load: np.ndarray, staffed: np.ndarray) -> Shift:
    """The cheapest shift covering the worst hour; among equals, the one covering the most
    load per person over its hours."""
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
    if top_up is None or top_up.start is None or not top_up.added:
        lines.append(f"cost {cost} {unit} ({plan.person_hours:g} paid hours; no roster in "
                     f"these shifts costs less than {plan.choice.lp_bound:,.0f})")
    else:
        start = top_up.start
        costed = plan.cost_per_hour is not None
        extra = plan.choice.cost - start.choice.cost
        before, more = ((f"{start.choice.cost:,.0f}", f"{extra:,.0f}") if costed else
                        (f"{start.person_hours:g}", f"{plan.person_hours - start.person_hours:g}"))
        people = f"{top_up.added} {'person' if top_up.added == 1 else 'people'}"
        lines.append(f"cost {cost} {unit} ({plan.person_hours:g} paid hours): {before} for the "
                     f"Erlang C roster (none in these shifts costs less than "
                     f"{plan.choice.lp_bound:,.0f}) + {more} for the {people} the check added")
    if top_up is not None:
        lines.append(check_summary(top_up))
    simulated = top_up.cost_per_won if top_up is not None else None
    won = plan.cost_per_won
    if simulated is not None and top_up is not None:
        weekly = top_up.won_per_week
        deals = f"{weekly:.1f} won deals a week" if weekly is not None else "won deals"
        lines.append(f"simulated: {deals}, {simulated:,.0f} of this lane per won deal")
    elif won is not None and plan.cost_per_hour is not None:
        lines.append(f"{plan.won_per_week:.1f} won deals a week: {won:,.0f} of this lane per "
                     "won deal")
    lines.extend(f"warning: {w}" for w in plan.warnings)
    return "\n".join(lines)


def round_text(plan: StaffingPlan, r: TopUpRound) -> str:
    """'simulated: SLA met 0.83 < 0.90, +1 8-hour shift tue 09:00-17:00' (or '>= 0.90')."""
    level = plan.target.level
    if r.met_share >= level:
        return f"simulated: SLA met {r.met_share:.2f} >= {level:.2f}"
    added = f", +1 {r.added.hours}-hour shift {r.added.text()}" if r.added else ""
    return f"simulated: SLA met {r.met_share:.2f} < {level:.2f}{added}"


def check_summary(top_up: TopUp) -> str:
    """One line: what the simulation check ended on, and what it added."""
    level, last = top_up.plan.target.level, top_up.rounds[-1].met_share
    people = f"{top_up.added} {'person' if top_up.added == 1 else 'people'} added"
    if top_up.met:
        return (f"checked by simulation: met {last:.2f} with the Erlang C roster"
                if not top_up.added else f"checked by simulation: met {last:.2f} after {people}")
    return (f"checked by simulation: still {last:.2f} < {level:.2f} after {people} (the check "
            f"stops after {len(top_up.rounds) - 1} rounds)")


def _cell(on: int, needed: int) -> str:
    if not on and not needed:
        return "."
    return f"{on} ({needed})"
