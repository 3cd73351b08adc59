"""What the calibration wizard lets a user decide, without Qt: the mapping table (one row per
CRM value that matters, its lead count and where it goes in the process), and which fitted
changes must be applied together and in what form.

The GUI shows these rows and ticks; everything that decides what ends up in MAP.json or in
the process is here, so it is tested without a window and the command line could use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..io.crm import CrmMap, EventLog
from ..io.crm.eventlog import ACTIVITY
from ..io.crm.suggest import SHARE, stage_values
from ..model import MISSING, Process
from ..model.units import describe_hours
from .calibrate import Change
from .crm_calibration import CalibrationRun

#: row kinds, in the order the table shows them
KINDS = ("status", "source", "owner", "activity")
KIND_WORDS = {"status": "CRM statuses and stages", "source": "Lead sources",
              "owner": "Owner roles and owners", "activity": "Activity types"}
#: MAP.json sections a row of each kind writes to (a status: a stage, and an end or a node)
FIELDS = {"status": ("outcomes", "nodes"), "source": ("sources",), "owner": ("owners",),
          "activity": ("activities",)}


@dataclass(frozen=True)
class Target:
    """One choice of a row's drop-down: the MAP.json section and the id written there."""

    field: str  # outcomes | nodes | sources | owners | activities
    id: str
    label: str


@dataclass
class MappingRow:
    """A CRM value and where it goes. ``value`` is the key MAP.json uses ("role:SDR" for a
    role, the owner id for an owner)."""

    kind: str
    value: str
    label: str
    leads: int
    stage: str | None = None  # statuses only: the process stage it means
    target: tuple[str, str] | None = None  # (field, id) or None: not mapped


def _key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _node_label(node: Any) -> str:
    return node.label if node.label != node.id else node.id


def targets(process: Process, kind: str) -> list[Target]:
    """The choices for a row of ``kind``: end nodes then delays and tasks for a status,
    source nodes for a source, lanes for an owner, tasks for an activity type."""
    nodes = process.nodes
    if kind == "status":
        ends = [Target("outcomes", n.id, f"End: {_node_label(n)} ({n.outcome})")
                for n in nodes if n.kind == "end"]
        at = [Target("nodes", n.id, f"At {n.kind}: {_node_label(n)}")
              for n in nodes if n.kind in ("delay", "task")]
        return ends + at
    if kind == "source":
        return [Target("sources", n.id, _node_label(n)) for n in nodes if n.kind == "source"]
    if kind == "owner":
        return [Target("owners", lane.id, lane.label) for lane in process.lanes]
    if kind == "activity":
        return [Target("activities", n.id, _node_label(n)) for n in nodes if n.kind == "task"]
    raise ValueError(f"unknown row kind {kind!r}")


def _count_cases(frame: pd.DataFrame, column: str) -> pd.Series:
    """Value -> the number of distinct cases that have it."""
    pairs = frame[["case", column]].dropna().drop_duplicates()
    return pairs[column].value_counts()


def _find(table: dict[str, Any], value: str) -> Any:
    if value in table:
        return table[value]
    wanted = _key(value)
    return next((v for k, v in table.items() if _key(k) == wanted), None)


def _status_place(mapping: CrmMap, value: str) -> tuple[str | None, tuple[str, str] | None]:
    stage = mapping.stage_of(value)
    outcome = mapping.outcome_of(value)
    if outcome is not None:
        return stage, ("outcomes", outcome)
    node = mapping.node_of(value)
    return stage, ("nodes", node) if node is not None else None


def _owner_work(log: EventLog) -> pd.DataFrame:
    """(case, owner, role) for every owner who held or worked a case."""
    worked = pd.concat([log.events[["case", "owner"]],
                        log.cases["owner"].reset_index()], ignore_index=True).dropna()
    roles = log.owners["role"].reindex(worked["owner"].to_numpy())
    queue = log.owners["is_queue"].reindex(worked["owner"].to_numpy()).fillna(False)
    worked = worked.assign(role=roles.to_numpy(), queue=queue.to_numpy().astype(bool))
    return worked


