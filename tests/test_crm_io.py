"""CRM export readers: Salesforce, HubSpot, events CSV and Olist files written by the tests,
read into one event log; time zones, re-entered stages, partial history, windows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from laneforge.io.crm import CrmDataError, CrmMap, detect_format, read_export
from laneforge.io.crm.common import Col, parse_times, read_table
from laneforge.io.crm.eventlog import CASE_COLUMNS, EVENT_COLUMNS, OWNER_COLUMNS
from laneforge.io.crm.salesforce import id18

from crmhelpers import ANN, BOB, LEAD1, LEAD2, QUEUE, ROBOT, salesforce_export, write_csv

NEW_YORK = CrmMap(timezone="America/New_York")


def _events(log, case, kind=None):
    rows = log.events[log.events["case"] == case]
    if kind is not None:
        rows = rows[rows["kind"] == kind]
    return rows.reset_index(drop=True)


def _check_shape(log) -> None:
    """The contract's dtypes, index names and order."""
    assert {c: str(log.events[c].dtype) for c in EVENT_COLUMNS} == EVENT_COLUMNS
    assert {c: str(log.cases[c].dtype) for c in CASE_COLUMNS} == CASE_COLUMNS
    assert {c: str(log.owners[c].dtype) for c in OWNER_COLUMNS} == OWNER_COLUMNS
    assert log.cases.index.name == "case" and str(log.cases.index.dtype) == "string"
    assert str(log.owners.index.dtype) == "string"
    order = log.events[["case", "time"]]
    assert order.equals(order.sort_values(["case", "time"], kind="stable"))
    assert log.start <= log.end


# --- Salesforce ------------------------------------------------------------------------------


def test_salesforce_export_becomes_one_case_per_lead(tmp_path: Path) -> None:
    log = read_export([salesforce_export(tmp_path)], mapping=NEW_YORK)
    _check_shape(log)
    assert log.format == "salesforce"
    assert list(log.cases.index) == [LEAD1, LEAD2]
    converted = log.cases.loc[LEAD1]
    assert converted["status"] == "Closed Won" and converted["amount"] == 12000.0
    assert converted["owner"] == BOB and converted["source"] == "Web"
    # 14:00Z on 3 March is 09:00 in New York (EST, UTC-5)
    assert converted["created"] == pd.Timestamp("2025-03-03 09:00")
    stages = _events(log, LEAD1, "stage")
    assert list(stages["value"]) == ["Open - Not Contacted", "Working - Contacted",
                                     "Closed - Converted", "Prospecting", "Closed Won"]
    # the opportunity's amount-only history row (Prospecting again) is not a transition
    assert stages["time"].iloc[-1] == pd.Timestamp("2025-04-01 14:00")
    assert [f.table for f in log.files] == ["UserRole", "User", "Lead", "LeadHistory",
                                            "Opportunity", "OpportunityHistory", "Task"]
    assert log.window == (pd.Timestamp("2025-03-03 09:00"), pd.Timestamp("2025-04-01 14:00"))


def test_salesforce_owner_change_written_twice_counts_once(tmp_path: Path) -> None:
    log = read_export([salesforce_export(tmp_path)], mapping=NEW_YORK)
    owners = _events(log, LEAD1, "owner")
    assert list(owners["value"]) == [QUEUE, ANN, BOB]  # created in the queue, Ann, Bob's opp
    assert list(owners["time"]) == [pd.Timestamp("2025-03-03 09:00"),
                                    pd.Timestamp("2025-03-04 10:00"),
                                    pd.Timestamp("2025-03-05 11:00")]
    # the names row taught the queue its name; roles come from UserRole.csv
    assert log.owners.loc[QUEUE, "name"] == "SDR Queue"
    assert bool(log.owners.loc[QUEUE, "is_queue"]) is True
    assert log.owners.loc[ANN, "role"] == "SDR" and log.owners.loc[BOB, "role"] == "AE"
    assert pd.isna(log.owners.loc[ROBOT, "role"])  # the integration user has no role
    assert bool(log.owners.loc[ANN, "is_queue"]) is False


