"""Salesforce object exports (Data Loader, Bulk API or report CSVs) -> :class:`EventLog`.

Lead.csv and LeadHistory.csv are needed; Opportunity.csv, OpportunityHistory.csv, Task.csv,
User.csv, UserRole.csv and Group.csv add what they hold. A converted lead and its opportunity
are one case (the lead's id). What real exports do, and what is done about it:

- an owner change is written twice in LeadHistory (ids, then names): the id row is kept and
  the name row only teaches the owner's name;
- leads owned by queues (Group ids ``00G...``) get owners marked ``is_queue``;
- status changes by an integration user keep that user, whose role stays <NA>;
- calls share ``TaskSubtype`` "Call" and differ in ``Type``: ``value`` is ``Type`` when set;
- ``ConvertedDate``, ``CloseDate`` and ``ActivityDate`` are plain dates (midnight local);
- field history older than 18 months is gone: the log says from when it is complete;
- ids are made 18 characters long, so a report's 15-character ids join a Data Loader file's.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .assemble import assemble
from .common import (
    Col,
    Context,
    CrmDataError,
    column_or_na,
    empty_table,
    first_path,
    fold,
    lookup,
    missing_column,
)
from .eventlog import ACTIVITY, OWNER, STAGE, EventLog, SourceFile

FORMAT = "salesforce"

LEAD = (
    Col("Id", ("Lead ID", "LeadId"), key=True),
    Col("CreatedDate", ("Created Date", "Create Date"), kind="time", key=True),
    Col("Status", ("Lead Status",), required=True),
    Col("LeadSource", ("Lead Source", "Source")),
    Col("OwnerId", ("Owner ID", "Lead Owner ID", "Lead Owner", "Owner")),
    Col("IsConverted", ("Converted",), kind="bool"),
    Col("ConvertedDate", ("Converted Date",), kind="time"),
    Col("ConvertedOpportunityId", ("Converted Opportunity ID", "Converted Opportunity")),
    Col("ConvertedContactId", ("Converted Contact ID", "Converted Contact")),
)
LEAD_HISTORY = (
    Col("LeadId", ("Lead ID", "Lead"), key=True),
    Col("Field", ("Field / Event", "Field Event", "Field Name"), key=True),
    Col("OldValue", ("Old Value",)),
    Col("NewValue", ("New Value",), required=True),
    Col("CreatedDate", ("Created Date", "Edit Date", "Date"), kind="time", key=True),
    Col("CreatedById", ("Created By ID", "Created By", "Edited By")),
)
OPPORTUNITY = (
    Col("Id", ("Opportunity ID", "OpportunityId"), key=True),
    Col("StageName", ("Stage",), required=True),
    Col("CreatedDate", ("Created Date",), kind="time", key=True),
    Col("CloseDate", ("Close Date",), kind="time"),
    Col("Amount", ("Amount (converted)",), kind="number"),
    Col("OwnerId", ("Owner ID", "Opportunity Owner ID", "Opportunity Owner", "Owner")),
    Col("LeadSource", ("Lead Source", "Source")),
    Col("IsClosed", ("Closed",), kind="bool"),
)
OPPORTUNITY_HISTORY = (
    Col("OpportunityId", ("Opportunity ID", "Opportunity"), key=True),
    Col("StageName", ("Stage", "To Stage"), key=True),
    Col("CreatedDate", ("Created Date", "Last Modified", "Edit Date"), kind="time", key=True),
    Col("CreatedById", ("Created By ID", "Created By", "Last Modified By")),
)
TASK = (
    Col("WhoId", ("Name ID", "Who ID")),
    Col("WhatId", ("Related To ID", "What ID")),
    Col("OwnerId", ("Assigned To ID", "Owner ID", "Assigned To", "Assigned")),
    Col("CreatedDate", ("Created Date",), kind="time"),
    Col("CompletedDateTime", ("Completed Date/Time", "Completed Date"), kind="time"),
    Col("ActivityDate", ("Due Date", "Activity Date"), kind="time"),
    Col("TaskSubtype", ("Task Subtype", "Subtype")),
    Col("Type", ("Task Type",)),
    Col("CallDurationInSeconds", ("Call Duration", "Call Duration (seconds)"), kind="number"),
    Col("Status", ("Task Status",)),
    Col("IsClosed", ("Closed",), kind="bool"),
)
USER = (
    Col("Id", ("User ID",), key=True),
    Col("Name", ("Full Name",)),
    Col("FirstName", ("First Name",)),
    Col("LastName", ("Last Name",)),
    Col("UserRole.Name", ("Role", "Role Name", "UserRoleName")),
    Col("UserRoleId", ("Role ID",)),
    Col("Department", ()),
)
USER_ROLE = (Col("Id", ("Role ID",), key=True), Col("Name", ("Role Name", "Role")))
GROUP = (
    Col("Id", ("Group ID", "Queue ID"), key=True),
    Col("Name", ("Queue Name", "Group Name", "Label")),
    Col("Type", ("Group Type",)),
)

TABLES = {
    "Lead": LEAD, "LeadHistory": LEAD_HISTORY, "Opportunity": OPPORTUNITY,
    "OpportunityHistory": OPPORTUNITY_HISTORY, "Task": TASK, "User": USER,
    "UserRole": USER_ROLE, "Group": GROUP,
}
REQUIRED = ("Lead", "LeadHistory")
#: normalized file stem -> table ("lead.csv", "Leads.csv", "LEAD_HISTORY.csv")
FILE_NAMES = {
    **{name.casefold(): name for name in TABLES},
    **{name.casefold() + "s": name for name in TABLES},
    "leadhistories": "LeadHistory", "opportunityhistories": "OpportunityHistory",
    "opportunities": "Opportunity", "groups": "Group", "queue": "Group", "queues": "Group",
}


def recognize(keys: set[str]) -> str | None:
    """The Salesforce object a CSV holds, from its normalized headers (file named otherwise,
    such as Data Loader's ``extract.csv``)."""
    def has(*names: str) -> bool:
        return any(n in keys for n in names)

    if has("leadid") and has("field", "fieldevent"):
        return "LeadHistory"
    if (has("opportunityid") and has("stagename", "tostage") and not has(
            "isclosed", "accountid", "ownerid", "name", "opportunityname")):
        return "OpportunityHistory"
    if has("id", "opportunityid") and has("stagename", "stage") and has("closedate"):
        return "Opportunity"
    if has("id", "leadid") and has("status", "leadstatus") and has(
            "isconverted", "convertedopportunityid", "leadsource", "company"):
        return "Lead"
    if has("whoid", "whatid") and has("tasksubtype", "activitydate", "calldurationinseconds"):
        return "Task"
    if has("id") and has("username", "userroleid", "profileid"):
        return "User"
    if has("id") and has("parentroleid", "rollupdescription"):
        return "UserRole"
    if has("id") and has("type") and has("doesincludebosses", "relatedid", "queueroutingconfigid"):
        return "Group"
    return None


# --- ids -----------------------------------------------------------------------------------

_OWNER_ID = re.compile(r"^(?:005|00G)[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(value: str) -> str:
    """A 15-character Salesforce id -> its 18-character form (other text unchanged)."""
    if len(value) != 15 or not value.isalnum() or not value.isascii():
        return value
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(value[start:start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return value + suffix


def ids(values: pd.Series) -> pd.Series:
    unique = values.dropna().unique()
    return values.map({v: id18(v) for v in unique}).astype("string")


def _is_owner_id(values: pd.Series) -> pd.Series:
    """Whether each value is a user or queue id (tested once per distinct value)."""
    unique = values.dropna().unique()
    return values.map({v: bool(_OWNER_ID.match(v)) for v in unique}).fillna(False).astype(bool)


def owner_ids(values: pd.Series, by_name: dict[str, str]) -> pd.Series:
    """Owner ids as written, or owner names (report exports) turned into ids where known."""
    unique = values.dropna().unique()
    table = {v: id18(v) if _OWNER_ID.match(v) else by_name.get(v.casefold(), v) for v in unique}
    return values.map(table).astype("string")


# --- reading -------------------------------------------------------------------------------


def read(files: dict[str, list[Path]], ctx: Context) -> EventLog:
    for table in REQUIRED:
        if not files.get(table):
            raise CrmDataError(first_path(files).parent / f"{table}.csv",
                               f"{table}.csv is missing from the export (Salesforce needs "
                               "Lead.csv and LeadHistory.csv)")
    owners, by_name, sources = _owners(files, ctx)
    lead_table = ctx.read(files["Lead"], "Lead", LEAD)
    sources += lead_table.files
    leads = lead_table.frame
    leads["Id"] = ids(leads["Id"])
    leads["OwnerId"] = owner_ids(column_or_na(leads, "OwnerId"), by_name)
    for name in ("ConvertedOpportunityId", "ConvertedContactId"):
        leads[name] = ids(column_or_na(leads, name))
    leads = leads.drop_duplicates("Id").set_index("Id", drop=False)
    history_table = ctx.read(files["LeadHistory"], "LeadHistory", LEAD_HISTORY)
    sources += history_table.files
    notes: list[str] = []
    history = _History(history_table.frame, leads, by_name, owners)
    history_from = _history_window(history_table.frame, leads, files["LeadHistory"][0], notes)
    parts = history.events(history_from)
    opps = _Opportunities(files, ctx, leads, by_name)
    sources += opps.files
    parts.append(_conversions(leads, history, opps))
    parts += opps.events()
    if files.get("Task"):
        task_table = ctx.read(files["Task"], "Task", TASK)
        sources += task_table.files
        parts.append(_tasks(task_table.frame, files["Task"][0], leads, opps, by_name, notes))
    cases = pd.concat([_lead_cases(leads, opps), opps.own_cases()])
    return assemble(
        FORMAT, cases, parts, owners, main=files["Lead"][0], files=sources, notes=notes,
        timezone=ctx.timezone, since=ctx.since, until=ctx.until, history_from=history_from,
    )


def _owners(
    files: dict[str, list[Path]], ctx: Context
) -> tuple[pd.DataFrame, dict[str, str], list[SourceFile]]:
    """Users and queues: name, role (or department), queue flag; name -> id; files read."""
    frames, read_files = [], []
    roles: dict[str, str] = {}
    if files.get("UserRole"):
        table = ctx.read(files["UserRole"], "UserRole", USER_ROLE)
        read_files += table.files
        frame = table.frame
        roles = dict(zip(ids(frame["Id"]), column_or_na(frame, "Name"), strict=True))
    if files.get("User"):
        table = ctx.read(files["User"], "User", USER)
        read_files += table.files
        frame = table.frame
        name = column_or_na(frame, "Name")
        full = (column_or_na(frame, "FirstName").fillna("") + " "
                + column_or_na(frame, "LastName").fillna("")).str.strip()
        name = name.fillna(full.mask(full == ""))
        role_id = ids(column_or_na(frame, "UserRoleId"))
        role = column_or_na(frame, "UserRole.Name").fillna(
            role_id.map(lambda r: roles.get(r, r) if isinstance(r, str) else pd.NA)
        ).fillna(column_or_na(frame, "Department"))
        frames.append(pd.DataFrame({"name": name.to_numpy(), "role": role.to_numpy(),
                                    "is_queue": False}, index=ids(frame["Id"]).to_numpy()))
    if files.get("Group"):
        table = ctx.read(files["Group"], "Group", GROUP)
        read_files += table.files
        frame = table.frame
        kind = column_or_na(frame, "Type").str.casefold()
        queue = (kind == "queue").fillna(True) if "Type" in frame.columns else True
        frames.append(pd.DataFrame({"name": column_or_na(frame, "Name").to_numpy(),
                                    "role": pd.NA, "is_queue": queue},
                                   index=ids(frame["Id"]).to_numpy()))
    owners = (pd.concat(frames) if frames
              else pd.DataFrame({"name": [], "role": [], "is_queue": []}))
    owners = owners[~owners.index.duplicated()].astype(
        {"name": "string", "role": "string", "is_queue": "boolean"})
    by_name: dict[str, str] = {}
    for owner, name in owners["name"].dropna().items():
        by_name.setdefault(str(name).casefold(), str(owner))
    return owners, by_name, read_files


def _history_window(history: pd.DataFrame, leads: pd.DataFrame, path: Path,
                    notes: list[str]) -> pd.Timestamp | None:
    """When LeadHistory starts well after the first leads were created, the export covers
    only part of the history: say from when, and how many leads it cuts."""
    if history.empty:
        notes.append(f"{path.name} has no rows: each lead's status is only known as it is now")
        return None
    first = history["CreatedDate"].min()
    early = int((leads["CreatedDate"] < first - pd.Timedelta(days=7)).sum())
    if not early:
        return None
    notes.append(
        f"{path.name} starts on {first:%Y-%m-%d}: status and owner changes before then are "
        f"missing (Salesforce keeps field history for 18 months); {early:,} of "
        f"{len(leads):,} leads were created before then"
    )
    return pd.Timestamp(first)


class _History:
    """LeadHistory rows split into status changes, owner changes and conversions."""

    def __init__(self, frame: pd.DataFrame, leads: pd.DataFrame, by_name: dict[str, str],
                 owners: pd.DataFrame) -> None:
        frame["LeadId"] = ids(frame["LeadId"])
        frame["CreatedById"] = owner_ids(column_or_na(frame, "CreatedById"), by_name)
        field = fold(frame["Field"])
        self.leads = leads
        self.status = frame[(field == "status").to_numpy(dtype=bool)]
        self.owner = _owner_rows(frame[field.isin(["owner", "ownerassignment"]).to_numpy(
            dtype=bool)], by_name, owners)
        converted = frame[(field == "leadconverted").to_numpy(dtype=bool)]
        self.converted = converted.groupby("LeadId")["CreatedDate"].min()

    def events(self, history_from: pd.Timestamp | None) -> list[pd.DataFrame]:
        status, owner, leads = self.status, self.owner, self.leads
        changes = [
            pd.DataFrame({"case": status["LeadId"], "time": status["CreatedDate"],
                          "kind": STAGE, "value": status["NewValue"],
                          "owner": status["CreatedById"]}),
            pd.DataFrame({"case": owner["LeadId"], "time": owner["CreatedDate"],
                          "kind": OWNER, "value": owner["NewValue"],
                          "owner": owner["CreatedById"]}),
        ]
        # a converted lead's status now is its converted status, not the one it began with
        converted = _converted(leads)
        first_status = _first_old(status, leads["Status"].where(~converted), leads.index)
        first_owner = _first_old(owner, leads["OwnerId"], leads.index)
        complete = (leads["CreatedDate"] >= history_from if history_from is not None
                    else pd.Series(True, index=leads.index))
        start = [
            pd.DataFrame({"case": leads.index, "time": leads["CreatedDate"], "kind": STAGE,
                          "value": first_status})[complete.to_numpy()],
            pd.DataFrame({"case": leads.index, "time": leads["CreatedDate"], "kind": OWNER,
                          "value": first_owner, "owner": first_owner})[complete.to_numpy()],
        ]
        return [part.dropna(subset=["value"]) for part in (*start, *changes)]

    def last_status_time(self) -> pd.Series:
        return self.status.groupby("LeadId")["CreatedDate"].max()


def _first_old(rows: pd.DataFrame, current: pd.Series, index: pd.Index) -> pd.Series:
    """What a lead had when it was created: the old value of its first change, or what it
    has now when it never changed."""
    ordered = rows.sort_values("CreatedDate", kind="stable")
    first = ordered.drop_duplicates("LeadId").set_index("LeadId")["OldValue"]
    changed = pd.Series(index.isin(first.index), index=index)
    return first.reindex(index).where(changed, current.reindex(index)).astype("string")


def _owner_rows(rows: pd.DataFrame, by_name: dict[str, str],
                owners: pd.DataFrame) -> pd.DataFrame:
    """One row per owner change: Salesforce writes ids then names at the same moment; keep
    the ids, learn the names (queues have no User row) and turn lone names into ids."""
    rows = rows.copy()
    new, old = rows["NewValue"].astype("string"), column_or_na(rows, "OldValue")
    looks_id = (_is_owner_id(new) | (new.isna() & _is_owner_id(old))).to_numpy(dtype=bool)
    looks_id = pd.Series(looks_id, index=rows.index)
    key = [rows["LeadId"], rows["CreatedDate"]]
    has_id = looks_id.groupby(key).transform("any").astype(bool)
    id_rows, name_rows = rows[looks_id], rows[~looks_id & has_id]
    if len(name_rows):
        pairs = id_rows.assign(k=id_rows.groupby(["LeadId", "CreatedDate"]).cumcount()).merge(
            name_rows.assign(k=name_rows.groupby(["LeadId", "CreatedDate"]).cumcount()),
            on=["LeadId", "CreatedDate", "k"], suffixes=("", "_name"))
        learned = pd.concat([
            pd.DataFrame({"id": pairs[c].to_numpy(), "name": pairs[c + "_name"].to_numpy()})
            for c in ("NewValue", "OldValue") if c in pairs.columns
        ]).dropna().drop_duplicates("id")
        for owner, name in zip(learned["id"], learned["name"], strict=True):
            owner = id18(owner)
            by_name.setdefault(name.casefold(), owner)
            if owner not in owners.index:
                owners.loc[owner, ["name", "is_queue"]] = [name, pd.NA]
            elif pd.isna(owners.at[owner, "name"]):
                owners.at[owner, "name"] = name
    kept = rows[looks_id | ~has_id].copy()
    kept["NewValue"] = owner_ids(kept["NewValue"].astype("string"), by_name)
    kept["OldValue"] = owner_ids(column_or_na(kept, "OldValue"), by_name)
    return kept


class _Opportunities:
    """Opportunity.csv and OpportunityHistory.csv, keyed to the lead each was converted from."""

    def __init__(self, files: dict[str, list[Path]], ctx: Context, leads: pd.DataFrame,
                 by_name: dict[str, str]) -> None:
        self.files = []
        self.frame = empty_table(OPPORTUNITY).set_index("Id", drop=False)
        self.history = empty_table(OPPORTUNITY_HISTORY)
        if files.get("Opportunity"):
            table = ctx.read(files["Opportunity"], "Opportunity", OPPORTUNITY)
            self.files += table.files
            frame = table.frame
            frame["Id"] = ids(frame["Id"])
            frame["OwnerId"] = owner_ids(column_or_na(frame, "OwnerId"), by_name)
            self.frame = frame.drop_duplicates("Id").set_index("Id", drop=False)
        if files.get("OpportunityHistory"):
            table = ctx.read(files["OpportunityHistory"], "OpportunityHistory",
                             OPPORTUNITY_HISTORY)
            self.files += table.files
            history = table.frame
            history["OpportunityId"] = ids(history["OpportunityId"])
            history["CreatedById"] = owner_ids(column_or_na(history, "CreatedById"), by_name)
            self.history = history
        converted = leads.dropna(subset=["ConvertedOpportunityId"])
        lead_of = pd.Series(converted.index, index=converted["ConvertedOpportunityId"])
        lead_of = lead_of[~lead_of.index.duplicated()]
        self.case = pd.Series(self.frame.index, index=self.frame.index, dtype="string")
        self.case.update(lead_of.reindex(self.frame.index).dropna())
        self.lead_of = lead_of

    def own_cases(self) -> pd.DataFrame:
        """Opportunities not converted from a lead in the export: cases of their own."""
        alone = self.frame[~self.frame.index.isin(self.lead_of.index)]
        return pd.DataFrame({
            "created": alone["CreatedDate"], "source": column_or_na(alone, "LeadSource"),
            "owner": column_or_na(alone, "OwnerId"),
            "amount": column_or_na(alone, "Amount", "float64"), "status": alone["StageName"],
        }, index=pd.Index(alone.index, dtype="string", name="case"))

    def events(self) -> list[pd.DataFrame]:
        frame, history = self.frame, self.history
        history = history[history["OpportunityId"].isin(frame.index)]
        with_history = frame.index.isin(history["OpportunityId"])
        bare = frame[~with_history]
        closed = _is_closed(bare)
        close = column_or_na(bare, "CloseDate", "datetime64[ns]")
        when = bare["CreatedDate"].where(~closed, np.maximum(
            close.fillna(bare["CreatedDate"]), bare["CreatedDate"]))
        return [
            pd.DataFrame({"case": self.case.reindex(frame.index).to_numpy(),
                          "time": frame["CreatedDate"].to_numpy(), "kind": OWNER,
                          "value": column_or_na(frame, "OwnerId").to_numpy(),
                          "owner": column_or_na(frame, "OwnerId").to_numpy()}).dropna(
                subset=["value"]),
            pd.DataFrame({"case": self.case.reindex(history["OpportunityId"]).to_numpy(),
                          "time": history["CreatedDate"].to_numpy(), "kind": STAGE,
                          "value": history["StageName"].to_numpy(),
                          "owner": history["CreatedById"].to_numpy()}),
            pd.DataFrame({"case": self.case.reindex(bare.index).to_numpy(),
                          "time": when.to_numpy(), "kind": STAGE,
                          "value": bare["StageName"].to_numpy(),
                          "owner": column_or_na(bare, "OwnerId").to_numpy()}),
        ]


def _is_closed(frame: pd.DataFrame) -> pd.Series:
    by_name = frame["StageName"].str.casefold().str.startswith("closed").fillna(False)
    flag = column_or_na(frame, "IsClosed", "boolean")
    return flag.fillna(by_name).astype(bool)


def _converted(leads: pd.DataFrame) -> pd.Series:
    flag = column_or_na(leads, "IsConverted", "boolean").fillna(False)
    return (flag | leads["ConvertedOpportunityId"].notna()).astype(bool)


def _conversions(leads: pd.DataFrame, history: _History, opps: _Opportunities) -> pd.DataFrame:
    """The lead's converted status, at the moment of conversion: the ``leadConverted``
    history row, else the opportunity's creation on the converted date, else that date."""
    converted = leads[_converted(leads).to_numpy()]
    if converted.empty:
        return pd.DataFrame({"case": pd.Series(dtype="string")})
    when = history.converted.reindex(converted.index)
    opp_created = lookup(opps.frame["CreatedDate"], converted["ConvertedOpportunityId"])
    day = column_or_na(converted, "ConvertedDate", "datetime64[ns]")
    same_day = opp_created.notna() & (day.isna() | (opp_created.dt.normalize() == day))
    when = when.fillna(opp_created.where(same_day))
    last = history.last_status_time().reindex(converted.index)
    fallback = pd.concat([day, last, converted["CreatedDate"]], axis=1).max(axis=1)
    when = when.fillna(fallback)
    return pd.DataFrame({"case": converted.index, "time": when, "kind": STAGE,
                         "value": converted["Status"].fillna("Converted")})


def _lead_cases(leads: pd.DataFrame, opps: _Opportunities) -> pd.DataFrame:
    opp = leads["ConvertedOpportunityId"]
    frame = opps.frame

    def of_opp(name: str, dtype: str = "string") -> pd.Series:
        return lookup(column_or_na(frame, name, dtype).astype(dtype), opp)

    return pd.DataFrame({
        "created": leads["CreatedDate"], "source": column_or_na(leads, "LeadSource"),
        "owner": of_opp("OwnerId").fillna(leads["OwnerId"]),
        "amount": of_opp("Amount", "float64"),
        "status": of_opp("StageName").fillna(leads["Status"]),
    }, index=pd.Index(leads.index, dtype="string", name="case"))


_OPEN_TASK = {"not started", "in progress", "waiting on someone else", "deferred", "open"}


def _tasks(frame: pd.DataFrame, path: Path, leads: pd.DataFrame, opps: _Opportunities,
           by_name: dict[str, str], notes: list[str]) -> pd.DataFrame:
    """Done tasks as activity events of the lead (or its contact, or its opportunity)."""
    if "WhoId" not in frame.columns and "WhatId" not in frame.columns:
        raise missing_column(path, "WhoId", "WhatId")
    if not {"CreatedDate", "CompletedDateTime", "ActivityDate"} & set(frame.columns):
        raise missing_column(path, "CreatedDate", "ActivityDate")
    who, what = ids(column_or_na(frame, "WhoId")), ids(column_or_na(frame, "WhatId"))
    contact_lead = pd.Series(leads.index, index=leads["ConvertedContactId"]).dropna()
    contact_lead = contact_lead[contact_lead.index.notna() & ~contact_lead.index.duplicated()]
    case = who.where(who.isin(leads.index)).fillna(who.map(contact_lead)).fillna(
        what.map(opps.case)).astype("string")
    closed = column_or_na(frame, "IsClosed", "boolean")
    status = fold(column_or_na(frame, "Status"))
    done = closed.fillna(~status.isin(_OPEN_TASK)).fillna(True).astype(bool)
    linked = case.notna()
    if (~done).any():
        notes.append(f"{int((~done).sum()):,} open tasks in {path.name} are left out")
    if (done & ~linked).any():
        notes.append(f"{int((done & ~linked).sum()):,} tasks in {path.name} belong to no lead "
                     "or opportunity in the export; they are left out")
    keep = (done & linked).to_numpy()
    frame, case = frame[keep], case[keep]
    time = column_or_na(frame, "CompletedDateTime", "datetime64[ns]").fillna(
        column_or_na(frame, "CreatedDate", "datetime64[ns]")).fillna(
        column_or_na(frame, "ActivityDate", "datetime64[ns]"))
    subtype = column_or_na(frame, "TaskSubtype")
    return pd.DataFrame({
        "case": case, "time": time, "kind": ACTIVITY,
        "value": column_or_na(frame, "Type").fillna(subtype).fillna("Task"),
        "subtype": subtype,
        "duration_h": column_or_na(frame, "CallDurationInSeconds", "float64") / 3600.0,
        "owner": owner_ids(column_or_na(frame, "OwnerId"), by_name),
    })
