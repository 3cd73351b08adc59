"""The editor's mutators: ids stay unique, references follow renames, removals undo exactly."""

from __future__ import annotations

import networkx as nx
import pytest

from laneforge.io import dumps, process_from_data
from laneforge.model import (
    MISSING,
    SLA,
    Change,
    DecisionNode,
    Edge,
    EndNode,
    Lane,
    Process,
    TaskNode,
    validate,
)


def make() -> Process:
    """Marketing -> Sales with a decaying qualification branch, an SLA and scenarios."""
    return process_from_data({
        "format": "laneforge/process",
        "version": 1,
        "name": "editing",
        "calendars": {"office": {}},
        "attributes": {"score": 50},
        "lanes": [
            {"id": "mkt", "name": "Marketing", "staff": 2},
            {"id": "sales", "name": "Sales", "staff": 3, "calendar": "office"},
        ],
        "nodes": [
            {"id": "inbound", "kind": "source", "lane": "mkt", "arrivals": {"rate": "40/day"},
             "pos": [10, 20]},
            {"id": "score_it", "kind": "task", "lane": "mkt", "duration": "10m", "pos": [100, 20]},
            {"id": "call", "kind": "task", "lane": "sales", "duration": "1h", "pos": [200, 20]},
            {"id": "qualified", "kind": "decision", "lane": "sales", "pos": [300, 20]},
            {"id": "won", "kind": "end", "lane": "sales", "outcome": "won", "pos": [400, 20]},
            {"id": "lost", "kind": "end", "lane": "sales", "outcome": "lost", "pos": [400, 90]},
        ],
        "edges": [
            {"from": "inbound", "to": "score_it"},
            {"from": "score_it", "to": "call"},
            {"from": "call", "to": "qualified"},
            {"from": "qualified", "to": "won", "probability": 0.3,
             "decay": {"half_life": "2h", "since": "score_it"}},
            {"from": "qualified", "to": "lost", "default": True},
        ],
        "slas": [
            {"id": "fast", "from": "score_it", "to": "call", "within": "4h"},
            {"id": "close", "from": "call", "to": "won", "within": "30d", "clock": "elapsed"},
        ],
        "scenarios": [{"name": "Faster", "changes": {
            "nodes.call.duration": "30m",
            "lanes.sales.staff": 5,
            "edges.call->qualified.label": "called",
            "edges.qualified->won.probability": 0.4,
            "nodes.inbound.arrivals.scale": 2,
        }}],
    })


@pytest.fixture
def process() -> Process:
    return make()


@pytest.fixture
def changes(process) -> list[Change]:
    log: list[Change] = []
    process.changed.connect(log.append)
    return log


def test_fixture_is_valid(process):
    assert validate(process) == []


# --- nodes -----------------------------------------------------------------------------------


def test_add_node(process, changes):
    process.edit.add_node(TaskNode(id="enrich", lane="mkt", duration="5m"))
    assert process.node("enrich").lane == "mkt"
    assert changes == [Change("node_added", "enrich")]
    assert "enrich" in process.graph()


def test_add_node_at_an_index(process):
    process.edit.add_node(TaskNode(id="enrich", lane="mkt"), index=1)
    assert [n.id for n in process.nodes][:3] == ["inbound", "enrich", "score_it"]


def test_adding_a_duplicate_node_raises_and_changes_nothing(process, changes):
    before = process.detached_copy()
    with pytest.raises(ValueError, match="already a node 'call'"):
        process.edit.add_node(TaskNode(id="call", lane="mkt"))
    assert process == before
    assert changes == []


def test_adding_a_node_to_an_unknown_lane_raises(process):
    with pytest.raises(ValueError, match="no lane 'success'"):
        process.edit.add_node(EndNode(id="done", lane="success"))


