"""Mutators of a Process for the editor: every edit keeps ids unique and references resolved.

Each mutator validates its input before touching anything, changes the model, drops the
cached graph and announces a :class:`Change`. Mutators that remove something return what
is needed to put it back exactly (the editor's undo commands rely on that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from .events import Change
from .paths import MISSING, PathError, split_path
from .paths import set_value as _set_path
from .types import is_identifier, tidy_number

if TYPE_CHECKING:
    from .nodes import NodeBase
    from .process import SLA, Edge, Lane, Process


@dataclass
class RemovedNode:
    """Everything remove_node took away, in the order needed to restore it."""

    index: int
    node: NodeBase
    edges: list[tuple[int, Edge]] = field(default_factory=list)
    slas: list[tuple[int, SLA]] = field(default_factory=list)
    decays: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    #: (scenario name, its changes before the node's paths were taken out)
    scenarios: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _path_names_node(path: str, node_id: str) -> bool:
    """Whether a change path addresses the node or one of its edges."""
    parts = path.split(".")
    if len(parts) < 2:
        return False
    if parts[0] == "nodes":
        return parts[1].strip() == node_id
    if parts[0] == "edges":
        source, arrow, target = parts[1].partition("->")
        return bool(arrow) and node_id in (source.strip(), target.strip())
    return False


def slug(text: str) -> str:
    """The id a name suggests: "First call" -> "first_call"."""
    stem = re.sub(r"[^A-Za-z0-9_\-]+", "_", text.strip().lower()).strip("_-") or "item"
    return stem if is_identifier(stem) else f"n_{stem}"


def follows_name(item_id: str, *names: str) -> bool:
    """Whether an id was made from one of ``names`` (with or without a "_2" suffix)."""
    for name in names:
        stem = slug(name)
        if item_id == stem or re.fullmatch(re.escape(stem) + r"_\d+", item_id):
            return True
    return False


class ProcessEditor:
    """The edits of one :class:`~laneforge.model.process.Process`, reached as ``process.edit``.

    The process holds the data and answers questions about it; the editor changes it, and
    after each change the process announces a :class:`Change` to its listeners. Keeping
    the two apart keeps every way of changing a process in this one class.
    """

    def __init__(self, process: Process) -> None:
        self.process = process

    # --- plumbing ------------------------------------------------------------------------
    def _announce(self, kind: str, key: Any = None, detail: Any = None) -> None:
        self.process.announce(Change(kind, key, detail))

    def unique_id(self, base: str, taken: set[str] | None = None) -> str:
        """``base`` made into a valid id not used by any node, lane or SLA."""
        stem = slug(base)
        used = taken if taken is not None else (
            {n.id for n in self.process.nodes} | {ln.id for ln in self.process.lanes}
            | {s.id for s in self.process.slas}
        )
        if stem not in used:
            return stem
        number = 2
        while f"{stem}_{number}" in used:
            number += 1
        return f"{stem}_{number}"

    # --- nodes ---------------------------------------------------------------------------
    def add_node(self, node: NodeBase, index: int | None = None) -> NodeBase:
        if self.process.has_node(node.id):
            raise ValueError(f"there is already a node {node.id!r}")
        if not self.process.has_lane(node.lane):
            raise ValueError(f"no lane {node.lane!r} for node {node.id!r}")
        self.process.nodes.insert(len(self.process.nodes) if index is None else index, node)
        self._announce("node_added", node.id)
        return node

    def remove_node(self, node_id: str) -> RemovedNode:
        """Remove a node with its edges, the SLAs that point at it and its scenario changes."""
        index = self.process.node_index(node_id)
        record = RemovedNode(index=index, node=self.process.nodes[index])
        for edge_index in reversed(range(len(self.process.edges))):
            edge = self.process.edges[edge_index]
            if node_id in (edge.source, edge.target):
                record.edges.insert(0, (edge_index, self.process.edges.pop(edge_index)))
                self._announce("edge_removed", edge.key)
        for sla_index in reversed(range(len(self.process.slas))):
            sla = self.process.slas[sla_index]
            if node_id in (sla.source, sla.target):
                record.slas.insert(0, (sla_index, self.process.slas.pop(sla_index)))
                self._announce("sla_removed", sla.id)
        for edge in self.process.edges:
            if edge.decay is not None and edge.decay.since == node_id:
                record.decays.append((edge.key, node_id))
                edge.decay.since = None
                self._announce("edge_changed", edge.key)
        for scenario in self.process.scenarios:
            kept = {p: v for p, v in scenario.changes.items() if not _path_names_node(p, node_id)}
            if len(kept) != len(scenario.changes):
                record.scenarios.append((scenario.name, scenario.changes))
                scenario.changes = kept
                self._announce("scenario_changed", scenario.name)
        del self.process.nodes[index]
        self._announce("node_removed", node_id)
        return record

    def restore_node(self, record: RemovedNode) -> None:
        """Undo :meth:`remove_node` exactly."""
        self.process.nodes.insert(record.index, record.node)
        self._announce("node_added", record.node.id)
        for edge_index, edge in record.edges:
            self.process.edges.insert(edge_index, edge)
            self._announce("edge_added", edge.key)
        for sla_index, sla in record.slas:
            self.process.slas.insert(sla_index, sla)
            self._announce("sla_added", sla.id)
        for key, since in record.decays:
            edge = self.process.edge(*key)
            assert edge.decay is not None
            edge.decay.since = since
            self._announce("edge_changed", key)
        for name, changes in record.scenarios:
            self.process.scenario(name).changes = changes
            self._announce("scenario_changed", name)

    def move_node(
        self, node_id: str, pos: tuple[float, float], lane: str | None = None
    ) -> tuple[tuple[float, float] | None, str]:
        """Move a node (and optionally into another lane); returns the old (pos, lane)."""
        index = self.process.node_index(node_id)
        node = self.process.nodes[index]
        if lane is not None and not self.process.has_lane(lane):
            raise ValueError(f"no lane {lane!r}")
        old = (node.pos, node.lane)
        update: dict[str, Any] = {"pos": (tidy_number(pos[0]), tidy_number(pos[1]))}
        if lane is not None:
            update["lane"] = lane
        self.process.nodes[index] = node.model_copy(update=update)
        self._announce("node_changed", node_id, "pos")
        return old

    def rename_node(self, old_id: str, new_id: str) -> None:
        """Change a node's id and every reference to it (edges, SLAs, decays, scenarios)."""
        if old_id == new_id:
            return
        if not is_identifier(new_id):
            raise ValueError(f"{new_id!r} is not a valid id")
        if self.process.has_node(new_id):
            raise ValueError(f"there is already a node {new_id!r}")
        # objects are replaced by renamed copies, never changed in place: undo commands
        # hold on to the objects they added or removed and must find them as they were
        index = self.process.node_index(old_id)
        self.process.nodes[index] = self.process.nodes[index].model_copy(update={"id": new_id})
        for i, edge in enumerate(self.process.edges):
            update: dict[str, Any] = {}
            if edge.source == old_id:
                update["source"] = new_id
            if edge.target == old_id:
                update["target"] = new_id
            if edge.decay is not None and edge.decay.since == old_id:
                update["decay"] = edge.decay.model_copy(update={"since": new_id})
            if update:
                self.process.edges[i] = edge.model_copy(update=update)
        for i, sla in enumerate(self.process.slas):
            update = {}
            if sla.source == old_id:
                update["source"] = new_id
            if sla.target == old_id:
                update["target"] = new_id
            if update:
                self.process.slas[i] = sla.model_copy(update=update)
        self._rename_in_scenarios("nodes", old_id, new_id)
        self._rename_in_edge_paths(old_id, new_id)
        self._announce("node_renamed", new_id, old_id)

    def _rename_in_scenarios(self, collection: str, old: str, new: str) -> None:
        prefix = f"{collection}.{old}."
        for scenario in self.process.scenarios:
            scenario.changes = {
                (f"{collection}.{new}." + path[len(prefix):] if path.startswith(prefix) else path):
                value
                for path, value in scenario.changes.items()
            }

    def _rename_in_edge_paths(self, old: str, new: str) -> None:
        def fix(path: str) -> str:
            if not path.startswith("edges."):
                return path
            parts = split_path(path)
            source, arrow, target = parts[1].partition("->")
            if not arrow:
                return path
            source = new if source.strip() == old else source
            target = new if target.strip() == old else target
            return ".".join(["edges", f"{source}->{target}", *parts[2:]])

        for scenario in self.process.scenarios:
            scenario.changes = {fix(p): v for p, v in scenario.changes.items()}

    # --- edges ---------------------------------------------------------------------------
    def add_edge(self, edge: Edge, index: int | None = None) -> Edge:
        for end in (edge.source, edge.target):
            if not self.process.has_node(end):
                raise ValueError(f"no node {end!r}")
        if any(e.key == edge.key for e in self.process.edges):
            raise ValueError(f"there is already an edge {edge.describe()}")
        self.process.edges.insert(len(self.process.edges) if index is None else index, edge)
        self._announce("edge_added", edge.key)
        return edge

    def remove_edge(self, source: str, target: str) -> tuple[int, Edge]:
        index = self.process.edge_index(source, target)
        edge = self.process.edges.pop(index)
        self._announce("edge_removed", edge.key)
        return index, edge

    # --- lanes ---------------------------------------------------------------------------
    def add_lane(self, lane: Lane, index: int | None = None) -> Lane:
        if self.process.has_lane(lane.id):
            raise ValueError(f"there is already a lane {lane.id!r}")
        if lane.calendar is not None and lane.calendar not in self.process.calendars:
            raise ValueError(f"no calendar {lane.calendar!r}")
        self.process.lanes.insert(len(self.process.lanes) if index is None else index, lane)
        self._announce("lane_added", lane.id)
        return lane

    def remove_lane(self, lane_id: str) -> tuple[int, Lane]:
        """Remove an empty lane (move or remove its nodes first)."""
        index = self.process.lane_index(lane_id)
        if self.process.nodes_in_lane(lane_id):
            raise ValueError(f"lane {lane_id!r} still holds nodes")
        lane = self.process.lanes.pop(index)
        self._announce("lane_removed", lane_id)
        return index, lane

    def rename_lane(self, old_id: str, new_id: str) -> None:
        """Change a lane's id and every reference to it (nodes, scenarios)."""
        if old_id == new_id:
            return
        if not is_identifier(new_id):
            raise ValueError(f"{new_id!r} is not a valid id")
        if self.process.has_lane(new_id):
            raise ValueError(f"there is already a lane {new_id!r}")
        index = self.process.lane_index(old_id)
        self.process.lanes[index] = self.process.lanes[index].model_copy(update={"id": new_id})
        for i, node in enumerate(self.process.nodes):
            if node.lane == old_id:
                self.process.nodes[i] = node.model_copy(update={"lane": new_id})
        self._rename_in_scenarios("lanes", old_id, new_id)
        self._announce("lane_renamed", new_id, old_id)

    def move_lane(self, lane_id: str, index: int) -> int:
        """Put a lane at ``index`` (0 = top); returns its old index."""
        old = self.process.lane_index(lane_id)
        if not 0 <= index < len(self.process.lanes):
            raise ValueError(f"lane position {index} is out of range")
        lane = self.process.lanes.pop(old)
        self.process.lanes.insert(index, lane)
        self._announce("lanes_reordered", lane_id, old)
        return old

    # --- phases --------------------------------------------------------------------------
    def rename_phase(self, old_id: str, new_id: str) -> None:
        """Change a phase's id and the phase of every node in it."""
        if old_id == new_id:
            return
        if not is_identifier(new_id):
            raise ValueError(f"{new_id!r} is not a valid id")
        ids = [phase.id for phase in self.process.phases]
        if old_id not in ids:
            raise KeyError(f"no phase {old_id!r}")
        if new_id in ids:
            raise ValueError(f"there is already a phase {new_id!r}")
        index = ids.index(old_id)
        self.process.phases[index] = self.process.phases[index].model_copy(update={"id": new_id})
        for i, node in enumerate(self.process.nodes):
            if node.phase == old_id:
                self.process.nodes[i] = node.model_copy(update={"phase": new_id})
        self._announce("process_changed", "phases", old_id)

    # --- SLAs and scenarios --------------------------------------------------------------
    def add_sla(self, sla: SLA, index: int | None = None) -> SLA:
        if any(s.id == sla.id for s in self.process.slas):
            raise ValueError(f"there is already an SLA {sla.id!r}")
        for end in (sla.source, sla.target):
            if not self.process.has_node(end):
                raise ValueError(f"no node {end!r}")
        self.process.slas.insert(len(self.process.slas) if index is None else index, sla)
        self._announce("sla_added", sla.id)
        return sla

    def rename_sla(self, old_id: str, new_id: str) -> None:
        """Change an SLA's id; scenario changes that point at it (``slas.<id>.…``) follow."""
        if old_id == new_id:
            return
        if not is_identifier(new_id):
            raise ValueError(f"{new_id!r} is not a valid id")
        if any(s.id == new_id for s in self.process.slas):
            raise ValueError(f"there is already an SLA {new_id!r}")
        self.process.sla(old_id)  # KeyError if there is none
        index = next(i for i, s in enumerate(self.process.slas) if s.id == old_id)
        self.process.slas[index] = self.process.slas[index].model_copy(update={"id": new_id})
        self._rename_in_scenarios("slas", old_id, new_id)
        self._announce("sla_changed", new_id, old_id)

    def remove_sla(self, sla_id: str) -> tuple[int, SLA]:
        for index, sla in enumerate(self.process.slas):
            if sla.id == sla_id:
                del self.process.slas[index]
                self._announce("sla_removed", sla_id)
                return index, sla
        raise KeyError(f"no SLA {sla_id!r}")

    def add_scenario(self, scenario: Any, index: int | None = None) -> Any:
        if any(s.name == scenario.name for s in self.process.scenarios):
            raise ValueError(f"there is already a scenario {scenario.name!r}")
        scenarios = self.process.scenarios
        scenarios.insert(len(scenarios) if index is None else index, scenario)
        self._announce("scenario_added", scenario.name)
        return scenario

    def replace_scenario(self, name: str, scenario: Any) -> Any:
        """Put ``scenario`` where the scenario called ``name`` is (rename, new changes);
        returns the old one. Its changes must apply to this process."""
        from .scenarios import apply_scenario

        index = next((i for i, s in enumerate(self.process.scenarios) if s.name == name), None)
        if index is None:
            raise KeyError(f"no scenario {name!r}")
        if scenario.name != name and any(s.name == scenario.name for s in self.process.scenarios):
            raise ValueError(f"there is already a scenario {scenario.name!r}")
        apply_scenario(self.process, scenario)  # raises ScenarioError (a ValueError) if it cannot
        old = self.process.scenarios[index]
        self.process.scenarios[index] = scenario
        self._announce("scenario_changed", scenario.name, name)
        return old

    def remove_scenario(self, name: str) -> tuple[int, Any]:
        for index, scenario in enumerate(self.process.scenarios):
            if scenario.name == name:
                del self.process.scenarios[index]
                self._announce("scenario_removed", name)
                return index, scenario
        raise KeyError(f"no scenario {name!r}")

    # --- any property --------------------------------------------------------------------
    def get_value(self, path: str) -> Any:
        """The JSON value at ``path`` (see :mod:`laneforge.model.paths`), or MISSING.

        Only the object the path points into is serialised, so reading a node's field does
        not cost a dump of the whole process.
        """
        from .paths import get_value, walk

        try:
            parts = split_path(path)
            head = parts[0]
            if head in ("nodes", "lanes", "slas", "edges") and len(parts) >= 2:
                if head == "edges":
                    item = self.process.edges[self._edge_index_for(parts[1])]
                else:
                    process = self.process
                    getter = {"nodes": process.node, "lanes": process.lane,
                              "slas": process.sla}[head]
                    item = getter(parts[1])
                data = item.model_dump(mode="json", by_alias=True, exclude_none=True)
                return walk(data, parts[2:]) if len(parts) > 2 else data
            return get_value(self.process.to_data(), path)
        except (PathError, KeyError, ValueError):
            return MISSING

    def check_value(self, path: str, value: Any) -> str | None:
        """Why ``set_value(path, value)`` would be refused (None if it would be accepted).

        Runs the edit on a detached copy, so the process and its listeners see nothing.
        """
        try:
            self.process.detached_copy().edit.set_value(path, value)
        except (ValueError, KeyError) as exc:
            return str(exc.args[0]) if exc.args else str(exc)
        return None

    def set_value(self, path: str, value: Any) -> Any:
        """Set a property by path (MISSING removes it); returns the old value for undo.

        The changed object is re-validated as a whole, so invalid input raises ValueError
        and leaves the model untouched. Ids are changed with the rename mutators instead.
        """
        from .process import SLA, Calendar, Edge, Lane, Process
        from .scenarios import editable_data, known_keys

        parts = split_path(path)
        head = parts[0]
        if head in ("nodes", "lanes", "slas", "edges") and len(parts) >= 3:
            if parts[2] in ("id", "from", "to") and len(parts) == 3:
                raise ValueError(f"change {parts[2]!r} with the rename or connect commands")
            getters = {
                "nodes": (self.process.node_index, self.process.nodes, _NODE_ADAPTER),
                "lanes": (self.process.lane_index, self.process.lanes, TypeAdapter(Lane)),
                "slas": (lambda i: [s.id for s in self.process.slas].index(i), self.process.slas,
                         TypeAdapter(SLA)),
                "edges": (self._edge_index_for, self.process.edges, TypeAdapter(Edge)),
            }
            find, items, adapter = getters[head]
            try:
                index = find(parts[1])
            except (KeyError, ValueError):
                raise ValueError(f"no {head.rstrip('s')} {parts[1]!r}") from None
            item = items[index]
            data = item.model_dump(mode="json", by_alias=True, exclude_none=True)
            wrapper = {"x": data}
            old = _set_path(wrapper, ".".join(["x", *parts[2:]]), value, new_keys=known_keys())
            try:
                new_item = adapter.validate_python(wrapper["x"])
            except ValidationError as exc:
                raise ValueError(_first_error(exc)) from None
            extra = new_item.model_extra or {}
            if len(parts) == 3 and parts[2] in extra and parts[2] not in (item.model_extra or {}):
                raise ValueError(f"a {getattr(item, 'kind', head.rstrip('s'))} has no {parts[2]!r}")
            dangling = self._new_dangling_reference(item, new_item)
            if dangling:
                raise ValueError(dangling)
            items[index] = new_item
            kind = {"nodes": "node", "lanes": "lane", "slas": "sla", "edges": "edge"}[head]
            key = new_item.key if head == "edges" else new_item.id
            self._announce(f"{kind}_changed", key, ".".join(parts[2:]))
            return old
        if head == "calendars" and len(parts) >= 2:
            data = {k: c.model_dump(mode="json") for k, c in self.process.calendars.items()}
            old = _set_path(data, ".".join(parts[1:]), value, new_keys=known_keys() | {parts[1]})
            try:
                calendars = {k: Calendar.model_validate(v) for k, v in data.items()}
            except ValidationError as exc:
                raise ValueError(_first_error(exc)) from None
            self.process.calendars = calendars
            self._announce("process_changed", "calendars")
            return old
        data = editable_data(self.process)
        old = _set_path(data, path, value, new_keys=known_keys() | {parts[-1]}
                        if head in ("attributes",) else known_keys())
        try:
            new = Process.model_validate(data)
        except ValidationError as exc:
            raise ValueError(_first_error(exc)) from None
        for name in type(self.process).model_fields:
            if name not in ("nodes", "lanes", "edges", "slas"):
                setattr(self.process, name, getattr(new, name))
        self._announce("process_changed", head)
        return old

    def _new_dangling_reference(self, old: Any, new: Any) -> str | None:
        """Why ``new`` would point at something that does not exist where ``old`` did not.

        Only changed references count, so a file loaded with a broken reference can still
        be edited elsewhere on the same object.
        """
        def changed(name: str) -> Any:
            value = getattr(new, name, None)
            return value if value is not None and value != getattr(old, name, None) else None

        if (lane := changed("lane")) is not None and not self.process.has_lane(lane):
            return f"no lane {lane!r}"
        phases = self.process.phases
        if (phase := changed("phase")) is not None and all(p.id != phase for p in phases):
            return f"no phase {phase!r} (phases: {', '.join(p.id for p in phases) or 'none'})"
        if (stage := changed("stage")) is not None and stage not in self.process.stages:
            return f"no stage {stage!r} (stages: {', '.join(self.process.stages) or 'none'})"
        if (calendar := changed("calendar")) is not None and calendar not in self.process.calendars:
            return f"no calendar {calendar!r}"
        decay = getattr(new, "decay", None)
        old_decay = getattr(old, "decay", None)
        since = decay.since if decay is not None else None
        if since is not None and since != (old_decay.since if old_decay else None) and (
            not self.process.has_node(since)
        ):
            return f"no node {since!r}"
        return None

    def _edge_index_for(self, key: str) -> int:
        source, arrow, target = key.partition("->")
        if not arrow:
            raise KeyError(key)
        return self.process.edge_index(source.strip(), target.strip())


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    loc = ".".join(str(p) for p in error.get("loc", ()) if not str(p).startswith("<"))
    return f"{loc}: {message}" if loc else message


def _node_adapter() -> TypeAdapter[Any]:
    from .nodes import Node

    return TypeAdapter(Node)


class _LazyAdapter:
    def __init__(self) -> None:
        self._adapter: TypeAdapter[Any] | None = None

    def validate_python(self, data: Any) -> Any:
        if self._adapter is None:
            self._adapter = _node_adapter()
        return self._adapter.validate_python(data)


_NODE_ADAPTER = _LazyAdapter()