def test_salesforce_status_by_integration_user_and_tasks(tmp_path: Path) -> None:
    log = read_export([salesforce_export(tmp_path)], mapping=NEW_YORK)
    working = _events(log, LEAD2, "stage").iloc[-1]
    assert working["value"] == "Working - Contacted" and working["owner"] == ROBOT
    calls = log.events[log.events["kind"] == "activity"].set_index("value")
    assert set(calls.index) == {"Discovery Call", "Call", "Email"}  # the open task is left out
    assert calls.loc["Discovery Call", "subtype"] == "Call"  # Type when set, else TaskSubtype
    assert calls.loc["Call", "subtype"] == "Call"
    assert calls.loc["Discovery Call", "duration_h"] == pytest.approx(420 / 3600)
    assert pd.isna(calls.loc["Email", "duration_h"])
    assert calls.loc["Email", "owner"] == BOB
    # a task on the opportunity (WhatId) belongs to the lead it was converted from
    assert log.events.loc[log.events["value"] == "Email", "case"].item() == LEAD1
    assert any("open tasks" in note for note in log.notes)


def test_salesforce_plain_dates_are_local_midnight(tmp_path: Path) -> None:
    """ConvertedDate and CloseDate are plain dates; with no history row telling the hour,
    they are midnight local; a task with only an ActivityDate likewise."""
    write_csv(tmp_path, "Lead.csv", f"""
        Id,Status,IsConverted,ConvertedDate,ConvertedOpportunityId,CreatedDate
        {LEAD1},Qualified,true,2025-05-02,006000000000009AAA,2025-05-01T12:00:00Z
        """)
    write_csv(tmp_path, "LeadHistory.csv", f"""
        LeadId,Field,OldValue,NewValue,CreatedDate
        {LEAD1},Status,New,Qualified,2025-05-01T13:00:00Z
        """)
    write_csv(tmp_path, "Opportunity.csv", """
        Id,StageName,CloseDate,CreatedDate,IsClosed
        006000000000009AAA,Closed Lost,2025-06-10,2025-05-03T15:00:00Z,true
        """)
    write_csv(tmp_path, "Task.csv", f"""
        WhoId,OwnerId,ActivityDate,TaskSubtype,Type
        {LEAD1},{ANN},2025-05-02,Call,Cold Call
        """)
    log = read_export([tmp_path], mapping=CrmMap(timezone="Europe/Berlin"))
    stages = _events(log, LEAD1, "stage")
    assert list(stages["value"]) == ["New", "Qualified", "Closed Lost"]
    # no history for the opportunity: its closed stage is on CloseDate, midnight local
    assert stages["time"].iloc[-1] == pd.Timestamp("2025-06-10 00:00")
    call = _events(log, LEAD1, "activity").iloc[0]
    assert call["time"] == pd.Timestamp("2025-05-02 00:00") and call["value"] == "Cold Call"
    assert log.cases.loc[LEAD1, "status"] == "Closed Lost"


def test_salesforce_report_labels_and_15_character_ids(tmp_path: Path) -> None:
    """A report export spells headers as labels and ids with 15 characters; history from
    Data Loader has 18: they join, and the file names' capitalisation does not matter."""
    short = LEAD1[:15]
    write_csv(tmp_path, "LEADS.CSV", f"""
        Lead ID,Lead Status,Lead Source,Created Date,Company
        {short},Working,Web,2025-05-01 09:00:00,Acme
        """)
    write_csv(tmp_path, "Lead_History.csv", f"""
        Lead ID,Field / Event,Old Value,New Value,Edit Date
        {LEAD1},Status,Open,Working,2025-05-01T10:00:00Z
        """)
    log = read_export([tmp_path])
    assert list(log.cases.index) == [LEAD1]
    assert id18(short) == LEAD1
    assert list(_events(log, LEAD1, "stage")["value"]) == ["Open", "Working"]


