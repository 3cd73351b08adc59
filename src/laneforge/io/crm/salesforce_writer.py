"""An :class:`EventLog` written as a Salesforce export looks (for tests, demos, benchmarks).

Lead.csv, LeadHistory.csv, Opportunity.csv, OpportunityHistory.csv, Task.csv, User.csv,
UserRole.csv and Group.csv, with the API's column names and habits: times in UTC
(``2025-03-04T14:22:10.000Z``), ``ConvertedDate``/``CloseDate``/``ActivityDate`` as plain
dates, every owner change twice (ids, then names), queue owners as Groups, status changes
without a known author made by an integration user that has no role, calls with
``TaskSubtype`` "Call" and their kind in ``Type``, 18-character ids.

A case converts at its first stage event whose value is an opportunity stage
(``opportunity_stages``); from then on its stages are the opportunity's. What the format
cannot carry: owner changes after conversion other than the first (that one moves to the
conversion), activity end times, sub-second times, cases without a lead.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from ...atomic import atomic_write_text
from .common import to_date_text, to_utc_text
from .eventlog import ACTIVITY, OWNER, STAGE, EventLog
from .salesforce import id18

#: Salesforce's standard opportunity stages and a few common custom ones
DEFAULT_OPPORTUNITY_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
    "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
    "Negotiation/Review", "Closed Won", "Closed Lost", "Discovery", "Demo", "Proposal",
    "Negotiation", "Evaluation", "Contract Sent",
)
INTEGRATION_USER = "Integration User"
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def make_id(prefix: str, number: int) -> str:
    """A made-up but well-formed 18-character id: key prefix, then ``number`` in base 62."""
    text = ""
    while True:
        number, digit = divmod(number, 62)
        text = _DIGITS[digit] + text
        if number == 0:
            break
    return id18(prefix + text.rjust(12, "0"))


def _keep_or_make(values: pd.Index, prefix: str, pattern: str) -> dict[str, str]:
    """Ids that look like Salesforce's (``pattern``) stay; others get made-up ones."""
    shape = re.compile(rf"^(?:{pattern})[0-9A-Za-z]{{12}}(?:[0-9A-Za-z]{{3}})?$")
    out, used = {}, 0
    for value in values:
        if shape.match(value):
            out[value] = id18(value)
        else:
            used += 1
            out[value] = make_id(prefix, used)
    return out


class _Owners:
    """Every owner the log names as a Salesforce user or queue, plus the integration user."""

    def __init__(self, log: EventLog) -> None:
        events = log.events
        named = pd.concat([pd.Series(log.owners.index, dtype="string"), events["owner"],
                           events.loc[events["kind"] == OWNER, "value"], log.cases["owner"]])
        names = pd.Index(named.dropna().unique(), dtype="string")
        info = log.owners.reindex(names)
        queue = info["is_queue"].fillna(False).astype(bool) | names.str.startswith("00G")
        self.info = info.assign(is_queue=queue)
        people, queues = names[~queue.to_numpy()], names[queue.to_numpy()]
        self.ids = {**_keep_or_make(people, "005", "005"), **_keep_or_make(queues, "00G", "00G")}
        robots = [o for o in people if isinstance(info.at[o, "name"], str)
                  and "integration" in info.at[o, "name"].casefold()]
        self.robot = self.ids[robots[0]] if robots else make_id("005", 999_999)
        self.names = {self.ids[o]: (info.at[o, "name"] if isinstance(info.at[o, "name"], str)
                                    else o) for o in names}
        self.names.setdefault(self.robot, INTEGRATION_USER)

    def id_of(self, values: pd.Series, fallback: str | pd.Series | None = None) -> pd.Series:
        out = values.map(self.ids).astype("string")
        return out if fallback is None else out.fillna(fallback)

    def name_of(self, ids: pd.Series) -> pd.Series:
        return ids.map(self.names).astype("string")

    def tables(self) -> dict[str, pd.DataFrame]:
        info = self.info
        users = [(self.ids[o], self.names[self.ids[o]], info.at[o, "role"])
                 for o in info.index if not info.at[o, "is_queue"]]
        if self.robot not in {u[0] for u in users}:
            users.append((self.robot, INTEGRATION_USER, pd.NA))
        roles = sorted({r for _, _, r in users if isinstance(r, str)})
        role_ids = {r: make_id("00E", i + 1) for i, r in enumerate(roles)}
        user = pd.DataFrame({
            "Id": [u[0] for u in users], "Name": [u[1] for u in users],
            "Username": [re.sub(r"[^a-z0-9]+", ".", u[1].casefold()).strip(".") + "@example.com"
                         for u in users],
            "UserRoleId": [role_ids.get(u[2], "") if isinstance(u[2], str) else ""
                           for u in users],
            "IsActive": "true",
        })
        queues = [o for o in info.index if info.at[o, "is_queue"]]
        group = pd.DataFrame({
            "Id": [self.ids[o] for o in queues], "Name": [self.names[self.ids[o]] for o in queues],
            "DeveloperName": [re.sub(r"\W+", "_", self.names[self.ids[o]]) for o in queues],
            "Type": "Queue",
        })
        role = pd.DataFrame({"Id": list(role_ids.values()), "Name": list(role_ids)})
        return {"User": user, "UserRole": role, "Group": group}


