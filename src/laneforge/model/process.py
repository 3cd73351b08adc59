"""The process: lanes, nodes, edges, stages, SLAs, scenarios and settings of a `.lane.json` file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import networkx as nx
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from .attributes import AttributeSpec, attribute_type
from .calendar import Calendar
from .data_quality import DataQuality
from .editing import ProcessEditor
from .events import Change, Signal
from .expressions import check_expression_text
from .nodes import Node, NodeBase, SourceNode, TaskNode
from .observed import Observed
from .roster import Roster
from .touches import Engagement
from .types import (
    Color,
    Identifier,
    NonNegative,
    Position,
    PositiveInt,
    PositiveNumber,
    Probability,
)
from .units import Duration
from .zones import check_zone_name

FORMAT = "laneforge/process"
VERSION = 1
DEFAULT_START = dt.datetime(2026, 1, 5)  # a Monday

LANE_PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B")


def _write_start(value: dt.datetime) -> str:
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


def _naive_start(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("write the start as a wall-clock time without a UTC offset "
                         "(2026-01-05T09:00); its time zone goes in simulation.timezone")
    return value


StartTime = Annotated[dt.datetime, AfterValidator(_naive_start),
                      PlainSerializer(_write_start, return_type=str)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Lane(_Model):
    """A team: its staff (``None``: no capacity limit), working calendar and cost."""

    id: Identifier
    name: str = ""
    staff: Annotated[int, Field(ge=0, strict=True)] | None = None
    calendar: str | None = None
    cost_per_hour: NonNegative | None = None
    color: Color | None = None
    height: PositiveNumber | None = None
    #: people per weekday and shift; when set it, not ``staff``, gives the capacity
    roster: Roster | None = None
    #: the BPMN pool (participant) the lane belongs to, such as "Consumer" or "Company";
    #: None: the process's own pool. Neighbouring lanes of one pool export as one participant
    pool: str | None = None

    @model_serializer(mode="wrap")
    def _always_staff(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data = handler(self)
        if "staff" not in data:  # "staff": null is meaningful (no limit): always write it
            items = list(data.items())
            items.insert(2 if "name" in data else 1, ("staff", self.staff))
            data = dict(items)
        return data

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def limited(self) -> bool:
        return self.staff is not None


class Phase(_Model):
    """A column of the swim-lane grid (Lead Generation, Lead Management, ...).

    Nodes name their phase; the column's band spans its nodes (at least ``width``).
    """

    id: Identifier
    name: str = ""
    width: PositiveNumber | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class Decay(_Model):
    """Speed to lead: the edge's probability halves every ``half_life`` since ``since``."""

    half_life: Duration
    since: str | None = None

    @field_validator("half_life")
    @classmethod
    def _positive(cls, value: Duration) -> Duration:
        if value.hours <= 0:
            raise ValueError("a half-life must be greater than 0")
        return value


