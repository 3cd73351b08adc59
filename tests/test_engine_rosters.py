"""Lanes with a roster: capacity by the hour, checked against staff runs and queueing theory."""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any

import pytest

from laneforge.io import process_from_data
from laneforge.sim import compile_process, run_replication, simulate

from simhelpers import erlang_c, queue_process

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _queue(staff: int, roster: dict[str, dict[str, int]] | None = None,
           calendar: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    data = queue_process(kwargs.pop("rate", "4/h"), kwargs.pop("mean", "40m"), staff,
                         **kwargs).to_data()
    if roster is not None:
        data["lanes"][0]["roster"] = roster
    if calendar is not None:
        data["calendars"] = {"shift": calendar}
        data["lanes"][0]["calendar"] = "shift"
    return data


def _without_event_count(record: Any) -> Any:
    histogram = record.cycle.histogram
    figures = (histogram.n, histogram.mean, [histogram.quantile(q) for q in (0.5, 0.9)])
    return dataclasses.replace(record, events=0, cycle=dataclasses.replace(
        record.cycle, histogram=figures))


def test_a_roster_of_the_calendars_hours_gives_the_staff_runs_figures() -> None:
    calendar = {"days": "mon-fri", "hours": "09:00-17:00", "holidays": ["2026-01-07"]}
    roster = {day: {"09:00-17:00": 3} for day in DAYS[:5]}
    staffed = process_from_data(_queue(3, calendar=calendar, rate="2/h", horizon="1500h"))
    rostered = process_from_data(_queue(3, roster, calendar, rate="2/h", horizon="1500h"))
    for replication in range(3):
        a = run_replication(compile_process(staffed), replication, 11)
        b = run_replication(compile_process(rostered), replication, 11)
        assert a.leads > 500
        assert _without_event_count(a) == _without_event_count(b)


def test_a_flat_roster_matches_the_same_staff_within_the_intervals() -> None:
    roster = {day: {"00:00-24:00": 3} for day in DAYS}
    staffed = simulate(process_from_data(_queue(3, horizon="3000h")), jobs=2)
    rostered = simulate(process_from_data(_queue(3, roster, horizon="3000h")), jobs=2)
    wq = 1.595  # Erlang C: lambda 4/h, 40 min, 3 staff
    for results in (staffed, rostered):
        wait = results.nodes["work"].wait_hours
        assert wait.ci95[0] <= wq <= wait.ci95[1]
    assert rostered.lanes["team"].utilization.mean == pytest.approx(
        staffed.lanes["team"].utilization.mean, abs=0.02)


def test_a_roster_open_on_some_days_matches_erlang_c_in_working_time() -> None:
    # 2 people on Monday, Wednesday and Friday (whole days), nobody otherwise; leads arrive
    # on those days only (the profile): in working time this is M/M/2, lambda 2/h, 45 min
    roster = {day: {"00:00-24:00": 2} for day in ("mon", "wed", "fri")}
    data = _queue(2, roster, rate="2/h", mean="45m", horizon="6000h", warmup="300h")
    data["nodes"][0]["arrivals"]["profile"] = {
        day: 1.0 if day in roster else 0.0 for day in DAYS}
    results = simulate(process_from_data(data), jobs=2)
    a, mean = 2 * 0.75, 0.75
    wq = erlang_c(2, a) * mean / (2 - a)
    working = results.nodes["work"].working_wait_hours
    assert working.ci95[0] <= wq <= working.ci95[1]
    # utilisation against rostered person-hours: the offered load per person, 0.75
    assert results.lanes["team"].utilization.mean == pytest.approx(0.75, abs=0.02)
    # the clock wait is longer: some leads wait over the closed days
    assert results.nodes["work"].wait_hours.mean > working.mean * 1.5


def test_throughput_is_bounded_by_rostered_hours() -> None:
    # 12 h a day, 2 people, work of 1 h each, far more leads than they can take
    roster = {day: {"08:00-20:00": 2} for day in DAYS}
    data = _queue(2, roster, rate="10/h", mean="1h", horizon="500h", warmup="0h",
                  replications=1)
    data["nodes"][1]["duration"] = "1h"
    compiled = compile_process(process_from_data(data))
    trace: list[tuple[float, int, int, str]] = []
    record = run_replication(compiled, 0, 3, trace=trace)
    # 20 whole days and a last from 08:00 to 20:00 on day 20 (hour 488 to 500)
    rostered = record.lanes["team"].available_hours
    assert rostered == pytest.approx(2 * (20 * 12 + 12))
    done = sum(1 for t, _lead, node, event in trace
               if event == "done" and node >= 0 and t <= compiled.horizon)
    assert rostered - 2 <= done <= rostered  # each person does one job an hour
    assert record.lanes["team"].utilization == pytest.approx(1.0, abs=0.01)


def test_when_the_count_drops_work_in_service_finishes_and_new_work_waits() -> None:
    # 2 people until 12:00, 1 after; three 2-hour jobs arrive at 11:00, 11:00 and 12:30
    roster = {day: {"00:00-12:00": 2, "12:00-24:00": 1} for day in DAYS}
    data = _queue(2, roster, horizon="30h", warmup="0h", replications=1)
    data["nodes"][0]["arrivals"] = [{"batch": 2, "first": "11h"},
                                    {"batch": 1, "first": "12.5h"}]
    data["nodes"][1]["duration"] = "2h"
    compiled = compile_process(process_from_data(data))
    trace: list[tuple[float, int, int, str]] = []
    run_replication(compiled, 0, 1, trace=trace)
    starts = sorted((t, lead) for t, lead, _node, event in trace if event == "start")
    ends = sorted((t, lead) for t, lead, node, event in trace if event == "done" and node >= 0)
    assert starts == [(11.0, 1), (11.0, 2), (13.0, 3)]  # the third waits for a free person
    assert ends == [(13.0, 1), (13.0, 2), (15.0, 3)]  # the first two were not cut short


def test_a_roster_in_another_time_zone_and_a_holiday() -> None:
    # the roster is on New York time (UTC-5 in January); the process clock is UTC
    roster = {day: {"09:00-17:00": 1} for day in DAYS}
    calendar = {"days": "mon-sun", "hours": "00:00-24:00", "timezone": "America/New_York",
                "holidays": ["2026-01-06"]}
    data = _queue(1, roster, calendar, horizon="72h", warmup="0h", replications=1)
    data["simulation"]["timezone"] = "UTC"
    data["nodes"][0]["arrivals"] = {"batch": 1, "first": "1h"}
    data["nodes"][1]["duration"] = "1h"
    compiled = compile_process(process_from_data(data))
    trace: list[tuple[float, int, int, str]] = []
    record = run_replication(compiled, 0, 1, trace=trace)
    # Monday 5 January 2026 00:00 UTC; New York's 09:00 is 14:00 UTC
    (start,) = [t for t, _lead, _node, event in trace if event == "start"]
    assert start == pytest.approx(14.0)
    # Tuesday the 6th is a holiday: Monday and Wednesday, 8 h each, inside 72 h
    assert record.lanes["team"].available_hours == pytest.approx(16.0)
    assert math.isfinite(statistics.fmean([start]))
