"""Writers: a hand-built event log written as a Salesforce, HubSpot or events export and read
back is the same log, modulo what each format cannot carry; and the files look like the real
exports (owner changes twice, queues, an integration user, plain dates, call types)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laneforge.io.crm import (
    CrmMap,
    read_export,
    write_events,
    write_hubspot,
    write_salesforce,
)
from laneforge.io.crm.assemble import sort_and_dedupe
from laneforge.io.crm.common import normalize
from laneforge.io.crm.hubspot import SOURCES
from laneforge.io.crm.hubspot_writer import _SOURCE_INTERNAL
from laneforge.io.crm.salesforce import id18

from crmhelpers import ANN, BOB, LEAD1, LEAD2, QUEUE, ROBOT, make_log, sorted_events

LEAD3 = id18("00Q000000000003")
NEW_YORK = CrmMap(timezone="America/New_York")
OWNERS = {
    ANN: {"name": "Ann Lee", "role": "SDR", "is_queue": False},
    BOB: {"name": "Bob Field", "role": "AE", "is_queue": False},
    QUEUE: {"name": "SDR Queue", "role": pd.NA, "is_queue": True},
    ROBOT: {"name": "Integration User", "role": pd.NA, "is_queue": False},
}


def hand_log():
    """Three leads: one converted and won, one nurtured and back (still open), one
    disqualified; in New York time, across the switch to summer time."""
    na = pd.NA
    events = [
        (LEAD1, "2025-03-03 09:00", "stage", "Open - Not Contacted", na),
        (LEAD1, "2025-03-03 09:00", "owner", QUEUE, QUEUE),
        (LEAD1, "2025-03-03 10:00", "stage", "Working - Contacted", ROBOT),
        (LEAD1, "2025-03-04 10:00", "owner", ANN, ANN),
        (LEAD1, "2025-03-04 11:00", "activity", "Discovery Call", ANN, "Call", 0.1),
        (LEAD1, "2025-03-05 11:00", "stage", "Closed - Converted", ANN),
        (LEAD1, "2025-03-05 11:00", "owner", BOB, BOB),
        (LEAD1, "2025-03-05 11:00", "stage", "Prospecting", BOB),
        (LEAD1, "2025-03-10 08:00", "activity", "Email", BOB, "Email"),
        (LEAD1, "2025-03-20 09:00", "stage", "Proposal", BOB),
        (LEAD1, "2025-04-01 14:00", "stage", "Closed Won", BOB),
        (LEAD2, "2025-03-04 04:30", "stage", "Open - Not Contacted", na),
        (LEAD2, "2025-03-04 04:30", "owner", QUEUE, QUEUE),
        (LEAD2, "2025-03-04 05:00", "stage", "Working - Contacted", ROBOT),
        (LEAD2, "2025-03-04 11:30", "activity", "Call", ANN, "Call", 60 / 3600),
        (LEAD2, "2025-03-06 09:00", "stage", "Nurture", ANN),
        (LEAD2, "2025-04-07 09:15", "stage", "Working - Contacted", ANN),
        (LEAD3, "2025-03-10 12:00", "stage", "Open - Not Contacted", na),
        (LEAD3, "2025-03-10 12:00", "owner", ANN, ANN),
        (LEAD3, "2025-03-11 16:45", "activity", "Cold Call", ANN, "Call", 0.25),
        (LEAD3, "2025-03-11 17:00", "stage", "Closed - Not Converted", ANN),
    ]
    cases = {
        LEAD1: {"created": "2025-03-03 09:00", "source": "Web", "owner": BOB,
                "amount": 12000.0, "status": "Closed Won"},
        LEAD2: {"created": "2025-03-04 04:30", "source": "Webinar", "owner": QUEUE,
                "amount": float("nan"), "status": "Working - Contacted"},
        LEAD3: {"created": "2025-03-10 12:00", "source": "Organic Search", "owner": ANN,
                "amount": float("nan"), "status": "Closed - Not Converted"},
    }
    return make_log(events, cases, OWNERS, timezone="America/New_York")


def test_salesforce_round_trip_is_exact(tmp_path: Path) -> None:
    log = hand_log()
    written = write_salesforce(log, tmp_path / "sf")
    assert [p.name for p in written] == ["Lead.csv", "LeadHistory.csv", "Opportunity.csv",
                                         "OpportunityHistory.csv", "Task.csv", "User.csv",
                                         "UserRole.csv", "Group.csv"]
    back = read_export([tmp_path / "sf"], mapping=NEW_YORK)
    pd.testing.assert_frame_equal(sorted_events(back), sorted_events(log))
    pd.testing.assert_frame_equal(back.cases, log.cases)
    pd.testing.assert_frame_equal(back.owners.sort_index(), log.owners.sort_index())
    assert back.window == log.window and back.notes == []


def test_salesforce_files_look_like_real_exports(tmp_path: Path) -> None:
    write_salesforce(hand_log(), tmp_path)

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)

    history = table("LeadHistory")
    owner_rows = history[history["Field"] == "Owner"]
    # each owner change: one row with ids, then one with names, at the same moment
    assert owner_rows[["OldValue", "NewValue"]].values.tolist() == [
        [QUEUE, ANN], ["SDR Queue", "Ann Lee"], [ANN, BOB], ["Ann Lee", "Bob Field"]]
    assert owner_rows["CreatedDate"].nunique() == 2
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
    assert history["CreatedDate"].str.match(stamp).all()
    assert history.loc[history["Field"] == "created", "CreatedDate"].iloc[0] == (
        "2025-03-03T14:00:00.000Z")  # 09:00 EST
    assert (history["Field"] == "leadConverted").sum() == 1
    by_robot = history[(history["Field"] == "Status") & (history["CreatedById"] == ROBOT)]
    assert len(by_robot) == 2
    lead = table("Lead").set_index("Id")
    assert lead.loc[LEAD1, "ConvertedDate"] == "2025-03-05"  # a plain date
    assert lead.loc[LEAD1, "IsConverted"] == "true" and lead.loc[LEAD2, "IsConverted"] == "false"
    assert lead.loc[LEAD2, "OwnerId"] == QUEUE
    opp = table("Opportunity").iloc[0]
    assert opp["CloseDate"] == "2025-04-01" and opp["IsWon"] == "true"
    assert opp["Id"] == lead.loc[LEAD1, "ConvertedOpportunityId"]
    tasks = table("Task")
    calls = tasks[tasks["TaskSubtype"] == "Call"]
    assert sorted(calls["Type"]) == ["", "Cold Call", "Discovery Call"]
    assert sorted(calls["CallDurationInSeconds"].astype(int)) == [60, 360, 900]
    assert tasks.loc[tasks["TaskSubtype"] == "Email", "WhatId"].item() == opp["Id"]
    user = table("User").set_index("Id")
    assert user.loc[ROBOT, "Name"] == "Integration User" and user.loc[ROBOT, "UserRoleId"] == ""
    roles = table("UserRole").set_index("Id")["Name"]
    assert roles[user.loc[ANN, "UserRoleId"]] == "SDR"
    assert table("Group").values.tolist() == [[QUEUE, "SDR Queue", "SDR_Queue", "Queue"]]


def _without(log, kinds=("activity",)):
    """The log's events as a format that drops these kinds would give them back."""
    events = log.events[~log.events["kind"].isin(kinds)].reset_index(drop=True)
    return events


