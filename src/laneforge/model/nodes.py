"""Process nodes: sources, tasks, decisions, delays and ends, a union discriminated on ``kind``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationInfo,
    field_validator,
    model_serializer,
)

from .attributes import AttributeSpec
from .distributions import DurationDist
from .expressions import check_expression_text
from .touches import Touch, check_channel, parse_touch
from .types import Identifier, NonNegative, Number, Position, PositiveInt
from .units import Duration, Rate

NODE_KINDS = ("source", "task", "decision", "delay", "cadence", "end")
KIND_LABELS = {
    "source": "Source",
    "task": "Task",
    "decision": "Decision",
    "delay": "Delay",
    "cadence": "Cadence",
    "end": "End",
}
#: the two ways out of a cadence, as its edges' ``exit``
CADENCE_EXITS = ("graduated", "exhausted")

ExpressionText = Annotated[str, AfterValidator(check_expression_text)]

#: a number, or an expression over the lead; text is always checked as an expression, so a
#: refused expression is reported as such rather than as "expected a number"
Priority = Annotated[
    Union[  # noqa: UP007
        Annotated[Number, Tag("<number>")],
        Annotated[ExpressionText, Tag("<expression>")],
    ],
    Discriminator(lambda value: "<expression>" if isinstance(value, str) else "<number>"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- arrivals -------------------------------------------------------------------------------


class RateArrivals(_Model):
    """Poisson arrivals at a rate, optionally weighted by weekday ({"mon": 1.3, "sat": 0.1})."""

    rate: Rate
    profile: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], NonNegative] | None = (
        None
    )

    def weekday_factors(self) -> tuple[float, ...]:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        profile = self.profile or {}
        return tuple(float(profile.get(day, 1.0)) for day in days)

    @property
    def mean_per_hour(self) -> float:
        return self.rate.per_hour * sum(self.weekday_factors()) / 7.0


class IntervalArrivals(_Model):
    """Arrivals separated by independent draws from a distribution."""

    interarrival: DurationDist

    @property
    def mean_per_hour(self) -> float:
        mean = float(self.interarrival.mean)
        return 1.0 / mean if mean > 0 else 0.0


class BatchArrivals(_Model):
    """A batch of leads at once (a trade-show list), once or repeating ``every``."""

    batch: PositiveInt
    first: Duration = Duration(0.0, "0h")
    every: Duration | None = None

    @field_validator("every")
    @classmethod
    def _positive(cls, value: Duration | None) -> Duration | None:
        if value is not None and value.hours <= 0:
            raise ValueError("a repeating batch needs 'every' greater than 0")
        return value

    @property
    def mean_per_hour(self) -> float:
        """Long-run rate; a one-off batch contributes nothing to a steady-state estimate."""
        return self.batch / self.every.hours if self.every else 0.0


def _arrival_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in (("rate", "<rate>"), ("interarrival", "<interval>"), ("batch", "<batch>")):
            if key in value:
                return tag
        return None
    return {RateArrivals: "<rate>", IntervalArrivals: "<interval>", BatchArrivals: "<batch>"}.get(
        type(value)
    )


Arrivals = Annotated[
    Union[  # noqa: UP007
        Annotated[RateArrivals, Tag("<rate>")],
        Annotated[IntervalArrivals, Tag("<interval>")],
        Annotated[BatchArrivals, Tag("<batch>")],
    ],
    Discriminator(
        _arrival_tag,
        custom_error_type="invalid_arrivals",
        custom_error_message=(
            "expected {\"rate\": \"40/day\"}, {\"interarrival\": ...} or {\"batch\": 300, ...}"
        ),
    ),
]


# --- nodes ----------------------------------------------------------------------------------


class NodeBase(_Model):
    """What every node has; ``pos`` is written last so diffs of moves stay on one line."""

    id: Identifier
    kind: str
    lane: str
    name: str = ""
    stage: str | None = None
    #: the column (a phase id) the node belongs to, when the process has phases
    phase: str | None = None
    max_visits: PositiveInt | None = None
    pos: Position | None = None

    @model_serializer(mode="wrap")
    def _pos_last(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data = handler(self)
        if "kind" not in data:  # left out as a default; a node always names its kind
            items = list(data.items())
            items.insert(1 if "id" in data else 0, ("kind", self.kind))
            data = dict(items)
        self._always_written(data)
        if "pos" in data:
            data["pos"] = data.pop("pos")
        return data

    def _always_written(self, data: dict[str, Any]) -> None:
        """Fields a kind writes even at their defaults (the file reads without the code)."""

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class SourceNode(NodeBase):
    kind: Literal["source"] = "source"
    arrivals: Arrivals | list[Arrivals] | None = None
    attributes: dict[Identifier, AttributeSpec] = {}
    #: the channel leads arrive by (their first touch); None: the arrival is no touch
    channel: str | None = None
    #: what the arrival adds to the lead's engagement (with ``channel`` only)
    touch_weight: NonNegative | None = None

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return check_channel(str(info.data.get("id", "?")), "channel", value)

    def arrival_list(self) -> list[Any]:
        if self.arrivals is None:
            return []
        return list(self.arrivals) if isinstance(self.arrivals, list) else [self.arrivals]

    @property
    def mean_rate_per_hour(self) -> float:
        return sum(a.mean_per_hour for a in self.arrival_list())


class TaskNode(NodeBase):
    kind: Literal["task"] = "task"
    duration: DurationDist | None = None
    #: staff members needed at once
    staff: PositiveInt = 1
    #: higher is served first; a number, or an expression over the lead ("score")
    priority: Priority | None = None
    #: cost of each execution on top of the lane's staff time (data providers, tools)
    cost: NonNegative | None = None
    set: dict[Identifier, ExpressionText] = {}
    #: the task reaches the lead through its contact data (a call, an email): with the
    #: process's ``data_quality``, a stale record makes it fail (``stale`` becomes true)
    contact: bool = False
    #: the task checks and restores the lead's record (enrichment, a check before hand-off)
    cleanse: bool = False
    #: each pass through the task is one touch of the lead on a channel
    touch: Touch | None = None

    @field_validator("touch", mode="before")
    @classmethod
    def _touch(cls, value: Any, info: ValidationInfo) -> Touch | None:
        return parse_touch(str(info.data.get("id", "?")), value)


class DecisionNode(NodeBase):
    kind: Literal["decision"] = "decision"


class DelayNode(NodeBase):
    kind: Literal["delay"] = "delay"
    duration: DurationDist | None = None
    set: dict[Identifier, ExpressionText] = {}


class CadenceNode(NodeBase):
    """A nurture cadence drawn as one node: a touch at entry and then every ``every``, up
    to ``times`` touches; the lead leaves by the edge marked ``exit: graduated`` as soon as
    it answers a touch of the cadence or ``until`` holds after one, else by the edge marked
    ``exit: exhausted`` right after the last touch. Its touches are automated (no staff).

    ``every`` and ``times`` are checked by validation rather than here, so a cadence edited
    to a bad value stays loaded and the problem names the node and the field."""

    kind: Literal["cadence"] = "cadence"
    every: Duration = Duration(7 * 24.0, "7d")
    times: Annotated[int, Field(strict=True)] = 6
    touch: Touch = Touch(channel="email")
    #: a condition checked after each touch: when it holds the lead has graduated
    until: ExpressionText | None = None

    @field_validator("touch", mode="before")
    @classmethod
    def _touch(cls, value: Any, info: ValidationInfo) -> Touch:
        node = str(info.data.get("id", "?"))
        if value is None:
            raise ValueError(f"node {node!r}: a cadence needs a touch such as "
                             '{"channel": "email", "weight": 10}')
        touch = parse_touch(node, value)
        assert touch is not None
        return touch

    def _always_written(self, data: dict[str, Any]) -> None:
        # every, times and the touch are what a cadence is: written even at the defaults
        data.setdefault("every", self.every.raw)
        data.setdefault("times", self.times)
        data.setdefault("touch", self.touch.model_dump(mode="json", exclude_defaults=True))
        for key in ("every", "times", "touch", "until"):  # in this order, whatever was left out
            if key in data:
                data[key] = data.pop(key)

    @property
    def span_hours(self) -> float:
        """Hours from the first touch to the last: a lead that never graduates leaves then."""
        return max(self.times - 1, 0) * self.every.hours


class EndNode(NodeBase):
    kind: Literal["end"] = "end"
    outcome: str = Field(default="done", min_length=1)


NODE_CLASSES: dict[str, type[NodeBase]] = {
    "source": SourceNode,
    "task": TaskNode,
    "decision": DecisionNode,
    "delay": DelayNode,
    "cadence": CadenceNode,
    "end": EndNode,
}



def _node_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return f"<{kind}>" if isinstance(kind, str) and kind in NODE_CLASSES else None


Node = Annotated[
    Union[tuple(Annotated[cls, Tag(f"<{kind}>")] for kind, cls in NODE_CLASSES.items())],  # noqa: UP007
    Discriminator(
        _node_tag,
        custom_error_type="invalid_kind",
        custom_error_message="'kind' must be one of: " + ", ".join(NODE_KINDS),
    ),
]
