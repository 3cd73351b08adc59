"""Calibration and forecast read touches off a CRM's activity history: response rates against
the answers a synthetic export logged from a process of known rates, the touches before a
hand-off against the closed form of a threshold on engagement that never fades, and the
touches of a snapshot's open leads counted against the engine's own trace."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from laneforge.app.calibrate import fit
from laneforge.app.calibrate_stats import binomial_ci
from laneforge.app.calibrate_touches import fit_responses
from laneforge.app.calibration_choices import interval_text
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.app.forecast_snapshot import snapshot_from_export
from laneforge.app.replay import Replay, record_replay
from laneforge.io import process_from_data
from laneforge.io.crm import CrmDataError, check_mapping, load_mapping, suggest_mapping
from laneforge.sim import compile_process, run_replication
from laneforge.sim.touching import RESPOND

EMAIL, CALL = 0.25, 0.6
SOURCE_WEIGHT, EMAIL_WEIGHT, THRESHOLD = 5, 10, 30


def touch_process(email: float = EMAIL, call: float = CALL, *, half_life: str | None = "7d",
                  rate: str = "12/day") -> dict[str, Any]:
    """Leads from paid search get a nurture email (no staff limit) every few days until
    their engagement reaches 30, then a discovery call by sales."""
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "touches",
        "lanes": [{"id": "m", "staff": None}, {"id": "s", "name": "Sales", "staff": 40}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "m", "arrivals": {"rate": rate},
             "channel": "paid_search", "touch_weight": SOURCE_WEIGHT},
            {"id": "mail", "kind": "task", "lane": "m", "name": "Nurture email",
             "duration": "1h", "touch": {"channel": "email", "weight": EMAIL_WEIGHT,
                                         "response_rate": email}},
            {"id": "enough", "kind": "decision", "lane": "m"},
            {"id": "wait", "kind": "delay", "lane": "m",
             "duration": {"dist": "exponential", "mean": "3d"}},
            {"id": "call", "kind": "task", "lane": "s", "name": "Discovery call",
             "duration": "20m", "touch": {"channel": "call", "weight": 20,
                                          "response_rate": call}},
            {"id": "won", "kind": "end", "lane": "s", "outcome": "won"},
        ],
        "edges": [
            {"from": "web", "to": "mail"}, {"from": "mail", "to": "enough"},
            {"from": "enough", "to": "call", "when": f"engagement >= {THRESHOLD}"},
            {"from": "enough", "to": "wait", "default": True},
            {"from": "wait", "to": "mail"}, {"from": "call", "to": "won"},
        ],
    }
    if half_life is not None:
        data["engagement"] = {"half_life": half_life}
    return data


def truth_trace(crm: Any, days: float, seed: int) -> tuple[Any, list[tuple[float, int, int, str]]]:
    """The run the export was written from (same process, horizon and seed)."""
    c = compile_process(crm.truth, horizon=days * 24.0, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(c, 0, seed, trace=trace)
    return c, trace


def case_id(lead: int) -> str:
    return f"00Q{lead:012d}"


@pytest.fixture(scope="module")
def export() -> Any:
    return synthetic_crm(process_from_data(touch_process()), days=120, seed=3)


# --- the synthetic export ------------------------------------------------------------------

def test_every_touch_and_every_answer_is_a_logged_activity(export):
    c, trace = truth_trace(export, 120, 3)
    horizon = 120 * 24.0
    mail, call = (c.nodes[i].index for i in (1, 4))
    acts = export.log.events[export.log.events["kind"] == "activity"]
    count = acts.groupby(["value", "subtype"]).size()
    done = {n: sum(1 for t, _, m, e in trace if m == n and e == "done" and t <= horizon)
            for n in (mail, call)}
    answers = {n: sum(1 for t, _, m, e in trace if m == n and e == RESPOND and t <= horizon)
               for n in (mail, call)}
    # the automated emails are logged although their lane has no staff limit
    assert count[("Nurture email", "Email")] == done[mail] > 3000
    assert count[("Discovery call", "Call")] == done[call] > 500
    assert count[("Email replied", "Email")] == answers[mail]
    assert count[("Call connected", "Call")] == answers[call]
    assert export.mapping.channels == {"Email": "email", "Call": "call"}
    assert export.mapping.responses == ["Call connected", "Email replied"]
    # an automated email is the system's: it owns no lead and no lane's staff
    mails = acts[acts["value"] == "Nurture email"]
    assert set(mails["owner"]) == {"005000000000INT"}
    assert "role:" not in json.dumps({k: v for k, v in export.mapping.owners.items()
                                      if v == "m"})


def test_a_call_to_a_stale_record_is_still_a_logged_touch():
    data = touch_process()
    data["nodes"][4]["contact"] = True
    data["data_quality"] = {"decay_per_month": 0.3}
    crm = synthetic_crm(process_from_data(data), days=60, seed=6)
    c, trace = truth_trace(crm, 60, 6)
    call = c.nodes[4].index
    acts = crm.log.events[crm.log.events["kind"] == "activity"]
    done = sum(1 for t, _, n, e in trace if n == call and e == "done" and t <= 60 * 24.0)
    stale = sum(1 for t, _, n, e in trace if n == call and e == "stale" and t <= 60 * 24.0)
    assert stale > 20
    assert (acts["value"] == "Discovery call").sum() == done
    assert (acts["value"] == "Wrong number").sum() == stale


def test_answers_are_no_move_in_a_replay():
    process = process_from_data(touch_process())
    replay = record_replay(process, horizon="20d", seed=4)
    c = compile_process(process, horizon=480.0, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(c, 0, 4, trace=trace)
    assert sum(1 for e in trace if e[3] == RESPOND) > 50
    moves = [e for e in trace if e[3] != RESPOND]
    silent = Replay(replay.nodes, replay.lane_staff, replay.start, replay.duration,
                    replay.horizon, moves)
    for t in (10.0, 100.0, 300.0, 479.0):
        assert replay.state_at(t) == silent.state_at(t)
    assert replay.moves_count(0, 480) == silent.moves_count(0, 480) > 500
    assert replay.ended_between(0, 480) == silent.ended_between(0, 480)


# --- response rates -------------------------------------------------------------------------

def test_the_response_rate_holds_the_rate_it_was_drawn_from():
    rng = np.random.default_rng(11)
    inside, trials = 0, 40
    for _ in range(trials):
        hit = pd.Series(rng.random(800) < 0.3)
        touches = pd.DataFrame({"task": ["mail"] * 800})
        f = fit_responses(touches, hit)["mail"]
        assert f.n == 800 and f.answered == int(hit.sum())
        assert f.ci95 == binomial_ci(f.answered, f.n)
        inside += f.ci95[0] <= 0.3 <= f.ci95[1]
    assert inside >= 33  # a 95 % interval: the binomial's 0.1 % lower tail is 32 of 40


def test_calibration_recovers_each_touch_s_response_rate(export):
    c, trace = truth_trace(export, 120, 3)
    start = process_from_data(touch_process(0.6, 0.2))  # the rates the wrong way round
    cal = fit(start, export.log, export.mapping)
    horizon = 120 * 24.0
    for node, truth, old in (("mail", EMAIL, 0.6), ("call", CALL, 0.2)):
        f = cal.touches[node]
        n = c.nodes[[x.id for x in c.nodes].index(node)].index
        # every touch and every answer of the run, none lost and none doubled
        assert f.n == sum(1 for t, _, m, e in trace if m == n and e == "done" and t <= horizon)
        assert f.answered == sum(1 for t, _, m, e in trace
                                 if m == n and e == RESPOND and t <= horizon)
        assert f.ci95[0] <= truth <= f.ci95[1]
        change = cal.change(f"nodes.{node}.touch.response_rate")
        assert change.old == old and change.new == pytest.approx(f.rate, abs=1e-4)
        assert change.n == f.n and change.ci95 == f.ci95
    assert cal.process.node("mail").touch.response_rate == pytest.approx(EMAIL, abs=0.02)
    lo, hi = cal.touches["mail"].ci95
    text = interval_text(cal.change("nodes.mail.touch.response_rate"))
    assert text == f"{100 * lo:.1f} – {100 * hi:.1f} %"
    touches = cal.to_fit_json()["touches"]
    assert touches["call"]["n"] == cal.touches["call"].n
    # the answers are the leads', no activity of a task nor a word the mapping misses
    assert not any("Email replied" in note for note in cal.notes)
    assert "nodes.mail.touch.weight" in cal.reasons


def test_a_response_rate_left_out_of_the_file_is_fitted_from_zero(export):
    data = touch_process()
    del data["nodes"][1]["touch"]["response_rate"]
    cal = fit(process_from_data(data), export.log, export.mapping)
    change = cal.change("nodes.mail.touch.response_rate")
    assert change.old == 0 and change.ci95[0] <= EMAIL <= change.ci95[1]


def test_without_responses_in_the_mapping_it_says_what_to_map(export):
    mapping = export.mapping.model_copy(update={"responses": []})
    cal = fit(process_from_data(touch_process(0.6, 0.2)), export.log, mapping)
    assert cal.touches == {}
    assert "responses" in cal.reasons["nodes.mail.touch.response_rate"]
    assert all("response_rate" not in c.path for c in cal.changes)


# --- touches before the hand-off ------------------------------------------------------------

def test_touches_before_the_hand_off_are_the_closed_form_without_fading():
    # engagement that never fades: 5 (arrival) + 10 per email reaches 30 at the third email,
    # so every lead is handed to sales after exactly 4 touches, seen and implied alike
    crm = synthetic_crm(process_from_data(touch_process(half_life=None)), days=60, seed=2)
    cal = fit(process_from_data(touch_process(half_life=None)), crm.log, crm.mapping)
    (handoff,) = cal.handoffs
    k = 1 + -(-(THRESHOLD - SOURCE_WEIGHT) // EMAIL_WEIGHT)
    assert k == 4
    assert handoff.edge == "enough->call" and len(handoff.observed) > 400
    assert set(handoff.observed.tolist()) == {k}
    assert handoff.implied is not None and set(handoff.implied.tolist()) == {k}
    assert any("enough->call" in note and "do not identify the weights" in note
               for note in cal.notes)


def test_touches_before_the_hand_off_match_the_engine_s_with_fading(export):
    c, trace = truth_trace(export, 120, 3)
    horizon = 120 * 24.0
    mail, call = c.nodes[1].index, c.nodes[4].index
    truth: dict[int, int] = {}
    count: dict[int, int] = {}
    called = {lead for t, lead, n, e in trace if n == call and e == "done" and t <= horizon}
    for t, lead, n, event in trace:
        if t > horizon or lead in truth:
            continue
        if event == "enter" and n == 0:
            count[lead] = 1  # the arrival from paid search is the first touch
        elif event == "done" and n == mail:
            count[lead] += 1
        elif event == "enter" and n == call and lead in called:  # its call is in the export
            truth[lead] = count[lead]
    cal = fit(process_from_data(touch_process()), export.log, export.mapping)
    (handoff,) = cal.handoffs
    assert sorted(handoff.observed.tolist()) == sorted(truth.values())
    seen, implied = handoff.observed, handoff.implied
    assert implied is not None and len(implied) > 500
    # the calibrated process implies the same distribution: means within 4 standard errors
    se = np.sqrt(seen.var() / len(seen) + implied.var() / len(implied))
    assert abs(seen.mean() - implied.mean()) < 4 * se


# --- the snapshot of a forecast -------------------------------------------------------------

@pytest.mark.parametrize("as_of_day", [60, 41.5])
def test_open_leads_carry_the_touches_their_history_shows(as_of_day):
    days, seed = 60, 5
    crm = synthetic_crm(process_from_data(touch_process()), days=days, seed=seed)
    _, trace = truth_trace(crm, days, seed)
    as_of_h = as_of_day * 24.0
    moment = crm.log.start + pd.Timedelta(hours=as_of_h)
    snap = snapshot_from_export(crm.log, crm.mapping, crm.truth, as_of=moment)
    assert len(snap.items) > 50
    weights = {0: SOURCE_WEIGHT, 1: EMAIL_WEIGHT, 4: 20}
    channels = {0: "paid_search", 1: "email", 4: "call"}
    history: dict[int, list[tuple[float, int]]] = {}
    answered: set[int] = set()
    for t, lead, n, event in trace:
        if t > as_of_h:
            continue
        if (event == "enter" and n == 0) or (event == "done" and n in (1, 4)):
            history.setdefault(lead, []).append((t, n))
        elif event == RESPOND:
            answered.add(lead)
    half_life = 7 * 24.0
    for item in snap.items:
        touches = history[int(item.id[3:])]
        attrs = item.attributes
        assert attrs["touches"] == len(touches)
        assert attrs["first_channel"] == channels[touches[0][1]]
        assert attrs["last_channel"] == channels[touches[-1][1]]
        assert attrs["responded"] == (int(item.id[3:]) in answered)
        engagement = sum(weights[n] * 2 ** (-(as_of_h - t) / half_life) for t, n in touches)
        assert attrs["engagement"] == pytest.approx(engagement, rel=1e-3)
        # the export keeps whole seconds
        assert item.touched_hours_ago == pytest.approx(as_of_h - touches[-1][0], abs=1 / 1800)


def test_a_forecast_attributes_pipeline_leads_to_their_first_channel(export):
    snap = snapshot_from_export(export.log, export.mapping, export.truth)
    data = touch_process(rate="1/day")
    c = compile_process(process_from_data(data), horizon=60 * 24.0, warmup=0.0)
    record = run_replication(c, 0, 1, start_from=snap)
    assert record.placed == len(snap.items) > 50
    first = record.touches.channels["paid_search"]
    # every lead came from paid search, the pipeline's as much as the new ones
    assert first.first_leads == sum(record.outcomes.values()) > len(snap.items) // 2
    assert record.touches.channels["email"].first_leads == 0


# --- the mapping ----------------------------------------------------------------------------

def test_mapping_suggestion_finds_the_channel_and_answer_words(export):
    log = dataclasses.replace(export.log, format="events")
    m = suggest_mapping(log, export.truth)
    assert m.channels == {"Email": "email", "Nurture email": "email", "Call": "call",
                          "Discovery call": "call"}
    assert sorted(m.responses) == ["Call connected", "Email replied"]
    assert "Call connected" not in m.activities and m.activities["Discovery call"] == "call"
    # a process without touches is suggested what it always was
    plain = touch_process()
    for node in plain["nodes"]:
        node.pop("touch", None)
        node.pop("channel", None)
        node.pop("touch_weight", None)
    plain["edges"][2]["when"] = "age >= 100"
    m = suggest_mapping(log, process_from_data(plain))
    assert m.channels == {} and m.responses == []


def test_a_mapping_naming_a_channel_the_process_lacks_is_refused(export, tmp_path):
    path = tmp_path / "MAP.json"
    path.write_text(json.dumps({"channels": {"Email": "email", "SMS": "sms"},
                                "responses": ["Email replied"]}))
    mapping = load_mapping(path)
    assert mapping.channel_of(" email ") == "email" and mapping.responses == ["Email replied"]
    with pytest.raises(CrmDataError) as err:
        check_mapping(mapping, export.truth, path=path)
    assert "channels.SMS" in str(err.value) and "sms" in str(err.value)
    path.write_text(json.dumps({"responses": "Email replied"}))
    with pytest.raises(CrmDataError) as err:
        load_mapping(path)
    assert "responses" in str(err.value)


def test_a_process_without_touches_calibrates_as_before():
    plain = touch_process()
    for node in plain["nodes"]:
        node.pop("touch", None)
        node.pop("channel", None)
        node.pop("touch_weight", None)
    plain["edges"][2]["when"] = None
    plain["edges"][2]["probability"] = 0.3
    plain["edges"][3]["default"] = None
    plain["edges"][3]["probability"] = 0.7
    for edge in plain["edges"]:
        for key in [k for k, v in edge.items() if v is None]:
            del edge[key]
    crm = synthetic_crm(process_from_data(plain), days=60, seed=1)
    assert crm.mapping.channels == {} and crm.mapping.responses == []
    acts = crm.log.events[crm.log.events["kind"] == "activity"]
    assert set(acts["value"]) == {"Discovery call"}  # the unstaffed email is not logged
    cal = fit(process_from_data(plain), crm.log, crm.mapping)
    assert cal.touches == {} and cal.handoffs == []
    assert "touches" not in cal.to_fit_json()
    assert not any("touch" in path for path in cal.reasons)
