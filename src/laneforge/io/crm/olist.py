"""Olist's public marketing-funnel files -> :class:`EventLog`.

``olist_marketing_qualified_leads_dataset.csv`` (``mql_id, first_contact_date,
landing_page_id, origin``) holds every MQL; ``olist_closed_deals_dataset.csv`` (``mql_id,
seller_id, sdr_id, sr_id, won_date, business_segment, lead_type, ...``) the ones that signed.
A case enters "MQL" on its first-contact date (a plain date: midnight local) and "Closed Won"
when its deal was won, owned then by its sales representative. The files do not say which
of the other leads were lost and which are still open: the fit treats them as open.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .assemble import assemble
from .common import Col, Context, CrmDataError, column_or_na
from .eventlog import OWNER, STAGE, EventLog

FORMAT = "olist"
MQL_STAGE = "MQL"
WON_STAGE = "Closed Won"

MQL = (
    Col("mql_id", ("MQL ID",), key=True),
    Col("first_contact_date", ("First Contact Date",), kind="time", key=True),
    Col("landing_page_id", ("Landing Page ID",)),
    Col("origin", ("Origin",)),
)
#: attributes of a closed deal kept on the case
DEAL_ATTRIBUTES = ("business_segment", "lead_type", "lead_behaviour_profile", "business_type")
CLOSED_DEALS = (
    Col("mql_id", ("MQL ID",), key=True),
    Col("seller_id", ()),
    Col("sdr_id", ()),
    Col("sr_id", ()),
    Col("won_date", ("Won Date",), kind="time", key=True),
    *(Col(name) for name in DEAL_ATTRIBUTES),
    Col("declared_monthly_revenue", (), kind="number"),
)
TABLES = {"mql": MQL, "closed_deals": CLOSED_DEALS}
REQUIRED = ("mql",)
FILE_NAMES = {
    "olistmarketingqualifiedleadsdataset": "mql",
    "olistcloseddealsdataset": "closed_deals",
    "olistmarketingcloseddealsdataset": "closed_deals",
}


def recognize(keys: set[str]) -> str | None:
    if "mqlid" in keys and "firstcontactdate" in keys:
        return "mql"
    if "mqlid" in keys and "wondate" in keys:
        return "closed_deals"
    return None


def read(files: dict[str, list[Path]], ctx: Context) -> EventLog:
    if not files.get("mql"):
        raise CrmDataError(next(iter(files.values()))[0],
                           "the Olist funnel needs olist_marketing_qualified_leads_dataset.csv")
    table = ctx.read(files["mql"], "mql", MQL)
    sources = list(table.files)
    mql = table.frame.drop_duplicates("mql_id")
    case = mql["mql_id"]
    cases = pd.DataFrame({
        "created": mql["first_contact_date"].to_numpy(),
        "source": column_or_na(mql, "origin").to_numpy(),
        "landing_page_id": column_or_na(mql, "landing_page_id").to_numpy(),
    }, index=pd.Index(case, dtype="string", name="case"))
    parts = [pd.DataFrame({"case": case, "time": mql["first_contact_date"], "kind": STAGE,
                           "value": MQL_STAGE})]
    owners = pd.DataFrame()
    if files.get("closed_deals"):
        deals_table = ctx.read(files["closed_deals"], "closed_deals", CLOSED_DEALS)
        sources += deals_table.files
        deals = deals_table.frame.drop_duplicates("mql_id")
        sr = column_or_na(deals, "sr_id")
        parts += [
            pd.DataFrame({"case": deals["mql_id"], "time": deals["won_date"], "kind": OWNER,
                          "value": sr, "owner": sr}).dropna(subset=["value"]),
            pd.DataFrame({"case": deals["mql_id"], "time": deals["won_date"], "kind": STAGE,
                          "value": WON_STAGE, "owner": sr}),
        ]
        by_case = deals.set_index("mql_id")
        for name in DEAL_ATTRIBUTES:
            cases[name] = cases.index.map(column_or_na(by_case, name)).astype("string")
        cases["status"] = cases.index.map(
            by_case["won_date"].notna().map({True: WON_STAGE, False: MQL_STAGE}))
        owners = pd.concat([
            pd.DataFrame({"role": "SDR"}, index=column_or_na(deals, "sdr_id").dropna().unique()),
            pd.DataFrame({"role": "SR"}, index=sr.dropna().unique()),
        ])
        owners = owners[~owners.index.duplicated()]
    cases["status"] = column_or_na(cases, "status").fillna(MQL_STAGE)
    still = int((cases["status"] != WON_STAGE).sum())
    notes = [f"the Olist files list won deals only: the {still:,} leads without one are "
             "treated as still open (lost or not, the files do not say)"]
    return assemble(FORMAT, cases, parts, owners, main=files["mql"][0], files=sources,
                    notes=notes, timezone=ctx.timezone, since=ctx.since, until=ctx.until)
