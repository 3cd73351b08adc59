"""A seeded mutation corpus over the bundled templates (as .lane.json and as BPMN), and the
one check every case must pass: load and validate, or be refused with one laneforge error;
whatever validates simulates a short horizon. Used by tests/test_fuzz.py and
benchmarks/fuzz.py (which runs thousands of cases in subprocesses)."""

from __future__ import annotations

import contextlib
import copy
import json
import random
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "processes").glob("*.lane.json"))

#: values a hostile file puts where a reasonable one has a number, a text or an object
HOSTILE: list[Any] = [
    10**18, 2**64, -1, 0, 1, 10**9, 1e300, -1e300, 1e-300, 0.0, 0.5, 1000,
    "\ud800", "\udfff name", "a\x00b", "\x07", "\u202eevil", "\u2066x\u2069", "\ufffe",
    "x" * 20_000, "", " ", "1s", "0h", "1e9h", "-5h", "1000000/h", "0/day", "99999999d",
    "big * big", "tag + tag", "__import__('os').system('true')", "score ** 99999999",
    "'a' * 99999999", "1e999", "not", "(" * 300 + "1" + ")" * 300, None, True, False,
    [], {}, [1, 2, 3], {"dist": "lognormal", "mean": 1e-300, "sd": 1e300},
    {"dist": "normal", "mean": 0, "sd": 0}, {"dist": "empirical", "values": []},
    {"batch": 1000, "every": "1s"}, {"batch": 10**12}, {"interarrival": "0s"},
    {"rate": "1e12/h"}, {"choices": {}}, {"choices": {"a": -1}},
]


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _containers(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, container) for every dict and list in ``data``."""
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from _containers(value, (*path, key))
    elif isinstance(data, list):
        yield path, data
        for i, value in enumerate(data):
            yield from _containers(value, (*path, i))


def _replace_value(data: Any, rng: random.Random) -> None:
    containers = [c for _p, c in _containers(data) if c]
    target = rng.choice(containers)
    key = rng.choice(list(target)) if isinstance(target, dict) else rng.randrange(len(target))
    target[key] = copy.deepcopy(rng.choice(HOSTILE)) if rng.random() < 0.9 else _nested(500)


def _delete(data: Any, rng: random.Random) -> None:
    containers = [c for _p, c in _containers(data) if c]
    target = rng.choice(containers)
    if isinstance(target, dict):
        del target[rng.choice(list(target))]
    else:
        del target[rng.randrange(len(target))]


def _add_key(data: Any, rng: random.Random) -> None:
    dicts = [c for _p, c in _containers(data) if isinstance(c, dict)]
    target = rng.choice(dicts)
    key = rng.choice(["staff", "batch", "every", "max_visits", "set", "when", "probability",
                      "duration", "horizon", "\ud800", "x" * 300, "kind", "default", "lane"])
    target[key] = copy.deepcopy(rng.choice(HOSTILE))


def _duplicate(data: Any, rng: random.Random) -> None:
    lists = [c for _p, c in _containers(data) if isinstance(c, list) and c]
    target = rng.choice(lists)
    item = copy.deepcopy(rng.choice(target))
    target.extend([item] * rng.choice([1, 2, 50]))


def _zero_time_cycle(data: dict, rng: random.Random) -> None:
    """Send a branch of a decision back to an earlier node, or make a step take no time."""
    nodes = data.get("nodes") or []
    if not isinstance(nodes, list) or not nodes:
        return
    node = rng.choice(nodes)
    if isinstance(node, dict) and node.get("kind") in ("task", "delay"):
        node["duration"] = "0h"
    edges = data.get("edges")
    if isinstance(edges, list) and edges:
        edge = rng.choice(edges)
        other = rng.choice(nodes)
        if isinstance(edge, dict) and isinstance(other, dict):
            edge["to"] = other.get("id")


def _growth(data: dict, rng: random.Random) -> None:
    """Give a task or delay a `set` that grows without bound, on an attribute of its own."""
    nodes = [n for n in data.get("nodes") or [] if isinstance(n, dict)
             and n.get("kind") in ("task", "delay")]
    if not nodes or not isinstance(data.get("attributes", {}), dict):
        return
    name, start, expression = rng.choice([("big", 2, "big * big"), ("tag", "ab", "tag + tag"),
                                          ("n", 1, "n * 1e8 / 0.001")])
    data.setdefault("attributes", {})[name] = start
    rng.choice(nodes)["set"] = {name: expression}


def _volume(data: dict, rng: random.Random) -> None:
    nodes = [n for n in data.get("nodes") or [] if isinstance(n, dict)
             and n.get("kind") == "source"]
    if nodes:
        rng.choice(nodes)["arrivals"] = copy.deepcopy(rng.choice(
            [{"batch": 1000, "every": "1s"}, {"rate": "100000/h"}, {"batch": 99_999},
             {"interarrival": "0.001s"}, {"rate": "40/day"}, {"batch": 5, "every": "1h"}]))
    lanes = [lane for lane in data.get("lanes") or [] if isinstance(lane, dict)]
    if lanes and rng.random() < 0.5:
        rng.choice(lanes)["staff"] = rng.choice([10**18, 2**64, 10_000, 0, None, 1])


MUTATIONS: list[Callable[[Any, random.Random], None]] = [
    _replace_value, _replace_value, _replace_value, _delete, _add_key, _duplicate,
    _zero_time_cycle, _growth, _volume,
]
#: mutations that keep the file readable and change what it means
SEMANTIC: list[Callable[[Any, random.Random], None]] = [_zero_time_cycle, _growth, _volume]


def mutate(data: dict, rng: random.Random) -> dict:
    """``data`` changed by one to three random mutations (``data`` itself is not changed)."""
    out = copy.deepcopy(data)
    for _ in range(rng.choice([1, 1, 2, 3])):
        # a mutation that does not apply to this shape of data leaves it as it is
        with contextlib.suppress(IndexError, ValueError, TypeError, AttributeError, KeyError):
            rng.choice(MUTATIONS if rng.random() < 0.6 else SEMANTIC)(out, rng)
    return out


def _template_data() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in TEMPLATES]


def lane_json_case(seed: int) -> bytes:
    """The bytes of the ``seed``-th mutated .lane.json file (templates in turn)."""
    rng = random.Random(seed)
    data = _template_data()[seed % len(TEMPLATES)]
    text = json.dumps(mutate(data, rng), ensure_ascii=rng.random() < 0.5)
    raw = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.05:  # broken bytes: cut short, or a stray byte
        cut = rng.randrange(len(raw))
        raw = raw[:cut] if rng.random() < 0.5 else raw[:cut] + b"\xff" + raw[cut:]
    return raw


# --- BPMN ------------------------------------------------------------------------------------

_BPMN_TEXT: dict[int, str] = {}


def _bpmn_of(index: int) -> str:
    if index not in _BPMN_TEXT:
        from laneforge.io import export_bpmn, load_process

        _BPMN_TEXT[index] = export_bpmn(load_process(TEMPLATES[index]))
    return _BPMN_TEXT[index]


_XML_HOSTILE = ["\u202eevil", "x" * 20_000, "", "0", "-1", "1e300", "PT0S", "P99999999D",
                "not a ref", "big * big", "&#xD800;", "\ufffe", "<", "{\"id\": 1}"]


def _mutate_xml(text: str, rng: random.Random) -> str:
    root = ET.fromstring(text)
    elements = list(root.iter())
    for _ in range(rng.choice([1, 2, 3])):
        element = rng.choice(elements)
        move = rng.random()
        if move < 0.35 and element.attrib:
            key = rng.choice(list(element.attrib))
            element.set(key, rng.choice([*_XML_HOSTILE, element.get(key, "") * 2]))
        elif move < 0.55:
            element.text = rng.choice(_XML_HOSTILE)
        elif move < 0.75:
            for parent in root.iter():
                if element in list(parent):
                    parent.remove(element)
                    break
        elif move < 0.9:
            for parent in root.iter():
                if element in list(parent):
                    for _copy in range(rng.choice([1, 2, 30])):
                        parent.append(copy.deepcopy(element))
                    break
        else:
            inner = element
            for _level in range(rng.choice([50, 400])):
                child = ET.SubElement(inner, element.tag)
                inner = child
    return ET.tostring(root, encoding="unicode")


def bpmn_case(seed: int) -> bytes:
    """The bytes of the ``seed``-th mutated BPMN export of a template."""
    rng = random.Random(seed)
    text = _mutate_xml(_bpmn_of(seed % len(TEMPLATES)), rng)
    raw = text.encode("utf-8")
    roll = rng.random()
    if roll < 0.04:
        raw = raw[: rng.randrange(len(raw))]
    elif roll < 0.07:  # an entity bomb in the prolog
        raw = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
               b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + raw.split(b"?>", 1)[-1])
    return raw


# --- the check -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How one case ended: ``refused`` (one message at load), ``invalid`` (validation listed
    errors), ``stopped`` (a laneforge error at run time), ``simulated``; ``message`` is the
    line a user would read."""

    kind: str
    message: str = ""


