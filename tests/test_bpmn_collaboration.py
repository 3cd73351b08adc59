"""BPMN collaborations: pools become lanes, message flows hand-off edges, and back again."""

from __future__ import annotations

import math
import re

import pytest
from lxml import etree

import laneforge
import laneforge.io.bpmn as bpmn
from laneforge.cli import main
from laneforge.io import ProcessFileError
from laneforge.io.bpmn import export_bpmn, import_bpmn
from laneforge.model import Process, validate

from conftest import DATA

JOURNEY = DATA / "bpmn" / "bpmnio-consumer-journey.bpmn"
NS = {"bpmn": bpmn.MODEL, "bpmndi": bpmn.BPMNDI, "dc": bpmn.DC, "di": bpmn.DI, "lf": bpmn.LF}
#: the lead's path through both pools, as the fixture draws it (message flows marked)
HAND_OFFS = {("Activity_FillForm", "Activity_ScoreLead"): "Web form",
             ("Activity_SendProposal", "Activity_ReviewProposal"): "Proposal",
             ("Activity_Accept", "Activity_ReceiveOrder"): "Signed order"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "bpmn" / "schema" / "BPMN20.xsd")))


def journey(text: str | None = None) -> tuple[Process, bpmn.ImportReport]:
    return import_bpmn(text if text is not None else JOURNEY)


def messages(process: Process) -> dict[tuple[str, str], str | None]:
    return {edge.key: edge.label for edge in process.edges if edge.message}


def test_two_pools_become_lanes_and_message_flows_hand_offs():
    process, report = journey()
    assert process.name == "Consumer and Company"  # the collaboration, not its first pool
    assert [(lane.id, lane.name, lane.pool) for lane in process.lanes] == [
        ("consumer", "Consumer", "Consumer"),  # a pool without lanes: one lane named after it
        ("Lane_Marketing", "Company / Marketing", "Company"),
        ("Lane_InsideSales", "Company / Inside Sales", "Company")]
    lanes = {node.name: node.lane for node in process.nodes}
    assert lanes["Fill in web form"] == "consumer" and lanes["Score lead"] == "Lane_Marketing"
    assert lanes["Send proposal"] == "Lane_InsideSales"
    assert messages(process) == HAND_OFFS
    # the message start event is passed through: leads come from the consumer's start
    assert [n.id for n in process.nodes if n.kind == "source"] == ["StartEvent_NeedCrm"]
    assert "StartEvent_FormReceived" not in {n.id for n in process.nodes}
    # the message end event that sends the order is passed through as well
    assert "EndEvent_OrderPlaced" not in {n.id for n in process.nodes}
    # a sender hands the lead over: its own sequence flow is left out, and said so
    kept = {edge.key for edge in process.edges}
    assert ("Activity_FillForm", "Activity_ReviewProposal") not in kept
    assert ("Activity_SendProposal", "Activity_ReceiveOrder") not in kept
    assert sum("sends a message to another pool" in w for w in report.warnings) == 2
    assert any("start event 'Form received' is reached by a message" in n for n in report.notes)
    assert validate(process) == []  # no "no way out", nothing unreachable, no warning
    assert not any("messageFlow" in u for u in report.unmapped)
    for node in process.nodes:  # every step has a way out, every end is reached
        assert node.kind == "end" or process.outgoing(node.id), node.name


def test_the_imported_journey_simulates_to_its_ends():
    """Two 50 % gateways: half the leads are disqualified, a quarter each go elsewhere or win."""
    process, _ = journey()
    results = laneforge.simulate(process, replications=2, horizon="20d", seed=3)
    leads = results.leads.mean * 2
    # Poisson arrivals, 20 a day for 20 days in each run: 800 expected over both
    assert abs(leads - 800) < 4 * math.sqrt(800)
    assert results.open_at_end.mean == 0
    ended = {name: stat.mean * 2 for name, stat in results.outcomes.items()}
    assert sum(ended.values()) == pytest.approx(leads)  # every lead reached an end
    for outcome, share in (("disqualified", 0.5), ("done", 0.25), ("won", 0.25)):
        assert abs(ended[outcome] / leads - share) < 4 * math.sqrt(share * (1 - share) / leads)
    assert results.nodes["Activity_ReviewProposal"].visits.mean == pytest.approx(
        results.nodes["Activity_SendProposal"].visits.mean)  # the proposal reached the consumer