def write_salesforce(
    log: EventLog, folder: str | Path, *, opportunity_stages: Collection[str] | None = None
) -> list[Path]:
    """Write the log as a Salesforce export into ``folder`` (created if needed); each file
    is written atomically. Returns the files written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    stages = {s.casefold() for s in (opportunity_stages or DEFAULT_OPPORTUNITY_STAGES)}
    owners = _Owners(log)
    split = _Split(log, stages)
    tz = log.timezone
    lead_id = pd.Series(_keep_or_make(log.cases.index, "00Q", "00Q"), dtype="string")
    tables = {
        "Lead": _leads(log, split, lead_id, owners, tz),
        "LeadHistory": _lead_history(log, split, lead_id, owners, tz),
        "Opportunity": _opportunities(log, split, owners, tz),
        "OpportunityHistory": _opportunity_history(log, split, owners, tz),
        "Task": _tasks(log, split, lead_id, owners, tz),
        **owners.tables(),
    }
    written = []
    for name, table in tables.items():
        path = target / f"{name}.csv"
        atomic_write_text(path, table.to_csv(index=False, lineterminator="\n"))
        written.append(path)
    return written


class _Split:
    """Each case's events as the lead's part and, from its first opportunity stage on, the
    opportunity's; with the ids the opportunity and its contact get."""

    def __init__(self, log: EventLog, opportunity_stages: set[str]) -> None:
        events = log.events.reset_index(drop=True)
        stage = (events["kind"] == STAGE).to_numpy(dtype=bool)
        opp = stage & events["value"].str.casefold().isin(opportunity_stages).to_numpy(
            dtype=bool, na_value=False)
        after = pd.Series(opp).groupby(events["case"].to_numpy()).cummax().to_numpy(dtype=bool)
        self.events, self.after = events, after
        self.converted_at = events.loc[opp].groupby("case")["time"].min()
        converted = self.converted_at.index
        self.opp_id = pd.Series([make_id("006", i + 1) for i in range(len(converted))],
                                index=converted, dtype="string")
        self.contact_id = pd.Series([make_id("003", i + 1) for i in range(len(converted))],
                                    index=converted, dtype="string")
        kind = events["kind"]
        self.lead_stages = events[stage & ~after]
        self.opp_stages = events[stage & after]
        self.lead_owners = events[(kind == OWNER).to_numpy(dtype=bool) & ~after]
        self.opp_owners = events[(kind == OWNER).to_numpy(dtype=bool) & after]
        self.activities = events[(kind == ACTIVITY).to_numpy(dtype=bool)]
        self.activity_after = after[(kind == ACTIVITY).to_numpy(dtype=bool)]


def _times(times: pd.Series, keys: pd.Series) -> pd.Series:
    """``times`` looked up for each key (NaT where there is none), as datetimes."""
    return pd.Series(times.astype("datetime64[ns]").reindex(keys.to_numpy()).to_numpy(),
                     index=keys.index, dtype="datetime64[ns]")


