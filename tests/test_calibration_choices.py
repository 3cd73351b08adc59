"""What the calibration wizard decides without Qt: the mapping table's rows and what they
write back to MAP.json, the changes that go together, and applying the ticked ones."""

from __future__ import annotations

import pytest

from laneforge.app.calibrate import Change
from laneforge.app.calibration_choices import (
    change_groups,
    first_refusal,
    interval_text,
    linked,
    mapping_rows,
    mapping_with,
    targets,
)
from laneforge.app.calibration_report import check_cells
from laneforge.app.crm_calibration import complete_mapping
from laneforge.app.holdout import Check
from laneforge.bundled import template_path
from laneforge.io import load_process
from laneforge.io.crm import CrmMap, read_export
from laneforge.model import MISSING

from crmhelpers import salesforce_export


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """Two leads: lead 1 (Web) is worked by Ann (SDR), converts and is won under Bob (AE);
    lead 2 (Webinar) stays with the SDR queue, its one call logged by the queue."""
    return read_export([salesforce_export(tmp_path_factory.mktemp("sf"))])


@pytest.fixture(scope="module")
def process():
    return load_process(template_path())


def rows_by_value(rows):
    return {(r.kind, r.value): r for r in rows}


def test_rows_count_the_leads_that_have_each_value(log, process):
    rows = rows_by_value(mapping_rows(log, process, CrmMap()))
    statuses = {v: r.leads for (k, v), r in rows.items() if k == "status"}
    assert statuses == {"Open - Not Contacted": 2, "Working - Contacted": 2,
                        "Closed - Converted": 1, "Prospecting": 1, "Closed Won": 1}
    assert rows["source", "Web"].leads == 1 and rows["source", "Webinar"].leads == 1
    # Ann held and worked lead 1 only; the queue and the integration user are no team
    assert rows["owner", "role:SDR"].leads == 1 and rows["owner", "role:AE"].leads == 1
    assert not any(k == "owner" and "Queue" in r.label for (k, _), r in rows.items())
    activities = {v: r.leads for (k, v), r in rows.items() if k == "activity"}
    assert activities == {"Discovery Call": 1, "Email": 1, "Call": 1}


def test_rows_show_where_the_mapping_places_each_value(log, process):
    mapping = CrmMap(stages={"Customer": ["closed won"]}, outcomes={"Closed Won": "customer"},
                     nodes={"Working - Contacted": "first_call"}, sources={"Web": "inbound"},
                     owners={"role:SDR": "inside_sales",
                             "005000000000002AAA": "field_sales"},
                     activities={"Call": "first_call"})
    rows = rows_by_value(mapping_rows(log, process, mapping))
    won = rows["status", "Closed Won"]
    assert (won.stage, won.target) == ("Customer", ("outcomes", "customer"))
    assert rows["status", "Working - Contacted"].target == ("nodes", "first_call")
    assert rows["status", "Prospecting"].stage is None
    assert rows["source", "Web"].target == ("sources", "inbound")
    assert rows["source", "Webinar"].target is None
    assert rows["owner", "role:SDR"].target == ("owners", "inside_sales")
    bob = rows["owner", "005000000000002AAA"]
    assert bob.target == ("owners", "field_sales") and "Bob Field" in bob.label
    assert rows["activity", "Call"].target == ("activities", "first_call")


def test_writing_rows_back_moves_a_value_and_keeps_what_has_no_row(log, process):
    mapping = CrmMap(stages={"Customer": ["Closed Won"], "MQL": ["Legacy MQL"]},
                     outcomes={"Closed Won": "customer"}, sources={"Web": "inbound"},
                     timezone="Europe/Berlin")
    rows = mapping_rows(log, process, mapping)
    assert mapping_with(mapping, rows) == mapping  # unchanged rows: the same map
    by = rows_by_value(rows)
    by["status", "Closed Won"].stage = None
    by["status", "Closed Won"].target = ("nodes", "kickoff")
    by["status", "Prospecting"].stage = "Opportunity"
    by["source", "Web"].target = None
    by["source", "Webinar"].target = ("sources", "webinar")
    new = mapping_with(mapping, rows)
    assert new.stages == {"MQL": ["Legacy MQL"], "Opportunity": ["Prospecting"]}
    assert new.outcomes == {} and new.nodes == {"Closed Won": "kickoff"}
    assert new.sources == {"Webinar": "webinar"}
    assert new.timezone == "Europe/Berlin"


