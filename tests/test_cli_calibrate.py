"""``laneforge calibrate`` from a user's side: files in, files out, one line and exit 2 for
anything wrong, the input process never touched."""

from __future__ import annotations

import json

import pytest

from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.bundled import template_path
from laneforge.cli import main
from laneforge.io import load_process, process_from_data, save_process
from laneforge.io.crm import save_mapping, write_salesforce


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A Salesforce export of 100 days of the lead-lifecycle template, its mapping, and a
    deliberately wrong starting process (every team doubled)."""
    folder = tmp_path_factory.mktemp("crm")
    truth = load_process(template_path())
    made = synthetic_crm(truth, days=100, seed=4)
    write_salesforce(made.log, folder / "salesforce")
    save_mapping(made.mapping, folder / "map.json")
    data = truth.to_data()
    for lane in data["lanes"]:
        lane["staff"] *= 2
    save_process(process_from_data(data), folder / "wrong.lane.json")
    return folder


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["calibrate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_calibration_writes_the_process_fit_and_report_and_leaves_the_input(export, capsys,
                                                                               tmp_path):
    wrong = export / "wrong.lane.json"
    before = wrong.read_bytes()
    out, fit, report = tmp_path / "out.lane.json", tmp_path / "fit.json", tmp_path / "r.html"
    code, text, err = run(capsys, wrong, export / "salesforce", "--map", export / "map.json",
                          "-o", out, "--json", fit, "--report", report, "-r", "3")
    assert code == 0, err
    assert wrong.read_bytes() == before
    calibrated = load_process(out)
    assert [lane.staff for lane in calibrated.lanes] == [5, 6, 4, 2]  # the truth's teams
    assert calibrated.observed is not None and calibrated.observed.verdict in (
        "green", "amber", "red")
    data = json.loads(fit.read_text())
    assert data["format"] == "laneforge/calibration" and data["version"] == 1
    assert data["data"]["format"] == "salesforce" and data["data"]["cases"] > 1000
    assert {"sources", "branches", "lanes", "tasks", "changes", "not_calibrated"} <= set(data)
    assert data["validation"]["verdict"] in ("green", "amber", "red")
    assert {c["metric"] for c in data["validation"]["checks"]} >= {"conversion", "arrivals"}
    html = report.read_text()
    assert "What the export changed" in html and "lanes.inside_sales.staff" in html
    assert "<svg" in html  # the charts are inline
    assert "lanes.inside_sales.staff" in text and "verdict" in text


def test_write_map_alone_suggests_a_mapping_and_fits_nothing(export, capsys, tmp_path):
    target = tmp_path / "suggested.json"
    code, text, _ = run(capsys, export / "wrong.lane.json", export / "salesforce",
                        "--write-map", target)
    assert code == 0 and "wrote" in text
    suggested = json.loads(target.read_text())
    assert suggested.get("stages")
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("make_args, words", [
    (lambda e, t: [e / "wrong.lane.json", e / "salesforce"], "-o OUT.lane.json"),
    (lambda e, t: [e / "wrong.lane.json", e / "salesforce", "-o", e / "wrong.lane.json"],
     "would overwrite the input"),
    (lambda e, t: [e / "wrong.lane.json", t, "-o", t / "out.lane.json"], ""),
    (lambda e, t: [e / "wrong.lane.json", e / "salesforce", "-o", t / "o.lane.json",
                   "--holdout", "1.5"], "between 0 and 1"),
    (lambda e, t: [e / "wrong.lane.json", e / "salesforce", "-o", t / "o.lane.json",
                   "--report", t / "r.docx"], ".html or .pdf"),
    (lambda e, t: [e / "missing.lane.json", e / "salesforce", "-o", t / "o.lane.json"],
     "missing.lane.json"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(export, capsys, tmp_path,
                                                          make_args, words):
    folder = tmp_path / "work"
    folder.mkdir()
    code, _, err = run(capsys, *make_args(export, folder))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert words in err
    assert list(folder.iterdir()) == []


def test_a_mapping_naming_a_missing_node_is_refused_with_its_key(export, capsys, tmp_path):
    mapping = json.loads((export / "map.json").read_text())
    mapping["outcomes"]["Closed Won"] = "no_such_node"
    bad = tmp_path / "bad-map.json"
    bad.write_text(json.dumps(mapping))
    code, _, err = run(capsys, export / "wrong.lane.json", export / "salesforce", "--map", bad,
                       "-o", tmp_path / "o.lane.json")
    assert code == 2 and "no_such_node" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.lane.json").exists()
