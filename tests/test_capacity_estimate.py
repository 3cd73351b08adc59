"""The capacity estimate's parts against theory, and its determinism.

The agreement with simulated utilization on the templates is in test_sim_analysis.py."""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laneforge import load_process
from laneforge.io import process_from_data
from laneforge.model import parse_expression
from laneforge.model.calendar import Calendar, Timeline
from laneforge.sim import estimate_capacity
from laneforge.sim.engine import Stopped
from laneforge.sim.vector import (
    IntervalTable,
    WorkTable,
    code,
    decode,
    vector_function,
    work_table,
)

from conftest import template_paths
from simhelpers import base_data, queue_process


def _process(nodes, edges, lanes=None, **extra):
    data = base_data(horizon="2000h", warmup="100h")
    data["nodes"], data["edges"] = nodes, edges
    if lanes is not None:
        data["lanes"] = lanes
    data.update(extra)
    return process_from_data(data)


@pytest.mark.parametrize(("rate", "service", "staff"), [("4/h", "40m", 3), ("9/h", "5m", 1),
                                                        ("30/h", "1h", 40)])
def test_mmc_lane_utilization_is_lambda_times_service_over_staff(rate, service, staff):
    estimate = estimate_capacity(queue_process(rate, service, staff))
    lam = float(rate.split("/")[0])
    mean = {"40m": 40 / 60, "5m": 5 / 60, "1h": 1.0}[service]
    assert estimate.lane("team").utilization == pytest.approx(lam * mean / staff, rel=1e-12)


def test_a_calendar_divides_the_load_by_the_share_of_the_clock_the_lane_works():
    data = base_data(horizon="3000h", warmup="200h")
    data["calendars"] = {"office": {"days": "mon-fri", "hours": "09:00-12:00,13:00-17:00",
                                    "holidays": ["2026-02-16"]}}
    data["lanes"] = [{"id": "team", "name": "Team", "staff": 4, "calendar": "office"}]
    data["nodes"] = [
        {"id": "in", "kind": "source", "lane": "team", "arrivals": {"rate": "1/h"}},
        {"id": "work", "kind": "task", "lane": "team", "duration": "30m"},
        {"id": "out", "kind": "end", "lane": "team", "outcome": "done"},
    ]
    data["edges"] = [{"from": "in", "to": "work"}, {"from": "work", "to": "out"}]
    process = process_from_data(data)
    estimate = estimate_capacity(process)
    line = Timeline(process.calendars["office"], process.start)
    open_fraction = line.worked(200.0, 3000.0) / 2800.0
    load = estimate.lane("team")
    assert load.open_fraction == pytest.approx(open_fraction, rel=1e-12)
    assert load.utilization == pytest.approx(1.0 * 0.5 / (4 * open_fraction), rel=1e-12)


def test_visits_of_a_probability_network_with_loops_solve_the_traffic_equations():
    # in -> a; a -> b (0.6) | c (0.4); b -> a (0.5) | out (0.5); c -> c (0.2) | out (0.8)
    nodes = [
        {"id": "in", "kind": "source", "lane": "lane", "arrivals": {"rate": "5/h"}},
        {"id": "a", "kind": "decision", "lane": "lane"},
        {"id": "b", "kind": "decision", "lane": "lane"},
        {"id": "c", "kind": "decision", "lane": "lane"},
        {"id": "out", "kind": "end", "lane": "lane", "outcome": "done"},
    ]
    edges = [{"from": "in", "to": "a"}] + [
        {"from": a, "to": b, "probability": p}
        for a, b, p in [("a", "b", 0.6), ("a", "c", 0.4), ("b", "a", 0.5), ("b", "out", 0.5),
                        ("c", "c", 0.2), ("c", "out", 0.8)]
    ]
    rate = estimate_capacity(_process(nodes, edges)).node_rate
    transfer = np.zeros((5, 5))
    transfer[0, 1] = 1
    transfer[1, 2], transfer[1, 3] = 0.6, 0.4
    transfer[2, 1], transfer[2, 4] = 0.5, 0.5
    transfer[3, 3], transfer[3, 4] = 0.2, 0.8
    visits = np.linalg.solve(np.eye(5) - transfer.T, [5, 0, 0, 0, 0])
    for node, expected in zip(["in", "a", "b", "c", "out"], visits, strict=True):
        assert rate[node] == pytest.approx(expected, rel=1e-12), node
    assert rate["a"] == pytest.approx(5 / 0.7)  # closed form: a = 5 + 0.6 * 0.5 * a


