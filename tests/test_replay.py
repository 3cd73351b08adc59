"""Replaying one replication: exact queue states on a hand-computed case, and consistent counts."""

from __future__ import annotations

import threading

import pytest

from laneforge.app.replay import Move, NodeState, record_replay
from laneforge.io import load_process, process_from_data
from laneforge.sim import Cancelled, compile_process, run_replication

from conftest import template_paths


def tiny_process():
    """A lead every hour from t = 1 h; one person works 90 min on each; then a 2 h pause."""
    return process_from_data({
        "format": "laneforge/process", "version": 1, "name": "tiny",
        "simulation": {"horizon": "10h", "replications": 1, "seed": 1},
        "attributes": {"tier": "a"},
        "lanes": [{"id": "team", "name": "Team", "staff": 1}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "team", "arrivals": {"interarrival": "1h"}},
            {"id": "triage", "kind": "decision", "lane": "team"},
            {"id": "work", "kind": "task", "lane": "team", "name": "Work", "duration": "90m"},
            {"id": "cool", "kind": "delay", "lane": "team", "duration": "2h"},
            {"id": "out", "kind": "end", "lane": "team", "outcome": "done"},
            {"id": "other", "kind": "end", "lane": "team", "outcome": "other"},
        ],
        "edges": [
            {"from": "in", "to": "triage"},
            {"from": "triage", "to": "work", "when": "tier == 'a'"},
            {"from": "triage", "to": "other", "default": True},
            {"from": "work", "to": "cool"},
            {"from": "cool", "to": "out"},
        ],
    })


@pytest.fixture(scope="module")
def tiny():
    return record_replay(tiny_process())


# Lead k (k = 1..9) arrives at k, starts at 1 + 1.5 (k - 1), is done at 1 + 1.5 k and leaves
# the pause 2 h later. The last lead leaves at 14.5 + 2 = 16.5.
@pytest.mark.parametrize(("t", "waiting", "busy", "here", "ended"), [
    (0.5, 0, 0, 0, 0),
    (1.0, 0, 1, 0, 0),  # lead 1 arrives and is taken at once
    (2.0, 1, 1, 0, 0),  # lead 2 waits for lead 1 (done at 2.5)
    (2.5, 0, 1, 1, 0),
    (6.0, 2, 1, 1, 2),  # leads 5, 6 wait; 4 is worked on; 3 pauses; 1, 2 are out
    (9.5, 3, 1, 1, 4),
    (14.5, 0, 0, 2, 7),
    (16.5, 0, 0, 0, 9),
    (100.0, 0, 0, 0, 9),
])
def test_states_match_the_hand_computed_queue(tiny, t, waiting, busy, here, ended):
    state = tiny.state_at(t)
    assert state["work"] == NodeState(waiting, busy, 0)
    assert state["cool"] == NodeState(0, 0, here)
    for passing in ("in", "triage", "out", "other"):
        assert state[passing] == NodeState(0, 0, 0)
    assert tiny.ended_by(t) == ended
    assert tiny.in_process_at(t) == waiting + busy + here


def test_duration_nodes_and_start(tiny):
    assert tiny.duration == pytest.approx(16.5)
    assert tiny.horizon == 10.0
    assert tiny.leads == 9
    assert tiny.node_ids == ["in", "triage", "work", "cool", "out", "other"]
    assert [n.kind for n in tiny.nodes] == ["source", "decision", "task", "delay", "end", "end"]
    assert tiny.lane_staff == {"team": 1}
    assert tiny.start == tiny_process().start
    assert (tiny.datetime_at(36.0) - tiny.start).total_seconds() == 36 * 3600


def test_moves_follow_each_lead_including_the_first_step(tiny):
    assert tiny.moves_between(0.0, 1.0) == [
        Move(1, "in", "triage", 1.0, 0),
        Move(1, "triage", "work", 1.0, 1),  # the second step of the same instant
    ]
    moves = tiny.moves_between(2.0, 4.5)  # 2.0 itself is excluded
    assert {(m.lead, m.from_id, m.to_id, m.time) for m in moves} == {
        (1, "work", "cool", 2.5), (3, "in", "triage", 3.0), (3, "triage", "work", 3.0),
        (2, "work", "cool", 4.0), (4, "in", "triage", 4.0), (4, "triage", "work", 4.0),
        (1, "cool", "out", 4.5),
    }
    assert [m.time for m in moves] == sorted(m.time for m in moves)
    assert tiny.moves_between(2.0, 4.5, limit=2) == moves[-2:]
    assert tiny.max_hop == 1
    assert tiny.first_move_after(4.5) == 5.0
    assert tiny.first_move_after(20.0) is None


