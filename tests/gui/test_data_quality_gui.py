"""Stale contact data in the editor: the process's decay and cleansing batch, and a task's
contact and cleansing flags, each one undo step, bad input at its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from laneforge.gui.properties.base import is_invalid
from laneforge.gui.selection import Selection
from laneforge.io import load_process

from guihelpers import properties_dock, type_into

pytestmark = pytest.mark.gui

LIFECYCLE = Path(__file__).resolve().parents[2] / "processes" / "lead-lifecycle.lane.json"


@pytest.fixture
def setup(qtbot):
    return properties_dock(qtbot, load_process(LIFECYCLE))


def test_the_process_sets_decay_and_a_cleansing_batch(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection())
    general = dock.process_editor.general
    assert general.decay.text() == "" and not general.cleanse_every.isEnabled()
    type_into(qtbot, general.decay, "2.1 %")
    assert document.process.data_quality.decay_per_month == pytest.approx(0.021)
    qtbot.waitUntil(general.cleanse_every.isEnabled)
    type_into(qtbot, general.cleanse_every, "90d")
    type_into(qtbot, general.cleanse_cost, "0.4")
    cleansing = document.process.data_quality.cleansing
    assert cleansing.every.hours == 90 * 24 and cleansing.cost_per_record == 0.4
    assert document.undo_stack.count() == 3
    # a share of 100 % a month or more is refused at the field, nothing changes
    type_into(qtbot, general.decay, "120")
    assert is_invalid(general.decay) and document.undo_stack.count() == 3
    type_into(qtbot, general.cleanse_every, "soon")
    assert is_invalid(general.cleanse_every) and document.undo_stack.count() == 3
    # an empty decay takes data quality away as one step; undo brings all of it back
    type_into(qtbot, general.decay, "")
    assert document.process.data_quality is None and document.undo_stack.count() == 4
    document.undo_stack.undo()
    assert document.process.data_quality.cleansing.cost_per_record == 0.4
    qtbot.waitUntil(lambda: general.cleanse_cost.text() == "0.4")
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == original


def test_a_task_becomes_a_contact_or_a_cleansing_step(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    part = dock.node_editor.part
    assert not part.contact.isChecked() and "never go stale" in part.contact_hint.text()
    part.contact.click()
    assert document.process.node("first_call").contact is True
    assert document.undo_stack.undoText() == "Make 'First call' a contact step"
    part.contact.click()
    assert document.process.node("first_call").contact is False
    # unticked is left out of the file, as before
    assert "contact" not in document.process.to_data()["nodes"][
        [n.id for n in document.process.nodes].index("first_call")]
    document.undo_stack.undo()
    qtbot.waitUntil(part.contact.isChecked)
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    qtbot.waitUntil(lambda: not part.contact.isChecked())
    assert document.process == original
