"""Small CRM exports written by the tests (never customer data), and a hand-built event log."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from laneforge.io.crm import EventLog
from laneforge.io.crm.assemble import complete_owners, conform_cases, conform_events
from laneforge.io.crm.salesforce import id18

# 18-character Salesforce ids: two leads, users, a queue, an opportunity
LEAD1, LEAD2 = id18("00Q000000000001"), id18("00Q000000000002")
ANN, BOB, ROBOT = id18("005000000000001"), id18("005000000000002"), id18("005000000000009")
QUEUE = id18("00G000000000001")
OPP1 = id18("006000000000001")


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


def salesforce_export(folder: Path) -> Path:
    """Lead 1 goes from the SDR queue to Ann (owner change written twice: ids, then names),
    is called, converts on 5 March (history row ``leadConverted``) into an opportunity owned
    by Bob that is won on 1 April (an amount-only history row in between). Lead 2 stays with
    the queue; its status change is made by the integration user (no role). Times are UTC."""
    write_csv(folder, "Lead.csv", f"""
        Id,LastName,Company,Status,LeadSource,OwnerId,IsConverted,ConvertedDate,ConvertedOpportunityId,ConvertedContactId,CreatedDate
        {LEAD1},Smith,Acme,Closed - Converted,Web,{ANN},true,2025-03-05,{OPP1},003000000000001AAA,2025-03-03T14:00:00.000Z
        {LEAD2},Jones,Beta,Working - Contacted,Webinar,{QUEUE},false,,,,2025-03-04T09:30:00.000Z
        """)  # noqa: E501
    write_csv(folder, "LeadHistory.csv", f"""
        Id,LeadId,CreatedById,CreatedDate,Field,OldValue,NewValue
        017000000000001AAA,{LEAD1},{ROBOT},2025-03-03T14:00:00.000Z,created,,
        017000000000002AAA,{LEAD1},{ROBOT},2025-03-03T15:00:00.000Z,Status,Open - Not Contacted,Working - Contacted
        017000000000003AAA,{LEAD1},{ANN},2025-03-04T15:00:00.000Z,Owner,{QUEUE},{ANN}
        017000000000004AAA,{LEAD1},{ANN},2025-03-04T15:00:00.000Z,Owner,SDR Queue,Ann Lee
        017000000000005AAA,{LEAD1},{ANN},2025-03-05T16:00:00.000Z,Status,Working - Contacted,Closed - Converted
        017000000000006AAA,{LEAD1},{ANN},2025-03-05T16:00:00.000Z,leadConverted,,
        017000000000007AAA,{LEAD2},{ROBOT},2025-03-04T10:00:00.000Z,Status,Open - Not Contacted,Working - Contacted
        """)  # noqa: E501
    write_csv(folder, "Opportunity.csv", f"""
        Id,Name,StageName,Amount,CloseDate,CreatedDate,OwnerId,IsClosed,IsWon
        {OPP1},Acme deal,Closed Won,12000,2025-04-01,2025-03-05T16:00:00.000Z,{BOB},true,true
        """)
    write_csv(folder, "OpportunityHistory.csv", f"""
        Id,OpportunityId,StageName,Amount,CloseDate,CreatedById,CreatedDate
        008000000000001AAA,{OPP1},Prospecting,,2025-04-30,{BOB},2025-03-05T16:00:00.000Z
        008000000000002AAA,{OPP1},Prospecting,12000,2025-04-30,{BOB},2025-03-06T10:00:00.000Z
        008000000000003AAA,{OPP1},Closed Won,12000,2025-04-01,{BOB},2025-04-01T18:00:00.000Z
        """)
    write_csv(folder, "Task.csv", f"""
        Id,WhoId,WhatId,OwnerId,Subject,ActivityDate,CreatedDate,TaskSubtype,Type,CallDurationInSeconds,Status
        00T000000000001AAA,{LEAD1},,{ANN},Call,2025-03-04,2025-03-04T16:00:00.000Z,Call,Discovery Call,420,Completed
        00T000000000002AAA,{LEAD2},,{QUEUE},Call,2025-03-04,2025-03-04T16:30:00.000Z,Call,,60,Completed
        00T000000000003AAA,,{OPP1},{BOB},Email,2025-03-10,2025-03-10T12:00:00.000Z,Email,,,Completed
        00T000000000004AAA,{LEAD2},,{ANN},Call,2025-03-12,,Call,Follow-up Call,,Not Started
        """)  # noqa: E501
    write_csv(folder, "User.csv", f"""
        Id,Name,UserRoleId,Department
        {ANN},Ann Lee,00E000000000001AAA,
        {BOB},Bob Field,00E000000000002AAA,
        {ROBOT},Integration User,,
        """)
    write_csv(folder, "UserRole.csv", """
        Id,Name
        00E000000000001AAA,SDR
        00E000000000002AAA,AE
        """)
    return folder


def make_log(
    events: list[tuple], cases: dict[str, dict], owners: dict[str, dict],
    timezone: str = "UTC",
) -> EventLog:
    """An event log from ``(case, time, kind, value, owner[, subtype, duration_h])`` rows,
    ``{case: {created, source, owner, amount, status}}`` and ``{owner: {name, role,
    is_queue}}``."""
    rows = [dict(zip(("case", "time", "kind", "value", "owner", "subtype", "duration_h"), e,
                     strict=False)) for e in events]
    frame = pd.DataFrame(rows)
    frame["time"] = pd.to_datetime(frame["time"])
    table = conform_events([frame]).sort_values(["case", "time"], kind="stable")
    table = table.reset_index(drop=True)
    case_frame = pd.DataFrame.from_dict(cases, orient="index")
    case_frame["created"] = pd.to_datetime(case_frame["created"])
    case_table = conform_cases(case_frame)
    owner_table = complete_owners(pd.DataFrame.from_dict(owners, orient="index"), table,
                                  case_table)
    times = pd.concat([case_table["created"], table["time"]])
    return EventLog("salesforce", case_table, table, owner_table, times.min(), times.max(),
                    timezone=timezone)


def sorted_events(log: EventLog, columns: tuple[str, ...] = ("case", "time", "kind", "value",
                                                               "owner", "subtype",
                                                               "duration_h")) -> pd.DataFrame:
    """The events in an order that does not depend on how ties were written."""
    frame = log.events[list(columns)].copy()
    if "duration_h" in frame:
        frame["duration_h"] = frame["duration_h"].round(6)
    return frame.sort_values(["case", "time", "kind", "value"], kind="stable").reset_index(
        drop=True)
