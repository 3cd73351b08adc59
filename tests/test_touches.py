"""Touches, engagement that fades, response rates and channel attribution, against theory.

Engagement after touches of weight ``w`` spaced ``d`` apart with half-life ``h`` is the
geometric sum ``w * sum_{i<k} 2 ** (-i d / h)``; a loop that touches until engagement
reaches a threshold therefore takes a number of touches known in advance; a lead touched
``n`` times with response rate ``p`` has answered with probability ``1 - (1 - p) ** n``;
and won deals split over first-touch channels as the sources' arrival rates do.
"""

from __future__ import annotations

import json
import math

import pytest

from laneforge.app.textreport import format_results
from laneforge.cli import main
from laneforge.io import ProcessFileError, dumps, load_process, loads, process_from_data
from laneforge.model import validate
from laneforge.model.errors import ValidationError
from laneforge.sim import compile_process, run_replication, simulate
from laneforge.sim.capacity import estimate_capacity

from conftest import REFERENCE_FUNNEL, template_paths
from simhelpers import base_data, binomial_ok


def node(id_, kind, lane="lane", **fields):
    return {"id": id_, "kind": kind, "lane": lane, **fields}


def edge(a, b, **fields):
    return {"from": a, "to": b, **fields}


def geometric(w: float, k: int, d: float, h: float) -> float:
    """Engagement right after the k-th touch: w * sum_{i<k} 2 ** (-i d / h)."""
    return w * sum(2.0 ** (-i * d / h) for i in range(k))


def touches_to_reach(w: float, threshold: float, d: float, h: float) -> int:
    """The first k whose engagement right after the k-th touch reaches ``threshold``."""
    k = 1
    while geometric(w, k, d, h) < threshold:
        k += 1
    return k


def touch_loop(*, weight: float, spacing: str, half_life: str | None, until: str,
               then: list, rate: str = "1/h", horizon: str = "200h", **touch) -> dict:
    """Source -> touch (a task of no duration on a lane without limit) -> ``until``? ->
    ``then`` (nodes after the loop, entered at ``after``); else wait ``spacing``, again."""
    data = base_data(horizon=horizon, drain="2000h")
    if half_life is not None:
        data["engagement"] = {"half_life": half_life}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": rate}),
        node("mail", "task", duration=0, touch={"channel": "email", "weight": weight,
                                                 **touch}),
        node("enough", "decision"),
        node("wait", "delay", duration=spacing),
        *then,
    ]
    data["edges"] = [
        edge("in", "mail"), edge("mail", "enough"),
        edge("enough", "after", when=until), edge("enough", "wait", default=True),
        edge("wait", "mail"),
    ]
    return data


def within(text: str, value: float) -> str:
    """A condition that holds when ``text`` is ``value`` to a part in a billion."""
    return f"{text} >= {value * (1 - 1e-9)!r} and {text} <= {value * (1 + 1e-9)!r}"


def add_after(data: dict, nodes: list, edges: list) -> dict:
    data["nodes"] += nodes
    data["edges"] += edges
    return data


# --- (a) engagement is the geometric sum ----------------------------------------------------

@pytest.mark.parametrize(("w", "k", "d", "h"), [
    (10.0, 4, 72.0, 168.0), (5.0, 7, 24.0, 24.0), (3.0, 3, 1.0, 1000.0)])
def test_engagement_after_k_touches_is_the_geometric_sum(w, k, d, h):
    expected = geometric(w, k, d, h)
    rest = 30.0  # after the last touch engagement keeps fading: halving every h hours
    data = touch_loop(weight=w, spacing=f"{d}h", half_life=f"{h}h", until=f"touches >= {k}",
                      then=[])
    add_after(data, [
        node("after", "decision"),
        node("rest", "delay", duration=f"{rest}h"),
        node("faded", "decision"),
        node("match", "end", outcome="match"),
        node("miss", "end", outcome="miss"),
    ], [
        edge("after", "rest", when=within("engagement", expected)),
        edge("after", "miss", default=True),
        edge("rest", "faded"),
        edge("faded", "match", when=within("engagement", expected * 2 ** (-rest / h))
             + " and " + within("since_last_touch", rest)),
        edge("faded", "miss", default=True),
    ])
    record = run_replication(compile_process(process_from_data(data)), 0)
    assert record.leads > 100
    assert record.outcomes["miss"] == 0
    assert record.outcomes["match"] == record.leads
    assert record.nodes["mail"].visits == k * record.leads