def _initial(rows: pd.DataFrame, created: pd.Series) -> np.ndarray:
    """Rows that are a case's first and happen at its creation (not a history row)."""
    first = ~rows["case"].duplicated().to_numpy()
    return first & (rows["time"].to_numpy() == _times(created, rows["case"]).to_numpy())


def _leads(log: EventLog, split: _Split, lead_id: pd.Series, owners: _Owners,
           tz: str) -> pd.DataFrame:
    cases = log.cases
    case = cases.index.to_series()
    status = split.lead_stages.groupby("case")["value"].last().reindex(cases.index)
    owner = split.lead_owners.groupby("case")["value"].last().reindex(cases.index)
    owner = owners.id_of(owner.fillna(cases["owner"]))
    converted = case.isin(split.converted_at.index)
    number = np.arange(1, len(cases) + 1)
    return pd.DataFrame({
        "Id": case.map(lead_id).to_numpy(),
        "LastName": [f"Lead {n}" for n in number],
        "Company": [f"Company {n}" for n in number],
        "Status": status.to_numpy(),
        "LeadSource": cases["source"].to_numpy(),
        "OwnerId": owner.to_numpy(),
        "IsConverted": np.where(converted, "true", "false"),
        "ConvertedDate": to_date_text(_times(split.converted_at, case)).to_numpy(),
        "ConvertedOpportunityId": case.map(split.opp_id).to_numpy(),
        "ConvertedContactId": case.map(split.contact_id).to_numpy(),
        "CreatedDate": to_utc_text(cases["created"], tz).to_numpy(),
    })


