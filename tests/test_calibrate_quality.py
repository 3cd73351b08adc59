"""Calibrating how fast contact data goes stale from a CRM's activity history: the estimator
against draws of a known share, and the whole calibration on synthetic CRM exports made by
a process whose share is known (bounces and wrong numbers logged where its contact steps
hit out-of-date records)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from laneforge.app.calibrate import fit
from laneforge.app.calibrate_quality import fit_stale_share
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.io import load_process, process_from_data

R = 0.05


def test_the_estimate_holds_the_share_it_was_drawn_from():
    rng = np.random.default_rng(7)
    inside = 0
    trials = 40
    for _ in range(trials):
        age = rng.exponential(45 * 24, 2000)
        stale = rng.random(2000) < 1 - (1 - R) ** (age / 720)
        f = fit_stale_share(age, stale)
        assert f is not None and f.n == 2000 and f.stale == int(stale.sum())
        inside += f.ci95[0] <= R <= f.ci95[1]
    # a 95 % interval: at least 33 of 40 (the binomial's 0.1 % lower tail is 32)
    assert inside >= 33


def test_no_bounce_at_all_gives_zero_with_the_profile_bound():
    age = np.full(500, 30 * 24.0)  # 500 first contacts a month after creation
    f = fit_stale_share(age, np.zeros(500, dtype=bool))
    assert f is not None and f.share == 0.0 and f.ci95[0] == 0.0
    # log L(k) = -k * sum(months): the bound is where it is 1.92 below 0
    assert f.ci95[1] == pytest.approx(-math.expm1(-1.920729 / 500), rel=1e-6)
    assert fit_stale_share(np.zeros(3), np.zeros(3, dtype=bool)) is None


def _process(steps: list[dict[str, Any]], decay: float | None) -> dict[str, Any]:
    nodes = [{"id": "web", "kind": "source", "lane": "m", "arrivals": {"rate": "30/day"}},
             *steps,
             {"id": "check", "kind": "decision", "lane": "s"},
             {"id": "won", "kind": "end", "lane": "s", "outcome": "won"},
             {"id": "bad", "kind": "end", "lane": "s", "outcome": "unreachable"}]
    ids = [n["id"] for n in nodes]
    edges = [{"from": a, "to": b} for a, b in itertools.pairwise(ids[:-2])]
    edges += [{"from": "check", "to": "bad", "when": "stale"},
              {"from": "check", "to": "won", "default": True}]
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "contact data",
        "lanes": [{"id": "m", "staff": None}, {"id": "ops", "staff": 40},
                  {"id": "s", "staff": 40}],
        "nodes": nodes, "edges": edges}
    if decay is not None:
        data["data_quality"] = {"decay_per_month": decay}
    return data


CALL = {"id": "call", "kind": "task", "lane": "s", "contact": True, "name": "First call",
        "duration": "15m"}


def test_calibration_recovers_the_share_from_bounces_and_wrong_numbers():
    steps = [{"id": "nurture", "kind": "delay", "lane": "m",
              "duration": {"dist": "exponential", "mean": "45d"}}, CALL]
    crm = synthetic_crm(process_from_data(_process(steps, R)), days=240, seed=2)
    assert crm.mapping.stale_activities == ["Wrong number", "Email bounced"]
    # fitted on a process that knows nothing of stale data (the 'stale' branch aside)
    start = process_from_data(_process(steps, 0.2))
    cal = fit(start, crm.log, crm.mapping)
    f = cal.stale
    assert f is not None and f.ci95[0] <= R <= f.ci95[1] and f.n > 3000
    change = cal.change("data_quality.decay_per_month")
    assert change.old == 0.2 and change.new == pytest.approx(f.share, abs=1e-4)
    assert cal.process.data_quality.decay_per_month == change.new


def test_a_cleansing_step_restarts_the_age_the_fit_measures():
    steps = [{"id": "old", "kind": "delay", "lane": "m", "duration": "120d"},
             {"id": "enrich", "kind": "task", "lane": "ops", "cleanse": True,
              "name": "Enrich record", "duration": "5m"},
             {"id": "handoff", "kind": "delay", "lane": "m",
              "duration": {"dist": "exponential", "mean": "20d"}}, CALL]
    crm = synthetic_crm(process_from_data(_process(steps, 0.1)), days=300, seed=4)
    cal = fit(process_from_data(_process(steps, 0.01)), crm.log, crm.mapping)
    f = cal.stale
    # aged from creation (4+ months) the share would come out far too low
    assert f is not None and f.ci95[0] <= 0.1 <= f.ci95[1]


def test_without_stale_activities_in_the_mapping_it_says_what_to_map():
    steps = [{"id": "nurture", "kind": "delay", "lane": "m", "duration": "10d"}, CALL]
    crm = synthetic_crm(process_from_data(_process(steps, R)), days=60, seed=1)
    mapping = crm.mapping.model_copy(update={"stale_activities": []})
    cal = fit(process_from_data(_process(steps, R)), crm.log, mapping)
    assert cal.stale is None
    assert "stale_activities" in cal.reasons["data_quality.decay_per_month"]
    assert all("data_quality" not in c.path for c in cal.changes)


def test_records_bad_from_the_start_are_told_apart_from_decay():
    steps = [{"id": "nurture", "kind": "delay", "lane": "m",
              "duration": {"dist": "exponential", "mean": "60d"}}, CALL]
    truth = _process(steps, R)
    truth["data_quality"]["invalid_at_capture"] = 0.15
    crm = synthetic_crm(process_from_data(truth), days=300, seed=6)
    cal = fit(process_from_data(_process(steps, 0.2)), crm.log, crm.mapping)
    f = cal.stale
    assert f is not None and f.capture is not None
    q, (low, high) = f.capture
    assert low <= 0.15 <= high and f.ci95[0] <= R <= f.ci95[1]
    assert cal.change("data_quality.invalid_at_capture").new == pytest.approx(q, abs=1e-4)


def test_the_template_comes_back_from_its_own_export_with_touches_and_stale_data():
    """capture-nurture-cleanse: a cadence's emails and the SDRs' calls are logged touches,
    wrong numbers mark the calls that hit stale records, a quarterly batch (not in the
    export, taken from the process's schedule) restores every open record. Fitted from
    wrong starting values, every rate's interval holds the template's own."""
    from conftest import REPO

    truth = load_process(REPO / "processes" / "capture-nurture-cleanse.lane.json")
    crm = synthetic_crm(truth, days=200, seed=3)
    data = truth.to_data()
    rates = {"nurture": 0.04, "first_call": 0.3}
    for node in data["nodes"]:
        if node["id"] in rates:
            node["touch"]["response_rate"] = 0.5
    data["data_quality"].update(decay_per_month=0.2, invalid_at_capture=0.0)
    cal = fit(process_from_data(data), crm.log, crm.mapping)
    for node, rate in rates.items():
        change = cal.change(f"nodes.{node}.touch.response_rate")
        assert change.ci95[0] <= rate <= change.ci95[1], (node, change)
    f = cal.stale
    assert f is not None and f.ci95[0] <= 0.021 <= f.ci95[1]
    assert f.capture is not None and f.capture[1][0] <= 0.12 <= f.capture[1][1]


def test_a_cadences_exits_bound_the_touch_weights_around_the_truth():
    """Engagement after a cadence touch is linear in the weights, so each check the export
    shows (the cadence went on: below 50; it let the lead go early without an answer: 50 or
    more) is a linear inequality. From weights twice the template's, every weight a check
    bounds comes back into a range that holds the template's own, and the nurture email's
    range is narrow (every nurtured lead's checks involve it)."""
    from conftest import REPO

    truth = load_process(REPO / "processes" / "capture-nurture-cleanse.lane.json")
    crm = synthetic_crm(truth, days=200, seed=3)
    data = truth.to_data()
    weights = {}
    for node in data["nodes"]:
        if "touch" in node:
            weights[node["id"]] = node["touch"]["weight"]
            node["touch"]["weight"] *= 2
        elif "touch_weight" in node:
            weights[node["id"]] = node["touch_weight"]
            node["touch_weight"] *= 2
    cal = fit(process_from_data(data), crm.log, crm.mapping)
    bounded = [c for c in cal.changes if c.path.endswith(("touch.weight", "touch_weight"))]
    assert len(bounded) >= 5
    for change in bounded:
        node = change.path.split(".")[1]
        low, high = change.ci95
        assert low <= weights[node] <= high, change
        assert low - 1e-6 <= change.new <= high + 1e-6
    nurture = cal.change("nodes.nurture.touch.weight")
    assert nurture.ci95[1] - nurture.ci95[0] < 1.0
    # the calibrated process makes every check the export shows come out as it did
    f = next(w for w in cal.weights if w.cadence == "nurture")
    assert f.margin > 0 and f.checks > 1000
