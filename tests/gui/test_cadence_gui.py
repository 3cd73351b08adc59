"""A cadence in the editor and the exports: the palette offers it, the properties edit its
every/times/until and touch (one undo command per edit, bad input kept at the field), a new
connection out of it is marked as a way out, and the SVG, PowerPoint and BPMN exports draw
and write it."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from lxml import etree
from PySide6.QtWidgets import QToolButton

from laneforge.gui.commands import connect_command
from laneforge.gui.document import Document
from laneforge.gui.palette import PaletteDock
from laneforge.gui.properties import PropertiesDock
from laneforge.gui.properties.base import error_label_of, is_invalid
from laneforge.gui.selection import Selection
from laneforge.io import process_from_data
from laneforge.io.bpmn import export_bpmn, import_bpmn
from laneforge.render.export import render_svg
from laneforge.render.pptx_export import build_presentation
from laneforge.render.theme import LIGHT

from guihelpers import properties_dock, type_into

pytestmark = pytest.mark.gui

BPMN_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "schema" / "BPMN20.xsd"


def cadence_process(exits: bool = True) -> dict:
    edges = [{"from": "in", "to": "nurture"}]
    if exits:
        edges += [{"from": "nurture", "to": "call", "exit": "graduated"},
                  {"from": "nurture", "to": "lost", "exit": "exhausted"}]
    edges.append({"from": "call", "to": "won"})
    return {
        "format": "laneforge/process", "version": 1, "name": "Cadence",
        "lanes": [{"id": "marketing", "name": "Marketing", "staff": None},
                  {"id": "sales", "name": "Sales", "staff": 2}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "marketing", "arrivals": {"rate": "5/day"},
             "pos": [80, 70]},
            {"id": "nurture", "kind": "cadence", "lane": "marketing", "name": "Nurture cadence",
             "every": "7d", "times": 6, "touch": {"channel": "email", "weight": 10},
             "pos": [260, 70]},
            {"id": "call", "kind": "task", "lane": "sales", "name": "Sales call",
             "duration": "30m", "pos": [440, 70]},
            {"id": "won", "kind": "end", "lane": "sales", "outcome": "won", "pos": [620, 70]},
            {"id": "lost", "kind": "end", "lane": "marketing", "outcome": "lost",
             "pos": [440, 70]},
        ],
        "edges": edges,
    }


@pytest.fixture
def setup(qtbot):
    return properties_dock(qtbot, process_from_data(cadence_process()))


def test_the_palette_offers_a_cadence(qtbot):
    palette = PaletteDock(LIGHT)
    qtbot.addWidget(palette)
    buttons = {b.kind: b for b in palette.findChildren(QToolButton) if hasattr(b, "kind")}
    assert "cadence" in buttons
    assert "nurture cadence" in buttons["cadence"].toolTip().lower()


def test_the_properties_edit_every_times_until_and_the_touch(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("nurture",)))
    part = dock.node_editor.part
    assert type(part).__name__ == "CadencePart"
    assert part.every.text() == "7d" and part.times.value() == 6
    type_into(qtbot, part.every, "3d")
    part.times.setValue(4)
    type_into(qtbot, part.until, "engagement >= 40")
    type_into(qtbot, part.touch.numbers["response_rate"], "0.05")
    node = document.process.node("nurture")
    assert (node.every.hours, node.times, node.until) == (72.0, 4, "engagement >= 40")
    assert node.touch.response_rate == 0.05
    assert document.undo_stack.count() == 4
    # refused at the field, the model keeps its value
    for edit, text in ((part.every, "0h"), (part.until, "engagement + 1"),
                       (part.touch.channel, "")):
        type_into(qtbot, edit, text)
        assert is_invalid(edit), text
        assert error_label_of(edit) is not None
    node = document.process.node("nurture")
    assert (node.every.hours, node.until, node.touch.channel) == (72.0, "engagement >= 40",
                                                                  "email")
    assert document.undo_stack.count() == 4
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == original


def test_connections_out_of_a_cadence_are_marked_as_its_ways_out(qtbot):
    document = Document(process_from_data(cadence_process(exits=False)))
    for target in ("call", "lost"):
        document.apply(connect_command(document, "nurture", target))
    exits = {e.target: e.exit for e in document.process.outgoing("nurture")}
    assert exits == {"call": "graduated", "lost": "exhausted"}
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.set_document(document)
    dock.show()
    dock.set_selection(Selection(edges=(("nurture", "lost"),)))
    editor = dock.edge_editor
    assert editor.exit.isVisibleTo(dock) and not editor.branch.isVisibleTo(dock)
    editor.exit.setCurrentIndex(editor.exit.findData("graduated"))
    editor.exit.activated.emit(editor.exit.currentIndex())
    assert document.process.edge("nurture", "lost").exit == "graduated"


def test_the_svg_draws_the_cadence_with_its_every_and_times(qapp):
    svg = render_svg(process_from_data(cadence_process()))
    ElementTree.fromstring(svg.encode())
    assert "Nurture cadence" in svg
    assert "every 7d × 6" in svg
    assert "graduated" in svg and "exhausted" in svg  # the ways out are labelled


def test_the_slide_draws_the_cadence_as_a_box_with_its_loop(qapp):
    presentation = build_presentation(process_from_data(cadence_process()))
    shapes = [shape for slide in presentation.slides for shape in slide.shapes
              if shape.name == "Node nurture"]
    assert len(shapes) == 1
    text = shapes[0].text_frame.text
    assert "Nurture cadence" in text and "↻ every 7d × 6" in text


def test_bpmn_writes_a_looping_send_task_and_reads_the_cadence_back():
    process = process_from_data(cadence_process())
    text = export_bpmn(process)
    schema = etree.XMLSchema(etree.parse(str(BPMN_SCHEMA)))
    schema.assertValid(etree.fromstring(text.encode()))
    root = etree.fromstring(text.encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    task = root.find(".//bpmn:sendTask[@id='nurture']", ns)
    assert task is not None
    loop = task.find("bpmn:standardLoopCharacteristics", ns)
    assert loop is not None and loop.get("loopMaximum") == "6"
    back, _report = import_bpmn(text)
    node = back.node("nurture")
    assert node.kind == "cadence" and node.times == 6 and node.every.hours == 168
    assert {e.target: e.exit for e in back.outgoing("nurture")} == {
        "call": "graduated", "lost": "exhausted"}
    assert json.loads(json.dumps(back.to_data()))["nodes"][1]["touch"] == {
        "channel": "email", "weight": 10}