def _lead_history(log: EventLog, split: _Split, lead_id: pd.Series, owners: _Owners,
                  tz: str) -> pd.DataFrame:
    created = log.cases["created"]
    stages = split.lead_stages
    # the first status is not a history row, but a converted lead that never changed it
    # would lose it (its Status is read as the converted one): write it as the first change
    alone = stages["case"].map(stages["case"].value_counts()) == 1
    kept = alone.to_numpy() & stages["case"].isin(split.converted_at.index).to_numpy()
    changes = stages[~_initial(stages, created) | kept]
    previous = stages.groupby("case")["value"].shift().loc[changes.index]
    moves = split.lead_owners
    owner_moves = moves[~_initial(moves, created)]
    old_owner = owners.id_of(moves.groupby("case")["value"].shift().loc[owner_moves.index])
    new_owner = owners.id_of(owner_moves["value"])
    by = owners.id_of(owner_moves["owner"], owners.robot)
    when = split.converted_at
    rows = [
        pd.DataFrame({"case": created.index, "time": created.to_numpy(), "Field": "created",
                      "OldValue": pd.NA, "NewValue": pd.NA,
                      "by": owners.id_of(log.cases["owner"], owners.robot).to_numpy(),
                      "order": 0}),
        pd.DataFrame({"case": changes["case"], "time": changes["time"], "Field": "Status",
                      "OldValue": previous, "NewValue": changes["value"],
                      "by": owners.id_of(changes["owner"]).where(
                          pd.Series(kept, index=stages.index).loc[changes.index],
                          owners.id_of(changes["owner"], owners.robot)), "order": 1}),
        pd.DataFrame({"case": owner_moves["case"], "time": owner_moves["time"], "Field": "Owner",
                      "OldValue": old_owner, "NewValue": new_owner, "by": by, "order": 2}),
        pd.DataFrame({"case": owner_moves["case"], "time": owner_moves["time"], "Field": "Owner",
                      "OldValue": owners.name_of(old_owner),
                      "NewValue": owners.name_of(new_owner), "by": by, "order": 3}),
        pd.DataFrame({"case": when.index, "time": when.to_numpy(), "Field": "leadConverted",
                      "OldValue": pd.NA, "NewValue": pd.NA, "by": owners.robot, "order": 4}),
    ]
    table = pd.concat(rows, ignore_index=True)
    table = table.sort_values(["case", "time", "order"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({
        "Id": [make_id("017", i + 1) for i in range(len(table))],
        "LeadId": table["case"].map(lead_id).to_numpy(),
        "CreatedById": table["by"].to_numpy(),
        "CreatedDate": to_utc_text(table["time"], tz).to_numpy(),
        "Field": table["Field"].to_numpy(),
        "OldValue": table["OldValue"].to_numpy(),
        "NewValue": table["NewValue"].to_numpy(),
    })


def _opportunities(log: EventLog, split: _Split, owners: _Owners, tz: str) -> pd.DataFrame:
    opp = split.opp_id
    last = split.opp_stages.groupby("case").last()
    first_owner = split.opp_owners.groupby("case")["value"].first().reindex(opp.index)
    lead_owner = split.lead_owners.groupby("case")["value"].last().reindex(opp.index)
    owner = owners.id_of(first_owner.fillna(lead_owner).fillna(log.cases["owner"].reindex(
        opp.index)))
    stage = last["value"].reindex(opp.index)
    closed = stage.str.casefold().str.startswith("closed").fillna(False)
    won = closed & stage.str.casefold().str.contains("won").fillna(False)
    at = split.converted_at.reindex(opp.index)
    close = last["time"].reindex(opp.index).where(closed, at + pd.Timedelta(days=30))
    return pd.DataFrame({
        "Id": opp.to_numpy(),
        "Name": [f"Opportunity {i + 1}" for i in range(len(opp))],
        "StageName": stage.to_numpy(),
        "Amount": log.cases["amount"].reindex(opp.index).map(
            lambda a: "" if pd.isna(a) else f"{a:.2f}").to_numpy(),
        "CloseDate": to_date_text(close).to_numpy(),
        "CreatedDate": to_utc_text(at, tz).to_numpy(),
        "OwnerId": owner.to_numpy(),
        "LeadSource": log.cases["source"].reindex(opp.index).to_numpy(),
        "IsClosed": np.where(closed, "true", "false"),
        "IsWon": np.where(won, "true", "false"),
    })


def _opportunity_history(log: EventLog, split: _Split, owners: _Owners,
                         tz: str) -> pd.DataFrame:
    rows = split.opp_stages
    amount = rows["case"].map(log.cases["amount"])
    return pd.DataFrame({
        "Id": [make_id("008", i + 1) for i in range(len(rows))],
        "OpportunityId": rows["case"].map(split.opp_id).to_numpy(),
        "StageName": rows["value"].to_numpy(),
        "Amount": amount.map(lambda a: "" if pd.isna(a) else f"{a:.2f}").to_numpy(),
        "CloseDate": to_date_text(_times(split.converted_at, rows["case"])
                                  + pd.Timedelta(days=30)).to_numpy(),
        "CreatedById": owners.id_of(rows["owner"], owners.robot).to_numpy(),
        "CreatedDate": to_utc_text(rows["time"], tz).to_numpy(),
    })


def _tasks(log: EventLog, split: _Split, lead_id: pd.Series, owners: _Owners,
           tz: str) -> pd.DataFrame:
    rows, after = split.activities, split.activity_after
    subtype = rows["subtype"].fillna("Task")
    kind = rows["value"].where(rows["value"] != subtype)
    seconds = (rows["duration_h"] * 3600.0).round()
    owner = owners.id_of(rows["owner"], owners.id_of(rows["case"].map(log.cases["owner"]),
                                                     owners.robot))
    return pd.DataFrame({
        "Id": [make_id("00T", i + 1) for i in range(len(rows))],
        "WhoId": np.where(after, rows["case"].map(split.contact_id),
                          rows["case"].map(lead_id)),
        "WhatId": np.where(after, rows["case"].map(split.opp_id), pd.NA),
        "OwnerId": owner.to_numpy(),
        "Subject": rows["value"].to_numpy(),
        "ActivityDate": to_date_text(rows["time"]).to_numpy(),
        "CreatedDate": to_utc_text(rows["time"], tz).to_numpy(),
        "Status": "Completed",
        "TaskSubtype": subtype.to_numpy(),
        "Type": kind.to_numpy(),
        "CallDurationInSeconds": seconds.map(lambda s: "" if pd.isna(s) else str(int(s)))
        .to_numpy(),
        "CallType": np.where(subtype == "Call", "Outbound", ""),
    })
