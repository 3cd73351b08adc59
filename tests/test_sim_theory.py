"""The engine against queueing theory: M/M/1, M/M/c (Erlang C), priorities, SLA tails, Little."""

from __future__ import annotations

import math

import pytest

import laneforge
from laneforge.sim import simulate

from simhelpers import mmc_wq, queue_process


def inside(value: float, stat) -> bool:
    return stat.ci95[0] <= value <= stat.ci95[1]


@pytest.mark.slow
def test_mm1_wait_and_utilization_match_theory():
    # lambda 4/h, mu 5/h: rho 0.8, Wq = rho / (mu - lambda) = 0.8 h
    results = simulate(queue_process("4/h", "12m", 1, horizon="4000h"), jobs=2)
    assert inside(0.8, results.nodes["work"].wait_hours)
    assert results.lanes["team"].utilization.mean == pytest.approx(0.8, abs=0.02)


@pytest.mark.slow
@pytest.mark.parametrize(("staff", "wq", "p_wait"), [(3, 1.595, 0.7975), (4, 0.1892, None)])
def test_mmc_through_the_file_format(staff, wq, p_wait):
    # lambda 4/h, mean service 40 min; the analytic values quoted in the issue
    assert mmc_wq(4.0, 40 / 60, staff) == pytest.approx(wq, abs=5e-4)
    process = queue_process("4/h", "40m", staff, horizon="4000h", sla_within="1s")
    results = simulate(process, jobs=2)
    assert inside(wq, results.nodes["work"].wait_hours)
    assert results.lanes["team"].utilization.mean == pytest.approx(4 * (40 / 60) / staff,
                                                                   abs=0.02)
    if p_wait is not None:
        # P(wait > 1 s) = C(c, a) * exp(-(c mu - lambda) / 3600), indistinguishable from P(wait)
        assert inside(p_wait * math.exp(-(staff * 1.5 - 4) / 3600),
                      results.slas["wait"].breach_rate)


@pytest.mark.slow
def test_sla_breach_rate_matches_mm1_waiting_tail():
    # M/M/1: P(Wq > t) = rho * exp(-(mu - lambda) t); t = 1 h gives 0.8 / e
    process = queue_process("4/h", "12m", 1, horizon="4000h", sla_within="1h")
    results = simulate(process, jobs=2)
    assert inside(0.8 * math.exp(-1.0), results.slas["wait"].breach_rate)


@pytest.mark.slow
def test_non_preemptive_priorities_match_cobham():
    # two classes, 2/h each, exponential 12 min, one server; rho1 = 0.4, rho = 0.8
    # W0 = sum(lambda_i E[S_i^2]) / 2 = 4 * 0.08 / 2 = 0.16 h
    # Wq(high) = W0 / (1 - rho1) = 0.2667 h; Wq(low) = W0 / ((1 - rho1)(1 - rho)) = 1.3333 h
    data = {
        "format": "laneforge/process", "version": 1, "name": "priorities",
        "simulation": {"horizon": "4000h", "warmup": "200h", "replications": 10, "seed": 11},
        "lanes": [{"id": "team", "name": "Team", "staff": 1}],
        "nodes": [
            {"id": "hot", "kind": "source", "lane": "team", "arrivals": {"rate": "2/h"}},
            {"id": "cold", "kind": "source", "lane": "team", "arrivals": {"rate": "2/h"}},
            {"id": "call_hot", "kind": "task", "lane": "team", "priority": 2,
             "duration": {"dist": "exponential", "mean": "12m"}},
            {"id": "call_cold", "kind": "task", "lane": "team", "priority": 1,
             "duration": {"dist": "exponential", "mean": "12m"}},
            {"id": "out", "kind": "end", "lane": "team"},
        ],
        "edges": [
            {"from": "hot", "to": "call_hot"}, {"from": "cold", "to": "call_cold"},
            {"from": "call_hot", "to": "out"}, {"from": "call_cold", "to": "out"},
        ],
    }
    results = simulate(laneforge.io.process_from_data(data), jobs=2)
    assert inside(0.16 / 0.6, results.nodes["call_hot"].wait_hours)
    assert inside(0.16 / (0.6 * 0.2), results.nodes["call_cold"].wait_hours)


@pytest.mark.slow
def test_littles_law_on_each_lane_of_the_reference_funnel(reference_process):
    # time-average queue = arrival rate x mean wait, per lane, over the same window
    results = simulate(reference_process, replications=4, horizon="3000h", warmup="100h")
    window = results.horizon_hours - results.warmup_hours
    lanes = results.labels["node_lanes"]
    for lane_id, lane in results.lanes.items():
        waiting = sum(
            node.visits.mean * node.wait_hours.mean
            for node_id, node in results.nodes.items()
            if lanes[node_id] == lane_id
        )
        assert lane.queue_mean.mean == pytest.approx(waiting / window, rel=0.05)


def test_utilization_equals_offered_load_on_a_light_queue():
    # a deterministic check of the busy-time bookkeeping: rho = lambda E[S] / c
    results = simulate(queue_process("2/h", "30m", 2, horizon="2000h", replications=4))
    assert results.lanes["team"].utilization.mean == pytest.approx(0.5, abs=0.02)