def mapping_rows(log: EventLog, process: Process, mapping: CrmMap) -> list[MappingRow]:
    """The mapping table: every CRM value that at least 1 % of the leads have (or that the
    mapping already places), with its lead count and current place, most leads first."""
    least = max(1, int(SHARE * max(len(log.cases), 1)))
    rows: list[MappingRow] = []

    def keep(counts: pd.Series, mapped: Iterable[str]) -> list[tuple[str, int]]:
        named = {_key(m) for m in mapped}
        return [(str(v), int(n)) for v, n in counts.items()
                if n >= least or _key(str(v)) in named]

    statuses = stage_values(log)
    mapped = [v for values in mapping.stages.values() for v in values]
    for value, n in keep(statuses, [*mapped, *mapping.outcomes, *mapping.nodes]):
        stage, target = _status_place(mapping, value)
        rows.append(MappingRow("status", value, value, n, stage, target))
    cases = log.cases.reset_index()
    for value, n in keep(_count_cases(cases, "source"), mapping.sources):
        source = mapping.source_of(value)
        rows.append(MappingRow("source", value, value, n,
                               target=("sources", source) if source else None))
    rows += _owner_rows(log, mapping, least)
    acts = log.events[log.events["kind"] == ACTIVITY]
    by_type = _count_cases(acts, "value")
    for value, n in keep(by_type, mapping.activities):
        task = mapping.activity_of(value)
        rows.append(MappingRow("activity", value, value, n,
                               target=("activities", task) if task else None))
    types = {_key(v) for v in by_type.index}
    for value, n in keep(_count_cases(acts, "subtype"), mapping.activities):
        if _key(value) in types:
            continue  # the same word as a type: one row does for both
        task = mapping.activity_of(value)
        rows.append(MappingRow("activity", value, f"{value} (task subtype)", n,
                               target=("activities", task) if task else None))
    return rows


def _owner_rows(log: EventLog, mapping: CrmMap, least: int) -> list[MappingRow]:
    """Roles of people (queues and owners without a role are not a team), then the owners
    MAP.json maps by id."""
    worked = _owner_work(log)
    people = worked[~worked["queue"] & worked["role"].notna()]
    rows = []
    role_keys = [k for k in mapping.owners if k.startswith("role:")]
    by_role = _count_cases(people, "role")
    named = {_key(k[5:]) for k in role_keys}
    for role, n in by_role.items():
        if n >= least or _key(str(role)) in named:
            lane = _find(mapping.owners, f"role:{role}")
            rows.append(MappingRow("owner", f"role:{role}", f"Role: {role}", int(n),
                                   target=("owners", lane) if lane else None))
    by_owner = _count_cases(worked, "owner")
    for owner, lane in mapping.owners.items():
        if owner.startswith("role:"):
            continue
        name = log.owners["name"].get(owner) if owner in log.owners.index else None
        label = f"Owner: {name} ({owner})" if isinstance(name, str) and name else \
            f"Owner: {owner}"
        rows.append(MappingRow("owner", owner, label, int(by_owner.get(owner, 0)),
                               target=("owners", lane)))
    return rows


def _without(table: dict[str, Any], value: str) -> dict[str, Any]:
    wanted = _key(value)
    return {k: v for k, v in table.items() if _key(k) != wanted}


def mapping_with(mapping: CrmMap, rows: Sequence[MappingRow]) -> CrmMap:
    """``mapping`` with each row's value placed where the row says (and nowhere else);
    values without a row are kept as they were."""
    data = mapping.model_dump()
    for row in rows:
        if row.kind == "status":
            data["stages"] = {stage: [v for v in values if _key(v) != _key(row.value)]
                              for stage, values in data["stages"].items()}
            if row.stage is not None:
                data["stages"].setdefault(row.stage, []).append(row.value)
            data["stages"] = {s: v for s, v in data["stages"].items() if v}
        for field in FIELDS[row.kind]:
            data[field] = _without(data[field], row.value)
        if row.target is not None:
            field, target = row.target
            data[field][row.value] = target
    return CrmMap.model_validate(data)


# --- changes ---------------------------------------------------------------------------------


