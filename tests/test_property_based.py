"""Property tests: random valid processes round-trip; random input only ever fails cleanly."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laneforge.io import ProcessFileError, dumps, loads, process_from_data
from laneforge.model import errors, validate
from laneforge.model.scenarios import known_keys

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- building blocks -------------------------------------------------------------------------

UNITS = ["s", "m", "min", "h", "d", "w"]
PERIODS = ["min", "h", "hour", "d", "day", "w", "week", "month"]
#: text a file may hold: no surrogates, controls, bidirectional overrides (see model/text.py)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"),
                             blacklist_characters="\u202a\u202b\u202c\u202d\u202e"
                                                  "\u2066\u2067\u2068\u2069\ufffe\uffff"),
               max_size=20)
NUMBER = st.floats(0, 1000, allow_nan=False, allow_infinity=False)


def duration_text(low: int = 0) -> st.SearchStrategy:
    """A duration as a user writes it: "15m", "2.5h", "3d", 4, 0.75 ..."""
    return st.one_of(
        st.builds(lambda n, unit: f"{n}{unit}", st.integers(max(low, 0), 500),
                  st.sampled_from(UNITS)),
        st.builds(lambda n, unit: f"{n / 4:g}{unit}", st.integers(max(low, 0) * 4, 2000),
                  st.sampled_from(["h", "d"])),
        st.integers(low, 200),
        NUMBER.filter(lambda x: x >= low),
    )


def sorted_durations(count: int) -> st.SearchStrategy:
    """``count`` ascending durations, all written in one unit."""
    return st.builds(
        lambda values, unit: [f"{v}{unit}" for v in sorted(values)],
        st.lists(st.integers(0, 300), min_size=count, max_size=count),
        st.sampled_from(UNITS),
    )


DURATION_DIST = st.one_of(
    duration_text(),
    st.builds(lambda m: {"dist": "exponential", "mean": m}, duration_text(low=1)),
    sorted_durations(3).map(lambda v: {"dist": "triangular", "min": v[0], "mode": v[1],
                                       "max": v[2]}),
    sorted_durations(2).map(lambda v: {"dist": "uniform", "min": v[0], "max": v[1]}),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, duration_text(),
              duration_text()),
    # mean and sd in one unit: the sd stays within LOGNORMAL_SPREAD times the mean
    st.builds(lambda m, s, unit: {"dist": "lognormal", "mean": f"{m}{unit}", "sd": f"{s}{unit}"},
              st.integers(1, 500), st.integers(0, 500), st.sampled_from(UNITS)),
    st.builds(lambda vs: {"dist": "empirical", "values": vs},
              st.lists(duration_text(), min_size=1, max_size=5)),
)

#: arrivals within the lead-volume limits (model/limits.py) at the default 90 d x 10 runs
ARRIVAL = st.one_of(
    st.builds(lambda n, p: {"rate": f"{n}/{p}"}, st.integers(0, 1000),
              st.sampled_from(["d", "day", "w", "week", "month"])),
    st.builds(lambda n, p: {"rate": f"{n}/{p}"}, st.integers(0, 100),
              st.sampled_from(["h", "hour"])),
    st.builds(lambda n, p, mon, sat: {"rate": f"{n}/{p}", "profile": {"mon": mon, "sat": sat}},
              st.integers(1, 100), st.sampled_from(PERIODS[1:]), st.sampled_from([0, 0.5, 1.3]),
              st.sampled_from([0, 0.1])),
    st.builds(lambda n, u: {"interarrival": f"{n}{u}"}, st.integers(1, 500),
              st.sampled_from(["h", "d", "w"])),
    st.builds(lambda n: {"interarrival": {"dist": "exponential", "mean": f"{n}m"}},
              st.integers(15, 600)),
    st.builds(lambda b, f: {"batch": b, "first": f}, st.integers(1, 1000), duration_text()),
    st.builds(lambda b, f, e: {"batch": b, "first": f, "every": f"{e}h"}, st.integers(1, 1000),
              duration_text(), st.integers(12, 2000)),
)

CALENDAR = st.fixed_dictionaries(
    {"days": st.sampled_from(["mon-fri", "daily", "sat-sun", "mon,wed,fri", "fri-mon"]),
     "hours": st.sampled_from(["09:00-17:00", "09:00-12:30,13:30-17:30", "00:00-24:00",
                               "22:00-24:00,00:00-06:00"])},
    optional={"holidays": st.lists(st.dates().map(str), max_size=3, unique=True)},
)
ATTRIBUTES = {
    "score": {"dist": "normal", "mean": 55, "sd": 20, "min": 0, "max": 100},
    "segment": {"choices": {"smb": 0.6, "mid": 0.3, "enterprise": 0.1}},
}

POS = st.one_of(st.none(), st.tuples(st.integers(-2000, 2000), st.integers(-500, 500)),
                st.tuples(NUMBER, NUMBER))


def _with(data: dict, **optional) -> dict:
    data.update({k: v for k, v in optional.items() if v is not None})
    return data


@st.composite
def valid_processes(draw) -> dict:
    """Lanes, one source, a chain of tasks/delays/decisions, ends off every decision branch."""
    lane_ids = draw(st.lists(st.from_regex(r"lane_[a-z]{1,6}", fullmatch=True), min_size=1,
                             max_size=3, unique=True))
    calendars = draw(st.dictionaries(st.sampled_from(["office", "shifts"]), CALENDAR,
                                     max_size=2))
    lanes = [
        _with({"id": lane, "staff": draw(st.one_of(st.none(), st.integers(1, 20)))},
              name=draw(st.one_of(st.none(), TEXT)),
              calendar=draw(st.one_of(st.none(), *(st.just(c) for c in calendars))),
              cost_per_hour=draw(st.one_of(st.none(), st.integers(0, 200), NUMBER)))
        for lane in lane_ids
    ]
    staffed = {lane["id"] for lane in lanes if lane["staff"] is not None}
    lane = st.sampled_from(lane_ids)

    def node(node_id: str, kind: str, **fields) -> dict:
        data = {"id": node_id, "kind": kind, "lane": draw(lane)}
        name = draw(st.one_of(st.none(), TEXT))
        if name is not None:
            data["name"] = name
        data.update(fields)
        pos = draw(POS)
        if pos is not None:
            data["pos"] = list(pos)
        return data

    arrivals = draw(st.one_of(ARRIVAL, st.lists(ARRIVAL, min_size=1, max_size=3)))
    nodes = [node("src", "source", arrivals=arrivals)]
    edges: list[dict] = []
    #: the edge that leads on to the next step, its target still to be filled in
    onward: dict = {"from": "src"}

    def step_to(node_id: str) -> None:
        onward["to"] = node_id
        edges.append(onward)

    for step in range(draw(st.integers(1, 6))):
        node_id = f"n{step}"
        kind = draw(st.sampled_from(["task", "delay", "decision"]))
        if kind == "decision" and draw(st.booleans()):  # conditions plus one default
            nodes.append(node(node_id, "decision"))
            step_to(node_id)
            end_id = f"{node_id}_out"
            nodes.append(node(end_id, "end", outcome="disqualified"))
            condition = draw(st.sampled_from([
                "score < 40", "segment == 'smb' and score < 70", "not (score >= 30)",
                "segment in ['mid', 'enterprise'] or age > 48", "score / 2 + 10 < 30",
            ]))
            edges.append({"from": node_id, "to": end_id, "when": condition})
            onward = {"from": node_id, "default": True}
        elif kind == "decision":
            nodes.append(node(node_id, "decision"))
            step_to(node_id)
            weights = draw(st.lists(st.integers(1, 9), min_size=2, max_size=4))
            total = sum(weights)
            for branch, weight in enumerate(weights[1:]):
                end_id = f"{node_id}_out{branch}"
                outcome = draw(st.sampled_from(["won", "lost", "nurture", "duplicate"]))
                nodes.append(node(end_id, "end", outcome=outcome))
                edges.append({"from": node_id, "to": end_id, "probability": weight / total})
            onward = {"from": node_id, "probability": weights[0] / total}
        else:
            new = node(node_id, kind, duration=draw(DURATION_DIST))
            if draw(st.booleans()):
                new["set"] = {"score": draw(st.sampled_from(["score + 10", "score * 0.9",
                                                             "100 if segment == 'mid' else 0"]))}
            if kind == "task" and new["lane"] not in staffed and draw(st.booleans()):
                del new["duration"]  # a task without staff limit needs no duration
            nodes.append(new)
            step_to(node_id)
            onward = {"from": node_id}
    nodes.append(node("done", "end", outcome="won"))
    step_to("done")
    data = {
        "format": "laneforge/process",
        "version": 1,
        "name": draw(TEXT),
        "calendars": calendars,
        "attributes": ATTRIBUTES,
        "lanes": lanes,
        "nodes": nodes,
        "edges": edges,
    }
    if draw(st.booleans()):
        data["slas"] = [{"id": "speed", "from": "src", "to": "done", "within": draw(
            duration_text(low=1)), "clock": draw(st.sampled_from(["business", "elapsed"]))}]
    if draw(st.booleans()):
        changes: dict = {"arrivals.scale": draw(st.sampled_from([0.5, 1.5, 2, 1 / 3]))}
        if staffed:  # a scenario may only restaff a lane whose tasks all have durations
            changes[f"lanes.{sorted(staffed)[0]}.staff"] = draw(st.integers(1, 30))
        data["scenarios"] = [{"name": "More", "changes": changes}]
    return data


# --- round trips -----------------------------------------------------------------------------


@SETTINGS
@given(valid_processes())
def test_random_valid_process_round_trips(data):
    process = process_from_data(data)
    assert errors(validate(process)) == []
    text = dumps(process)
    again = loads(text.encode("utf-8"))
    assert again == process
    assert dumps(again) == text


@SETTINGS
@given(valid_processes())
def test_round_trip_keeps_every_model_value(data):
    """Compared object by object, not through the writer, so a value the writer drops shows."""
    original = process_from_data(data)
    loaded = loads(dumps(original))
    for collection in ("lanes", "nodes", "edges"):
        assert getattr(loaded, collection) == getattr(original, collection)
    for written, node in zip(data["nodes"], loaded.nodes, strict=True):
        if "duration" in written:
            assert node.duration.mean == original.node(written["id"]).duration.mean


# --- random input ----------------------------------------------------------------------------


def _load_cleanly(payload) -> None:
    """``loads`` either gives a process that validates, or one documented error."""
    try:
        process = loads(payload)
    except ProcessFileError as exc:
        assert "\n" not in str(exc)
        return
    validate(process)  # a loadable process never crashes validation
    loads(dumps(process))


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_only_raise_process_file_error(payload):
    _load_cleanly(payload)


@SETTINGS
@given(st.text(max_size=500))
def test_random_text_only_raises_process_file_error(payload):
    _load_cleanly(payload)


FIELD_NAMES = sorted(known_keys() | {"kind", "id", "lane", "from", "to"})
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(), TEXT,
    st.sampled_from(["1h", "90m", "2hrs", "-1h", "40/day", "5/fortnight", "task", "source",
                     "end", "decision", "delay", "mon-fri", "09:00-17:00", "score > 3",
                     "__import__('os')", "2026-01-05T00:00", "exponential", "normal",
                     "laneforge/process"]),
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), TEXT), children, max_size=5),
    ),
    max_leaves=25,
)
NODE_LIKE = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c"]),
     "kind": st.one_of(st.sampled_from(["source", "task", "decision", "delay", "end"]),
                       JSONISH),
     "lane": st.sampled_from(["x", "y"])},
    optional={name: JSONISH for name in ["duration", "arrivals", "set", "priority", "staff",
                                         "outcome", "pos", "stage", "attributes", "name"]},
)
PROCESS_LIKE = st.fixed_dictionaries(
    {"format": st.just("laneforge/process"), "version": st.sampled_from([1, 1, 1, 0, 2, "1"])},
    optional={
        "name": JSONISH, "start": JSONISH, "simulation": JSONISH, "calendars": JSONISH,
        "stages": JSONISH, "attributes": JSONISH, "slas": JSONISH, "scenarios": JSONISH,
        "lanes": st.lists(st.fixed_dictionaries({"id": st.sampled_from(["x", "y"])},
                                                optional={"staff": JSONISH,
                                                          "calendar": JSONISH}), max_size=3),
        "nodes": st.lists(NODE_LIKE, max_size=5),
        "edges": st.lists(st.fixed_dictionaries(
            {"from": st.sampled_from(["a", "b", "c"]), "to": st.sampled_from(["a", "b", "c"])},
            optional={"probability": JSONISH, "when": JSONISH, "default": JSONISH,
                      "decay": JSONISH}), max_size=4),
    },
)


@SETTINGS
@given(JSONISH)
def test_random_json_values_only_raise_process_file_error(value):
    _load_cleanly(json.dumps(value))


@SETTINGS
@given(PROCESS_LIKE)
def test_random_process_like_documents_only_raise_process_file_error(value):
    _load_cleanly(json.dumps(value))
