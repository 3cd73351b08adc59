"""HubSpot exports (contacts, optional deals and property history) -> :class:`EventLog`.

A contacts export carries the lifecycle stage now and, per stage, the time the contact first
became it (``hs_lifecyclestage_<stage>_date``, "Became a … Date"). A property-history export
(one row per change: record, property, value, timestamp) has every change, re-entries
included; where it has a contact's ``lifecyclestage`` changes they replace the date columns.
Deals join their first associated contact's case; a deal without a contact in the export is a
case of its own (``deal:<id>``). Internal values (``marketingqualifiedlead``) and display
labels ("Marketing Qualified Lead") both read as the label.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .assemble import assemble
from .common import Col, Context, CrmDataError, column_or_na, empty_table, normalize, sniff
from .eventlog import OWNER, STAGE, EventLog

FORMAT = "hubspot"

CONTACTS = (
    Col("hs_object_id", ("Record ID", "Contact ID", "vid", "Id"), key=True),
    Col("createdate", ("Create Date", "Created Date"), kind="time", key=True),
    Col("lifecyclestage", ("Lifecycle Stage",), required=True),
    Col("hs_analytics_source", ("Original Source", "Original Source Type")),
    Col("hubspot_owner_id", ("Contact owner", "Contact Owner ID", "HubSpot Owner")),
)
DEALS = (
    Col("hs_object_id", ("Record ID", "Deal ID", "Id"), key=True),
    Col("dealstage", ("Deal Stage",), required=True),
    Col("createdate", ("Create Date", "Created Date"), kind="time", key=True),
    Col("closedate", ("Close Date",), kind="time"),
    Col("amount", ("Amount",), kind="number"),
    Col("hubspot_owner_id", ("Deal owner", "Deal Owner ID")),
    Col("associations.contact", ("Associated Contact IDs", "Associated Contact ID",
                                 "Associated Contact", "associatedcontactids", "Contact IDs")),
)
HISTORY = (
    Col("hs_object_id", ("Record ID", "objectId", "contactId", "dealId", "vid", "Object ID",
                         "Contact ID", "Deal ID"), key=True),
    Col("property", ("Property", "Property name", "Property internal name"), key=True),
    Col("value", ("Value", "New value", "Property value"), required=True),
    Col("timestamp", ("Timestamp", "Date", "Changed at", "Updated at", "Change date"),
        kind="time", key=True),
    Col("object", ("Object", "Object type", "objectType")),
)
TABLES = {"contacts": CONTACTS, "deals": DEALS, "property_history": HISTORY}
REQUIRED = ("contacts",)

LIFECYCLE = {
    "subscriber": "Subscriber", "lead": "Lead", "marketingqualifiedlead":
    "Marketing Qualified Lead", "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity", "customer": "Customer", "evangelist": "Evangelist",
    "other": "Other",
}
DEAL_STAGES = {
    "appointmentscheduled": "Appointment Scheduled", "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In", "contractsent": "Contract Sent",
    "closedwon": "Closed Won", "closedlost": "Closed Lost",
}
LEAD_STATUS = {
    "new": "New", "open": "Open", "inprogress": "In Progress", "opendeal": "Open Deal",
    "unqualified": "Unqualified", "attemptedtocontact": "Attempted to Contact",
    "connected": "Connected", "badtiming": "Bad Timing",
}
SOURCES = {
    "organicsearch": "Organic Search", "paidsearch": "Paid Search",
    "emailmarketing": "Email Marketing", "socialmedia": "Organic Social",
    "referrals": "Referrals", "othercampaigns": "Other Campaigns",
    "directtraffic": "Direct Traffic", "offline": "Offline Sources",
    "paidsocial": "Paid Social",
}
#: header -> the stage it dates: ``hs_lifecyclestage_<stage>_date``, "Became a(n) … Date",
#: ``hs_v2_date_entered_<stage>``, deals' ``hs_date_entered_<stage>`` / "Date entered …"
_STAGE_DATE = (
    re.compile(r"^hs_lifecyclestage_(.+)_date$", re.I),
    re.compile(r"^became an? (.+) date$", re.I),
    re.compile(r"^hs_v2_date_entered_(.+)$", re.I),
    re.compile(r"^date entered [\"'“](.+?)(?: \(lifecycle stage pipeline\))?[\"'”]$", re.I),
)
_DEAL_DATE = (
    re.compile(r"^hs_(?:v2_)?date_entered_(.+)$", re.I),
    re.compile(r"^date entered [\"'“](.+?)(?: \([^)]*\))?[\"'”]$", re.I),
)


def recognize(keys: set[str]) -> str | None:
    if "dealstage" in keys:
        return "deals"
    if "lifecyclestage" in keys and "createdate" in keys:
        return "contacts"
    if ("property" in keys or "propertyname" in keys) and "value" in keys and (
            keys & {"timestamp", "changedat", "updatedat", "changedate"}):
        return "property_history"
    return None


def label(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Internal values -> HubSpot's labels; other values as written."""
    unique = values.dropna().unique()
    return values.map({v: table.get(normalize(v), v) for v in unique}).astype("string")


