"""Engine semantics: branches, conditions, decay, calendars, arrivals, loops, warm-up, SLAs."""

from __future__ import annotations

import pytest

from laneforge.io import process_from_data
from laneforge.sim import compile_process, run_replication, simulate
from laneforge.sim.record import SLARecord

from simhelpers import base_data, binomial_ok


def node(id_, kind, lane="lane", **fields):
    return {"id": id_, "kind": kind, "lane": lane, **fields}


def edge(a, b, **fields):
    return {"from": a, "to": b, **fields}


def run(data, replication=0):
    return run_replication(compile_process(process_from_data(data)), replication)


def test_branch_frequencies_within_binomial_tolerance(reference_process):
    stats = run_replication(compile_process(reference_process, horizon=2000), 0)
    leads = stats.leads
    duplicates = stats.outcomes["duplicate"]
    assert binomial_ok(duplicates, leads, 0.10)
    scored = stats.nodes["score"].visits
    assert binomial_ok(stats.nodes["first_call"].visits, scored, 0.40)
    qualified = stats.nodes["is_sql"].visits
    assert binomial_ok(stats.nodes["discovery"].visits, qualified, 0.50)
    closed = stats.outcomes["won"] + stats.outcomes["lost"]
    assert binomial_ok(stats.outcomes["won"], closed, 0.30)


def test_conditions_route_by_attribute():
    data = base_data()
    data["attributes"] = {"score": {"dist": "uniform", "min": 0, "max": 100},
                          "segment": {"choices": {"smb": 0.7, "enterprise": 0.3}}}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "20/h"}),
        node("route", "decision"),
        node("enterprise", "end", outcome="enterprise"),
        node("hot", "end", outcome="hot"),
        node("rest", "end", outcome="rest"),
    ]
    data["edges"] = [
        edge("in", "route"),
        edge("route", "enterprise", when="segment == 'enterprise'"),
        edge("route", "hot", when="score >= 60"),
        edge("route", "rest", default=True),
    ]
    stats = run(data)
    n = stats.leads
    assert binomial_ok(stats.outcomes["enterprise"], n, 0.3)
    # conditions are tried in order: 'hot' only for the smb leads scoring 60+
    assert binomial_ok(stats.outcomes["hot"], n, 0.7 * 0.4)
    assert binomial_ok(stats.outcomes["rest"], n, 0.7 * 0.6)


def test_set_expressions_update_attributes_for_later_conditions():
    data = base_data()
    data["attributes"] = {"touches": 0}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "5/h"}),
        node("touch", "task", duration="10m", set={"touches": "touches + 1"}),
        node("again", "decision"),
        node("done", "end", outcome="done"),
    ]
    data["edges"] = [
        edge("in", "touch"), edge("touch", "again"),
        edge("again", "done", when="touches >= 3"), edge("again", "touch", default=True),
    ]
    stats = run(data)
    # every lead is touched exactly three times before it leaves
    assert stats.nodes["touch"].visits == 3 * stats.leads
    assert stats.outcomes["done"] == stats.leads


@pytest.mark.parametrize("wait", ["0h", "2h", "4h"])
def test_decay_halves_a_branch_at_each_half_life(wait):
    data = base_data(horizon="3000h")
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "10/h"}),
        node("mql", "decision"),
        node("queue", "delay", duration=wait),
        node("qualify", "decision"),
        node("sql", "end", outcome="sql"),
        node("recycle", "end", outcome="recycle"),
    ]
    data["edges"] = [
        edge("in", "mql"), edge("mql", "queue"), edge("queue", "qualify"),
        edge("qualify", "sql", probability=0.6, decay={"half_life": "2h", "since": "mql"}),
        edge("qualify", "recycle", probability=0.4, default=True),
    ]
    stats = run(data)
    halvings = {"0h": 0, "2h": 1, "4h": 2}[wait]
    assert binomial_ok(stats.outcomes["sql"], stats.leads, 0.6 * 0.5**halvings)


