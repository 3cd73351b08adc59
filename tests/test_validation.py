"""validate(process): one failing case per rule, each naming its subject and saying what is wrong.

Each test starts from a small valid process (``base()``), breaks one thing, and checks the
problems found: their severity, the node/edge/lane/SLA they are about, the field, and that
the message says what is wrong. ``only()`` insists the break causes nothing else.
"""

from __future__ import annotations

from laneforge.io import process_from_data
from laneforge.model import Problem, validate


def base() -> dict:
    """Source -> task -> decision (30 % won, 70 % lost), valid and problem-free."""
    return {
        "format": "laneforge/process",
        "version": 1,
        "name": "minimal",
        "calendars": {"office": {"days": "mon-fri", "hours": "09:00-17:00"}},
        "stages": ["Lead", "Customer"],
        "attributes": {
            "score": {"dist": "normal", "mean": 50, "sd": 10},
            "segment": {"choices": {"smb": 0.7, "mid": 0.3}},
        },
        "lanes": [{"id": "sales", "name": "Sales", "staff": 2, "calendar": "office"}],
        "nodes": [
            {"id": "leads", "kind": "source", "lane": "sales", "arrivals": {"rate": "10/day"},
             "stage": "Lead"},
            {"id": "call", "kind": "task", "lane": "sales", "duration": "1h"},
            {"id": "good", "kind": "decision", "lane": "sales"},
            {"id": "won", "kind": "end", "lane": "sales", "outcome": "won", "stage": "Customer"},
            {"id": "lost", "kind": "end", "lane": "sales", "outcome": "lost"},
        ],
        "edges": [
            {"from": "leads", "to": "call"},
            {"from": "call", "to": "good"},
            {"from": "good", "to": "won", "probability": 0.3},
            {"from": "good", "to": "lost", "probability": 0.7},
        ],
        "slas": [{"id": "quick", "from": "leads", "to": "call", "within": "4h"}],
        "scenarios": [{"name": "Hire", "changes": {"lanes.sales.staff": 4}}],
    }


def problems_of(data: dict) -> list[Problem]:
    return validate(process_from_data(data))


def only(data: dict) -> Problem:
    """The one problem the process has."""
    problems = problems_of(data)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def branch(data: dict, *edges: dict) -> None:
    """Replace the decision's two outgoing edges."""
    data["edges"][2:] = list(edges)


def node(data: dict, node_id: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def test_base_process_is_clean():
    assert problems_of(base()) == []


def test_reference_funnel_has_no_problems(reference_process):
    assert validate(reference_process) == []


# --- structure -------------------------------------------------------------------------------


def test_no_source():
    data = base()
    node(data, "leads").update(kind="task", duration="5m")
    data["nodes"][0].pop("arrivals")
    problem = only(data)
    assert problem.severity == "error"
    assert "no source" in problem.message
    assert problem.subject == "process"


def test_no_end():
    data = base()
    node(data, "won").update(kind="delay", duration="1d")
    node(data, "lost").update(kind="delay", duration="1d")
    for n in ("won", "lost"):
        node(data, n).pop("outcome")
    problems = problems_of(data)
    assert problems[0].severity == "error"
    assert "no end" in problems[0].message
    # the delays have no way out either, and they say so
    assert {p.node for p in problems[1:]} == {"won", "lost"}
    assert all("no way out" in p.message for p in problems[1:])


def test_node_unreachable_from_a_source():
    data = base()
    data["nodes"].append({"id": "island", "kind": "task", "lane": "sales", "duration": "1h"})
    data["edges"].append({"from": "island", "to": "won"})
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "island", "nodes[5]")
    assert "cannot be reached from any source" in problem.message


def test_node_that_cannot_reach_an_end():
    data = base()
    data["nodes"].append({"id": "limbo", "kind": "delay", "lane": "sales", "duration": "1d"})
    data["nodes"].append({"id": "stuck", "kind": "task", "lane": "sales", "duration": "1h"})
    data["edges"][3] = {"from": "good", "to": "limbo", "probability": 0.7}
    data["edges"].append({"from": "limbo", "to": "stuck"})
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "lost"]
    problems = {p.node: p for p in problems_of(data)}
    assert set(problems) == {"limbo", "stuck"}
    assert problems["limbo"].severity == "error"
    assert "can never reach an end" in problems["limbo"].message
    assert "no way out" in problems["stuck"].message


