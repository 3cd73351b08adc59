"""The swim-lane canvas driven like a user: place, drag, connect, reorder, undo, save."""

from __future__ import annotations

import itertools
import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QPainter, QWheelEvent
from PySide6.QtTest import QTest

from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.commands import (
    AddLaneCommand,
    SetValueCommand,
    blank_process,
    fragment,
    new_lane,
    paste_command,
)
from laneforge.gui.document import Document
from laneforge.gui.selection import Selection
from laneforge.io import load_process, save_process
from laneforge.model import Process
from laneforge.render.painter import arrow_head, node_outline

from guihelpers import drag

pytestmark = pytest.mark.gui


@pytest.fixture
def canvas(qtbot):
    document = Document(blank_process())
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)  # deleted with the view, never by the garbage collector
    view.resize(1200, 700)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_reset()
    view.centerOn(400, 150)
    return document, scene, view


def click_at(view: DiagramView, scene_pos: QPointF, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     view.mapFromScene(scene_pos))


def place(scene: DiagramScene, view: DiagramView, kind: str, x: float, y: float) -> str:
    before = {n.id for n in scene.process.nodes}
    scene.start_place(kind)
    click_at(view, QPointF(x, y))
    (new,) = {n.id for n in scene.process.nodes} - before
    return new


def build_small_process(document: Document, scene: DiagramScene, view: DiagramView) -> dict:
    """Lanes Marketing and Sales; lead source -> score -> MQL? -> call / nurture."""
    document.apply(SetValueCommand(document, "lanes.team.name", "Marketing", "Rename lane"))
    document.apply(AddLaneCommand(document, new_lane(document.process, "Sales")))
    top_of_sales = scene.lane_items["sales"].box.top
    ids = {
        "source": place(scene, view, "source", 60, 80),
        "score": place(scene, view, "task", 250, 80),
        "mql": place(scene, view, "decision", 430, 80),
        "nurture": place(scene, view, "end", 430, 160),
        "call": place(scene, view, "task", 600, top_of_sales + 80),
        "won": place(scene, view, "end", 800, top_of_sales + 80),
    }
    for a, b in (("source", "score"), ("score", "mql"), ("mql", "call"), ("mql", "nurture"),
                 ("call", "won")):
        item = scene.node_items[ids[a]]
        handle = item.mapToScene(item.handle_center())
        target = scene.node_items[ids[b]].pos()
        drag(view, handle, target)
    return ids


def test_user_builds_a_process_undoes_and_redoes_it(canvas, tmp_path):
    document, scene, view = canvas
    start = document.process.detached_copy()
    ids = build_small_process(document, scene, view)
    process = document.process
    assert [lane.name for lane in process.lanes] == ["Marketing", "Sales"]
    kinds = {node_id: process.node(node_id).kind for node_id in ids.values()}
    assert sorted(kinds.values()) == ["decision", "end", "end", "source", "task", "task"]
    assert process.node(ids["call"]).lane == "sales"
    assert process.node(ids["score"]).lane == "team"
    edges = {(e.source, e.target) for e in process.edges}
    assert edges == {(ids["source"], ids["score"]), (ids["score"], ids["mql"]),
                     (ids["mql"], ids["call"]), (ids["mql"], ids["nurture"]),
                     (ids["call"], ids["won"])}
    # the second branch out of the decision shares the probability evenly
    shares = sorted(e.probability for e in process.outgoing(ids["mql"]))
    assert shares == [0.5, 0.5]
    # a drag moves the node (snapped to the grid) as one undo step
    item = scene.node_items[ids["score"]]
    count = document.undo_stack.count()
    drag(view, item.pos(), item.pos() + QPointF(43, 6))
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText().startswith("Move")
    x, y = process.node(ids["score"]).pos
    assert x == pytest.approx(290, abs=0.01) and y == pytest.approx(90, abs=0.01)
    end = process.detached_copy()
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == start
    while document.undo_stack.canRedo():
        document.undo_stack.redo()
    assert document.process == end
    path = tmp_path / "built.lane.json"
    save_process(document.process, path)
    assert load_process(path) == end
    assert set(scene.node_items) == set(ids.values())
    assert set(scene.edge_items) == edges


def test_dragging_a_node_into_another_band_changes_its_lane(canvas):
    document, scene, view = canvas
    build_small_process(document, scene, view)
    node_id = next(n.id for n in document.process.nodes if n.kind == "task"
                   and n.lane == "team")
    item = scene.node_items[node_id]
    target_y = scene.lane_items["sales"].box.top + 100
    drag(view, item.pos(), QPointF(item.pos().x(), target_y))
    node = document.process.node(node_id)
    assert node.lane == "sales"
    assert node.pos[1] == pytest.approx(100, abs=0.01)  # measured from the lane's top