def test_move_node_returns_the_old_place(process, changes):
    old = process.edit.move_node("call", (250, 60))
    assert old == ((200, 20), "sales")
    assert process.node("call").pos == (250.0, 60.0)
    assert changes == [Change("node_changed", "call", "pos")]
    process.edit.move_node("call", *old[:1], lane=old[1])
    assert process == make()


def test_move_node_into_another_lane(process):
    process.edit.move_node("call", (10, 10), lane="mkt")
    assert process.node("call").lane == "mkt"
    with pytest.raises(ValueError, match="no lane 'nope'"):
        process.edit.move_node("call", (0, 0), lane="nope")


def test_rename_node_updates_every_reference(process, changes):
    process.edit.rename_node("call", "first_call")
    assert not process.has_node("call")
    assert process.node("first_call").kind == "task"
    assert process.edge("score_it", "first_call")
    assert process.edge("first_call", "qualified")
    assert (process.sla("fast").target, process.sla("close").source) == ("first_call", "first_call")
    assert list(process.scenario("Faster").changes) == [
        "nodes.first_call.duration",
        "lanes.sales.staff",
        "edges.first_call->qualified.label",
        "edges.qualified->won.probability",
        "nodes.inbound.arrivals.scale",
    ]
    assert changes == [Change("node_renamed", "first_call", "call")]
    assert validate(process) == []


def test_rename_node_updates_decay_since(process):
    process.edit.rename_node("score_it", "scoring")
    assert process.edge("qualified", "won").decay.since == "scoring"
    assert process.sla("fast").source == "scoring"


def test_rename_node_keeps_scenarios_applicable(process):
    from laneforge.model import apply_scenario

    process.edit.rename_node("inbound", "web")
    process.edit.rename_node("qualified", "is_sql")
    changed = apply_scenario(process, "Faster")
    assert changed.edge("is_sql", "won").probability == 0.4
    assert str(changed.node("web").arrivals.rate) == "80/day"


def test_rename_node_back_restores_equality(process):
    process.edit.rename_node("call", "x")
    process.edit.rename_node("x", "call")
    assert process == make()


@pytest.mark.parametrize(("new", "message"), [("won", "already a node"),
                                              ("bad id", "not a valid id")])
def test_rename_node_refuses_bad_ids(process, new, message):
    with pytest.raises(ValueError, match=message):
        process.edit.rename_node("call", new)
    assert process == make()


def test_remove_node_takes_its_edges_and_slas(process, changes):
    process.edit.remove_node("call")
    assert not process.has_node("call")
    assert all("call" not in edge.key for edge in process.edges)
    assert [s.id for s in process.slas] == []
    assert Change("node_removed", "call") in changes
    assert {c.kind for c in changes} == {"edge_removed", "sla_removed", "scenario_changed",
                                         "node_removed"}


def test_remove_node_takes_its_scenario_changes(process):
    process.edit.remove_node("call")
    assert list(process.scenario("Faster").changes) == [
        "lanes.sales.staff",
        "edges.qualified->won.probability",
        "nodes.inbound.arrivals.scale",
    ]
    assert not [p for p in validate(process) if "scenario" in p.message]


def test_restore_node_puts_everything_back_exactly(process):
    text = dumps(process)
    record = process.edit.remove_node("call")
    assert process != make()
    process.edit.restore_node(record)
    assert process == make()
    assert dumps(process) == text


def test_remove_and_restore_the_decay_anchor(process):
    record = process.edit.remove_node("score_it")
    assert process.edge("qualified", "won").decay.since is None
    process.edit.restore_node(record)
    assert process == make()


def test_remove_and_restore_every_node_in_turn():
    for node_id in [n.id for n in make().nodes]:
        process = make()
        record = process.edit.remove_node(node_id)
        process.edit.restore_node(record)
        assert process == make(), node_id


# --- edges -----------------------------------------------------------------------------------


