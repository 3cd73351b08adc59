"""The touch fields of the properties dock: a task's touch and a source's channel, edited as
a user would, one undo command per edit, bad input kept at the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from laneforge.gui.properties.base import is_invalid
from laneforge.gui.selection import Selection
from laneforge.io import load_process

from guihelpers import error_text, properties_dock, type_into, undo_all

pytestmark = pytest.mark.gui

LIFECYCLE = Path(__file__).resolve().parents[2] / "processes" / "lead-lifecycle.lane.json"


@pytest.fixture
def setup(qtbot):
    return properties_dock(qtbot, load_process(LIFECYCLE))


def test_editing_a_tasks_touch_channel_updates_the_model(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    fields = dock.node_editor.part.touch
    assert fields.channel.text() == "" and not fields.numbers["weight"].isEnabled()
    type_into(qtbot, fields.channel, "phone")
    touch = document.process.node("first_call").touch
    assert touch is not None and touch.channel == "phone" and touch.weight == 0
    assert fields.numbers["weight"].isEnabled()
    type_into(qtbot, fields.numbers["weight"], "12")
    type_into(qtbot, fields.numbers["cost"], "0.8")
    type_into(qtbot, fields.numbers["response_rate"], "0.25")
    touch = document.process.node("first_call").touch
    assert (touch.channel, touch.weight, touch.cost, touch.response_rate) == (
        "phone", 12, 0.8, 0.25)
    assert document.undo_stack.count() == 4
    # out of range or not a channel: refused at the field, the model keeps its value
    type_into(qtbot, fields.numbers["response_rate"], "1.5")
    assert is_invalid(fields.numbers["response_rate"])
    assert "between 0 and 1" in error_text(fields.numbers["response_rate"])
    type_into(qtbot, fields.channel, "cold call")
    assert is_invalid(fields.channel)
    assert document.process.node("first_call").touch.channel == "phone"
    assert document.undo_stack.count() == 4
    # undo shows the earlier value in the field
    document.undo_stack.undo()
    assert document.process.node("first_call").touch.response_rate == 0
    qtbot.waitUntil(lambda: fields.numbers["response_rate"].text() == "")
    # clearing the channel removes the touch
    type_into(qtbot, fields.channel, "")
    assert document.process.node("first_call").touch is None
    undo_all(document, original)


def test_editing_a_sources_channel_updates_the_model(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("inbound",)))
    fields = dock.node_editor.part.channel
    type_into(qtbot, fields.channel, "web")
    assert document.process.node("inbound").channel == "web"
    type_into(qtbot, fields.weight, "5")
    assert document.process.node("inbound").touch_weight == 5
    type_into(qtbot, fields.weight, "-2")
    assert is_invalid(fields.weight) and "0 or more" in error_text(fields.weight)
    type_into(qtbot, fields.channel, "")
    assert document.process.node("inbound").channel is None
    assert document.undo_stack.count() == 3
    undo_all(document, original)


def test_the_names_hint_lists_the_touch_names_once_the_process_has_touches(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    part = dock.node_editor.part
    assert "since_last_touch" not in part.updates_hint.text()
    type_into(qtbot, part.touch.channel, "phone")
    qtbot.waitUntil(lambda: "since_last_touch" in part.updates_hint.text())
    undo_all(document, original)


def test_the_engagement_half_life_is_a_process_setting(setup, qtbot):
    dock, document, original = setup
    editor = dock.process_editor.findChild(QLineEdit, "engagement_half_life")
    assert editor is not None and editor.text() == ""
    type_into(qtbot, editor, "14d")
    assert document.process.engagement.half_life.hours == 14 * 24
    assert document.process.to_data()["engagement"] == {"half_life": "14d"}
    type_into(qtbot, editor, "0h")
    assert is_invalid(editor) and "greater than 0" in error_text(editor)
    assert document.process.engagement.half_life.hours == 14 * 24
    type_into(qtbot, editor, "")
    assert document.process.engagement is None
    assert document.undo_stack.count() == 2
    undo_all(document, original)
