"""The canvas draws a BPMN collaboration as BPMN tools do: message edges dashed, each pool
a band naming it left of its lanes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.commands import SetValueCommand
from laneforge.gui.document import Document
from laneforge.io.bpmn import import_bpmn
from laneforge.model.geometry import HEADER_WIDTH

from conftest import DATA

pytestmark = pytest.mark.gui

JOURNEY = DATA / "bpmn" / "bpmnio-consumer-journey.bpmn"


@pytest.fixture
def journey_canvas(qtbot):
    process, _ = import_bpmn(JOURNEY)
    document = Document(process)
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)  # deleted with the view, never by the garbage collector
    view.resize(1000, 600)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return document, scene, view


def test_message_edges_have_a_dashed_pen_the_others_a_solid_one(journey_canvas):
    document, scene, _ = journey_canvas
    messages = {edge.key for edge in document.process.edges if edge.message}
    assert len(messages) == 3
    for key, item in scene.edge_items.items():
        assert item.message == (key in messages)
        style = item.pen().style()
        if key in messages:
            assert style == Qt.PenStyle.CustomDashLine, key
            assert item.pen().dashPattern() == [4.0, 3.0]
        else:
            assert style == Qt.PenStyle.SolidLine, key
    # marking an edge follows the model, and its undo too
    plain = next(key for key in scene.edge_items if key not in messages)
    document.apply(SetValueCommand(document, f"edges.{plain[0]}->{plain[1]}.message", True,
                                   "Mark as message flow"))
    assert scene.edge_items[plain].pen().style() == Qt.PenStyle.CustomDashLine
    document.undo_stack.undo()
    assert scene.edge_items[plain].pen().style() == Qt.PenStyle.SolidLine


def test_each_pool_is_a_band_left_of_its_lanes_that_clicks_go_through(journey_canvas, qtbot):
    document, scene, view = journey_canvas
    assert [(item.box.name, item.box.lanes) for item in scene.pool_items.values()] == [
        ("Consumer", ["consumer"]), ("Company", ["Lane_Marketing", "Lane_InsideSales"])]
    company = scene.pool_items["pool2"]
    assert company.acceptedMouseButtons() == Qt.MouseButton.NoButton
    assert not company.flags() & company.GraphicsItemFlag.ItemIsSelectable
    # a click on a lane's header still selects the lane, the pool's outline notwithstanding
    header = scene.lane_items["Lane_InsideSales"].header_rect()
    view.centerOn(header.center())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(header.center()))
    assert scene.selection().lanes == ("Lane_InsideSales",)
    # a lane moved out of its pool: the bands follow the model, and the undo
    document.apply(SetValueCommand(document, "lanes.Lane_InsideSales.pool", None, "Pool"))
    assert [item.box.name for item in scene.pool_items.values()] == [
        "Consumer", "Company", document.process.name]
    document.undo_stack.undo()
    assert len(scene.pool_items) == 2
    for lane in document.process.lanes:  # one pool: no bands, the canvas as before
        document.apply(SetValueCommand(document, f"lanes.{lane.id}.pool", None, "Pool"))
    assert scene.pool_items == {}
    assert scene.diagram.bounds.x == -HEADER_WIDTH