MON_9_TO_5 = {"days": "mon-fri", "hours": "09:00-17:00"}


def calendar_process(first: str, duration: str, staff: int | None = 1) -> dict:
    data = base_data(horizon="2w", drain="2w")
    data["calendars"] = {"office": MON_9_TO_5}
    data["lanes"] = [{"id": "lane", "name": "Office", "staff": staff, "calendar": "office"}]
    data["nodes"] = [
        node("in", "source", arrivals={"batch": 1, "first": first}),
        node("work", "task", duration=duration),
        node("out", "end"),
    ]
    data["edges"] = [edge("in", "work"), edge("work", "out")]
    return data


def test_calendar_task_started_friday_afternoon_ends_monday_evening():
    # arrives Friday 16:00 (day 4 + 16 h after Monday 00:00), 9 working hours
    stats = run(calendar_process("112h", "9h"))
    assert stats.cycle.mean == pytest.approx(73.0)  # Friday 16:00 -> Monday 17:00
    assert stats.nodes["work"].wait_hours == 0.0
    assert stats.nodes["work"].service_hours == pytest.approx(9.0)


def test_calendar_work_waits_for_the_team_to_come_in():
    # arrives Saturday 10:00; work starts Monday 09:00 and takes one hour
    stats = run(calendar_process("130h", "1h"))
    assert stats.nodes["work"].wait_hours == pytest.approx(47.0)
    assert stats.cycle.mean == pytest.approx(48.0)


def test_calendar_applies_to_lanes_without_staff_limit():
    stats = run(calendar_process("130h", "1h", staff=None))
    assert stats.cycle.mean == pytest.approx(48.0)


def test_business_and_elapsed_sla_clocks():
    data = calendar_process("112h", "1h")
    data["nodes"].insert(1, node("gap", "delay", duration="18h"))  # Friday 16:00 -> Sat 10:00
    data["edges"] = [edge("in", "gap"), edge("gap", "work"), edge("work", "out")]
    data["slas"] = [
        {"id": "business", "from": "in", "to": "work", "within": "2h", "clock": "business"},
        {"id": "elapsed", "from": "in", "to": "work", "within": "2h", "clock": "elapsed"},
    ]
    stats = run(data)
    # work starts Monday 09:00: 1 business hour (Friday 16-17) but 65 elapsed hours
    assert stats.slas["business"] == SLARecord(checked=1, breached=0, breach_rate=0.0)
    assert stats.slas["elapsed"] == SLARecord(checked=1, breached=1, breach_rate=1.0)


def test_sla_not_checked_for_leads_that_never_head_for_its_target():
    data = base_data()
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "4/h"}),
        node("mql", "decision"),
        node("call", "task", duration="10m"),
        node("won", "end", outcome="won"),
        node("nurture", "end", outcome="nurture"),
    ]
    data["edges"] = [edge("in", "mql"), edge("mql", "call", probability=0.25),
                     edge("mql", "nurture", probability=0.75), edge("call", "won")]
    data["slas"] = [{"id": "s", "from": "mql", "to": "call", "within": "1h", "clock": "elapsed"}]
    stats = run(data)
    assert stats.slas["s"].checked == stats.nodes["call"].visits
    assert stats.slas["s"].breached == 0


def test_sla_clock_stops_when_a_lead_leaves_for_a_long_nurture():
    # half the MQLs are nurtured for 30 days and come back through the decision, which
    # restarts the clock; the run stops right at the horizon ("drain": "0h"), so many leads
    # are still in the nurture then: they left the SLA's path and are not breaches
    data = base_data(horizon="60d", drain="0h")
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "4/h"}),
        node("mql", "decision"),
        node("call", "task", duration="10m"),
        node("won", "end", outcome="won"),
        node("nurture", "delay", duration="30d"),
    ]
    data["edges"] = [edge("in", "mql"), edge("mql", "call", probability=0.5),
                     edge("mql", "nurture", probability=0.5), edge("nurture", "mql"),
                     edge("call", "won")]
    data["slas"] = [{"id": "s", "from": "mql", "to": "call", "within": "1h", "clock": "elapsed"}]
    stats = run(data)
    # no staff limit: every call starts at once, so no lead can miss the SLA
    assert stats.slas["s"].breached == 0
    assert stats.slas["s"].checked == stats.nodes["call"].visits
    assert stats.nodes["call"].visits > 1000


