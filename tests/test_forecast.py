"""The forecast use case and ``laneforge forecast`` on a synthetic export of a known process.

The process: web leads at 20 a day wait out an exponential nurture (mean 10 days), then 30 %
are won. Over a horizon H from the snapshot, an open lead finishes with probability
1 - exp(-H/m) (memoryless), and new leads win lambda p (H - m (1 - exp(-H/m))) on average
(Poisson). Forecast figures are checked against these closed forms.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from laneforge.app.crm_synthetic import SyntheticCrm, synthetic_crm
from laneforge.app.forecast import ForecastError, forecast
from laneforge.cli import main
from laneforge.io import process_from_data, save_process
from laneforge.io.crm import save_mapping, write_events
from laneforge.model import Process
from laneforge.model.observed import Observed
from laneforge.sim import compile_process, run_replication

RATE, MEAN_DAYS, P_WON, DAYS, HORIZON_DAYS = 20.0, 10.0, 0.3, 60, 30
REPS = 60


def _data(scenarios: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "format": "laneforge/process", "version": 1, "name": "nurture", "start": "2026-01-05T00:00",
        "stages": ["Lead"],
        "lanes": [{"id": "marketing", "staff": None}, {"id": "ae", "staff": None}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "name": "Web", "stage": "Lead",
             "arrivals": {"rate": f"{RATE:g}/day"}},
            {"id": "nurture", "kind": "delay", "lane": "marketing", "name": "Nurture",
             "duration": {"dist": "exponential", "mean": f"{MEAN_DAYS:g}d"}},
            {"id": "close", "kind": "decision", "lane": "ae"},
            {"id": "won", "kind": "end", "lane": "ae", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "ae", "outcome": "lost"}],
        "edges": [{"from": "web", "to": "nurture"}, {"from": "nurture", "to": "close"},
                  {"from": "close", "to": "won", "probability": P_WON},
                  {"from": "close", "to": "lost", "probability": 1 - P_WON}],
        "scenarios": scenarios or [],
    }


def _calibrated(crm: SyntheticCrm, scenarios: list[dict[str, Any]] | None = None) -> Process:
    process = process_from_data(_data(scenarios))
    process.observed = Observed(source="synthetic", start=crm.log.start.date(),
                                end=crm.log.end.date())
    return process


@pytest.fixture(scope="module")
def crm() -> SyntheticCrm:
    return synthetic_crm(process_from_data(_data()), days=DAYS, seed=3)


def _until(crm: SyntheticCrm) -> dt.datetime:
    return crm.log.end.to_pydatetime() + dt.timedelta(days=HORIZON_DAYS)


def test_forecast_matches_the_closed_form(crm: SyntheticCrm) -> None:
    f = forecast(_calibrated(crm), crm.log, crm.mapping, until=_until(crm), replications=REPS,
                 seed=1, target=150)
    n_open = len(f.snapshot.items)
    assert n_open > 100  # leads still in nurture when the export ends
    done = 1 - math.exp(-HORIZON_DAYS / MEAN_DAYS)
    pipeline = n_open * P_WON * done
    new = RATE * P_WON * (HORIZON_DAYS - MEAN_DAYS * done)
    s = f.summary
    # variance of each part is at most its mean (binomial, Poisson): 4 standard errors
    assert abs(s.from_pipeline - pipeline) < 4 * math.sqrt(pipeline / REPS)
    assert abs(s.from_new_leads - new) < 4 * math.sqrt(new / REPS)
    expected = pipeline + new
    assert abs(s.won["p50"] - expected) < 4 * math.sqrt(expected / REPS) + 1
    # the band of one replication's total is about expected -/+ 1.28 sd
    sd = math.sqrt(expected)
    assert expected - 2.2 * sd < s.won["p10"] < expected - 0.5 * sd
    assert expected + 0.5 * sd < s.won["p90"] < expected + 2.2 * sd
    # P(won >= 150) against the normal approximation, within a binomial tolerance
    chance = 1 - 0.5 * math.erfc(-(149.5 - expected) / sd / math.sqrt(2))
    assert s.p_target is not None
    assert abs(s.p_target - chance) < 4 * math.sqrt(0.25 / REPS) + 0.05


def test_open_items_are_conserved(crm: SyntheticCrm) -> None:
    process = _calibrated(crm)
    f = forecast(process, crm.log, crm.mapping, until=_until(crm), replications=1, seed=2)
    snapshot = f.snapshot
    compiled = compile_process(process.model_copy(update={"start": snapshot.as_of}),
                               horizon=HORIZON_DAYS * 24.0, warmup=0.0)
    record = run_replication(compiled, 0, 7, start_from=snapshot, outcome_log=True)
    log = record.outcome_log or []
    finished = [e.item for e in log if e.from_snapshot]
    ids = {item.id for item in snapshot.items}
    assert record.placed == len(snapshot.items)
    assert len(finished) == len(set(finished))  # nothing finished twice
    assert set(finished) <= ids
    new_done = sum(not e.from_snapshot for e in log)
    still_open = record.open_at_end - (record.created - new_done)
    assert len(finished) + still_open == len(snapshot.items)
    # the run lets open items finish after the horizon: by then about exp(-H/m) are open
    at_horizon = sum(e.from_snapshot and e.time >= HORIZON_DAYS * 24.0 for e in log) + still_open
    share = math.exp(-HORIZON_DAYS / MEAN_DAYS)
    n = len(snapshot.items)
    assert abs(at_horizon - n * share) < 4 * math.sqrt(n * share * (1 - share)) + 1


def test_a_scenario_equal_to_the_base_gives_identical_figures(crm: SyntheticCrm) -> None:
    scenarios = [{"name": "same", "changes": {}},
                 {"name": "better", "changes": {"edges.close->won.probability": 0.5,
                                                "edges.close->lost.probability": 0.5}}]
    f = forecast(_calibrated(crm, scenarios), crm.log, crm.mapping, until=_until(crm),
                 replications=20, seed=4, target=150, scenarios=["same", "better"])
    assert f.scenarios["same"].to_json() == f.summary.to_json()
    assert f.scenarios["better"].won["p50"] > f.summary.won["p50"] * 1.4


def test_an_uncalibrated_process_is_refused(crm: SyntheticCrm) -> None:
    with pytest.raises(ForecastError, match="laneforge calibrate"):
        forecast(process_from_data(_data()), crm.log, crm.mapping, replications=1)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, crm: SyntheticCrm) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forecast")
    write_events(crm.log, folder / "events.csv")
    save_mapping(crm.mapping.model_copy(update={"format": "events"}), folder / "map.json")
    save_process(_calibrated(crm), folder / "cal.lane.json")
    save_process(process_from_data(_data()), folder / "raw.lane.json")
    return {"dir": folder, "events": folder / "events.csv", "map": folder / "map.json",
            "cal": folder / "cal.lane.json", "raw": folder / "raw.lane.json"}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("which", "extra", "words"), [
    ("raw", [], "laneforge calibrate"),
    ("cal", ["--as-of", "2030-01-01"], "outside the export"),
    ("cal", ["--target", "many"], "--target"),
    ("cal", ["--until", "2025-01-01"], "--until"),
    ("cal", ["--scenario", "nope"], "nope"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
        files: dict[str, Path], which: str, extra: list[str], words: str) -> None:
    out = files["dir"] / f"bad-{which}-{len(extra)}.json"
    code, _, err = _run(["forecast", str(files[which]), str(files["events"]), "--map",
                         str(files["map"]), "-r", "2", "-j", "1", "--json", str(out), *extra])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not out.exists()


def test_the_json_has_the_issue_shape(files: dict[str, Path]) -> None:
    out, report = files["dir"] / "f.json", files["dir"] / "f.html"
    code, text, err = _run(["forecast", str(files["cal"]), str(files["events"]), "--map",
                            str(files["map"]), "-r", "10", "-j", "1", "--seed", "3",
                            "--target", "100", "--json", str(out), "--report", str(report),
                            "--as-of", "2026-02-20"])
    assert code == 0, err
    assert "won deals" in text and "P(won >= 100)" in text
    data = json.loads(out.read_text())
    assert data["format"] == "laneforge/forecast" and data["version"] == 1
    assert data["as_of"].startswith("2026-02-20") and data["until"].startswith("2026-04-01")
    for key in ("won", "bookings"):
        assert set(data[key]) == {"p10", "p50", "p90"}
    assert 0.0 <= data["p_target"] <= 1.0
    assert data["from_pipeline"] > 0 and data["from_new_leads"] > 0
    assert data["weeks"] and set(data["weeks"][0]) >= {"start", "end", "won", "cumulative_won"}
    assert data["scenarios"] == {} and data["backtest"] is None
    html = report.read_text()
    assert "<svg" in html and "P(won ≥ 100)" in html and "not shown as trustworthy" in html


def test_the_report_is_slides_for_a_pptx_name(files: dict[str, Path]) -> None:
    from pptx import Presentation

    deck = files["dir"] / "f.pptx"
    code, _, err = _run(["forecast", str(files["cal"]), str(files["events"]), "--map",
                         str(files["map"]), "-r", "10", "-j", "1", "--seed", "3",
                         "--target", "100", "--report", str(deck), "--as-of", "2026-02-20",
                         "--json", str(files["dir"] / "g.json")])
    assert code == 0, err
    data = json.loads((files["dir"] / "g.json").read_text())
    slides = Presentation(str(deck)).slides
    headline = next(s for s in slides[0].shapes if s.name == "Headline")
    assert headline.text_frame.paragraphs[0].runs[0].text == f"{100 * data['p_target']:.0f} %"
    # the snapshot lies three weeks before the export's end: what happened since is in it
    assert data["actuals"] and data["actuals"][-1]["cumulative_won"] > 0
    assert data["actuals"][-1]["end"].startswith("2026-03-0")
