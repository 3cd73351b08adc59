"""Capacity estimate, reverse funnel, bottleneck sentences and instability warnings."""

from __future__ import annotations

import math
import re

import pytest

from laneforge.io import load_process
from laneforge.sim import estimate_capacity, reverse_funnel, simulate

from conftest import template_paths
from simhelpers import queue_process


def test_capacity_of_an_mmc_queue_is_its_offered_load():
    estimate = estimate_capacity(queue_process("4/h", "40m", 3))
    load = estimate.lane("team")
    assert load.offered == pytest.approx(4 * 40 / 60)
    assert load.utilization == pytest.approx(4 * (40 / 60) / 3)
    assert estimate.outcome_share == {"done": pytest.approx(1.0)}


def test_capacity_follows_branch_probabilities(reference_process):
    estimate = estimate_capacity(reference_process)
    rate = estimate.node_rate
    assert rate["enrich"] == pytest.approx(10.0)
    assert rate["score"] == pytest.approx(9.0)
    assert rate["first_call"] == pytest.approx(3.6)
    assert rate["discovery"] == pytest.approx(1.8)
    assert estimate.lane("field_sales").utilization == pytest.approx(1.8 * 7 / 15)
    assert estimate.outcome_share["won"] == pytest.approx(0.9 * 0.4 * 0.5 * 0.3)


@pytest.mark.slow
@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name.split(".")[0])
def test_capacity_agrees_with_simulated_utilization_on_templates(path):
    process = load_process(path)
    estimate = estimate_capacity(process)
    results = simulate(process, replications=4, jobs=2)
    for load in estimate.lanes:
        simulated = results.lanes[load.lane].utilization
        if load.utilization is None or simulated is None or load.utilization >= 1.0:
            continue
        assert simulated.mean == pytest.approx(load.utilization, abs=0.05), load.lane


def test_reverse_funnel_scales_volume_and_staff(reference_process):
    plan = reverse_funnel(reference_process, won_per_month=200, target_utilization=0.8)
    won_per_lead = 0.9 * 0.4 * 0.5 * 0.3
    assert plan.won_per_lead == pytest.approx(won_per_lead)
    assert plan.leads_per_month_now == pytest.approx(10 * 720)
    assert plan.leads_per_month_needed == pytest.approx(200 / won_per_lead)
    scale = plan.leads_per_month_needed / plan.leads_per_month_now
    # field sales: discovery (3 h) and proposal (4 h) at 1.8 visits/h each, scaled, at 80 %
    assert plan.staff["field_sales"] == (15, math.ceil(1.8 * 7 * scale / 0.8))


def test_reverse_funnel_refuses_unreachable_outcomes(reference_process):
    with pytest.raises(ValueError, match="no lead ends with outcome 'signed'"):
        reverse_funnel(reference_process, 10, won_outcome="signed")


def test_bottleneck_sentence_names_lane_utilization_wait_and_sla():
    process = queue_process("4/h", "40m", 3, horizon="1500h", replications=4, sla_within="1h")
    results = simulate(process)
    top = results.bottlenecks[0]
    assert top.lane == "team" and top.node == "work"
    assert top.utilization == pytest.approx(0.89, abs=0.03)
    assert top.reason.startswith("Team runs at 8") or top.reason.startswith("Team runs at 9")
    assert "wait" in top.reason and "“Work”" in top.reason
    assert "miss “Worked promptly”" in top.reason
    assert re.search(r"About \d+ more (person|people) would bring it to \d+ %", top.reason)


def test_unstable_queue_is_reported_plainly():
    process = queue_process("6/h", "12m", 1, horizon="500h", warmup="0h", replications=2)
    results = simulate(process)
    assert any("cannot keep up" in w and "120 %" in w for w in results.warnings)
    assert results.bottlenecks[0].severity == "critical"


def test_quiet_process_has_no_bottleneck():
    results = simulate(queue_process("1/h", "10m", 2, horizon="500h", replications=2))
    assert results.bottlenecks == []


def test_results_json_follows_the_schema(reference_process):
    results = simulate(reference_process, replications=2, horizon="200h")
    data = results.model_dump(mode="json")
    for key in ("format", "version", "process", "scenario", "replications", "seed",
                "horizon_hours", "warmup_hours", "leads", "outcomes", "stages",
                "cycle_time_hours", "nodes", "lanes", "slas", "bottlenecks", "warnings"):
        assert key in data
    assert data["format"] == "laneforge/results"
    assert set(data["leads"]) == {"mean", "ci95", "min", "max"}
    assert set(data["cycle_time_hours"]) == {"mean", "p50", "p90"}
    assert set(data["nodes"]["first_call"]) >= {"visits", "wait_hours", "service_hours",
                                                "queue_max"}
    assert set(data["lanes"]["inside_sales"]) >= {"utilization", "queue_mean", "cost"}
    low, high = data["leads"]["ci95"]
    assert low <= data["leads"]["mean"] <= high