def test_export_writes_a_collaboration_with_a_pool_each_and_message_flows(schema):
    process, _ = journey()
    doc = etree.fromstring(export_bpmn(process).encode("utf-8"))
    schema.assertValid(doc)
    collaboration = doc.find("bpmn:collaboration", NS)
    assert collaboration.get("name") == "Consumer and Company"
    pools = collaboration.findall("bpmn:participant", NS)
    assert [p.get("name") for p in pools] == ["Consumer", "Company"]
    processes = {p.get("id"): p for p in doc.findall("bpmn:process", NS)}
    company = processes[pools[1].get("processRef")]
    # inside its pool a lane is named without the pool's prefix, as a modelling tool shows it
    assert [lane.get("name") for lane in company.findall("bpmn:laneSet/bpmn:lane", NS)] == [
        "Marketing", "Inside Sales"]
    flows = {(f.get("sourceRef"), f.get("targetRef")): f.get("name")
             for f in collaboration.findall("bpmn:messageFlow", NS)}
    assert flows == HAND_OFFS
    inner = [(f.get("sourceRef"), f.get("targetRef"))
             for p in processes.values() for f in p.findall("bpmn:sequenceFlow", NS)]
    assert len(inner) == len(process.edges) - 3 and not set(inner) & set(HAND_OFFS)
    for flow in collaboration.findall("bpmn:messageFlow", NS):  # drawn, from shape to shape
        points = doc.xpath("//bpmndi:BPMNEdge[@bpmnElement=$id]/di:waypoint", namespaces=NS,
                           id=flow.get("id"))
        assert len(points) >= 2
        for point, end in ((points[0], "sourceRef"), (points[-1], "targetRef")):
            box = doc.xpath("//bpmndi:BPMNShape[@bpmnElement=$id]/dc:Bounds", namespaces=NS,
                            id=flow.get(end))[0]
            x, y, w, h = (float(box.get(k)) for k in ("x", "y", "width", "height"))
            assert x - 1 <= float(point.get("x")) <= x + w + 1
            assert y - 1 <= float(point.get("y")) <= y + h + 1
    # each pool's shape spans its own lanes: Consumer above, Company below, no overlap
    (top, bottom) = [doc.xpath("//bpmndi:BPMNShape[@bpmnElement=$id]/dc:Bounds",
                               namespaces=NS, id=p.get("id"))[0] for p in pools]
    assert float(top.get("y")) + float(top.get("height")) == float(bottom.get("y"))
    assert float(bottom.get("height")) == sum(lane.height for lane in process.lanes[1:])


def test_round_trip_keeps_nodes_lanes_and_message_flows():
    process, _ = journey()
    back, report = import_bpmn(export_bpmn(process))
    assert back == process and report.restored and report.warnings == []
    again, _ = import_bpmn(export_bpmn(back))
    assert again == process and messages(again) == HAND_OFFS


def test_another_tool_reading_the_export_finds_pools_lanes_and_message_flows():
    """Without laneforge's extension data the export still reads as two pools."""
    process, _ = journey()
    text = re.sub(r"<bpmn:extensionElements>.*?</bpmn:extensionElements>", "",
                  export_bpmn(process), flags=re.DOTALL)
    back, report = import_bpmn(text)
    assert not report.restored
    assert [(lane.name, lane.pool) for lane in back.lanes] == [
        (lane.name, lane.pool) for lane in process.lanes]
    assert messages(back) == HAND_OFFS
    assert {n.id for n in back.nodes} == {n.id for n in process.nodes}
    assert validate(back) == []


def test_a_lane_renamed_in_another_tool_keeps_its_pool():
    process, _ = journey()
    text = export_bpmn(process).replace('name="Marketing"', 'name="Demand generation"', 1)
    back, _ = import_bpmn(text)
    assert back.lane("Lane_Marketing").name == "Company / Demand generation"
    assert back.lane("Lane_Marketing").pool == "Company"


def test_a_message_to_a_whole_pool_enters_at_its_start_event():
    text = JOURNEY.read_text(encoding="utf-8").replace(
        'targetRef="StartEvent_FormReceived"', 'targetRef="Participant_Company"')
    process, report = journey(text)
    assert messages(process) == HAND_OFFS
    assert validate(process) == []
    assert any("start event 'Form received' is reached by a message" in n for n in report.notes)


def test_a_message_from_a_whole_pool_is_reported_not_guessed():
    text = JOURNEY.read_text(encoding="utf-8").replace(
        'name="Proposal" sourceRef="Activity_SendProposal"',
        'name="Proposal" sourceRef="Participant_Company"')
    process, report = journey(text)
    assert ("messageFlow Flow_Proposal 'Proposal' (sent by a whole pool: no step of it "
            "sends it)") in report.unmapped
    assert ("Activity_SendProposal", "Activity_ReviewProposal") not in messages(process)
    # so the proposal step keeps its own sequence flow
    assert ("Activity_SendProposal", "Activity_ReceiveOrder") in {e.key for e in process.edges}


@pytest.mark.parametrize(("old", "new", "words"), [
    ('sourceRef="Activity_FillForm"', 'sourceRef="Activity_Nowhere"',
     "messageFlow Flow_WebForm: sourceRef 'Activity_Nowhere' names no element of the file"),
    ('targetRef="Activity_ReviewProposal"', 'targetRef=""',
     "messageFlow Flow_Proposal: has no targetRef: a message flow joins two elements"),
])
def test_a_message_flow_to_nothing_is_one_clear_error(tmp_path, capsys, old, new, words):
    path = tmp_path / "journey.bpmn"
    path.write_text(JOURNEY.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ProcessFileError) as caught:
        import_bpmn(path)
    assert str(caught.value) == f"{path}: {words}"
    out = tmp_path / "journey.lane.json"
    assert main(["import", str(path), "-o", str(out)]) == 2
    assert words in capsys.readouterr().err and not out.exists()


