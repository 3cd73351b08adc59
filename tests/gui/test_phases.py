"""Phases on the canvas and in the properties dock, driven like a user."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt

from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.canvas.phase_header_item import PhaseHeaderItem
from laneforge.gui.canvas.phase_item import PhaseItem
from laneforge.gui.document import Document
from laneforge.gui.properties import PropertiesDock
from laneforge.gui.selection import Selection
from laneforge.io import load_process

from guihelpers import drag

pytestmark = pytest.mark.gui

QUALIFICATION = (Path(__file__).resolve().parents[2] / "processes"
                 / "lead-qualification.lane.json")


@pytest.fixture
def canvas(qtbot):
    document = Document(load_process(QUALIFICATION))
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)
    view.resize(1200, 700)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_reset()
    return document, scene, view


def test_the_canvas_has_a_band_and_a_header_per_phase(canvas):
    document, scene, _view = canvas
    ids = [p.id for p in document.process.phases]
    assert list(scene.phase_items) == ids and list(scene.phase_header_items) == ids
    band = scene.phase_items[ids[1]]
    assert isinstance(band, PhaseItem) and isinstance(scene.phase_header_items[ids[1]],
                                                      PhaseHeaderItem)
    assert band.zValue() < min(i.zValue() for i in scene.edge_items.values())
    assert band.acceptedMouseButtons() == Qt.MouseButton.NoButton  # clicks reach the lanes
    assert band.boundingRect().contains(QPointF(band.box.rect.cx, band.box.rect.cy))
    document.process.edit.set_value("phases", [p.model_dump(exclude_none=True)
                                          for p in document.process.phases[:-1]]
                               + [{"id": "reports", "name": "Reporting"}])
    assert scene.phase_model("reports").name == "Reporting"


def test_phase_headers_stay_at_the_top_while_the_lanes_scroll(canvas, qtbot):
    _document, scene, view = canvas
    header = next(iter(scene.phase_header_items.values()))
    qtbot.waitUntil(lambda: header.view_top is not None)  # the view has painted the scene
    view.verticalScrollBar().setValue(view.verticalScrollBar().minimum())
    natural = header.header_rect().top()
    assert natural == header.box.header.top
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() + 300)
    top = view.mapToScene(0, 0).y()
    assert top > natural
    assert header.header_rect().top() == pytest.approx(top)
    view.verticalScrollBar().setValue(view.verticalScrollBar().minimum())
    assert header.header_rect().top() == pytest.approx(natural)


def test_dragging_a_node_into_another_column_sets_its_phase_in_one_undo_step(canvas):
    document, scene, view = canvas
    process = document.process
    diagram = scene.diagram
    node = process.node("proposal")
    assert node.phase == "sales_cycle"
    reports = next(p for p in diagram.phases if p.id == "reports")
    item = scene.node_items["proposal"]
    start = item.pos()
    view.centerOn(start)
    target = QPointF(reports.rect.left + 60, start.y())
    view.centerOn(QPointF((start.x() + target.x()) / 2, start.y()))
    old_pos, count = node.pos, document.undo_stack.count()
    drag(view, start, target, steps=8)
    moved = process.node("proposal")
    assert moved.phase == "reports" and moved.lane == node.lane
    assert moved.pos[0] == pytest.approx(target.x(), abs=10.0)  # snapped to the grid
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText().startswith("Move 'Proposal")
    document.undo_stack.undo()
    back = process.node("proposal")
    assert back.phase == "sales_cycle" and back.pos == old_pos
    document.undo_stack.redo()
    assert process.node("proposal").phase == "reports"


def test_a_move_within_the_column_keeps_the_phase_and_is_a_plain_move(canvas):
    document, scene, view = canvas
    item = scene.node_items["prospect"]
    start = item.pos()
    view.centerOn(start)
    drag(view, start, QPointF(start.x() + 20, start.y() + 10), steps=8)
    assert document.process.node("prospect").phase == "opportunity_management"
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.process == load_process(QUALIFICATION)


def test_a_node_placed_in_a_column_belongs_to_its_phase(canvas):
    document, scene, _view = canvas
    column = next(p for p in scene.diagram.phases if p.id == "sales_cycle")
    lane = scene.diagram.lanes[-1]
    new = scene.add_node_at("task", QPointF(column.rect.cx, lane.top + 60))
    assert document.process.node(new).phase == "sales_cycle"


# --- the properties dock ---------------------------------------------------------------------


@pytest.fixture
def dock(qtbot):
    document = Document(load_process(QUALIFICATION))
    original = document.process.detached_copy()
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.resize(380, 900)
    dock.set_document(document)
    dock.show()
    return dock, document, original


def undo_all(document: Document, original) -> None:
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == original


def test_the_phases_list_adds_renames_reorders_and_removes(dock, qtbot):
    dock, document, original = dock
    page = dock.process_editor.phases
    dock.process_editor.expand(page)
    process = document.process
    assert [page.list.item(i).text() for i in range(page.list.count())] == [
        "Lead Generation", "Lead Management", "Opportunity Management", "Sales Cycle",
        "Reports"]
    page.list.item(4).setText("Reporting")  # what the in-place editor does on Enter
    assert process.phases[4].name == "Reporting" and process.phases[4].id == "reports"
    assert document.undo_stack.count() == 1
    page.list.setCurrentRow(4)
    page.id_edit.setText("reporting")
    page.id_edit.editingFinished.emit()
    assert process.phases[4].id == "reporting"
    assert process.node("mgmt_report").phase == "reporting"
    assert document.undo_stack.count() == 2
    page.width.setValue(400)
    assert process.phases[4].width == 400
    page.width.setValue(0)
    assert process.phases[4].width is None
    page.list.setCurrentRow(3)
    page.up_button.click()
    assert [p.id for p in process.phases][2:4] == ["sales_cycle", "opportunity_management"]
    page.list.setCurrentRow(0)
    page.remove_button.click()
    assert process.phases[0].id == "lead_management"
    assert process.node("email").phase is None
    page.add_button.click()
    assert process.phases[-1].name == "New phase" and process.phases[-1].id == "new_phase"
    page.list.setCurrentRow(0)
    page.id_edit.setText("two words")
    page.id_edit.editingFinished.emit()
    assert process.phases[0].id == "lead_management"  # refused at the field
    undo_all(document, original)
    qtbot.waitUntil(lambda: page.list.item(4).text() == "Reports")


def test_the_node_editor_sets_a_nodes_phase(dock):
    dock, document, original = dock
    dock.set_selection(Selection(nodes=("contact",)))
    editor = dock.node_editor
    assert editor.phase.currentData() == "opportunity_management"
    assert editor.phase.findData(None) == 0  # "(none)" first
    editor.phase.setCurrentIndex(editor.phase.findData("lead_management"))
    editor.phase.activated.emit(editor.phase.currentIndex())
    assert document.process.node("contact").phase == "lead_management"
    assert document.undo_stack.undoText() == "Put 'Contact lead' in phase Lead Management"
    editor.phase.setCurrentIndex(0)
    editor.phase.activated.emit(0)
    assert document.process.node("contact").phase is None
    undo_all(document, original)