def test_targets_list_what_the_process_has_for_each_kind(process):
    ends = {n.id for n in process.nodes if n.kind == "end"}
    steps = {n.id for n in process.nodes if n.kind in ("delay", "task")}
    status = targets(process, "status")
    assert {t.id for t in status if t.field == "outcomes"} == ends
    assert {t.id for t in status if t.field == "nodes"} == steps
    assert [t.id for t in targets(process, "owner")] == [lane.id for lane in process.lanes]
    assert {t.id for t in targets(process, "source")} == {
        n.id for n in process.nodes if n.kind == "source"}
    assert {t.id for t in targets(process, "activity")} == {n.id for n in process.tasks()}


def test_a_status_placed_by_hand_gets_no_suggested_place_besides(log, process):
    suggested = complete_mapping(log, process, None)
    assert suggested.outcome_of("Closed Won") is not None
    given = CrmMap(nodes={"Closed Won": "kickoff"})
    mapping = complete_mapping(log, process, given)
    assert mapping.node_of("Closed Won") == "kickoff"
    assert mapping.outcome_of("Closed Won") is None and mapping.stage_of("Closed Won") is None
    assert mapping.sources == suggested.sources  # other sections still suggested


CHANGES = [
    Change("nodes.inbound.arrivals.rate", "58/day", "55/day", 900, (52.0, 58.0)),
    Change("edges.is_duplicate->merged.probability", 0.15, 0.151, 800, (0.14, 0.16)),
    Change("edges.is_duplicate->score.probability", 0.85, 0.849, 800, (0.84, 0.86)),
    Change("edges.is_sql->discovery.decay.half_life", "36h", "28.4h", 500, (10.8, 74.9)),
    Change("calendars.success", MISSING, {"days": "tue-fri", "hours": "09:00-17:00"}, 50),
    Change("lanes.success.calendar", "business", "success", 50),
    Change("lanes.success.staff", 4, 2, 5, (2.0, 2.0)),
    Change("nodes.first_call.duration", "20m", {"dist": "exponential", "mean": "25m"}, 823,
           (0.4, 0.45)),
]


def test_a_decisions_shares_and_a_new_calendar_with_its_lane_go_together():
    groups = change_groups(CHANGES)
    assert len(set(groups.values())) == 6
    assert linked(CHANGES, "edges.is_duplicate->score.probability") == [
        "edges.is_duplicate->merged.probability", "edges.is_duplicate->score.probability"]
    assert linked(CHANGES, "lanes.success.calendar") == ["calendars.success",
                                                         "lanes.success.calendar"]
    assert linked(CHANGES, "edges.is_sql->discovery.decay.half_life") == [
        "edges.is_sql->discovery.decay.half_life"]
    # moving a lane onto a calendar the process already has needs nothing else
    moved = [Change("lanes.success.calendar", "business", "office", 50)]
    assert linked(moved, "lanes.success.calendar") == ["lanes.success.calendar"]


def test_changes_apply_together_or_the_refusal_names_the_path(process):
    together = [(c.path, c.new) for c in CHANGES[4:6]]
    assert first_refusal(process, together) is None
    refusal = first_refusal(process, together[1:])  # the lane onto a calendar not there
    assert refusal is not None and refusal.startswith("lanes.success.calendar:")
    assert "success" in refusal
    assert first_refusal(process, [("edges.nowhere->merged.probability", 0.5)]) is not None
    assert process.lane("success").calendar == "business"  # tried on a copy


def test_intervals_are_in_the_unit_of_their_value():
    text = [interval_text(c) for c in CHANGES]
    assert text[0] == "52 – 58 /day"
    assert text[1] == "14.0 – 16.0 %"
    assert text[3] == "0.5 – 3.1 d"
    assert text[4] == "—"
    assert text[6] == "2 – 2"
    assert text[7] == "mean 24 – 27 min"
    narrow = Change("nodes.enrich.duration", "9m", "9.3m", 5000, (9.2 / 60, 9.4 / 60))
    assert interval_text(narrow) == "mean 9.2 – 9.4 min"


def test_check_rows_cut_intervals_at_what_a_figure_can_be():
    time = Check("time_p50", "MQL->SAL", 0.12, 0.30, (-0.41, 1.0), 0.0, "±15 %", True)
    share = Check("conversion", "SQL->Customer", 0.098, 0.23, (-0.02, 1.05), None,
                  "±2 points", True)
    assert check_cells(time) == ["median time", "MQL → SAL", "0.12 d", "0.30 d",
                                 "0.00 – 1.00", "±15 %", "0 %"]
    assert check_cells(share)[2:5] == ["9.8 %", "23.0 %", "0.0 – 100.0 %"]
    assert check_cells(share)[6] == "—"