def test_salesforce_extract_csv_is_recognised_by_its_header(tmp_path: Path) -> None:
    """Data Loader names its files extract.csv; the header tells which object it holds."""
    lead = write_csv(tmp_path / "a", "extract.csv", f"""
        Id,Status,LeadSource,CreatedDate
        {LEAD1},Open,Web,2025-05-01T09:00:00Z
        """)
    history = write_csv(tmp_path / "b", "extract.csv", f"""
        LeadId,Field,OldValue,NewValue,CreatedDate
        {LEAD1},Status,Open,Working,2025-05-02T09:00:00Z
        """)
    assert detect_format([lead, history]) == "salesforce"
    log = read_export([lead, history])
    assert list(_events(log, LEAD1, "stage")["value"]) == ["Open", "Working"]


def test_salesforce_reentered_stage_counts_each_transition(tmp_path: Path) -> None:
    write_csv(tmp_path, "Lead.csv", f"""
        Id,Status,CreatedDate
        {LEAD1},Marketing Qualified,2025-01-06T09:00:00Z
        """)
    write_csv(tmp_path, "LeadHistory.csv", f"""
        LeadId,Field,OldValue,NewValue,CreatedDate
        {LEAD1},Status,Open,Marketing Qualified,2025-01-07T09:00:00Z
        {LEAD1},Status,Marketing Qualified,Nurture,2025-01-09T09:00:00Z
        {LEAD1},Status,Nurture,Marketing Qualified,2025-02-10T09:00:00Z
        """)
    log = read_export([tmp_path])
    stages = _events(log, LEAD1, "stage")
    assert list(stages["value"]) == ["Open", "Marketing Qualified", "Nurture",
                                     "Marketing Qualified"]
    assert (stages["value"] == "Marketing Qualified").sum() == 2


def test_salesforce_partial_history_is_reported_with_its_window(tmp_path: Path) -> None:
    """Field history older than 18 months is gone: leads created before the history starts
    are kept (they count as arrivals) but get no invented first status, and the log says
    from when its history is complete."""
    old, new = "00Q000000000003AAA", "00Q000000000004AAA"
    write_csv(tmp_path, "Lead.csv", f"""
        Id,Status,CreatedDate
        {old},Working,2023-01-10T09:00:00Z
        {new},Working,2024-09-02T09:00:00Z
        """)
    write_csv(tmp_path, "LeadHistory.csv", f"""
        LeadId,Field,OldValue,NewValue,CreatedDate
        {old},Status,Open,Nurture,2024-09-01T09:00:00Z
        {old},Status,Nurture,Working,2024-09-03T09:00:00Z
        {new},Status,Open,Working,2024-09-02T10:00:00Z
        """)
    log = read_export([tmp_path])
    assert log.history_from == pd.Timestamp("2024-09-01 09:00")
    note = next(n for n in log.notes if "starts on" in n)
    assert "LeadHistory.csv starts on 2024-09-01" in note and "1 of 2 leads" in note
    assert list(_events(log, old, "stage")["value"]) == ["Nurture", "Working"]
    assert list(_events(log, new, "stage")["value"]) == ["Open", "Working"]
    assert log.start == pd.Timestamp("2023-01-10 09:00")
    # keeping only leads created after the history starts makes the log complete
    recent = read_export([tmp_path], since="2024-09-01")
    assert list(recent.cases.index) == [new] and recent.history_from is None