def change_groups(changes: Sequence[Change]) -> dict[str, str]:
    """Path -> the group it must be applied with: the branch probabilities of one decision
    (they add up to 1 only together), and a new calendar with the lane that is moved onto
    it. Every other change is a group of its own."""
    new_calendars = {c.path.split(".")[1] for c in changes
                     if c.path.count(".") == 1 and c.path.startswith("calendars.")
                     and c.old is MISSING}
    groups = {}
    for change in changes:
        parts = change.path.split(".")
        group = change.path
        if parts[0] == "edges" and parts[-1] == "probability" and "->" in parts[1]:
            group = f"branches:{parts[1].split('->')[0].strip()}"
        elif change.path.startswith("calendars.") and len(parts) == 2 \
                and parts[1] in new_calendars:
            group = f"calendar:{parts[1]}"
        elif parts[0] == "lanes" and parts[-1] == "calendar" and change.new in new_calendars:
            group = f"calendar:{change.new}"
        groups[change.path] = group
    return groups


def linked(changes: Sequence[Change], path: str) -> list[str]:
    """The paths that go with ``path`` (itself included), in the fit's order."""
    groups = change_groups(changes)
    return [c.path for c in changes if groups[c.path] == groups[path]]


def chosen_values(run: CalibrationRun, ticked: Iterable[str]) -> list[tuple[str, Any]]:
    """What to set in the open process, in order: the ticked changes (a value the fit
    removes is MISSING) and then the observed figures the whole export shows."""
    wanted = set(ticked)
    values: list[tuple[str, Any]] = [(c.path, c.new) for c in run.calibration.changes
                                     if c.path in wanted]
    observed = run.calibrated.observed
    if observed is not None:
        values.append(("observed", observed.model_dump(mode="json")))
    return values


def first_refusal(process: Process, values: Sequence[tuple[str, Any]]) -> str | None:
    """Why applying ``values`` in order would be refused (None: it applies), tried on a
    detached copy so nothing is changed."""
    copy = process.detached_copy()
    for path, value in values:
        try:
            copy.edit.set_value(path, value)
        except (ValueError, KeyError) as exc:
            return f"{path}: {exc.args[0] if exc.args else exc}"
    return None


# --- the figures of a change, in words ---------------------------------------------------


def _hours_range(lo: float, hi: float) -> str:
    """Both ends in the unit ``describe_hours`` gives the larger: "10.8 – 74.9 h"."""
    unit = describe_hours(hi).split()[-1]
    scale = {"min": 60.0, "h": 1.0, "d": 1 / 24}[unit]
    digits = 0 if unit == "min" and (hi - lo) * scale >= 2 else 1  # "9.2 – 9.4 min"
    return f"{lo * scale:.{digits}f} – {hi * scale:.{digits}f} {unit}"


def interval_text(change: Change) -> str:
    """A change's 95 % interval in the unit of its value: "52.1 – 57.0 /day", "38.6 –
    45.3 %", "mean 9.2 min – 9.4 min"; "—" without one."""
    if change.ci95 is None:
        return "—"
    lo, hi = (float(v) for v in change.ci95)
    path = change.path
    if path.endswith((".probability", ".response_rate")):  # shares, as percentages
        return f"{100 * lo:.1f} – {100 * hi:.1f} %"
    if path.endswith(".arrivals.rate"):
        period = str(change.new).partition("/")[2] or "day"
        return f"{lo:.4g} – {hi:.4g} /{period}"
    if path.endswith(".arrivals"):
        return f"{lo:.4g} – {hi:.4g} /day"
    if path.endswith(".duration"):
        return f"mean {_hours_range(lo, hi)}"
    if path.endswith(".half_life"):
        return _hours_range(lo, hi)
    if path.endswith(".staff"):
        return f"{lo:.3g} – {hi:.3g}"
    return f"{lo:.4g} – {hi:.4g}"


__all__ = [
    "KINDS",
    "KIND_WORDS",
    "MappingRow",
    "Target",
    "change_groups",
    "chosen_values",
    "first_refusal",
    "interval_text",
    "linked",
    "mapping_rows",
    "mapping_with",
    "targets",
]