def test_without_a_half_life_engagement_only_adds_up():
    data = touch_loop(weight=2.5, spacing="100h", half_life=None, until="touches >= 6", then=[])
    add_after(data, [node("after", "decision"), node("match", "end", outcome="match"),
                     node("miss", "end", outcome="miss")],
              [edge("after", "match", when="engagement == 15"),
               edge("after", "miss", default=True)])
    record = run_replication(compile_process(process_from_data(data)), 0)
    assert record.outcomes["match"] == record.leads and record.outcomes["miss"] == 0


def test_a_source_with_a_channel_is_the_first_touch():
    data = base_data()
    data["engagement"] = {"half_life": "10h"}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "2/h"}, channel="web", touch_weight=8),
        node("wait", "delay", duration="10h"),
        node("check", "decision"),
        node("match", "end", outcome="match"),
        node("miss", "end", outcome="miss"),
    ]
    data["edges"] = [
        edge("in", "wait"), edge("wait", "check"),
        edge("check", "match", when=within("engagement", 4.0) + " and touches == 1 and "
             "first_channel == 'web' and last_channel == 'web' and "
             + within("since_last_touch", 10.0)),
        edge("check", "miss", default=True),
    ]
    record = run_replication(compile_process(process_from_data(data)), 0)
    assert record.outcomes["miss"] == 0 and record.outcomes["match"] == record.leads


# --- (b) a loop until engagement reaches a threshold -----------------------------------------

@pytest.mark.parametrize(("w", "threshold", "d", "h"), [
    (10.0, 25.0, 72.0, 168.0), (4.0, 15.0, 12.0, 48.0), (7.0, 7.0, 5.0, 5.0)])
def test_touching_until_engaged_takes_the_closed_form_number_of_touches(w, threshold, d, h):
    n = touches_to_reach(w, threshold, d, h)
    assert n < 100  # the threshold is reachable: below w / (1 - 2 ** (-d / h))
    data = touch_loop(weight=w, spacing=f"{d}h", half_life=f"{h}h",
                      until=f"engagement >= {threshold}",
                      then=[node("after", "end", outcome="won")])
    process = process_from_data(data)
    record = run_replication(compile_process(process), 0)
    assert record.open_at_end == 0 and record.leads > 50
    assert record.nodes["mail"].visits == n * record.leads
    assert record.nodes["wait"].visits == (n - 1) * record.leads
    # the capacity estimate's walk keeps the same engagement: n touches per lead
    estimate = estimate_capacity(process)
    assert estimate.node_rate["mail"] == pytest.approx(n * estimate.node_rate["in"], rel=1e-6)


# --- (c) response rates ---------------------------------------------------------------------

@pytest.mark.parametrize(("p", "n"), [(0.2, 3), (0.05, 8), (0.5, 1)])
def test_share_of_leads_that_responded_is_binomial(p, n):
    data = touch_loop(weight=1, spacing="1h", half_life="24h", until=f"touches >= {n}",
                      then=[], rate="20/h", response_rate=p)
    add_after(data, [node("after", "decision"), node("yes", "end", outcome="responded"),
                     node("no", "end", outcome="silent")],
              [edge("after", "yes", when="responded"), edge("after", "no", default=True)])
    process = process_from_data(data)
    record = run_replication(compile_process(process), 0)
    leads = record.leads
    assert leads > 3000
    assert binomial_ok(record.outcomes["responded"], leads, 1 - (1 - p) ** n)
    # the capacity estimate's walk draws the responses too (16,000 leads)
    share = estimate_capacity(process).outcome_share["responded"]
    assert binomial_ok(share * 16_000, 16_000, 1 - (1 - p) ** n)


# --- (d) attribution ------------------------------------------------------------------------

def attribution_process(won_share: float = 0.3) -> dict:
    """Two sources (web 3/h, events 1/h) -> one email touch costing 4 -> won or lost."""
    data = base_data(horizon="1500h", replications=3, drain="100h")
    data["nodes"] = [
        node("web", "source", arrivals={"rate": "3/h"}, channel="web"),
        node("event", "source", arrivals={"rate": "1/h"}, channel="events", touch_weight=5),
        node("mail", "task", duration="1h", touch={"channel": "email", "weight": 10,
                                                   "cost": 4}),
        node("close", "decision"),
        node("won", "end", outcome="won"),
        node("lost", "end", outcome="lost"),
    ]
    data["edges"] = [
        edge("web", "mail"), edge("event", "mail"), edge("mail", "close"),
        edge("close", "won", probability=won_share),
        edge("close", "lost", probability=round(1 - won_share, 10)),
    ]
    return data


