"""Scenario changes as a reader sees them: labels, shown and typed values, the kinds to add."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...model import (
    MISSING,
    Process,
    Rate,
    ScenarioError,
    apply_changes,
    base_value,
    describe_hours,
    errors,
    validate,
)
from ..properties.base import format_number, parse_number
from ..properties.distribution import convert, parse_duration_text, validate_dist

#: words for the field part of a path ("arrivals.rate" -> "arrival rate")
FIELD_WORDS = {
    "staff": "staff", "arrivals.scale": "volume ×", "arrivals.rate": "arrival rate",
    "duration": "duration", "duration.mean": "mean duration", "probability": "probability",
    "within": "within", "target": "target", "priority": "priority", "when": "condition",
    "cost_per_hour": "cost per hour", "people": "people needed", "cost": "cost per lead",
}


@dataclass(frozen=True)
class Entry:
    """One item of the "Add change" menu: what it says and the path it adds."""

    text: str
    path: str


@dataclass(frozen=True)
class Section:
    """A change kind of the "Add change" menu with its items (a lane, a source, an SLA…)."""

    title: str
    entries: tuple[Entry, ...]


def value_kind(path: str) -> str:
    """How a path's value is shown and typed (staff, scale, rate, duration, share…)."""
    parts = path.split(".")
    head, tail = parts[0], ".".join(parts[2:])
    if path == "arrivals.scale" or (head == "nodes" and tail == "arrivals.scale"):
        return "scale"
    kinds = {("lanes", "staff"): "staff", ("nodes", "arrivals.rate"): "rate",
             ("nodes", "duration"): "duration", ("nodes", "duration.mean"): "duration",
             ("edges", "probability"): "probability", ("slas", "within"): "duration",
             ("slas", "target"): "share"}
    return kinds.get((head, tail), "other")


def _node_label(process: Process, node_id: str) -> str:
    try:
        return process.node(node_id).label
    except KeyError:
        return node_id


def subject_label(process: Process, path: str) -> str:
    """What a path is about: "Inside Sales (SDR)", "MQL? → Assign to SDR", "All sources"."""
    parts = path.split(".")
    if path == "arrivals.scale":
        return "All sources"
    if len(parts) < 3:
        return path
    head, key = parts[0], parts[1]
    if head == "nodes":
        return _node_label(process, key)
    if head == "lanes":
        return process.lane(key).label if process.has_lane(key) else key
    if head == "slas":
        label = next((s.label for s in process.slas if s.id == key), key)
        return f"SLA {label}"
    if head == "edges" and "->" in key:
        source, _, target = key.partition("->")
        return f"{_node_label(process, source.strip())} → {_node_label(process, target.strip())}"
    return ".".join(parts[:2])


def change_label(process: Process, path: str) -> str:
    """A readable row title: "Inside Sales (SDR) · staff", "First call · mean duration"."""
    if path == "arrivals.scale":
        return "All sources · volume ×"
    parts = path.split(".")
    if len(parts) < 3:
        return path
    tail = ".".join(parts[2:])
    field = FIELD_WORDS.get(tail, tail.replace(".", " ").replace("_", " "))
    if (parts[0], tail) == ("nodes", "duration") and isinstance(base_value(process, path), dict):
        field = "fixed duration"  # replaces a distribution by one value
    return f"{subject_label(process, path)} · {field}"


def describe_dist(value: dict[str, Any]) -> str:
    """A duration distribution in a few words: "triangular 15m · 25m · 40m (mean 26 min)"."""
    name = str(value.get("dist", "distribution"))
    if "mean" in value:
        text = f"{name}, mean {value['mean']}"
        return text + (f", sd {value['sd']}" if "sd" in value else "")
    params = [str(value[k]) for k in ("min", "mode", "max") if k in value]
    dist, message = validate_dist(value)
    mean = "" if message else f" (mean {describe_hours(float(dist.mean))})"
    return f"{name} {' · '.join(params)}{mean}" if params else f"{name}{mean}"


def short_dist(value: dict[str, Any]) -> str:
    """A distribution in a table cell: "triangular, mean 27 min"."""
    dist, message = validate_dist(value)
    name = str(value.get("dist", "distribution"))
    return name if message else f"{name}, mean {describe_hours(float(dist.mean))}"