class Edge(_Model):
    """A flow between two nodes; on a branch it carries a probability, a condition or default."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    label: str | None = None
    probability: Probability | None = None
    when: Annotated[str, AfterValidator(check_expression_text)] | None = None
    default: bool = False
    decay: Decay | None = None
    #: corners the user gave the connector, in diagram coordinates; the router keeps them
    bends: list[Position] | None = None
    #: a hand-off between pools (a BPMN message flow): the engine follows it like any edge
    message: bool = False
    #: which way out of a cadence this edge is: "graduated" or "exhausted"
    exit: Literal["graduated", "exhausted"] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)

    def describe(self) -> str:
        return f"{self.source} -> {self.target}"


class SLA(_Model):
    """A promise between teams: a lead reaching ``from`` is worked at ``to`` within a time."""

    id: Identifier
    name: str = ""
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    within: Duration
    clock: Literal["business", "elapsed"] = "business"
    #: calendar of the business clock; default: the calendar of the lane at ``to``
    calendar: str | None = None
    #: share of leads that should meet it, for reports (0.95 = 95 %)
    target_rate: Probability | None = Field(default=None, alias="target")

    @property
    def label(self) -> str:
        return self.name or self.id


class Scenario(_Model):
    """A what-if: ``changes`` maps paths such as ``lanes.inside_sales.staff`` to new values."""

    name: str = Field(min_length=1)
    description: str = ""
    changes: dict[str, Any] = {}


class SimulationSettings(_Model):
    horizon: Duration = Duration(90 * 24.0, "90d")
    warmup: Duration = Duration(0.0, "0h")
    replications: PositiveInt = 10
    seed: Annotated[int, Field(ge=0, strict=True)] = 1
    #: how long open leads may finish after the horizon; still open then = work in progress
    drain: Duration | None = None
    max_visits: PositiveInt = 100
    #: IANA zone of ``start`` and of the calendars without their own; None: one wall clock
    #: for every calendar, no daylight saving
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        return check_zone_name(value)

    @property
    def drain_hours(self) -> float:
        if self.drain is not None:
            return self.drain.hours
        return max(30 * 24.0, self.horizon.hours)


class Process(_Model):
    """A swim-lane lead process; the single source of truth for editor, engine and exports."""

    format: Literal["laneforge/process"] = FORMAT
    version: int = VERSION
    name: str = "Untitled process"
    description: str = ""
    start: StartTime = DEFAULT_START
    simulation: SimulationSettings = SimulationSettings()
    calendars: dict[Identifier, Calendar] = {}
    stages: list[Annotated[str, Field(min_length=1)]] = []
    #: columns of the swim-lane grid; empty: no columns
    phases: list[Phase] = []
    #: ISO 4217 code for money in results and reports; None: the user's locale
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    attributes: dict[Identifier, AttributeSpec] = {}
    #: how engagement fades between touches; None: it never fades
    engagement: Engagement | None = None
    lanes: list[Lane] = []
    nodes: list[Node] = []
    edges: list[Edge] = []
    slas: list[SLA] = []
    scenarios: list[Scenario] = []
    #: figures from the last calibration's CRM export, shown beside simulated ones
    observed: Observed | None = None
    #: contact data going stale and its cleansing; None: records never go out of date
    data_quality: DataQuality | None = None

    _graph: nx.DiGraph | None = PrivateAttr(default=None)

    _changed: Signal | None = PrivateAttr(default=None)
    _editor: ProcessEditor | None = PrivateAttr(default=None)
    _index: dict[str, dict[str, int]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_keys(self) -> Process:
        for collection, key in (
            ("lanes", "id"), ("phases", "id"), ("nodes", "id"), ("slas", "id"),
            ("scenarios", "name"),
        ):
            seen: dict[str, int] = {}
            for index, item in enumerate(getattr(self, collection)):
                value = getattr(item, key)
                if value in seen:
                    raise _LocatedError(
                        (collection, index, key),
                        f"duplicate {key} {value!r} (also {collection}[{seen[value]}])",
                    )
                seen[value] = index
        seen_edges: dict[tuple[str, str], int] = {}
        for index, edge in enumerate(self.edges):
            if edge.key in seen_edges:
                raise _LocatedError(
                    ("edges", index),
                    f"a second edge from {edge.source!r} to {edge.target!r} "
                    f"(also edges[{seen_edges[edge.key]}])",
                )
            seen_edges[edge.key] = index
        return self

    def __eq__(self, other: object) -> bool:
        """Equal when the files they write are equal (caches and listeners do not count)."""
        if not isinstance(other, Process):
            return NotImplemented
        return self.to_data() == other.to_data()

    __hash__ = None  # type: ignore[assignment]

    # --- edits and their announcements ---------------------------------------------------
    @property
    def edit(self) -> ProcessEditor:
        """The editor that makes every change to this process (see :mod:`.editing`)."""
        if self._editor is None or self._editor.process is not self:  # (copies get their own)
            self._editor = ProcessEditor(self)
        return self._editor

    @property
    def changed(self) -> Signal:
        """Emits a :class:`~laneforge.model.events.Change` after every edit."""
        if self._changed is None:
            self._changed = Signal()
        return self._changed

    def announce(self, change: Change) -> None:
        """Tell listeners about an edit, after dropping what was derived from the old data."""
        self._graph = None
        self.changed.emit(change)

    # --- lookups -------------------------------------------------------------------------
    def _find(self, collection: str, key: str) -> Any:
        """The item of ``collection`` (``"nodes"``, ``"lanes"``, ``"slas"``) whose id is
        ``key``, or None: O(1) through an id -> index table that checks itself, so edits
        that add, remove, reorder or rename items need not tell it (a stale entry fails its
        check and the table is rebuilt once)."""
        items = getattr(self, collection)
        table = self._index.get(collection)
        if table is not None:
            i = table.get(key)
            if i is not None and i < len(items) and items[i].id == key:
                return items[i]
        table = {item.id: i for i, item in enumerate(items)}
        self._index[collection] = table
        i = table.get(key)
        return items[i] if i is not None else None

    def node(self, node_id: str) -> NodeBase:
        node = self._find("nodes", node_id)
        if node is None:
            raise KeyError(f"no node {node_id!r}")
        return node

    def lane(self, lane_id: str) -> Lane:
        lane = self._find("lanes", lane_id)
        if lane is None:
            raise KeyError(f"no lane {lane_id!r}")
        return lane

    def edge(self, source: str, target: str) -> Edge:
        for edge in self.edges:
            if edge.source == source and edge.target == target:
                return edge
        raise KeyError(f"no edge {source!r} -> {target!r}")

    def sla(self, sla_id: str) -> SLA:
        sla = self._find("slas", sla_id)
        if sla is None:
            raise KeyError(f"no SLA {sla_id!r}")
        return sla

    def scenario(self, name: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        known = ", ".join(repr(s.name) for s in self.scenarios) or "none"
        raise KeyError(f"no scenario {name!r} (scenarios: {known})")

    def has_node(self, node_id: str) -> bool:
        return self._find("nodes", node_id) is not None

    def has_lane(self, lane_id: str) -> bool:
        return self._find("lanes", lane_id) is not None

    def node_index(self, node_id: str) -> int:
        for index, node in enumerate(self.nodes):
            if node.id == node_id:
                return index
        raise KeyError(f"no node {node_id!r}")

    def lane_index(self, lane_id: str) -> int:
        for index, lane in enumerate(self.lanes):
            if lane.id == lane_id:
                return index
        raise KeyError(f"no lane {lane_id!r}")

    def edge_index(self, source: str, target: str) -> int:
        for index, edge in enumerate(self.edges):
            if edge.source == source and edge.target == target:
                return index
        raise KeyError(f"no edge {source!r} -> {target!r}")

    def nodes_in_lane(self, lane_id: str) -> list[NodeBase]:
        return [node for node in self.nodes if node.lane == lane_id]

    def edges_by_source(self) -> dict[str, list[Edge]]:
        """Outgoing edges of every node at once (for loops over all nodes)."""
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge)
        return out

    def outgoing(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == node_id]

    def incoming(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.target == node_id]

    def sources(self) -> list[SourceNode]:
        return [node for node in self.nodes if isinstance(node, SourceNode)]

    def tasks(self) -> list[TaskNode]:
        return [node for node in self.nodes if isinstance(node, TaskNode)]

    def uses_touches(self) -> bool:
        """True if a source has a channel or a task a touch (the engine then keeps the
        built-in touch attributes of every lead)."""
        return any(getattr(node, "touch", None) is not None
                   or getattr(node, "channel", None) is not None for node in self.nodes)

    def attribute_types(self) -> dict[str, str]:
        types = {name: attribute_type(spec) for name, spec in self.attributes.items()}
        if self.data_quality is not None:  # the engine's flag of an out-of-date record
            types.setdefault("stale", "bool")
        return types

    def lane_color(self, lane_id: str) -> str:
        lane = self.lane(lane_id)
        if lane.color:
            return lane.color
        return LANE_PALETTE[self.lane_index(lane_id) % len(LANE_PALETTE)]

    # --- graph view ----------------------------------------------------------------------
    def graph(self) -> nx.DiGraph:
        """A networkx view keyed by node id (node attr ``node``, edge attr ``edge``).

        Cached until the next mutator call; treat it as read-only.
        """
        if self._graph is None:
            graph = nx.DiGraph()
            for node in self.nodes:
                graph.add_node(node.id, node=node)
            for edge in self.edges:
                if edge.source in graph and edge.target in graph:
                    graph.add_edge(edge.source, edge.target, edge=edge)
            self._graph = graph
        return self._graph

    def detached_copy(self) -> Process:
        """A deep copy with no listeners, for scenarios and background runs."""
        return type(self).model_validate(self.to_data())

    def to_data(self) -> dict[str, Any]:
        """The file's JSON object for this process: stable key order, defaults left out.

        ``format``, ``version``, ``name`` and the lanes, nodes and edges are always written;
        other sections only when they differ from their defaults.
        """
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        out: dict[str, Any] = {"format": FORMAT, "version": self.version, "name": self.name}
        for key in type(self).model_fields:
            if key in ("lanes", "nodes", "edges"):
                out[key] = data.get(key, [])
            elif key in data and key not in out:
                out[key] = data[key]
        for key, value in (self.model_extra or {}).items():
            out.setdefault(key, value)
        return out


class _LocatedError(ValueError):
    """A model-level error that knows which field of the file it is about."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


__all__ = [
    "DEFAULT_START",
    "FORMAT",
    "SLA",
    "VERSION",
    "AttributeSpec",
    "Decay",
    "Edge",
    "Lane",
    "Phase",
    "Process",
    "Scenario",
    "SimulationSettings",
]
