"""The connector router: routes go around nodes and labels, labels sit where nothing is."""

from __future__ import annotations

import itertools
import random

import pytest
from lxml import etree

from laneforge.io import load_process
from laneforge.io.bpmn import export_bpmn, import_bpmn
from laneforge.io.bpmn_export import ORIGIN_X, POOL_Y
from laneforge.model import Process
from laneforge.model.geometry import Diagram, layout_diagram
from laneforge.model.routing import EdgeSpec, route_edges
from laneforge.model.shapes import Rect

from conftest import template_paths

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI"}
KINDS = ["task", "task", "task", "decision", "delay", "end", "source"]


def random_process(seed: int) -> Process:
    """Random lanes, nodes on a grid (one or two rows a lane), random edges: forward,
    backward (loops), across lanes, within a column."""
    rng = random.Random(seed)
    lanes = [{"id": f"l{i}", "staff": 2, "height": 320} for i in range(rng.randint(2, 5))]
    cells = [(lane["id"], col, row) for lane in lanes for col in range(rng.randint(3, 7))
             for row in range(2)]
    rng.shuffle(cells)
    nodes = []
    for n, (lane, col, row) in enumerate(cells[: rng.randint(5, min(len(cells), 18))]):
        kind = rng.choice(KINDS)
        node = {"id": f"n{n}", "kind": kind, "lane": lane, "name": f"Node number {n}",
                "pos": [100 + 230 * col + rng.choice([0, 0.25, 0.71, 3.3]),
                        80 + 150 * row + rng.choice([0, 0.5, 1.29])]}
        if kind == "source":
            node["arrivals"] = {"rate": "1/h"}
        elif kind in ("task", "delay"):
            node["duration"] = "1h"
        elif kind == "end":
            node["outcome"] = "won"
        nodes.append(node)
    pairs = [(a["id"], b["id"]) for a, b in itertools.permutations(nodes, 2)]
    edges = []
    for a, b in rng.sample(pairs, min(len(pairs), rng.randint(len(nodes), 2 * len(nodes)))):
        edge = {"from": a, "to": b}
        if rng.random() < 0.6:
            edge["label"] = rng.choice(["yes", "no", "re-score", "opportunity · 60 %",
                                        "not accepted · 70 %", "EMEA"])
        edges.append(edge)
    return Process.model_validate({"name": f"Random {seed}", "lanes": lanes, "nodes": nodes,
                                   "edges": edges})


def _inside(p: tuple[float, float], q: tuple[float, float], r: Rect) -> bool:
    """Does the axis-parallel segment p-q enter the interior of r?"""
    x1, x2 = sorted((p[0], q[0]))
    y1, y2 = sorted((p[1], q[1]))
    if y1 == y2:
        return r.top + 0.5 < y1 < r.bottom - 0.5 and x1 < r.right - 0.5 and r.left + 0.5 < x2
    return r.left + 0.5 < x1 < r.right - 0.5 and y1 < r.bottom - 0.5 and r.top + 0.5 < y2


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _ports(r: Rect) -> set[tuple[float, float]]:
    return {(r.right, r.cy), (r.left, r.cy), (r.cx, r.top), (r.cx, r.bottom)}


def check_diagram(diagram: Diagram) -> None:
    obstacles = [(box.id, rect) for box in diagram.nodes.values()
                 for rect in (box.shape, box.label) if rect is not None]
    labels = []
    for key, route in diagram.edges.items():
        points = route.points
        assert len(points) >= 2, key
        for p, q in itertools.pairwise(points):
            assert p[0] == q[0] or p[1] == q[1], f"{key}: {p} -> {q} is not orthogonal"
            for node_id, rect in obstacles:
                assert not _inside(p, q, rect), f"{key}: {p} -> {q} crosses {node_id}"
        assert points[0] in _ports(diagram.nodes[key[0]].shape), key
        assert points[-1] in _ports(diagram.nodes[key[1]].shape), key
        if route.label:
            assert route.label_rect is not None
            for node_id, rect in obstacles:
                assert not _overlap(route.label_rect, rect), f"label {key} over {node_id}"
            labels.append((key, route.label_rect))
    for (ka, a), (kb, b) in itertools.combinations(labels, 2):
        assert not _overlap(a, b), f"labels of {ka} and {kb} overlap"


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name)
def test_templates_route_around_every_node_and_label(path):
    process = load_process(path)
    diagram = layout_diagram(process)
    assert set(diagram.edges) == {e.key for e in process.edges}
    check_diagram(diagram)
    again = layout_diagram(load_process(path))
    assert again.edges == diagram.edges  # deterministic