def test_loop_without_an_exit():
    data = base()
    data["nodes"] += [
        {"id": "nurture", "kind": "delay", "lane": "sales", "duration": "30d"},
        {"id": "rescore", "kind": "task", "lane": "sales", "duration": "10m"},
    ]
    data["edges"][3] = {"from": "good", "to": "nurture", "probability": 0.7}
    data["edges"] += [{"from": "nurture", "to": "rescore"}, {"from": "rescore", "to": "nurture"}]
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "lost"]
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "nurture")
    assert "loop without an exit" in problem.message
    assert "nurture, rescore" in problem.message


def test_loop_with_an_exit_is_fine():
    data = base()
    data["nodes"].append({"id": "nurture", "kind": "delay", "lane": "sales", "duration": "30d"})
    data["edges"][3] = {"from": "good", "to": "nurture", "probability": 0.6}
    data["edges"] += [
        {"from": "good", "to": "lost", "probability": 0.1},
        {"from": "nurture", "to": "call"},
    ]
    assert problems_of(data) == []


# --- branches --------------------------------------------------------------------------------


def test_probabilities_not_summing_to_one():
    data = base()
    data["edges"][3]["probability"] = 0.6
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "good", "nodes[2]")
    assert "add up to 0.9, not 1" in problem.message


def test_probabilities_within_tolerance_are_accepted():
    data = base()
    data["edges"][2]["probability"] = 0.3 + 5e-7
    assert problems_of(data) == []
    data["edges"][2]["probability"] = 0.3 + 5e-6
    assert "not 1" in only(data).message


def test_mixing_probabilities_and_conditions():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "score > 60"},
           {"from": "good", "to": "lost", "probability": 0.7})
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "good")
    assert "mix probabilities and conditions" in problem.message


def test_conditions_without_a_default():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "score > 60"},
           {"from": "good", "to": "lost", "when": "score <= 60"})
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "good")
    assert "exactly one default branch (found 0)" in problem.message


def test_conditions_with_two_defaults():
    data = base()
    data["nodes"].append({"id": "later", "kind": "end", "lane": "sales", "outcome": "nurture"})
    branch(data, {"from": "good", "to": "won", "when": "score > 60"},
           {"from": "good", "to": "lost", "default": True},
           {"from": "good", "to": "later", "default": True})
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "good")
    assert "exactly one default branch (found 2)" in problem.message


def test_conditions_with_one_default_are_fine():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "score > 60 and segment == 'mid'"},
           {"from": "good", "to": "lost", "default": True})
    assert problems_of(data) == []


def test_branch_with_neither_condition_nor_default():
    data = base()
    data["nodes"].append({"id": "later", "kind": "end", "lane": "sales", "outcome": "nurture"})
    branch(data, {"from": "good", "to": "won", "when": "score > 60"},
           {"from": "good", "to": "lost", "default": True},
           {"from": "good", "to": "later"})
    problem = only(data)
    assert (problem.severity, problem.edge) == ("error", ("good", "later"))


def test_decay_without_a_default_sibling():
    data = base()
    data["edges"][2]["decay"] = {"half_life": "2h", "since": "leads"}
    problem = only(data)
    assert (problem.severity, problem.edge, problem.field) == (
        "error", ("good", "won"), "edges[2].decay"
    )
    assert "sibling marked default" in problem.message


def test_decay_with_a_default_sibling_is_fine():
    data = base()
    branch(data, {"from": "good", "to": "won", "probability": 0.3,
                  "decay": {"half_life": "2h", "since": "leads"}},
           {"from": "good", "to": "lost", "default": True})
    assert problems_of(data) == []


def test_decay_on_a_condition_edge():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "score > 60",
                  "decay": {"half_life": "2h"}},
           {"from": "good", "to": "lost", "default": True})
    problem = only(data)
    assert (problem.severity, problem.edge, problem.field) == (
        "error", ("good", "won"), "edges[2].decay"
    )
    assert "probability branch" in problem.message


def test_decay_since_an_unknown_node():
    data = base()
    branch(data, {"from": "good", "to": "won", "probability": 0.3,
                  "decay": {"half_life": "2h", "since": "nowhere"}},
           {"from": "good", "to": "lost", "default": True})
    problem = only(data)
    assert (problem.severity, problem.edge, problem.field) == (
        "error", ("good", "won"), "edges[2].decay.since"
    )
    assert "'nowhere'" in problem.message


def test_default_sibling_cannot_receive_more_than_everything():
    data = base()
    data["nodes"].append({"id": "later", "kind": "end", "lane": "sales"})
    branch(data, {"from": "good", "to": "won", "probability": 0.7},
           {"from": "good", "to": "later", "probability": 0.6},
           {"from": "good", "to": "lost", "default": True})
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "good")
    assert "over 1" in problem.message


