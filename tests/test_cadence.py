"""Nurture cadences against theory: one node that touches a lead every ``d`` up to ``M``
times and stops when the lead answers or ``until`` holds.

With response rate ``p`` per touch and no ``until``, the touches a lead gets are
``min(Geometric(p), M)``: their mean is ``sum_{k<M} (1-p)^k = (1 - (1-p)^M) / p`` and the
lead graduates with probability ``1 - (1-p)^M``. The first touch comes at entry, so a lead
that never answers leaves after exactly ``(M - 1) d``. With ``until`` on engagement (weight
``w``, half-life ``h``) and no answers, the k-th touch leaves ``w sum_{i<k} 2^(-i d/h)``, so
the number of touches to graduate is known in advance.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from laneforge.app.textreport import format_results
from laneforge.io import ProcessFileError, dumps, loads, process_from_data
from laneforge.model import validate
from laneforge.sim import compile_process, run_replication, simulate
from laneforge.sim.capacity import estimate_capacity

from simhelpers import base_data, binomial_ok

DAY = 24.0


def node(id_, kind, lane="lane", **fields):
    return {"id": id_, "kind": kind, "lane": lane, **fields}


def edge(a, b, **fields):
    return {"from": a, "to": b, **fields}


def cadence_data(*, p: float = 0.1, times: int = 6, every: str = "7d", weight: float = 10,
                 until: str | None = None, half_life: str | None = None,
                 rate: str = "1/h", horizon: str = "1000h", replications: int = 1) -> dict:
    """Source -> cadence -> "won" (graduated) or "lost" (exhausted)."""
    data = base_data(horizon=horizon, drain="5000h", replications=replications)
    if half_life is not None:
        data["engagement"] = {"half_life": half_life}
    cadence = node("nurture", "cadence", name="Nurture", every=every, times=times,
                   touch={"channel": "email", "weight": weight, "cost": 0.1,
                          "response_rate": p})
    if until is not None:
        cadence["until"] = until
    data["nodes"] = [node("in", "source", arrivals={"rate": rate}), cadence,
                     node("won", "end", outcome="won"), node("lost", "end", outcome="lost")]
    data["edges"] = [edge("in", "nurture"), edge("nurture", "won", exit="graduated"),
                     edge("nurture", "lost", exit="exhausted")]
    return data


def touches_distribution(p: float, m: int) -> list[float]:
    """P(a lead gets k touches), k = 1..m: answered at touch k < m, or all m sent."""
    return [(1 - p) ** (k - 1) * p for k in range(1, m)] + [(1 - p) ** (m - 1)]


def messages(data: dict) -> list[str]:
    return [str(problem) for problem in validate(process_from_data(data))
            if problem.severity == "error"]


# --- the file format --------------------------------------------------------------------------


def test_a_cadence_round_trips_and_saves_its_exits():
    data = cadence_data(until="engagement >= 40")
    text = dumps(process_from_data(data))
    again = json.loads(text)
    nurture = next(n for n in again["nodes"] if n["id"] == "nurture")
    assert nurture["kind"] == "cadence"
    assert nurture["every"] == "7d" and nurture["times"] == 6
    assert nurture["until"] == "engagement >= 40"
    assert nurture["touch"]["response_rate"] == 0.1
    assert [e.get("exit") for e in again["edges"]] == [None, "graduated", "exhausted"]
    assert dumps(loads(text)) == text


def test_a_process_without_cadences_saves_no_exit_and_gives_no_cadence_results():
    data = cadence_data()
    data["nodes"][1] = node("nurture", "delay", duration="1h")
    data["edges"][1:] = [edge("nurture", "won")]
    data["nodes"].pop()
    process = process_from_data(data)
    assert "exit" not in dumps(process)
    results = simulate(process)
    assert results.cadences is None
    assert "cadences" not in json.loads(results.to_json())


def test_a_cadence_without_a_touch_is_refused_naming_the_node():
    data = cadence_data()
    data["nodes"][1]["touch"] = None
    with pytest.raises(ProcessFileError, match=r"nodes\[1\]\.touch: node 'nurture': a cadence "
                       "needs a touch"):
        process_from_data(data)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("every", "0h", r"node nurture: cadence 'Nurture' must wait longer than 0 .*\(nodes\[1\]"
                    r"\.every\)"),
    ("times", 0, r"node nurture: cadence 'Nurture' must touch the lead at least once .*"
                 r"\(nodes\[1\]\.times\)"),
    ("until", "engagement + 1", r"node nurture: condition 'engagement \+ 1' gives a number, "
                                r"not true/false \(nodes\[1\]\.until\)"),
])
def test_a_bad_cadence_field_is_one_problem_naming_node_and_field(field, value, expected):
    data = cadence_data()
    data["nodes"][1][field] = value
    found = messages(data)
    assert len(found) == 1, found
    assert re.search(expected, found[0]), found[0]


def test_a_cadence_needs_both_exits():
    data = cadence_data()
    data["edges"][2]["exit"] = "graduated"
    found = messages(data)
    assert len(found) == 1 and "2 edges marked exit 'graduated'" in found[0], found
    data["edges"].pop()
    data["nodes"].pop()  # the end it led to
    found = messages(data)
    assert len(found) == 1 and "no way out marked exit 'exhausted'" in found[0], found


def test_an_exit_carries_no_branch_rule_and_marks_only_cadence_edges():
    data = cadence_data()
    data["edges"][1]["probability"] = 0.5
    found = messages(data)
    assert len(found) == 1 and "takes no probability, condition or default" in found[0]
    data = cadence_data()
    del data["edges"][2]["exit"]
    found = messages(data)
    assert len(found) == 1 and "needs 'exit'" in found[0] and "edges[2].exit" in found[0]
    data = cadence_data()
    data["edges"][0]["exit"] = "graduated"
    found = messages(data)
    assert len(found) == 1 and "'in' is no cadence" in found[0] and "edges[0].exit" in found[0]


# --- the engine against theory ----------------------------------------------------------------


def test_touches_per_lead_and_graduated_share_match_the_geometric_law():
    p, m = 0.1, 6
    results = simulate(process_from_data(cadence_data(p=p, times=m, horizon="3000h")))
    figures = results.cadences["nurture"]
    entered = figures.entered.mean
    assert entered > 2500
    dist = touches_distribution(p, m)
    mean = sum(k * q for k, q in enumerate(dist, 1))
    assert mean == pytest.approx((1 - (1 - p) ** m) / p)
    sd = math.sqrt(sum((k - mean) ** 2 * q for k, q in enumerate(dist, 1)))
    per_lead = figures.touches.mean / entered
    assert abs(per_lead - mean) <= 4 * sd / math.sqrt(entered), (per_lead, mean)
    assert binomial_ok(figures.graduated.mean, entered, 1 - (1 - p) ** m)
    # every lead leaves by one exit, and only an answer graduates without ``until``
    assert figures.graduated.mean + figures.exhausted.mean == entered
    assert figures.responses.mean == figures.graduated.mean
    assert results.outcomes["won"].mean == figures.graduated.mean


def test_a_lead_leaves_exhausted_exactly_times_minus_one_intervals_after_entry():
    p, m, every = 0.2, 5, 3 * DAY
    c = compile_process(process_from_data(cadence_data(p=p, times=m, every="3d",
                                                       horizon="300h", rate="0.5/h")))
    trace: list = []
    run_replication(c, 0, trace=trace)
    index = {node.id: node.index for node in c.nodes}
    entered: dict[int, float] = {}
    touches: dict[int, int] = {}
    left: dict[int, tuple[float, str]] = {}
    for time, lead, n, event in trace:
        if n == index["nurture"] and event == "enter":
            entered[lead] = time
        elif n == index["nurture"] and event == "touch":
            touches[lead] = touches.get(lead, 0) + 1
        elif n < 0:
            left[lead] = (time, event)
    exhausted = [lead for lead, (_, outcome) in left.items() if outcome == "lost"]
    graduated = [lead for lead, (_, outcome) in left.items() if outcome == "won"]
    assert len(exhausted) > 20 and len(graduated) > 20
    for lead in exhausted:
        assert left[lead][0] - entered[lead] == pytest.approx((m - 1) * every, abs=1e-9)
        assert touches[lead] == m
    for lead in graduated:  # answered at touch k: left (k - 1) intervals after entry
        assert left[lead][0] - entered[lead] == pytest.approx((touches[lead] - 1) * every,
                                                              abs=1e-9)


def geometric(w: float, k: int, d: float, h: float) -> float:
    """Engagement right after the k-th touch: w * sum_{i<k} 2 ** (-i d / h)."""
    return w * sum(2.0 ** (-i * d / h) for i in range(k))


@pytest.mark.parametrize(("w", "d", "h", "threshold"), [(10, 7, 7, 18), (10, 2, 7, 40)])
def test_until_on_engagement_graduates_after_the_closed_form_number_of_touches(
        w, d, h, threshold):
    k = 1
    while geometric(w, k, d * DAY, h * DAY) < threshold:
        k += 1
    assert k < 10
    data = cadence_data(p=0.0, times=10, every=f"{d}d", weight=w, half_life=f"{h}d",
                        until=f"engagement >= {threshold}", horizon="200h")
    figures = simulate(process_from_data(data)).cadences["nurture"]
    assert figures.entered.mean > 150
    assert figures.touches.mean == k * figures.entered.mean
    assert figures.graduated.mean == figures.entered.mean
    assert figures.exhausted.mean == figures.responses.mean == 0


def test_until_that_never_holds_exhausts_everyone_and_costs_every_touch():
    data = cadence_data(p=0.0, times=3, until="engagement >= 1000", horizon="100h")
    results = simulate(process_from_data(data))
    figures = results.cadences["nurture"]
    assert figures.exhausted.mean == figures.entered.mean
    assert figures.touches.mean == 3 * figures.entered.mean
    # a touch costs 0.1 on the cadence's lane when it falls inside the measured window:
    # here only the first (at entry), the next ones come 7 and 14 days after the horizon
    assert results.lanes["lane"].cost.mean == pytest.approx(0.1 * figures.entered.mean)


def test_the_cadence_sets_the_built_in_touch_attributes():
    data = cadence_data(p=1.0, times=4, horizon="50h")
    data["nodes"][2:] = [node("check", "decision"), node("won", "end", outcome="won"),
                         node("lost", "end", outcome="lost")]
    data["edges"] = [edge("in", "nurture"), edge("nurture", "check", exit="graduated"),
                     edge("nurture", "lost", exit="exhausted"),
                     edge("check", "won", when="responded and touches == 1 and "
                                                "last_channel == 'email'"),
                     edge("check", "lost", default=True)]
    results = simulate(process_from_data(data))
    assert results.outcomes["lost"].mean == 0
    assert results.outcomes["won"].mean == results.cadences["nurture"].entered.mean


# --- capacity, reports ------------------------------------------------------------------------


def test_the_capacity_estimate_routes_through_a_cadence_as_theory_says():
    p, m = 0.1, 6
    process = process_from_data(cadence_data(p=p, times=m, rate="2/h"))
    estimate = estimate_capacity(process)
    assert estimate.node_rate["nurture"] == pytest.approx(2.0)
    assert estimate.node_rate["won"] == pytest.approx(2.0 * (1 - (1 - p) ** m))
    assert estimate.node_rate["lost"] == pytest.approx(2.0 * (1 - p) ** m)


def test_the_capacity_walk_follows_an_until_on_engagement():
    data = cadence_data(p=0.0, times=6, half_life="7d", until="engagement >= 18",
                        rate="2/h")
    data["nodes"][1]["times"] = 3  # 10, 15, 17.5: never 18 in three touches
    estimate = estimate_capacity(process_from_data(data))
    assert estimate.node_rate["lost"] == pytest.approx(2.0)
    data["nodes"][1]["times"] = 4  # the fourth brings 18.75
    estimate = estimate_capacity(process_from_data(data))
    assert estimate.node_rate["won"] == pytest.approx(2.0)


def test_cadence_figures_are_in_the_results_json_and_the_text_summary():
    results = simulate(process_from_data(cadence_data(horizon="200h")))
    data = json.loads(results.to_json())
    assert set(data["cadences"]["nurture"]) == {"entered", "touches", "responses",
                                                "graduated", "exhausted"}
    text = format_results(results)
    assert "Cadences" in text and "Nurture" in text


def test_the_cadence_table_is_in_the_csv_and_the_html_report(tmp_path):
    from laneforge.app.report import report_html
    from laneforge.app.tables import all_tables, write_tables

    process = process_from_data(cadence_data(p=0.1, times=6, horizon="300h"))
    results = simulate(process)
    table = all_tables(results)[-1]
    assert table.name == "cadences"
    row = table.rows[0]
    assert row[0] == "Nurture"
    figures = results.cadences["nurture"]
    assert row[3].value == pytest.approx(figures.touches.mean / figures.entered.mean)
    lines = write_tables([table], tmp_path)[0].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Cadence,Entered,Touches,Touches per lead,Responses")
    assert lines[1].startswith(f"Nurture,{figures.entered.mean:.6g},")
    html = report_html(process, [results])
    assert "Cadences" in html and "Touches per lead" in html
    plain = cadence_data()
    plain["nodes"][1] = node("nurture", "delay", duration="1h")
    plain["edges"][1:] = [edge("nurture", "won")]
    plain["nodes"].pop()
    assert "cadences" not in [t.name for t in all_tables(simulate(process_from_data(plain)))]


def test_a_one_touch_cadence_counts_as_taking_no_time_in_a_loop():
    """Both ways out lead to a decision that may send the lead straight back: with one
    touch (no wait) a lead could go round at one instant for ever."""
    data = cadence_data(times=1)
    data["nodes"] += [node("again", "decision"), node("again_too", "decision")]
    data["edges"][1:] = [edge("nurture", "again", exit="graduated"),
                         edge("nurture", "again_too", exit="exhausted"),
                         edge("again", "nurture", when="touches >= 0"),
                         edge("again", "won", default=True),
                         edge("again_too", "nurture", when="touches >= 0"),
                         edge("again_too", "lost", default=True)]
    found = messages(data)
    assert len(found) == 1 and "loop without time" in found[0] and "nurture" in found[0]
    data["nodes"][1]["times"] = 2  # a week between touches: time passes round the loop
    assert messages(data) == []
    # one way out leaving the loop is a random way out: no trap either
    data["nodes"][1]["times"] = 1
    data["edges"][2]["to"] = "lost"
    data["nodes"].pop()
    data["edges"] = data["edges"][:5]  # again_too and its edges gone
    assert messages(data) == []


def test_a_snapshot_item_at_a_cadence_starts_it_over():
    import datetime as dt

    from laneforge.sim.snapshot import OpenItem, Snapshot

    data = cadence_data(p=0.0, times=3, rate="0/h", horizon="1000h")
    items = tuple(OpenItem(f"lead-{i}", "nurture", age_hours=30.0) for i in range(5))
    results = simulate(process_from_data(data), start_from=Snapshot(dt.datetime(2026, 3, 2),
                                                                    items))
    figures = results.cadences["nurture"]
    assert figures.entered.mean == 5 and figures.touches.mean == 15
    assert results.outcomes["lost"].mean == 5


def test_info_describes_the_cadence(tmp_path, capsys):
    from laneforge.cli import main

    path = tmp_path / "nurture.lane.json"
    path.write_text(dumps(process_from_data(cadence_data(until="engagement >= 40"))),
                    encoding="utf-8")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("every 7d × 6, touch on email (engagement +10, cost 0.1, 10% respond), until "
            "engagement >= 40") in out


def test_a_bad_cadence_on_the_command_line_exits_2_naming_file_node_and_field(tmp_path,
                                                                             capsys):
    from laneforge.cli import main

    data = cadence_data()
    data["nodes"][1]["times"] = 0
    path = tmp_path / "bad.lane.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out_file = tmp_path / "results.json"
    assert main(["simulate", str(path), "--json", str(out_file)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: nodes[1].times: cadence 'Nurture' must touch the lead at least once" in err
    assert not out_file.exists()


def test_the_replay_keeps_a_lead_at_the_cadence_between_its_touches():
    from laneforge.app.replay import record_replay

    data = cadence_data(p=0.0, times=3, every="2d", rate="0.1/h", horizon="100h")
    replay = record_replay(process_from_data(data))
    # a lead that came in by hour 100 stays at the cadence for 4 days: its touches are no
    # moves, and nobody has left yet at hour 90 (the first leave at 96 h at the earliest)
    assert replay.state_at(90.0)["nurture"].here == replay.entered_by(90.0) > 3
    assert replay.ended_by(90.0) == 0
    moves = replay.moves_between(0.0, 400.0)
    assert {(m.from_id, m.to_id) for m in moves} == {("in", "nurture"), ("nurture", "lost")}


def test_a_synthetic_crm_export_of_a_cadence_counts_each_lead_once():
    from laneforge.app.crm_synthetic import synthetic_crm

    data = cadence_data(p=0.3, times=3, every="2d", rate="0.2/h")
    export = synthetic_crm(process_from_data(data), days=20)
    cases = export.log.cases
    assert len(cases) > 50
    # the cadence's touches are no outcomes: every lead that finished did so once
    assert cases.index.is_unique