def test_decay_after_a_fixed_delay_takes_the_decayed_probability_exactly():
    nodes = [
        {"id": "in", "kind": "source", "lane": "lane", "arrivals": {"rate": "2/h"}},
        {"id": "wait", "kind": "delay", "lane": "lane", "duration": "20h"},
        {"id": "call", "kind": "decision", "lane": "lane"},
        {"id": "yes", "kind": "end", "lane": "lane", "outcome": "won"},
        {"id": "no", "kind": "end", "lane": "lane", "outcome": "lost"},
    ]
    edges = [
        {"from": "in", "to": "wait"}, {"from": "wait", "to": "call"},
        {"from": "call", "to": "yes", "probability": 0.6, "decay": {"half_life": "10h"}},
        {"from": "call", "to": "no", "probability": 0.4, "default": True},
    ]
    estimate = estimate_capacity(_process(nodes, edges))
    # every lead decides 20 h after it arrived: 0.6 x 0.5 ** (20 / 10), no sampling error
    assert estimate.outcome_share["won"] == pytest.approx(0.6 * 0.25, rel=1e-9)
    assert estimate.node_rate["yes"] == pytest.approx(2 * 0.15, rel=1e-9)


def test_condition_fractions_follow_the_attribute_distribution():
    nodes = [
        {"id": "in", "kind": "source", "lane": "lane", "arrivals": {"rate": "10/h"}},
        {"id": "split", "kind": "decision", "lane": "lane"},
        {"id": "big", "kind": "end", "lane": "lane", "outcome": "big"},
        {"id": "high", "kind": "end", "lane": "lane", "outcome": "high"},
        {"id": "rest", "kind": "end", "lane": "lane", "outcome": "rest"},
    ]
    edges = [
        {"from": "in", "to": "split"},
        {"from": "split", "to": "big", "when": "segment == 'enterprise'"},
        {"from": "split", "to": "high", "when": "score >= 60"},
        {"from": "split", "to": "rest", "default": True},
    ]
    attributes = {"segment": {"choices": {"smb": 0.7, "enterprise": 0.3}},
                  "score": {"dist": "uniform", "min": 0, "max": 100}}
    share = estimate_capacity(_process(nodes, edges, attributes=attributes)).outcome_share
    # stratified draws: the shares come out within a fraction of a point
    assert share["big"] == pytest.approx(0.3, abs=0.003)
    assert share["high"] == pytest.approx(0.7 * 0.4, abs=0.01)
    assert share["rest"] == pytest.approx(0.7 * 0.6, abs=0.01)


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name.split(".")[0])
def test_the_estimate_is_the_same_for_the_same_seed(path):
    process = load_process(path)
    first, again = estimate_capacity(process, seed=3), estimate_capacity(process, seed=3)
    assert first.node_rate == again.node_rate
    assert [ld.utilization for ld in first.lanes] == [ld.utilization for ld in again.lanes]
    assert first.stage_share == again.stage_share
    other = estimate_capacity(process, seed=4)
    for a, b in zip(first.lanes, other.lanes, strict=True):
        if a.utilization is not None:
            assert b.utilization == pytest.approx(a.utilization, abs=0.06)


def test_should_stop_ends_the_estimate():
    process = load_process(template_paths()[0])
    with pytest.raises(Stopped):
        estimate_capacity(process, should_stop=lambda: True)


# --- the array forms against the simple implementations ---------------------------------

_EXPRESSIONS = [
    "score >= 65 and touches < 2",
    "(score >= 60 and segment in ['mid', 'enterprise'] and budget != 'no') or score >= 75",
    "score < 25 or (budget == 'no' and segment == 'smb')",
    "10 < score <= 70",
    "segment not in ['smb']",
    "score + 5 if segment == 'mid' else score - touches * 2",
    "score / touches",
    "score % touches",
    "touches or score",
    "not touches",
    "-score + 3",
    "segment if score > 50 else 'none'",
    "segment < 'n'",
]


@pytest.mark.parametrize("text", _EXPRESSIONS)
def test_expressions_on_columns_give_the_scalar_answers(text):
    rng = random.Random(5)
    rows = [{"score": rng.choice([0.0, 12.5, 25.0, 60.0, 64.9, 70.0, 75.0, rng.uniform(0, 100)]),
             "touches": rng.choice([0, 1, 2, 3]),
             "segment": rng.choice(["smb", "mid", "enterprise"]),
             "budget": rng.choice(["yes", "no", "unknown"])} for _ in range(400)]
    strings = frozenset({"segment", "budget"})
    columns = {
        "score": np.array([r["score"] for r in rows]),
        "touches": np.array([r["touches"] for r in rows]),
        "segment": np.array([code(r["segment"]) for r in rows]),
        "budget": np.array([code(r["budget"]) for r in rows]),
    }
    got = vector_function(text, strings)(columns, len(rows))
    want = [parse_expression(text).function(r) for r in rows]
    if any(isinstance(w, str) for w in want):
        got = decode(got)
    for value, expected in zip(got, want, strict=True):
        if isinstance(expected, bool):
            assert bool(value) == expected
        else:
            assert value == pytest.approx(expected)


