"""Night shifts and time zones in the engine: one lead, fixed durations, times worked out by hand.

Each process sends one lead (a batch of one) to a one-person task on a calendar lane, so its
wait and cycle time follow from the calendar alone; the lane's available hours over the
window are the working hours of the calendar, counted night by night.
"""

from __future__ import annotations

from typing import Any

import pytest

from laneforge.io import process_from_data
from laneforge.sim import compile_process, run_replication

from simhelpers import base_data


def one_lead(calendar: dict[str, Any], first: str, work: str, *, horizon: str = "2w",
             start: str | None = None, timezone: str | None = None) -> dict[str, Any]:
    data = base_data(horizon=horizon, drain="2w")
    if start is not None:
        data["start"] = start
    if timezone is not None:
        data["simulation"]["timezone"] = timezone
    data["calendars"] = {"shift": calendar}
    data["lanes"] = [{"id": "lane", "name": "Team", "staff": 1, "calendar": "shift"}]
    data["nodes"] = [
        {"id": "in", "kind": "source", "lane": "lane", "arrivals": {"batch": 1, "first": first}},
        {"id": "work", "kind": "task", "lane": "lane", "duration": work},
        {"id": "out", "kind": "end", "lane": "lane", "outcome": "done"},
    ]
    data["edges"] = [{"from": "in", "to": "work"}, {"from": "work", "to": "out"}]
    return data


def run(data: dict[str, Any]) -> dict[str, Any]:
    return run_replication(compile_process(process_from_data(data)), 0)


def test_work_on_a_night_shift_waits_for_22_00_and_carries_over_to_the_next_night():
    # Monday 10:00 arrival, 10 working hours: 22:00-06:00, then 22:00-24:00 on Tuesday
    stats = run(one_lead({"days": "daily", "hours": "22:00-06:00"}, "10h", "10h"))
    assert stats.nodes["work"].wait_hours == pytest.approx(12.0)
    assert stats.cycle.mean == pytest.approx(48.0 - 10.0)
    # two weeks of nights: Sunday's shift from the origin (6 h), 13 full, 2 h of the last
    assert stats.lanes["lane"].available_hours == pytest.approx(6 + 13 * 8 + 2)


def test_a_calendar_without_a_zone_follows_the_process_zone():
    # Friday 6 March 2026 00:00 in New York; the lead comes on Sunday night (t = 70 h), the
    # team on Monday 09:00 EDT, 80 h after the start since the clocks went forward on Sunday
    data = one_lead({"days": "mon-fri", "hours": "09:00-17:00"}, "70h", "1h",
                    start="2026-03-06T00:00", timezone="America/New_York")
    stats = run(data)
    assert stats.nodes["work"].wait_hours == pytest.approx(80.0 - 70.0)
    assert stats.cycle.mean == pytest.approx(11.0)


def test_a_zoned_calendar_in_a_process_without_a_zone_reads_the_start_in_utc():
    # the start is 00:00 UTC, 19:00 EST on Thursday; Monday 09:00 EDT is 13:00 UTC, t = 85 h
    data = one_lead({"days": "mon-fri", "hours": "09:00-17:00",
                     "timezone": "America/New_York"}, "70h", "1h", start="2026-03-06T00:00")
    stats = run(data)
    assert stats.nodes["work"].wait_hours == pytest.approx(85.0 - 70.0)


def test_available_hours_count_the_long_night_when_the_clocks_go_back():
    # London, Monday 19 October 2026 for 156 h (to Sunday 25 October 11:00 GMT): Sunday's
    # shift from the start (6 h), five nights of 8 h and Saturday's of 9 h (01:00 twice)
    data = one_lead({"days": "daily", "hours": "22:00-06:00"}, "10h", "1h", horizon="156h",
                    start="2026-10-19T00:00", timezone="Europe/London")
    assert run(data).lanes["lane"].available_hours == pytest.approx(6 + 5 * 8 + 9)
    # the same file on one wall clock, without daylight saving: 8 h on Saturday night
    del data["simulation"]["timezone"]
    assert run(data).lanes["lane"].available_hours == pytest.approx(6 + 5 * 8 + 8)
