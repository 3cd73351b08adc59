"""Every limit of model/limits.py: a value at the limit passes, just below passes, just above
is refused with a message that says which limit, why, and what to change."""

from __future__ import annotations

import json

import pytest

import laneforge
from laneforge.io import ProcessFileError, load_process, loads, process_from_data
from laneforge.model import errors, limits, validate
from laneforge.model.errors import SimulationError, ValidationError
from laneforge.model.expressions import ExpressionRunError, bounded, parse_expression
from laneforge.model.limits import check_run, estimate_leads


def base(**simulation) -> dict:
    """A small valid process: a source, one task, an end; no scenarios."""
    return {
        "format": "laneforge/process", "version": 1, "name": "Limits",
        "simulation": {"horizon": "30d", "replications": 1, **simulation},
        "lanes": [{"id": "sales", "staff": 2}],
        "nodes": [
            {"id": "src", "kind": "source", "lane": "sales", "arrivals": {"rate": "5/day"}},
            {"id": "call", "kind": "task", "lane": "sales", "duration": "1h"},
            {"id": "done", "kind": "end", "lane": "sales", "outcome": "won"},
        ],
        "edges": [{"from": "src", "to": "call"}, {"from": "call", "to": "done"}],
    }


def limit_errors(data: dict, limit: limits.Limit) -> list[str]:
    """The validation errors of ``data`` that are about ``limit``."""
    text = f"over the limit of {limits._amount(limit.value)} {limit.unit}"
    return [p.message for p in errors(validate(process_from_data(data))) if text in p.message]


def test_the_base_process_is_clean():
    assert errors(validate(process_from_data(base()))) == []


def test_every_limit_says_why_and_what_to_change():
    assert len({limit.name for limit in limits.ALL}) == len(limits.ALL)
    for limit in limits.ALL:
        assert limit.value > 0 and limit.why and limit.change
        message = limit.message("the thing is big")
        assert message.startswith("the thing is big, over the limit of ")
        assert limit.why in message and message.endswith(limit.change)


# --- file, nesting, text ------------------------------------------------------------------


@pytest.mark.parametrize("extra, refused", [(-1, False), (0, False), (1, True)])
def test_file_size_limit(tmp_path, extra, refused):
    text = json.dumps(base())
    size = int(limits.FILE_BYTES.value) + extra
    path = tmp_path / "big.lane.json"
    path.write_text(text + " " * (size - len(text)), encoding="utf-8")
    assert path.stat().st_size == size
    if refused:
        with pytest.raises(ProcessFileError, match="limited to 16 MB"):
            load_process(path)
    else:
        assert load_process(path).name == "Limits"


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth, refused", [(30, False), (31, False), (32, True)])
def test_nesting_limit(depth, refused):
    """An unknown top-level key nested ``depth`` lists deep: its innermost value sits at a
    path of depth + 1 keys, which may be at most NESTING (32)."""
    data = base()
    data["extra"] = _nested(depth)
    if refused:
        with pytest.raises(ProcessFileError, match="nested more than 32 levels") as caught:
            process_from_data(data)
        assert caught.value.field.startswith("extra[0][0]")
    else:
        assert process_from_data(data).model_extra["extra"] == _nested(depth)


def test_a_scenario_nested_500_deep_is_refused_with_one_message():
    data = base()
    data["scenarios"] = [{"name": "deep", "changes": {"lanes.sales.staff": _nested(500)}}]
    with pytest.raises(ProcessFileError, match="nested more than 32 levels"):
        loads(json.dumps(data))


