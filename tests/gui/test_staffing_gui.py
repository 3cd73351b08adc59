"""Simulate ▸ Staffing plan… and the lane's roster in the properties, driven like a user on
the lead-lifecycle template: the heatmap shows the plan's roster hour by hour, Apply is one
undo step, bad input is one line in the dialog, and the lane's summary adds up its shifts."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from laneforge.app.core import Cancelled
from laneforge.app.staffing import (
    StaffingPlan,
    check_and_top_up,
    check_summary,
    round_text,
    staffing_plan,
)
from laneforge.gui.document import Document
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.properties import PropertiesDock
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.selection import Selection
from laneforge.gui.staffing import check as check_module
from laneforge.gui.staffing import dialog as dialog_module
from laneforge.gui.staffing import roster_by_hour, roster_command
from laneforge.gui.staffing.dialog import StaffingDialog, gui_message
from laneforge.io import load_process, process_from_data
from laneforge.model.roster import roster_peak, roster_person_hours

from simhelpers import trade_show_data

pytestmark = pytest.mark.gui

LIFECYCLE = Path(__file__).resolve().parents[2] / "processes" / "lead-lifecycle.lane.json"
LANE = "inside_sales"


def by_hand(roster: dict[str, dict[str, int]]) -> np.ndarray:
    """People on per hour of the week, counted straight from shifts on whole hours."""
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    people = np.zeros(168, dtype=int)
    for day, shifts in roster.items():
        for span, k in shifts.items():
            start, end = (int(t.split(":")[0]) for t in span.split("-"))
            end = end if end > start else end + 24
            for hour in range(start, end):
                people[(days.index(day) * 24 + hour) % 168] += k
    return people


@pytest.fixture
def document() -> Document:
    return Document(load_process(LIFECYCLE))


@pytest.fixture
def dialog(qtbot, document):
    dlg = StaffingDialog(document, LANE)
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    dlg.runner.wait(30)


def plan_now(qtbot, dlg: StaffingDialog) -> None:
    dlg.plan_button.click()
    qtbot.waitUntil(lambda: not dlg.planning, timeout=60_000)


def heatmap_cells(dlg: StaffingDialog) -> tuple[np.ndarray, np.ndarray]:
    cells = [dlg.heatmap.cell(d, h) for d in range(7) for h in range(24)]
    return (np.array([on for on, _ in cells]), np.array([need for _, need in cells]))


def test_the_dialog_plans_inside_sales_off_the_ui_thread_and_shows_its_roster(
        qtbot, dialog, monkeypatch):
    threads: list[threading.Thread] = []

    def recording(*args, **kwargs) -> StaffingPlan:
        threads.append(threading.current_thread())
        return staffing_plan(*args, **kwargs)

    monkeypatch.setattr(dialog_module, "staffing_plan", recording)
    assert dialog.lane_id() == LANE and dialog.by_sla.isChecked()
    assert dialog.sla.currentData() == "mql_followup" and dialog.sla_share.value() == 90.0
    assert (dialog.days.text(), dialog.hours.text()) == ("mon-fri", "09:00-18:00")
    plan_now(qtbot, dialog)
    assert threads and threads[0] is not threading.main_thread()
    plan = dialog.plan
    assert plan is not None and plan.lane == LANE and not dialog.error.isVisible()
    assert plan.target.sla == "mql_followup" and plan.target.level == pytest.approx(0.9)
    on, needed = heatmap_cells(dialog)
    assert on.tolist() == by_hand(plan.roster).tolist()  # the shifts, counted by hand
    assert on.tolist() == roster_by_hour(plan.roster).tolist() == plan.choice.staffed.tolist()
    assert needed.tolist() == plan.requirement.agents.tolist()
    assert (on >= needed).all() and dialog.heatmap.short_hours() == 0
    assert on.sum() == plan.person_hours > 0  # each person-hour is in exactly one cell
    over = next((d, h) for d in range(7) for h in range(24)
                if on[d * 24 + h] > needed[d * 24 + h] > 0)
    assert dialog.heatmap.cell_text(*over) == f"{on[over[0] * 24 + over[1]]}/" \
        f"{needed[over[0] * 24 + over[1]]}"
    assert dialog.heatmap.cell_text(5, 3) == ""  # Saturday night: nobody on or needed
    # full-time and part-time hours cost the lane's 45 an hour alike (factor 1)
    assert plan.choice.cost == pytest.approx(45 * plan.person_hours)
    assert plan.choice.lp_bound <= plan.choice.cost + 1e-6
    tiles = dialog.tiles
    assert tiles["paid_hours"].value.text() == f"{plan.person_hours:,.0f} h"
    assert tiles["cost"].value.text() == f"{plan.choice.cost:,.0f}"
    assert tiles["bound"].value.text() == f"{plan.choice.lp_bound:,.0f}"
    shifts = {8: 0, 4: 0}
    for shift, people in plan.choice.counts.items():
        shifts[shift.hours] += people
    assert 8 * shifts[8] + 4 * shifts[4] == plan.person_hours
    assert tiles["shifts"].value.text() == " + ".join(
        f"{n} × {h} h" for h, n in shifts.items() if n)
    assert dialog.apply_button.isEnabled()


def test_apply_sets_the_lane_roster_in_one_undo_step(qtbot, dialog, document):
    assert document.process.lane(LANE).roster is None and not document.modified
    plan_now(qtbot, dialog)
    plan = dialog.plan
    dialog.apply_button.click()
    assert document.process.lane(LANE).roster == plan.roster
    assert document.undo_stack.count() == 1 and document.modified
    assert document.undo_stack.undoText() == "Set roster of 'Inside Sales (SDR)'"
    assert not dialog.isVisible()  # applied: the dialog closes
    document.undo_stack.undo()
    assert document.process.lane(LANE).roster is None and not document.modified
    document.undo_stack.redo()
    assert document.process.lane(LANE).roster == plan.roster


def test_changed_inputs_hold_apply_until_planned_again(qtbot, dialog):
    plan_now(qtbot, dialog)
    assert dialog.apply_button.isEnabled()
    dialog.full.setChecked(False)  # 4-hour blocks alone
    assert not dialog.apply_button.isEnabled() and "press plan" in dialog.status.text().lower()
    plan_now(qtbot, dialog)
    assert dialog.apply_button.isEnabled()
    assert {s.hours for s in dialog.plan.choice.counts} == {4}


@pytest.mark.parametrize(("field", "text", "starts"), [
    ("answer", "soon", "Answer within: "),
    ("days", "funday", "Days: "),
    ("hours", "09:30-18:00", "Hours: "),
])
def test_bad_input_shows_one_line_and_marks_the_field(qtbot, dialog, document, field, text,
                                                      starts):
    if field == "answer":
        dialog.by_level.setChecked(True)
    getattr(dialog, field).setText(text)
    plan_now(qtbot, dialog)
    message = dialog.error.text()
    assert dialog.error.isVisible() and message.startswith(starts), message
    assert "\n" not in message and "Traceback" not in message and "--" not in message
    assert getattr(dialog, field).property("invalid") is True
    assert dialog.plan is None and not dialog.apply_button.isEnabled()
    assert document.undo_stack.count() == 0
    getattr(dialog, field).setText({"answer": "4h", "days": "mon-fri",
                                    "hours": "09:00-18:00"}[field])
    plan_now(qtbot, dialog)  # put right, the line goes and the field is no longer marked
    assert not dialog.error.isVisible() and dialog.plan is not None
    assert not getattr(dialog, field).property("invalid")


def test_no_shift_length_ticked_is_refused_before_planning(qtbot, dialog):
    dialog.full.setChecked(False)
    dialog.part.setChecked(False)
    dialog.plan_button.click()
    assert not dialog.planning and dialog.error.text().startswith("Shifts: ")


def test_option_names_become_field_labels():
    assert gui_message("--shifts/--days/--hours: mon 08:00 needs 3 people") == (
        "Shifts, days and hours: mon 08:00 needs 3 people", "--shifts/--days/--hours")
    assert gui_message("slas.x.target: must lie between 0 and 1") == (
        "slas.x.target: must lie between 0 and 1", None)


def test_only_limited_lanes_are_offered(qtbot, document):
    document.process.edit.set_value("lanes.success.staff", None)
    dlg = StaffingDialog(document)
    qtbot.addWidget(dlg)
    offered = [dlg.lane.itemData(i) for i in range(dlg.lane.count())]
    assert offered == ["marketing", "inside_sales", "field_sales"]


# --- the lane's properties -----------------------------------------------------------------

#: three on 8-16, two more from 12:30 to 16:30, and a Sunday night shift into Monday
ROSTER = {"mon": {"08:00-16:00": 3, "12:30-16:30": 2}, "sun": {"22:00-06:00": 1}}


@pytest.fixture
def dock(qtbot, document):
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.resize(380, 900)
    dock.set_document(document)
    dock.set_selection(Selection(lanes=(LANE,)))
    dock.show()
    return dock


def test_the_lane_shows_its_roster_peak_and_paid_hours(qtbot, dock, document):
    editor = dock.lane_editor
    assert not editor.roster.clear.isVisibleTo(dock) and editor.staff.isEnabled()
    assert editor.roster.plan.text() == "Plan a roster…"
    document.apply(roster_command(document, LANE, ROSTER))
    summary = editor.roster
    qtbot.waitUntil(lambda: summary.peak is not None)
    assert summary.peak == roster_peak(ROSTER) == 5  # 3 + 2 from 12:30 to 16:00
    assert summary.paid_hours == roster_person_hours(ROSTER) == 3 * 8 + 2 * 4 + 8
    assert summary.summary.text() == "Peak 5 people on · 40 paid hours a week"
    cells = summary.heatmap
    assert [cells.cell(0, h)[0] for h in (0, 5, 6, 8, 12, 15, 16, 17)] == [1, 1, 0, 3, 5, 5, 2, 0]
    assert [cells.cell(6, h)[0] for h in (21, 22, 23)] == [0, 1, 1]
    assert cells.cell(0, 12)[1] is None and cells.cell_text(0, 12) == "5"  # no need known
    assert "12:30-16:30" in summary.summary.toolTip()
    assert not editor.staff.isEnabled() and editor.staff_note.isVisibleTo(dock)
    assert editor.roster.plan.text() == "Edit in staffing plan…"


def test_clear_roster_is_undoable(qtbot, dock, document):
    document.apply(roster_command(document, LANE, ROSTER))
    editor = dock.lane_editor
    qtbot.waitUntil(lambda: editor.roster.clear.isVisibleTo(dock))
    qtbot.mouseClick(editor.roster.clear, Qt.MouseButton.LeftButton)
    assert document.process.lane(LANE).roster is None
    assert document.undo_stack.undoText() == "Clear roster of 'Inside Sales (SDR)'"
    qtbot.waitUntil(lambda: editor.staff.isEnabled())
    assert not editor.staff_note.isVisibleTo(dock) and editor.roster.peak is None
    document.undo_stack.undo()
    assert document.process.lane(LANE).roster == ROSTER
    qtbot.waitUntil(lambda: editor.roster.peak == 5)
    assert not editor.staff.isEnabled()


def test_edit_in_staffing_plan_opens_the_dialog_on_the_lane(qtbot, dock, document):
    document.apply(roster_command(document, LANE, ROSTER))
    qtbot.mouseClick(dock.lane_editor.roster.plan, Qt.MouseButton.LeftButton)
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, StaffingDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dlg = dialogs[0]
    assert dlg.lane_id() == LANE and dlg.document is document
    # before a plan, the heatmap shows the roster the lane has
    assert heatmap_cells(dlg)[0].tolist() == roster_by_hour(ROSTER).tolist()
    dlg.reject()


def test_the_menu_opens_the_dialog(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(window)
    window.new_from_template("lead-lifecycle")
    action = window.actions.by_name["staffing"]
    assert action.text() == "S&taffing plan…" and action.statusTip()
    action.trigger()
    dlg = window.findChild(StaffingDialog)
    assert dlg is not None and dlg.isVisible() and dlg.document is window.document
    assert dlg.isModal()
    dlg.reject()
    window.document.undo_stack.setClean()
    window.close()


# --- the simulation check ------------------------------------------------------------------


@pytest.fixture
def show_document() -> Document:
    return Document(process_from_data(trade_show_data(batch=80)))


@pytest.fixture
def show_dialog(qtbot, show_document):
    dlg = StaffingDialog(show_document, "team")
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.part.setChecked(False)  # 8-hour shifts only
    yield dlg
    dlg.check.cancel()
    dlg.check.wait(30)
    dlg.runner.wait(30)


def test_check_by_simulation_tops_up_off_the_ui_thread_and_shows_its_rounds(
        qtbot, show_dialog, monkeypatch):
    dlg = show_dialog
    threads: list[threading.Thread] = []

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return check_and_top_up(*args, **kwargs)

    monkeypatch.setattr(check_module, "check_and_top_up", recording)
    assert not dlg.check.button.isEnabled()  # nothing planned yet
    plan_now(qtbot, dlg)
    erlang = dlg.plan
    assert erlang is not None and erlang.target.sla == "answer"
    assert dlg.check.button.isEnabled()
    dlg.check.replications.setValue(3)
    dlg.check.button.click()
    assert dlg.check.running and dlg.check.progress.isVisibleTo(dlg)
    assert not dlg.apply_button.isEnabled() and not dlg.plan_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.top_up is not None, timeout=60_000)
    assert threads and threads[0] is not threading.main_thread()
    top_up = dlg.top_up
    assert top_up.met and top_up.added >= 1 and top_up.start is erlang
    assert top_up.rounds[0].met_share < 0.9 <= top_up.rounds[-1].met_share
    assert not dlg.check.progress.isVisibleTo(dlg)
    # the heatmap shows the roster the check ended on, beside what Erlang C asked for
    assert dlg.plan is top_up.plan
    on, needed = heatmap_cells(dlg)
    assert on.tolist() == top_up.plan.choice.staffed.tolist() == by_hand(
        top_up.plan.roster).tolist()
    assert needed.tolist() == erlang.requirement.agents.tolist()
    monday = int(erlang.choice.staffed[9])
    assert on[9] == monday + top_up.added  # Monday 09:00, where the batch lands
    assert dlg.heatmap.cell_text(0, 9) == f"{on[9]}/{needed[9]}"
    log = dlg.check.log.text()
    for r in top_up.rounds:
        assert round_text(top_up.plan, r) in log
    assert dlg.check.outcome.text() == check_summary(top_up)
    assert f"after {top_up.added} " in dlg.check.outcome.text()
    assert "checked by simulation" in dlg.heading.text()
    assert dlg.tiles["cost"].value.text() == f"{top_up.plan.choice.cost:,.0f}"
    assert dlg.tiles["per_won"].value.text() == f"{top_up.cost_per_won:,.0f}"
    assert dlg.apply_button.isEnabled() and dlg.plan_button.isEnabled()
    dlg.apply_button.click()
    assert dlg.document.process.lane("team").roster == top_up.plan.roster != erlang.roster


def test_cancel_stops_the_check_and_keeps_the_plan(qtbot, show_dialog, monkeypatch):
    dlg = show_dialog
    started = threading.Event()

    def waiting(process, *, replications, seed, progress, cancel):
        progress(0, replications)
        started.set()
        if cancel.wait(30):
            raise Cancelled()
        raise AssertionError("never cancelled")

    monkeypatch.setattr(check_module, "run_one", waiting)
    plan_now(qtbot, dlg)
    erlang = dlg.plan
    dlg.check.button.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    qtbot.mouseClick(dlg.check.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.check.running, timeout=10_000)
    qtbot.waitUntil(lambda: "cancelled" in dlg.check.outcome.text(), timeout=10_000)
    assert dlg.top_up is None and dlg.plan is erlang
    assert dlg.apply_button.isEnabled() and dlg.check.button.isEnabled()


def test_the_check_needs_an_sla_target(qtbot, show_dialog):
    dlg = show_dialog
    dlg.by_level.setChecked(True)
    plan_now(qtbot, dlg)
    assert dlg.plan is not None and dlg.plan.target.sla is None
    assert not dlg.check.button.isEnabled()
    assert "SLA" in dlg.check.button.toolTip()


def test_the_check_simulates_as_many_replications_as_the_process_asks(qtbot, document):
    document.process.edit.set_value("simulation.replications", 7)
    dlg = StaffingDialog(document, LANE)
    qtbot.addWidget(dlg)
    assert dlg.check.replications.value() == 7
