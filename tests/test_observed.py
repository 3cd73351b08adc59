"""Observed beside simulated: the CRM's figures kept in the process file by a calibration,
lined up with a run in the results and the report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from laneforge import simulate
from laneforge.app.holdout import Measures
from laneforge.app.observed import observed_from, observed_rows
from laneforge.app.report import report_html
from laneforge.io import ProcessFileError, dumps, loads, process_from_data


def funnel(rate: str = "20/day") -> dict:
    return {
        "format": "laneforge/process", "version": 1, "name": "Funnel",
        "stages": ["Lead", "MQL"],
        "simulation": {"horizon": "70d", "warmup": "7d", "replications": 4, "seed": 3},
        "lanes": [{"id": "m", "name": "Marketing", "staff": None}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "m", "stage": "Lead",
             "arrivals": {"rate": rate}},
            {"id": "q", "kind": "decision", "lane": "m"},
            {"id": "mql", "kind": "end", "lane": "m", "stage": "MQL", "outcome": "won"},
            {"id": "no", "kind": "end", "lane": "m", "outcome": "lost"},
        ],
        "edges": [{"from": "web", "to": "q"}, {"from": "q", "to": "mql", "probability": 0.3},
                  {"from": "q", "to": "no", "probability": 0.7}],
    }


OBSERVED = {"source": "Salesforce export, 2,000 leads", "start": "2026-01-05",
            "end": "2026-03-30", "leads_per_week": 140.0, "conversions": {"Lead->MQL": 0.31},
            "won_per_month": 180.0, "verdict": "green"}


def test_observed_figures_survive_the_file_and_old_files_have_none():
    plain = process_from_data(funnel())
    assert plain.observed is None and "observed" not in plain.to_data()
    data = funnel()
    data["observed"] = OBSERVED
    again = loads(dumps(process_from_data(data)))
    assert again.observed is not None
    assert again.observed.conversions == {"Lead->MQL": 0.31}
    assert again.observed.start.isoformat() == "2026-01-05"


def test_a_bad_observed_figure_names_its_field():
    data = funnel()
    data["observed"] = {**OBSERVED, "conversions": {"Lead->MQL": 1.4}}
    with pytest.raises(ProcessFileError, match=r"observed\.conversions"):
        loads(json.dumps(data))


def test_rows_line_up_observed_and_simulated_figures():
    data = funnel()
    data["observed"] = OBSERVED
    process = process_from_data(data)
    results = simulate(process)
    rows = {row.label: row for row in observed_rows(process.observed, results)}
    # 20 leads a day is 140 a week; the run's figure is within a Poisson margin of it
    simulated = float(rows["Leads per week"].simulated.replace(",", ""))
    assert simulated == pytest.approx(140, abs=4 * (140 / 9 / 4) ** 0.5 + 1)
    assert rows["Lead → MQL"].observed == "31.0 %"
    simulated_share = float(rows["Lead → MQL"].simulated.rstrip(" %")) / 100
    n = results.stages["Lead"].mean * 4
    assert simulated_share == pytest.approx(0.3, abs=3.3 * (0.21 / n) ** 0.5)
    assert rows["Lead → MQL"].gap.endswith("points")
    # won = MQL here: 0.3 x 20 a day x 30.4 days
    won = float(rows["Won deals per month"].simulated.replace(",", ""))
    assert won == pytest.approx(0.3 * 20 * 365.25 / 12, rel=0.1)


def test_the_report_shows_observed_beside_simulated_only_when_the_process_has_it():
    data = funnel()
    process = process_from_data(data)
    results = simulate(process, replications=2)
    assert "Observed beside simulated" not in report_html(process, [results])
    data["observed"] = OBSERVED
    with_observed = process_from_data(data)
    text = report_html(with_observed, [results])
    assert "Observed beside simulated" in text
    assert "Salesforce export, 2,000 leads" in text and "validation green" in text


def test_observed_from_measures_keeps_what_was_measured():
    m = Measures(conversion={"Lead->MQL": 0.25, "MQL->SQL": None},
                 times={"Lead->MQL": (2.0, 9.0), "MQL->SQL": None}, arrivals_per_week=88.0,
                 weeks=6, breach={"fast": 0.1}, won_by_month={"2026-02": 4, "2026-03": 6})
    kept = observed_from(m, source="x", start=pd.Timestamp("2026-01-05"),
                         end=pd.Timestamp("2026-03-31"), verdict="amber")
    assert kept.conversions == {"Lead->MQL": 0.25}
    assert kept.stage_days_p50 == {"Lead->MQL": 2.0}
    assert kept.won_per_month == 5.0 and kept.leads_per_week == 88.0
    assert kept.sla_breach == {"fast": 0.1} and kept.verdict == "amber"
