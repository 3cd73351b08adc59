"""Expressions in `when`, `set` and `priority`: a file cannot run code; types are checked."""

from __future__ import annotations

import copy
import json

import pytest

from laneforge.io import ProcessFileError, loads, process_from_data
from laneforge.model import validate
from laneforge.model.expressions import Expression, ExpressionError, parse_expression

TYPES = {"score": "number", "segment": "string", "vip": "bool"}
ESCAPE = "__import__('os').system('touch x')"

FORBIDDEN = [
    ("call", "len(segment)", "function calls are not allowed"),
    ("import-and-run", ESCAPE, "function calls are not allowed"),
    ("class-bases", "().__class__.__bases__", "attribute access"),
    ("attribute", "segment.upper", "attribute access"),
    ("subscript", "segment[0]", "indexing"),
    ("slice", "segment[1:2]", "indexing"),
    ("lambda", "lambda: 1", "lambdas are not allowed"),
    ("list-comprehension", "[s for s in segment]", "comprehensions are not allowed"),
    ("set-comprehension", "{s for s in segment}", "comprehensions are not allowed"),
    ("dict-comprehension", "{s: 1 for s in segment}", "comprehensions are not allowed"),
    ("generator", "(s for s in segment)", "comprehensions are not allowed"),
    ("walrus", "(score := 1)", "assignment (':=') is not allowed"),
    ("f-string", "f'{score}'", "f-strings are not allowed"),
    ("dunder-name", "__builtins__", "names starting with '_' are not allowed"),
    ("private-name", "_secret", "names starting with '_' are not allowed"),
    ("power", "score ** 2", "'**' is not allowed"),
    ("power-bomb", "9 ** 9 ** 9", "'**' is not allowed"),
    ("is", "segment is None", "'is' comparisons are not allowed"),
    ("is-not", "score is not 1", "'is' comparisons are not allowed"),
    ("dict", "{'a': 1}", "dictionaries are not allowed"),
    ("none", "None", "literal None is not allowed"),
    ("bytes", "b'x'", "not allowed"),
    ("ellipsis", "...", "not allowed"),
    ("floor-division", "score // 2", "FloorDiv is not allowed"),
    ("bit-and", "score & 1", "BitAnd is not allowed"),
    ("invert", "~score", "'~' is not allowed"),
    ("await", "await score", "'await' is not allowed"),
    ("yield", "(yield)", "'yield' is not allowed"),
    ("statement", "import os", "syntax error"),
    ("assignment", "score = 1", "syntax error"),
    ("two-statements", "score > 1; vip", "syntax error"),
    ("list-of-names", "segment in [score]", "literal numbers and strings"),
]


def _reference_data(reference_path) -> dict:
    return json.loads(reference_path.read_text(encoding="utf-8"))


# --- refused at parse time -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in FORBIDDEN],
                         ids=[c[0] for c in FORBIDDEN])
def test_forbidden_construct_is_rejected_with_a_clear_message(text, message):
    with pytest.raises(ExpressionError) as caught:
        Expression(text)
    assert message in str(caught.value)


def test_escape_attempt_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError):
        parse_expression(ESCAPE)
    with pytest.raises(ExpressionError):
        Expression(ESCAPE).evaluate({})
    assert not (tmp_path / "x").exists()
    assert list(tmp_path.iterdir()) == []


def test_escape_attempt_in_a_file_creates_nothing(tmp_path, monkeypatch, reference_path):
    monkeypatch.chdir(tmp_path)
    data = _reference_data(reference_path)
    data["edges"][2]["when"] = ESCAPE
    data["nodes"][1]["set"] = {"score": ESCAPE}
    data["nodes"][1]["priority"] = ESCAPE
    with pytest.raises(ProcessFileError):
        loads(json.dumps(data))
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_empty_or_huge_expressions_are_rejected(text):
    with pytest.raises(ExpressionError):
        Expression(text)


def test_deeply_nested_expression_is_rejected_without_crashing():
    with pytest.raises(ExpressionError):
        Expression("(" * 300 + "1" + ")" * 300)
    with pytest.raises(ExpressionError):
        Expression("-" * 900 + "1")


def test_non_text_expression_is_rejected():
    with pytest.raises(ExpressionError, match="as text"):
        Expression(42)  # type: ignore[arg-type]


# --- refused when loading a file, naming the field --------------------------------------------


@pytest.mark.parametrize(
    ("place", "field"),
    [("when", "edges[2].when"), ("set", "nodes[1].set.score"), ("priority", "nodes[1].priority")],
)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ESCAPE, "function calls are not allowed"),
        ("().__class__.__bases__", "attribute access"),
        ("[s for s in segment]", "comprehensions are not allowed"),
        ("score ** 2", "'**' is not allowed"),
    ],
)
def test_forbidden_expression_in_a_file_names_the_field(reference_path, place, field, text,
                                                        message):
    data = _reference_data(reference_path)
    if place == "when":
        data["edges"][2]["when"] = text
    elif place == "set":
        data["nodes"][1]["set"] = {"score": text}
    else:
        data["nodes"][1]["priority"] = text
    with pytest.raises(ProcessFileError) as caught:
        loads(json.dumps(data), path="funnel.lane.json")
    error = caught.value
    assert error.field == field
    assert str(error).startswith(f"funnel.lane.json: {field}: ")
    assert message in str(error)
    assert "\n" not in str(error)


