"""Scenarios dock and comparison view, driven through their widgets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFileDialog, QLineEdit

from laneforge.app.compare import compare, format_delta
from laneforge.gui.document import Document
from laneforge.gui.simulation.compare_table import DELTA_ROLE, VERDICT_ROLE, VerdictColors
from laneforge.gui.simulation.compare_view import CompareView
from laneforge.gui.simulation.scenario_table import ERROR_ROLE
from laneforge.gui.simulation.scenarios_dock import ScenariosDock
from laneforge.io import load_process, process_from_data, save_process
from laneforge.model import Process

pytestmark = pytest.mark.gui

TEMPLATE = Path(__file__).resolve().parents[2] / "processes" / "lead-lifecycle.lane.json"

TINY = {
    "format": "laneforge/process", "version": 1, "name": "Tiny desk",
    "simulation": {"horizon": "400h", "replications": 3, "seed": 7},
    "stages": ["Lead", "Won"],
    "lanes": [{"id": "desk", "name": "Desk", "staff": 1, "cost_per_hour": 40}],
    "nodes": [
        {"id": "leads", "kind": "source", "lane": "desk", "name": "Leads", "stage": "Lead",
         "arrivals": {"rate": "5/h"}},
        {"id": "call", "kind": "task", "lane": "desk", "name": "Call",
         "duration": {"dist": "exponential", "mean": "10m"}},
        {"id": "fit", "kind": "decision", "lane": "desk", "name": "Fit?"},
        {"id": "won", "kind": "end", "lane": "desk", "name": "Won", "outcome": "won",
         "stage": "Won"},
        {"id": "lost", "kind": "end", "lane": "desk", "name": "Lost", "outcome": "lost"},
    ],
    "edges": [{"from": "leads", "to": "call"}, {"from": "call", "to": "fit"},
              {"from": "fit", "to": "won", "probability": 0.4},
              {"from": "fit", "to": "lost", "probability": 0.6}],
    "slas": [{"id": "fast", "name": "Called within 15 minutes", "from": "leads", "to": "call",
              "within": "15m", "clock": "elapsed", "target": 0.9}],
    "scenarios": [
        {"name": "Second agent", "description": "Two people at the desk.",
         "changes": {"lanes.desk.staff": 2}},
        {"name": "Slower calls", "changes": {"nodes.call.duration.mean": "11m"}},
    ],
}


@pytest.fixture
def document(qtbot) -> Document:
    return Document(load_process(TEMPLATE))


@pytest.fixture
def dock(qtbot, document: Document) -> ScenariosDock:
    widget = ScenariosDock()
    qtbot.addWidget(widget)
    widget.resize(460, 760)
    widget.set_document(document)
    widget.show()
    return widget


@pytest.fixture(scope="module")
def tiny_runs():
    from laneforge.sim import simulate

    process = process_from_data(TINY)
    return [simulate(process, scenario=name) for name in (None, "Second agent",
                                                          "Slower calls")]


def editor_of(widget, name: str) -> QLineEdit:
    """The open editor called ``name`` (closed ones linger until deleted later)."""
    editors = [e for e in widget.findChildren(QLineEdit, name) if e.isVisible()]
    assert len(editors) == 1, f"{len(editors)} open editors {name!r}"
    return editors[0]


def select(dock: ScenariosDock, name: str) -> None:
    item = dock.scenario_list.item_named(name)
    assert item is not None, name
    dock.scenario_list.setCurrentItem(item)
    assert dock.current == name


def type_name(qtbot, dock: ScenariosDock, text: str) -> None:
    """Press Rename, type ``text`` into the name editor and press Enter."""
    qtbot.mouseClick(dock.rename_button, Qt.MouseButton.LeftButton)
    editor = editor_of(dock.scenario_list, "scenario_name_editor")
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    with qtbot.waitSignal(dock.scenario_list.rename_typed, timeout=2000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)


def type_value(qtbot, dock: ScenariosDock, path: str, text: str) -> None:
    """Double-click the Scenario cell of ``path``, type ``text`` and press Enter."""
    table = dock.editor.table
    table.scrollToItem(table.value_item(path))
    centre = table.visualItemRect(table.value_item(path)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    editor = editor_of(dock.editor.table, "change_value_editor")
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    with qtbot.waitSignal(dock.editor.table.value_typed, timeout=2000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)


def close_editor(qtbot, dock: ScenariosDock) -> None:
    """Escape from the value editor a new change opens."""
    editor = editor_of(dock.editor.table, "change_value_editor")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible()


def add_change(qtbot, dock: ScenariosDock, section: str, entry: str) -> None:
    """Pick ``section`` ▸ ``entry`` in the Add change menu."""
    menu = dock.editor.add_change_button.menu()
    menu.aboutToShow.emit()
    sub = next(a.menu() for a in menu.actions() if a.text() == section)
    action = next(a for a in sub.actions() if a.text() == entry)
    assert action.isEnabled()
    action.trigger()
    close_editor(qtbot, dock)


def rows(dock: ScenariosDock) -> dict[str, tuple[str, str]]:
    table = dock.editor.table
    return {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
            for r in range(table.rowCount())}


def names(process: Process) -> list[str]:
    return [s.name for s in process.scenarios]


# --- the list ------------------------------------------------------------------------------


def test_add_duplicate_rename_delete_are_one_undo_step_each(qtbot, dock, document):
    process, stack = document.process, document.undo_stack
    original = process.detached_copy()
    assert dock.scenario_list.count() == 4

    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 1 and stack.text(0) == "Add scenario 'New scenario'"
    assert names(process)[-1] == "New scenario" and dock.current == "New scenario"
    editor = editor_of(dock.scenario_list, "scenario_name_editor")  # ready to be named
    qtbot.keyClick(editor, Qt.Key.Key_Escape)

    select(dock, "Hire 2 SDRs")
    qtbot.mouseClick(dock.duplicate_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 2 and stack.text(1) == "Duplicate scenario 'Hire 2 SDRs'"
    copy = process.scenario("Hire 2 SDRs (copy)")
    assert names(process)[1] == copy.name
    assert copy.changes == {"lanes.inside_sales.staff": 8}
    assert copy.description == process.scenario("Hire 2 SDRs").description

    type_name(qtbot, dock, "Hire 3 SDRs")
    assert stack.count() == 3
    assert stack.text(2) == "Rename scenario 'Hire 2 SDRs (copy)' to 'Hire 3 SDRs'"
    assert names(process)[1] == "Hire 3 SDRs" and dock.current == "Hire 3 SDRs"
    assert dock.scenario_list.current_name() == "Hire 3 SDRs"

    qtbot.mouseClick(dock.delete_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 4 and stack.text(3) == "Delete scenario 'Hire 3 SDRs'"
    assert "Hire 3 SDRs" not in names(process)
    after = process.to_data()

    for _ in range(4):
        stack.undo()
    assert process == original
    assert [dock.scenario_list.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(dock.scenario_list.count())] == names(original)
    for _ in range(4):
        stack.redo()
    assert process.to_data() == after
    assert dock.scenario_list.count() == len(after["scenarios"])


def test_rename_refuses_an_empty_or_taken_name(qtbot, dock, document):
    select(dock, "Hire 2 SDRs")
    type_name(qtbot, dock, "Double webinar volume")
    assert document.undo_stack.count() == 0
    assert dock.list_error.isVisibleTo(dock)
    assert "already a scenario" in dock.list_error.text()
    type_name(qtbot, dock, "   ")
    assert document.undo_stack.count() == 0
    assert "needs a name" in dock.list_error.text()
    assert names(document.process)[0] == "Hire 2 SDRs"


def test_description_edit_is_one_undo_step(qtbot, dock, document):
    select(dock, "Hire 2 SDRs")
    dock.editor.description.setFocus()
    dock.editor.description.selectAll()
    qtbot.keyClicks(dock.editor.description, "Two more SDRs")
    qtbot.keyClick(dock.editor.description, Qt.Key.Key_Return)
    assert document.process.scenario("Hire 2 SDRs").description == "Two more SDRs"
    assert document.undo_stack.text(0) == "Change description of scenario 'Hire 2 SDRs'"
    assert dock.scenario_list.item(0).data(Qt.ItemDataRole.UserRole + 1) == "Two more SDRs"
    original = load_process(TEMPLATE).scenario("Hire 2 SDRs").description
    document.undo_stack.undo()  # the field still has focus and follows the undo
    assert dock.editor.description.text() == original


def test_compare_emits_the_ticked_scenarios_after_the_baseline(qtbot, dock):
    assert not dock.compare_button.isEnabled()
    for name in ("Raise the MQL bar", "Hire 2 SDRs"):  # ticked out of order
        dock.scenario_list.item_named(name).setCheckState(Qt.CheckState.Checked)
    assert dock.compare_button.isEnabled()
    assert dock.compare_button.text() == "Compare 2 scenarios with baseline"
    with qtbot.waitSignal(dock.compare_requested) as blocker:
        qtbot.mouseClick(dock.compare_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [[None, "Hire 2 SDRs", "Raise the MQL bar"]]


def test_ticks_follow_a_rename_and_a_new_document_starts_afresh(qtbot, dock, document):
    dock.scenario_list.item_named("Hire 2 SDRs").setCheckState(Qt.CheckState.Checked)
    select(dock, "Hire 2 SDRs")
    type_name(qtbot, dock, "Hire two")
    assert dock.scenario_list.checked_names() == ["Hire two"]
    document.undo_stack.undo()
    assert dock.scenario_list.checked_names() == ["Hire 2 SDRs"]

    other = Document(process_from_data(TINY))
    dock.set_document(other)
    assert [dock.scenario_list.item(r).text() for r in range(dock.scenario_list.count())] \
        == ["Second agent", "Slower calls"]
    assert dock.scenario_list.checked_names() == [] and dock.current == "Second agent"
    document.undo_stack.redo()  # the old document no longer reaches the dock
    assert dock.scenario_list.count() == 2
    other.replace_process(load_process(TEMPLATE))  # revert: the dock rebuilds
    assert dock.scenario_list.count() == 4 and dock.current == "Hire 2 SDRs"
    assert rows(dock) == {"Inside Sales (SDR) · staff": ("6", "8")}


# --- changes -------------------------------------------------------------------------------


def test_change_rows_read_well_with_base_values(qtbot, dock):
    select(dock, "Hire 2 SDRs")
    add_change(qtbot, dock, "Source volume ×scale", "Website forms")
    add_change(qtbot, dock, "Task duration", "First call")
    add_change(qtbot, dock, "Branch probability", "Reached? → Qualify (BANT) (reached)")
    add_change(qtbot, dock, "SLA time limit", "MQL called within 4 business hours")
    add_change(qtbot, dock, "SLA target", "MQL called within 4 business hours")
    assert rows(dock) == {
        "Inside Sales (SDR) · staff": ("6", "8"),
        "Website forms · volume ×": ("×1", "×1"),
        "First call · fixed duration": ("triangular, mean 27 min", "27m"),
        "Reached? → Qualify (BANT) · probability": ("0.45", "0.45"),
        "SLA MQL called within 4 business hours · within": ("4h", "4h"),
        "SLA MQL called within 4 business hours · target": ("90 %", "90 %"),
    }
    select(dock, "Raise the MQL bar")
    assert rows(dock) == {"MQL? → Assign to SDR · condition":
                          ("score >= 65 and touches < 2", "score >= 72")}
    menu = dock.editor.add_change_button.menu()
    menu.aboutToShow.emit()
    titles = [a.text() for a in menu.actions()]
    assert titles == ["Lane staff", "Source volume ×scale", "Source arrival rate",
                      "Task duration", "Branch probability", "SLA time limit", "SLA target"]


def test_change_edits_are_one_undo_step_each_and_undo_restores_exactly(qtbot, dock, document):
    process, stack = document.process, document.undo_stack
    original = process.detached_copy()
    select(dock, "Hire 2 SDRs")
    path = "lanes.inside_sales.staff"

    type_value(qtbot, dock, path, "9")
    assert process.scenario("Hire 2 SDRs").changes == {path: 9}
    assert stack.count() == 1
    assert stack.text(0) == "Set Inside Sales (SDR) · staff to 9 in 'Hire 2 SDRs'"
    assert rows(dock)["Inside Sales (SDR) · staff"] == ("6", "9")

    add_change(qtbot, dock, "Source arrival rate", "Website forms")
    assert stack.count() == 2
    assert stack.text(1) == "Add change Website forms · arrival rate to 'Hire 2 SDRs'"
    type_value(qtbot, dock, "nodes.inbound.arrivals.rate", "70/day")
    assert process.scenario("Hire 2 SDRs").changes["nodes.inbound.arrivals.rate"] == "70/day"

    add_change(qtbot, dock, "Branch probability", "Reached? → Qualify (BANT) (reached)")
    type_value(qtbot, dock, "edges.is_reached->qualify.probability", "60 %")
    changes = process.scenario("Hire 2 SDRs").changes
    assert changes["edges.is_reached->qualify.probability"] == 0.6
    assert changes["edges.is_reached->follow_up.probability"] == 0.4  # the branch stays whole
    assert stack.count() == 5

    dock.editor.table.setCurrentItem(
        dock.editor.table.value_item("edges.is_reached->follow_up.probability"))
    qtbot.mouseClick(dock.editor.remove_change_button, Qt.MouseButton.LeftButton)
    changes = process.scenario("Hire 2 SDRs").changes
    assert not any(p.startswith("edges.is_reached->") for p in changes)  # both sides go
    assert stack.text(5).endswith("(and the other branch)")
    stack.undo()
    assert changes != process.scenario("Hire 2 SDRs").changes
    assert process.scenario("Hire 2 SDRs").changes[
        "edges.is_reached->follow_up.probability"] == 0.4

    add_change(qtbot, dock, "SLA target", "AE meeting within 1 business day")
    type_value(qtbot, dock, "slas.sql_meeting.target", "95 %")
    assert process.scenario("Hire 2 SDRs").changes["slas.sql_meeting.target"] == 0.95
    assert process.sla("sql_meeting").target_rate == 0.9  # the base is untouched

    dock.editor.table.setCurrentItem(dock.editor.table.value_item(path))
    qtbot.mouseClick(dock.editor.remove_change_button, Qt.MouseButton.LeftButton)
    assert path not in process.scenario("Hire 2 SDRs").changes
    assert stack.text(stack.count() - 1) == \
        "Remove change Inside Sales (SDR) · staff from 'Hire 2 SDRs'"
    assert stack.count() == 8
    after = process.to_data()

    while stack.canUndo():
        stack.undo()
    assert process == original
    assert rows(dock) == {"Inside Sales (SDR) · staff": ("6", "8")}
    while stack.canRedo():
        stack.redo()
    assert process.to_data() == after


def test_duration_with_a_mean_changes_the_mean(qtbot, dock):
    document = Document(process_from_data(TINY))
    dock.set_document(document)
    select(dock, "Second agent")
    add_change(qtbot, dock, "Task duration", "Call")
    assert rows(dock)["Call · mean duration"] == ("10m", "10m")
    type_value(qtbot, dock, "nodes.call.duration.mean", "12m")
    assert document.process.scenario("Second agent").changes["nodes.call.duration.mean"] \
        == "12m"


@pytest.mark.parametrize(("path", "text"), [
    ("lanes.inside_sales.staff", "-3"),
    ("lanes.inside_sales.staff", "many"),
    ("lanes.inside_sales.staff", "2.5"),
    ("nodes.inbound.arrivals.rate", "40/fortnight"),
    ("edges.is_reached->qualify.probability", "1.7"),
    ("slas.mql_followup.within", "soon"),
    ("nodes.inbound.arrivals.scale", "0"),
])
def test_invalid_input_is_refused_at_its_cell(qtbot, dock, document, path, text):
    process, stack = document.process, document.undo_stack
    select(dock, "Hire 2 SDRs")
    if path not in process.scenario("Hire 2 SDRs").changes:
        dock.editor.add_change(path)
        close_editor(qtbot, dock)
    before, count = process.detached_copy(), stack.count()
    type_value(qtbot, dock, path, text)
    assert process == before and stack.count() == count
    item = dock.editor.table.value_item(path)
    assert item.text() == text and item.data(ERROR_ROLE)
    assert dock.editor.change_error.isVisibleTo(dock) and dock.editor.change_error.text()


def test_a_value_the_model_refuses_is_kept_out_too(qtbot, dock, document):
    """A condition is free text to the cell; the model's check (apply_changes) refuses it."""
    select(dock, "Raise the MQL bar")
    before = document.process.detached_copy()
    type_value(qtbot, dock, "edges.is_mql->assign_sdr.when", "score >=")
    assert document.process == before and document.undo_stack.count() == 0
    assert "Syntax error" in dock.editor.table.error_of("edges.is_mql->assign_sdr.when")