@pytest.mark.parametrize("length, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_text_limit(length, refused):
    data = base()
    data["description"] = "d" * length
    if refused:
        with pytest.raises(ProcessFileError, match="10,001 characters long, over the limit "
                                                   "of 10,000 characters") as caught:
            process_from_data(data)
        assert caught.value.field == "description"
    else:
        assert len(process_from_data(data).description) == length


@pytest.mark.parametrize("length, refused", [(199, False), (200, False), (201, True)])
def test_name_limit(length, refused):
    data = base()
    data["nodes"][1]["name"] = "n" * length
    if refused:
        with pytest.raises(ProcessFileError, match="over the limit of 200 characters") as caught:
            process_from_data(data)
        assert caught.value.field == "nodes[1].name"
    else:
        assert len(process_from_data(data).nodes[1].name) == length


# --- sizes of the process --------------------------------------------------------------------


def _with_extra_ends(count: int) -> dict:
    data = base()
    data["nodes"] += [{"id": f"e{i}", "kind": "end", "lane": "sales"} for i in range(count)]
    return data


@pytest.mark.parametrize("nodes, refused", [(1_999, False), (2_000, False), (2_001, True)])
def test_node_limit(nodes, refused):
    found = limit_errors(_with_extra_ends(nodes - 3), limits.NODES)
    assert bool(found) is refused
    if refused:
        assert "the process has 2,001 nodes" in found[0]


@pytest.mark.parametrize("lanes, refused", [(199, False), (200, False), (201, True)])
def test_lane_limit(lanes, refused):
    data = base()
    data["lanes"] += [{"id": f"l{i}", "staff": None} for i in range(lanes - 1)]
    assert bool(limit_errors(data, limits.LANES)) is refused


@pytest.mark.parametrize("edges, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_edge_limit(edges, refused):
    data = _with_extra_ends(110)  # 113 nodes: enough pairs for the extra connections
    ids = [n["id"] for n in data["nodes"] if n["id"].startswith("e")]
    pairs = [(a, b) for a in ids for b in ids if a != b][: edges - 2]
    data["edges"] += [{"from": a, "to": b} for a, b in pairs]
    assert len(data["edges"]) == edges
    assert bool(limit_errors(data, limits.EDGES)) is refused


@pytest.mark.parametrize("staff, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_lane_staff_limit(staff, refused):
    data = base()
    data["lanes"][0]["staff"] = staff
    found = limit_errors(data, limits.STAFF)
    assert bool(found) is refused
    if refused:
        assert 'use "staff": null' in found[0]


def test_a_staff_of_a_billion_billions_is_refused():
    data = base()
    data["lanes"][0]["staff"] = 10**18
    assert limit_errors(data, limits.STAFF)


@pytest.mark.parametrize("staff, refused", [(999, False), (1_000, False), (1_001, True)])
def test_task_staff_limit(staff, refused):
    data = base()
    data["lanes"][0]["staff"] = 2_000
    data["nodes"][1]["staff"] = staff
    assert bool(limit_errors(data, limits.TASK_STAFF)) is refused


@pytest.mark.parametrize("size, refused", [(99_999, False), (100_000, False), (100_001, True)])
def test_batch_limit(size, refused):
    data = base()
    data["nodes"][0]["arrivals"] = {"batch": size}
    assert bool(limit_errors(data, limits.BATCH)) is refused


@pytest.mark.parametrize("visits, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_max_visits_limit(visits, refused):
    data = base(max_visits=visits)
    assert bool(limit_errors(data, limits.MAX_VISITS)) is refused
    node = base()
    node["nodes"][1]["max_visits"] = visits
    assert bool(limit_errors(node, limits.MAX_VISITS)) is refused


@pytest.mark.parametrize("hours, refused", [(87_599, False), (87_600, False), (87_601, True)])
def test_horizon_limit(hours, refused):
    data = base(horizon=f"{hours}h")
    data["nodes"][0]["arrivals"] = {"rate": "1/week"}
    assert bool(limit_errors(data, limits.HORIZON)) is refused


@pytest.mark.parametrize("count, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_replications_limit(count, refused):
    data = base(replications=count)
    data["nodes"][0]["arrivals"] = {"rate": "1/month"}
    assert bool(limit_errors(data, limits.REPLICATIONS)) is refused


# --- lead volume -----------------------------------------------------------------------------


def _volume(leads: int, replications: int = 1) -> dict:
    """Arrivals bringing exactly ``leads`` leads over a 10-day horizon: 100,000-lead batches
    every day from t = 0 (the batch at 10 d is past the horizon) plus a one-off rest."""
    data = base(horizon="9.5d", replications=replications)
    whole, rest = divmod(leads, 100_000)
    arrivals: list[dict] = []
    if whole:
        arrivals.append({"batch": 100_000, "every": "1d", "first": f"{10 - whole}d"})
    if rest:
        arrivals.append({"batch": rest})
    data["nodes"][0]["arrivals"] = arrivals
    data["lanes"][0]["staff"] = None
    return data


@pytest.mark.parametrize("leads, refused", [(999_999, False), (1_000_000, False),
                                            (1_000_001, True)])
def test_leads_per_replication_limit(leads, refused):
    data = _volume(leads)
    assert estimate_leads(process_from_data(data)) == leads
    found = limit_errors(data, limits.LEADS_PER_REPLICATION)
    assert bool(found) is refused
    if refused:
        assert "shorten the horizon" in found[0] and "replications" in found[0]


@pytest.mark.parametrize("leads, refused", [(499_999, False), (500_000, False),
                                            (500_001, True)])
def test_leads_per_run_limit(leads, refused):
    """40 replications of 500,000 leads are 20 million: the limit of a run."""
    found = limit_errors(_volume(leads, replications=40), limits.LEADS_PER_RUN)
    assert bool(found) is refused


def test_a_batch_every_second_is_refused_before_it_can_fill_the_memory():
    data = base()
    data["nodes"][0]["arrivals"] = {"batch": 1000, "every": "1s"}
    (message,) = limit_errors(data, limits.LEADS_PER_REPLICATION)
    assert "2,592,001,000 leads a replication" in message


def test_an_interarrival_time_of_zero_is_an_error():
    data = base()
    data["nodes"][0]["arrivals"] = {"interarrival": "0h"}
    problems = errors(validate(process_from_data(data)))
    assert [p.field for p in problems] == ["nodes[0].arrivals.interarrival"]
    assert "without end" in problems[0].message


def test_the_estimate_follows_rates_intervals_and_batches():
    data = base(horizon="10d")
    data["nodes"][0]["arrivals"] = [{"rate": "24/day"}, {"interarrival": "2h"},
                                    {"batch": 7, "first": "1d", "every": "4d"},
                                    {"batch": 5, "first": "11d"}]
    # 240 + 120 + 7 x 3 (at 1, 5, 9 d) + 0 (after the horizon)
    assert estimate_leads(process_from_data(data)) == pytest.approx(240 + 120 + 21)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, refused", [(1e15 - 1, False), (1e15, False), (1e15 + 1, True)])
def test_number_limit_on_attributes(value, refused):
    data = base()
    data["attributes"] = {"amount": value}
    assert bool(limit_errors(data, limits.NUMBER)) is refused


@pytest.mark.parametrize("value, refused", [(1e15 - 1, False), (1e15, False), (1e15 + 1, True)])
def test_number_limit_on_expression_results(value, refused):
    if refused:
        with pytest.raises(ExpressionRunError, match="beyond the limit of 1e"):
            bounded(value, "x")
        with pytest.raises(ExpressionRunError):
            bounded(-value, "x")
    else:
        assert bounded(value, "x") == value
        assert parse_expression("x + 0").function({"x": value}) == value


@pytest.mark.parametrize("length, refused", [(9_999, False), (10_000, False), (10_001, True)])
def test_text_value_limit(length, refused):
    function = parse_expression("tag + 'x'").function
    if refused:
        with pytest.raises(ExpressionRunError, match="10,001 characters"):
            function({"tag": "t" * (length - 1)})
    else:
        assert len(function({"tag": "t" * (length - 1)})) == length


def test_expression_results_that_are_not_finite_stop_the_run():
    function = parse_expression("x * 1e10 * 1e10").function
    with pytest.raises(ExpressionRunError):
        function({"x": 1e14})
    with pytest.raises(ExpressionRunError, match="not a number"):
        bounded(float("nan"), "x")
    with pytest.raises(Exception, match="beyond the limit"):
        parse_expression("x * 1e16")


@pytest.mark.parametrize("spread, refused", [(999, False), (1_000, False), (1_001, True)])
def test_lognormal_spread_limit(spread, refused):
    data = base()
    data["attributes"] = {"x": {"dist": "lognormal", "mean": 2, "sd": 2 * spread}}
    assert bool(limit_errors(data, limits.LOGNORMAL_SPREAD)) is refused


def test_a_lognormal_of_mean_1e_300_and_sd_1e300_is_refused_not_divided_by_zero():
    data = base()
    data["attributes"] = {"x": {"dist": "lognormal", "mean": 1e-300, "sd": 1e14}}
    (message,) = limit_errors(data, limits.LOGNORMAL_SPREAD)
    assert "times the mean" in message
    data["attributes"]["x"]["sd"] = 1e300
    assert limit_errors(data, limits.NUMBER)


# --- growth inside a run ---------------------------------------------------------------------


def _loop(expression: str, start: object) -> dict:
    """A nurture loop (one day a round) whose delay applies ``set`` to attribute v."""
    data = base(horizon="60d")
    data["attributes"] = {"v": start}
    data["nodes"][1:2] = [
        {"id": "wait", "kind": "delay", "lane": "sales", "duration": "1d",
         "set": {"v": expression}},
        {"id": "again", "kind": "decision", "lane": "sales"},
    ]
    data["edges"] = [{"from": "src", "to": "wait"}, {"from": "wait", "to": "again"},
                     {"from": "again", "to": "wait", "probability": 0.99},
                     {"from": "again", "to": "done", "probability": 0.01}]
    return data


@pytest.mark.parametrize("expression, start, says", [
    ("v * v", 2, r"beyond the limit of 1e\+15"),
    ("v + v", "ab", "characters, beyond the limit of 10,000"),
])
def test_values_that_grow_in_a_loop_stop_the_run_naming_node_and_expression(
        expression, start, says):
    process = process_from_data(_loop(expression, start))
    assert errors(validate(process)) == []
    with pytest.raises(SimulationError, match=says) as caught:
        laneforge.simulate(process, replications=1, jobs=1)
    assert str(caught.value).startswith("node wait (set.v): ")
    assert caught.value.node == "wait" and caught.value.expression == expression


# --- options against the file -----------------------------------------------------------------


def test_a_warm_up_option_longer_than_the_file_horizon_names_both():
    process = process_from_data(base(horizon="7d"))
    with pytest.raises(ValidationError) as caught:
        check_run(process, warmup="14d", style="cli")
    assert str(caught.value) == ("the warm-up (14d, --warmup) must be shorter than the "
                                 "horizon (7d, simulation.horizon in the file)")
    assert caught.value.field == "--warmup"


def test_a_horizon_option_shorter_than_the_file_warm_up_names_both():
    process = process_from_data(base(horizon="30d", warmup="10d"))
    with pytest.raises(ValidationError, match=r"the warm-up \(10d, simulation.warmup in the "
                                              r"file\) must be shorter than the horizon "
                                              r"\(5d, horizon=\)"):
        laneforge.simulate(process, horizon="5d")


def test_options_that_raise_the_volume_over_the_limit_are_refused_with_the_option():
    process = process_from_data(_volume(100_000))  # 100,000 leads over 9.5 d
    check_run(process, replications=200, style="cli")  # 20 million: at the limit
    with pytest.raises(ValidationError, match=r"201 replications .* \(horizon 9.5d from "
                                              r"simulation.horizon in the file\)"):
        check_run(process, replications=201, style="cli")
    with pytest.raises(ValidationError, match=r"horizon of 100d \(--horizon\)"):
        check_run(process, horizon="100d", style="cli")
    with pytest.raises(ValidationError, match="over the limit of 87,600 hours"):
        check_run(process, horizon="3651d", style="cli")