def test_lane_reorder_by_dragging_the_header_keeps_nodes_in_their_lanes(canvas):
    document, scene, view = canvas
    ids = build_small_process(document, scene, view)
    before = {n.id: (n.lane, n.pos) for n in document.process.nodes}
    header = scene.lane_items["team"].header_rect()
    bottom_of_sales = scene.lane_items["sales"].box.rect.bottom
    drag(view, header.center(), QPointF(header.center().x(), bottom_of_sales - 5))
    assert [lane.id for lane in document.process.lanes] == ["sales", "team"]
    assert {n.id: (n.lane, n.pos) for n in document.process.nodes} == before
    # the items followed: the Marketing nodes are now below the Sales band
    assert scene.node_items[ids["score"]].pos().y() > scene.lane_items["team"].box.top
    assert document.undo_stack.undoText() == "Move lane 'Marketing'"
    document.undo_stack.undo()
    assert [lane.id for lane in document.process.lanes] == ["team", "sales"]


def test_resizing_a_lane_by_its_bottom_edge(canvas):
    document, scene, view = canvas
    lane = scene.lane_items["team"]
    bottom = lane.box.rect.bottom
    drag(view, QPointF(300, bottom), QPointF(300, bottom + 80))
    assert document.process.lane("team").height == pytest.approx(lane.box.rect.h, abs=1)
    assert document.process.lane("team").height >= 220


def _on_outline(box, point, tolerance=0.01) -> bool:
    """Whether a point lies on the node's drawn outline (rectangle, diamond or circle)."""
    px, py = point
    shape = box.shape
    cx, cy, hw, hh = shape.cx, shape.cy, shape.w / 2, shape.h / 2
    if box.kind == "task":
        on_side = abs(abs(px - cx) - hw) < tolerance and abs(py - cy) <= hh
        on_cap = abs(abs(py - cy) - hh) < tolerance and abs(px - cx) <= hw
        return (on_side or on_cap) and node_outline(box).contains(
            QPointF(px + (cx - px) * 0.01, py + (cy - py) * 0.01))
    if box.kind == "decision":
        return abs(abs(px - cx) / hw + abs(py - cy) / hh - 1.0) < tolerance
    return abs(math.hypot(px - cx, py - cy) - hw) < tolerance


@pytest.fixture
def scene_of(qtbot):
    """A scene (without a view) for a process, cleaned up after the test."""
    made = []

    def make(process: Process) -> DiagramScene:
        scene = DiagramScene(Document(process))
        made.append(scene)
        return scene

    yield make
    for scene in made:
        scene.clear()
        scene.deleteLater()
    qtbot.wait(1)


def test_edges_start_and_end_on_node_outlines_with_arrowheads(scene_of):
    process = load_process("processes/lead-qualification.lane.json")
    scene = scene_of(process)
    assert scene.edge_items
    for key, item in scene.edge_items.items():
        route = item.route
        source, target = scene.diagram.nodes[key[0]], scene.diagram.nodes[key[1]]
        assert _on_outline(source, route.points[0]), key
        assert _on_outline(target, route.points[-1]), key
        for (x1, y1), (x2, y2) in zip(route.points, route.points[1:], strict=False):
            assert x1 == pytest.approx(x2) or y1 == pytest.approx(y2), key  # orthogonal
        head = arrow_head(route.points)
        tip = head.at(0)
        assert (tip.x(), tip.y()) == pytest.approx(route.points[-1])
        (ax, ay), (bx, by) = route.points[-2], route.points[-1]
        base_mid = QPointF((head.at(1).x() + head.at(2).x()) / 2,
                           (head.at(1).y() + head.at(2).y()) / 2)
        # the head points along the last segment, towards the target
        direction = math.atan2(by - ay, bx - ax)
        along = math.atan2(tip.y() - base_mid.y(), tip.x() - base_mid.x())
        assert along == pytest.approx(direction, abs=1e-6)
        # the clickable shape includes the arrowhead
        assert item.shape().contains(QPointF((tip.x() + base_mid.x()) / 2,
                                             (tip.y() + base_mid.y()) / 2))