def test_warmup_counts_only_leads_created_after_it():
    data = base_data(horizon="100h", warmup="10h")
    data["nodes"] = [node("in", "source", arrivals={"interarrival": "1h"}), node("out", "end")]
    data["edges"] = [edge("in", "out")]
    stats = run(data)
    assert stats.created == 99  # at 1 h, 2 h, ... 99 h
    assert stats.leads == 90  # from 10 h on


@pytest.mark.parametrize(("horizon", "leads"), [("200d", 600), ("211d", 900)])
def test_batches_arrive_at_their_times(horizon, leads):
    # batches on days 30, 120 and 210; arrivals stop at the horizon
    data = base_data(horizon=horizon)
    data["nodes"] = [node("in", "source", arrivals={"batch": 300, "first": "30d", "every": "90d"}),
                     node("out", "end")]
    data["edges"] = [edge("in", "out")]
    assert run(data).leads == leads


def test_weekday_profile_scales_arrivals_by_day():
    data = base_data(horizon="8w")
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "48/day", "profile": {"sat": 0, "sun": 0.5}}),
        node("out", "end"),
    ]
    data["edges"] = [edge("in", "out")]
    stats = run(data)
    expected = 48 * 8 * (5 + 0 + 0.5)
    assert abs(stats.leads - expected) <= 4 * expected**0.5


def test_several_arrival_streams_on_one_source_add_up():
    data = base_data(horizon="500h")
    data["nodes"] = [
        node("in", "source", arrivals=[{"rate": "2/h"}, {"interarrival": "30m"}]),
        node("out", "end"),
    ]
    data["edges"] = [edge("in", "out")]
    stats = run(data)
    expected = 2 * 500 + 999
    assert abs(stats.leads - expected) <= 4 * (2 * 500) ** 0.5


def test_loops_end_as_stuck_after_max_visits():
    data = base_data(horizon="500h")
    data["simulation"]["max_visits"] = 3
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "10/h"}),
        node("nurture", "delay", duration="1h"),
        node("ready", "decision"),
        node("out", "end", outcome="done"),
    ]
    data["edges"] = [edge("in", "nurture"), edge("nurture", "ready"),
                     edge("ready", "out", probability=0.1),
                     edge("ready", "nurture", probability=0.9)]
    stats = run(data)
    # a lead needs a 4th visit with probability 0.9^3
    assert binomial_ok(stats.outcomes["stuck"], stats.leads, 0.9**3)
    assert stats.stuck == stats.outcomes["stuck"]


def test_open_leads_at_the_drain_limit_are_work_in_progress():
    data = base_data(horizon="10h", drain="5h")
    data["nodes"] = [node("in", "source", arrivals={"interarrival": "1h"}),
                     node("wait", "delay", duration="100h"), node("out", "end")]
    data["edges"] = [edge("in", "wait"), edge("wait", "out")]
    stats = run(data)
    assert stats.open_at_end == 9
    assert stats.end_time == pytest.approx(15.0)


def test_same_seed_same_json_and_jobs_do_not_matter(reference_process):
    one = simulate(reference_process, replications=3, horizon="300h", jobs=1)
    again = simulate(reference_process, replications=3, horizon="300h", jobs=1)
    two = simulate(reference_process, replications=3, horizon="300h", jobs=2)
    strip = {"seconds"}
    assert one.model_dump(exclude=strip) == again.model_dump(exclude=strip)
    assert one.model_dump_json(exclude=strip) == two.model_dump_json(exclude=strip)
    other = simulate(reference_process, replications=3, horizon="300h", seed=99)
    assert other.leads.mean != one.leads.mean
