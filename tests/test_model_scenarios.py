"""What-if scenarios: changes applied to a copy, scale paths, and clear errors for bad paths."""

from __future__ import annotations

import pytest

from laneforge.io import dumps, process_from_data
from laneforge.model import (
    BatchArrivals,
    IntervalArrivals,
    Process,
    RateArrivals,
    ScenarioError,
    apply_changes,
    apply_scenario,
    validate,
)


def make(*scenarios: dict) -> Process:
    """Two sources (one with every kind of arrivals), a task, a decision and two ends."""
    return process_from_data({
        "format": "laneforge/process",
        "version": 1,
        "name": "scenarios",
        "lanes": [{"id": "mkt", "staff": None}, {"id": "inside_sales", "staff": 6}],
        "nodes": [
            {"id": "webinar", "kind": "source", "lane": "mkt", "arrivals": [
                {"rate": "40/day", "profile": {"sat": 0.1, "sun": 0.1}},
                {"batch": 300, "first": "30d", "every": "90d"},
                {"interarrival": {"dist": "exponential", "mean": "2h"}},
                {"interarrival": "3h"},
                {"interarrival": {"dist": "uniform", "min": "1h", "max": "3h"}},
            ]},
            {"id": "inbound", "kind": "source", "lane": "mkt", "arrivals": {"rate": "120/week"}},
            {"id": "call", "kind": "task", "lane": "inside_sales",
             "duration": {"dist": "exponential", "mean": "1h"}},
            {"id": "qualified", "kind": "decision", "lane": "inside_sales"},
            {"id": "won", "kind": "end", "lane": "inside_sales", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "inside_sales", "outcome": "lost"},
        ],
        "edges": [
            {"from": "webinar", "to": "call"},
            {"from": "inbound", "to": "call"},
            {"from": "call", "to": "qualified"},
            {"from": "qualified", "to": "won", "probability": 0.3},
            {"from": "qualified", "to": "lost", "probability": 0.7},
        ],
        "scenarios": list(scenarios),
    })


def scenario(name: str, changes: dict) -> dict:
    return {"name": name, "changes": changes}


def arrivals(process: Process, node_id: str) -> list:
    return process.node(node_id).arrival_list()


# --- copies ----------------------------------------------------------------------------------


def test_apply_scenario_returns_a_changed_copy_and_leaves_the_original():
    base = make(scenario("Hire 2 SDRs", {"lanes.inside_sales.staff": 8}))
    text = dumps(base)
    changed = apply_scenario(base, "Hire 2 SDRs")
    assert changed is not base
    assert changed.lane("inside_sales").staff == 8
    assert base.lane("inside_sales").staff == 6
    assert dumps(base) == text


def test_apply_scenario_accepts_the_scenario_object():
    base = make(scenario("Hire", {"lanes.inside_sales.staff": 8}))
    assert apply_scenario(base, base.scenarios[0]).lane("inside_sales").staff == 8


def test_no_scenario_gives_an_equal_independent_copy():
    base = make()
    copy = apply_scenario(base, None)
    assert copy == base
    copy.edit.rename_node("call", "first_call")
    assert base.has_node("call")


def test_changed_copy_does_not_share_objects_with_the_original():
    base = make(scenario("Faster", {"nodes.call.duration.mean": "30m"}))
    changed = apply_scenario(base, "Faster")
    changed.node("webinar").arrivals[0].profile["mon"] = 2.0
    assert base.node("webinar").arrivals[0].profile == {"sat": 0.1, "sun": 0.1}


# --- plain paths -----------------------------------------------------------------------------


def test_lane_staff():
    changed = apply_changes(make(), {"lanes.inside_sales.staff": 8})
    assert changed.lane("inside_sales").staff == 8


def test_node_duration_mean():
    changed = apply_changes(make(), {"nodes.call.duration.mean": "30m"})
    duration = changed.node("call").duration
    assert duration.mean == 0.5
    assert duration.dist == "exponential"


def test_edge_probabilities():
    changed = apply_changes(make(), {"edges.qualified->won.probability": 0.4,
                                     "edges.qualified->lost.probability": 0.6})
    assert changed.edge("qualified", "won").probability == 0.4
    assert changed.edge("qualified", "lost").probability == 0.6
    assert validate(changed) == []


def test_source_rate():
    changed = apply_changes(make(), {"nodes.inbound.arrivals.rate": "200/week"})
    assert changed.node("inbound").arrivals.rate.per_hour == pytest.approx(200 / 168)


def test_simulation_settings_with_defaults_can_be_changed():
    changed = apply_changes(make(), {"simulation.horizon": "180d",
                                     "simulation.replications": 30})
    assert changed.simulation.horizon.hours == 180 * 24
    assert changed.simulation.replications == 30


def test_a_field_not_yet_written_can_be_set():
    changed = apply_changes(make(), {"lanes.inside_sales.cost_per_hour": 45,
                                     "nodes.call.staff": 2})
    assert changed.lane("inside_sales").cost_per_hour == 45
    assert changed.node("call").staff == 2


# --- scaling arrivals ------------------------------------------------------------------------