def test_every_point_of_a_connector_and_its_label_can_be_clicked(scene_of):
    # labels may sit on their own line: the clickable shape is the union, without holes
    for path in ("processes/lead-qualification.lane.json", "processes/lead-lifecycle.lane.json"):
        scene = scene_of(load_process(path))
        for key, item in scene.edge_items.items():
            shape = item.shape()
            for (x1, y1), (x2, y2) in itertools.pairwise(item.route.points):
                for t in (0.2, 0.5, 0.8):
                    point = QPointF(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
                    assert shape.contains(point), (key, point)
            label = item.route.label_rect
            if label is not None:
                assert shape.contains(QPointF(label.cx, label.cy)), key
        assert scene.edge_items


def test_rubber_band_selects_nodes_inside(canvas):
    document, scene, view = canvas
    ids = build_small_process(document, scene, view)
    score, mql = scene.node_items[ids["score"]], scene.node_items[ids["mql"]]
    start = QPointF(score.pos().x() - 90, 15)
    end = QPointF(mql.pos().x() + 50, 125)
    drag(view, start, end)
    assert set(scene.selection().nodes) == {ids["score"], ids["mql"]}


def test_copy_paste_duplicates_nodes_and_inner_edges(canvas):
    document, scene, view = canvas
    ids = build_small_process(document, scene, view)
    text = fragment(document.process, [ids["score"], ids["mql"]])
    command, new_ids = paste_command(document, text)
    document.apply(command)
    process = document.process
    assert len(new_ids) == 2 and not set(new_ids) & set(ids.values())
    assert any(e.source == new_ids[0] and e.target == new_ids[1] for e in process.edges)
    original = process.node(ids["score"]).pos
    assert process.node(new_ids[0]).pos == (original[0] + 30, original[1] + 30)
    document.undo_stack.undo()
    assert not any(process.has_node(n) for n in new_ids)


def test_zoom_with_ctrl_wheel_and_pan_with_space_drag(canvas, qtbot):
    document, _, view = canvas
    zoom = view.zoom
    center = view.viewport().rect().center()
    event = QWheelEvent(QPointF(center), QPointF(view.mapToGlobal(center)), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(event)
    assert view.zoom == pytest.approx(zoom * 1.15)
    view.set_zoom(2.0)
    bar = view.horizontalScrollBar()
    before = bar.value()
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(view, QPointF(500, 100), QPointF(400, 100))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert bar.value() != before
    assert document.undo_stack.count() == 0  # panning edits nothing


def test_problems_are_marked_on_items(canvas):
    document, scene, view = canvas
    ids = build_small_process(document, scene, view)
    document.apply(SetValueCommand(
        document, f"edges.{ids['mql']}->{ids['call']}.probability", 0.9, "Change probability"))
    scene.refresh_problems()
    assert scene.node_items[ids["mql"]].decor.problem == "error"
    assert scene.node_items[ids["score"]].decor.problem is None


def test_selection_round_trip_and_stage_and_sla_markers(scene_of):
    process = load_process("processes/lead-lifecycle.lane.json")
    scene = scene_of(process)
    scene.select(Selection(nodes=("first_call",), edges=(process.edges[0].key,)))
    assert scene.selection().nodes == ("first_call",)
    assert scene.selection().edges == (process.edges[0].key,)
    marked = [n for n in process.nodes if n.stage]
    assert all(scene.node_items[n.id].decor.stage == n.stage for n in marked)
    assert scene.node_items["first_call"].decor.slas == ["4h"]


def test_loading_a_large_process_does_not_freeze(scene_of, monkeypatch):
    """Loading and painting 300 nodes does linear work: the connectors are routed once (not
    once per node added), every node is painted once per full paint, and id look-ups stay
    a few per node. A freeze is such work done n times over; this counts the work instead
    of timing it."""
    from laneforge.app.synthetic import synthetic_process
    from laneforge.gui.canvas import scene as scene_module
    from laneforge.gui.canvas.node_item import NodeItem

    calls = {"route": 0, "paint": 0, "find": 0}
    real_route = scene_module.route_edges

    def counted_route(*args, **kwargs):
        calls["route"] += 1
        return real_route(*args, **kwargs)

    real_paint = NodeItem.paint

    def counted_paint(self, *args):
        calls["paint"] += 1
        return real_paint(self, *args)

    real_find = Process._find

    def counted_find(self, collection, key):
        calls["find"] += 1
        return real_find(self, collection, key)

    monkeypatch.setattr(scene_module, "route_edges", counted_route)
    monkeypatch.setattr(NodeItem, "paint", counted_paint)
    monkeypatch.setattr(Process, "_find", counted_find)
    process: Process = synthetic_process(300)
    scene = scene_of(process)
    assert len(scene.node_items) == 300
    assert len(scene.edge_items) == len(process.edges)
    assert calls["route"] <= 2
    image = QImage(800, 600, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    scene.render(painter)
    painter.end()
    assert calls["paint"] == 300
    assert calls["find"] <= 10 * 300  # a few look-ups per node, not one per pair of nodes


def test_tab_walks_through_the_nodes(qtbot, scene_of):
    process = load_process("processes/lead-qualification.lane.json")
    scene = scene_of(process)
    view = DiagramView(scene)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert scene.selection().nodes == (process.nodes[0].id,)
    QTest.keyClick(view, Qt.Key.Key_Tab)
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert scene.selection().nodes == (process.nodes[2].id,)
    QTest.keyClick(view, Qt.Key.Key_Backtab)
    assert scene.selection().nodes == (process.nodes[1].id,)


def _two_lanes() -> Process:
    return Process.model_validate({
        "name": "Handover", "lanes": [{"id": "a", "staff": 1}, {"id": "b", "staff": 1}],
        "nodes": [{"id": "t1", "kind": "task", "lane": "a", "name": "One", "pos": [200, 80],
                   "duration": "1h"},
                  {"id": "t2", "kind": "task", "lane": "b", "name": "Two", "pos": [600, 80],
                   "duration": "1h"}],
        "edges": [{"from": "t1", "to": "t2", "label": "handover"}]})


@pytest.fixture
def bent(qtbot):
    document = Document(_two_lanes())
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)
    view.resize(1200, 700)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_reset()
    view.centerOn(400, 160)
    return document, scene, view


def test_dragging_a_connector_segment_stores_bends_in_one_undo_step(bent, tmp_path):
    document, scene, view = bent
    key = ("t1", "t2")
    original = document.process.to_data()
    item = scene.edge_items[key]
    before = list(item.route.points)
    assert len(before) == 4  # right out, down half way, into the left side
    assert item.handle_at(QPointF(*before[1])) is None  # no handles until selected
    scene.select(Selection(edges=(key,)))
    (_, centre), = [(i, c) for i, c in item.handles()
                        if before[i][0] == before[i + 1][0]]  # the vertical segment
    count = document.undo_stack.count()
    drag(view, centre, centre + QPointF(-72, 0))
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText().startswith("Bend connector")
    x = before[1][0] - 70  # snapped to the 10 px grid
    bends = document.process.edge(*key).bends
    assert bends == [(x, before[1][1]), (x, before[2][1])]
    route = scene.edge_items[key].route.points
    assert route == [before[0], (x, before[1][1]), (x, before[2][1]), before[3]]
    path = tmp_path / "bent.lane.json"
    save_process(document.process, path)
    assert load_process(path).edge(*key).bends == bends
    document.undo_stack.undo()
    assert document.process.to_data() == original
    assert scene.edge_items[key].route.points == before
    document.undo_stack.redo()
    assert document.process.edge(*key).bends == bends


def test_straighten_connector_clears_the_bends_and_undoes(bent):
    document, scene, _ = bent
    key = ("t1", "t2")
    before = list(scene.edge_items[key].route.points)
    document.apply(SetValueCommand(document, "edges.t1->t2.bends",
                                             [[300, 80], [300, 240]], "Bend"))
    assert scene.edge_items[key].route.points[1] == (300, 80)
    scene.select(Selection(edges=(key,)))
    menu = scene.edge_items[key].context_menu()
    (action,) = [a for a in menu.actions() if a.text() == "Straighten connector"]
    assert action.isEnabled()
    action.trigger()
    assert document.process.edge(*key).bends is None
    assert document.undo_stack.undoText().startswith("Straighten connector")
    assert scene.edge_items[key].route.points == before
    document.undo_stack.undo()
    assert document.process.edge(*key).bends == [(300, 80), (300, 240)]
    scene.editable = False
    menu = scene.edge_items[key].context_menu()
    assert not menu.actions()[0].isEnabled()


def test_the_first_segment_moves_but_the_route_keeps_its_port():
    from laneforge.gui.canvas.edge_item import bends_of, moved_segment

    points = [(268.0, 80.0), (400.0, 80.0), (400.0, 240.0), (532.0, 240.0)]
    moved = moved_segment(points, 0, 30.0)
    assert moved[0] == points[0] and moved[1] == (284.0, 80.0)
    assert moved[2:] == [(284.0, 110.0), (400.0, 110.0), (400.0, 240.0), (532.0, 240.0)]
    assert bends_of(moved) == [[284.0, 80.0], [284.0, 110.0], [400.0, 110.0], [400.0, 240.0]]
    assert moved_segment(points, 1, -50.0) == [(268.0, 80.0), (350.0, 80.0), (350.0, 240.0),
                                                (532.0, 240.0)]