def show_value(kind: str, value: Any) -> str:
    """A value as shown in the table (also the text an editor starts with)."""
    if value is MISSING:
        return "—"
    if kind == "staff":
        return "no limit" if value is None else format_number(value)
    if kind == "scale":
        return f"×{format_number(value)}" if isinstance(value, int | float) else str(value)
    if kind == "share" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{format_number(round(value * 100, 4))} %"
    if kind == "duration" and isinstance(value, dict):
        return short_dist(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return format_number(value) + ("h" if kind == "duration" else "/h" if kind == "rate"
                                       else "")
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _number(text: str, wanted: str) -> int | float:
    try:
        return parse_number(text)
    except ValueError:
        raise ValueError(f"write {wanted}") from None


def _fraction(text: str, wanted: str) -> float:
    """ "45 %" -> 0.45, "0.45" -> 0.45; a bare number above 1 is refused (percent or share?)."""
    text = text.strip()
    if text.endswith("%"):
        value = _number(text[:-1], wanted) / 100
        return int(value) if float(value).is_integer() else round(value, 6)
    value = _number(text, wanted)
    if not 0 <= value <= 1:
        raise ValueError(f"{format_number(value)} is not between 0 and 1; write {wanted}")
    return value


def parse_typed(kind: str, text: str) -> Any:
    """The file value for ``text`` typed in a change's cell; raises ValueError with advice."""
    text = text.strip()
    if not text:
        raise ValueError("enter a value")
    if kind == "staff":
        if text.lower() in ("no limit", "unlimited", "none", "∞"):
            return None
        value = _number(text, "a whole number of people, such as 8")
        if not isinstance(value, int):
            raise ValueError("staff is a whole number of people, such as 8")
        if value < 0:
            raise ValueError("staff cannot be negative")
        return value
    if kind == "scale":
        value = _number(text.strip("×xX* "), "a factor such as 1.5 (50 % more leads)")
        if value <= 0:
            raise ValueError("a volume factor must be greater than 0, such as 0.8 or 1.5")
        return value
    if kind == "rate":
        try:
            float(text)
        except ValueError:
            Rate.parse(text)  # its message names the period it cannot read
            return text
        raise ValueError("write a rate with its period, such as 40/day or 200/week")
    if kind == "duration":
        return parse_duration_text(text)
    if kind == "probability":
        return _fraction(text, "a probability such as 0.45 or 45 %")
    if kind == "share":
        return _fraction(text, "a share such as 95 % or 0.95")
    try:
        return json.loads(text)
    except ValueError:
        return text


def check_changes(process: Process, changes: dict[str, Any], name: str) -> str | None:
    """Why these changes cannot apply to the process (the model's words), or None."""
    try:
        apply_changes(process, changes, name=name)
    except ScenarioError as exc:
        message = exc.message
        if "invalid at " in message:
            message = message.split(": ", 1)[-1]
        return message[:1].upper() + message[1:]
    return None


def new_errors(process: Process, changes: dict[str, Any], name: str) -> list[str]:
    """Problems the changes bring in that stop a run (probabilities no longer adding up)."""
    try:
        changed = apply_changes(process, changes, name=name)
    except ScenarioError:
        return []
    before = {p.message for p in errors(validate(process))}
    return [p.message for p in errors(validate(changed)) if p.message not in before]


def initial_value(process: Process, path: str) -> Any:
    """What a newly added change starts at: the base value, or a value that makes sense."""
    base = base_value(process, path)
    kind = value_kind(path)
    if kind == "duration" and isinstance(base, dict):
        return convert(base, "fixed")  # the distribution's mean as a fixed time
    if base is MISSING:
        return {"share": 0.9, "scale": 1, "probability": 0.5}.get(kind, 0)
    return base


def branch_siblings(process: Process, path: str) -> list[str]:
    """The other probability paths out of the same decision, for a two-way branch; else []."""
    parts = path.split(".")
    if len(parts) != 3 or parts[0] != "edges" or parts[2] != "probability":
        return []
    source = parts[1].partition("->")[0].strip()
    out = [e for e in process.outgoing(source) if e.probability is not None]
    if len(out) != 2 or len(process.outgoing(source)) != 2:
        return []
    return [f"edges.{e.source}->{e.target}.probability" for e in out
            if f"edges.{e.source}->{e.target}.probability" != path]


def add_menu(process: Process) -> list[Section]:
    """The change kinds and, for each, what it can apply to in this process."""
    lanes = tuple(Entry(lane.label, f"lanes.{lane.id}.staff") for lane in process.lanes)
    sources = [n for n in process.sources() if n.arrivals is not None]
    volume = (Entry("All sources", "arrivals.scale"),
              *(Entry(n.label, f"nodes.{n.id}.arrivals.scale") for n in sources))
    rates = tuple(Entry(n.label, f"nodes.{n.id}.arrivals.rate") for n in sources
                  if isinstance(process.edit.get_value(f"nodes.{n.id}.arrivals"), dict)
                  and "rate" in process.edit.get_value(f"nodes.{n.id}.arrivals"))
    durations = []
    for node in process.nodes:
        if node.kind not in ("task", "delay"):
            continue
        value = process.edit.get_value(f"nodes.{node.id}.duration")
        if value is MISSING or value is None:
            continue
        mean = isinstance(value, dict) and "mean" in value
        durations.append(Entry(node.label, f"nodes.{node.id}.duration" + (".mean" if mean
                                                                          else "")))
    branches = tuple(
        Entry(f"{_node_label(process, e.source)} → {_node_label(process, e.target)}"
              + (f" ({e.label})" if e.label else ""), f"edges.{e.source}->{e.target}.probability")
        for e in process.edges if e.probability is not None)
    return [
        Section("Lane staff", lanes),
        Section("Source volume ×scale", volume),
        Section("Source arrival rate", rates),
        Section("Task duration", tuple(durations)),
        Section("Branch probability", branches),
        Section("SLA time limit", tuple(Entry(s.label, f"slas.{s.id}.within")
                                        for s in process.slas)),
        Section("SLA target", tuple(Entry(s.label, f"slas.{s.id}.target")
                                    for s in process.slas)),
    ]