def test_since_until_window(tmp_path: Path) -> None:
    write_csv(tmp_path, "events.csv", """
        case_id,activity,timestamp
        A,MQL,2025-01-05T10:00:00
        A,SQL,2025-02-20T10:00:00
        B,MQL,2025-01-31T23:00:00
        B,SQL,2025-02-01T01:00:00
        C,MQL,2025-02-01T00:00:00
        """)
    log = read_export([tmp_path / "events.csv"], since="2025-01-01", until="2025-01-31")
    assert list(log.cases.index) == ["A", "B"]  # a plain-date until includes that day
    assert list(log.events["value"]) == ["MQL", "MQL"]  # nothing after the window's end
    assert log.end == pd.Timestamp("2025-02-01 00:00")  # the export went on: it ends there
    note = log.notes[-1]
    assert "from 2025-01-01 to 2025-01-31" in note and "1 others left out" in note
    exact = read_export([tmp_path / "events.csv"], until=pd.Timestamp("2025-02-01 00:30"))
    assert list(exact.cases.index) == ["A", "B", "C"]
    assert exact.end == pd.Timestamp("2025-02-01 00:30")


# --- time ----------------------------------------------------------------------------------


def test_timestamps_with_and_without_zone_and_plain_dates() -> None:
    values = pd.Series(["2025-03-03T09:00:00+02:00", "2025-03-03T09:00:00.000Z",
                        "2025-03-03 09:00", "2025-03-03", "2025-07-01T12:00:00-0400",
                        "2025-03-20T08:00:00Z", None, "31/02/2025"])
    parsed = parse_times(values, "America/New_York")
    assert list(parsed[:6]) == [
        pd.Timestamp("2025-03-03 02:00"),  # +02:00 -> UTC 07:00 -> EST 02:00
        pd.Timestamp("2025-03-03 04:00"),  # Z -> EST
        pd.Timestamp("2025-03-03 09:00"),  # no zone: already local
        pd.Timestamp("2025-03-03 00:00"),  # a plain date: midnight local
        pd.Timestamp("2025-07-01 12:00"),  # -04:00 is New York's summer time
        pd.Timestamp("2025-03-20 04:00"),  # after the switch to EDT (UTC-4)
    ]
    assert pd.isna(parsed[6]) and pd.isna(parsed[7])
    assert str(parsed.dtype) == "datetime64[ns]"


def test_events_csv_with_zone_in_new_york_map(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "log.csv", """
        case_id,activity,timestamp,resource
        L1,MQL,2025-03-03T09:00:00+02:00,u1
        """)
    log = read_export([path], mapping=NEW_YORK)
    assert log.events["time"].item() == pd.Timestamp("2025-03-03 02:00")
    assert log.timezone == "America/New_York"


# --- events CSV ----------------------------------------------------------------------------


def test_events_csv_process_mining_names_lifecycle_and_attributes(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "log.csv", """
        case:concept:name,concept:name,time:timestamp,org:resource,lifecycle:transition,segment
        L1,MQL,2025-03-03T09:00:00,,complete,smb
        L1,First call,2025-03-03T10:00:00,u1,start,
        L1,First call,2025-03-03T10:30:00,u1,complete,
        L1,Nurture,2025-03-04,,complete,
        L1,MQL,2025-03-20T08:00:00,,complete,
        L2,MQL,2025-03-05 12:00,,complete,mid
        L2,Demo,2025-03-05 13:00,u2,complete,
        """)
    log = read_export([path], mapping=CrmMap(activities={"demo": "demo_task"}))
    _check_shape(log)
    l1 = _events(log, "L1")
    assert list(zip(l1["kind"], l1["value"], strict=True)) == [
        ("stage", "MQL"), ("activity", "First call"), ("stage", "Nurture"), ("stage", "MQL")]
    call = l1.iloc[1]
    assert call["end"] == pd.Timestamp("2025-03-03 10:30")
    assert pd.isna(call["duration_h"])  # an end, not a length: the fit works out the work time
    assert _events(log, "L2", "activity")["value"].tolist() == ["Demo"]  # mapped to a task
    assert log.cases.loc["L1", "segment"] == "smb" and log.cases.loc["L2", "segment"] == "mid"
    assert log.cases.loc["L1", "status"] == "MQL"
    assert log.cases.loc["L1", "created"] == pd.Timestamp("2025-03-03 09:00")
    assert set(log.owners.index) == {"u1", "u2"}


