"""An :class:`EventLog` written as HubSpot exports look (for tests, demos, benchmarks).

``contacts.csv`` (``createdate``, ``lifecyclestage``, ``hs_analytics_source``,
``hubspot_owner_id`` and a ``hs_lifecyclestage_<stage>_date`` column per stage, local time),
``deals.csv`` for cases with an amount (one deal each, associated with the contact), and
``contacts_property_history.csv`` with every stage and owner change (UTC). With
``labels=True`` the headers and values are the display labels a UI export writes ("Create
Date", "Became a Marketing Qualified Lead Date", "Marketing Qualified Lead", owner names).

What the format cannot carry: activities (calls and emails are engagements, not part of these
exports), who changed a stage, owners' names, roles and queue flags (HubSpot has none of
them in these files), sub-second times.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...atomic import atomic_write_text
from .common import normalize, to_local_text, to_utc_text
from .eventlog import OWNER, STAGE, EventLog
from .hubspot import DEAL_STAGES, LIFECYCLE

_INTERNAL = {normalize(v): k for k, v in LIFECYCLE.items()}
_DEAL_INTERNAL = {normalize(v): k for k, v in DEAL_STAGES.items()}
#: source labels -> the internal values of ``hs_analytics_source``
_SOURCE_INTERNAL = {
    "organicsearch": "ORGANIC_SEARCH", "paidsearch": "PAID_SEARCH",
    "emailmarketing": "EMAIL_MARKETING", "organicsocial": "SOCIAL_MEDIA",
    "referrals": "REFERRALS", "othercampaigns": "OTHER_CAMPAIGNS",
    "directtraffic": "DIRECT_TRAFFIC", "offlinesources": "OFFLINE", "paidsocial": "PAID_SOCIAL",
}


def _internal(values: pd.Series, table: dict[str, str]) -> pd.Series:
    unique = values.dropna().unique()
    return values.map({v: table.get(normalize(v), v) for v in unique})


def _date_header(stage: str, labels: bool) -> str:
    if labels:
        article = "an" if stage[:1].casefold() in "aeiou" else "a"
        return f"Became {article} {stage} Date"
    slug = _INTERNAL.get(normalize(stage), normalize(stage))
    return f"hs_lifecyclestage_{slug}_date"


def write_hubspot(log: EventLog, folder: str | Path, *, labels: bool = False) -> list[Path]:
    """Write the log as HubSpot exports into ``folder`` (created if needed), each file
    atomically; returns the files written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    tables = {
        "contacts.csv": _contacts(log, labels),
        "deals.csv": _deals(log, labels),
        "contacts_property_history.csv": _history(log, labels),
    }
    written = []
    for name, table in tables.items():
        path = target / name
        atomic_write_text(path, table.to_csv(index=False, lineterminator="\n"))
        written.append(path)
    return written


def _owner_text(log: EventLog, owners: pd.Series, labels: bool) -> pd.Series:
    if not labels:
        return owners
    return owners.map(log.owners["name"]).fillna(owners)


def _contacts(log: EventLog, labels: bool) -> pd.DataFrame:
    cases = log.cases
    stages = log.events[log.events["kind"] == STAGE]
    first = stages.drop_duplicates(["case", "value"])
    status = cases["status"] if labels else _internal(cases["status"], _INTERNAL)
    source = cases["source"] if labels else _internal(cases["source"], _SOURCE_INTERNAL)
    number = range(1, len(cases) + 1)
    names = ("Record ID", "First Name", "Last Name", "Email", "Create Date", "Lifecycle Stage",
             "Original Source", "Contact owner") if labels else (
             "hs_object_id", "firstname", "lastname", "email", "createdate", "lifecyclestage",
             "hs_analytics_source", "hubspot_owner_id")
    columns = dict(zip(names, (
        cases.index.to_numpy(), [f"Contact{n}" for n in number], ["Example"] * len(cases),
        [f"contact{n}@example.com" for n in number], to_local_text(cases["created"]).to_numpy(),
        status.to_numpy(), source.to_numpy(),
        _owner_text(log, cases["owner"], labels).to_numpy(),
    ), strict=True))
    for stage in first["value"].unique():
        rows = first[first["value"] == stage].set_index("case")["time"]
        columns[_date_header(str(stage), labels)] = to_local_text(
            rows.reindex(cases.index)).to_numpy()
    return pd.DataFrame(columns)


def _deals(log: EventLog, labels: bool) -> pd.DataFrame:
    cases = log.cases[log.cases["amount"].notna()]
    stages = log.events[log.events["kind"] == STAGE]
    last = stages.groupby("case")["time"].max().reindex(cases.index).fillna(cases["created"])
    stage = cases["status"] if labels else _internal(cases["status"], _DEAL_INTERNAL)
    closed = cases["status"].str.casefold().str.startswith("closed").fillna(False)
    names = ("Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Create Date",
             "Close Date", "Deal owner", "Associated Contact IDs") if labels else (
             "hs_object_id", "dealname", "dealstage", "pipeline", "amount", "createdate",
             "closedate", "hubspot_owner_id", "associations.contact")
    return pd.DataFrame(dict(zip(names, (
        [str(9_000_000_000 + i) for i in range(1, len(cases) + 1)],
        [f"Deal {i}" for i in range(1, len(cases) + 1)], stage.to_numpy(),
        "Sales Pipeline" if labels else "default",
        cases["amount"].map(lambda a: f"{a:.2f}").to_numpy(),
        to_local_text(last).to_numpy(), to_local_text(last.where(closed.to_numpy())).to_numpy(),
        _owner_text(log, cases["owner"], labels).to_numpy(), cases.index.to_numpy(),
    ), strict=True)))


def _history(log: EventLog, labels: bool) -> pd.DataFrame:
    events = log.events[log.events["kind"].isin([STAGE, OWNER])]
    stage = events["kind"] == STAGE
    prop = stage.map({True: "Lifecycle Stage", False: "Contact owner"} if labels
                     else {True: "lifecyclestage", False: "hubspot_owner_id"})
    value = events["value"].where(~stage, events["value"] if labels
                                  else _internal(events["value"], _INTERNAL))
    names = ("Record ID", "Object", "Property", "Value", "Timestamp", "Source") if labels else (
        "objectId", "objectType", "property", "value", "timestamp", "sourceType")
    stamps = to_utc_text(events["time"], log.timezone)
    return pd.DataFrame(dict(zip(names, (
        events["case"].to_numpy(), "CONTACT", prop.to_numpy(), value.to_numpy(),
        stamps.to_numpy(), "CRM_UI",
    ), strict=True)))
