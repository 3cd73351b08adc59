"""Starting from a snapshot, remaining times conditioned on age, the outcome log, the watchdog."""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from typing import Any

import pytest
from pydantic import TypeAdapter
from scipy import integrate, stats

from laneforge.io import process_from_data
from laneforge.model import DurationDist
from laneforge.model.distributions import remaining_sampler
from laneforge.sim import SimulationError, compile_process, run_replication, simulate
from laneforge.sim.snapshot import OpenItem, Snapshot
from laneforge.sim.steps import RUNAWAY_STEPS, WATCH_FROM

from simhelpers import base_data, queue_process

DIST = TypeAdapter(DurationDist)


def _remaining_mean(spec: Any, age: float, n: int = 40_000, seed: int = 1) -> tuple[float, float]:
    """Mean and standard error of ``n`` conditional draws at ``age``."""
    draw = remaining_sampler(DIST.validate_python(spec), random.Random(seed))
    values = [draw(age) for _ in range(n)]
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(n)


def test_exponential_remaining_time_is_memoryless() -> None:
    mean, se = _remaining_mean({"dist": "exponential", "mean": "5h"}, age=12.0)
    assert abs(mean - 5.0) < 4 * se


@pytest.mark.parametrize("age", [0.0, 2.0, 7.5])
def test_uniform_remaining_time_is_half_what_is_left(age: float) -> None:
    mean, se = _remaining_mean({"dist": "uniform", "min": "0h", "max": "10h"}, age=age)
    assert abs(mean - (10.0 - age) / 2) < 4 * se


def test_lognormal_remaining_time_matches_the_integral() -> None:
    # lognormal of mean 10 h, sd 8 h; E[X - a | X > a] = integral_a^inf S(x) dx / S(a)
    m, sd, age = 10.0, 8.0, 6.0
    sigma = math.sqrt(math.log(1 + (sd / m) ** 2))
    dist = stats.lognorm(s=sigma, scale=m / math.sqrt(1 + (sd / m) ** 2))
    expected = integrate.quad(dist.sf, age, math.inf)[0] / dist.sf(age)
    mean, se = _remaining_mean({"dist": "lognormal", "mean": "10h", "sd": "8h"}, age=age)
    assert abs(mean - expected) < 4 * se


def test_triangular_fixed_and_empirical_remaining_times() -> None:
    # triangular(0, 0, 6) at age 3: X | X > 3 is triangular(3, 3, 6), mean 4, so 1 h left
    mean, se = _remaining_mean({"dist": "triangular", "min": "0h", "mode": "0h", "max": "6h"},
                               age=3.0)
    assert abs(mean - 1.0) < 4 * se
    assert remaining_sampler(DIST.validate_python("5h"), random.Random(1))(2.0) == 3.0
    empirical = {"dist": "empirical", "values": ["1h", "2h", "4h", "8h"]}
    mean, se = _remaining_mean(empirical, age=3.0)
    assert abs(mean - ((4 - 3) + (8 - 3)) / 2) < 4 * se


def test_past_the_end_of_the_support_the_job_finishes_now() -> None:
    rng = random.Random(2)
    for spec in ({"dist": "uniform", "min": "1h", "max": "2h"}, "3h",
                 {"dist": "empirical", "values": ["1h"]},
                 {"dist": "exponential", "mean": "1h", "max": "2h"}):
        assert remaining_sampler(DIST.validate_python(spec), rng)(5.0) == 0.0


def _pipeline() -> dict[str, Any]:
    """in -> call (task, 2 staff) -> nurture (delay) -> decide -> won / lost."""
    data = base_data(horizon="200h", warmup="0h")
    data["attributes"] = {"amount": {"dist": "uniform", "min": 100, "max": 200}}
    data["lanes"] = [{"id": "sdr", "name": "SDR", "staff": 2}]
    data["nodes"] = [
        {"id": "in", "kind": "source", "lane": "sdr", "arrivals": {"rate": "1/h"}},
        {"id": "call", "kind": "task", "lane": "sdr",
         "duration": {"dist": "exponential", "mean": "30m"}},
        {"id": "nurture", "kind": "delay", "lane": "sdr",
         "duration": {"dist": "uniform", "min": "0h", "max": "40h"}},
        {"id": "decide", "kind": "decision", "lane": "sdr"},
        {"id": "won", "kind": "end", "lane": "sdr", "outcome": "won"},
        {"id": "lost", "kind": "end", "lane": "sdr", "outcome": "lost"},
    ]
    data["edges"] = [
        {"from": "in", "to": "call"}, {"from": "call", "to": "nurture"},
        {"from": "nurture", "to": "decide"},
        {"from": "decide", "to": "won", "probability": 0.3},
        {"from": "decide", "to": "lost", "probability": 0.7},
    ]
    return data