def test_events_csv_kind_column_and_owner_events(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "events.csv", """
        case_id,activity,timestamp,resource,kind,source,amount,role
        L1,Open,2025-03-03T09:00:00,,stage,Web,,
        L1,u7,2025-03-03T09:05:00,u7,owner,,,SDR
        L1,Call,2025-03-03T09:30:00,u7,activity,,1500,SDR
        """)
    log = read_export([path])
    assert list(log.events["kind"]) == ["stage", "owner", "activity"]
    assert log.cases.loc["L1", "owner"] == "u7" and log.cases.loc["L1", "source"] == "Web"
    assert log.cases.loc["L1", "amount"] == 1500.0
    assert log.owners.loc["u7", "role"] == "SDR"


# --- HubSpot -------------------------------------------------------------------------------


def test_hubspot_contacts_with_stage_date_columns(tmp_path: Path) -> None:
    write_csv(tmp_path, "hubspot-crm-exports-all-contacts-2025-06-01.csv", """
        Record ID,First Name,Create Date,Lifecycle Stage,Original Source,Contact owner,Became a Lead Date,Became a Marketing Qualified Lead Date,Became an Opportunity Date
        101,Ann,2025-03-03 09:00,Opportunity,Organic Search,Jane Doe,2025-03-03 09:00,2025-03-04 11:00,2025-03-10 15:00
        102,Bo,2025-03-05 10:00,Lead,Paid Social,Jane Doe,2025-03-05 10:00,,
        """)  # noqa: E501
    log = read_export([tmp_path])
    assert log.format == "hubspot"
    _check_shape(log)
    assert list(_events(log, "101", "stage")["value"]) == [
        "Lead", "Marketing Qualified Lead", "Opportunity"]
    assert log.cases.loc["101", "source"] == "Organic Search"
    assert log.cases.loc["102", "status"] == "Lead"
    assert list(_events(log, "102", "owner")["value"]) == ["Jane Doe"]


def test_hubspot_internal_names_history_deals(tmp_path: Path) -> None:
    """Internal names read as labels; property history (with a re-entry) replaces the date
    columns; a deal joins its contact's case, and one without a contact is its own case."""
    write_csv(tmp_path, "contacts.csv", """
        hs_object_id,createdate,lifecyclestage,hs_analytics_source,hubspot_owner_id,hs_lifecyclestage_lead_date,hs_lifecyclestage_marketingqualifiedlead_date
        101,2025-03-03T09:00:00Z,customer,ORGANIC_SEARCH,7,2025-03-03T09:00:00Z,2025-03-20T09:00:00Z
        """)
    write_csv(tmp_path, "contacts_property_history.csv", """
        objectId,property,value,timestamp
        101,lifecyclestage,lead,2025-03-03T09:00:00Z
        101,lifecyclestage,marketingqualifiedlead,2025-03-04T09:00:00Z
        101,lifecyclestage,lead,2025-03-06T09:00:00Z
        101,lifecyclestage,marketingqualifiedlead,2025-03-20T09:00:00Z
        101,hubspot_owner_id,7,2025-03-03T09:00:00Z
        101,hubspot_owner_id,8,2025-03-21T09:00:00Z
        """)
    write_csv(tmp_path, "deals.csv", """
        hs_object_id,dealname,dealstage,amount,createdate,closedate,hubspot_owner_id,associations.contact
        9001,Acme,closedwon,"5,000.50",2025-03-25T09:00:00Z,2025-04-02T09:00:00Z,8,101
        9002,Walk-in,appointmentscheduled,900,2025-04-05T09:00:00Z,,8,
        """)
    log = read_export([tmp_path])
    stages = _events(log, "101", "stage")
    assert list(stages["value"]) == ["Lead", "Marketing Qualified Lead", "Lead",
                                     "Marketing Qualified Lead", "Closed Won"]
    assert stages["time"].iloc[-1] == pd.Timestamp("2025-04-02 09:00")  # closed: closedate
    assert list(_events(log, "101", "owner")["value"]) == ["7", "8"]
    assert log.cases.loc["101", "amount"] == 5000.5
    assert log.cases.loc["101", "status"] == "Closed Won"
    assert log.cases.loc["101", "source"] == "Organic Search"
    assert log.cases.loc["deal:9002", "status"] == "Appointment Scheduled"
    assert list(_events(log, "deal:9002", "stage")["value"]) == ["Appointment Scheduled"]


