"""Calibration proven end to end through the real file formats, without customer data.

The lead-lifecycle template is simulated into a synthetic CRM log (seeded, 160 days, about
13,000 leads), written in the exact Salesforce, HubSpot and events-CSV formats, and
``laneforge calibrate`` (the command line, in-process) fits a deliberately wrong start to it:
every team doubled, the website-forms rate doubled, the real-opportunity branch moved by 0.2.
Each parameter must come back within 3.3 standard errors of the truth (Poisson for rates,
binomial for shares, exact for staff), and the verdict on the holdout must be green. The
calibrated process with its SDR team halved, validated against the same export, must be red.

What a format cannot carry is asserted as "not calibrated" (or "not checked") with its reason:
HubSpot's contacts export has no calls, so task durations, calendars and the SLAs whose clock
stops at a call cannot be seen, and between "Working - First call" and "Sales Accepted" its
records cannot tell whether a lead was reached at once or on the follow-up. Its owner history
does show who took leads each week; HubSpot has no roles in the export, so its MAP.json maps
owner ids to lanes, as a HubSpot user would.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from laneforge.app.crm_calibration import complete_mapping, load_export
from laneforge.app.crm_synthetic import SyntheticCrm, synthetic_crm
from laneforge.app.holdout import validate_holdout
from laneforge.bundled import template_path
from laneforge.cli import main
from laneforge.io import load_process, process_from_data, save_process
from laneforge.io.crm import CrmMap, save_mapping, write_events, write_hubspot, write_salesforce
from laneforge.model import Process
from laneforge.model.distributions import mean_hours

SIGMAS = 3.3  # |fitted - true| within this many standard errors (two-sided 0.1 %)
DAYS = 160
REPLICATIONS = 5
FORMATS = ("salesforce", "hubspot", "events")
#: decisions between two records HubSpot shows only as "first call, then qualified"
HUBSPOT_HIDDEN = ("is_reached", "is_reached2")


@pytest.fixture(scope="module")
def truth() -> Process:
    return load_process(template_path())


@pytest.fixture(scope="module")
def made(truth: Process) -> SyntheticCrm:
    return synthetic_crm(truth, days=DAYS, seed=5)


def wrong_start(truth: Process) -> Process:
    """The truth with every team doubled, a source's rate doubled and a branch moved 0.2."""
    data = truth.to_data()
    for lane in data["lanes"]:
        lane["staff"] *= 2
    nodes = {n["id"]: n for n in data["nodes"]}
    nodes["inbound"]["arrivals"]["rate"] = "116/day"
    for edge in data["edges"]:
        if (edge["from"], edge["to"]) == ("is_opp", "proposal"):
            edge["probability"] = 0.45
        elif (edge["from"], edge["to"]) == ("is_opp", "no_opp"):
            edge["probability"] = 0.55
    return process_from_data(data)


def format_mapping(made: SyntheticCrm, fmt: str) -> CrmMap:
    """The synthetic export's MAP.json; HubSpot's names owners by id (it has no roles)."""
    if fmt != "hubspot":
        return made.mapping
    roles = made.log.owners["role"].dropna()
    ids = {str(owner): made.mapping.owners[f"role:{role}"] for owner, role in roles.items()}
    return made.mapping.model_copy(update={"owners": {**made.mapping.owners, **ids}})


@dataclass
class Run:
    fmt: str
    data: Path
    map_path: Path
    fit: dict[str, Any]
    calibrated: Process
    text: str

    def reason(self, path: str) -> str:
        return self.fit["reasons"][path]


@pytest.fixture(scope="module", params=FORMATS)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        truth: Process, made: SyntheticCrm) -> Run:
    """The export written in one format, and ``laneforge calibrate`` run on it once."""
    fmt = request.param
    folder = tmp_path_factory.mktemp(fmt)
    data = folder / ("events.csv" if fmt == "events" else fmt)
    {"salesforce": write_salesforce, "hubspot": write_hubspot, "events": write_events}[fmt](
        made.log, data)
    map_path = folder / "map.json"
    save_mapping(format_mapping(made, fmt), map_path)
    save_process(wrong_start(truth), folder / "wrong.lane.json")
    out, fit = folder / "out.lane.json", folder / "fit.json"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        code = main(["calibrate", str(folder / "wrong.lane.json"), str(data), "--map",
                     str(map_path), "-o", str(out), "--json", str(fit), "-r",
                     str(REPLICATIONS), "--seed", "1", "--jobs", "1"])
    assert code == 0, text.getvalue()
    return Run(fmt, data, map_path, json.loads(fit.read_text()), load_process(out),
               text.getvalue())


def test_the_export_is_read_as_its_format(run: Run, made: SyntheticCrm) -> None:
    assert run.fit["data"]["format"] == run.fmt
    assert run.fit["data"]["cases"] > 0.75 * len(made.log.cases)  # before the holdout


def test_every_record_finds_its_place_where_the_format_shows_the_way(run: Run) -> None:
    """Ties in a second, the format's rounding and the suggested mapping place nothing
    wrongly: only HubSpot's first-call-to-qualified steps follow one of two ways, and the
    decisions on them are named as such."""
    assert "could not be placed" not in run.text, run.text
    if run.fmt == "hubspot":
        assert "ways the export cannot tell apart" in run.text
        for node in HUBSPOT_HIDDEN:
            assert "cannot tell which way" in run.reason(f"nodes.{node}.branches")
    else:
        assert "cannot tell" not in run.text, run.text