_days = st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1)


@st.composite
def _calendars(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    spans = ",".join(f"{a * 15 // 60:02d}:{a * 15 % 60:02d}-{b * 15 // 60:02d}:{b * 15 % 60:02d}"
                     for a, b in zip(cuts[::2], cuts[1::2], strict=True))
    holidays = draw(st.lists(st.dates(dt.date(2026, 1, 1), dt.date(2026, 6, 30)), max_size=8))
    return Calendar(days=",".join(sorted(draw(_days))), hours=spans, holidays=holidays)


@settings(max_examples=60, deadline=None)
@given(calendar=_calendars(),
       origin=st.datetimes(dt.datetime(2025, 12, 20), dt.datetime(2026, 2, 1)),
       seed=st.integers(0, 1000))
def test_work_table_answers_like_the_timeline(calendar, origin, seed):
    line, table = Timeline(calendar, origin), WorkTable(calendar, origin, 100.0)
    rng = np.random.default_rng(seed)
    times = np.concatenate((rng.uniform(-3, 3000, 150), np.round(rng.uniform(0, 3000, 50) * 4) / 4))
    hours = np.concatenate((rng.exponential(6, 150), np.round(rng.uniform(0, 20, 50) * 2) / 2))
    hours[:20] = 0.0
    cumulative = table.cumulative(times)
    done = table.done(times, hours)
    for t, h, cum, end in zip(times, hours, cumulative, done, strict=True):
        assert cum == pytest.approx(line.cumulative(t), abs=1e-9)
        expected = line.add(line.next_open(t), h)
        # a job that ends within rounding of closing time may end at closing or at the next
        # opening: the same working instant either way
        same_instant = h > 0 and abs(line.cumulative(end) - line.cumulative(expected)) < 1e-9
        assert end == pytest.approx(expected, abs=1e-9) or same_instant
    assert math.isclose(table.worked(10.0, 2000.0), line.worked(10.0, 2000.0), abs_tol=1e-9)


ZONED = [
    (Calendar(days="mon-fri", hours="22:00-06:00"), dt.datetime(2026, 3, 4, 3, 10)),
    (Calendar(days="daily", hours="08:00-12:00,20:00-02:00", timezone="Europe/London",
              holidays=[dt.date(2026, 3, 30)]), dt.datetime(2026, 3, 20, 9, 0)),
    (Calendar(days="mon-fri", hours="09:00-17:00"),
     dt.datetime(2026, 10, 28, tzinfo=ZoneInfo("America/New_York"))),
    (Calendar(days="sat-sun", hours="10:00-14:00", timezone="Australia/Sydney"),
     dt.datetime(2026, 3, 30, 12, 0)),
]


@pytest.mark.parametrize(("calendar", "origin"), ZONED)
def test_night_spans_and_zones_get_the_interval_table_and_answer_like_the_timeline(
    calendar, origin,
):
    table = work_table(calendar, origin, 100.0)
    assert isinstance(table, IntervalTable)
    line = Timeline(calendar, origin)
    rng = np.random.default_rng(3)
    times = np.concatenate((rng.uniform(-3, 3000, 300), [0.0, 1.5, 2999.0]))
    hours = np.concatenate((rng.exponential(6, 300), [0.0, 0.0, 4.0]))
    hours[:30] = 0.0
    for t, h, cum, end in zip(times, hours, table.cumulative(times), table.done(times, hours),
                              strict=True):
        assert cum == pytest.approx(line.cumulative(t), abs=1e-9)
        assert end == pytest.approx(line.add(line.next_open(t), h), abs=1e-9)
    assert table.worked(10.0, 2000.0) == pytest.approx(line.worked(10.0, 2000.0), abs=1e-9)


def test_a_plain_calendar_keeps_the_day_tables():
    assert isinstance(work_table(Calendar(), dt.datetime(2026, 1, 5), 100.0), WorkTable)


def test_an_invalid_process_is_refused_with_the_field_named():
    from laneforge.sim import InvalidProcessError

    process = queue_process("4/h", "40m", 3)
    process.edges[1].target = "nowhere"
    with pytest.raises(InvalidProcessError, match="edges"):
        estimate_capacity(process)