def test_add_and_remove_edge(process, changes):
    process.edit.add_node(EndNode(id="spam", lane="mkt"))
    process.edit.add_edge(Edge.model_validate({"from": "score_it", "to": "spam"}))
    assert process.graph().has_edge("score_it", "spam")
    index, edge = process.edit.remove_edge("score_it", "spam")
    assert (index, edge.key) == (5, ("score_it", "spam"))
    assert not process.graph().has_edge("score_it", "spam")
    assert [c.kind for c in changes] == ["node_added", "edge_added", "edge_removed"]


def test_remove_edge_and_insert_it_back(process):
    index, edge = process.edit.remove_edge("call", "qualified")
    process.edit.add_edge(edge, index)
    assert process == make()


def test_duplicate_edge_raises(process):
    with pytest.raises(ValueError, match="already an edge call -> qualified"):
        process.edit.add_edge(Edge.model_validate({"from": "call", "to": "qualified"}))


def test_edge_to_unknown_node_raises(process):
    with pytest.raises(ValueError, match="no node 'ghost'"):
        process.edit.add_edge(Edge.model_validate({"from": "call", "to": "ghost"}))


def test_remove_missing_edge_raises(process):
    with pytest.raises(KeyError):
        process.edit.remove_edge("won", "lost")


# --- lanes -----------------------------------------------------------------------------------


def test_add_remove_lane(process, changes):
    process.edit.add_lane(Lane(id="success", name="Success", staff=4))
    assert [lane.id for lane in process.lanes] == ["mkt", "sales", "success"]
    index, lane = process.edit.remove_lane("success")
    assert (index, lane.id) == (2, "success")
    assert process == make()
    assert [c.kind for c in changes] == ["lane_added", "lane_removed"]


def test_duplicate_lane_raises(process):
    with pytest.raises(ValueError, match="already a lane 'sales'"):
        process.edit.add_lane(Lane(id="sales"))


def test_lane_with_unknown_calendar_raises(process):
    with pytest.raises(ValueError, match="no calendar 'night'"):
        process.edit.add_lane(Lane(id="support", calendar="night"))


def test_removing_a_lane_with_nodes_raises(process):
    with pytest.raises(ValueError, match="still holds nodes"):
        process.edit.remove_lane("sales")
    assert process == make()


def test_rename_lane_updates_nodes_and_scenarios(process, changes):
    process.edit.rename_lane("sales", "inside_sales")
    assert [n.id for n in process.nodes_in_lane("inside_sales")] == [
        "call", "qualified", "won", "lost"
    ]
    assert process.nodes_in_lane("sales") == []
    assert "lanes.inside_sales.staff" in process.scenario("Faster").changes
    assert "lanes.sales.staff" not in process.scenario("Faster").changes
    assert changes == [Change("lane_renamed", "inside_sales", "sales")]
    assert validate(process) == []
    process.edit.rename_lane("inside_sales", "sales")
    assert process == make()


def test_rename_lane_refuses_duplicates(process):
    with pytest.raises(ValueError, match="already a lane 'mkt'"):
        process.edit.rename_lane("sales", "mkt")


def test_reorder_lanes(process, changes):
    old = process.edit.move_lane("sales", 0)
    assert old == 1
    assert [lane.id for lane in process.lanes] == ["sales", "mkt"]
    assert changes == [Change("lanes_reordered", "sales", 1)]
    process.edit.move_lane("sales", old)
    assert process == make()


def test_reorder_lane_out_of_range_raises(process):
    with pytest.raises(ValueError, match="out of range"):
        process.edit.move_lane("sales", 5)


# --- SLAs ------------------------------------------------------------------------------------


def test_add_and_remove_sla(process, changes):
    sla = SLA.model_validate({"id": "demo", "from": "call", "to": "lost", "within": "2d"})
    process.edit.add_sla(sla)
    assert process.sla("demo").within.hours == 48
    assert process.edit.remove_sla("demo") == (2, sla)
    assert process == make()
    assert [c.kind for c in changes] == ["sla_added", "sla_removed"]