@pytest.mark.parametrize("seed", range(50))
def test_random_processes_route_around_every_node_and_label(seed):
    process = random_process(seed)
    diagram = layout_diagram(process)
    assert set(diagram.edges) == {e.key for e in process.edges}
    check_diagram(diagram)
    assert layout_diagram(random_process(seed)).edges == diagram.edges


def test_the_lead_lifecycle_connectors_no_longer_hide_behind_nodes():
    """The reported case: 'reached · 45 %' ran behind 'Follow-up cadence'."""
    path = next(p for p in template_paths() if p.name == "lead-lifecycle.lane.json")
    diagram = layout_diagram(load_process(path))
    cadence = diagram.nodes["follow_up"]
    for key, route in diagram.edges.items():
        if cadence.id not in key:
            for p, q in itertools.pairwise(route.points):
                assert not _inside(p, q, cadence.shape), key


def test_a_straight_forward_step_stays_one_straight_line():
    process = Process.model_validate({
        "lanes": [{"id": "a", "staff": 1}],
        "nodes": [{"id": "s", "kind": "source", "lane": "a", "pos": [60, 80],
                   "arrivals": {"rate": "1/h"}},
                  {"id": "t", "kind": "task", "lane": "a", "pos": [300, 80], "duration": "1h"}],
        "edges": [{"from": "s", "to": "t", "label": "new"}]})
    diagram = layout_diagram(process)
    s, t = diagram.nodes["s"].shape, diagram.nodes["t"].shape
    route = diagram.edges[("s", "t")]
    assert route.points == [(s.right, s.cy), (t.left, t.cy)]
    assert s.right < route.label_rect.left and route.label_rect.right < t.left


def _bent() -> Process:
    return Process.model_validate({
        "lanes": [{"id": "a", "staff": 1}, {"id": "b", "staff": 1}],
        "nodes": [{"id": "s", "kind": "source", "lane": "a", "pos": [60, 80],
                   "arrivals": {"rate": "1/h"}},
                  {"id": "t", "kind": "task", "lane": "a", "pos": [400, 80], "duration": "1h"},
                  {"id": "u", "kind": "task", "lane": "b", "pos": [700, 80], "duration": "1h"}],
        "edges": [{"from": "s", "to": "t", "bends": [[160, 80], [160, 230], [300, 230],
                                                     [300, 80]]},
                  {"from": "t", "to": "u", "label": "handover"}]})


def test_bends_are_corners_the_route_passes_in_order():
    diagram = layout_diagram(_bent())
    points = diagram.edges[("s", "t")].points
    s, t = diagram.nodes["s"].shape, diagram.nodes["t"].shape
    assert points == [(s.right, s.cy), (160, 80), (160, 230), (300, 230), (300, 80),
                      (t.left, t.cy)]
    check_diagram(diagram)


def test_bends_in_any_order_are_visited_in_the_given_order():
    process = _bent()
    process.edit.set_value("edges.s->t.bends", [[500, 300], [200, 300]])
    points = layout_diagram(process).edges[("s", "t")].points
    assert points.index((500, 300)) < points.index((200, 300))
    for p, q in itertools.pairwise(points):
        assert p[0] == q[0] or p[1] == q[1]


def test_a_bend_inside_a_node_still_gives_a_route():
    """The fallback never fails: an elbow through the bend."""
    process = _bent()
    process.edit.set_value("edges.s->t.bends", [[700, 240]])  # inside 'u'
    points = layout_diagram(process).edges[("s", "t")].points
    assert (700, 240) in points and len(points) >= 3
    for p, q in itertools.pairwise(points):
        assert p[0] == q[0] or p[1] == q[1]