def test_arrivals_scale_scales_every_source():
    base = make()
    changed = apply_changes(base, {"arrivals.scale": 1.5})
    rate, batch, expo, fixed, uniform = arrivals(changed, "webinar")
    assert isinstance(rate, RateArrivals) and isinstance(batch, BatchArrivals)
    assert str(rate.rate) == "60/day"  # in its own period
    assert rate.profile == {"sat": 0.1, "sun": 0.1}
    assert batch.batch == 450
    assert (batch.first.hours, batch.every.hours) == (30 * 24, 90 * 24)
    assert isinstance(expo, IntervalArrivals)
    assert expo.interarrival.mean == pytest.approx(2 / 1.5)
    assert fixed.interarrival.hours == pytest.approx(3 / 1.5)
    assert (uniform.interarrival.min.hours, uniform.interarrival.max.hours) == pytest.approx(
        (1 / 1.5, 3 / 1.5)
    )
    assert str(changed.node("inbound").arrivals.rate) == "180/week"


@pytest.mark.parametrize("factor", [0.5, 1.5, 2, 3])
def test_arrivals_scale_multiplies_the_mean_arrival_rate(factor):
    base = make()
    changed = apply_changes(base, {"arrivals.scale": factor})
    for node_id in ("webinar", "inbound"):
        assert changed.node(node_id).mean_rate_per_hour == pytest.approx(
            base.node(node_id).mean_rate_per_hour * factor, rel=1e-9
        )


def test_arrivals_scale_by_an_awkward_factor_is_exact():
    changed = apply_changes(make(), {"arrivals.scale": 1 / 3})
    rate = arrivals(changed, "webinar")[0]
    assert str(rate.rate).endswith("/day")
    assert rate.rate.per_hour == pytest.approx(40 / 24 / 3, rel=1e-12)


def test_batch_never_scales_below_one():
    changed = apply_changes(make(), {"arrivals.scale": 0.001})
    assert arrivals(changed, "webinar")[1].batch == 1


def test_scale_of_one_source():
    base = make()
    changed = apply_changes(base, {"nodes.inbound.arrivals.scale": 2})
    assert str(changed.node("inbound").arrivals.rate) == "240/week"
    assert arrivals(changed, "webinar") == arrivals(base, "webinar")


@pytest.mark.parametrize("factor", [0, -1, "2", True, float("nan")])
def test_bad_scale_factor(factor):
    with pytest.raises(ScenarioError) as caught:
        apply_changes(make(), {"arrivals.scale": factor}, name="Boom")
    assert "'Boom'" in str(caught.value) and "'arrivals.scale'" in str(caught.value)


def test_scale_of_a_node_that_is_not_a_source():
    with pytest.raises(ScenarioError) as caught:
        apply_changes(make(), {"nodes.call.arrivals.scale": 2}, name="Boom")
    assert "not a source" in str(caught.value)
    assert caught.value.path == "nodes.call.arrivals.scale"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("lanes.field_sales.staff", 8, "no lane 'field_sales'"),
        ("lanes.inside_sales.stafff", 8, "no field 'stafff'"),
        ("nodes.won.duration", "1h", "has no field 'duration'"),
        ("nodes.won.staff", 2, "has no field 'staff'"),
        ("nodes.qualified.arrivals", {"rate": "1/h"}, "has no field 'arrivals'"),
        ("nodes.ghost.duration", "1h", "no node 'ghost'"),
        ("edges.qualified->ghost.probability", 1, "no edge 'qualified' -> 'ghost'"),
        ("nodes.call.duration.meann", "1h", "no field 'meann'"),
        ("colour", "red", "no field 'colour'"),
        ("nodes.call.id", "x", "cannot change ids"),
        ("lanes..staff", 1, "malformed path"),
    ],
)
def test_unknown_paths_name_the_scenario_and_the_path(path, value, words):
    base = make(scenario("Hire 2 SDRs", {path: value}))
    with pytest.raises(ScenarioError) as caught:
        apply_scenario(base, "Hire 2 SDRs")
    error = caught.value
    assert (error.scenario, error.path) == ("Hire 2 SDRs", path)
    assert str(error).startswith(f"scenario 'Hire 2 SDRs', change '{path}': ")
    assert words in str(error)


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("lanes.inside_sales.staff", "eight", "staff"),
        ("nodes.call.duration.mean", "2hrs", "unknown time unit 'hrs'"),
        ("edges.qualified->won.probability", 2, "between 0 and 1"),
    ],
)
def test_invalid_values_name_the_scenario_and_the_field(path, value, words):
    with pytest.raises(ScenarioError) as caught:
        apply_scenario(make(scenario("Bad", {path: value})), "Bad")
    assert caught.value.scenario == "Bad"
    assert str(caught.value).startswith("scenario 'Bad'")
    assert words in str(caught.value)


def test_unknown_scenario_name_lists_the_scenarios():
    base = make(scenario("A", {}), scenario("B", {}))
    with pytest.raises(ScenarioError) as caught:
        apply_scenario(base, "C")
    assert "'C'" in str(caught.value)
    assert "'A', 'B'" in str(caught.value)


def test_the_original_is_untouched_when_a_scenario_fails():
    base = make(scenario("Half bad", {"lanes.inside_sales.staff": 9, "lanes.nope.staff": 1}))
    text = dumps(base)
    with pytest.raises(ScenarioError):
        apply_scenario(base, "Half bad")
    assert dumps(base) == text
