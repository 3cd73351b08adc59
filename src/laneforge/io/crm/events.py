"""A generic event-log CSV -> :class:`EventLog`, and back (:func:`write_events`).

One row an event: ``case_id, activity, timestamp`` plus optional ``end_timestamp, resource,
source, lifecycle`` (process-mining names such as ``case:concept:name``, ``concept:name``,
``time:timestamp``, ``org:resource``, ``lifecycle:transition`` read too), and three this
program writes so a log goes round unchanged: ``kind`` (stage, activity, owner), ``subtype``
and ``role``; ``amount`` on any row of a case is its deal amount. Other columns are the
case's attributes (first value per case).

Without a ``kind`` column, a row is an activity when MAP.json maps its activity to a task,
when it has an end time, or when it is a ``start`` with a matching ``complete``; otherwise
it is a stage (a status the case entered).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...atomic import atomic_write_text
from .assemble import assemble
from .common import Col, Context, CrmDataError, fold, match_columns, sniff, to_local_text
from .eventlog import ACTIVITY, KINDS, OWNER, STAGE, EventLog

FORMAT = "events"

COLUMNS = (
    Col("case_id", ("case", "case:concept:name", "case id", "lead_id", "lead id"), key=True),
    Col("activity", ("concept:name", "event", "activity name"), key=True),
    Col("timestamp", ("time:timestamp", "time", "start_timestamp", "start time"), kind="time",
        key=True),
    Col("end_timestamp", ("complete_timestamp", "end time", "end"), kind="time"),
    Col("resource", ("org:resource", "owner", "user")),
    Col("role", ("org:role",)),
    Col("source", ("lead_source", "lead source", "channel")),
    Col("lifecycle", ("lifecycle:transition", "transition")),
    Col("kind", ("event kind",)),
    Col("subtype", ()),
    Col("amount", ("deal amount",), kind="number"),
)
TABLES = {"events": COLUMNS}
REQUIRED = ("events",)


def recognize(keys: set[str]) -> str | None:
    found = match_columns(sorted(keys), COLUMNS[:3])
    return "events" if len(found) == 3 else None


def read(files: dict[str, list[Path]], ctx: Context) -> EventLog:
    paths = files["events"]
    header, _ = sniff(paths[0], ctx.encoding)
    known = set(match_columns(header, COLUMNS).values())
    extra = tuple(Col(h) for h in header if h not in known and h)
    table = ctx.read(paths, "events", (*COLUMNS, *extra))
    frame = table.frame
    notes: list[str] = []
    frame = _pair_lifecycle(frame, notes)
    kind = _kinds(frame, paths[0], ctx.activities)
    end = frame["end_timestamp"] if "end_timestamp" in frame.columns else pd.Series(
        pd.NaT, index=frame.index, dtype="datetime64[ns]")
    end = end.where(kind == ACTIVITY)
    resource = _text(frame, "resource")
    events = pd.DataFrame({
        "case": frame["case_id"], "time": frame["timestamp"], "kind": kind,
        "value": frame["activity"], "subtype": _text(frame, "subtype"), "end": end,
        "duration_h": np.nan,  # the file says when work ended, not how long it took
        "owner": resource.where(resource.notna() | (kind != OWNER), frame["activity"]),
    })
    cases = _cases(frame, [c.name for c in extra])
    owners = _owners(frame, resource, events)
    return assemble(FORMAT, cases, [events], owners, main=paths[0], files=table.files,
                    notes=notes, timezone=ctx.timezone, since=ctx.since, until=ctx.until)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _kinds(frame: pd.DataFrame, path: Path, activities: frozenset[str]) -> pd.Series:
    if "kind" in frame.columns:
        kind = fold(frame["kind"])
        bad = kind.notna() & ~kind.isin(KINDS)
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise CrmDataError(path, f"unknown kind {frame['kind'].iloc[row]!r} (expected "
                                     "stage, activity or owner)", field="kind", row=row + 2)
    else:
        kind = pd.Series(pd.NA, index=frame.index, dtype="string")
    timed = frame["end_timestamp"].notna() if "end_timestamp" in frame.columns else False
    mapped = fold(frame["activity"]).isin(activities)
    work = (mapped | timed).to_numpy(dtype=bool)
    guess = pd.Series(pd.Categorical.from_codes(work.astype(np.int8), [STAGE, ACTIVITY]),
                      index=frame.index).astype("string")
    return kind.fillna(guess) if kind.notna().any() else guess


def _pair_lifecycle(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """``start`` and ``complete`` rows of one activity become one row with an end time."""
    if "lifecycle" not in frame.columns:
        return frame
    life = fold(frame["lifecycle"])
    other = life.notna() & ~life.isin(["start", "complete"])
    if other.any():
        notes.append(f"{int(other.sum()):,} rows with other lifecycle transitions than start "
                     "and complete are left out")
    starts = frame[(life == "start").to_numpy(dtype=bool)]
    if starts.empty:
        return frame[~other.to_numpy(dtype=bool)]
    completes = frame[(life == "complete").to_numpy(dtype=bool)]
    key = ["case_id", "activity"]
    starts = starts.sort_values("timestamp", kind="stable")
    completes = completes.sort_values("timestamp", kind="stable")
    starts = starts.assign(_n=starts.groupby(key, sort=False).cumcount().to_numpy(),
                           _row=starts.index)
    ends = completes.assign(_n=completes.groupby(key, sort=False).cumcount().to_numpy(),
                            _row=completes.index)[[*key, "_n", "timestamp", "_row"]]
    paired = starts.merge(ends, on=[*key, "_n"], how="left", suffixes=("", "_end"))
    matched = paired["_row_end"].notna()
    paired.loc[matched.to_numpy(), "end_timestamp"] = paired.loc[matched.to_numpy(),
                                                                 "timestamp_end"]
    paired = paired.set_index("_row")
    used = set(paired["_row_end"].dropna().astype(int))
    rest = frame[~(life == "start").to_numpy(dtype=bool) & ~other.to_numpy(dtype=bool)
                 & ~frame.index.isin(used)]
    columns = list(frame.columns) + (["end_timestamp"] if "end_timestamp" not in frame else [])
    out = pd.concat([rest, paired[[c for c in columns if c in paired.columns]]])
    return out.sort_index(kind="stable").reset_index(drop=True)


def _cases(frame: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """Created at the first event; source, amount and attributes from the first row that has
    them. Status and owner are left for :func:`assemble` to take from the sorted events."""
    group = frame.groupby(frame["case_id"], sort=False)
    cases = pd.DataFrame({"created": group["timestamp"].min()})
    for column in ("source", "amount", *extra):
        if column in frame.columns:
            cases[column] = group[column].first()
    cases.index = pd.Index(cases.index, dtype="string", name="case")
    return cases


def _owners(frame: pd.DataFrame, resource: pd.Series, events: pd.DataFrame) -> pd.DataFrame:
    if "role" not in frame.columns:
        return pd.DataFrame()
    role = frame["role"].groupby(resource, sort=False).first()
    return pd.DataFrame({"role": role.astype("string")},
                        index=pd.Index(role.index, dtype="string"))


def write_events(log: EventLog, path: str | Path) -> Path:
    """The log as one events CSV in the export's local time (no zone): every event a row,
    with ``kind``, ``subtype``, ``role`` and, on a case's first row, ``source`` and
    ``amount``. An activity with only a duration gets ``end_timestamp`` = start + duration."""
    target = Path(path)
    events = log.events
    end = events["end"].fillna(events["time"] + pd.to_timedelta(events["duration_h"], unit="h"))
    end = end.where(events["kind"] == ACTIVITY)
    first = ~events["case"].duplicated()
    case_source = events["case"].map(log.cases["source"]).where(first)
    amount = events["case"].map(log.cases["amount"]).where(first)
    resource = events["owner"]
    role = resource.map(log.owners["role"])
    table = pd.DataFrame({
        "case_id": events["case"], "activity": events["value"],
        "timestamp": to_local_text(events["time"], "T"),
        "end_timestamp": to_local_text(end, "T"), "resource": resource, "role": role,
        "source": case_source, "kind": events["kind"], "subtype": events["subtype"],
        "amount": amount.map(lambda a: "" if pd.isna(a) else f"{a:.2f}"),
    })
    atomic_write_text(target, table.to_csv(index=False, lineterminator="\n"))
    return target