def test_a_value_that_stops_a_run_is_taken_with_a_warning(qtbot, dock, document):
    """A priority may be an expression, so "high" is a valid file, but not a runnable one."""
    select(dock, "New MQLs first")
    type_value(qtbot, dock, "nodes.first_call.priority", "high")
    assert document.process.scenario("New MQLs first").changes == {
        "nodes.first_call.priority": "high"}
    qtbot.waitUntil(lambda: dock.editor.warning.isVisibleTo(dock), timeout=2000)
    assert "unknown name 'high'" in dock.editor.warning.text()
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: not dock.editor.warning.isVisibleTo(dock), timeout=2000)


def test_a_branch_out_of_balance_is_flagged(qtbot, dock, document):
    select(dock, "Hire 2 SDRs")
    dock.editor.add_change("edges.is_sql->recycle.probability")
    close_editor(qtbot, dock)
    type_value(qtbot, dock, "edges.is_sql->recycle.probability", "0.4")
    assert document.process.scenario("Hire 2 SDRs").changes[
        "edges.is_sql->recycle.probability"] == 0.4
    qtbot.waitUntil(lambda: dock.editor.warning.isVisibleTo(dock), timeout=2000)
    assert "add up to 1.15" in dock.editor.warning.text()


def test_save_and_reload_keep_the_scenarios(qtbot, dock, document, tmp_path):
    select(dock, "Hire 2 SDRs")
    type_value(qtbot, dock, "lanes.inside_sales.staff", "10")
    dock.editor.add_change("slas.mql_followup.within")
    close_editor(qtbot, dock)
    type_value(qtbot, dock, "slas.mql_followup.within", "2h")
    qtbot.mouseClick(dock.duplicate_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "saved.lane.json"
    save_process(document.process, path)
    loaded = load_process(path)
    assert loaded == document.process
    assert loaded.scenario("Hire 2 SDRs (copy)").changes == {
        "lanes.inside_sales.staff": 10, "slas.mql_followup.within": "2h"}
    dock.set_document(Document(loaded))
    assert dock.scenario_list.count() == 5


# --- comparison ----------------------------------------------------------------------------


def test_compare_table_deltas_are_the_differences_of_the_results(qtbot, tiny_runs):
    view = CompareView()
    qtbot.addWidget(view)
    view.show_runs(tiny_runs)
    table = view.table
    base, agent, slower = tiny_runs
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == \
        ["KPI", "Baseline", "Second agent", "Slower calls"]
    labels = [table.item(r, 0).text() for r in range(table.rowCount())]
    expected = {
        "Leads": lambda r: r.leads.mean,
        "Won deals": lambda r: r.won.mean,
        "Cycle time p50": lambda r: r.cycle_time_hours.p50.mean,
        "Utilization: Desk": lambda r: r.lanes["desk"].utilization.mean,
        "Wait: Call": lambda r: r.nodes["call"].wait_hours.mean,
        "SLA breaches: Called within 15 minutes": lambda r: r.slas["fast"].breach_rate.mean,
        "Total cost": lambda r: r.total_cost.mean,
    }
    for label, get in expected.items():
        row = labels.index(label)
        metric_row = view.rows[row]
        for column, run in ((1, agent), (2, slower)):
            difference = get(run) - get(base)
            assert metric_row.deltas[column] == pytest.approx(difference, abs=1e-12)
            shown = table.item(row, 1 + column).data(DELTA_ROLE)
            assert shown == format_delta(difference, metric_row.metric.kind)

    colors = VerdictColors.for_palette(table.palette())
    verdicts = set()
    for r, row in enumerate(compare(tiny_runs)):
        assert table.item(r, 1).data(DELTA_ROLE) == ""  # the baseline has no delta
        for column in (1, 2):
            item = table.item(r, 1 + column)
            verdict = item.data(VERDICT_ROLE)
            assert verdict == row.verdict(column)
            assert item.foreground().color() == colors.of(verdict)
            verdicts.add(verdict)
    assert verdicts == {"better", "worse", "changed", "same"}
    wait = view.rows[labels.index("Wait: Call")]
    assert wait.verdict(1) == "better" and colors.of("better") != colors.of("worse")
    assert "paired differences" in view.legend.text()


def test_compare_exports_csv_copies_and_saves_charts(qtbot, tiny_runs, tmp_path, monkeypatch):
    view = CompareView()
    qtbot.addWidget(view)
    view.show_runs(tiny_runs[:2])
    target = tmp_path / "comparison.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "CSV files (*.csv)"))
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    won = next(r for r in table if r["KPI"] == "Won deals")
    assert float(won["Baseline"]) == pytest.approx(tiny_runs[0].won.mean)
    cost = next(r for r in table if r["KPI"] == "Total cost")
    assert float(cost["Second agent difference"]) == pytest.approx(
        tiny_runs[1].total_cost.mean - tiny_runs[0].total_cost.mean)
    assert cost["Second agent verdict"] == "worse"

    qtbot.mouseClick(view.copy_table_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "KPI\tBaseline\tSecond agent" and len(copied) == 1 + len(view.rows)

    assert view.chart.canvas is not None and view.figure is not None
    for name, magic in (("chart.svg", b"<?xml"), ("chart.png", b"\x89PNG")):
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *a, n=name, **k: (str(tmp_path / n), ""))
        qtbot.mouseClick(view.chart.save_button, Qt.MouseButton.LeftButton)
        assert (tmp_path / name).read_bytes().startswith(magic)
    qtbot.mouseClick(view.chart.copy_button, Qt.MouseButton.LeftButton)
    assert not QGuiApplication.clipboard().image().isNull()


def test_compare_view_follows_a_dark_palette(qtbot, tiny_runs):
    view = CompareView()
    qtbot.addWidget(view)
    view.show_runs(tiny_runs[:2])
    light_face = view.figure.get_facecolor()
    palette = QPalette(view.palette())
    for role, color in ((QPalette.ColorRole.Window, "#24272C"),
                        (QPalette.ColorRole.Base, "#1C1F23"),
                        (QPalette.ColorRole.Text, "#E6E9ED")):
        palette.setColor(role, QColor(color))
    view.setPalette(palette)
    dark_face = view.figure.get_facecolor()
    assert sum(dark_face[:3]) < 0.5 < sum(light_face[:3])
    cell = view.table.item(0, 2)
    assert cell.foreground().color() == VerdictColors.for_palette(palette).of(
        cell.data(VERDICT_ROLE))


def test_an_empty_comparison_says_what_to_do(qtbot, tiny_runs):
    view = CompareView()
    qtbot.addWidget(view)
    assert view.title.text() == "No comparison yet" and view.table.rowCount() == 0
    assert not view.export_button.isEnabled() and not view.chart.save_button.isEnabled()
    view.show_runs(tiny_runs[:2])
    assert view.title.text() == "Baseline vs Second agent"
    assert view.export_button.isEnabled() and view.chart.save_button.isEnabled()
    view.show_runs([])
    assert view.table.rowCount() == 0 and view.figure is None
    assert not view.chart.copy_button.isEnabled()
