"""Turn a reader's pieces (cases, event tables, owners) into one well-formed :class:`EventLog`:
exact dtypes, sorted events, repeated entries dropped, the ``--since``/``--until`` window
applied, and the owners table completed with every owner the events name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .common import CrmDataError, parse_moment
from .eventlog import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    OWNER,
    OWNER_COLUMNS,
    STAGE,
    EventLog,
    SourceFile,
)

Moment = str | date | datetime | pd.Timestamp | None

#: Salesforce queue (Group) ids start with 00G; a case owned by one waits for a person
_QUEUE_ID = re.compile(r"^00G[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$")


def conform_events(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate event tables, filling absent columns, with EVENT_COLUMNS' dtypes."""
    frames = []
    for part in parts:
        if part.empty:
            continue
        columns = {}
        for name, dtype in EVENT_COLUMNS.items():
            if name in part.columns:
                columns[name] = part[name].astype(dtype).reset_index(drop=True)
            else:
                columns[name] = pd.Series(pd.NA if dtype == "string" else None,
                                          index=range(len(part)), dtype=dtype)
        frames.append(pd.DataFrame(columns))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def conform_cases(cases: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.Index(cases.index.astype("string"), name="case"))
    for name, dtype in CASE_COLUMNS.items():
        values = cases[name] if name in cases.columns else pd.Series(index=cases.index,
                                                                     dtype=dtype)
        out[name] = pd.Series(values.astype(dtype).to_numpy(), index=out.index, dtype=dtype)
    for name in cases.columns:
        if name not in CASE_COLUMNS:
            out[name] = pd.Series(cases[name].astype("string").to_numpy(), index=out.index,
                                  dtype="string")
    return out


def sort_and_dedupe(events: pd.DataFrame) -> pd.DataFrame:
    """Sort by case then time (ties keep the reader's order) and drop what is not a change:
    the same stage or owner written twice in a row for a case (Salesforce's owner change as
    ids then names, an opportunity history row that only changed the amount)."""
    if events.empty:
        return events.reset_index(drop=True)
    codes, _ = pd.factorize(events["case"], sort=True)
    times = events["time"].to_numpy().view("int64")
    order = np.lexsort((np.arange(len(events)), times, codes))
    events = events.iloc[order].reset_index(drop=True)
    drop = np.zeros(len(events), dtype=bool)
    for kind in (STAGE, OWNER):
        rows = np.flatnonzero((events["kind"] == kind).to_numpy(dtype=bool, na_value=False))
        if len(rows) < 2:
            continue
        case = events["case"].to_numpy()[rows]
        value = events["value"].astype(object).to_numpy()[rows]
        same = (case[1:] == case[:-1]) & (value[1:] == value[:-1])
        drop[rows[1:][same.astype(bool)]] = True
    return events.loc[~drop].reset_index(drop=True)


def _fill_from_events(cases: pd.DataFrame, events: pd.DataFrame) -> None:
    """A case the export gives no status or owner has its last stage and its last owner
    (or, without owner events, whoever worked it last)."""
    if cases["status"].isna().any():
        stages = events[events["kind"] == STAGE].drop_duplicates("case", keep="last")
        last = pd.Series(stages["value"].to_numpy(), index=stages["case"].to_numpy())
        cases["status"] = cases["status"].fillna(last.reindex(cases.index)).astype("string")
    if cases["owner"].isna().any():
        moves = events[events["kind"] == OWNER].drop_duplicates("case", keep="last")
        worked = events.dropna(subset=["owner"]).drop_duplicates("case", keep="last")
        for rows, column in ((moves, "value"), (worked, "owner")):
            last = pd.Series(rows[column].to_numpy(), index=rows["case"].to_numpy())
            cases["owner"] = cases["owner"].fillna(last.reindex(cases.index)).astype("string")


