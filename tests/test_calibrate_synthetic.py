"""The synthetic CRM export: shaped like every reader's event log, and true to its process."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from laneforge.app.crm_synthetic import INTEGRATION_USER, SyntheticCrm, synthetic_crm
from laneforge.bundled import templates_dir
from laneforge.io import load_process
from laneforge.io.crm.eventlog import (
    ACTIVITY,
    CASE_COLUMNS,
    EVENT_COLUMNS,
    OWNER,
    OWNER_COLUMNS,
    STAGE,
)
from laneforge.model import Process
from laneforge.model.calendar import parse_hours

DAYS = 56


@pytest.fixture(scope="module")
def process() -> Process:
    return load_process(templates_dir() / "lead-lifecycle.lane.json")


@pytest.fixture(scope="module")
def crm(process: Process) -> SyntheticCrm:
    return synthetic_crm(process, days=DAYS, seed=4)


def test_the_log_has_the_event_log_shape(crm: SyntheticCrm) -> None:
    log = crm.log
    assert dict(log.events.dtypes.astype(str)) == EVENT_COLUMNS
    assert dict(log.cases.dtypes.astype(str)) == CASE_COLUMNS
    assert dict(log.owners.dtypes.astype(str)) == OWNER_COLUMNS
    assert log.cases.index.name == "case"
    ordered = log.events.sort_values(["case", "time"], kind="stable")
    assert ordered.index.equals(log.events.index)
    assert set(log.events["kind"].unique()) == {STAGE, ACTIVITY, OWNER}
    assert log.events["case"].isin(log.cases.index).all()
    assert log.end - log.start == pd.Timedelta(days=DAYS)
    assert log.events["time"].max() <= log.end


def test_same_seed_same_log(process: Process, crm: SyntheticCrm) -> None:
    again = synthetic_crm(process, days=DAYS, seed=4)
    pd.testing.assert_frame_equal(again.log.events, crm.log.events)
    pd.testing.assert_frame_equal(again.log.cases, crm.log.cases)
    other = synthetic_crm(process, days=DAYS, seed=5)
    assert len(other.log.events) != len(crm.log.events)


def test_leads_arrive_at_the_process_rate(process: Process, crm: SyntheticCrm) -> None:
    for source in process.sources():
        word = next(w for w, node in crm.mapping.sources.items() if node == source.id)
        n = int((crm.log.cases["source"] == word).sum())
        expected = source.mean_rate_per_hour * 24 * DAYS
        assert abs(n - expected) <= 3.3 * math.sqrt(expected)


def test_open_leads_are_those_without_a_final_status(crm: SyntheticCrm) -> None:
    final = set(crm.mapping.outcomes)
    still_open = ~crm.log.cases["status"].isin(final)
    assert crm.open_cases > 0
    assert int(still_open.sum()) == crm.open_cases


def test_work_is_logged_inside_the_lanes_hours(process: Process, crm: SyntheticCrm) -> None:
    acts = crm.log.events[crm.log.events["kind"] == ACTIVITY]
    calendar = process.calendars["business"]
    spans = parse_hours(calendar.hours)
    minute = (acts["time"].dt.hour * 60 + acts["time"].dt.minute).to_numpy()
    inside = np.zeros(len(acts), dtype=bool)
    for a, b in spans:
        inside |= (minute >= a) & (minute < b)
    assert inside.all()
    assert (acts["time"].dt.day_of_week < 5).all()
    holidays = {pd.Timestamp(d) for d in calendar.holidays}
    assert not acts["time"].dt.normalize().isin(holidays).any()
    assert (acts["duration_h"] > 0).all() and (acts["end"] >= acts["time"]).all()


def test_nobody_does_two_things_at_once(crm: SyntheticCrm) -> None:
    acts = crm.log.events[crm.log.events["kind"] == ACTIVITY].sort_values(["owner", "time"])
    same = acts["owner"].to_numpy()[1:] == acts["owner"].to_numpy()[:-1]
    gap = (acts["time"].to_numpy()[1:] - acts["end"].to_numpy()[:-1]) / pd.Timedelta(seconds=1)
    assert (gap[same] >= -1).all()  # whole seconds in the log


def test_owners_are_the_lanes_staff_queues_and_an_integration_user(
        process: Process, crm: SyntheticCrm) -> None:
    owners = crm.log.owners
    acts = crm.log.events[crm.log.events["kind"] == ACTIVITY]
    for lane in process.lanes:
        role = owners[owners["role"] == lane.label]
        assert len(role) == lane.staff
        assert crm.mapping.owners[f"role:{lane.label}"] == lane.id
        worked = acts[acts["owner"].isin(role.index)]
        assert worked["owner"].nunique() == lane.staff
    assert pd.isna(owners.loc[INTEGRATION_USER, "role"])
    statuses = crm.log.events[crm.log.events["kind"] == STAGE]
    by_integration = statuses["owner"] == INTEGRATION_USER
    # 30 % of status changes, plus those on leads the integration user still owns
    assert by_integration.mean() > 0.25
    assert statuses.loc[~by_integration, "owner"].isin(owners.index[owners["role"].notna()]).any()
    changes = crm.log.events[crm.log.events["kind"] == OWNER]
    queues = owners.index[owners["is_queue"]]
    assert changes["value"].isin(queues).any() and changes["value"].isin(role.index).any()
    previous = changes.groupby("case")["value"].shift(1)
    assert not (changes["value"] == previous).any()  # an owner change changes the owner


def test_calls_share_a_subtype_and_differ_in_type(crm: SyntheticCrm) -> None:
    acts = crm.log.events[crm.log.events["kind"] == ACTIVITY]
    calls = acts[acts["subtype"] == "Call"]["value"].unique()
    assert {"First call", "Follow-up cadence", "Discovery call"} <= set(calls)
    assert set(acts["value"].unique()) == set(crm.mapping.activities)


def test_every_mapped_word_is_in_the_log(process: Process, crm: SyntheticCrm) -> None:
    statuses = set(crm.log.events.loc[crm.log.events["kind"] == STAGE, "value"].unique())
    words = set(crm.mapping.outcomes) | set(crm.mapping.nodes)
    words |= {w for ws in crm.mapping.stages.values() for w in ws}
    assert words <= statuses
    node_ids = {node.id for node in process.nodes}
    for table in (crm.mapping.outcomes, crm.mapping.nodes, crm.mapping.activities,
                  crm.mapping.sources):
        assert set(table.values()) <= node_ids
    ends = [node.id for node in process.nodes if node.kind == "end"]
    assert sorted(crm.mapping.outcomes.values()) == sorted(ends)  # one word per end


def test_deals_carry_amounts(crm: SyntheticCrm) -> None:
    cases = crm.log.cases
    won = cases["status"] == "Closed Won"
    assert won.any() and cases.loc[won, "amount"].notna().all()
    assert cases.loc[cases["status"] == "Duplicate", "amount"].isna().all()
    assert cases["amount"].mean() == pytest.approx(25000, rel=0.3)


def test_the_truth_is_a_copy(process: Process, crm: SyntheticCrm) -> None:
    assert crm.truth == process and crm.truth is not process
