"""The canvas draws a BPMN collaboration as BPMN tools do: message edges dashed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.commands import SetValueCommand
from laneforge.gui.document import Document
from laneforge.io.bpmn import import_bpmn

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