def _dated_columns(paths: list[Path], patterns: tuple[re.Pattern[str], ...],
                   encoding: str | None) -> dict[str, str]:
    """Header -> stage, for the stage-date columns of an export."""
    header, _ = sniff(paths[0], encoding)
    found = {}
    for column in header:
        for pattern in patterns:
            match = pattern.match(column.strip())
            if match:
                found[column.strip()] = match.group(1).strip()
                break
    return found


def _stage_events(frame: pd.DataFrame, case: pd.Series, dated: dict[str, str],
                  table: dict[str, str]) -> pd.DataFrame:
    parts = []
    for column, stage in dated.items():
        times = frame[column]
        present = times.notna().to_numpy()
        parts.append(pd.DataFrame({"case": case[present], "time": times[present],
                                   "kind": STAGE, "value": table.get(normalize(stage), stage)}))
    if not parts:
        return pd.DataFrame({"case": pd.Series(dtype="string")})
    return pd.concat(parts, ignore_index=True)


def read(files: dict[str, list[Path]], ctx: Context) -> EventLog:
    if not files.get("contacts"):
        raise CrmDataError(next(iter(files.values()))[0],
                           "a HubSpot export needs a contacts export (with createdate and "
                           "lifecyclestage)")
    dated = _dated_columns(files["contacts"], _STAGE_DATE, ctx.encoding)
    table = ctx.read(files["contacts"], "contacts",
                     (*CONTACTS, *(Col(h, kind="time") for h in dated)))
    sources = list(table.files)
    contacts = table.frame.drop_duplicates("hs_object_id").set_index("hs_object_id", drop=False)
    case = contacts["hs_object_id"].astype("string")
    notes: list[str] = []
    history = _read_history(files, ctx, sources)
    deals = _Deals(files, ctx, contacts, history, notes)
    sources += deals.files
    stage_history = history[(history["property"].isin(["lifecyclestage", "hs_lead_status"]))
                            & ~history["deal"]]
    owner_history = history[(history["property"] == "hubspot_owner_id") & ~history["deal"]]
    with_stages = set(stage_history.loc[stage_history["property"] == "lifecyclestage", "id"])
    stages = _stage_events(contacts, case, dated, LIFECYCLE)
    stages = stages[~stages["case"].isin(with_stages)]
    owner = column_or_na(contacts, "hubspot_owner_id")
    no_owner_history = ~case.isin(set(owner_history["id"])).to_numpy()
    parts = [
        stages,
        _history_events(stage_history),
        pd.DataFrame({"case": case, "time": contacts["createdate"], "kind": OWNER,
                      "value": owner, "owner": owner})[no_owner_history].dropna(
            subset=["value"]),
        _history_events(owner_history),
        *deals.events(),
    ]
    cases = pd.DataFrame({
        "created": contacts["createdate"].to_numpy(),
        "source": label(column_or_na(contacts, "hs_analytics_source"), SOURCES).to_numpy(),
        "owner": owner.to_numpy(),
        "amount": deals.amount(case).to_numpy(),
        "status": deals.stage(case).fillna(
            label(contacts["lifecyclestage"], LIFECYCLE)).to_numpy(),
    }, index=pd.Index(case, dtype="string", name="case"))
    cases = pd.concat([cases, deals.own_cases()])
    return assemble(FORMAT, cases, parts, pd.DataFrame(), main=files["contacts"][0],
                    files=sources, notes=notes, timezone=ctx.timezone, since=ctx.since,
                    until=ctx.until)


def _read_history(files: dict[str, list[Path]], ctx: Context, sources: list) -> pd.DataFrame:
    """All property-history rows: id, property (internal name), value (labelled), time, and
    whether the record is a deal (an ``object`` column, else the file's name or id header)."""
    frames = []
    for path in files.get("property_history", []):
        table = ctx.read([path], "property_history", HISTORY)
        sources += table.files
        frame = table.frame
        id_header = normalize(table.headers.get("hs_object_id", ""))
        if "object" in frame.columns:
            kind = frame["object"].str.casefold()
            deal = (kind.str.contains("deal") | (kind == "0-3")).fillna(False)
        else:
            deal = pd.Series("deal" in path.name.casefold() or "deal" in id_header,
                             index=frame.index)
        prop = frame["property"].map(lambda p: _PROPERTY.get(normalize(p), p)
                                     if isinstance(p, str) else p)
        frames.append(pd.DataFrame({
            "id": frame["hs_object_id"].astype("string"), "property": prop.astype("string"),
            "value": frame["value"], "time": frame["timestamp"], "deal": deal.astype(bool),
        }))
    if not frames:
        empty = empty_table((Col("id"), Col("property"), Col("value"), Col("time", kind="time")))
        return empty.assign(deal=pd.Series(dtype=bool))
    history = pd.concat(frames, ignore_index=True)
    history = history[history["value"].notna()]
    for prop, table in (("lifecyclestage", LIFECYCLE), ("hs_lead_status", LEAD_STATUS),
                        ("dealstage", DEAL_STAGES)):
        rows = (history["property"] == prop).to_numpy()
        history.loc[rows, "value"] = label(history.loc[rows, "value"], table)
    return history