def test_arrival_rates_come_back_within_poisson_tolerance(run: Run, truth: Process) -> None:
    for source in truth.sources():
        fitted = run.fit["sources"][source.id]
        true = source.mean_rate_per_hour * 24.0
        days = fitted["n"] / fitted["rate_per_day"]
        assert abs(fitted["rate_per_day"] - true) <= SIGMAS * math.sqrt(true * days) / days, (
            source.id, fitted, true)
    changes = {c["path"]: c for c in run.fit["changes"]}
    assert changes["nodes.inbound.arrivals.rate"]["old"] == "116/day"  # the wrong start


def test_branch_probabilities_come_back_within_binomial_tolerance(run: Run,
                                                                  truth: Process) -> None:
    checked = []
    for node_id, edges in truth.edges_by_source().items():
        if len(edges) < 2 or any(e.when is not None for e in edges):
            continue
        if run.fmt == "hubspot" and node_id in HUBSPOT_HIDDEN:
            assert f"nodes.{node_id}.branches" in run.fit["not_calibrated"]
            assert [e.probability for e in run.calibrated.outgoing(node_id)] == [
                e.probability for e in edges]  # left as they were
            continue
        fitted = run.fit["branches"][node_id]
        for edge in edges:
            if edge.default:
                continue
            entry = fitted[edge.target]
            p = float(edge.probability)
            if edge.decay is not None:  # its base, with the interval of the decay's fit
                se = (entry["ci95"][1] - entry["ci95"][0]) / (2 * 1.96)
                lo, hi = entry["decay"]["ci95"]
                spread = (math.log(hi) - math.log(lo)) / (2 * 1.96)
                assert abs(math.log(entry["decay"]["half_life_hours"]
                                    / edge.decay.half_life.hours)) <= SIGMAS * spread
            else:
                se = math.sqrt(p * (1 - p) / entry["n"])
            assert abs(entry["probability"] - p) <= SIGMAS * se, (node_id, edge.target, entry)
            checked.append((node_id, edge.target))
    assert ("is_opp", "proposal") in checked  # the branch the wrong start moved
    calibrated = {e.target: e.probability for e in run.calibrated.outgoing("is_opp")}
    assert abs(calibrated["proposal"] - 0.65) < 0.1 and calibrated["no_opp"] == pytest.approx(
        1 - calibrated["proposal"])


def test_staff_comes_back_exactly(run: Run, truth: Process) -> None:
    assert [lane.staff for lane in run.calibrated.lanes] == [lane.staff for lane in truth.lanes]
    for lane in truth.lanes:
        assert run.fit["lanes"][lane.id]["staff"] == lane.staff


def test_durations_come_back_or_are_listed_where_no_work_is_logged(run: Run,
                                                                   truth: Process) -> None:
    changes = {c["path"]: c for c in run.fit["changes"]}
    for node in truth.nodes:
        if node.kind not in ("task", "delay"):
            continue
        path = f"nodes.{node.id}.duration"
        if run.fmt == "hubspot" and node.kind == "task":
            assert path in run.fit["not_calibrated"]
            assert run.reason(path) == "no activity record maps to this task"
            continue
        if path not in changes:  # fitted to the very same text
            assert node.id in run.fit["tasks"], path
            continue
        lo, hi = changes[path]["ci95"]  # the mean's 95 % interval
        se = (hi - lo) / (2 * 1.96)
        assert abs((lo + hi) / 2 - mean_hours(node.duration)) <= SIGMAS * se, (path, lo, hi)


def test_what_the_format_cannot_show_is_named_with_its_reason(run: Run) -> None:
    validation = run.fit["validation"]
    not_checked = {item["what"]: item["reason"] for item in validation.get("not_checked", [])}
    if run.fmt != "hubspot":
        assert run.fit["not_calibrated"] == ["nodes.is_mql.branches"]  # conditions
        assert not not_checked
        assert {c["what"] for c in validation["checks"] if c["metric"] == "sla_breach"} == {
            "mql_followup", "sql_meeting"}
        return
    for lane in ("marketing", "inside_sales", "field_sales", "success"):
        assert "too little work logged" in run.reason(f"lanes.{lane}.calendar")
    assert set(not_checked) == {"sla_breach mql_followup", "sla_breach sql_meeting"}
    assert "logs no work at 'first_call'" in not_checked["sla_breach mql_followup"]
    assert not any(c["metric"] == "sla_breach" for c in validation["checks"])
    assert "staff counted from the people leads were assigned to" in run.text


def test_the_holdout_verdict_is_green(run: Run) -> None:
    validation = run.fit["validation"]
    failed = [c for c in validation["checks"] if not c["ok"]]
    assert validation["verdict"] == "green", failed
    metrics = {c["metric"] for c in validation["checks"]}
    # (the 32-day holdout holds no whole calendar month, so won deals are not compared)
    assert {"conversion", "time_p50", "time_p90", "arrivals"} <= metrics
    assert sum(c["metric"] == "conversion" for c in validation["checks"]) == 4
    assert run.calibrated.observed is not None and run.calibrated.observed.verdict == "green"


def test_a_team_halved_after_the_export_turns_the_verdict_red(run: Run) -> None:
    data = run.calibrated.to_data()
    for lane in data["lanes"]:
        if lane["id"] == "inside_sales":
            lane["staff"] //= 2
    halved = process_from_data(data)
    log, given = load_export([run.data], map_path=run.map_path)
    mapping = complete_mapping(log, halved, given)
    validation = validate_holdout(halved, log, mapping,
                                  fit_until=pd.Timestamp(run.fit["data"]["fit_until"]),
                                  replications=REPLICATIONS, seed=1)
    assert validation.verdict == "red"
    failed = {(c.metric, c.what) for c in validation.checks if not c.ok}
    assert ("time_p50", "MQL->SAL") in failed  # the SDRs' queue is where it shows