# --- Olist ---------------------------------------------------------------------------------


def test_olist_marketing_funnel_files(tmp_path: Path) -> None:
    write_csv(tmp_path, "olist_marketing_qualified_leads_dataset.csv", """
        mql_id,first_contact_date,landing_page_id,origin
        m1,2018-02-01,lp1,social
        m2,2018-02-03,lp2,paid_search
        m3,2018-02-04,lp1,
        """)
    write_csv(tmp_path, "olist_closed_deals_dataset.csv", """
        mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,lead_behaviour_profile,has_company,has_gtin,average_stock,business_type,declared_product_catalog_size,declared_monthly_revenue
        m1,s1,sdr9,sr4,2018-02-26 19:58:54,pet,online_medium,cat,,,,reseller,,0.0
        """)
    assert detect_format([tmp_path]) == "olist"
    log = read_export([tmp_path])
    _check_shape(log)
    assert list(log.cases.index) == ["m1", "m2", "m3"]
    assert list(_events(log, "m1", "stage")["value"]) == ["MQL", "Closed Won"]
    assert _events(log, "m1", "stage")["time"].tolist() == [
        pd.Timestamp("2018-02-01"), pd.Timestamp("2018-02-26 19:58:54")]
    assert log.cases.loc["m1", "status"] == "Closed Won"
    assert log.cases.loc["m2", "status"] == "MQL" and log.cases.loc["m2", "source"] == "paid_search"
    assert log.cases.loc["m1", "business_segment"] == "pet"
    assert log.owners.loc["sr4", "role"] == "SR" and log.owners.loc["sdr9", "role"] == "SDR"
    assert "2 leads without one are treated as still open" in log.notes[0]


# --- finding files, reading in chunks --------------------------------------------------------


def test_detect_format_of_each_kind_and_refuses_a_mix(tmp_path: Path) -> None:
    events = write_csv(tmp_path / "e", "anything.csv", "case_id,activity,timestamp\n")
    contacts = write_csv(tmp_path / "h", "export.csv",
                         "createdate,lifecyclestage,hs_object_id\n")
    assert detect_format([events]) == "events"
    assert detect_format([contacts]) == "hubspot"
    assert detect_format([salesforce_export(tmp_path / "sf")]) == "salesforce"
    with pytest.raises(CrmDataError, match="different CRM formats"):
        detect_format([events, contacts])
    with pytest.raises(CrmDataError, match="is not a salesforce export"):
        read_export([tmp_path / "sf", events], format="salesforce")
    write_csv(tmp_path / "sf", "README.csv", "this,is,not\nan,export,at all\n")
    assert read_export([tmp_path / "sf"]).format == "salesforce"  # unknown CSVs are skipped


def test_chunked_reading_gives_the_same_table_and_reports_progress(tmp_path: Path) -> None:
    lines = ["case_id,activity,timestamp,n"] + [
        f"c{i % 3},a{i % 2},2025-01-0{1 + i % 9}T10:00:00Z,{i}" for i in range(11)]
    path = write_csv(tmp_path, "events.csv", "\n".join(lines) + "\n")
    columns = (Col("case_id"), Col("activity"), Col("timestamp", kind="time"),
               Col("n", kind="number"))
    calls: list[tuple[str, int, int]] = []
    chunked = read_table([path], "events", columns, timezone="UTC",
                         progress=lambda *a: calls.append(a), chunk_rows=4)
    whole = read_table([path], "events", columns, timezone="UTC")
    pd.testing.assert_frame_equal(chunked.frame, whole.frame)
    assert chunked.frame["n"].tolist() == list(range(11))
    assert len(calls) == 3 and calls[-1] == ("events.csv", path.stat().st_size,
                                             path.stat().st_size)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    assert chunked.files[0].rows == 11 and chunked.files[0].columns[0] == "case_id"