def test_duplicate_sla_raises(process):
    with pytest.raises(ValueError, match="already an SLA 'fast'"):
        process.edit.add_sla(SLA.model_validate({"id": "fast", "from": "call", "to": "won",
                                            "within": "1h"}))


def test_sla_to_unknown_node_raises(process):
    with pytest.raises(ValueError, match="no node 'ghost'"):
        process.edit.add_sla(SLA.model_validate({"id": "x", "from": "call", "to": "ghost",
                                            "within": "1h"}))


# --- set_value -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "read", "expected"),
    [
        ("lanes.sales.staff", 7, lambda p: p.lane("sales").staff, 7),
        ("lanes.sales.cost_per_hour", 45, lambda p: p.lane("sales").cost_per_hour, 45),
        ("nodes.call.duration", "2h", lambda p: p.node("call").duration.hours, 2.0),
        ("nodes.call.name", "First call", lambda p: p.node("call").name, "First call"),
        ("nodes.call.lane", "mkt", lambda p: p.node("call").lane, "mkt"),
        ("edges.qualified->won.decay.since", "inbound",
         lambda p: p.edge("qualified", "won").decay.since, "inbound"),
        ("nodes.call.staff", 2, lambda p: p.node("call").staff, 2),
        ("nodes.won.outcome", "customer", lambda p: p.node("won").outcome, "customer"),
        ("edges.qualified->won.probability", 0.5,
         lambda p: p.edge("qualified", "won").probability, 0.5),
        ("edges.qualified->won.decay.half_life", "4h",
         lambda p: p.edge("qualified", "won").decay.half_life.hours, 4.0),
        ("slas.fast.within", "8h", lambda p: p.sla("fast").within.hours, 8.0),
        ("name", "Renamed", lambda p: p.name, "Renamed"),
        ("calendars.office.hours", "08:00-16:00", lambda p: p.calendars["office"].hours,
         "08:00-16:00"),
        ("simulation.replications", 20, lambda p: p.simulation.replications, 20),
        ("simulation.horizon", "30d", lambda p: p.simulation.horizon.hours, 720.0),
        ("attributes.score", 60, lambda p: p.attributes["score"], 60),
    ],
)
def test_set_value_and_set_it_back(process, changes, path, value, read, expected):
    old = process.edit.set_value(path, value)
    assert read(process) == expected
    assert process.edit.get_value(path) == value
    assert len(changes) == 1
    process.edit.set_value(path, old)
    assert process == make()


def test_set_value_announces_what_changed(process, changes):
    process.edit.set_value("lanes.sales.staff", 7)
    process.edit.set_value("nodes.call.duration", "2h")
    process.edit.set_value("edges.qualified->won.probability", 0.5)
    process.edit.set_value("name", "x")
    assert changes == [
        Change("lane_changed", "sales", "staff"),
        Change("node_changed", "call", "duration"),
        Change("edge_changed", ("qualified", "won"), "probability"),
        Change("process_changed", "name"),
    ]


def test_set_value_can_remove_an_optional_field(process):
    old = process.edit.set_value("lanes.sales.calendar", MISSING)
    assert process.lane("sales").calendar is None
    process.edit.set_value("lanes.sales.calendar", old)
    assert process == make()


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("lanes.sales.staff", "eight", "staff"),
        ("lanes.sales.staff", -1, "staff"),
        ("nodes.call.duration", "2hrs", "unknown time unit"),
        ("nodes.call.duration", {"dist": "uniform", "min": "2h", "max": "1h"}, "min <= max"),
        ("nodes.won.duration", "1h", "no 'duration'"),
        ("nodes.call.stafff", 2, "no field 'stafff'"),
        ("edges.qualified->won.probability", 1.5, "between 0 and 1"),
        ("edges.qualified->won.when", "__import__('os')", "function calls"),
        ("calendars.office.hours", "09:00-09:00", "ends when it starts"),
        ("calendars.office.timezone", "Europe/Lodnon", "unknown time zone"),
        ("simulation.replications", 0, "replications"),
        ("nodes.ghost.duration", "1h", "no node 'ghost'"),
        ("nodes.call.lane", "marketing", "no lane 'marketing'"),
        ("nodes.call.stage", "SQL", "no stage 'SQL'"),
        ("lanes.sales.calendar", "night", "no calendar 'night'"),
        ("slas.fast.calendar", "night", "no calendar 'night'"),
        ("edges.qualified->won.decay.since", "ghost", "no node 'ghost'"),
        ("lanes.sales.id", "x", "rename"),
        ("nodes.call.id", "x", "rename"),
        ("version", "one", "version"),
    ],
)
def test_set_value_rejects_invalid_values_and_changes_nothing(process, changes, path, value,
                                                              words):
    with pytest.raises(ValueError) as caught:
        process.edit.set_value(path, value)
    assert words in str(caught.value)
    assert process == make()
    assert changes == []


