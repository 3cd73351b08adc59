"""The properties dock driven like a user: edits become one undo command each, invalid input
stays at the field, and the form follows the model on undo and redo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from laneforge.gui.commands import SetValueCommand
from laneforge.gui.document import Document
from laneforge.gui.properties import PropertiesDock
from laneforge.gui.properties.base import is_invalid
from laneforge.gui.selection import Selection
from laneforge.io import dumps, load_process, process_from_data

from guihelpers import error_text, type_into

pytestmark = pytest.mark.gui

LIFECYCLE = Path(__file__).resolve().parents[2] / "processes" / "lead-lifecycle.lane.json"


@pytest.fixture
def setup(qtbot):
    document = Document(load_process(LIFECYCLE))
    original = document.process.detached_copy()
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.resize(380, 900)
    dock.set_document(document)
    dock.show()
    return dock, document, original


def assert_untouched(document: Document, original) -> None:
    assert document.undo_stack.count() == 0
    assert document.process == original


def undo_all(qtbot, dock, document: Document, original) -> None:
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == original


# --- choosing the editor ---------------------------------------------------------------------


def test_the_selection_chooses_the_editor(setup):
    dock, document, _original = setup
    assert dock.current is dock.process_editor and dock.process_editor.isVisible()
    assert dock.process_editor.title.text().startswith("Lead lifecycle")
    dock.set_selection(Selection(nodes=("first_call",)))
    assert dock.current is dock.node_editor and dock.node_editor.isVisible()
    assert dock.node_editor.part is dock.node_editor.parts["task"]
    assert dock.node_editor.name.text() == "First call"
    assert not dock.process_editor.isVisible()
    dock.set_selection(Selection(nodes=("inbound",)))
    assert dock.node_editor.part is dock.node_editor.parts["source"]
    assert not dock.node_editor.parts["task"].isVisible()
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    assert dock.current is dock.edge_editor and dock.edge_editor.isVisible()
    assert "Reached?" in dock.edge_editor.ends.text()
    dock.set_selection(Selection(lanes=("inside_sales",)))
    assert dock.current is dock.lane_editor
    assert dock.lane_editor.name.text() == "Inside Sales (SDR)"
    dock.set_selection(Selection(nodes=("first_call", "qualify", "score"),
                                 edges=(("score", "is_mql"),)))
    assert dock.current is dock.multi_editor
    assert dock.multi_editor.summary.text() == "3 nodes, 1 connection selected"
    assert not dock.multi_editor.lane.isVisibleTo(dock)  # only for nodes alone
    dock.set_selection(Selection())
    assert dock.current is dock.process_editor and dock.process_editor.isVisible()
    assert document.undo_stack.count() == 0


def test_a_selection_of_deleted_items_falls_back_to_the_process(setup, qtbot):
    dock, document, _original = setup
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    document.process.edit.remove_edge("is_reached", "qualify")
    qtbot.waitUntil(lambda: dock.current is dock.process_editor)


def test_clicking_a_step_of_a_connection_asks_to_select_it(setup, qtbot):
    dock, _document, _original = setup
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    with qtbot.waitSignal(dock.select_requested) as signal:
        dock.edge_editor.ends.linkActivated.emit("qualify")
    assert signal.args == [Selection(nodes=("qualify",))]


# --- nodes -----------------------------------------------------------------------------------


def test_renaming_a_node_is_one_command_and_undo_refreshes_the_form(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    editor = dock.node_editor
    type_into(qtbot, editor.name, "Speed-to-lead call")
    # the id was made from the old name, so it follows the new one (edges too)
    assert not document.process.has_node("first_call")
    assert document.process.node("speed-to-lead_call").name == "Speed-to-lead call"
    assert any(e.target == "speed-to-lead_call" for e in document.process.edges)
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Rename 'First call' to 'Speed-to-lead call'"
    qtbot.waitUntil(lambda: editor.title.text() == "Speed-to-lead call")
    document.undo_stack.undo()
    assert document.process == original
    qtbot.waitUntil(lambda: editor.name.text() == "First call")
    document.undo_stack.redo()
    qtbot.waitUntil(lambda: editor.name.text() == "Speed-to-lead call")


def test_an_id_set_by_hand_stays_when_the_name_changes(setup, qtbot):
    dock, document, _original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    editor = dock.node_editor
    type_into(qtbot, editor.id, "sdr_call")
    type_into(qtbot, editor.name, "Speed-to-lead call")
    assert document.process.node("sdr_call").name == "Speed-to-lead call"


def test_renaming_a_lane_lets_its_generated_id_follow(setup, qtbot):
    dock, document, _original = setup
    from laneforge.gui.commands import AddLaneCommand, new_lane

    document.apply(AddLaneCommand(document, new_lane(document.process, "Lane 5")))
    dock.set_selection(Selection(lanes=("lane_5",)))
    qtbot.waitUntil(lambda: dock.lane_editor.name.text() == "Lane 5")
    type_into(qtbot, dock.lane_editor.name, "Partners")
    assert document.process.lanes[-1].id == "partners"
    type_into(qtbot, dock.lane_editor.id, "channel")
    assert document.process.lanes[-1].id == "channel"
    assert document.process.lanes[-1].name == "Partners"


def test_changing_the_id_renames_the_node_and_its_connections(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    editor = dock.node_editor
    type_into(qtbot, editor.id, "call_1")
    process = document.process
    assert process.has_node("call_1") and not process.has_node("first_call")
    assert ("assign_sdr", "call_1") in {e.key for e in process.edges}
    assert process.sla("mql_followup").target == "call_1"
    assert document.undo_stack.undoText() == "Change id of 'First call'"
    assert dock.selection == Selection(nodes=("call_1",))
    qtbot.waitUntil(lambda: editor.id.text() == "call_1")
    type_into(qtbot, editor.name, "Call")  # the editor follows the new id
    assert process.node("call_1").name == "Call"
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.id.text() == "first_call")
    assert editor.name.text() == "First call"


@pytest.mark.parametrize(("text", "message"), [
    ("first call", "use letters"),
    ("qualify", "already a node"),
])
def test_an_invalid_id_is_shown_at_the_field(setup, qtbot, text, message):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    type_into(qtbot, dock.node_editor.id, text)
    assert is_invalid(dock.node_editor.id)
    assert message in error_text(dock.node_editor.id)
    assert dock.node_editor.id.text() == text  # kept for the user to fix
    assert_untouched(document, original)


def test_lane_and_stage_combos(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    editor = dock.node_editor
    editor.lane.setCurrentIndex(editor.lane.findData("field_sales"))
    editor.lane.activated.emit(editor.lane.currentIndex())
    assert document.process.node("first_call").lane == "field_sales"
    assert document.undo_stack.undoText() == "Move 'First call' to Field Sales (AE)"
    editor.stage.setCurrentIndex(editor.stage.findData("MQL"))
    editor.stage.activated.emit(editor.stage.currentIndex())
    assert document.process.node("first_call").stage == "MQL"
    assert document.undo_stack.count() == 2
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.lane.currentData() == "inside_sales")
    assert editor.stage.currentData() is None


def test_a_duration_parameter_changes_the_distribution_and_the_mean(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    duration = dock.node_editor.part.duration
    assert duration.family.currentData() == "triangular"
    assert duration.readout.text() == "mean 27 min"
    mode = duration.fields[1]
    type_into(qtbot, mode, "30m")
    assert document.process.edit.get_value("nodes.first_call.duration") == {
        "dist": "triangular", "min": "15m", "mode": "30m", "max": "40m"}
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Change duration of 'First call'"
    assert duration.readout.text() == "mean 28 min"
    document.undo_stack.undo()
    assert document.process == original
    qtbot.waitUntil(lambda: mode.text() == "25m")
    assert duration.readout.text() == "mean 27 min"


@pytest.mark.parametrize(("field", "text", "message", "fixed"), [
    (1, "2hrs", "unknown time unit 'hrs'", "30m"),
    (0, "35m", "min <= mode <= max", "20m"),
    (2, "", "enter a duration", "1h"),
])
def test_an_invalid_duration_never_reaches_the_model(setup, qtbot, field, text, message, fixed):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    edit = dock.node_editor.part.duration.fields[field]
    type_into(qtbot, edit, text)
    assert is_invalid(edit)
    assert message in error_text(edit)
    assert message in edit.toolTip().lower()
    assert edit.text() == text
    assert_untouched(document, original)
    # fixing the text clears the mark and commits
    type_into(qtbot, edit, fixed)
    assert not is_invalid(edit)
    assert document.undo_stack.count() == 1


def test_switching_the_distribution_family_keeps_the_mean(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("recycle",)))  # a delay: triangular 21d/30d/39d
    duration = dock.node_editor.part.duration
    duration.family.setCurrentIndex(duration.family.findData("exponential"))
    duration.family.activated.emit(duration.family.currentIndex())
    assert document.process.edit.get_value("nodes.recycle.duration") == {
        "dist": "exponential", "mean": "30d"}
    assert duration.readout.text() == "mean 30.0 d"
    assert [f.text() for f in duration.fields if duration.form.isRowVisible(f)] == ["30d"]
    duration.family.setCurrentIndex(duration.family.findData("fixed"))
    duration.family.activated.emit(duration.family.currentIndex())
    assert document.process.edit.get_value("nodes.recycle.duration") == "30d"
    assert document.undo_stack.count() == 2
    undo_all(qtbot, dock, document, original)


def test_task_fields_and_attribute_updates(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    part = dock.node_editor.part
    part.staff.setValue(2)
    assert document.process.node("first_call").staff == 2
    type_into(qtbot, part.priority, "score / 10")
    assert document.process.node("first_call").priority == "score / 10"
    type_into(qtbot, part.cost, "1.5")
    assert document.process.node("first_call").cost == 1.5
    for text, message in (("segment", "a number is needed"), ("budget", "unknown name"),
                          ("score +", "syntax error")):
        type_into(qtbot, part.priority, text)
        assert is_invalid(part.priority) and message in error_text(part.priority)
    type_into(qtbot, part.cost, "-1")
    assert is_invalid(part.cost) and "0 or more" in error_text(part.cost)
    assert document.undo_stack.count() == 3
    part.updates.add_button.click()
    assert document.process.edit.get_value("nodes.first_call.set") == {"score": "score"}
    assert document.undo_stack.undoText() == "Add attribute update to 'First call'"
    qtbot.waitUntil(lambda: part.updates.row_count() == 1)
    row = part.updates.rows[0]
    type_into(qtbot, row.value, "score + 15")
    assert document.process.edit.get_value("nodes.first_call.set") == {"score": "score + 15"}
    type_into(qtbot, row.value, "'hot'")
    assert is_invalid(row.value) and "a number is needed" in error_text(row.value)
    assert document.undo_stack.count() == 5
    row.remove.click()
    assert document.process.edit.get_value("nodes.first_call.set") is not None
    assert not document.process.node("first_call").set
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: part.updates.row_count() == 0)
    assert part.priority.text() == ""


def test_an_end_outcome(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("customer",)))
    outcome = dock.node_editor.part.outcome
    assert [outcome.itemText(i) for i in range(5)] == [
        "won", "lost", "disqualified", "duplicate", "nurture"]
    type_into(qtbot, outcome.lineEdit(), "churned")
    assert document.process.node("customer").outcome == "churned"
    type_into(qtbot, outcome.lineEdit(), "")
    assert is_invalid(outcome)
    assert document.undo_stack.count() == 1
    undo_all(qtbot, dock, document, original)


def test_source_arrival_streams(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("inbound",)))
    part = dock.node_editor.part
    stream = part.streams[0]
    type_into(qtbot, stream.rate, "70/day")
    assert document.process.edit.get_value("nodes.inbound.arrivals.rate") == "70/day"
    type_into(qtbot, stream.rate, "lots")
    assert is_invalid(stream.rate) and "cannot read 'lots' as a rate" in error_text(stream.rate)
    stream.profile[5].setValue(0.5)  # Saturday
    assert document.process.edit.get_value("nodes.inbound.arrivals.profile.sat") == 0.5
    assert document.undo_stack.count() == 2
    part.add_stream.click()
    assert len(document.process.node("inbound").arrival_list()) == 2
    qtbot.waitUntil(lambda: len(part.streams) == 2)
    second = part.streams[1]
    second.type.setCurrentIndex(second.type.findData("batch"))
    second.type.activated.emit(second.type.currentIndex())
    batch = document.process.edit.get_value("nodes.inbound.arrivals")[1]
    assert batch == {"batch": 70, "first": "0h", "every": "1w"}
    qtbot.waitUntil(lambda: second.batch.value() == 70)
    second.once.setChecked(True)
    assert "every" not in document.process.edit.get_value("nodes.inbound.arrivals")[1]
    qtbot.waitUntil(lambda: "one-off batches not counted" in part.volume.text())
    assert not second.every.isEnabled()
    second.remove_requested.emit()
    assert document.process.edit.get_value("nodes.inbound.arrivals.rate") == "70/day"
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: len(part.streams) == 1 and stream.rate.text() == "58/day")


def test_a_decision_lists_its_branches(setup):
    dock, _document, _original = setup
    dock.set_selection(Selection(nodes=("is_sql",)))
    text = dock.node_editor.part.branches.text()
    assert "Discovery call" in text and "30 %" in text and "takes decay losses" in text


# --- connections -----------------------------------------------------------------------------


def test_probability_as_a_percentage_with_the_sum_of_the_branches(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    editor = dock.edge_editor
    assert editor.branch.currentData() == "probability"
    assert editor.probability.value() == 45.0
    assert "= 100 %" in editor.sum.text() and not editor.balance.isVisibleTo(dock)
    editor.probability.setValue(50.5)
    assert document.process.edge("is_reached", "qualify").probability == 0.505
    assert document.undo_stack.undoText() == (
        "Change probability of 'Reached?' → 'Qualify (BANT)'")
    qtbot.waitUntil(lambda: "should add up to 100 %" in editor.sum.text())
    assert editor.balance.isVisibleTo(dock)
    qtbot.keyClicks(editor.probability.lineEdit(), "abc")  # letters are not accepted
    assert document.process.edge("is_reached", "qualify").probability == 0.505
    editor.balance.click()
    assert document.process.edge("is_reached", "qualify").probability == 0.45
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.probability.value() == 45.0)


def choose_branch(editor, kind: str) -> None:
    editor.branch.setCurrentIndex(editor.branch.findData(kind))
    editor.branch.activated.emit(editor.branch.currentIndex())


def test_changing_the_branch_kind_is_one_undo_step(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(edges=(("is_sql", "discovery"),)))  # probability + decay
    editor = dock.edge_editor
    choose_branch(editor, "always")
    edge = document.process.edge("is_sql", "discovery")
    assert edge.probability is None and edge.decay is None and edge.when is None
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == (
        "Make 'Sales qualified?' → 'Discovery call' an always branch")
    document.undo_stack.undo()
    assert document.process == original
    qtbot.waitUntil(lambda: editor.branch.currentData() == "probability")
    assert editor.decay.isChecked()
    # a condition needs its test: the switch is pushed with it, as one step
    choose_branch(editor, "condition")
    assert document.undo_stack.count() == 1 and document.undo_stack.index() == 0
    assert editor.condition_box.isVisibleTo(dock) and editor.condition.text() == ""
    type_into(qtbot, editor.condition, "score >= 70")
    edge = document.process.edge("is_sql", "discovery")
    assert (edge.when, edge.probability, edge.decay) == ("score >= 70", None, None)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.process == original
    choose_branch(editor, "default")
    edge = document.process.edge("is_sql", "discovery")
    assert edge.default and edge.probability is None
    document.undo_stack.undo()
    assert document.process == original


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os')", "function calls are not allowed"),
    ("budget > 1000", "unknown name 'budget'"),
    ("score + 1", "a true/false is needed"),
    ("score >=", "syntax error"),
])
def test_an_invalid_condition_stays_at_the_field(setup, qtbot, text, message):
    dock, document, original = setup
    dock.set_selection(Selection(edges=(("is_mql", "assign_sdr"),)))
    editor = dock.edge_editor
    assert editor.branch.currentData() == "condition"
    assert "score (number)" in editor.names.text()
    type_into(qtbot, editor.condition, text)
    assert is_invalid(editor.condition)
    assert message in error_text(editor.condition)
    assert_untouched(document, original)
    type_into(qtbot, editor.condition, "score >= 70")
    assert not is_invalid(editor.condition)
    assert document.process.edge("is_mql", "assign_sdr").when == "score >= 70"


def test_speed_to_lead_decay(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    editor = dock.edge_editor
    assert not editor.half_life.isVisibleTo(dock)
    editor.decay.setChecked(True)
    assert document.process.edit.get_value("edges.is_reached->qualify.decay") == {
        "half_life": "24h"}
    qtbot.waitUntil(lambda: editor.half_life.isVisibleTo(dock))
    type_into(qtbot, editor.half_life, "0h")
    assert is_invalid(editor.half_life) and "greater than 0" in error_text(editor.half_life)
    type_into(qtbot, editor.half_life, "1h")
    editor.since.setCurrentIndex(editor.since.findData("is_mql"))
    editor.since.activated.emit(editor.since.currentIndex())
    assert document.process.edit.get_value("edges.is_reached->qualify.decay") == {
        "half_life": "1h", "since": "is_mql"}
    assert document.undo_stack.count() == 3
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: not editor.decay.isChecked())


# --- lanes and multiple selections -----------------------------------------------------------


def test_lane_staff_calendar_cost_and_colour(setup, qtbot, monkeypatch):
    dock, document, original = setup
    dock.set_selection(Selection(lanes=("inside_sales",)))
    editor = dock.lane_editor
    editor.staff.setValue(8)
    assert document.process.lane("inside_sales").staff == 8
    assert document.undo_stack.undoText() == "Change staff of 'Inside Sales (SDR)'"
    editor.unlimited.setChecked(True)
    assert document.process.lane("inside_sales").staff is None
    qtbot.waitUntil(lambda: not editor.staff.isEnabled())
    editor.calendar.setCurrentIndex(editor.calendar.findData(None))
    editor.calendar.activated.emit(editor.calendar.currentIndex())
    assert document.process.lane("inside_sales").calendar is None
    type_into(qtbot, editor.cost, "a lot")
    assert is_invalid(editor.cost)
    type_into(qtbot, editor.cost, "60")
    assert document.process.lane("inside_sales").cost_per_hour == 60
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#112233"))
    editor.color.click()
    assert document.process.lane("inside_sales").color == "#112233"
    assert document.undo_stack.count() == 5
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.staff.value() == 6 and editor.staff.isEnabled())


def test_negative_staff_cannot_be_entered(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(lanes=("inside_sales",)))
    editor = dock.lane_editor
    editor.staff.lineEdit().selectAll()
    qtbot.keyClicks(editor.staff, "-3")
    qtbot.keyClick(editor.staff, Qt.Key.Key_Return)
    assert editor.staff.value() >= 0
    assert document.process.lane("inside_sales").staff in (3, 6)  # the '-' is refused
    # and a value the model refuses is marked, never pushed
    count = document.undo_stack.count()
    assert not editor.commit(editor.staff, "lanes.inside_sales.staff", -1, "Change staff")
    assert is_invalid(editor.staff) and "greater than or equal to 0" in error_text(editor.staff)
    assert document.undo_stack.count() == count
    undo_all(qtbot, dock, document, original)


def test_moving_several_nodes_to_a_lane_is_one_command(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call", "qualify", "follow_up")))
    editor = dock.multi_editor
    assert editor.summary.text() == "3 nodes selected"
    assert editor.lane.currentData() == "inside_sales"
    editor.lane.setCurrentIndex(editor.lane.findData("field_sales"))
    editor.lane.activated.emit(editor.lane.currentIndex())
    assert {document.process.node(n).lane for n in ("first_call", "qualify", "follow_up")} == {
        "field_sales"}
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Move 3 nodes to Field Sales (AE)"
    document.undo_stack.undo()
    assert document.process == original


# --- the process -----------------------------------------------------------------------------


def test_general_settings(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.general
    type_into(qtbot, page.fields["horizon"], "120d")
    assert str(document.process.simulation.horizon) == "120d"
    type_into(qtbot, page.fields["warmup"], "soon")
    assert is_invalid(page.fields["warmup"])
    page.replications.setValue(20)
    assert document.process.simulation.replications == 20
    page.description.setPlainText("Inbound funnel, Q3 numbers")
    page.description.editing_finished.emit()
    assert document.process.description == "Inbound funnel, Q3 numbers"
    assert [document.undo_stack.text(i) for i in range(3)] == [
        "Change horizon", "Change replications", "Change description"]
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.fields["horizon"].text() == "240d")


def test_calendars_add_rename_and_remove(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.calendars
    dock.process_editor.expand(page)
    assert page.current == "business" and page.table.rowCount() == 1
    type_into(qtbot, page.id, "office")
    process = document.process
    assert list(process.calendars) == ["office"]
    assert {lane.calendar for lane in process.lanes} == {"office"}
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Rename calendar 'business' to 'office'"
    type_into(qtbot, page.hours, "09:00-25:00")
    assert is_invalid(page.hours) and "not a time of day" in error_text(page.hours)
    type_into(qtbot, page.hours, "08:00-16:00")
    assert process.calendars["office"].hours == "08:00-16:00"
    page.add_button.click()
    assert list(process.calendars) == ["office", "calendar"]
    assert page.current == "calendar"
    page.remove_button.click()
    assert list(process.calendars) == ["office"]
    page.table.selectRow(0)
    page.remove_button.click()
    assert not process.calendars and all(lane.calendar is None for lane in process.lanes)
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.id.text() == "business")


def test_a_calendar_takes_a_night_shift_and_a_time_zone(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.calendars
    dock.process_editor.expand(page)
    assert "22:00-06:00" in page.hours.toolTip() and "night shift" in page.hours.toolTip()
    type_into(qtbot, page.hours, "22:00-06:00")
    calendar = document.process.calendars["business"]
    assert calendar.hours == "22:00-06:00" and calendar.hours_per_week == 40
    type_into(qtbot, page.timezone, "Europe/Lodnon")
    assert is_invalid(page.timezone) and "unknown time zone" in error_text(page.timezone)
    assert document.process.calendars["business"].timezone is None
    type_into(qtbot, page.timezone, "Europe/London")
    assert not is_invalid(page.timezone)
    assert document.process.calendars["business"].timezone == "Europe/London"
    assert document.undo_stack.undoText() == "Change time zone of calendar 'business'"
    column = page.columns.index("Time zone")
    qtbot.waitUntil(lambda: page.table.item(0, column).text() == "Europe/London")
    # the completer offers zone names once the field has had the focus
    assert "Europe/London" in page.timezone.completer().model().stringList()
    type_into(qtbot, page.timezone, "")  # empty: back to the process's clock
    assert document.process.calendars["business"].timezone is None
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.hours.text() == "09:00-12:30,13:30-17:30")


def test_the_process_time_zone_is_edited_with_the_start(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.general
    type_into(qtbot, page.timezone, "Mars/Olympus")
    assert is_invalid(page.timezone) and document.process.simulation.timezone is None
    type_into(qtbot, page.timezone, "America/New_York")
    assert document.process.simulation.timezone == "America/New_York"
    assert document.undo_stack.undoText() == "Change time zone"
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.timezone.text() == "")


def test_renaming_a_stage_updates_its_nodes_in_one_step(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.stages
    dock.process_editor.expand(page)
    item = page.list.item(1)
    assert item.text() == "MQL"
    item.setText("Marketing qualified")  # what the in-place editor does on Enter
    process = document.process
    assert process.stages == ["Lead", "Marketing qualified", "SAL", "SQL", "Customer"]
    assert process.node("assign_sdr").stage == "Marketing qualified"
    assert document.undo_stack.count() == 1
    item.setText("MQL (marketing qualified)")  # the same item renamed again
    assert process.stages[1] == "MQL (marketing qualified)"
    assert process.node("assign_sdr").stage == "MQL (marketing qualified)"
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.list.item(1).text() == "MQL")
    page.list.item(3).setText("Lead")  # a duplicate is refused
    assert page.error.isVisibleTo(dock) and "already" in page.error.text()
    assert page.list.item(3).text() == "SQL"
    page.list.setCurrentRow(2)  # SAL
    page.remove_button.click()
    assert "SAL" not in process.stages and process.node("qualify").stage is None
    page.list.setCurrentRow(0)
    page.down_button.click()
    assert process.stages[:2] == ["MQL", "Lead"]
    page.add_button.click()
    assert process.stages[-1] == "New stage"
    undo_all(qtbot, dock, document, original)


def test_attributes(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.attributes
    dock.process_editor.expand(page)
    page.select("touches")
    type_into(qtbot, page.value, "2")
    assert document.process.edit.get_value("attributes.touches") == 2
    page.select("segment")
    assert page.value.text() == "smb: 0.55, mid: 0.33, enterprise: 0.12"
    type_into(qtbot, page.value, "smb: 0.5, enterprise: 0.5")
    assert document.process.edit.get_value("attributes.segment") == {
        "choices": {"smb": 0.5, "enterprise": 0.5}}
    page.select("score")
    type_into(qtbot, page.value, "dist: normal, sd: 10")
    assert is_invalid(page.value) and "'mean' is missing" in error_text(page.value)
    page.remove_button.click()  # used by conditions and updates
    assert page.list_error.isVisibleTo(dock) and "still used" in page.list_error.text()
    assert "score" in document.process.attributes
    page.add_button.click()
    assert document.process.edit.get_value("attributes.attribute") == 0
    type_into(qtbot, page.name, "region")
    assert list(document.process.attributes)[-1] == "region"
    page.kind.setCurrentIndex(page.kind.findData("constant"))
    page.kind.activated.emit(page.kind.currentIndex())
    assert document.process.edit.get_value("attributes.region") == "none"
    assert document.undo_stack.count() == 5
    undo_all(qtbot, dock, document, original)


def test_slas(setup, qtbot):
    dock, document, original = setup
    page = dock.process_editor.slas
    dock.process_editor.expand(page)
    assert page.current == "mql_followup"
    type_into(qtbot, page.within, "2h")
    assert str(document.process.sla("mql_followup").within) == "2h"
    type_into(qtbot, page.within, "two hours")
    assert is_invalid(page.within)
    page.target.setCurrentIndex(page.target.findData("qualify"))
    page.target.activated.emit(page.target.currentIndex())
    assert document.process.sla("mql_followup").target == "qualify"
    assert [s.id for s in document.process.slas] == ["mql_followup", "sql_meeting"]
    page.rate.setValue(80)
    assert document.process.sla("mql_followup").target_rate == 0.8
    with qtbot.waitSignal(dock.select_requested) as signal:
        page.show_target.click()
    assert signal.args == [Selection(nodes=("qualify",))]
    page.add_button.click()
    assert len(document.process.slas) == 3 and page.current == "sla"
    page.remove_button.click()
    assert len(document.process.slas) == 2
    assert document.undo_stack.count() == 5
    undo_all(qtbot, dock, document, original)


def test_an_sla_id_is_typed_and_scenario_changes_follow(qtbot):
    data = load_process(LIFECYCLE).to_data()
    data["scenarios"].append({"name": "Faster follow-up",
                              "changes": {"slas.mql_followup.within": "2h"}})
    document = Document(process_from_data(data))
    original = document.process.detached_copy()
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.set_document(document)
    dock.show()
    page = dock.process_editor.slas
    dock.process_editor.expand(page)
    assert page.current == "mql_followup" and page.id.text() == "mql_followup"
    for text, message in (("mql followup", "use letters"), ("sql_meeting", "already an sla")):
        type_into(qtbot, page.id, text)
        assert is_invalid(page.id) and message in error_text(page.id)
    assert_untouched(document, original)
    type_into(qtbot, page.id, "mql_call")
    process = document.process
    assert [s.id for s in process.slas] == ["mql_call", "sql_meeting"]  # same place
    assert process.sla("mql_call").target == "first_call"
    assert process.scenarios[-1].changes == {"slas.mql_call.within": "2h"}
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == (
        "Change id of SLA 'MQL called within 4 business hours'")
    assert page.current == "mql_call" and not is_invalid(page.id)
    type_into(qtbot, page.within, "3h")  # the form edits the renamed SLA
    assert str(process.sla("mql_call").within) == "3h"
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: page.id.text() == "mql_followup")
    document.undo_stack.redo()
    assert process.scenarios[-1].changes == {"slas.mql_call.within": "2h"}
    qtbot.waitUntil(lambda: page.id.text() == "mql_call")


# --- following the model ---------------------------------------------------------------------


def test_edits_elsewhere_refresh_the_form_but_keep_text_being_typed(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(nodes=("first_call",)))
    editor = dock.node_editor
    part = editor.part
    part.priority.setText("score")  # typed, not committed yet
    part.priority.setCursorPosition(2)
    document.apply(SetValueCommand(
        document, "nodes.first_call.name", "Intro call", "Rename"))
    qtbot.waitUntil(lambda: editor.name.text() == "Intro call")
    assert part.priority.text() == "score" and part.priority.cursorPosition() == 2
    document.apply(SetValueCommand(
        document, "nodes.first_call.priority", 5, "Priority"))
    qtbot.waitUntil(lambda: part.priority.text() == "5")
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.name.text() == "First call" and part.priority.text() == "")


def test_another_document_replaces_the_first(setup, qtbot):
    dock, document, _original = setup
    small = process_from_data({
        "format": "laneforge/process", "version": 1, "name": "Small",
        "lanes": [{"id": "team", "name": "Team", "staff": 1}],
        "nodes": [{"id": "call", "kind": "task", "lane": "team", "duration": "10m"}],
        "edges": []})
    other = Document(small)
    dock.set_selection(Selection(nodes=("first_call",)))
    dock.set_document(other)
    assert dock.current is dock.process_editor
    assert dock.process_editor.title.text() == "Small"
    document.apply(SetValueCommand(document, "name", "Old", "Rename"))
    dock.set_selection(Selection(nodes=("call",)))
    assert dock.node_editor.part.duration.fields[0].text() == "10m"
    assert dock.node_editor.part.duration.readout.text() == "mean 10 min"
    type_into(qtbot, dock.node_editor.part.duration.fields[0], "15m")
    assert other.process.edit.get_value("nodes.call.duration") == "15m"
    assert document.undo_stack.count() == 1 and other.undo_stack.count() == 1


# --- BPMN collaborations: message flows and pools ----------------------------------------------


def test_message_flow_check_box_is_one_undo_step(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(edges=(("is_reached", "qualify"),)))
    editor = dock.edge_editor
    assert editor.message.text() == "Message flow (between pools)"
    assert not editor.message.isChecked()
    editor.message.click()
    edge = document.process.edge("is_reached", "qualify")
    assert edge.message is True
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText().startswith("Mark '") and "message flow" in \
        document.undo_stack.undoText()
    editor.message.click()
    assert document.process.edge("is_reached", "qualify").message is False
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: editor.message.isChecked())
    assert document.process.edge("is_reached", "qualify").message is True
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: not editor.message.isChecked())
    # unmarked again, the file is written as before: no "message" key
    assert '"message"' not in dumps(document.process)


def test_lane_pool_is_a_text_field_empty_for_none(setup, qtbot):
    dock, document, original = setup
    dock.set_selection(Selection(lanes=("inside_sales",)))
    editor = dock.lane_editor
    assert editor.pool.text() == "" and document.process.lane("inside_sales").pool is None
    type_into(qtbot, editor.pool, "  Company  ")
    assert document.process.lane("inside_sales").pool == "Company"
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Change pool of 'Inside Sales (SDR)'"
    type_into(qtbot, editor.pool, "Company")  # unchanged: nothing pushed
    assert document.undo_stack.count() == 1
    type_into(qtbot, editor.pool, "")
    assert document.process.lane("inside_sales").pool is None
    assert '"pool"' not in dumps(document.process)
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: editor.pool.text() == "Company")
    undo_all(qtbot, dock, document, original)
    qtbot.waitUntil(lambda: editor.pool.text() == "")
