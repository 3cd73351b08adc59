"""Calibration recovers a known process from the CRM log it produced.

A small process with every fitted item (two Poisson sources with and without a weekday
profile, a repeating import, probability branches, a decaying branch, a nurture loop, a
fixed hand-over delay, tasks with triangular, lognormal and exponential durations, two
lanes on one calendar) is simulated into a synthetic CRM log. A deliberately wrong copy
(rates doubled, probabilities shifted, staff halved, durations off, the calendar wrong) is
fitted to it, and each parameter must come back within a tolerance derived from its sample
size: binomial for probabilities, Poisson for rates, the normal interval of a mean for
durations.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from laneforge.app.calibrate import Calibration, fit
from laneforge.app.crm_synthetic import SyntheticCrm, synthetic_crm
from laneforge.io import process_from_data
from laneforge.model import Process, validate
from laneforge.model.distributions import DURATION_DISTS
from laneforge.model.validation import errors

#: |fitted - true| must be within this many standard errors (two-sided 0.1 %)
SIGMAS = 3.3
DAYS = 84


def truth_data() -> dict[str, Any]:
    return {
        "format": "laneforge/process", "version": 1, "name": "Known funnel",
        "calendars": {"office": {"days": "mon-fri", "hours": "09:00-12:30,13:30-17:30"}},
        "stages": ["Lead", "MQL", "SQL"],
        "lanes": [
            {"id": "marketing", "name": "Marketing", "staff": 3, "calendar": "office"},
            {"id": "sales", "name": "Sales", "staff": 4, "calendar": "office"},
        ],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "name": "Website",
             "stage": "Lead",
             "arrivals": {"rate": "60/day", "profile": {"mon": 1.3, "tue": 1.3, "wed": 1.2,
                                                        "thu": 1.1, "fri": 1.0, "sat": 0.6,
                                                        "sun": 0.5}}},
            {"id": "partner", "kind": "source", "lane": "marketing", "name": "Partners",
             "stage": "Lead", "arrivals": [{"rate": "20/day"},
                                           {"batch": 150, "first": "3d", "every": "28d"}]},
            {"id": "enrich", "kind": "task", "lane": "marketing", "name": "Enrich",
             "duration": {"dist": "triangular", "min": "3m", "mode": "5m", "max": "10m"}},
            {"id": "is_dup", "kind": "decision", "lane": "marketing", "name": "Duplicate?"},
            {"id": "merged", "kind": "end", "lane": "marketing", "name": "Merged",
             "outcome": "duplicate"},
            {"id": "score", "kind": "task", "lane": "marketing", "name": "Score",
             "duration": {"dist": "lognormal", "mean": "4m", "sd": "2m"}},
            {"id": "is_mql", "kind": "decision", "lane": "marketing", "name": "MQL?"},
            {"id": "nurture", "kind": "delay", "lane": "marketing", "name": "Nurture",
             "duration": {"dist": "uniform", "min": "5d", "max": "15d"}},
            {"id": "junk", "kind": "end", "lane": "marketing", "name": "Junk",
             "outcome": "disqualified"},
            {"id": "assign", "kind": "delay", "lane": "sales", "name": "Assign",
             "stage": "MQL", "duration": "2m"},
            {"id": "first_call", "kind": "task", "lane": "sales", "name": "First call",
             "duration": {"dist": "exponential", "mean": "15m"}},
            {"id": "is_sql", "kind": "decision", "lane": "sales", "name": "SQL?"},
            {"id": "cold", "kind": "end", "lane": "sales", "name": "Went cold",
             "outcome": "lost"},
            {"id": "meeting", "kind": "task", "lane": "sales", "name": "Discovery meeting",
             "stage": "SQL",
             "duration": {"dist": "triangular", "min": "40m", "mode": "1h", "max": "1.5h"}},
            {"id": "is_won", "kind": "decision", "lane": "sales", "name": "Won?"},
            {"id": "won", "kind": "end", "lane": "sales", "name": "Won", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "sales", "name": "Closed lost",
             "outcome": "lost"},
        ],
        "edges": [
            {"from": "web", "to": "enrich"}, {"from": "partner", "to": "enrich"},
            {"from": "enrich", "to": "is_dup"},
            {"from": "is_dup", "to": "merged", "probability": 0.1},
            {"from": "is_dup", "to": "score", "probability": 0.9},
            {"from": "score", "to": "is_mql"},
            {"from": "is_mql", "to": "assign", "probability": 0.35},
            {"from": "is_mql", "to": "nurture", "probability": 0.4},
            {"from": "is_mql", "to": "junk", "probability": 0.25},
            {"from": "nurture", "to": "score"},
            {"from": "assign", "to": "first_call"},
            {"from": "first_call", "to": "is_sql"},
            {"from": "is_sql", "to": "meeting", "probability": 0.6,
             "decay": {"half_life": "24h", "since": "is_mql"}},
            {"from": "is_sql", "to": "cold", "probability": 0.4, "default": True},
            {"from": "meeting", "to": "is_won"},
            {"from": "is_won", "to": "won", "probability": 0.3},
            {"from": "is_won", "to": "lost", "probability": 0.7},
        ],
    }


def wrong_data() -> dict[str, Any]:
    """The truth with every fitted number off: what a first guess looks like."""
    data = truth_data()
    data["calendars"]["office"] = {"days": "mon-sat", "hours": "08:00-18:00"}
    data["lanes"][0]["staff"], data["lanes"][1]["staff"] = 1, 2
    nodes = {n["id"]: n for n in data["nodes"]}
    nodes["web"]["arrivals"] = {"rate": "120/day"}
    nodes["partner"]["arrivals"] = {"rate": "40/day"}
    nodes["enrich"]["duration"] = {"dist": "exponential", "mean": "15m"}
    nodes["score"]["duration"] = "10m"
    nodes["first_call"]["duration"] = {"dist": "triangular", "min": "20m", "mode": "30m",
                                       "max": "45m"}
    nodes["meeting"]["duration"] = "2h"
    nodes["nurture"]["duration"] = "30d"
    nodes["assign"]["duration"] = "1h"
    shifted = {("is_dup", "merged"): 0.3, ("is_dup", "score"): 0.7,
               ("is_mql", "assign"): 0.2, ("is_mql", "nurture"): 0.2,
               ("is_mql", "junk"): 0.6, ("is_sql", "meeting"): 0.3, ("is_sql", "cold"): 0.7,
               ("is_won", "won"): 0.5, ("is_won", "lost"): 0.5}
    for edge in data["edges"]:
        key = (edge["from"], edge["to"])
        if key in shifted:
            edge["probability"] = shifted[key]
        if "decay" in edge:
            edge["decay"] = {"half_life": "96h", "since": "is_mql"}
    return data


@pytest.fixture(scope="module")
def crm() -> SyntheticCrm:
    return synthetic_crm(process_from_data(truth_data()), days=DAYS, seed=11)


@pytest.fixture(scope="module")
def wrong() -> Process:
    return process_from_data(wrong_data())


@pytest.fixture(scope="module")
def calibration(crm: SyntheticCrm, wrong: Process) -> Calibration:
    return fit(wrong, crm.log, crm.mapping)


def test_the_input_process_is_not_modified(crm: SyntheticCrm) -> None:
    process = process_from_data(wrong_data())
    before = copy.deepcopy(process.to_data())
    result = fit(process, crm.log, crm.mapping)
    assert process.to_data() == before
    assert result.process is not process
    assert result.process.to_data() != before


def test_the_calibrated_process_is_valid(calibration: Calibration) -> None:
    assert errors(validate(calibration.process)) == []
    again = process_from_data(json.loads(json.dumps(calibration.process.to_data())))
    assert again == calibration.process


def _weeks_exposure(calibration: Calibration, node: str) -> float:
    return calibration.sources[node].weeks * 7.0


def test_arrival_rates_come_back_within_poisson_tolerance(calibration: Calibration) -> None:
    truth = process_from_data(truth_data())
    for node, field in (("web", "nodes.web.arrivals.rate"),
                        ("partner", "nodes.partner.arrivals")):
        source = truth.node(node)
        steady = next(a for a in source.arrival_list() if hasattr(a, "rate"))
        true_per_day = steady.mean_per_hour * 24.0
        days = _weeks_exposure(calibration, node)
        fitted = calibration.sources[node].rate_per_day
        tolerance = SIGMAS * math.sqrt(true_per_day * days) / days
        assert abs(fitted - true_per_day) <= tolerance, (node, fitted, true_per_day)
        lo, hi = calibration.sources[node].ci95
        assert lo < fitted < hi
        assert any(c.path == field for c in calibration.changes)


def test_weekday_profile_comes_back(calibration: Calibration) -> None:
    truth = {"mon": 1.3, "tue": 1.3, "wed": 1.2, "thu": 1.1, "fri": 1.0, "sat": 0.6, "sun": 0.5}
    mean = sum(truth.values()) / 7
    fit_ = calibration.sources["web"]
    assert fit_.profile is not None
    weeks = fit_.weeks
    day_mean = fit_.n / 7.0
    for day, weight in truth.items():
        expected = 60.0 * weight * weeks  # leads on that weekday over the whole weeks
        tolerance = SIGMAS * math.sqrt(expected) / day_mean + 0.005  # + rounding to 0.01
        assert abs(fit_.profile[day] - weight / mean) <= tolerance, day
    # the partners' steady arrivals have no profile and get none
    assert calibration.sources["partner"].profile is None


def test_repeating_import_is_found_as_a_batch(calibration: Calibration) -> None:
    batches = calibration.sources["partner"].batches
    assert len(batches) == 1
    batch = batches[0]
    assert batch.size == 150 and batch.every_days == 28.0 and batch.count == 3
    change = calibration.change("nodes.partner.arrivals")
    assert change.new[1] == {"batch": 150, "first": "3d", "every": "28d"}
    # the imports' leads are left out of the steady rate (with the odd steady lead that
    # happened to come in during an import's minute)
    assert 450 <= calibration.sources["partner"].burst_leads <= 453


def test_branch_probabilities_come_back_within_binomial_tolerance(
        calibration: Calibration) -> None:
    truth = {("is_dup", "merged"): 0.1, ("is_dup", "score"): 0.9,
             ("is_mql", "assign"): 0.35, ("is_mql", "nurture"): 0.4, ("is_mql", "junk"): 0.25,
             ("is_won", "won"): 0.3, ("is_won", "lost"): 0.7}
    for (node, target), p in truth.items():
        branch = calibration.branches[node]
        fitted, (lo, hi), _ = branch.targets[target]
        assert abs(fitted - p) <= SIGMAS * math.sqrt(p * (1 - p) / branch.n), (node, target)
        assert lo <= fitted <= hi
        change = calibration.change(f"edges.{node}->{target}.probability")
        assert change.n == branch.n
        assert abs(change.new - fitted) <= 1e-4 + 1e-9


def test_nurture_loop_counts_every_pass(calibration: Calibration, crm: SyntheticCrm) -> None:
    # a lead that comes back from nurture passes "MQL?" again: every pass is counted
    branch = calibration.branches["is_mql"]
    leads_scored_first = calibration.branches["is_dup"].targets["score"][2]
    assert branch.n > leads_scored_first * 1.3
    nurtured = (crm.log.events["value"] == "Nurture").sum()
    assert branch.seen["nurture"] == nurtured


def test_decay_half_life_and_base_come_back(calibration: Calibration) -> None:
    branch = calibration.branches["is_sql"]
    decay = branch.decay["meeting"]
    assert decay.identified
    se_log = (math.log(decay.ci95[1]) - math.log(decay.ci95[0])) / (2 * 1.96)
    assert abs(math.log(decay.half_life) - math.log(24.0)) <= SIGMAS * se_log
    se_base = (decay.base_ci95[1] - decay.base_ci95[0]) / (2 * 1.96)
    assert abs(decay.base - 0.6) <= SIGMAS * se_base
    change = calibration.change("edges.is_sql->meeting.decay.half_life")
    assert change.old == "96h"
    # the default edge gets what the decaying one leaves at age 0
    cold = calibration.change("edges.is_sql->cold.probability")
    meeting = calibration.change("edges.is_sql->meeting.probability")
    assert cold.new + meeting.new == pytest.approx(1.0, abs=1e-9)


def _true_dist(node: str) -> Any:
    truth = process_from_data(truth_data())
    return truth.node(node).duration


@pytest.mark.parametrize(("node", "family"), [
    ("enrich", "triang"), ("score", "lognorm"), ("first_call", "expon"),
    ("meeting", "triang"),
])
def test_task_durations_come_back(calibration: Calibration, node: str, family: str) -> None:
    fit_ = calibration.durations[node]
    dist = _true_dist(node)
    true_mean = float(dist.mean)
    sd = float(dist.sd) if hasattr(dist, "sd") else _sd(dist)
    assert abs(fit_.mean - true_mean) <= SIGMAS * sd / math.sqrt(fit_.n), node
    assert fit_.family == family
    assert fit_.runner_up is not None and fit_.runner_up.distance >= fit_.distance
    new = calibration.change(f"nodes.{node}.duration").new
    parsed = DURATION_DISTS[new["dist"]].model_validate(new)
    assert abs(float(parsed.mean) - true_mean) <= SIGMAS * sd / math.sqrt(fit_.n) + 0.01


def _sd(dist: Any) -> float:
    """Standard deviation of a triangular or exponential duration (hours)."""
    if dist.dist == "exponential":
        return float(dist.mean)
    a, c, b = float(dist.min), float(dist.mode), float(dist.max)
    return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)


def test_delays_come_back(calibration: Calibration) -> None:
    nurture = calibration.durations["nurture"]
    lo, hi = 5 * 24.0, 15 * 24.0
    sd = (hi - lo) / math.sqrt(12)
    assert abs(nurture.mean - (lo + hi) / 2) <= SIGMAS * sd / math.sqrt(nurture.n)
    assert nurture.family == "uniform"
    # the hand-over is a fixed two minutes, give or take the log's whole seconds
    assert calibration.durations["assign"].family == "fixed"
    assert calibration.change("nodes.assign.duration").new == "2m"


def test_staff_comes_back_from_owners_active_per_week(calibration: Calibration) -> None:
    for lane, staff in (("marketing", 3), ("sales", 4)):
        fit_ = calibration.lanes[lane]
        assert fit_.staff == staff
        assert fit_.ci95[0] <= staff <= fit_.ci95[1]
        assert fit_.owners_seen == staff  # queues and the integration user are left out
        assert calibration.change(f"lanes.{lane}.staff").n == fit_.weeks


def test_calendar_comes_back_from_when_work_is_logged(calibration: Calibration) -> None:
    calendar = calibration.process.calendars["office"]
    assert calendar.days == "mon-fri"
    assert calendar.hours == "09:00-12:30,13:30-17:30"
    assert calibration.change("calendars.office.hours").old == "08:00-18:00"


def test_fit_json_has_the_contract_sections(calibration: Calibration) -> None:
    data = json.loads(json.dumps(calibration.to_fit_json()))
    assert data["format"] == "laneforge/calibration" and data["version"] == 1
    assert set(data) == {"format", "version", "data", "sources", "branches", "lanes", "tasks",
                         "changes", "not_calibrated", "reasons"}
    assert list(data["reasons"]) == data["not_calibrated"]  # each with why, in words
    assert set(data["data"]) == {"format", "cases", "from", "to", "fit_until"}
    web = data["sources"]["web"]
    assert {"rate_per_day", "ci95", "n", "profile"} <= set(web)
    assert data["sources"]["partner"]["batches"][0]["every_days"] == 28.0
    assert data["branches"]["is_won"]["won"].keys() >= {"probability", "ci95", "n"}
    assert data["lanes"]["sales"] == {"staff": 4, "owners_seen": 4}
    assert data["tasks"]["enrich"]["duration"]["dist"] == "triangular"
    for change in data["changes"]:
        assert {"path", "old", "new", "n"} <= set(change)
    calibration.validation = {"checks": [], "verdict": "green"}
    try:
        assert calibration.to_fit_json()["validation"]["verdict"] == "green"
    finally:
        calibration.validation = None


def test_what_the_data_does_not_cover_is_listed_and_kept(crm: SyntheticCrm,
                                                         wrong: Process) -> None:
    mapping = crm.mapping.model_copy(deep=True)
    del mapping.activities["Discovery meeting"]
    result = fit(wrong, crm.log, mapping)
    assert "nodes.meeting.duration" in result.not_calibrated
    assert "activity" in result.reasons["nodes.meeting.duration"]
    assert result.process.node("meeting").duration == wrong.node("meeting").duration
    assert "nodes.meeting.duration" not in result.to_fit_json()["tasks"]
    assert "nodes.meeting.duration" in result.to_fit_json()["not_calibrated"]


def test_fit_until_ignores_later_data(crm: SyntheticCrm, wrong: Process) -> None:
    until = crm.log.start + (crm.log.end - crm.log.start) / 2
    result = fit(wrong, crm.log, crm.mapping, fit_until=until)
    assert result.data["fit_until"] == until.isoformat()
    assert result.data["cases"] == int((crm.log.cases["created"] < until).sum())
    web = result.sources["web"]
    assert web.weeks == 6
    days = web.weeks * 7.0
    true_per_day = 60.0 * 7.0 / 7.0
    assert abs(web.rate_per_day - true_per_day) <= SIGMAS * math.sqrt(true_per_day * days) / days


def test_a_log_of_leads_alone_fits_the_arrivals_and_lists_the_rest(crm: SyntheticCrm,
                                                                    wrong: Process) -> None:
    from dataclasses import replace

    from laneforge.io.crm.eventlog import empty_events

    bare = replace(crm.log, events=empty_events())
    result = fit(wrong, bare, crm.mapping)
    assert {c.path.split(".")[1] for c in result.changes} == {"web", "partner"}
    for path in ("nodes.enrich.duration", "nodes.nurture.duration", "lanes.sales.staff",
                 "nodes.is_mql.branches"):
        assert path in result.not_calibrated and result.reasons[path]
    assert errors(validate(result.process)) == []


def test_batches_the_export_does_not_show_are_kept(crm: SyntheticCrm) -> None:
    data = wrong_data()
    data["nodes"][0]["arrivals"] = [{"rate": "120/day"}, {"batch": 90, "every": "60d"}]
    result = fit(process_from_data(data), crm.log, crm.mapping)
    assert result.sources["web"].batches == []  # the website never sends an import
    new = result.change("nodes.web.arrivals").new
    assert new[1] == {"batch": 90, "every": "60d"}
    assert "nodes.web.arrivals.batch" in result.not_calibrated
