"""MAP.json from names: similarity of CRM words and process names, the suggested mapping for
a bundled template, what is still ambiguous, and look-ups by CRM value."""

from __future__ import annotations

from pathlib import Path

import pytest

from laneforge.io import load_process
from laneforge.io.crm import CrmMap, ambiguous, check_mapping, read_export, suggest_mapping
from laneforge.io.crm.suggest import THRESHOLD, similarity

from conftest import REPO
from crmhelpers import ANN, BOB, salesforce_export


@pytest.fixture(scope="module")
def lifecycle():
    return load_process(REPO / "processes" / "lead-lifecycle.lane.json")


@pytest.mark.parametrize(("crm", "process"), [
    ("MQL", "Marketing Qualified"), ("Sales Qualified", "SQL"), ("Sales Accepted", "SAL"),
    ("Closed Won", "won"), ("Closed Won", "Customer"), ("Closed Lost", "Closed lost"),
    ("Closed - Not Converted", "disqualified"), ("Web", "Website forms"),
    ("Webinar", "Webinars & content"), ("SDR", "Inside Sales (SDR)"),
    ("Sales Development Rep", "Inside Sales (SDR)"), ("Nurture", "Nurture 30 days"),
    ("Discovery Call", "Discovery call"), ("Nuture", "Nurture"),
])
def test_alike_names(crm: str, process: str) -> None:
    assert similarity(crm, process) >= THRESHOLD


@pytest.mark.parametrize(("crm", "process"), [
    ("Closed Won", "Closed lost"), ("Web", "Webinars & content"), ("Partner", "Website forms"),
    ("Working - Contacted", "Disqualified"), ("", "Lead"),
])
def test_unlike_names(crm: str, process: str) -> None:
    assert similarity(crm, process) < THRESHOLD


def test_suggested_mapping_for_the_lead_lifecycle(tmp_path: Path, lifecycle) -> None:
    log = read_export([salesforce_export(tmp_path)], mapping=CrmMap(timezone="Europe/Paris"))
    mapping = suggest_mapping(log, lifecycle)
    assert mapping.format == "salesforce" and mapping.timezone == "Europe/Paris"
    assert mapping.stages == {"Lead": ["Open - Not Contacted"], "Customer": ["Closed Won"]}
    assert mapping.outcomes == {"Closed Won": "customer"}
    assert mapping.sources == {"Web": "inbound", "Webinar": "webinar"}
    assert mapping.owners == {"role:SDR": "inside_sales", "role:AE": "field_sales"}
    assert mapping.activities == {"Discovery Call": "discovery", "Call": "first_call"}
    check_mapping(mapping, lifecycle, log)  # a suggestion names only what the process has
    assert mapping.lane_of(ANN, "SDR") == "inside_sales"
    assert mapping.lane_of(BOB, "AE") == "field_sales"


def test_ambiguous_lists_what_to_map(tmp_path: Path, lifecycle) -> None:
    log = read_export([salesforce_export(tmp_path)])
    mapping = suggest_mapping(log, lifecycle)
    problems = ambiguous(mapping, log, lifecycle)
    assert problems == [
        "process stage 'MQL': no CRM status in the export is mapped to it",
        "process stage 'SAL': no CRM status in the export is mapped to it",
        "process stage 'SQL': no CRM status in the export is mapped to it",
        "CRM status 'Working - Contacted' (1 leads are in it at the end) is not mapped to a "
        "stage, an outcome or a node",
    ]
    done = mapping.model_copy(update={
        "stages": {**mapping.stages, "MQL": ["Working - Contacted"],
                   "SAL": ["Closed - Converted"], "SQL": ["Prospecting"]},
    })
    assert ambiguous(done, log, lifecycle) == []
    twice = done.model_copy(update={"stages": {**done.stages, "SQL": ["Prospecting",
                                                                       "Working - Contacted"]}})
    assert ambiguous(twice, log, lifecycle) == [
        "CRM status 'Working - Contacted' is mapped to two stages: 'MQL' and 'SQL'"]
    no_roles = done.model_copy(update={"owners": {}, "sources": {"Web": "inbound"}})
    assert ambiguous(no_roles, log, lifecycle) == [
        "lead source 'Webinar' (1 leads) is not mapped to a source node",
        "role 'AE' (1 owners, 5 records) is not mapped to a lane",
        "role 'SDR' (1 owners, 3 records) is not mapped to a lane",
    ]
    by_id = no_roles.model_copy(update={"owners": {ANN[:15]: "inside_sales",
                                                   "role:AE": "field_sales"},
                                        "sources": mapping.sources})
    assert ambiguous(by_id, log, lifecycle) == []  # a 15-character id finds its owner


def test_lookups_ignore_case_and_spaces() -> None:
    mapping = CrmMap(stages={"MQL": ["Marketing Qualified"]}, sources={"Web ": "inbound"},
                     outcomes={"Closed Won": "customer"}, nodes={"Nurture": "recycle"},
                     activities={"Call": "first_call"})
    assert mapping.stage_of("marketing  qualified") == "MQL"
    assert mapping.source_of("web") == "inbound"
    assert mapping.outcome_of("CLOSED WON") == "customer"
    assert mapping.node_of("Nurture") == "recycle" and mapping.node_of("Nurtured") is None
    assert mapping.activity_of("call") == "first_call"