def test_pools_drawn_apart_export_as_one_pool_per_run_and_come_back():
    """Lanes of one pool that are not neighbours: each run its own pool, nothing lost."""
    process = Process.model_validate({
        "format": "laneforge/process", "version": 1, "name": "Apart",
        "lanes": [{"id": "a1", "name": "A one", "pool": "A"}, {"id": "b", "name": "B", "pool": "B"},
                  {"id": "a2", "name": "A two", "pool": "A"}],
        "nodes": [{"id": "s", "kind": "source", "lane": "a1", "arrivals": {"rate": "1/h"},
                   "pos": [40, 60]},
                  {"id": "t", "kind": "task", "lane": "b", "duration": "1h", "pos": [180, 60]},
                  {"id": "e", "kind": "end", "lane": "a2", "outcome": "won", "pos": [320, 60]}],
        "edges": [{"from": "s", "to": "t", "message": True}, {"from": "t", "to": "e"}]})
    text = export_bpmn(process)
    doc = etree.fromstring(text.encode("utf-8"))
    assert [p.get("name") for p in doc.iterfind(".//bpmn:participant", NS)] == ["A", "B", "A"]
    assert len(doc.findall(".//bpmn:messageFlow", NS)) == 2  # t -> e crosses pools too
    back, _ = import_bpmn(text)
    assert back == process and not back.edge("t", "e").message


def test_processes_without_pools_serialize_and_export_as_before(reference_process):
    data = reference_process.to_data()
    assert all("pool" not in lane for lane in data["lanes"])
    assert all("message" not in edge for edge in data["edges"])
    doc = etree.fromstring(export_bpmn(reference_process).encode("utf-8"))
    assert len(doc.findall("bpmn:process", NS)) == 1
    assert doc.find(".//bpmn:messageFlow", NS) is None
    assert doc.find("bpmn:collaboration", NS).get("name") is None


def test_pools_and_message_marks_survive_a_process_file(tmp_path):
    from laneforge.io import load_process, save_process

    process, _ = journey()
    path = tmp_path / "journey.lane.json"
    save_process(process, path)
    text = path.read_text(encoding="utf-8")
    assert text.count('"message": true') == 3 and text.count('"pool": "Company"') == 2
    assert load_process(path) == process


@pytest.mark.parametrize("name, customer", [
    ("Consumer", True), ("customers", True), ("The Buyer", True), ("PROSPECT", True),
    ("Leads", True), ("Client", True), (" consumer ", True),
    ("Company", False), ("Lead management", False), ("Customer success", False),
    ("Sales", False), ("", False), (None, False)])
def test_which_pools_are_the_customer_side(name, customer):
    from laneforge.io.bpmn_import import customer_side

    assert customer_side(name) is customer


def test_a_customer_pool_gets_no_staff_limit_and_its_steps_no_wait():
    process, report = journey()
    assert [(lane.pool, lane.staff) for lane in process.lanes] == [
        ("Consumer", None), ("Company", 1), ("Company", 1)]
    assert any(n.startswith("1 lane ('Consumer'): the customer's side") for n in report.notes)
    staff_note = next(n for n in report.notes if "staff of 1" in n)
    assert "Consumer" not in staff_note and "'Company / Marketing'" in staff_note
    # kept through a round trip (laneforge's own data) and a process file
    back, _ = import_bpmn(export_bpmn(process))
    assert back.lane("consumer").staff is None
    # renamed "Company" in the file: the company's pool keeps its default staff of 1,
    # a pool named "Customers" gets no limit
    renamed, _ = journey(JOURNEY.read_text(encoding="utf-8")
                         .replace('name="Consumer"', 'name="Customers"'))
    assert [(lane.pool, lane.staff) for lane in renamed.lanes] == [
        ("Customers", None), ("Company", 1), ("Company", 1)]
    other, _ = journey(JOURNEY.read_text(encoding="utf-8")
                       .replace('name="Consumer"', 'name="Partner"'))
    assert other.lanes[0].staff == 1
    # infinitely many servers: nobody waits in the customer's lane (M/M/inf), while its
    # busy hours are each step's mean of 30 min per visit (exponential: sd 30 min)
    results = laneforge.simulate(process, replications=2, horizon="10d", seed=5)
    assert results.lanes["consumer"].utilization is None
    visits = 0.0
    for node in process.nodes:
        if node.lane == "consumer" and node.kind == "task":
            assert results.nodes[node.id].wait_hours.mean == 0.0
            assert results.nodes[node.id].queue_max.mean == 0.0
            visits += results.nodes[node.id].visits.mean
    assert visits > 200
    per_visit = results.lanes["consumer"].busy_hours.mean / visits
    assert abs(per_visit - 0.5) < 4 * 0.5 / math.sqrt(2 * visits)