def test_hubspot_round_trip_modulo_activities_and_authors(tmp_path: Path) -> None:
    """HubSpot's exports have no activities and no author of a stage change; an owner
    change's owner is the new owner."""
    log = hand_log()
    write_hubspot(log, tmp_path / "hs")
    back = read_export([tmp_path / "hs"], mapping=NEW_YORK)
    expected = _without(log)
    expected["owner"] = expected["value"].where(expected["kind"] == "owner")
    log.events = expected
    columns = ("case", "time", "kind", "value", "owner")
    pd.testing.assert_frame_equal(sorted_events(back, columns), sorted_events(log, columns))
    pd.testing.assert_frame_equal(back.cases, log.cases)
    assert back.format == "hubspot"


def test_hubspot_labels_export_reads_the_same_stages(tmp_path: Path) -> None:
    log = hand_log()
    files = write_hubspot(log, tmp_path / "hs", labels=True)
    header = files[0].read_text().splitlines()[0]
    assert "Create Date" in header and "Became a Working - Contacted Date" in header
    back = read_export([tmp_path / "hs"], mapping=NEW_YORK)
    columns = ("case", "time", "kind", "value")
    stages = back.events[back.events["kind"] == "stage"]
    want = log.events[log.events["kind"] == "stage"]
    back.events, log.events = stages, want
    pd.testing.assert_frame_equal(sorted_events(back, columns), sorted_events(log, columns))
    assert back.cases.loc[LEAD1, "owner"] == "Bob Field"  # the UI export writes names


