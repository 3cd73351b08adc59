"""Hostile input: loops that take no time, names that are not text, errors at the API and on
the command line, and Ctrl+C."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import warnings
import xml.dom.minidom
from pathlib import Path

import pytest

import laneforge
from laneforge.cli import _safe_streams
from laneforge.io import ProcessFileError, load_process, process_from_data, save_bpmn
from laneforge.model import Process, errors, validate
from laneforge.model.text import clean_text
from laneforge.model.validation import zero_time_traps

from conftest import REPO, template_paths

# --- loops without time ----------------------------------------------------------------------


def _loop(nodes: list[dict], edges: list[dict]) -> Process:
    data = {
        "format": "laneforge/process", "version": 1, "name": "Loops",
        "attributes": {"score": {"dist": "uniform", "min": 0, "max": 100}},
        "lanes": [{"id": "ops", "staff": None}],
        "nodes": [{"id": "src", "kind": "source", "lane": "ops",
                   "arrivals": {"rate": "10/day"}},
                  *({"lane": "ops", **n} for n in nodes),
                  {"id": "done", "kind": "end", "lane": "ops"}],
        "edges": [{"from": "src", "to": "a"}, *edges],
    }
    return process_from_data(data)


def test_decisions_going_round_on_conditions_are_a_loop_without_time():
    process = _loop(
        [{"id": "a", "kind": "decision"}, {"id": "b", "kind": "decision"}],
        [{"from": "a", "to": "b", "when": "score > 10"}, {"from": "a", "to": "done",
                                                          "default": True},
         {"from": "b", "to": "a", "when": "score > 5"}, {"from": "b", "to": "done",
                                                         "default": True}])
    assert zero_time_traps(process) == [["a", "b"]]
    (problem,) = [p for p in errors(validate(process)) if "loop without time" in p.message]
    assert "round a, b for ever" in problem.message and problem.node == "a"
    assert "give one step a duration" in problem.message


def test_a_zero_probability_exit_does_not_get_a_lead_out():
    process = _loop(
        [{"id": "a", "kind": "decision"}, {"id": "b", "kind": "task", "duration": "0h"}],
        [{"from": "a", "to": "b", "probability": 1.0}, {"from": "a", "to": "done",
                                                        "probability": 0.0},
         {"from": "b", "to": "a"}])
    assert zero_time_traps(process) == [["a", "b"]]


def test_a_probability_exit_or_a_step_that_takes_time_breaks_the_loop():
    with_exit = _loop(
        [{"id": "a", "kind": "decision"}, {"id": "b", "kind": "delay", "duration": "0h"}],
        [{"from": "a", "to": "b", "probability": 0.9}, {"from": "a", "to": "done",
                                                        "probability": 0.1},
         {"from": "b", "to": "a"}])
    assert zero_time_traps(with_exit) == []
    with_time = _loop(
        [{"id": "a", "kind": "decision"}, {"id": "b", "kind": "delay", "duration": "1h"}],
        [{"from": "a", "to": "b", "when": "score > 1"}, {"from": "a", "to": "done",
                                                         "default": True},
         {"from": "b", "to": "a"}])
    assert zero_time_traps(with_time) == []
    assert not [p for p in validate(with_time) if "loop without time" in p.message]


def test_a_chain_into_a_loop_names_only_the_loop():
    process = _loop(
        [{"id": "a", "kind": "decision"}, {"id": "b", "kind": "decision"},
         {"id": "c", "kind": "decision"}],
        [{"from": "a", "to": "b"}, {"from": "b", "to": "c", "when": "score > 0"},
         {"from": "b", "to": "done", "default": True}, {"from": "c", "to": "b"}])
    assert zero_time_traps(process) == [["b", "c"]]


def test_templates_have_no_loop_without_time():
    for path in template_paths():
        assert zero_time_traps(load_process(path)) == [], path.name


# --- text ------------------------------------------------------------------------------------

HOSTILE = "Bad\ud800\x07\u202eName"


@pytest.mark.parametrize("value, says", [
    ("a\ud800", r"lone UTF-16 surrogate \(U\+D800"),
    ("a\x1b[31m", r"control character U\+001B"),
    ("\u202eevil", r"bidirectional control U\+202E"),
    ("x\uffff", r"non-character U\+FFFF"),
])
def test_text_that_is_not_text_is_refused_at_load_naming_the_field(tmp_path, value, says):
    data = json.loads((REPO / "processes" / "lead-qualification.lane.json").read_text())
    data["lanes"][1]["name"] = value
    path = tmp_path / "bad.lane.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProcessFileError, match=says) as caught:
        load_process(path)
    assert caught.value.field == "lanes[1].name"
    assert str(caught.value).startswith(f"{path}: lanes[1].name: ")


def test_clean_text_keeps_line_breaks_and_replaces_the_rest():
    assert clean_text("a\tb\nc\r\n") == "a\tb\nc\r\n"
    assert clean_text(HOSTILE) == "Bad\ufffd\ufffd\ufffdName"


@pytest.fixture(scope="module")
def hostile():
    """A process built through the API with a name no file may hold, and its results."""
    data = load_process(REPO / "processes" / "lead-qualification.lane.json").to_data()
    data["name"] = HOSTILE
    data["lanes"][0]["name"] = HOSTILE
    data["nodes"][3]["name"] = HOSTILE
    data["edges"][5]["label"] = HOSTILE
    process = Process.model_validate(data)
    results = laneforge.simulate(process, horizon="5d", warmup="0h", replications=2, jobs=1)
    return process, results


def _utf8(path) -> str:
    return path.read_bytes().decode("utf-8")  # raises if not valid UTF-8


def test_results_json_is_valid_utf8(hostile, tmp_path):
    text = hostile[1].to_json()
    assert json.loads(text.encode("utf-8"))["process"] == "Bad\ufffd\ufffd\ufffdName"


def test_terminal_output_is_valid_utf8(hostile, monkeypatch):
    from laneforge.app.textreport import format_results

    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8"))
    _safe_streams()
    print(format_results(hostile[1]))
    sys.stdout.flush()
    assert "Bad?" in raw.getvalue().decode("utf-8")


def test_svg_is_valid_utf8_and_xml(hostile, tmp_path):
    from laneforge.render.export import export_diagram

    export_diagram(hostile[0], tmp_path / "d.svg", results=hostile[1])
    xml.dom.minidom.parseString(_utf8(tmp_path / "d.svg").encode("utf-8"))


def test_bpmn_is_valid_utf8_and_xml(hostile, tmp_path):
    save_bpmn(hostile[0], tmp_path / "d.bpmn")
    xml.dom.minidom.parseString(_utf8(tmp_path / "d.bpmn").encode("utf-8"))


def test_pptx_holds_valid_xml(hostile, tmp_path):
    import zipfile

    from laneforge.render.pptx_export import export_pptx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the font has no U+FFFD glyph
        export_pptx(hostile[0], tmp_path / "d.pptx", results=hostile[1], title=HOSTILE)
    with zipfile.ZipFile(tmp_path / "d.pptx") as archive:
        slides = [n for n in archive.namelist() if n.endswith(".xml")]
        for name in slides:
            xml.dom.minidom.parseString(archive.read(name))
        assert any("Bad\ufffd" in archive.read(n).decode("utf-8") for n in slides)


def test_html_report_is_valid_utf8(hostile, tmp_path):
    from laneforge.app.report import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        write_report(hostile[0], [hostile[1]], tmp_path / "r.html")
    assert "Bad\ufffd\ufffd\ufffdName" in _utf8(tmp_path / "r.html")


def test_saving_a_process_with_a_surrogate_writes_a_file_that_loads(hostile, tmp_path):
    laneforge.save_process(hostile[0], tmp_path / "p.lane.json")
    assert load_process(tmp_path / "p.lane.json").name == "Bad\ufffd\ufffd\ufffdName"


# --- errors ----------------------------------------------------------------------------------


def test_the_api_raises_laneforge_errors_for_bad_options():
    process = load_process(REPO / "processes" / "lead-qualification.lane.json")
    for options in ({"horizon": "1d"}, {"horizon": "soon"}, {"replications": 0},
                    {"scenario": "no such scenario"}, {"replications": 10**6}):
        with pytest.raises(laneforge.ValidationError):
            laneforge.simulate(process, **options)


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "laneforge", *args], capture_output=True,
                          text=True, env=env, timeout=120, **kwargs)


def test_a_run_error_is_one_line_and_exit_2(tmp_path):
    data = json.loads((REPO / "processes" / "lead-qualification.lane.json").read_text())
    data["attributes"]["big"] = 2
    data["nodes"][12]["set"] = {"big": "big * big"}  # the nurture delay, on a loop
    path = tmp_path / "grow.lane.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = _cli("simulate", str(path), "--horizon", "30d", "--warmup", "0h", "-r", "1",
                "-j", "1")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{path}: node nurture (set.big): 'big * big' gave ")


def test_a_warm_up_option_conflict_names_the_option_and_the_file_value():
    path = REPO / "processes" / "lead-qualification.lane.json"  # warm-up 60 d in the file
    done = _cli("simulate", str(path), "--horizon", "5d")
    assert done.returncode == 2
    assert done.stderr == (f"{path}: the warm-up (60d, simulation.warmup in the file) must "
                           "be shorter than the horizon (5d, --horizon)\n")


# --- Ctrl+C ----------------------------------------------------------------------------------


def _wait_for_sigint_handler(pid: int, timeout: float = 120.0) -> None:
    """Until Python in ``pid`` has put in its Ctrl+C handler: before that, while the
    interpreter itself starts, SIGINT kills it as it would any program (on a busy machine
    that can take seconds). Linux shows the caught signals in /proc; elsewhere, wait 3 s."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(3.0)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            caught = next(line for line in status.read_text().splitlines()
                          if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return
        if int(caught.split()[1], 16) & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.02)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_a_run_with_one_line_exit_130_and_no_output_file(tmp_path, jobs):
    out = tmp_path / "out.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, "-m", "laneforge", "simulate",
         str(REPO / "processes" / "lead-lifecycle.lane.json"), "--horizon", "3000d",
         "--warmup", "0h", "-r", "4", "-j", jobs, "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _wait_for_sigint_handler(child.pid)
    time.sleep(1.5)  # loading or running: a Ctrl+C is the same one line in both
    assert child.poll() is None, child.communicate()
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 130
    assert stderr == "laneforge: interrupted\n"
    assert stdout == ""
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no temporary file left either
