"""Every size limit of laneforge in one place: its value, why it is there, what to change.

A process file must not be able to exhaust the machine any more than it can run code. The
limits are far above any real lead process (the largest template has 36 nodes, 4 lanes and
a few thousand leads a replication) and low enough that whatever passes them simulates in
minutes and a few hundred MB. Loading (``laneforge.io``), validation and the expression
evaluator enforce them; each message says which limit was passed and what to change.

The engine handles about 100,000 leads a second-and-a-bit on one core (README,
Performance), and memory grows with the leads open at once (a queue of a million leads is
about 1 GB), which sets the volume limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .process import Process


@dataclass(frozen=True)
class Limit:
    """One limit: ``value`` in ``unit``; ``why`` it exists and what to ``change`` instead."""

    name: str
    value: float
    unit: str
    why: str
    change: str

    def message(self, subject: str) -> str:
        """'<subject>, over the limit of <value> <unit> (<why>); <change>' in one line."""
        return (f"{subject}, over the limit of {_amount(self.value)} {self.unit} "
                f"({self.why}); {self.change}")

    def exceeded(self, value: float) -> bool:
        """True if ``value`` is above the limit (the limit itself is allowed)."""
        return not value <= self.value


def _amount(value: float) -> str:
    if value >= 1e9:
        return f"{value:g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


FILE_BYTES = Limit(
    "file size", 16 * 1024 * 1024, "bytes",
    "a 300-node process is about 150 kB; larger files are refused before parsing",
    "split the file or remove the data that does not belong in a process")
NESTING = Limit(
    "nesting depth", 32, "levels",
    "the format never nests deeper than about 8; deeper data is refused before it reaches "
    "the model, whose copies and scenario changes recurse through it",
    "flatten the value")
TEXT = Limit(
    "text length", 10_000, "characters",
    "a description of a few pages; longer text only slows every view and export",
    "shorten the text")
NAME = Limit(
    "name length", 200, "characters",
    "names are drawn on the diagram and in every table",
    "use a shorter name and put the rest in a description")
COORDINATE = Limit(
    "coordinate", 1_000_000, "diagram units from the origin",
    "connectors are routed on a grid spanning the drawing; a node a trillion units away "
    "makes every route search that whole span (a 28-node diagram took minutes)",
    "move the node back near the others")
LANES = Limit(
    "lanes", 200, "lanes",
    "a swim-lane diagram stops being readable long before that",
    "merge teams into fewer lanes")
NODES = Limit(
    "nodes", 2_000, "nodes",
    "every lead walks the graph node by node; ten times the largest real process",
    "split the process, or model a chain of steps as one task")
EDGES = Limit(
    "connections", 10_000, "connections",
    "five per node at the node limit", "remove connections")
STAFF = Limit(
    "staff", 10_000, "people in one lane",
    "staff is simulated person by person", "use \"staff\": null for an unlimited lane")
TASK_STAFF = Limit(
    "staff of a task", 1_000, "people at once", "a task is done by a few people",
    "give the task fewer people")
BATCH = Limit(
    "batch size", 100_000, "leads at once",
    "a batch puts all its leads in the queues at the same instant",
    "spread the leads over time with a rate")
MAX_VISITS = Limit(
    "max_visits", 10_000, "visits of one node by one lead",
    "a lead going round a loop more often than that is stuck, not working",
    "lower max_visits")
HORIZON = Limit(
    "horizon", 10 * 365 * 24, "hours (10 years)",
    "a lead process changes long before that",
    "shorten the horizon and run more replications")
REPLICATIONS = Limit(
    "replications", 10_000, "replications",
    "the confidence interval narrows little after a few hundred",
    "run fewer replications")
LEADS_PER_REPLICATION = Limit(
    "leads per replication", 1_000_000, "leads",
    "a replication holds its open leads in memory, about 1 GB for a million waiting, and "
    "takes tens of seconds per million",
    "shorten the horizon (--horizon) and run more replications (--replications) instead")
LEADS_PER_RUN = Limit(
    "leads in a run", 20_000_000, "leads over all replications",
    "about four minutes of simulation on one core",
    "shorten the horizon or run fewer replications")
NUMBER = Limit(
    "number", 1e15, "in size",
    "attribute values are scores, counts and amounts; beyond this, arithmetic loses whole "
    "units and growth without end is a mistake in the process",
    "check the expression or the attribute's distribution")
STRING_VALUE = Limit(
    "text value", 10_000, "characters",
    "an attribute value is a word or a short note, and text that keeps growing would fill "
    "the memory", "check the expression")

# --- lead volume ------------------------------------------------------------------------------


def arrivals_over(spec: Any, hours: float) -> float:
    """Expected leads one arrival spec brings over ``hours`` (inf when it never stops)."""
    every = getattr(spec, "every", None)
    if hasattr(spec, "batch"):
        first = spec.first.hours
        if first >= hours:
            return 0.0
        if every is None:
            return float(spec.batch)
        return spec.batch * (1 + math.floor((hours - first) / every.hours))
    if hasattr(spec, "interarrival"):
        mean = float(spec.interarrival.mean)
        return math.inf if mean <= 0 else hours / mean
    return spec.mean_per_hour * hours


def estimate_leads(process: Process, hours: float | None = None) -> float:
    """Expected leads created in one replication over ``hours`` (default: the horizon)."""
    horizon = process.simulation.horizon.hours if hours is None else hours
    return sum(arrivals_over(spec, horizon) for source in process.sources()
               for spec in source.arrival_list())


def lead_volume_message(leads: float, replications: int, *, horizon: str,
                        where: str) -> str | None:
    """Why ``leads`` a replication over ``replications`` is too much, or None if it is not.

    ``horizon`` is how the horizon was given ("90d"), ``where`` where it came from
    ("simulation.horizon", "--horizon") for the message.
    """
    if not math.isfinite(leads):
        return ("the arrivals bring leads without end (an interarrival time of 0); "
                "give them a mean time between leads above 0")
    if leads > LEADS_PER_REPLICATION.value:
        return LEADS_PER_REPLICATION.message(
            f"the arrivals over the horizon of {horizon} ({where}) bring about "
            f"{leads:,.0f} leads a replication")
    total = leads * replications
    if total > LEADS_PER_RUN.value:
        return LEADS_PER_RUN.message(
            f"{replications} replications of about {leads:,.0f} leads "
            f"(horizon {horizon} from {where}) make {total:,.0f} leads")
    return None


# --- the process against the limits --------------------------------------------------------

#: a lognormal whose sd is more than this many times its mean has no usable shape (and its
#: parameters overflow): sd 1e300 against mean 1e-300 made runs divide by zero
LOGNORMAL_SPREAD = Limit(
    "lognormal spread", 1_000, "times the mean as standard deviation",
    "a wider lognormal has almost all its mass at 0 and a few values near infinity",
    "use a smaller standard deviation or another distribution")

#: (message, where) pairs: ``where`` holds the Problem's node/lane/field keywords
Finding = tuple[str, dict[str, Any]]


def _number_findings(spec: Any, at: str, where: dict[str, Any]) -> list[Finding]:
    """Parameters of a number or duration distribution (or fixed value) out of bounds."""
    values: list[tuple[str, float]] = []
    if isinstance(spec, bool):
        return []
    if isinstance(spec, int | float):
        values.append((at, float(spec)))
    elif hasattr(spec, "hours"):
        values.append((at, float(spec.hours)))
    elif isinstance(getattr(type(spec), "model_fields", None), dict):
        for name in type(spec).model_fields:
            value = getattr(spec, name)
            key = "mean" if name == "mean_" else name
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item is None or isinstance(item, str | bool):
                    continue
                number = float(item.hours) if hasattr(item, "hours") else item
                if isinstance(number, int | float):
                    values.append((f"{at}.{key}", float(number)))
    found: list[Finding] = []
    for field, value in values:
        if NUMBER.exceeded(abs(value)):
            found.append((NUMBER.message(f"the value {value:g}"), {**where, "field": field}))
            return found
    if getattr(spec, "dist", None) == "lognormal":
        mean, sd = float(spec.mean_), float(spec.sd)
        spread = sd / mean if mean > 0 else math.inf
        if LOGNORMAL_SPREAD.exceeded(spread):
            found.append((LOGNORMAL_SPREAD.message(
                f"the standard deviation {sd:g} is {spread:g} times the mean {mean:g}"),
                {**where, "field": f"{at}.sd"}))
    return found


def _count_findings(process: Process) -> list[Finding]:
    found: list[Finding] = []
    for limit, items, field in ((LANES, process.lanes, "lanes"), (NODES, process.nodes, "nodes"),
                                (EDGES, process.edges, "edges")):
        if limit.exceeded(len(items)):
            found.append((limit.message(f"the process has {len(items):,} {limit.unit}"),
                          {"field": field}))
    return found


def process_findings(process: Process) -> list[Finding]:
    """Everything in ``process`` over a limit, with where it is; numbers before volume, so
    a broken distribution is reported instead of being used in the lead estimate."""
    found = _count_findings(process)
    sim = process.simulation
    if HORIZON.exceeded(sim.horizon.hours):
        found.append((HORIZON.message(f"the horizon {sim.horizon} is {sim.horizon.hours:,.0f} h"),
                      {"field": "simulation.horizon"}))
    if REPLICATIONS.exceeded(sim.replications):
        found.append((REPLICATIONS.message(f"{sim.replications:,} replications"),
                      {"field": "simulation.replications"}))
    if MAX_VISITS.exceeded(sim.max_visits):
        found.append((MAX_VISITS.message(f"max_visits {sim.max_visits:,}"),
                      {"field": "simulation.max_visits"}))
    for name, spec in process.attributes.items():
        found += _number_findings(spec, f"attributes.{name}", {})
    for i, lane in enumerate(process.lanes):
        if lane.staff is not None and STAFF.exceeded(lane.staff):
            found.append((STAFF.message(f"{lane.label} has {lane.staff:,} staff"),
                          {"lane": lane.id, "field": f"lanes[{i}].staff"}))
    for i, node in enumerate(process.nodes):
        found += _node_findings(node, f"nodes[{i}]")
    if not found:  # the estimate needs sane arrivals
        leads = estimate_leads(process)
        message = lead_volume_message(leads, sim.replications, horizon=str(sim.horizon),
                                      where="simulation.horizon")
        if message is not None:
            found.append((message, {"field": "simulation.horizon"}))
    return found


def _node_findings(node: Any, at: str) -> list[Finding]:
    where: dict[str, Any] = {"node": node.id}
    found: list[Finding] = []
    if node.max_visits is not None and MAX_VISITS.exceeded(node.max_visits):
        found.append((MAX_VISITS.message(f"max_visits {node.max_visits:,}"),
                      {**where, "field": f"{at}.max_visits"}))
    if getattr(node, "duration", None) is not None:
        found += _number_findings(node.duration, f"{at}.duration", where)
    staff = getattr(node, "staff", None)
    if node.kind == "task" and staff is not None and TASK_STAFF.exceeded(staff):
        found.append((TASK_STAFF.message(f"the task needs {staff:,} people"),
                      {**where, "field": f"{at}.staff"}))
    if node.kind != "source":
        return found
    for name, spec in node.attributes.items():
        found += _number_findings(spec, f"{at}.attributes.{name}", where)
    arrivals = node.arrival_list()
    for j, spec in enumerate(arrivals):
        field = f"{at}.arrivals" + (f"[{j}]" if isinstance(node.arrivals, list) else "")
        if hasattr(spec, "batch") and BATCH.exceeded(spec.batch):
            found.append((BATCH.message(f"a batch of {spec.batch:,} leads"),
                          {**where, "field": f"{field}.batch"}))
        elif hasattr(spec, "interarrival"):
            bad = _number_findings(spec.interarrival, f"{field}.interarrival", where)
            found += bad
            if not bad and float(spec.interarrival.mean) <= 0:
                found.append(("the time between leads is 0, so leads would arrive without "
                              "end at one instant; give it a mean above 0",
                              {**where, "field": f"{field}.interarrival"}))
    return found


#: every limit, for documentation and the tests
ALL: tuple[Limit, ...] = (
    FILE_BYTES, NESTING, TEXT, NAME, COORDINATE, LANES, NODES, EDGES, STAFF, TASK_STAFF, BATCH,
    MAX_VISITS, HORIZON, REPLICATIONS, LEADS_PER_REPLICATION, LEADS_PER_RUN, NUMBER,
    STRING_VALUE, LOGNORMAL_SPREAD,
)


def message_for_length(limit: Limit, length: int) -> str:
    """The message for a text of ``length`` characters over ``limit``."""
    return limit.message(f"is {length:,} characters long")


# --- a run's options against the file -----------------------------------------------------


def _option_hours(value: Any, option: str) -> float:
    from .errors import ValidationError
    from .units import Duration

    try:
        hours = Duration.parse(value).hours
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"{option} {value!r} is not a duration: {exc}",
                              field=option) from None
    if not math.isfinite(hours):
        raise ValidationError(f"{option} {value!r} is not a duration", field=option)
    return hours


def check_run(process: Process, *, scenario: str | None = None, horizon: Any = None,
              warmup: Any = None, replications: Any = None, style: str = "api") -> None:
    """Refuse options that cannot run with ``process``: a warm-up not shorter than the
    horizon, a horizon or a lead volume over the limits. Raises
    :class:`~laneforge.model.errors.ValidationError` naming the option and the file value.

    ``style`` "cli" names options as ``--horizon``, "api" as ``horizon=``.
    """
    from .errors import ValidationError
    from .scenarios import apply_scenario

    def option(name: str) -> str:
        return f"--{name}" if style == "cli" else f"{name}="

    variant = apply_scenario(process, scenario) if scenario is not None else process
    sim = variant.simulation
    if horizon is None:
        horizon_h, horizon_text, horizon_at = sim.horizon.hours, str(sim.horizon), \
            "simulation.horizon in the file"
    else:
        horizon_h = _option_hours(horizon, option("horizon"))
        horizon_text, horizon_at = str(horizon), option("horizon")
    if warmup is None:
        warmup_h, warmup_text, warmup_at = sim.warmup.hours, str(sim.warmup), \
            "simulation.warmup in the file"
    else:
        warmup_h = _option_hours(warmup, option("warmup"))
        warmup_text, warmup_at = str(warmup), option("warmup")
    if horizon_h <= 0:
        raise ValidationError(f"the horizon ({horizon_text}, {horizon_at}) must be longer "
                              "than 0", field=horizon_at)
    if warmup_h < 0 or warmup_h >= horizon_h:
        raise ValidationError(
            f"the warm-up ({warmup_text}, {warmup_at}) must be shorter than the horizon "
            f"({horizon_text}, {horizon_at})", field=warmup_at if warmup is not None
            else horizon_at)
    if HORIZON.exceeded(horizon_h):
        raise ValidationError(HORIZON.message(
            f"the horizon ({horizon_text}, {horizon_at}) is {horizon_h:,.0f} h"),
            field=horizon_at)
    if replications is None:
        count, count_at = sim.replications, "simulation.replications in the file"
    else:
        count, count_at = replications, option("replications")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"replications ({count_at}) must be a whole number of at "
                              f"least 1, got {count!r}", field=count_at)
    if REPLICATIONS.exceeded(count):
        raise ValidationError(REPLICATIONS.message(f"{count:,} replications ({count_at})"),
                              field=count_at)
    try:
        leads = estimate_leads(variant, horizon_h)
    except (ArithmeticError, ValueError):  # a broken distribution: validation reports it
        return
    message = lead_volume_message(leads, count, horizon=horizon_text, where=horizon_at)
    if message is not None:
        raise ValidationError(message, field=horizon_at)