def test_forbidden_expression_in_a_delay_set_names_the_field(reference_path):
    data = _reference_data(reference_path)
    data["nodes"].append({"id": "wait", "kind": "delay", "lane": "marketing", "duration": "1d",
                          "set": {"score": "segment.lower"}})
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(data)
    assert caught.value.field == f"nodes[{len(data['nodes']) - 1}].set.score"


def test_priority_may_be_a_number_or_a_safe_expression(reference_path):
    data = _reference_data(reference_path)
    data["attributes"] = {"score": 50}
    data["nodes"][1]["priority"] = 3
    data["nodes"][4]["priority"] = "score * 2"
    process = process_from_data(data)
    assert process.node("enrich").priority == 3
    assert process.node("score").priority == "score * 2"
    assert validate(process) == []


# --- evaluation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "attributes", "value"),
    [
        ("score >= 60 and segment in ['mid', 'enterprise']", {"score": 70, "segment": "mid"},
         True),
        ("score >= 60 and segment in ['mid', 'enterprise']", {"score": 70, "segment": "smb"},
         False),
        ("score >= 60 and segment in ['mid', 'enterprise']", {"score": 59, "segment": "mid"},
         False),
        ("score + 10 * 2 - 4 / 2", {"score": 1}, 19.0),
        ("(score + 10) * 2", {"score": 1}, 22),
        ("score / 4", {"score": 10}, 2.5),
        ("score / 0", {"score": 5}, 0),
        ("score / (score - score)", {"score": 5}, 0),
        ("score % 7", {"score": 15}, 1),
        ("-score", {"score": 2}, -2),
        ("not vip", {"vip": False}, True),
        ("not (score > 3)", {"score": 5}, False),
        ("'high' if score > 50 else 'low'", {"score": 80}, "high"),
        ("'high' if score > 50 else 'low'", {"score": 20}, "low"),
        ("vip or score > 3", {"vip": False, "score": 1}, False),
        ("1 < score < 10", {"score": 5}, True),
        ("segment not in ('a', 'b')", {"segment": "c"}, True),
        ("'ent' in segment", {"segment": "enterprise"}, True),
        ("segment + '_lead'", {"segment": "smb"}, "smb_lead"),
        ("segment == 'smb' or segment != 'mid'", {"segment": "mid"}, False),
        ("age > 24", {"age": 30.5}, True),
        ("True", {}, True),
    ],
)
def test_allowed_expressions_evaluate(text, attributes, value):
    result = parse_expression(text).evaluate(attributes)
    assert result == value
    assert type(result) is type(value) or {type(result), type(value)} <= {int, float}


def test_modulo_by_zero_gives_zero_like_division():
    assert parse_expression("score % 0").evaluate({"score": 5}) == 0


def test_evaluation_cannot_reach_builtins():
    compiled = parse_expression("score").function.__wrapped__
    assert compiled.__globals__["__builtins__"] == {}


def test_expression_lists_the_names_it_reads():
    assert parse_expression("score > 3 and segment == 'a' or age > 1").names == {
        "score", "segment", "age"
    }


def test_parsing_is_cached_per_text():
    assert parse_expression("score + 1") is parse_expression("score + 1")


# --- type checking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("score >= 60 and segment in ['mid', 'enterprise']", "bool"),
        ("score * 2 + 1", "number"),
        ("segment + 'x'", "string"),
        ("not vip", "bool"),
        ("age", "number"),
        ("age / 24 > 3", "bool"),
        ("'a' if vip else 'b'", "string"),
    ],
)
def test_types_are_inferred(text, kind):
    assert parse_expression(text).infer_type(TYPES) == kind


def test_unknown_name_is_rejected_listing_the_known_names():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("budget > 1000").infer_type(TYPES)
    message = str(caught.value)
    assert "unknown name 'budget'" in message
    assert "known: age, score, segment, vip" in message


def test_age_is_always_known():
    assert parse_expression("age > 48").infer_type({}) == "bool"
    with pytest.raises(ExpressionError, match=r"known: age\)"):
        parse_expression("score > 1").infer_type({})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("segment * 3", "'*' needs a number, not a string"),
        ("score + segment", "'+' on text needs a string, not a number"),
        ("segment > 3", "cannot order a string against a number"),
        ("vip < True", "cannot order true/false"),
        ("-segment", "a sign needs a number"),
        ("score in ['a', 'b']", "'in' needs a string, not a number"),
        ("segment in 3", "needs a string, not a number"),
        ("[1, 2]", "a list can only appear on the right of 'in'"),
    ],
)
def test_type_clashes_are_rejected(text, message):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text).infer_type(TYPES)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "text",
    ["(segment if vip else 1) * 3", "('ab' if vip else 1) * 100000", "(segment if vip else 1) > 3"],
)
def test_branches_of_different_types_are_rejected(text):
    """Otherwise `('ab' if vip else 1) * 10**9` passes the checks and builds a huge string."""
    with pytest.raises(ExpressionError):
        parse_expression(text).infer_type(TYPES)


def test_type_errors_surface_in_validation_naming_the_edge(reference_path):
    data = _reference_data(reference_path)
    data["attributes"] = {"segment": {"choices": {"smb": 1}}}
    edges = data["edges"]
    edges[2] = {"from": "is_duplicate", "to": "duplicate", "when": "segment * 3"}
    edges[3] = {"from": "is_duplicate", "to": "score", "default": True}
    problems = validate(process_from_data(copy.deepcopy(data)))
    assert [(p.severity, p.edge, p.field) for p in problems] == [
        ("error", ("is_duplicate", "duplicate"), "edges[2].when")
    ]
    assert "'*' needs a number" in problems[0].message