def test_a_broken_reference_does_not_block_other_edits_of_the_object():
    data = make().to_data()
    data["nodes"][2]["lane"] = "gone"
    process = process_from_data(data)
    process.edit.set_value("nodes.call.name", "Call")
    assert process.node("call").name == "Call"
    process.edit.set_value("nodes.call.lane", "sales")
    assert process.node("call").lane == "sales"


def test_get_value_of_a_missing_path(process):
    assert process.edit.get_value("lanes.nope.staff") is MISSING


# --- the graph view --------------------------------------------------------------------------


def test_graph_is_keyed_by_node_id(process):
    graph = process.graph()
    assert isinstance(graph, nx.DiGraph)
    assert set(graph) == {n.id for n in process.nodes}
    assert graph.nodes["call"]["node"] is process.node("call")
    assert graph.edges["qualified", "won"]["edge"] is process.edge("qualified", "won")
    assert nx.has_path(graph, "inbound", "won")


def test_graph_follows_edits(process):
    process.graph()
    process.edit.add_node(DecisionNode(id="dup", lane="mkt"))
    process.edit.remove_edge("inbound", "score_it")
    process.edit.add_edge(Edge.model_validate({"from": "inbound", "to": "dup"}))
    process.edit.add_edge(Edge.model_validate({"from": "dup", "to": "score_it"}))
    graph = process.graph()
    assert list(nx.shortest_path(graph, "inbound", "call")) == ["inbound", "dup", "score_it",
                                                                "call"]
    process.edit.rename_node("dup", "is_dup")
    assert "is_dup" in process.graph() and "dup" not in process.graph()
    process.edit.remove_node("call")
    assert not nx.has_path(process.graph(), "inbound", "won")


def test_graph_follows_set_value(process):
    process.graph()
    process.edit.set_value("edges.qualified->won.probability", 0.25)
    assert process.graph().edges["qualified", "won"]["edge"].probability == 0.25


# --- signals ---------------------------------------------------------------------------------


def test_each_edit_emits_one_change(process, changes):
    process.edit.add_lane(Lane(id="success"))
    process.edit.move_lane("success", 0)
    process.edit.rename_lane("success", "cs")
    process.edit.add_node(TaskNode(id="onboard", lane="cs", duration="1h"))
    process.edit.move_node("onboard", (1, 2))
    process.edit.rename_node("onboard", "kickoff")
    assert [c.kind for c in changes] == [
        "lane_added", "lanes_reordered", "lane_renamed", "node_added", "node_changed",
        "node_renamed",
    ]
    assert all(c.kind in Change.KINDS for c in changes)


def test_disconnected_listener_hears_nothing(process):
    heard: list[Change] = []
    process.changed.connect(heard.append)
    process.changed.disconnect(heard.append)
    process.edit.move_node("call", (0, 0))
    assert heard == []


def test_copies_do_not_share_listeners_or_data(process, changes):
    copy = process.detached_copy()
    copy.edit.rename_node("call", "x")
    assert process.has_node("call")
    assert changes == []
