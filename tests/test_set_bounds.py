"""``set`` results checked against the target attribute's declaration where they are made:
numbers clipped to the declared min/max, categories kept to the declared choices, types kept."""

from __future__ import annotations

import math

import pytest

import laneforge
from laneforge.io import process_from_data
from laneforge.model import errors, validate
from laneforge.model.attributes import Choices, value_spec
from laneforge.model.errors import SimulationError
from laneforge.model.expressions import (
    BOOL,
    NUMBER,
    STRING,
    ExpressionRunError,
    ValueSpec,
    setter,
)
from laneforge.sim import compile_process, run_replication

from simhelpers import base_data


def node(id_, kind, **fields):
    return {"id": id_, "kind": kind, "lane": "lane", **fields}


def _climb(step: str, check: str, stop: str) -> dict:
    """Leads with score ~ uniform(0, 100) loop through ``work`` (score = score + ``step``)
    until ``stop`` holds; ``check`` (never true with clipping) ends in 'over'."""
    data = base_data(horizon="2000h", max_visits=50)
    data["attributes"] = {"score": {"dist": "uniform", "min": 0, "max": 100}}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "2/h"}),
        node("work", "task", duration="10m", set={"score": f"score {step}"}),
        node("check", "decision"),
        node("over", "end", outcome="over"),
        node("capped", "end", outcome="capped"),
    ]
    data["edges"] = [
        {"from": "in", "to": "work"}, {"from": "work", "to": "check"},
        {"from": "check", "to": "over", "when": check},
        {"from": "check", "to": "capped", "when": stop},
        {"from": "check", "to": "work", "default": True},
    ]
    return data


@pytest.mark.parametrize("step, check, stop", [
    ("+ 30", "score > 100", "score == 100"),
    ("- 30", "score < 0", "score == 0"),
])
def test_a_climbing_score_is_clipped_to_its_declared_range(step, check, stop):
    process = process_from_data(_climb(step, check, stop))
    assert errors(validate(process)) == []
    stats = run_replication(compile_process(process), 0)
    n = stats.outcomes["capped"] + stats.outcomes["over"]
    assert n > 3000
    # never beyond the bound; without clipping no lead would ever land exactly on it
    assert stats.outcomes["over"] == 0
    assert stats.outcomes.get("stuck", 0) == 0
    # passes to reach the bound: ceil(distance / 30) for a uniform distance on [0, 100]:
    # 1, 2, 3 with probability 0.3 each, 4 with 0.1 -> mean 2.2, variance 0.96
    mean, sd = 2.2, math.sqrt(0.96 / n)
    assert abs(stats.nodes["work"].visits / n - mean) <= 4 * sd


def _upgrade(choices: dict[str, float]) -> dict:
    data = base_data(horizon="200h")
    data["attributes"] = {"segment": {"choices": choices}}
    data["nodes"] = [
        node("in", "source", arrivals={"rate": "1/h"}),
        node("upgrade", "task", duration="1h", set={"segment": "'vip'"}),
        node("vip", "end", outcome="vip"),
        node("other", "end", outcome="other"),
    ]
    data["edges"] = [{"from": "in", "to": "upgrade"},
                     {"from": "upgrade", "to": "vip", "when": "segment == 'vip'"},
                     {"from": "upgrade", "to": "other", "default": True}]
    return data


def test_a_category_set_to_an_undeclared_value_stops_naming_the_node():
    process = process_from_data(_upgrade({"smb": 0.7, "enterprise": 0.3}))
    assert errors(validate(process)) == []
    with pytest.raises(SimulationError) as caught:
        laneforge.simulate(process, replications=1, jobs=1)
    message = str(caught.value)
    assert message.startswith("node upgrade (set.segment): \"'vip'\" gave 'vip', which is "
                              "not one of the declared choices (enterprise, smb)")
    assert "\n" not in message
    assert caught.value.node == "upgrade" and caught.value.expression == "'vip'"


def test_a_choice_of_weight_zero_declares_a_category_only_a_set_gives():
    process = process_from_data(_upgrade({"smb": 0.7, "enterprise": 0.3, "vip": 0}))
    stats = run_replication(compile_process(process), 0)
    assert stats.outcomes["vip"] > 100 and stats.outcomes.get("other", 0) == 0


@pytest.mark.parametrize("spec, value, says", [
    (ValueSpec(NUMBER), "text", "is declared a number"),
    (ValueSpec(NUMBER), True, "is declared a number"),
    (ValueSpec(STRING), 3, "is declared text"),
    (ValueSpec(STRING, choices=frozenset({"a"})), 3.5, "is declared text"),
    (ValueSpec(BOOL), 1, "is declared true/false"),
])
def test_a_value_of_another_type_than_declared_is_a_run_error(spec, value, says):
    function = setter("x", spec, node="n1", target="t")
    with pytest.raises(ExpressionRunError, match=says) as caught:
        function({"x": value})
    assert str(caught.value).startswith("node n1 (set.t): 'x' gave ")
    assert caught.value.node == "n1" and caught.value.expression == "x"


def test_setter_clips_numbers_and_passes_what_is_declared():
    clip = setter("x", ValueSpec(NUMBER, 0.0, 100.0))
    assert [clip({"x": v}) for v in (-5, 0, 42, 100, 1e12)] == [0.0, 0, 42, 100, 100.0]
    assert setter("x", ValueSpec(NUMBER, None, 10.0))({"x": -1e14}) == -1e14
    assert setter("x", ValueSpec(NUMBER))({"x": 1e14}) == 1e14
    assert setter("x", ValueSpec(STRING))({"x": "free text"}) == "free text"
    assert setter("x", ValueSpec(BOOL))({"x": False}) is False
    # the global bounds still come first, and name the node when it is known
    with pytest.raises(ExpressionRunError, match=r"^node n \(set.x\): 'x \* x' gave .*limit"):
        setter("x * x", ValueSpec(NUMBER, 0.0, 1.0), node="n", target="x")({"x": 1e10})


def test_value_spec_joins_the_declaration_and_source_overrides():
    normal = process_from_data({**base_data(), "attributes": {
        "a": {"dist": "normal", "mean": 5, "sd": 1, "min": 0, "max": 10}}}).attributes["a"]
    uniform = process_from_data({**base_data(), "attributes": {
        "a": {"dist": "uniform", "min": -5, "max": 8}}}).attributes["a"]
    assert value_spec(normal) == ValueSpec(NUMBER, 0.0, 10.0)
    assert value_spec(normal, uniform) == ValueSpec(NUMBER, -5.0, 10.0)
    assert value_spec(normal, 3) == ValueSpec(NUMBER, None, None)  # a fixed number: open
    first = Choices(choices={"a": 1.0, "b": 0.0})
    assert value_spec(first, Choices(choices={"c": 1.0})) == ValueSpec(
        STRING, choices=frozenset({"a", "b", "c"}))
    assert value_spec("EU") == ValueSpec(STRING)
    assert value_spec(True) == ValueSpec(BOOL)
