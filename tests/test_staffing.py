"""The staffing plan: requirement per hour from the process, shifts by integer program,
the roster on the lane, and the simulation check's top-up loop."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from laneforge.app.erlang import agents_for_service_level
from laneforge.app.staffing import (
    StaffingError,
    check_and_top_up,
    format_plan,
    staffing_plan,
    top_up_load,
    with_roster,
    worst_block,
)
from laneforge.app.staffing_need import (
    BLOCKS,
    ServiceTarget,
    arrival_curve,
    batch_curves,
    lane_demand,
    required_agents,
    service_target,
)
from laneforge.app.staffing_shifts import (
    Shift,
    choose_shifts,
    coverable,
    parse_templates,
    place_shifts,
    roster_of,
)
from laneforge.io import load_process, process_from_data
from laneforge.model import Process
from laneforge.model.roster import roster_person_hours, roster_steps

from simhelpers import binomial_ok, erlang_c, queue_process, trade_show_data

TEMPLATE = "processes/lead-lifecycle.lane.json"


# --- shifts ----------------------------------------------------------------------------------


def _requirement_of(counts: dict[Shift, int]) -> np.ndarray:
    need = np.zeros(BLOCKS)
    for shift, k in counts.items():
        need[shift.blocks] += k
    return need


def test_a_requirement_made_of_known_shifts_is_recovered_exactly() -> None:
    shifts = place_shifts(parse_templates("8h,4h", part_time_weight=1.2), "mon-fri",
                          "08:00-18:00")
    truth = {Shift(0, 8, 8): 3, Shift(0, 12, 4, 1.2): 2, Shift(1, 10, 8): 1,
             Shift(4, 9, 8): 2, Shift(4, 14, 4, 1.2): 1}
    choice = choose_shifts(_requirement_of(truth), shifts, cost_per_hour=40.0)
    assert choice.counts == truth
    expected = 40.0 * sum(s.hours * s.weight * k for s, k in truth.items())
    assert choice.cost == pytest.approx(expected)
    assert np.array_equal(choice.staffed, _requirement_of(truth))
    assert roster_of(choice.counts) == {
        "mon": {"08:00-16:00": 3, "12:00-16:00": 2}, "tue": {"10:00-18:00": 1},
        "fri": {"09:00-17:00": 2, "14:00-18:00": 1},
    }


@pytest.mark.parametrize("seed", range(6))
def test_the_optimum_covers_every_hour_and_is_never_below_the_lp_bound(seed: int) -> None:
    gen = np.random.default_rng(seed)
    shifts = place_shifts(parse_templates("8h,4h", part_time_weight=1.1), "mon-sat",
                          "07:00-20:00")
    need = np.zeros(BLOCKS)
    open_hours = coverable(shifts)
    need[open_hours] = gen.integers(0, 9, int(open_hours.sum()))
    choice = choose_shifts(need, shifts, cost_per_hour=30.0)
    assert (choice.staffed >= need).all()
    assert choice.cost >= choice.lp_bound - 1e-6
    # the bound is a real bound: no cheaper than the hours that must be paid at least
    assert choice.lp_bound >= 30.0 * need.sum() - 1e-6
    assert choice.cost == pytest.approx(
        30.0 * sum(s.hours * s.weight * k for s, k in choice.counts.items()))


def test_an_hour_no_template_covers_is_one_clear_error() -> None:
    shifts = place_shifts(parse_templates("8h"), "mon-fri", "08:00-18:00")
    need = np.zeros(BLOCKS)
    need[6 * 24 + 3] = 2  # sunday 03:00
    with pytest.raises(StaffingError, match=r"sun 03:00 needs 2 people but no shift covers"):
        choose_shifts(need, shifts, 1.0)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: parse_templates("8x"), "--shifts: expected lengths"),
    (lambda: parse_templates("8h", 0.0), "--part-time-cost"),
    (lambda: place_shifts(parse_templates("8h"), "mon-fri", "09:00-13:00"),
     "--hours: the window 09:00-13:00 holds 4 hours; no 8-hour shift"),
    (lambda: place_shifts(parse_templates("8h"), "funday", "08:00-18:00"), "--days"),
    (lambda: place_shifts(parse_templates("8h"), "mon", "08:30-18:00"), "on the hour"),
])
def test_bad_templates_name_the_option(call: Any, words: str) -> None:
    with pytest.raises(StaffingError, match=words):
        call()


def test_a_night_window_places_shifts_past_midnight() -> None:
    shifts = place_shifts(parse_templates("8h"), "mon", "22:00-08:00")
    assert [s.text() for s in shifts] == ["mon 22:00-06:00", "mon 23:00-07:00",
                                          "tue 00:00-08:00"]
    assert list(shifts[0].blocks) == [22, 23, 24, 25, 26, 27, 28, 29]
    roster = roster_of({shifts[0]: 2})
    assert roster == {"mon": {"22:00-06:00": 2}}
    assert roster_steps(roster)[1:] == [(22 * 60, 2), (30 * 60, 0)]


# --- the requirement from the process ---------------------------------------------------------


def test_an_m_m_c_lane_needs_the_published_example_every_hour() -> None:
    # 100 contacts per 30 minutes, 3 minutes each, 80 % within 20 s -> 14 agents
    process = queue_process("200/h", "3m", staff=5)
    plan = staffing_plan(process, "team", service_level=0.8, answer="20s",
                         shifts="8h", days="daily", hours="00:00-24:00")
    assert plan.demand.visits == {"work": pytest.approx(1.0)}
    assert plan.requirement.load == pytest.approx(np.full(BLOCKS, 10.0))
    assert set(plan.requirement.agents.tolist()) == {14}
    # three 8-hour shifts a day of 14 people each is the cheapest cover of 14 round the clock
    assert plan.person_hours == 14 * 168
    assert plan.choice.cost == plan.choice.lp_bound == 14 * 168  # no cost_per_hour: hours


def test_load_follows_weekday_profile_visits_and_work() -> None:
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "profile",
        "simulation": {"horizon": "2000h"},
        "lanes": [{"id": "sdr", "staff": 3, "cost_per_hour": 50}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "sdr",
             "arrivals": [{"rate": "2/h", "profile": {"mon": 1.5, "sat": 0.5, "sun": 0}},
                          {"batch": 84, "first": "0h", "every": "1w"}]},
            {"id": "call", "kind": "task", "lane": "sdr", "duration": "30m"},
            {"id": "reached", "kind": "decision", "lane": "sdr"},
            {"id": "again", "kind": "task", "lane": "sdr", "duration": "12m", "staff": 2},
            {"id": "out", "kind": "end", "lane": "sdr", "outcome": "done"},
        ],
        "edges": [{"from": "in", "to": "call"}, {"from": "call", "to": "reached"},
                  {"from": "reached", "to": "again", "probability": 0.4},
                  {"from": "reached", "to": "out", "probability": 0.6},
                  {"from": "again", "to": "out"}],
    }
    process = process_from_data(data)
    curve = arrival_curve(process)
    batch = 84 / 168  # a weekly batch of 84 counts as half a lead an hour
    assert curve[0] == pytest.approx(2 * 1.5 + batch)  # monday
    assert curve[30] == pytest.approx(2 + batch)  # tuesday
    assert curve[5 * 24 + 1] == pytest.approx(2 * 0.5 + batch)  # saturday
    assert curve[6 * 24 + 1] == pytest.approx(batch)  # sunday
    demand = lane_demand(process, "sdr")
    assert demand.visits == {"call": pytest.approx(1.0), "again": pytest.approx(0.4)}
    # staff-hours per visit: (1 x 0.5 + 0.4 x 0.2 x 2 people) / 1.4 visits
    assert demand.handling_hours == pytest.approx((0.5 + 0.4 * 0.4) / 1.4)
    assert demand.offered[30] == pytest.approx((2 + batch) * (0.5 + 0.4 * 0.4))


def test_work_nobody_may_cover_moves_on_and_none_is_lost() -> None:
    process = queue_process("6/h", "20m", staff=3)
    demand = lane_demand(process, "team")
    shifts = place_shifts(parse_templates("8h,4h"), "mon-fri", "08:00-18:00")
    open_hours = coverable(shifts)
    target = ServiceTarget(0.8, 4.0)
    need = required_agents(demand.offered, demand.handling_hours, target, open_hours)
    assert need.load.sum() == pytest.approx(demand.offered.sum())  # erlang-hours kept
    assert (need.load[~open_hours] == 0).all() and need.moved_from[~open_hours].all()
    # monday 08:00-11:59 takes the 56 hours from friday 18:00 on, a quarter each
    carried = 2.0 * (6 + 48 + 8)  # fri 18-24, the weekend, mon 00-08
    assert need.load[8] == pytest.approx(2.0 + carried / 4)
    assert need.load[12] == pytest.approx(2.0)
    for block in (8, 12, 30):
        assert need.agents[block] == agents_for_service_level(float(need.load[block]),
                                                              1 / 3, 4.0, 0.8)
    assert not need.warnings  # the business clock stops while nobody works
    elapsed = ServiceTarget(0.8, 4.0, clock="elapsed")
    assert "waits longer" in required_agents(demand.offered, demand.handling_hours,
                                             elapsed, open_hours).warnings[0]


def test_the_requirement_is_the_fewest_agents_by_erlang_c() -> None:
    process = queue_process("12/h", "15m", staff=3)
    plan = staffing_plan(process, "team", service_level=0.9, answer="6m", days="daily",
                         hours="00:00-24:00")
    c = int(plan.requirement.agents[0])
    a = 3.0
    met = [1 - erlang_c(k, a) * math.exp(-(k - a) * 0.1 / 0.25) for k in (c - 1, c)]
    assert met[0] < 0.9 <= met[1]


def test_the_target_comes_from_the_option_or_the_lanes_sla() -> None:
    process = load_process(TEMPLATE)
    lane_sla = service_target(process, "inside_sales")
    assert (lane_sla.sla, lane_sla.level, lane_sla.answer_hours) == ("mql_followup", 0.9, 4.0)
    given = service_target(process, "field_sales", target="sql_meeting>=95%")
    assert (given.sla, given.level, given.answer_hours) == ("sql_meeting", 0.95, 7.5)
    assert service_target(process, "x", target="mql_followup=0.8").level == 0.8
    plain = service_target(process, "x", level=0.8, answer="20m")
    assert (plain.sla, plain.answer_hours) == (None, pytest.approx(1 / 3))
    for kwargs, words in [({"target": "mql_followup>=1"}, "between 0 and 1"),
                          ({"target": "nope>=0.9"}, "no SLA 'nope'"),
                          ({"target": "mql_followup"}, "expected SLA_ID>=0.9"),
                          ({"level": 0.8}, "go together"),
                          ({"level": 0.8, "answer": "soon"}, "--answer")]:
        with pytest.raises(StaffingError, match=words):
            service_target(process, "inside_sales", **kwargs)
    with pytest.raises(StaffingError, match="no SLA of the process ends at a task of lane"):
        service_target(process, "success")


def test_bad_lanes_are_named() -> None:
    process = load_process(TEMPLATE)
    with pytest.raises(StaffingError, match="--lane: no lane 'sales'"):
        staffing_plan(process, "sales")


# --- the roster on the lane ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> Process:
    return load_process(TEMPLATE)


@pytest.fixture(scope="module")
def plan(template: Process) -> Any:
    return staffing_plan(template, "inside_sales")


def test_the_plan_meets_erlang_c_in_every_hour_at_its_cost(plan: Any, template: Process) -> None:
    assert (plan.choice.staffed >= plan.requirement.agents).all()
    assert plan.choice.cost >= plan.choice.lp_bound - 1e-6
    assert plan.person_hours == roster_person_hours(plan.roster)
    assert plan.choice.cost == pytest.approx(45 * plan.person_hours)  # the lane's rate
    assert plan.days == "mon-fri" and plan.hours == "09:00-18:00"  # from its calendar
    assert plan.cost_per_won == pytest.approx(plan.choice.cost / plan.won_per_week)
    # all the lane's work is offered somewhere in the week: visits x work x leads
    demand = plan.demand
    assert plan.requirement.load.sum() == pytest.approx(
        demand.arrivals.sum() * demand.work_per_lead, rel=1e-9)


def test_with_roster_changes_that_lane_only(plan: Any, template: Process) -> None:
    changed = with_roster(template, "inside_sales", plan.roster)
    assert changed.lane("inside_sales").roster == plan.roster
    before, after = template.to_data(), changed.to_data()
    after["lanes"][1].pop("roster")
    assert before == after
    assert template.lane("inside_sales").roster is None


# --- the simulation check's loop (a simulate_fn we control) ----------------------------------


class _FakeSimulation:
    """SLA met share = the least, over the hours with work, of people on / (needed + extra):
    a roster short of ``extra`` people in some hour falls short, more people do better."""

    def __init__(self, plan: Any, extra: int) -> None:
        self.plan, self.extra, self.calls = plan, extra, []

    def __call__(self, process: Process, *, replications: Any, seed: Any) -> Any:
        roster = process.lane(self.plan.lane).roster
        self.calls.append((roster, replications, seed))
        on = np.zeros(BLOCKS)
        for minute, people in roster_steps(roster):
            on[minute // 60:] = people
        need = self.plan.requirement.agents + self.extra
        work = self.plan.requirement.load > 0
        met = float(np.min(on[work] / need[work]))
        return SimpleNamespace(slas={"mql_followup": SimpleNamespace(
            breach_rate=SimpleNamespace(mean=1.0 - min(met, 1.0) * 0.95))})


def test_a_roster_that_meets_the_sla_is_left_as_it_is(plan: Any, template: Process) -> None:
    fake = _FakeSimulation(plan, extra=0)
    result = check_and_top_up(template, plan, fake, replications=4, seed=9)
    assert result.met and len(result.rounds) == 1 and result.rounds[0].added is None
    assert result.plan.roster == plan.roster
    assert fake.calls == [(plan.roster, 4, 9)]


def test_the_check_adds_people_to_the_worst_hour_until_the_sla_is_met(
        plan: Any, template: Process) -> None:
    fake = _FakeSimulation(plan, extra=1)
    result = check_and_top_up(template, plan, fake, rounds=200)
    assert result.met
    added = [r.added for r in result.rounds if r.added is not None]
    assert len(added) == len(result.rounds) - 1
    staffed = plan.choice.staffed.copy()
    for shift in added:  # each shift covers the hour worst off before it was added
        assert worst_block(plan.requirement.load, staffed) in shift.blocks
        staffed[shift.blocks] += 1
    assert np.array_equal(result.plan.choice.staffed, staffed)
    work = plan.requirement.load > 0
    assert (staffed[work] >= plan.requirement.agents[work] + 1).all()
    assert result.plan.choice.cost > plan.choice.cost
    # the process simulated each round carried the roster of that round
    assert [c[0] for c in fake.calls][-1] == result.plan.roster


def test_the_check_stops_after_its_rounds(plan: Any, template: Process) -> None:
    fake = _FakeSimulation(plan, extra=50)
    result = check_and_top_up(template, plan, fake, rounds=3)
    assert not result.met
    assert len(fake.calls) == 4 and len(result.rounds) == 4
    assert result.rounds[-1].added is None


def test_the_check_needs_an_sla(template: Process) -> None:
    plain = staffing_plan(template, "inside_sales", service_level=0.8, answer="4h")
    with pytest.raises(StaffingError, match="give --target"):
        check_and_top_up(template, plain, lambda *a, **k: None)


# --- the simulation check with the engine --------------------------------------------------


def test_batches_are_counted_where_they_land_for_the_top_up() -> None:
    data = trade_show_data(batch=80)
    process = process_from_data(data)
    flat, placed = batch_curves(process)
    assert flat == pytest.approx(np.full(BLOCKS, 80 / 168))
    # every Monday at 09:00: two of them in the two measured weeks, one a week
    assert np.flatnonzero(placed).tolist() == [9] and placed[9] == pytest.approx(80)
    data["start"] = "2026-01-07T12:00:00"  # a Wednesday noon: Monday 09:00 is 'first' later
    data["nodes"][0]["arrivals"][1]["first"] = "117h"
    assert np.flatnonzero(batch_curves(process_from_data(data))[1]).tolist() == [9]
    plan = staffing_plan(process, "team", shifts="8h")
    load = top_up_load(process, plan)
    assert load.sum() == pytest.approx(plan.requirement.load.sum())  # only moved
    # Monday 09:00 gains the batch (20 minutes a lead) and loses its flat share of it: its
    # own hour's and half of the 64 closed hours' from Friday 17:00 (Erlang C moves those
    # to 09:00 and 10:00)
    assert load[9] - plan.requirement.load[9] == pytest.approx(80 / 3 * (1 - (1 + 32) / 168))
    assert worst_block(load, plan.choice.staffed) == 9
    plain = queue_process("6/h", "20m", staff=3)
    plain_plan = staffing_plan(plain, "team", service_level=0.8, answer="1h")
    assert top_up_load(plain, plain_plan) is plain_plan.requirement.load


def test_a_batch_erlang_c_spreads_out_is_topped_up_until_the_sla_is_met() -> None:
    process = process_from_data(trade_show_data(batch=80))
    plan = staffing_plan(process, "team", shifts="8h")
    assert plan.target.sla == "answer" and plan.target.level == 0.9
    monday = int(plan.choice.staffed[9])
    result = check_and_top_up(process, plan, replications=3, seed=5)
    first = result.rounds[0]
    # The fluid view of Monday morning: the batch and the weekend's leads wait at 09:00;
    # in 2 hours the Erlang C staff start at most their own number plus 6 each (20 min
    # per lead); the rest of the week's leads are all in time.
    weekly = 0.5 * 168 + 80
    late = 80 + 0.5 * 64 - 7 * monday
    assert late > 0 and first.met_share < plan.target.level
    assert first.met_share == pytest.approx(1 - late / weekly, abs=0.07)
    assert result.met and result.rounds[-1].met_share >= plan.target.level
    added = [r.added for r in result.rounds if r.added is not None]
    assert result.added == len(added) >= 1 and len(result.rounds) == len(added) + 1
    assert all(9 in shift.blocks for shift in added)  # where the batch lands
    assert result.plan.choice.staffed[9] == monday + len(added)
    assert result.plan.choice.cost == pytest.approx(plan.choice.cost + 40 * 8 * len(added))
    assert result.start is plan and result.plan.roster != plan.roster
    # the lane's cost over its won deals, both from the last simulation: the roster's
    # weekly cost over the won deals a week
    assert result.cost_per_won == pytest.approx(result.plan.choice.cost /
                                                result.won_per_week, rel=1e-9)
    text = format_plan(result.plan, result)
    assert f"met {result.rounds[-1].met_share:.2f} after {len(added)} " in text
    data = result.to_json()
    assert data["roster"] == result.plan.roster and data["check"]["added"] == len(added)
    assert data["check"]["erlang_c"]["roster"] == plan.roster


def test_a_process_erlang_c_models_exactly_needs_no_top_up() -> None:
    # Poisson arrivals, exponential work, people round the clock: M/M/c in every hour
    process = queue_process("12/h", "15m", staff=2, horizon="2w", warmup="1d",
                            sla_within="6m")
    plan = staffing_plan(process, "team", target="wait>=0.8", shifts="8h", days="daily",
                         hours="00:00-24:00")
    c = int(plan.requirement.agents[0])
    assert set(plan.choice.staffed.tolist()) == {c} == {5}
    share = 1 - erlang_c(c, 3.0) * math.exp(-(c - 3.0) * 0.1 / 0.25)  # 0.894
    result = check_and_top_up(process, plan, replications=2, seed=11)
    assert result.met and result.added == 0 and len(result.rounds) == 1
    assert result.plan.roster == plan.roster
    measured = result.rounds[0]
    # Waits in a queue are correlated: count one independent lead per relaxation time of
    # the queue (Morse: 1 / (c mu (1 - sqrt(rho))^2) = 1 h here, 12 leads)
    relaxation = 1 / (c * 4.0 * (1 - math.sqrt(3.0 / c)) ** 2)
    independent = measured.checked / (12.0 * relaxation)
    assert binomial_ok(measured.met_share * independent, independent, share)
    assert share - 4 * math.sqrt(share * (1 - share) / independent) > plan.target.level