#: a generous guard against a hang (a normal case takes well under a second)
HANG_SECONDS = 60.0


def check_case(raw: bytes, *, bpmn: bool = False, hang_seconds: float = HANG_SECONDS) -> Outcome:
    """Load (or import), validate and, if valid, simulate 5 days with one replication.

    Raises whatever is not a laneforge error (the fuzzer's finding); a run still going
    after ``hang_seconds`` is cancelled and raises TimeoutError."""
    import laneforge
    from laneforge.io import import_bpmn, loads
    from laneforge.model import errors
    from laneforge.sim import Cancelled

    try:
        process = import_bpmn(raw)[0] if bpmn else loads(raw, "case.lane.json")
    except laneforge.ProcessFileError as exc:
        return Outcome("refused", _one_line(str(exc)))
    problems = errors(laneforge.validate(process))
    if problems:
        return Outcome("invalid", str(problems[0]))
    cancel = threading.Event()
    timer = threading.Timer(hang_seconds, cancel.set)
    timer.start()
    try:
        laneforge.simulate(process, horizon="5d", warmup="0h", replications=1, jobs=1,
                           cancel=cancel)
    except (laneforge.ValidationError, laneforge.SimulationError) as exc:
        return Outcome("stopped", _one_line(str(exc)))
    except Cancelled:
        raise TimeoutError(f"still running after {hang_seconds:g} s") from None
    finally:
        timer.cancel()
    return Outcome("simulated")


def _one_line(message: str) -> str:
    if not message or "\n" in message:
        raise AssertionError(f"not one line: {message!r}")
    return message