#: property labels -> internal names, for history exports written with labels
_PROPERTY = {
    "lifecyclestage": "lifecyclestage", "leadstatus": "hs_lead_status",
    "hsleadstatus": "hs_lead_status", "contactowner": "hubspot_owner_id",
    "dealowner": "hubspot_owner_id", "hubspotownerid": "hubspot_owner_id",
    "dealstage": "dealstage",
}


def _history_events(rows: pd.DataFrame, case: pd.Series | None = None) -> pd.DataFrame:
    kind = rows["property"].map(lambda p: OWNER if p == "hubspot_owner_id" else STAGE)
    ids = rows["id"] if case is None else rows["id"].map(case)
    value = rows["value"]
    return pd.DataFrame({"case": ids, "time": rows["time"], "kind": kind, "value": value,
                         "owner": value.where(kind == OWNER)})


class _Deals:
    """The deals export: each deal joins its first associated contact's case."""

    def __init__(self, files: dict[str, list[Path]], ctx: Context, contacts: pd.DataFrame,
                 history: pd.DataFrame, notes: list[str]) -> None:
        self.files = []
        self.dated: dict[str, str] = {}
        self.frame = empty_table(DEALS)
        if files.get("deals"):
            self.dated = _dated_columns(files["deals"], _DEAL_DATE, ctx.encoding)
            table = ctx.read(files["deals"], "deals",
                             (*DEALS, *(Col(h, kind="time") for h in self.dated)))
            self.files = table.files
            self.frame = table.frame.drop_duplicates("hs_object_id")
        frame = self.frame
        frame["dealstage"] = label(frame["dealstage"], DEAL_STAGES)
        contact = column_or_na(frame, "associations.contact").str.split(r"[;,]\s*").map(
            lambda ids: next((i.strip() for i in ids if i.strip() in contacts.index), None)
            if isinstance(ids, list) else None)
        deal_id = frame["hs_object_id"].astype("string")
        case = contact.astype("string").fillna("deal:" + deal_id)
        frame["case"] = case.to_numpy()
        frame = frame.sort_values("createdate", kind="stable")
        extra = frame["case"].duplicated()
        if extra.any():
            notes.append(f"{int(extra.sum()):,} contacts have more than one deal: the first "
                         "(earliest created) deal is used")
        self.frame = frame[~extra.to_numpy()].set_index("case", drop=False)
        self.case_of = pd.Series(self.frame["case"].to_numpy(),
                                 index=self.frame["hs_object_id"].astype("string").to_numpy())
        self.history = history[history["deal"] & history["id"].isin(self.case_of.index)]

    def amount(self, case: pd.Series) -> pd.Series:
        return case.map(self.frame["amount"]).astype("float64")

    def stage(self, case: pd.Series) -> pd.Series:
        return case.map(self.frame["dealstage"]).astype("string")

    def own_cases(self) -> pd.DataFrame:
        alone = self.frame[self.frame["case"].str.startswith("deal:")]
        return pd.DataFrame({
            "created": alone["createdate"], "source": pd.NA,
            "owner": column_or_na(alone, "hubspot_owner_id"), "amount": alone["amount"],
            "status": alone["dealstage"],
        }, index=pd.Index(alone.index, dtype="string", name="case"))

    def events(self) -> list[pd.DataFrame]:
        frame, history = self.frame, self.history
        case = frame["case"]
        stage_rows = history[history["property"] == "dealstage"]
        from_history = case.index.isin(stage_rows["id"].map(self.case_of))
        dated = _stage_events(frame, case, self.dated, DEAL_STAGES)
        dated = dated[~dated["case"].isin(case[from_history])]
        bare = frame[~from_history & ~case.isin(dated["case"]).to_numpy()]
        closed = bare["dealstage"].str.casefold().str.startswith("closed").fillna(False)
        close = column_or_na(bare, "closedate", "datetime64[ns]")
        when = bare["createdate"].where(~closed.to_numpy(), close.fillna(bare["createdate"]))
        owner = column_or_na(frame, "hubspot_owner_id")
        return [
            pd.DataFrame({"case": case, "time": frame["createdate"], "kind": OWNER,
                          "value": owner, "owner": owner}).dropna(subset=["value"]),
            _history_events(stage_rows, self.case_of),
            _history_events(history[history["property"] == "hubspot_owner_id"], self.case_of),
            dated,
            pd.DataFrame({"case": bare["case"], "time": when, "kind": STAGE,
                          "value": bare["dealstage"]}),
        ]
