"""The snapshot from a CRM export: cut a synthetic export of a known process at a date and
check every open lead against the engine's own trace at that date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from laneforge.app.crm_synthetic import SyntheticCrm, synthetic_crm
from laneforge.app.forecast_snapshot import (
    SnapshotError,
    open_by_node,
    snapshot_from_export,
)
from laneforge.io import process_from_data
from laneforge.model import Process
from laneforge.sim import compile_process, run_replication

DAYS = 60
SEED = 11
#: two thirds in: every task in progress then ends well before the export does
AS_OF_H = 40 * 24 + 13.5


def _process() -> Process:
    """Web leads called by SDRs (business hours); a quarter nurtured and called again, the
    reached ones to an AE demo (a stage: its status is written on entry) and a proposal (no
    status: the CRM shows it only when work starts)."""
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "snapshot test",
        "start": "2026-01-05T00:00",
        "calendars": {"business": {"days": "mon-fri", "hours": "09:00-17:00"}},
        "stages": ["Lead", "SQL"],
        "lanes": [{"id": "marketing", "staff": None},
                  {"id": "sdr", "name": "SDR", "staff": 2, "calendar": "business"},
                  {"id": "ae", "name": "AE", "staff": 2}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "name": "Web",
             "stage": "Lead", "arrivals": {"rate": "14/day"}},
            {"id": "call", "kind": "task", "lane": "sdr", "name": "Call",
             "duration": {"dist": "exponential", "mean": "50m"}},
            {"id": "reached", "kind": "decision", "lane": "sdr"},
            {"id": "nurture", "kind": "delay", "lane": "marketing", "name": "Nurture",
             "duration": {"dist": "uniform", "min": "5d", "max": "12d"}},
            {"id": "dq", "kind": "end", "lane": "sdr", "outcome": "disqualified"},
            {"id": "demo", "kind": "task", "lane": "ae", "name": "Demo", "stage": "SQL",
             "duration": {"dist": "triangular", "min": "2h", "mode": "5h", "max": "9h"}},
            {"id": "fit", "kind": "decision", "lane": "ae"},
            {"id": "proposal", "kind": "task", "lane": "ae", "name": "Proposal",
             "duration": {"dist": "uniform", "min": "4h", "max": "16h"}},
            {"id": "close", "kind": "decision", "lane": "ae"},
            {"id": "won", "kind": "end", "lane": "ae", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "ae", "outcome": "lost"},
        ],
        "edges": [
            {"from": "web", "to": "call"}, {"from": "call", "to": "reached"},
            {"from": "reached", "to": "nurture", "probability": 0.25},
            {"from": "reached", "to": "demo", "probability": 0.45},
            {"from": "reached", "to": "dq", "probability": 0.3},
            {"from": "nurture", "to": "call"},
            {"from": "demo", "to": "fit"},
            {"from": "fit", "to": "proposal", "probability": 0.6},
            {"from": "fit", "to": "lost", "probability": 0.4},
            {"from": "proposal", "to": "close"},
            {"from": "close", "to": "won", "probability": 0.5},
            {"from": "close", "to": "lost", "probability": 0.5},
        ],
    }
    return process_from_data(data)


@pytest.fixture(scope="module")
def crm() -> SyntheticCrm:
    return synthetic_crm(_process(), days=DAYS, seed=SEED)


def _truth(process: Process, as_of_h: float) -> dict[str, dict[str, Any]]:
    """Each lead open at ``as_of_h`` by the engine's trace (the one the export was written
    from): its node, when it entered it, whether work had started, when it was created."""
    c = compile_process(process.detached_copy(), horizon=DAYS * 24.0, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(c, 0, SEED, trace=trace)
    ids = [n.id for n in process.nodes]
    state: dict[int, dict[str, Any]] = {}
    for t, lead, node, event in trace:
        if t > as_of_h:
            continue
        if node < 0:
            state[lead] = {"closed": True}
            continue
        here = state.setdefault(lead, {"created": t})
        if here.get("closed"):
            continue
        if event == "enter":
            here.update(node=ids[node], entered=t, started=None)
            if process.node(ids[node]).kind == "end":
                here["closed"] = True
        elif event == "start":
            here["started"] = t
        elif event == "done":
            here["started"] = None
    case = {lead: "00Q" + str(lead).zfill(12) for lead in state}
    return {case[lead]: s for lead, s in state.items() if not s.get("closed")}


def test_the_open_leads_are_at_their_true_nodes_with_their_ages(crm: SyntheticCrm) -> None:
    process = _process()
    as_of = crm.log.start + pd.Timedelta(hours=AS_OF_H)
    snapshot = snapshot_from_export(crm.log, crm.mapping, process, as_of)
    truth = _truth(process, AS_OF_H)
    assert snapshot.as_of == as_of.to_pydatetime()
    counts: dict[str, int] = {}
    for s in truth.values():
        counts[s["node"]] = counts.get(s["node"], 0) + 1
    assert open_by_node(snapshot) == dict(sorted(counts.items()))
    # every kind of place is in the test: queues, work under way, the nurture, the proposal
    # queue the CRM never names
    assert {"call", "nurture", "demo", "proposal"} <= set(counts)
    second = 1 / 3600 + 1e-9  # the export writes whole seconds
    in_service = 0
    for item in snapshot.items:
        true = truth[item.id]
        assert item.node == true["node"]
        assert item.age_hours == pytest.approx(AS_OF_H - true["entered"], abs=2 * second)
        assert item.created_hours_ago == pytest.approx(AS_OF_H - true["created"],
                                                       abs=2 * second)
        assert item.in_service == (true["started"] is not None)
        assert item.source == "web"
        if item.in_service:
            in_service += 1
            elapsed = AS_OF_H - true["started"]
            if item.node == "call":  # business hours only: at most the time since it began
                assert -second <= item.worked_hours <= elapsed + second
            else:  # the AE lane works round the clock
                assert item.worked_hours == pytest.approx(elapsed, abs=2 * second)
        else:
            assert item.worked_hours is None
        if item.node in ("demo", "proposal"):
            assert item.attributes["amount"] > 0  # deals carry their amount
    assert in_service > 0


def test_closed_leads_are_left_out_and_nothing_is_counted_twice(crm: SyntheticCrm) -> None:
    process = _process()
    as_of = crm.log.start + pd.Timedelta(hours=AS_OF_H)
    snapshot = snapshot_from_export(crm.log, crm.mapping, process, as_of)
    ids = [item.id for item in snapshot.items]
    assert len(ids) == len(set(ids))
    finals = set(crm.mapping.outcomes)
    stages = crm.log.events[crm.log.events["kind"] == "stage"]
    closed = set(stages.loc[(stages["time"] <= as_of) & stages["value"].isin(finals), "case"])
    assert closed and not closed & set(ids)
    created = crm.log.cases.index[crm.log.cases["created"] <= as_of]
    assert len(ids) == len(set(created) - closed)


def test_the_default_date_is_the_exports_end(crm: SyntheticCrm) -> None:
    snapshot = snapshot_from_export(crm.log, crm.mapping, _process())
    assert snapshot.as_of == crm.log.end.to_pydatetime()
    assert len(snapshot.items) == crm.open_cases


@pytest.mark.parametrize("when", ["2025-12-01", dt.datetime(2026, 6, 1), "not a date"])
def test_a_date_outside_the_export_is_one_clear_error(crm: SyntheticCrm, when: Any) -> None:
    with pytest.raises(SnapshotError, match="--as-of") as info:
        snapshot_from_export(crm.log, crm.mapping, _process(), when)
    if when != "not a date":
        assert "outside the export, which runs from 2026-01-05 00:00 to 2026-03-06 00:00" in (
            str(info.value))
    assert "\n" not in str(info.value)


def test_ages_are_never_negative(crm: SyntheticCrm) -> None:
    for hours in (24.0 * 3, 24.0 * 20 + 9.25):
        snapshot = snapshot_from_export(crm.log, crm.mapping, _process(),
                                        crm.log.start + pd.Timedelta(hours=hours))
        ages = np.array([item.age_hours for item in snapshot.items])
        assert (ages >= 0).all() and len(ages)


def test_a_date_before_any_lead_gives_an_empty_snapshot(crm: SyntheticCrm) -> None:
    snapshot = snapshot_from_export(crm.log, crm.mapping, _process(), crm.log.start)
    assert snapshot.items == () and snapshot.as_of == crm.log.start.to_pydatetime()
