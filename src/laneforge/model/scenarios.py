"""What-if scenarios: a scenario's changes applied to a copy of the process.

Besides plain paths (``lanes.inside_sales.staff``) two scale paths are understood:
``arrivals.scale`` multiplies the volume of every source, ``nodes.<id>.arrivals.scale``
that of one source (rates and batch sizes grow, interarrival times shrink).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .paths import MISSING, PathError, get_value, set_value, split_path
from .units import Duration, Rate

if TYPE_CHECKING:
    from .process import Process, Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be applied; names the scenario and the path."""

    def __init__(self, scenario: str, path: str | None, message: str) -> None:
        where = f"scenario {scenario!r}" + (f", change {path!r}" if path else "")
        super().__init__(f"{where}: {message}")
        self.scenario = scenario
        self.path = path
        self.message = message


@lru_cache(maxsize=1)
def known_keys() -> frozenset[str]:
    """Every field name (as written in files) of every model class in the format."""
    from . import attributes, calendar, distributions, nodes, process, touches

    keys: set[str] = set()
    classes: list[type[BaseModel]] = [
        process.Process, process.Lane, process.Edge, process.Decay, process.SLA,
        process.Scenario, process.SimulationSettings, calendar.Calendar, attributes.Choices,
        touches.Touch, touches.Engagement,
        nodes.RateArrivals, nodes.IntervalArrivals, nodes.BatchArrivals,
        *nodes.NODE_CLASSES.values(),
        *distributions.DURATION_DISTS.values(),
    ]
    for cls in classes:
        for name, info in cls.model_fields.items():
            keys.add(info.alias or name)
    return frozenset(keys)


#: top-level sections a file may leave out when they hold only defaults
_SECTIONS: dict[str, type] = {
    "simulation": dict, "calendars": dict, "stages": list, "attributes": dict,
    "slas": list, "scenarios": list,
}


def editable_data(process: Process) -> dict[str, Any]:
    """The process's JSON data with every section present, so paths into defaults resolve.

    ``to_data`` leaves out sections that hold only defaults; without them a change such as
    ``simulation.horizon`` on a process with default settings would be an unknown path.
    """
    data = process.to_data()
    for key, empty in _SECTIONS.items():
        data.setdefault(key, empty())
    return data


def _scale_arrivals(arrivals: Any, factor: float) -> Any:
    """Arrivals JSON scaled by ``factor`` (volume), in the units they were written in."""
    if isinstance(arrivals, list):
        return [_scale_arrivals(item, factor) for item in arrivals]
    if not isinstance(arrivals, dict):
        return arrivals
    scaled = dict(arrivals)
    if "rate" in scaled:
        scaled["rate"] = Rate.parse(scaled["rate"]).scaled(factor).raw
    elif "batch" in scaled:
        scaled["batch"] = max(1, round(int(scaled["batch"]) * factor))
    elif "interarrival" in scaled:
        scaled["interarrival"] = _scale_duration_dist(scaled["interarrival"], 1.0 / factor)
    return scaled


def _scale_duration_dist(value: Any, factor: float) -> Any:
    if isinstance(value, dict):
        out = dict(value)
        for key in ("mean", "sd", "min", "mode", "max"):
            if key in out:
                out[key] = Duration.parse(out[key]).hours * factor
        if "values" in out:
            out["values"] = [Duration.parse(v).hours * factor for v in out["values"]]
        return out
    return Duration.parse(value).hours * factor


def _check_factor(scenario: str, path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(scenario, path, f"a scale must be a number, got {value!r}")
    if value <= 0:
        raise ScenarioError(scenario, path, f"a scale must be greater than 0, got {value!r}")
    return float(value)


def apply_changes(
    process: Process, changes: dict[str, Any], *, name: str = "changes"
) -> Process:
    """A new process with ``changes`` applied; the original is untouched."""
    from .process import Process as ProcessClass

    data = editable_data(process)
    for path, value in changes.items():
        try:
            parts = split_path(path)
        except PathError as exc:
            raise ScenarioError(name, path, str(exc)) from None
        try:
            if parts == ["arrivals", "scale"]:
                factor = _check_factor(name, path, value)
                for node in data["nodes"]:
                    if node.get("kind") == "source" and "arrivals" in node:
                        node["arrivals"] = _scale_arrivals(node["arrivals"], factor)
            elif len(parts) == 4 and parts[0] == "nodes" and parts[2:] == ["arrivals", "scale"]:
                factor = _check_factor(name, path, value)
                node = get_value(data, f"nodes.{parts[1]}")
                if node.get("kind") != "source" or "arrivals" not in node:
                    raise ScenarioError(
                        name, path, f"node {parts[1]!r} is not a source with arrivals"
                    )
                node["arrivals"] = _scale_arrivals(node["arrivals"], factor)
            else:
                if len(parts) == 3 and parts[0] in ("nodes", "lanes", "slas") and parts[2] == "id":
                    raise ScenarioError(name, path, "a scenario cannot change ids")
                set_value(data, path, value, new_keys=known_keys())
        except PathError as exc:
            raise ScenarioError(name, path, f"unknown path: {exc}") from None
    try:
        changed = ProcessClass.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("<"))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ScenarioError(
            name, None, f"the changed process is invalid at {loc}: {message}"
        ) from None
    _check_no_misplaced(changed, changes, name)
    return changed


def _check_no_misplaced(process: Process, changes: dict[str, Any], name: str) -> None:
    """A known key set on an object that does not have it (``staff`` on an end) is an error."""
    for path in changes:
        parts = split_path(path)
        if len(parts) != 3 or parts[0] not in ("nodes", "lanes", "slas"):
            continue
        getter = {"nodes": process.node, "lanes": process.lane, "slas": process.sla}[parts[0]]
        item = getter(parts[1])
        if parts[2] in (item.model_extra or {}):
            what = getattr(item, "kind", parts[0].rstrip("s"))
            raise ScenarioError(name, path, f"a {what} has no field {parts[2]!r}")


def apply_scenario(process: Process, scenario: Scenario | str | None) -> Process:
    """The process as the scenario has it; ``None`` gives an unchanged copy."""
    if scenario is None:
        return process.detached_copy()
    if isinstance(scenario, str):
        try:
            scenario = process.scenario(scenario)
        except KeyError as exc:
            raise ScenarioError(scenario, None, str(exc.args[0]).split(" (")[0] + " in the process"
                                + _known(process)) from None
    return apply_changes(process, scenario.changes, name=scenario.name)


def _known(process: Process) -> str:
    names = ", ".join(repr(s.name) for s in process.scenarios)
    return f" (scenarios: {names})" if names else " (it has no scenarios)"


def base_value(process: Process, path: str) -> Any:
    """The value a change path has in the base process (MISSING when it has none)."""
    parts = split_path(path)
    if parts == ["arrivals", "scale"] or parts[-2:] == ["arrivals", "scale"]:
        return 1
    try:
        return get_value(process.to_data(), path)
    except PathError:
        return MISSING