def test_won_deals_by_first_touch_channel_follow_the_arrival_rates():
    process = process_from_data(attribution_process())
    record = run_replication(compile_process(process), 0)
    channels = record.touches.channels
    assert list(channels) == ["web", "events", "email"]
    won = record.outcomes["won"]
    finished = won + record.outcomes["lost"]
    assert binomial_ok(won, finished, 0.3)
    # first touch: the sources' shares of the arrivals, 3 : 1
    assert channels["web"].first_won + channels["events"].first_won == won
    assert binomial_ok(channels["web"].first_won, won, 0.75)
    assert binomial_ok(channels["web"].first_leads, finished, 0.75)
    # last touch: every lead's last touch is the email
    assert channels["email"].last_won == won and channels["email"].first_won == 0
    assert channels["email"].last_leads == finished
    # every email costs 4; a deal is won in 3 of 10: 4 / 0.3 per won deal, within the
    # binomial tolerance of the win share
    per_won = channels["email"].cost / won
    tolerance = 4 * 4 * math.sqrt(0.3 * 0.7 / finished) / 0.3 ** 2
    assert abs(per_won - 4 / 0.3) <= tolerance


def test_attribution_in_results_json_and_summary(tmp_path, capsys):
    process = process_from_data(attribution_process())
    results = simulate(process)
    a = results.attribution
    assert a is not None
    assert set(a.first_touch) == set(a.last_touch) == {"web", "events", "email"}
    assert a.first_touch["email"].cost_per_won is None  # nobody's first touch
    email = a.last_touch["email"]
    assert email.cost_per_won.mean == pytest.approx(
        email.cost.mean / email.won.mean, rel=0.05)
    # the touch cost is part of the run's cost
    assert results.total_cost.mean == pytest.approx(email.cost.mean)
    data = json.loads(results.to_json())
    assert set(data["attribution"]) == {"first_touch", "last_touch"}
    assert set(data["attribution"]["first_touch"]["web"]) == {
        "leads", "won", "cost", "cost_per_won"}
    text = format_results(results)
    assert "Attribution by channel" in text and "events" in text
    path = tmp_path / "touches.lane.json"
    path.write_text(dumps(process), encoding="utf-8")
    assert main(["simulate", str(path), "-r", "2", "--horizon", "200h"]) == 0
    assert "Attribution by channel" in capsys.readouterr().out


# --- (e) files without touches are as before -------------------------------------------------

#: templates drawn without touches (capture-nurture-cleanse is made of them)
UNTOUCHED = [p for p in template_paths()
             if not any("touch" in n or "channel" in n
                        for n in json.loads(p.read_text(encoding="utf-8"))["nodes"])]


def test_the_touch_template_is_the_only_one_with_touches():
    assert {p.name for p in template_paths()} - {p.name for p in UNTOUCHED} == {
        "capture-nurture-cleanse.lane.json"}


@pytest.mark.parametrize("path", [REFERENCE_FUNNEL, *UNTOUCHED], ids=lambda p: p.name)
def test_files_without_touches_round_trip_and_run_as_before(path):
    text = path.read_text(encoding="utf-8")
    process = loads(text)
    saved = dumps(process)
    if path != REFERENCE_FUNNEL:  # the templates are written as the program writes them
        assert saved == text
    assert dumps(loads(saved)) == saved
    compiled = compile_process(process, horizon=300, warmup=0)
    assert compiled.touches is None  # the engine adds nothing to such a process
    first = simulate(process, replications=2, horizon=300, warmup=0, seed=11)
    again = simulate(loads(saved), replications=2, horizon=300, warmup=0, seed=11)
    assert first.attribution is None
    assert "attribution" not in json.loads(first.to_json())
    assert first.model_dump(exclude={"seconds"}) == again.model_dump(exclude={"seconds"})