def complete_owners(owners: pd.DataFrame, events: pd.DataFrame,
                    cases: pd.DataFrame) -> pd.DataFrame:
    """Every owner id the log names, with name/role/is_queue (<NA> where unknown)."""
    seen = [pd.unique(part.dropna().to_numpy()) for part in (
        events.loc[events["kind"] == OWNER, "value"], events["owner"], cases["owner"])]
    ids = pd.Index(owners.index.astype("string"))
    for part in seen:
        ids = ids.append(pd.Index(part, dtype="string"))
    ids = ids.drop_duplicates()
    out = pd.DataFrame(index=pd.Index(ids, dtype="string", name="owner"))
    for name, dtype in OWNER_COLUMNS.items():
        if name == "is_queue":
            continue
        values = owners[name] if name in owners.columns else pd.Series(dtype=dtype)
        out[name] = values.reindex(out.index).astype(dtype)
    flag = owners["is_queue"] if "is_queue" in owners.columns else pd.Series(dtype="boolean")
    flag = flag.reindex(out.index).astype("boolean")
    by_prefix = pd.Series(out.index.str.match(_QUEUE_ID), index=out.index)
    out["is_queue"] = flag.fillna(by_prefix).astype("bool")
    return out


def assemble(
    fmt: str,
    cases: pd.DataFrame,
    event_parts: Sequence[pd.DataFrame],
    owners: pd.DataFrame,
    *,
    main: Path,
    files: list[SourceFile],
    notes: list[str],
    timezone: str,
    since: Moment = None,
    until: Moment = None,
    history_from: pd.Timestamp | None = None,
) -> EventLog:
    """The finished log; ``main`` is the file named when the export holds no case at all."""
    cases = conform_cases(cases)
    cases = cases[~cases.index.duplicated(keep="first")]
    events = conform_events(event_parts)
    known = events["case"].isin(cases.index)
    if not known.all():
        notes.append(f"{int((~known).sum()):,} records name no lead in the export; "
                     "they are left out")
        events = events[known]
    timed = events["time"].notna()
    if not timed.all():
        events = events[timed]
    latest = pd.concat([cases["created"], events["time"]]).max()
    cases, events, _, end_limit = _window(cases, events, since, until, timezone, notes)
    if cases.empty:
        raise CrmDataError(main, "the export holds no leads" if since is None and until is None
                           else "no lead was created inside --since/--until")
    events = sort_and_dedupe(events)
    _fill_from_events(cases, events)
    owners = complete_owners(owners, events, cases)
    times = pd.concat([cases["created"], events["time"]]).dropna()
    start, end = times.min(), times.max()
    if end_limit is not None:  # the export went on past --until: it ends there
        end = max(end, min(latest, end_limit))
    if history_from is not None and cases["created"].min() >= history_from:
        history_from = None  # every lead kept was created after the history starts
    return EventLog(
        format=fmt, cases=cases, events=events, owners=owners, start=pd.Timestamp(start),
        end=pd.Timestamp(end), timezone=timezone, files=files, notes=notes,
        history_from=history_from,
    )


def _window(
    cases: pd.DataFrame, events: pd.DataFrame, since: Moment, until: Moment, timezone: str,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """Keep the leads created in [since, until) and what happened to them before ``until``;
    a plain-date ``until`` includes that whole day."""
    lower = upper = None
    if since is not None:
        lower, _ = parse_moment(since, "since", timezone)
    if until is not None:
        upper, plain = parse_moment(until, "until", timezone)
        if plain:
            upper = upper + pd.Timedelta(days=1)
    if lower is not None and upper is not None and upper <= lower:
        raise CrmDataError(None, "must be later than --since", field="until", label="option")
    if lower is None and upper is None:
        return cases, events, None, None
    keep = pd.Series(True, index=cases.index)
    if lower is not None:
        keep &= cases["created"] >= lower
    if upper is not None:
        keep &= cases["created"] < upper
    dropped = int((~keep).sum())
    cases = cases[keep.to_numpy()]
    events = events[events["case"].isin(cases.index)]
    if upper is not None:
        events = events[events["time"] < upper]
    day = "%Y-%m-%d"
    if lower is not None and upper is not None:
        span = f"from {lower:{day}} to {upper - pd.Timedelta(seconds=1):{day}}"
    elif lower is not None:
        span = f"from {lower:{day}} on"
    else:
        span = f"until {upper - pd.Timedelta(seconds=1):{day}}"
    after = "" if upper is None else "; what happened after the window's end is ignored"
    notes.append(f"only leads created {span} are used ({dropped:,} others left out){after}")
    return cases, events, lower, upper