def test_semicolon_delimiter_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes("\ufeffcase_id;activity;timestamp\nA;MQL;2025-01-05T10:00:00\n"
                     .encode())
    log = read_export([path])
    assert log.events["value"].tolist() == ["MQL"]


def test_cp1252_export_reads_when_map_names_the_encoding(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "events.csv", "case_id,activity,timestamp\nA,Qualifié,"
                     "2025-01-05T10:00:00\n", encoding="cp1252")
    with pytest.raises(CrmDataError, match="not UTF-8"):
        read_export([path])
    log = read_export([path], mapping=CrmMap(encoding="cp1252"))
    assert log.events["value"].tolist() == ["Qualifié"]


def test_window_bounds_as_dates_and_zoned_datetimes(tmp_path: Path) -> None:
    import datetime as dt

    path = write_csv(tmp_path, "events.csv", """
        case_id,activity,timestamp
        A,MQL,2025-01-05T10:00:00
        B,MQL,2025-01-06T10:00:00
        """)
    by_date = read_export([path], until=dt.date(2025, 1, 5))  # a date includes its day
    assert list(by_date.cases.index) == ["A"]
    zoned = pd.Timestamp("2025-01-06T14:00:00+00:00")  # 09:00 in New York
    late = read_export([path], mapping=NEW_YORK, since=zoned)
    assert list(late.cases.index) == ["B"]
    assert list(read_export([path], mapping=NEW_YORK, until=zoned).cases.index) == ["A"]


def test_read_export_reports_progress_for_every_file(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path)
    seen: dict[str, tuple[int, int]] = {}
    read_export([folder], progress=lambda name, done, total: seen.update({name: (done,
                                                                                total)}))
    assert set(seen) == {p.name for p in folder.iterdir()}
    assert all(done == total == (folder / name).stat().st_size
               for name, (done, total) in seen.items())


def test_hubspot_contact_with_two_deals_uses_the_first(tmp_path: Path) -> None:
    write_csv(tmp_path, "contacts.csv", """
        hs_object_id,createdate,lifecyclestage
        101,2025-03-03 09:00,opportunity
        """)
    write_csv(tmp_path, "deals.csv", """
        hs_object_id,dealstage,amount,createdate,associations.contact
        9002,contractsent,700,2025-03-12 09:00,101
        9001,closedlost,500,2025-03-10 09:00,101
        """)
    log = read_export([tmp_path])
    assert log.cases.loc["101", "amount"] == 500.0
    assert log.cases.loc["101", "status"] == "Closed Lost"
    assert any("more than one deal" in note for note in log.notes)


def test_salesforce_converted_lead_without_status_history(tmp_path: Path) -> None:
    """Its status now is the converted one; what it began with is not known, so the log
    shows only the conversion."""
    write_csv(tmp_path, "Lead.csv", f"""
        Id,Status,IsConverted,ConvertedDate,CreatedDate
        {LEAD1},Closed - Converted,true,2025-05-03,2025-05-01T12:00:00Z
        {LEAD2},Open,false,,2025-05-01T12:00:00Z
        """)
    write_csv(tmp_path, "LeadHistory.csv", f"""
        LeadId,Field,OldValue,NewValue,CreatedDate
        {LEAD1},created,,,2025-05-01T12:00:00Z
        """)
    log = read_export([tmp_path])
    stages = _events(log, LEAD1, "stage")
    assert stages[["time", "value"]].values.tolist() == [
        [pd.Timestamp("2025-05-03"), "Closed - Converted"]]
    assert _events(log, LEAD2, "stage")["value"].tolist() == ["Open"]