def test_a_neutral_touch_changes_no_figure_and_a_declared_name_wins():
    """closed-loop declares ``touches`` itself: a touch of weight 0, cost 0 on the task that
    counts them leaves every figure as it was (the engine keeps its own count apart and
    draws from streams of its own)."""
    path = next(p for p in template_paths() if p.name == "closed-loop.lane.json")
    plain = load_process(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    counting = next(n for n in data["nodes"] if "touches" in n.get("set", {}))
    counting["touch"] = {"channel": "phone"}
    touched = process_from_data(data)
    assert "touches" not in compile_process(touched).touches.kept
    before = simulate(plain, replications=2, horizon=400, warmup=0, seed=5)
    after = simulate(touched, replications=2, horizon=400, warmup=0, seed=5)
    assert after.attribution is not None
    assert after.model_dump(exclude={"seconds", "attribution"}) == before.model_dump(
        exclude={"seconds", "attribution"})


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize(("touch", "needle"), [
    ({"channel": "email", "colour": "red"}, "touch.colour is not a field of a touch"),
    ({"channel": "email", "weight": -1}, "touch.weight must be 0 or more"),
    ({"channel": "email", "cost": -0.5}, "touch.cost must be 0 or more"),
    ({"channel": "email", "response_rate": 1.5}, "touch.response_rate must lie between 0 and 1"),
    ({"weight": 3}, "touch.channel is required"),
    ({"channel": "e mail"}, "touch.channel must be a channel name"),
])
def test_a_bad_touch_is_one_problem_naming_the_node_and_field(touch, needle, tmp_path,
                                                             capsys):
    data = attribution_process()
    data["nodes"][2]["touch"] = touch
    with pytest.raises(ProcessFileError) as caught:
        loads(json.dumps(data), "bad.lane.json")
    message = str(caught.value)
    assert needle in message and "node 'mail'" in message and "bad.lane.json" in message
    path = tmp_path / "bad.lane.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["simulate", str(path), "--json", str(out)]) == 2
    assert needle in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("half_life", ["0h", 0])
def test_a_half_life_of_zero_is_refused(half_life):
    data = attribution_process()
    data["engagement"] = {"half_life": half_life}
    with pytest.raises(ProcessFileError, match=r"engagement\.half_life: a half-life must be "
                                               "greater than 0"):
        loads(json.dumps(data), "bad.lane.json")


def test_set_may_assign_touch_names_but_not_the_clock():
    data = attribution_process()
    data["nodes"][2]["set"] = {"engagement": "engagement * 2", "since_last_touch": "0"}
    problems = [p for p in validate(process_from_data(data)) if p.severity == "error"]
    assert len(problems) == 1
    assert problems[0].node == "mail" and problems[0].field == "nodes[2].set.since_last_touch"
    assert "computes from the clock" in problems[0].message


def test_set_on_engagement_restarts_its_fading():
    data = touch_loop(weight=10, spacing="1h", half_life="5h", until="touches >= 1", then=[])
    data["nodes"][1]["set"] = {"engagement": "engagement + 30"}
    add_after(data, [node("after", "delay", duration="5h"), node("check", "decision"),
                     node("match", "end", outcome="match"), node("miss", "end", outcome="miss")],
              [edge("after", "check"), edge("check", "match", when=within("engagement", 20.0)),
               edge("check", "miss", default=True)])
    record = run_replication(compile_process(process_from_data(data)), 0)
    assert record.outcomes["miss"] == 0 and record.outcomes["match"] == record.leads


def test_touch_fields_round_trip():
    data = attribution_process()
    data["engagement"] = {"half_life": "14d"}
    data["nodes"][2]["touch"]["response_rate"] = 0.25
    text = dumps(process_from_data(data))
    again = loads(text)
    assert dumps(again) == text
    assert again.node("mail").touch.response_rate == 0.25
    assert again.node("event").channel == "events" and again.node("event").touch_weight == 5
    assert json.loads(text)["engagement"] == {"half_life": "14d"}


def test_simulating_a_process_with_a_bad_set_is_refused():
    data = attribution_process()
    data["nodes"][2]["set"] = {"since_last_touch": "1"}
    with pytest.raises(ValidationError):
        import laneforge

        laneforge.simulate(process_from_data(data))


def test_the_attribution_table_is_exported_only_for_a_process_with_touches(tmp_path):
    from laneforge.app.tables import all_tables, write_tables

    results = simulate(process_from_data(attribution_process()), replications=2,
                       horizon=300)
    table = all_tables(results)[-1]
    assert table.name == "attribution"
    assert [row[0] for row in table.rows] == ["web", "events", "email"]
    paths = write_tables([table], tmp_path)
    lines = paths[0].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Channel,First-touch leads,First-touch won")
    assert lines[3].startswith("email,0,0,,")  # nobody's first touch: no cost per won deal
    plain = simulate(process_from_data(attribution_process() | {"nodes": [
        {k: v for k, v in n.items() if k not in ("channel", "touch", "touch_weight")}
        for n in attribution_process()["nodes"]]}), replications=2, horizon=300)
    assert "attribution" not in [t.name for t in all_tables(plain)]


def test_a_priority_on_engagement_serves_the_more_engaged_leads_first():
    """One person, work arriving faster than they can do it: with the priority
    'engagement', leads from the source whose arrival touch weighs 50 are always taken
    before those whose touch weighs nothing, so nearly every lead done is a web lead."""
    data = base_data(horizon="400h", drain="0h")
    data["lanes"].append({"id": "team", "name": "Team", "staff": 1})
    data["nodes"] = [
        node("web", "source", arrivals={"rate": "1/h"}, channel="web", touch_weight=50),
        node("list", "source", arrivals={"rate": "1/h"}, channel="list"),
        node("call", "task", lane="team", duration="1h", priority="engagement"),
        node("done", "end", outcome="done"),
    ]
    data["edges"] = [edge("web", "call"), edge("list", "call"), edge("call", "done")]
    record = run_replication(compile_process(process_from_data(data)), 0)
    channels = record.touches.channels
    done = channels["web"].first_leads + channels["list"].first_leads
    assert done == record.outcomes["done"] > 300
    assert channels["list"].first_leads < 0.1 * done


def test_a_touch_weight_without_a_channel_is_a_warning():
    data = attribution_process()
    del data["nodes"][0]["channel"]
    data["nodes"][0]["touch_weight"] = 3
    warnings = [p for p in validate(process_from_data(data)) if p.severity == "warning"
                and p.field == "nodes[0].touch_weight"]
    assert len(warnings) == 1 and warnings[0].node == "web"


def test_info_names_the_touches(tmp_path, capsys):
    data = attribution_process()
    data["nodes"][2]["touch"]["response_rate"] = 0.2
    path = tmp_path / "touches.lane.json"
    path.write_text(dumps(process_from_data(data)), encoding="utf-8")
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "touch on email (engagement +10, cost 4, 20% respond)" in text
    assert "channel events (engagement +5)" in text


def test_a_scenario_can_change_a_touch():
    data = attribution_process()
    data["scenarios"] = [{"name": "Dearer email", "changes": {"nodes.mail.touch.cost": 8}}]
    process = process_from_data(data)
    assert not [p for p in validate(process) if p.severity == "error"]
    base = simulate(process, replications=2, horizon=300)
    dearer = simulate(process, scenario="Dearer email", replications=2, horizon=300)
    # the same leads (common random numbers), each email twice the cost
    assert dearer.attribution.last_touch["email"].cost.mean == pytest.approx(
        2 * base.attribution.last_touch["email"].cost.mean)


def test_open_items_of_a_snapshot_keep_the_touches_they_have_had():
    """Items waiting between touches at the snapshot: one that has had 2 of its 4 touches
    needs 2 more, one that says nothing starts from none and needs 4; an engagement the
    item gives is as of the snapshot and fades from there."""
    import datetime as dt

    from laneforge.sim.snapshot import OpenItem, Snapshot

    data = touch_loop(weight=5, spacing="10h", half_life="10h", until="touches >= 4", then=[],
                      rate="0/h")
    add_after(data, [node("after", "decision"), node("hot", "end", outcome="hot"),
                     node("cold", "end", outcome="cold")],
              [edge("after", "hot", when="engagement >= 12"),
               edge("after", "cold", default=True)])
    items = (
        *(OpenItem(f"h{i}", "wait", age_hours=0.0, attributes={"touches": 2,
                                                                 "engagement": 40})
          for i in range(5)),
        *(OpenItem(f"c{i}", "wait", age_hours=0.0) for i in range(3)),
    )
    compiled = compile_process(process_from_data(data), warmup=0.0)
    record = run_replication(compiled, 0, start_from=Snapshot(dt.datetime(2026, 3, 2), items))
    assert record.nodes["mail"].visits == 5 * 2 + 3 * 4
    # given 40 at the snapshot: 40 / 2 + 5 = 25 at the first touch, 25 / 2 + 5 = 17.5 at
    # the second (hot); from none: 5, 7.5, 8.75, 9.375 (cold)
    assert record.outcomes["hot"] == 5 and record.outcomes["cold"] == 3