def test_hubspot_internal_values(tmp_path: Path) -> None:
    log = hand_log()
    log.cases.loc[LEAD2, "status"] = "Marketing Qualified Lead"
    files = write_hubspot(log, tmp_path)
    contacts = pd.read_csv(files[0], dtype=str).set_index("hs_object_id")
    assert contacts.loc[LEAD2, "lifecyclestage"] == "marketingqualifiedlead"
    assert contacts.loc[LEAD3, "hs_analytics_source"] == "ORGANIC_SEARCH"
    assert contacts.loc[LEAD1, "hs_lifecyclestage_closedwon_date"] == "2025-04-01 14:00:00"
    assert set(_SOURCE_INTERNAL) == {normalize(label) for label in SOURCES.values()}
    deals = pd.read_csv(files[1], dtype=str)
    assert deals[["dealstage", "amount", "associations.contact"]].values.tolist() == [
        ["closedwon", "12000.00", LEAD1]]


def test_events_round_trip_modulo_end_times_and_names(tmp_path: Path) -> None:
    """An events CSV says when an activity ended, not how long it took (the working time
    in between is the fit's to work out, on the lane's calendar), and has no owner names."""
    log = hand_log()
    path = write_events(log, tmp_path / "events.csv")
    back = read_export([path], mapping=NEW_YORK)
    expected = log.events.copy()
    timed = expected["duration_h"].notna()
    expected.loc[timed, "end"] = expected.loc[timed, "time"] + pd.to_timedelta(
        expected.loc[timed, "duration_h"], unit="h")
    expected["end"] = expected["end"].dt.round("s")  # the file has whole seconds
    expected["duration_h"] = float("nan")
    log.events = expected
    columns = ("case", "time", "kind", "value", "owner", "subtype", "duration_h", "end")
    pd.testing.assert_frame_equal(sorted_events(back, columns), sorted_events(log, columns))
    pd.testing.assert_frame_equal(back.cases, log.cases)
    assert back.owners.loc[ANN, "role"] == "SDR"


# --- many shapes of history --------------------------------------------------------------

LEAD_STATUSES = ["Open", "Working", "Nurture", "Marketing Qualified", "Closed - Not Converted"]
OPP_STAGES = ["Prospecting", "Proposal", "Closed Won", "Closed Lost"]
USERS = [id18(f"00500000000001{i}") for i in range(3)]


@st.composite
def histories(draw):
    """Random leads as Salesforce can record them exactly: a first status and owner at
    creation, status and owner changes, calls, maybe a conversion (owner set then) followed
    by opportunity stages only; whole seconds."""
    events, cases = [], {}
    for n in range(draw(st.integers(1, 4))):
        case = id18(f"00Q{n + 10:012d}")
        t = pd.Timestamp("2025-01-06 08:00") + pd.Timedelta(hours=draw(st.integers(0, 500)))
        owner = draw(st.sampled_from([QUEUE, *USERS]))
        events += [(case, t, "stage", draw(st.sampled_from(LEAD_STATUSES)), pd.NA),
                   (case, t, "owner", owner, owner)]
        created = t
        converted = False
        for _ in range(draw(st.integers(0, 6))):
            t = t + pd.Timedelta(seconds=draw(st.integers(1, 10 ** 6)))
            step = draw(st.sampled_from(["stage", "owner", "call", "convert"]))
            who = draw(st.sampled_from(USERS))
            if step == "call":
                kind = draw(st.sampled_from(["Call", "Discovery Call"]))
                events.append((case, t, "activity", kind, who, "Call",
                               draw(st.integers(1, 3600)) / 3600))
            elif converted or step == "convert":
                if not converted:
                    events.append((case, t, "owner", who, who))
                converted = True
                events.append((case, t, "stage", draw(st.sampled_from(OPP_STAGES)), who))
            elif step == "owner":
                events.append((case, t, "owner", who, who))
            else:
                events.append((case, t, "stage", draw(st.sampled_from(LEAD_STATUSES)), who))
        cases[case] = {"created": str(created), "source": "Web", "owner": pd.NA,
                       "amount": 100.0 if converted else float("nan"), "status": pd.NA}
    return events, cases


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_salesforce_round_trip_of_random_histories(tmp_path: Path, history) -> None:
    events, cases = history
    log = make_log(events, cases, {QUEUE: {"name": "Queue", "is_queue": True}})
    log.events = sort_and_dedupe(log.events)
    ordered = log.events.sort_values(["case", "time"], kind="stable")
    last_stage = ordered[ordered["kind"] == "stage"].groupby("case")["value"].last()
    last_owner = ordered[ordered["kind"] == "owner"].groupby("case")["value"].last()
    log.cases["status"] = last_stage.reindex(log.cases.index).astype("string")
    log.cases["owner"] = last_owner.reindex(log.cases.index).astype("string")
    folder = tmp_path / f"sf{abs(hash(str(events))) % 10 ** 8}"
    write_salesforce(log, folder)
    back = read_export([folder])
    pd.testing.assert_frame_equal(sorted_events(back), sorted_events(log))
    pd.testing.assert_frame_equal(back.cases, log.cases)
