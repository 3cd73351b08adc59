"""Edit ▸ Find's matching, without a window: names and ids, kinds, order, what to select."""

from __future__ import annotations

import pytest

from laneforge.app.find import Match, find, next_index, normalize
from laneforge.io import process_from_data

DATA = {
    "format": "laneforge/process", "version": 1, "name": "Inbound desk",
    "phases": [{"id": "capture", "name": "Lead capture"},
               {"id": "qualify_phase", "name": "Qualification"},
               {"id": "empty_phase", "name": "Renewals"}],
    "lanes": [{"id": "marketing", "name": "Marketing", "staff": 2},
              {"id": "inside_sales", "name": "Inside Sales", "staff": 3}],
    "nodes": [
        {"id": "web", "kind": "source", "lane": "marketing", "name": "Web form",
         "phase": "capture", "arrivals": {"rate": "5/h"}},
        {"id": "score", "kind": "task", "lane": "marketing", "name": "Score the lead",
         "phase": "capture", "duration": "5m"},
        {"id": "first_call", "kind": "task", "lane": "inside_sales", "name": "Discovery call",
         "phase": "qualify_phase", "duration": "20m"},
        {"id": "is_sql", "kind": "decision", "lane": "inside_sales", "name": "Qualified?",
         "phase": "qualify_phase"},
        {"id": "won", "kind": "end", "lane": "inside_sales", "name": "Opportunity",
         "outcome": "won", "phase": "qualify_phase"},
        {"id": "lost", "kind": "end", "lane": "inside_sales", "name": "Not a fit",
         "outcome": "lost", "phase": "qualify_phase"},
    ],
    "edges": [{"from": "web", "to": "score"}, {"from": "score", "to": "first_call"},
              {"from": "first_call", "to": "is_sql"},
              {"from": "is_sql", "to": "won", "probability": 0.3},
              {"from": "is_sql", "to": "lost", "probability": 0.7}],
    "slas": [{"id": "speed_to_lead", "name": "Called within 1 business hour",
              "from": "score", "to": "first_call", "within": "1h"}],
}


@pytest.fixture
def process():
    return process_from_data(DATA)


def test_blank_text_finds_nothing(process):
    assert find(process, "") == []
    assert find(process, "   ") == []


def test_a_node_is_found_by_name_case_insensitively(process):
    matches = find(process, "DISCOVERY")
    assert matches == [Match("node", "first_call", "Discovery call", nodes=("first_call",))]


def test_a_node_is_found_by_id_with_spaces_for_underscores(process):
    assert [m.id for m in find(process, "first_call")] == ["first_call"]
    assert [m.id for m in find(process, "first call")] == ["first_call"]
    assert [m.id for m in find(process, "is_sql")] == ["is_sql"]


def test_lanes_are_found_and_select_the_lane(process):
    matches = find(process, "inside")
    assert matches == [Match("lane", "inside_sales", "Inside Sales", lanes=("inside_sales",))]


def test_a_phase_selects_the_nodes_in_it(process):
    (match,) = find(process, "capture")
    assert match.kind == "phase" and match.id == "capture"
    assert match.nodes == ("web", "score")
    (empty,) = find(process, "renewals")
    assert empty.kind == "phase" and empty.nodes == ()


def test_an_sla_selects_its_two_ends(process):
    (match,) = find(process, "business hour")
    assert match.kind == "sla" and match.id == "speed_to_lead"
    assert match.nodes == ("score", "first_call")
    assert match.description == "SLA 'Called within 1 business hour'"
    assert [m.kind for m in find(process, "speed to lead")] == ["sla"]


def test_matches_come_nodes_first_in_file_order_then_lanes_phases_slas(process):
    # "qual" is in a node name, a phase id and name; "score" in a node and in the SLA's ends
    # (not its name, so the SLA is not a match)
    assert [(m.kind, m.id) for m in find(process, "qual")] == [
        ("node", "is_sql"), ("phase", "qualify_phase")]
    assert [(m.kind, m.id) for m in find(process, "o")] == [
        ("node", "web"), ("node", "score"), ("node", "first_call"), ("node", "won"),
        ("node", "lost"), ("phase", "qualify_phase"), ("sla", "speed_to_lead")]
    assert [(m.kind, m.id) for m in find(process, "a")] == [
        ("node", "score"), ("node", "first_call"), ("node", "is_sql"), ("node", "lost"),
        ("lane", "marketing"), ("lane", "inside_sales"), ("phase", "capture"),
        ("phase", "qualify_phase"), ("phase", "empty_phase"), ("sla", "speed_to_lead")]


def test_normalize_folds_case_and_separators():
    assert normalize("  Follow-up_Call\tNOW ") == "follow up call now"
    assert normalize("Straße") == normalize("STRASSE")


@pytest.mark.parametrize(("count", "current", "step", "expected"), [
    (0, None, 1, None), (0, 3, -1, None),
    (3, None, 1, 0), (3, None, -1, 2),
    (3, 0, 1, 1), (3, 2, 1, 0), (3, 0, -1, 2), (3, 1, -1, 0),
])
def test_next_index_wraps_around(count, current, step, expected):
    assert next_index(count, current, step) == expected