def test_every_lead_moves_along_the_whole_path(tiny):
    moves = tiny.moves_between(-1.0, tiny.duration)
    assert len(moves) == 9 * 4
    for lead in range(1, 10):
        path = [(m.from_id, m.to_id) for m in moves if m.lead == lead]
        assert path == [("in", "triage"), ("triage", "work"), ("work", "cool"), ("cool", "out")]


def test_ends_are_counted_per_outcome_in_half_open_windows(tiny):
    assert tiny.ended_between(0.0, 6.0) == {"done": 2}  # leads 1 (4.5) and 2 (6.0)
    assert tiny.ended_between(4.5, 6.0) == {"done": 1}
    assert tiny.ended_between(-1.0, 100.0) == {"done": 9}
    assert tiny.ended_between(7.0, 7.4) == {}


def test_the_same_seed_replays_the_same_leads():
    a = record_replay(tiny_process(), seed=5)
    b = record_replay(tiny_process(), seed=5)
    assert a.moves_between(-1, a.duration) == b.moves_between(-1, b.duration)


def test_a_run_can_be_cancelled():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        record_replay(tiny_process(), cancel=cancel)


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name.split(".")[0])
def test_counts_are_consistent_on_templates(path):
    process = load_process(path)
    replay = record_replay(process, horizon="30d", seed=11)
    edges = {edge.key for edge in process.edges}
    kinds = {node.id: node.kind for node in replay.nodes}
    lane_of = {node.id: node.lane for node in replay.nodes}
    units = {node.id: getattr(node, "staff", 1) for node in process.nodes}
    samples = [replay.duration * i / 40 for i in range(41)]
    for t in samples:
        state = replay.state_at(t)
        at_nodes = sum(s.waiting + s.busy + s.here for s in state.values())
        # every lead created by t is at exactly one node or has ended
        assert replay.entered_by(t) == at_nodes + replay.ended_by(t)
        assert replay.in_process_at(t) == at_nodes
        for node_id, s in state.items():
            assert min(s) >= 0
            if kinds[node_id] != "task":
                assert s.waiting == s.busy == 0
            else:
                assert s.here == 0
            if kinds[node_id] in ("source", "decision", "end"):
                assert s == NodeState()  # leads pass them in no time
        for lane, staff in replay.lane_staff.items():
            if staff is not None:
                working = sum(state[n].busy * units[n] for n in state if lane_of[n] == lane)
                assert working <= staff
    moves = replay.moves_between(-1.0, replay.duration)
    assert {(m.from_id, m.to_id) for m in moves} <= edges
    assert sum(replay.ended_between(-1.0, replay.duration).values()) == replay.ended_by(
        replay.duration)


def test_ends_equal_the_engine_statistics(reference_process):
    replay = record_replay(reference_process, horizon=400, seed=3)
    stats = run_replication(compile_process(reference_process, horizon=400, warmup=0), 0, 3)
    ended = replay.ended_between(-1.0, replay.duration)
    assert ended == {k: v for k, v in stats.outcomes.items() if v}
    assert replay.leads == stats.created
    assert replay.in_process_at(replay.duration) == stats.open_at_end
    started = {node_id: s.started for node_id, s in stats.nodes.items()}
    for node in replay.nodes:
        if node.kind == "task":
            # leads that started a task: every move out of it, plus those still busy there
            left = sum(1 for m in replay.moves_between(-1.0, replay.duration)
                       if m.from_id == node.id)
            assert left + replay.state_at(replay.duration)[node.id].busy == started[node.id]


def test_a_stale_contact_is_no_move_and_counts_its_work_once():
    """A contact step that finds the record stale traces "stale" just before "done": the
    one person is still busy with at most one lead at any moment of the replay."""
    data = tiny_process().to_data()
    data["data_quality"] = {"decay_per_month": 0.99}
    data["nodes"][2]["contact"] = True
    data["simulation"]["horizon"] = "2000h"
    replay = record_replay(process_from_data(data))
    assert replay.peak("work").busy == 1
    assert all(replay.state_at(t)["work"].busy <= 1 for t in range(0, 2000, 7))