def _items() -> tuple[OpenItem, ...]:
    items = [OpenItem(f"q{i}", "call", age_hours=float(i), created_hours_ago=float(i),
                      source="in", attributes={"amount": 1000.0}) for i in range(30)]
    items += [OpenItem(f"s{i}", "call", age_hours=0.2, in_service=True) for i in range(3)]
    items += [OpenItem(f"n{i}", "nurture", age_hours=30.0, created_hours_ago=50.0)
              for i in range(40)]
    items += [OpenItem("d0", "decide")]
    return tuple(items)


def test_every_placed_item_finishes_or_stays_open_once() -> None:
    process = process_from_data(_pipeline())
    snapshot = Snapshot(dt.datetime(2026, 3, 2, 9, 0), _items())
    compiled = compile_process(process, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    rec = run_replication(compiled, 0, 5, trace=trace, start_from=snapshot, outcome_log=True)
    assert rec.placed == len(snapshot.items) == 74
    finished = sum(rec.outcomes.values())
    assert rec.placed + rec.created == finished + rec.open_at_end
    assert rec.outcome_log is not None and len(rec.outcome_log) == finished
    logged = [e.item for e in rec.outcome_log if e.from_snapshot]
    assert len(logged) == len(set(logged))  # nothing finished twice
    # three calls were in service on two people: none started again at "call"
    starts = [lead for _t, lead, node, event in trace
              if event == "start" and node == compiled.nodes[1].index]
    placed_ids = set(range(1, rec.placed + 1))
    assert len([lead for lead in starts if lead in placed_ids]) == 30 + 3
    assert len(set(starts)) == len(starts)
    # the queue starts oldest first: q29 (29 h old) is the first waiting item served
    first_waiting = next(lead for lead in starts[3:] if lead in placed_ids)
    order = sorted(snapshot.items, key=lambda i: (not i.in_service, -i.age_hours))
    assert order[first_waiting - 1].id == "q29"


def test_the_rest_of_a_nurture_is_conditioned_on_its_age() -> None:
    # 400 items 30 h into a uniform(0, 40 h) nurture: they leave after uniform(0, 10 h)
    items = tuple(OpenItem(f"n{i}", "nurture", age_hours=30.0) for i in range(400))
    compiled = compile_process(process_from_data(_pipeline()), warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(compiled, 0, 9, trace=trace,
                    start_from=Snapshot(dt.datetime(2026, 3, 2), items))
    decide = next(n.index for n in compiled.nodes if n.id == "decide")
    left = [t for t, lead, node, event in trace if node == decide and lead <= 400]
    assert len(left) == 400
    assert max(left) <= 10.0
    assert abs(statistics.fmean(left) - 5.0) < 4 * (10 / math.sqrt(12)) / math.sqrt(400)


def test_outcome_log_keeps_origin_source_and_amount_through_simulate() -> None:
    process = process_from_data(_pipeline())
    snapshot = Snapshot(dt.datetime(2026, 3, 2, 9, 0), _items())
    results = simulate(process, replications=2, start_from=snapshot, outcome_log=True)
    assert results.outcome_log is not None and len(results.outcome_log) == 2
    assert results.placed == 74
    events = results.outcome_log[0]
    assert [e.time for e in events] == sorted(e.time for e in events)
    new = [e for e in events if not e.from_snapshot]
    old = [e for e in events if e.from_snapshot]
    assert new and old
    assert all(e.source == "in" and 100 <= (e.amount or 0) <= 200 for e in new)
    queued = [e for e in old if e.item and e.item.startswith("q")]
    assert queued and all(e.amount == 1000.0 and e.source == "in" for e in queued)
    # an ordinary run keeps no rows
    assert simulate(process, replications=2).outcome_log is None


def test_a_snapshot_item_at_an_unknown_node_is_refused() -> None:
    compiled = compile_process(process_from_data(_pipeline()), warmup=0.0)
    with pytest.raises(SimulationError, match="nowhere"):
        run_replication(compiled, 0, 1, start_from=Snapshot(
            dt.datetime(2026, 3, 2), (OpenItem("x", "nowhere"),)))


def test_a_snapshot_queue_on_two_staff_drains_as_theory_says() -> None:
    # 50 waiting and 2 in service on 2 staff, exponential 30 min, no arrivals: the queue is
    # empty after 50 departures at 4/h (12.5 h on average), then the last two take the
    # maximum of two exponentials (0.75 h): 13.25 h (variance 50/16 + 5/16)
    data = queue_process("1/h", "30m", 2, horizon="200h", warmup="0h").to_data()
    data["nodes"][0]["arrivals"] = {"batch": 1, "first": "1000h"}
    compiled = compile_process(process_from_data(data), warmup=0.0)
    work = next(n.index for n in compiled.nodes if n.id == "work")
    items = [OpenItem(f"w{i}", "work", age_hours=float(i)) for i in range(50)]
    items += [OpenItem(f"s{i}", "work", age_hours=1.0, in_service=True) for i in range(2)]
    last = []
    for rep in range(60):
        trace: list[tuple[float, int, int, str]] = []
        rec = run_replication(compiled, rep, 3, trace=trace,
                              start_from=Snapshot(dt.datetime(2026, 1, 5), tuple(items)))
        assert rec.outcomes["done"] == 52 and rec.open_at_end == 0
        last.append(max(t for t, _lead, node, event in trace if node == work
                        and event == "done"))
    se = math.sqrt((50 + 5) / 16 / len(last))
    assert abs(statistics.fmean(last) - 13.25) < 4 * se


def _zero_time_loop() -> dict[str, Any]:
    data = base_data(horizon="10h", warmup="0h")
    data["nodes"] = [
        {"id": "in", "kind": "source", "lane": "lane", "arrivals": {"batch": 1, "first": "1h"}},
        {"id": "ask", "kind": "decision", "lane": "lane"},
        {"id": "again", "kind": "decision", "lane": "lane"},
        {"id": "out", "kind": "end", "lane": "lane", "outcome": "done"},
    ]
    data["edges"] = [
        {"from": "in", "to": "ask"}, {"from": "ask", "to": "again"},
        {"from": "again", "to": "ask", "probability": 0.999999},
        {"from": "again", "to": "out", "probability": 0.000001},
    ]
    return data


def test_a_zero_time_loop_stops_with_an_error_naming_its_nodes() -> None:
    compiled = compile_process(process_from_data(_zero_time_loop()), check=False)
    for node in compiled.nodes:
        node.max_visits = 10**9  # as a file could once ask; the watchdog must still stop it
    trace: list[tuple[float, int, int, str]] = []
    with pytest.raises(SimulationError) as caught:
        run_replication(compiled, 0, 1, trace=trace)
    assert set(caught.value.nodes) == {"ask", "again"}
    assert "ask" in str(caught.value) and "without any time passing" in str(caught.value)
    steps = sum(1 for entry in trace if entry[3] == "enter")
    # counted once the lead has been WATCH_FROM times at a node of the two-node cycle
    assert RUNAWAY_STEPS < steps <= RUNAWAY_STEPS + 2 * WATCH_FROM + 5


def test_an_ordinary_loop_with_time_is_not_a_runaway() -> None:
    data = _zero_time_loop()
    data["nodes"][2] = {"id": "again", "kind": "delay", "lane": "lane", "duration": "1m"}
    data["edges"][2:] = [{"from": "again", "to": "ask"}]
    data["edges"][1] = {"from": "ask", "to": "again"}
    compiled = compile_process(process_from_data(data), check=False)
    for node in compiled.nodes:
        node.max_visits = 10**9
    rec = run_replication(compiled, 0, 1)  # ends at the drain limit, not with an error
    assert rec.open_at_end == 1


def test_a_pool_run_from_a_snapshot_equals_the_serial_run() -> None:
    process = process_from_data(_pipeline())
    snapshot = Snapshot(dt.datetime(2026, 3, 2, 9, 0), _items())
    serial = simulate(process, replications=2, start_from=snapshot, outcome_log=True)
    pooled = simulate(process, replications=2, start_from=snapshot, outcome_log=True, jobs=2)
    assert pooled.outcome_log == serial.outcome_log
    assert pooled.outcomes == serial.outcomes