# --- nodes and references --------------------------------------------------------------------


def test_task_in_a_staffed_lane_without_duration():
    data = base()
    node(data, "call").pop("duration")
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == (
        "error", "call", "nodes[1].duration"
    )
    assert "has no duration" in problem.message


def test_task_in_an_unlimited_lane_may_have_no_duration():
    data = base()
    data["lanes"].append({"id": "consumer", "name": "Consumer", "staff": None})
    data["nodes"].append({"id": "research", "kind": "task", "lane": "consumer"})
    data["edges"][0] = {"from": "leads", "to": "research"}
    data["edges"].append({"from": "research", "to": "call"})
    assert problems_of(data) == []


def test_delay_without_duration():
    data = base()
    data["nodes"].append({"id": "wait", "kind": "delay", "lane": "sales"})
    data["edges"][0] = {"from": "leads", "to": "wait"}
    data["edges"].append({"from": "wait", "to": "call"})
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "wait", "nodes[5].duration")


def test_unknown_lane():
    data = base()
    data["lanes"].append({"id": "marketing", "staff": None})
    node(data, "leads")["lane"] = "marketting"
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "leads", "nodes[0].lane")
    assert "unknown lane 'marketting'" in problem.message


def test_unknown_calendar():
    data = base()
    data["lanes"][0]["calendar"] = "ofice"
    problem = only(data)
    assert (problem.severity, problem.lane, problem.field) == (
        "error", "sales", "lanes[0].calendar"
    )
    assert "unknown calendar 'ofice'" in problem.message


def test_calendar_without_working_days():
    data = base()
    data["calendars"]["office"]["days"] = "none"
    problem = only(data)
    assert (problem.severity, problem.lane, problem.field) == (
        "error", "sales", "calendars.office.days"
    )
    assert "no working days" in problem.message


def test_sla_calendar_without_working_days():
    data = base()
    data["calendars"]["never"] = {"days": ""}
    data["slas"][0]["calendar"] = "never"
    problem = only(data)
    assert (problem.severity, problem.sla, problem.field) == (
        "error", "quick", "calendars.never.days"
    )


def test_unknown_stage():
    data = base()
    node(data, "call")["stage"] = "SQL"
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "call", "nodes[1].stage")
    assert "unknown stage 'SQL'" in problem.message
    assert "Lead, Customer" in problem.message


def test_unknown_sla_endpoint():
    data = base()
    data["slas"][0]["to"] = "frist_call"
    problem = only(data)
    assert (problem.severity, problem.sla, problem.field) == ("error", "quick", "slas[0].to")
    assert "unknown node 'frist_call'" in problem.message


def test_unknown_sla_start():
    data = base()
    data["slas"][0]["from"] = "nobody"
    problem = only(data)
    assert (problem.severity, problem.sla, problem.field) == ("error", "quick", "slas[0].from")


def test_unknown_sla_calendar():
    data = base()
    data["slas"][0]["calendar"] = "weekend"
    problem = only(data)
    assert (problem.severity, problem.sla, problem.field) == (
        "error", "quick", "slas[0].calendar"
    )


def test_sla_that_can_never_be_checked_is_a_warning():
    data = base()
    data["slas"][0].update({"from": "won", "to": "call"})
    problem = only(data)
    assert (problem.severity, problem.sla) == ("warning", "quick")
    assert "never checked" in problem.message


def test_edge_to_an_unknown_node():
    data = base()
    data["edges"][3]["to"] = "lots"
    problems = problems_of(data)
    first = problems[0]
    assert (first.severity, first.edge, first.field) == ("error", ("good", "lots"), "edges[3].to")
    assert "unknown node 'lots'" in first.message


def test_task_needing_more_staff_than_the_lane_has():
    data = base()
    node(data, "call")["staff"] = 3
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == ("error", "call", "nodes[1].staff")


# --- warnings --------------------------------------------------------------------------------


def test_lane_with_staff_but_no_task():
    data = base()
    data["lanes"].append({"id": "success", "name": "Success", "staff": 3})
    problem = only(data)
    assert (problem.severity, problem.lane, problem.field) == ("warning", "success",
                                                               "lanes[1].staff")
    assert "3 staff but no task" in problem.message


def test_source_without_arrivals():
    data = base()
    node(data, "leads").pop("arrivals")
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == (
        "warning", "leads", "nodes[0].arrivals"
    )
    assert "no arrivals" in problem.message


