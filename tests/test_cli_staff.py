"""``laneforge staff`` from a user's side: a roster printed and saved, one line and exit 2
for anything wrong, nothing written then."""

from __future__ import annotations

import json
import shutil

import pytest

from laneforge.cli import main
from laneforge.io import load_process
from laneforge.model.roster import roster_person_hours

from simhelpers import trade_show_data

TEMPLATE = "processes/lead-lifecycle.lane.json"


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["staff", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def process_file(tmp_path):
    path = tmp_path / "in.lane.json"
    shutil.copy(TEMPLATE, path)
    return path


def test_staff_prints_the_roster_and_writes_the_process_and_json(capsys, tmp_path,
                                                                  process_file) -> None:
    before = process_file.read_bytes()
    out_process, out_json = tmp_path / "out.lane.json", tmp_path / "plan.json"
    code, out, err = run(capsys, process_file, "--lane", "inside_sales", "--target",
                         "mql_followup>=0.95", "--shifts", "8h", "--write", out_process,
                         "--json", out_json)
    assert (code, err) == (0, "")
    assert "Staffing plan for lane inside_sales: 95% within 4 h (mql_followup)" in out
    assert "mon: " in out and "cost " in out and f"wrote {out_process}, {out_json}" in out
    assert process_file.read_bytes() == before
    plan = json.loads(out_json.read_text())
    assert plan["format"] == "laneforge/staffing" and plan["target"]["level"] == 0.95
    saved = load_process(out_process)
    roster = saved.lane("inside_sales").roster
    assert roster == plan["roster"]
    assert roster_person_hours(roster) == plan["person_hours"]
    assert list(roster) == ["mon", "tue", "wed", "thu", "fri"]  # the lane calendar's days
    assert all(len(day) for day in roster.values())
    assert plan["weekly_cost"] == pytest.approx(45 * plan["person_hours"])
    for row in plan["by_hour"]:
        assert row["staffed"] >= row["required"]


def test_staff_may_write_over_the_input_when_told_so(capsys, process_file) -> None:
    code, _, err = run(capsys, process_file, "--lane", "field_sales", "--write", process_file)
    assert (code, err) == (0, "")
    assert load_process(process_file).lane("field_sales").roster


@pytest.mark.parametrize(("args", "words"), [
    (["--lane", "nope"], "--lane: no lane 'nope'"),
    (["--lane", "inside_sales", "--target", "mql_followup>=abc"], "'abc' is not a number"),
    (["--lane", "inside_sales", "--target", "mql_followup>=1.5"], "between 0 and 1"),
    (["--lane", "inside_sales", "--service-level", "0.8"], "go together"),
    (["--lane", "inside_sales", "--shifts", "eight"], "--shifts"),
    (["--lane", "inside_sales", "--hours", "09:00-12:00"], "no 4-hour shift fits"),
    (["--lane", "inside_sales", "--days", "someday"], "--days"),
    (["--lane", "success"], "no SLA of the process ends at a task of lane 'success'"),
    (["--lane", "inside_sales", "--answer", "soon", "--service-level", "0.8"], "--answer"),
    (["--lane", "inside_sales", "--service-level", "0.8", "--answer", "4h", "--check"],
     "--check: the simulation check measures an SLA of the process; give --target"),
    (["--lane", "inside_sales", "--seed", "3"], "--seed goes with --check"),
    (["--lane", "inside_sales", "--check", "--replications", "0"], "--replications"),
])
def test_bad_input_is_one_line_and_exit_2_and_nothing_written(capsys, tmp_path, process_file,
                                                               args, words) -> None:
    out_process = tmp_path / "out.lane.json"
    code, out, err = run(capsys, process_file, *args, "--write", out_process,
                         "--json", tmp_path / "p.json")
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
    assert not out_process.exists() and not (tmp_path / "p.json").exists()


def test_json_over_the_input_is_refused(capsys, process_file) -> None:
    before = process_file.read_bytes()
    code, _, err = run(capsys, process_file, "--lane", "inside_sales", "--json", process_file)
    assert code == 2 and "--json would overwrite the input" in err
    assert process_file.read_bytes() == before


def test_check_simulates_the_roster_and_adds_people_until_the_sla_is_met(capsys, tmp_path):
    source = tmp_path / "show.lane.json"
    source.write_text(json.dumps(trade_show_data(batch=80)))
    out_process, out_json = tmp_path / "out.lane.json", tmp_path / "plan.json"
    code, out, err = run(capsys, source, "--lane", "team", "--shifts", "8h", "--check",
                         "--replications", 3, "--seed", 5, "--jobs", 1,
                         "--write", out_process, "--json", out_json)
    assert (code, err) == (0, "")
    plan = json.loads(out_json.read_text())
    check = plan["check"]
    rounds = check["rounds"]
    assert check["sla"] == "answer" and check["level"] == 0.9 and check["met"]
    assert (check["replications"], check["seed"]) == (3, 5)
    assert check["added"] == len(rounds) - 1 >= 1 and rounds[-1]["added"] is None
    assert rounds[0]["met"] < 0.9 <= rounds[-1]["met"]
    lines = out.splitlines()
    for line, r in zip(lines, rounds, strict=False):  # each round as the check goes
        if r["added"] is None:
            assert line == f"simulated: SLA met {r['met']:.2f} >= 0.90"
        else:
            assert line == (f"simulated: SLA met {r['met']:.2f} < 0.90, +1 8-hour shift "
                            f"{r['added']['day']} {r['added']['shift']}")
    people = "person" if check["added"] == 1 else "people"
    assert (f"checked by simulation: met {rounds[-1]['met']:.2f} after {check['added']} "
            f"{people} added") in out
    # the roster saved and the JSON's are the checked one: Erlang C's plus the shifts added
    start = check["erlang_c"]
    assert plan["person_hours"] == start["person_hours"] + 8 * check["added"]
    assert plan["weekly_cost"] == pytest.approx(start["weekly_cost"] + 40 * 8 * check["added"])
    assert f"cost {plan['weekly_cost']:,.0f} a week" in out
    roster = load_process(out_process).lane("team").roster
    assert roster == plan["roster"] != start["roster"]
    assert roster_person_hours(roster) == plan["person_hours"]
    # cost per won deal of the checked roster: the lane's cost over the simulated won deals
    assert check["cost_per_won"] == pytest.approx(plan["weekly_cost"] / check["won_per_week"],
                                                  rel=1e-3)
    assert f"{check['cost_per_won']:,.0f} of this lane per won deal" in out