def test_an_edge_whose_node_is_missing_is_left_out():
    boxes = layout_diagram(_bent()).nodes
    routes = route_edges(boxes, [EdgeSpec(("s", "ghost"), "x"), EdgeSpec(("s", "t"))])
    assert list(routes) == [("s", "t")]


def _di(text: str) -> tuple[dict, dict]:
    doc = etree.fromstring(text.encode())
    waypoints, labels = {}, {}
    for edge in doc.iterfind(".//bpmndi:BPMNEdge", NS):
        flow = doc.find(f".//bpmn:sequenceFlow[@id='{edge.get('bpmnElement')}']", NS)
        key = (flow.get("sourceRef"), flow.get("targetRef"))
        waypoints[key] = [(float(w.get("x")) - ORIGIN_X, float(w.get("y")) - POOL_Y)
                          for w in edge.iterfind("di:waypoint", NS)]
        bounds = edge.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if bounds is not None:
            labels[key] = Rect(float(bounds.get("x")) - ORIGIN_X,
                               float(bounds.get("y")) - POOL_Y,
                               float(bounds.get("width")), float(bounds.get("height")))
    return waypoints, labels


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name)
def test_bpmn_waypoints_and_label_bounds_are_the_canvas_routes(path):
    process = load_process(path)
    diagram = layout_diagram(process)
    waypoints, labels = _di(export_bpmn(process))
    assert waypoints == {key: route.points for key, route in diagram.edges.items()}
    expected = {key: route.label_rect for key, route in diagram.edges.items()
                if route.label_rect is not None}
    assert set(labels) == set(expected)
    for key, rect in labels.items():
        assert (rect.x, rect.y, rect.w, rect.h) == pytest.approx(
            (expected[key].x, expected[key].y, expected[key].w, expected[key].h)), key


def test_bends_round_trip_through_bpmn_exactly():
    process = _bent()
    back, _ = import_bpmn(export_bpmn(process))
    assert back.edge("s", "t").bends == process.edge("s", "t").bends
    assert back.edge("t", "u").bends is None
    assert back == process


def test_waypoints_edited_in_another_tool_become_bends():
    process = _bent()
    process.edit.set_value("edges.s->t.bends", None)
    doc = etree.fromstring(export_bpmn(process).encode())
    edge = doc.find(".//bpmndi:BPMNEdge[@bpmnElement='Flow_t_u']", NS)
    points = [(w.get("x"), w.get("y")) for w in edge.iterfind("di:waypoint", NS)]
    for waypoint in list(edge.iterfind("di:waypoint", NS)):
        edge.remove(waypoint)
    (x1, y1), (x2, y2) = (float(v) for v in points[0]), (float(v) for v in points[-1])
    detour = [(x1, y1), (x1 + 40, y1), (x1 + 40, y1 - 60), (x2 - 40, y1 - 60), (x2 - 40, y2),
              (x2, y2)]
    for x, y in detour:
        etree.SubElement(edge, f"{{{NS['di']}}}waypoint", x=str(x), y=str(y))
    back, _ = import_bpmn(etree.tostring(doc))
    bends = back.edge("t", "u").bends
    assert bends == [(x - ORIGIN_X, y - POOL_Y) for x, y in detour[1:-1]]
    assert back.edge("s", "t").bends is None
    route = layout_diagram(back).edges[("t", "u")].points
    assert route == [(x - ORIGIN_X, y - POOL_Y) for x, y in detour]


@pytest.mark.parametrize("name", ["bizagi-vertical-lanes", "bpmnio-webinar-followup",
                                  "camunda-lead-routing", "signavio-nested-lanes"])
def test_processes_imported_from_other_tools_route_cleanly(name):
    """Other tools draw smaller nodes closer together: their corners are kept only where
    laneforge's route can take them, and the routes still avoid every node."""
    from conftest import DATA

    process, _ = import_bpmn((DATA / "bpmn" / f"{name}.bpmn").read_bytes())
    check_diagram(layout_diagram(process))