def test_warnings_come_after_errors():
    data = base()
    node(data, "leads").pop("arrivals")
    node(data, "call").pop("duration")
    assert [p.severity for p in problems_of(data)] == ["error", "warning"]


# --- expressions against declared attributes -------------------------------------------------


def test_undeclared_attribute_in_when():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "budget > 1000"},
           {"from": "good", "to": "lost", "default": True})
    problem = only(data)
    assert (problem.severity, problem.edge, problem.field) == (
        "error", ("good", "won"), "edges[2].when"
    )
    assert "unknown name 'budget'" in problem.message
    assert "age, score, segment" in problem.message


def test_undeclared_attribute_in_set_value():
    data = base()
    node(data, "call")["set"] = {"score": "score + bonus"}
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == (
        "error", "call", "nodes[1].set.score"
    )
    assert "unknown name 'bonus'" in problem.message


def test_set_of_an_undeclared_attribute():
    data = base()
    node(data, "call")["set"] = {"bonus": "score + 1"}
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == (
        "error", "call", "nodes[1].set.bonus"
    )
    assert "'bonus'" in problem.message and "not a declared attribute" in problem.message


def test_set_of_the_wrong_type():
    data = base()
    node(data, "call")["set"] = {"score": "segment"}
    problem = only(data)
    assert (problem.severity, problem.node) == ("error", "call")
    assert "gives a string but a number is needed" in problem.message


def test_condition_that_is_not_true_or_false():
    data = base()
    branch(data, {"from": "good", "to": "won", "when": "score + 1"},
           {"from": "good", "to": "lost", "default": True})
    problem = only(data)
    assert problem.edge == ("good", "won")
    assert "not true/false" in problem.message


def test_priority_expression_of_the_wrong_type():
    data = base()
    node(data, "call")["priority"] = "segment"
    problem = only(data)
    assert (problem.node, problem.field) == ("call", "nodes[1].priority")


def test_source_attribute_override_must_be_declared():
    data = base()
    node(data, "leads")["attributes"] = {"region": "emea"}
    problem = only(data)
    assert (problem.severity, problem.node, problem.field) == (
        "error", "leads", "nodes[0].attributes.region"
    )


# --- scenarios -------------------------------------------------------------------------------


def test_unknown_scenario_path():
    data = base()
    data["scenarios"][0]["changes"] = {"lanes.inside_sales.staff": 8}
    problem = only(data)
    assert (problem.severity, problem.field) == ("error", "scenarios[0].changes")
    assert "'Hire'" in problem.message
    assert "lanes.inside_sales.staff" in problem.message
    assert "no lane 'inside_sales'" in problem.message


def test_misspelt_scenario_field():
    data = base()
    data["scenarios"][0]["changes"] = {"lanes.sales.stafff": 8}
    problem = only(data)
    assert "no field 'stafff'" in problem.message


def test_problem_reads_as_one_line():
    data = base()
    node(data, "call").pop("duration")
    text = str(only(data))
    assert text.startswith("error: node call: ")
    assert text.endswith("(nodes[1].duration)")
    assert "\n" not in text


def test_phases_columns_bends_and_currency_load_and_are_checked():
    data = base()
    data["phases"] = [{"id": "generation", "name": "Lead Generation"},
                      {"id": "management", "name": "Lead Management", "width": 400}]
    data["currency"] = "EUR"
    data["nodes"][0]["phase"] = "generation"
    for node in data["nodes"][1:]:
        node["phase"] = "management"
    data["edges"][0]["bends"] = [[120, 40], [120, 90]]
    process = process_from_data(data)
    assert problems_of(data) == []
    assert [p.label for p in process.phases] == ["Lead Generation", "Lead Management"]
    written = process.to_data()
    assert written["phases"][1] == {"id": "management", "name": "Lead Management", "width": 400}
    assert written["edges"][0]["bends"] == [[120, 40], [120, 90]]
    assert written["currency"] == "EUR"
    data["nodes"][1]["phase"] = "closing"
    problem = only(data)
    assert problem.severity == "error" and problem.node == "call"
    assert problem.field == "nodes[1].phase" and "unknown phase 'closing'" in problem.message


def test_a_node_without_a_phase_is_a_warning_only_when_there_are_phases():
    data = base()
    assert all(p.field is None or "phase" not in p.field for p in problems_of(data))
    data["phases"] = [{"id": "generation", "name": "Lead Generation"}]
    for node in data["nodes"][1:]:
        node["phase"] = "generation"
    problem = only(data)
    assert problem.severity == "warning" and problem.node == data["nodes"][0]["id"]
    assert problem.field == "nodes[0].phase" and "Lead Generation" in problem.message
