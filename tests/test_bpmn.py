"""BPMN 2.0: export valid against the OMG XSD, round trips, imports from other tools, safety."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

import laneforge.io.bpmn as bpmn
import laneforge.io.bpmn_export as bpmn_export
from laneforge.io import ProcessFileError, load_process
from laneforge.io.bpmn import ImportReport, export_bpmn, import_bpmn, save_bpmn
from laneforge.io.bpmn_export import iso_duration
from laneforge.model import Process, validate
from laneforge.model.shapes import node_size
from laneforge.model.text import clean_process
from test_property_based import valid_processes

from conftest import DATA, REFERENCE_FUNNEL, template_paths

BPMN_DATA = DATA / "bpmn"
NS = {"bpmn": bpmn.MODEL, "bpmndi": bpmn.BPMNDI, "dc": bpmn.DC, "di": bpmn.DI, "lf": bpmn.LF}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PROCESS_FILES = [*template_paths(), REFERENCE_FUNNEL]
FIXTURES = sorted(p.name for p in BPMN_DATA.glob("*.bpmn") if p.stem not in ("xxe",
                                                                              "billion-laughs"))

SMALL = {
    "format": "laneforge/process", "version": 1,
    "name": 'Small & <special> "quoted" process',
    "description": "Line one\nline two",
    "attributes": {"score": {"dist": "normal", "mean": 50, "sd": 10}},
    "lanes": [{"id": "mkt", "name": "Marketing", "staff": 2},
              {"id": "lead", "name": "Lead's own time", "staff": None}],
    "nodes": [
        {"id": "src", "kind": "source", "lane": "mkt", "name": "Forms",
         "arrivals": {"rate": "40/day"}, "pos": [40, 60]},
        {"id": "work", "kind": "task", "lane": "mkt", "name": "Score",
         "duration": {"dist": "exponential", "mean": "15m"}, "pos": [180, 60]},
        {"id": "hot", "kind": "decision", "lane": "mkt", "name": "Hot?", "pos": [320, 60]},
        {"id": "call", "kind": "task", "lane": "mkt", "name": "Call", "duration": "1h",
         "pos": [460, 60]},
        {"id": "wait", "kind": "delay", "lane": "lead", "name": "Nurture",
         "duration": {"dist": "uniform", "min": "20d", "max": "40d"}, "pos": [320, 80]},
        {"id": "read", "kind": "task", "lane": "lead", "name": "Reads the email",
         "duration": "5m", "pos": [460, 80]},
        {"id": "won", "kind": "end", "lane": "mkt", "outcome": "won", "pos": [600, 60]},
        {"id": "lost", "kind": "end", "lane": "mkt", "outcome": "lost", "pos": [600, 140]},
    ],
    "edges": [
        {"from": "src", "to": "work"},
        {"from": "work", "to": "hot"},
        {"from": "hot", "to": "call", "label": "hot", "when": "score >= 60"},
        {"from": "hot", "to": "wait", "default": True},
        {"from": "wait", "to": "read"},
        {"from": "read", "to": "work"},
        {"from": "call", "to": "won", "probability": 0.3,
         "decay": {"half_life": "2h", "since": "hot"}},
        {"from": "call", "to": "lost", "default": True},
    ],
}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(BPMN_DATA / "schema" / "BPMN20.xsd")))


def small() -> Process:
    return Process.model_validate(SMALL)


def processes() -> list[tuple[str, Process]]:
    named = [(p.name.removesuffix(".lane.json"), load_process(p)) for p in PROCESS_FILES]
    return [*named, ("small", small())]


PROCESSES = processes()


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


def by_id(doc: etree._Element, element_id: str) -> etree._Element:
    found = doc.xpath("//*[@id=$id]", id=element_id)
    assert len(found) == 1, element_id
    return found[0]


def bounds(doc: etree._Element, element_id: str) -> tuple[float, float, float, float]:
    shape = doc.xpath("//bpmndi:BPMNShape[@bpmnElement=$id]/dc:Bounds", namespaces=NS,
                      id=element_id)
    assert len(shape) == 1, element_id
    return tuple(float(shape[0].get(k)) for k in ("x", "y", "width", "height"))


def on_border(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    (px, py), (x, y, w, h) = point, box
    near = lambda a, b: abs(a - b) < 1e-6  # noqa: E731
    return ((near(px, x) or near(px, x + w)) and y - 1e-6 <= py <= y + h + 1e-6) or (
        (near(py, y) or near(py, y + h)) and x - 1e-6 <= px <= x + w + 1e-6)


# --- export -------------------------------------------------------------------------------


def test_the_schema_is_the_omg_one(schema):
    """The five OMG files are there and reject what BPMN 2.0 forbids."""
    names = {p.name for p in (BPMN_DATA / "schema").glob("*.xsd")}
    assert names == {"BPMN20.xsd", "Semantic.xsd", "BPMNDI.xsd", "DC.xsd", "DI.xsd"}
    wrong = parse('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                  'targetNamespace="x"><process id="p"><task id="1bad"/></process></definitions>')
    assert not schema.validate(wrong)


@pytest.mark.parametrize(("name", "process"), PROCESSES, ids=[n for n, _ in PROCESSES])
def test_export_is_valid_bpmn_with_a_pool_lanes_nodes_and_di(name, process, schema):
    doc = parse(export_bpmn(process))
    schema.assertValid(doc)
    participants = doc.findall("bpmn:collaboration/bpmn:participant", NS)
    assert len(participants) == 1 and participants[0].get("name") == process.name
    proc = by_id(doc, participants[0].get("processRef"))
    lanes = proc.findall("bpmn:laneSet/bpmn:lane", NS)
    assert [lane.get("name", "") for lane in lanes] == [lane.name for lane in process.lanes]
    for element, lane in zip(lanes, process.lanes, strict=True):
        refs = [ref.text for ref in element.findall("bpmn:flowNodeRef", NS)]
        assert refs == [node.id for node in process.nodes_in_lane(lane.id)]
        shape = doc.xpath("//bpmndi:BPMNShape[@bpmnElement=$id]", namespaces=NS,
                          id=element.get("id"))[0]
        assert shape.get("isHorizontal") == "true"
    kinds = {"source": "startEvent", "decision": "exclusiveGateway", "end": "endEvent",
             "delay": "intermediateCatchEvent"}
    for node in process.nodes:
        element = by_id(doc, node.id)
        tag = etree.QName(element).localname
        assert tag == kinds.get(node.kind, tag) and (node.kind != "task" or tag in (
            "task", "userTask"))
        if node.kind == "delay":
            assert element.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS) is not None
        data = json.loads(element.find("bpmn:extensionElements/lf:node", NS).text)
        assert data == process.to_data()["nodes"][process.node_index(node.id)]
        x, y, w, h = bounds(doc, node.id)
        if node.pos is not None:  # the centre sits at laneforge's position, lane-relative
            lane_top = bounds(doc, f"Lane_{node.lane}")[1]
            centre = (x + w / 2 - bpmn_export.ORIGIN_X, y + h / 2 - lane_top)
            assert centre == pytest.approx(node.pos)
    flows = proc.findall("bpmn:sequenceFlow", NS)
    assert len(flows) == len(process.edges)
    for flow in flows:
        points = [(float(p.get("x")), float(p.get("y"))) for p in doc.xpath(
            "//bpmndi:BPMNEdge[@bpmnElement=$id]/di:waypoint", namespaces=NS, id=flow.get("id"))]
        assert len(points) >= 2
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points))
        assert on_border(points[0], bounds(doc, flow.get("sourceRef")))
        assert on_border(points[-1], bounds(doc, flow.get("targetRef")))


def test_export_maps_conditions_defaults_timers_and_probabilities():
    process = small()
    assert not [p for p in validate(process) if p.severity == "error"]
    doc = parse(export_bpmn(process))
    flow = {(f.get("sourceRef"), f.get("targetRef")): f
            for f in doc.iterfind(".//bpmn:sequenceFlow", NS)}
    assert by_id(doc, "hot").get("default") == flow["hot", "wait"].get("id")
    assert by_id(doc, "call").get("default") == flow["call", "lost"].get("id")
    condition = flow["hot", "call"].find("bpmn:conditionExpression", NS)
    assert condition.text == "score >= 60" and condition.get(XSI_TYPE) == "bpmn:tFormalExpression"
    assert condition.get("language") == bpmn.LF_EXPRESSION
    assert flow["hot", "call"].get("name") == "hot"
    documentation = flow["call", "won"].find("bpmn:documentation", NS).text
    assert "probability 0.3 (30 %)" in documentation and "halving every 2h since hot" in (
        documentation)
    assert by_id(doc, "wait").find("bpmn:timerEventDefinition/bpmn:timeDuration",
                                   NS).text == "P30D"
    assert etree.QName(by_id(doc, "work")).localname == "userTask"  # staffed lane
    assert etree.QName(by_id(doc, "read")).localname == "task"  # the lead's own time
    assert by_id(doc, "won").get("name") is None
    process_element = doc.find("bpmn:process", NS)
    assert process_element.find("bpmn:documentation", NS).text == "Line one\nline two"
    settings = json.loads(process_element.find("bpmn:extensionElements/lf:process", NS).text)
    assert settings["attributes"] == SMALL["attributes"] and "nodes" not in settings


def test_iso_durations():
    assert [iso_duration(h) for h in (0, 0.25, 1.5, 26.5, 720, 1 / 3600)] == [
        "PT0S", "PT15M", "PT1H30M", "P1DT2H30M", "P30D", "PT1S"]


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "process"), PROCESSES, ids=[n for n, _ in PROCESSES])
def test_export_then_import_gives_back_the_same_process(name, process):
    back, report = import_bpmn(export_bpmn(process))
    assert back == process
    assert report.restored and report.exporter.startswith("laneforge ")
    assert (report.warnings, report.notes, report.unmapped) == ([], [], [])


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(valid_processes())
def test_random_valid_processes_round_trip(schema, data):
    process = Process.model_validate(data)
    text = export_bpmn(process)
    schema.assertValid(parse(text))
    assert import_bpmn(text)[0] == process


def test_odd_text_and_broken_references_still_round_trip(schema, reference_process):
    """Characters XML cannot hold, no lane name, a node in no lane, an edge to nowhere."""
    data = reference_process.to_data()
    data["name"] = "tab\there, vertical\x0btab"
    data["lanes"][0]["name"] = ""
    data["nodes"][1]["name"] = "Enrich\x01 lead \uffff  twice  spaced\r\n"
    data["nodes"][0]["lane"] = "nowhere"
    del data["nodes"][2]["pos"]
    data["edges"][2]["label"] = "a\x02  b"
    data["edges"].insert(3, {"from": "score", "to": "ghost"})
    process = Process.model_validate(data)
    text = export_bpmn(process)
    schema.assertValid(parse(text))
    back, report = import_bpmn(text)
    # what is not text comes back as U+FFFD (a file may not hold it), the rest as it was
    assert back == clean_process(process)
    assert back.nodes[1].name == "Enrich\ufffd lead \ufffd  twice  spaced\r\n"
    assert any("characters that are not text replaced" in w for w in report.warnings)
    assert any("unknown node 'ghost'" in w for w in report.warnings)  # as the original


def test_save_bpmn_writes_a_file_that_imports_by_path(tmp_path, reference_process):
    target = tmp_path / "funnel.bpmn"
    save_bpmn(reference_process, target)
    assert target.read_text(encoding="utf-8").startswith('<?xml version="1.0"')
    assert import_bpmn(target)[0] == reference_process
    assert import_bpmn(str(target))[0] == reference_process
    assert import_bpmn(target.read_bytes())[0] == reference_process
    with pytest.raises(ProcessFileError, match="cannot save"):
        save_bpmn(reference_process, tmp_path / "missing-folder" / "x.bpmn")


def test_edits_made_in_another_tool_win_over_the_stored_data(reference_process):
    """Renamed and moved in Camunda Modeler: the new name and place, the rest restored."""
    doc = parse(export_bpmn(reference_process))
    by_id(doc, "enrich").set("name", "Enrich and route")
    shape = doc.xpath("//bpmndi:BPMNShape[@bpmnElement='enrich']/dc:Bounds", namespaces=NS)[0]
    shape.set("x", str(float(shape.get("x")) + 100))
    back, report = import_bpmn(etree.tostring(doc))
    enrich = back.node("enrich")
    assert enrich.name == "Enrich and route" and enrich.pos == (260, 60)
    assert enrich.duration == reference_process.node("enrich").duration
    assert [n.id for n in back.nodes] == [n.id for n in reference_process.nodes]
    assert back.edges == reference_process.edges and report.restored


@pytest.mark.parametrize("damage", ["{broken", '{"kind": "task", "lane": "marketing"}',
                                    '{"id": "enrich", "kind": "meeting", "lane": "x"}'])
def test_damaged_laneforge_data_falls_back_to_plain_bpmn(reference_process, damage):
    text = export_bpmn(reference_process)
    text = re.sub(r'(<lf:node>)\{"id": "enrich".*?(</lf:node>)', rf"\g<1>{damage}\2", text)
    back, report = import_bpmn(text)
    assert back.node("enrich").name == "Enrich lead" and back.node("enrich").pos == (160, 60)
    assert any("enrich is damaged" in w for w in report.warnings)
    assert str(back.node("enrich").duration.mean_) == "30m"  # the import default
    assert back.node("score") == reference_process.node("score")


def test_a_file_from_a_newer_laneforge_is_refused_clearly(reference_process):
    text = export_bpmn(reference_process).replace('"version": 1,', '"version": 99,', 1)
    with pytest.raises(ProcessFileError, match="version 99, newer than this laneforge reads"):
        import_bpmn(text)


def test_a_second_element_with_the_same_id_is_reported():
    text = (BPMN_DATA / "flowable-no-diagram.bpmn").read_text(encoding="utf-8").replace(
        '<endEvent id="end.cold"', '<task id="task.score" name="Copy" /><endEvent id="end.cold"')
    process, report = import_bpmn(text)
    assert process.node("task_score").name == "Re-score lead"
    assert "task task.score 'Copy' (a second element with this id)" in report.unmapped


def test_without_laneforge_data_the_diagram_still_gives_lanes_kinds_and_places():
    process = load_process(template_paths()[0])
    text = re.sub(r"<bpmn:extensionElements>.*?</bpmn:extensionElements>", "",
                  export_bpmn(process), flags=re.DOTALL)
    back, report = import_bpmn(text)
    assert not report.restored
    assert [lane.name for lane in back.lanes] == [lane.name for lane in process.lanes]
    for node in process.nodes:
        twin = back.node(node.id)
        # BPMN has no interval nor stop condition for a loop: a cadence comes back as the
        # looping task it is written as
        kind = "task" if node.kind == "cadence" else node.kind
        assert (twin.kind, twin.name, twin.pos) == (kind, node.name, node.pos)
        assert back.lanes[back.lane_index(twin.lane)].name == process.lane(node.lane).name
    for edge in process.edges:  # probabilities come back from the flows' documentation
        if edge.probability is not None and not edge.default:
            assert back.edge(edge.source, edge.target).probability == edge.probability
    assert any("default duration" in note for note in report.notes)


# --- imports from other tools -------------------------------------------------------------------


def imported(name: str) -> tuple[Process, ImportReport, dict[str, object]]:
    process, report = import_bpmn(BPMN_DATA / name)
    return process, report, {node.name: node for node in process.nodes}


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_are_valid_bpmn_and_import_to_a_process_without_errors(name, schema):
    schema.assertValid(etree.parse(str(BPMN_DATA / name)))
    process, report = import_bpmn(BPMN_DATA / name)
    assert not [p for p in validate(process) if p.severity == "error"]
    assert not any(w.startswith("after import") for w in report.warnings)
    for lane in process.lanes:  # laneforge's larger shapes do not overlap
        placed = sorted((n for n in process.nodes_in_lane(lane.id) if n.pos), key=lambda n: n.pos)
        for a, b in itertools.combinations(placed, 2):
            (aw, ah), (bw, bh) = node_size(a.kind), node_size(b.kind)
            if abs(a.pos[1] - b.pos[1]) < (ah + bh) / 2:
                assert abs(a.pos[0] - b.pos[0]) >= (aw + bw) / 2, (a.name, b.name)
    again = parse(export_bpmn(process))  # and what we made of it exports and comes back
    schema.assertValid(again)
    assert import_bpmn(etree.tostring(again))[0] == process


def test_camunda_modeler_collaboration_with_two_lanes():
    process, report, nodes = imported("camunda-lead-routing.bpmn")
    assert process.name == "Inbound lead routing"
    assert report.exporter == "Camunda Modeler 5.17.0" and not report.restored
    assert [(lane.id, lane.name, lane.staff, lane.height) for lane in process.lanes] == [
        ("Lane_0mkt8d1", "Marketing", 1, 250), ("Lane_1sdr2k7", "Sales Development", 1, 250)]
    kinds = {name: (node.kind, node.lane) for name, node in nodes.items()}
    assert kinds == {
        "Form submitted": ("source", "Lane_0mkt8d1"), "Enrich lead": ("task", "Lane_0mkt8d1"),
        "Score lead": ("task", "Lane_0mkt8d1"), "Fresh lead?": ("decision", "Lane_0mkt8d1"),
        "Wait 2 days": ("delay", "Lane_0mkt8d1"), "Send nurture email": ("task", "Lane_0mkt8d1"),
        "Back to nurture": ("end", "Lane_0mkt8d1"), "Call lead": ("task", "Lane_1sdr2k7"),
        "Reached?": ("decision", "Lane_1sdr2k7"), "Qualify (BANT)": ("task", "Lane_1sdr2k7"),
        "Opportunity won": ("end", "Lane_1sdr2k7"), "Closed lost": ("end", "Lane_1sdr2k7"),
        "Escalate to team lead": ("task", "Lane_1sdr2k7"),
        "Handed to team lead": ("end", "Lane_1sdr2k7")}
    assert [nodes[n].outcome for n in ("Back to nurture", "Opportunity won", "Closed lost",
                                       "Handed to team lead")] == ["nurture", "won", "lost", "done"]
    assert str(nodes["Wait 2 days"].duration) == "2d"
    assert nodes["Form submitted"].pos == (40, 100) and nodes["Call lead"].pos == (570, 100)
    assert nodes["Escalate to team lead"].pos == (570, 200)
    fresh = process.edge("Gateway_Fresh", "Activity_CallLead")
    assert (fresh.when, fresh.label) == ("age <= 24", "fresh")  # ${age <= 24} reads as laneforge
    assert process.edge("Gateway_Fresh", "Event_Wait2d").default
    assert process.edge("Gateway_Reached", "Activity_Qualify").probability == 0.5
    assert process.edge("Gateway_Reached", "EndEvent_Lost").default
    assert process.edge("Activity_CallLead", "Activity_Escalate").probability == 0.5
    assert len(process.edges) == 13
    assert any("boundary event 'No pickup in 4 h'" in w for w in report.warnings)
    assert any("'Reached?'" in w and "callOutcome" in w for w in report.warnings)
    assert report.unmapped == [
        "message Message_Form 'Website form'",
        "textAnnotation TextAnnotation_0sla 'SLA: call within 4 business hours'",
        "association Association_1kx9"]
    assert any("http://camunda.org/schema/1.0/bpmn" in note for note in report.notes)
    assert any(note.startswith("6 tasks") for note in report.notes)


def test_bpmn_io_process_with_parallel_and_inclusive_gateways_and_data():
    process, report, nodes = imported("bpmnio-webinar-followup.bpmn")
    assert [(lane.name, lane.staff) for lane in process.lanes] == [("Webinar follow-up", 1)]
    assert {n.kind for n in process.nodes} == {"source", "decision", "task", "end"}
    assert not any(n.id == "Gateway_Join" for n in process.nodes)  # a merge: flows go on
    assert process.edge("Activity_Crm", "Activity_Review") and process.edge(
        "Activity_Mail", "Activity_Review")
    split = [e.probability for e in process.outgoing("Gateway_Split")]
    assert split == [0.5, 0.5]
    interest = process.outgoing("Gateway_Interest")
    assert [(e.label, e.probability, e.default) for e in interest] == [
        ("visited pricing", 0.3333, False), ("asked for demo", 0.3333, False), (None, None, True)]
    assert any(w.startswith("parallel gateway Gateway_Split") for w in report.warnings)
    assert any(w.startswith("inclusive gateway 'Interest shown?'") for w in report.warnings)
    assert any("Gateway_Join" in note for note in report.notes)
    assert report.unmapped == [
        "dataOutputAssociation DataOutputAssociation_0x1 (on 'Log attendance in CRM')",
        "dataObjectReference DataObjectReference_List 'Attendee list'",
        "dataObject DataObject_0f8w",
        "textAnnotation TextAnnotation_1 'Recording goes out within 24 h'",
        "association Association_1"]
    assert nodes["Webinar attended"].pos == (38, 180)
    assert nodes["Log attendance in CRM"].pos == (268, 100)
    assert nodes["Keep nurturing"].outcome == "nurture"


def test_signavio_nested_lanes_and_an_expanded_sub_process():
    process, report, nodes = imported("signavio-nested-lanes.bpmn")
    assert report.exporter.startswith("Signavio Process Editor")
    assert [(lane.id, lane.name, lane.height) for lane in process.lanes] == [
        ("sid-LANE-SDR", "Sales / SDR", 190), ("sid-LANE-AE", "Sales / Account Executive", 150),
        ("sid-LANE-CS", "Customer Success", 170)]
    assert not any(n.id.startswith("sid-SUB") for n in process.nodes)
    assert nodes["Discovery call"].lane == "sid-LANE-SDR"
    assert nodes["Discovery call"].pos == (444, 95)  # widened by 148 / 140 for larger shapes
    assert process.edge("sid-TASK-RESEARCH", "sid-TASK-DISCOVERY")
    assert process.edge("sid-TASK-SUMMARY", "sid-GW-QUALIFIED")
    assert [(n.lane, n.kind) for n in process.nodes if n.name == "Onboard customer"] == [
        ("sid-LANE-CS", "task")]
    assert nodes["Disqualified"].outcome == "disqualified"
    assert any("sub-process 'Qualify lead' was flattened" in w for w in report.warnings)
    assert sum("its ways out have no conditions" in w for w in report.warnings) == 2
    assert report.unmapped == []


def test_bizagi_vertical_lanes_collapsed_sub_process_and_a_black_box_pool():
    process, report, nodes = imported("bizagi-vertical-lanes.bpmn")
    assert process.description.startswith("Inbound demo requests")
    assert [(lane.name, lane.height) for lane in process.lanes] == [("Marketing", 220),
                                                                    ("Sales", 220)]
    assert any("lanes are vertical" in w for w in report.warnings)
    # turned: what flowed downwards now flows to the right, each lane's column is a row
    assert nodes["Demo request received"].pos == (59.2, 110)  # 40 widened by 1.48
    assert nodes["Run discovery"].pos == (621.6, 110)
    xs = [nodes[n].pos[0] for n in ("Demo request received", "Check fit",
                                    "Enrich with vendor data", "Good fit?")]
    assert xs == sorted(xs)
    assert nodes["Enrich with vendor data"].kind == "task"
    assert any("'Enrich with vendor data' was imported as one task" in w
               for w in report.warnings)
    assert (nodes["Notify sales"].kind, str(nodes["Notify sales"].duration)) == ("delay", "0h")
    assert process.edge("Id_gw-fit", "Id_end-disqualified").default
    assert report.unmapped == [
        "participant Id_prospect-5c6d-4e7f-8091-a2b3c4d5e6f7 'Prospect' (a pool without a "
        "process)", "messageFlow Id_mf-demo-request 'Demo request'"]


def test_a_file_without_diagram_is_left_for_auto_layout():
    from laneforge.app.layout import auto_layout, needs_layout

    process, report, nodes = imported("flowable-no-diagram.bpmn")
    assert all(node.pos is None for node in process.nodes) and needs_layout(process)
    assert [(lane.id, lane.name, lane.height) for lane in process.lanes] == [
        ("lead_nurture", "Lead nurture", None)]
    assert nodes["Re-score lead"].id == "task_score"  # 'task.score' is no laneforge id
    assert process.edge("gw_engaged", "task_email").when == "age < 2160"
    assert process.edge("gw_engaged", "end_cold").default
    assert process.edge("ev_timeout", "task_score")  # the link events joined up
    assert str(nodes["Nurture interval passed"].duration) == "1d"
    assert nodes["Lost interest"].outcome == "lost"
    assert any(w.startswith("event-based gateway 'Wait for reply'") for w in report.warnings)
    assert any("no diagram" in note for note in report.notes)
    assert any("'Nurture interval passed'" in note for note in report.notes)
    assert report.unmapped == ["message replyMessage 'nurtureReply'"]
    assert set(auto_layout(process).positions) == {node.id for node in process.nodes}


# --- unsafe and bad input ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "words"), [
    ("billion-laughs.bpmn", "XML entity 'lol'"),
    ("xxe.bpmn", "external entity 'xxe' that points at 'file:///etc/passwd'"),
])
def test_entity_tricks_are_refused_and_nothing_is_read(name, words):
    path = BPMN_DATA / name
    with pytest.raises(ProcessFileError) as caught:
        import_bpmn(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and words in message and "refused" in message
    assert "root:" not in message and "\n" not in message
    with pytest.raises(ProcessFileError, match="refused"):
        import_bpmn(path.read_text(encoding="utf-8"))


def test_malformed_xml_names_the_file_and_the_place(tmp_path):
    path = tmp_path / "broken.bpmn"
    path.write_text('<?xml version="1.0"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/'
                    '20100524/MODEL">\n  <process id="p">\n</definitions>\n', encoding="utf-8")
    with pytest.raises(ProcessFileError) as caught:
        import_bpmn(path)
    assert caught.value.path == str(path) and caught.value.field == "line 4 column 2"
    assert "not well-formed XML" in caught.value.message


@pytest.mark.parametrize(("text", "words"), [
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "not a BPMN 2.0 file: the root "
     "element is <svg> in namespace http://www.w3.org/2000/svg"),
    ('<definitions xmlns="http://www.omg.org/bpmn20"/>', "not a BPMN 2.0 file"),
    ('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">'
     '<message id="m"/></definitions>', "no process with tasks or events"),
])
def test_other_xml_is_refused_with_the_file_name(tmp_path, text, words):
    path = tmp_path / "other.bpmn"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProcessFileError) as caught:
        import_bpmn(path)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)


def test_missing_folder_and_oversized_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(ProcessFileError, match="no such file"):
        import_bpmn(tmp_path / "nope.bpmn")
    with pytest.raises(ProcessFileError, match="is a folder"):
        import_bpmn(tmp_path)
    monkeypatch.setattr(bpmn, "MAX_FILE_BYTES", 1000)
    big = BPMN_DATA / "camunda-lead-routing.bpmn"
    with pytest.raises(ProcessFileError, match="limited to"):
        import_bpmn(big)
    with pytest.raises(ProcessFileError, match="limited to"):
        import_bpmn(big.read_bytes())


def test_report_lines_read_as_sentences():
    report = import_bpmn(BPMN_DATA / "bizagi-vertical-lanes.bpmn")[1]
    lines = report.lines()
    assert lines[0].startswith("warning: ") and lines[-1].startswith("not imported: ")
    assert len(lines) == len(report.warnings) + len(report.notes) + len(report.unmapped)


def test_fixture_list_is_complete():
    assert set(FIXTURES) == {"camunda-lead-routing.bpmn", "bpmnio-webinar-followup.bpmn",
                             "signavio-nested-lanes.bpmn", "bizagi-vertical-lanes.bpmn",
                             "flowable-no-diagram.bpmn", "bpmnio-consumer-journey.bpmn"}
    assert (BPMN_DATA / "schema" / "README.md").is_file()
