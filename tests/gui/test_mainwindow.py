"""The main window: templates, files, broken files, recovery, unsaved changes, live checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from laneforge.bundled import list_templates, template_path
from laneforge.gui.app import offer_recovery
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.selection import Selection
from laneforge.io import load_process, save_process

pytestmark = pytest.mark.gui


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path, settings, monkeypatch):
    # no dialog may ever wait for a click in a test
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    store = RecoveryStore(tmp_path / "recovery")
    win = MainWindow(settings, store)
    win.show()
    qtbot.waitExposed(win)
    win.new_from_template("lead-lifecycle")
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
    qtbot.wait(1)


def answer(monkeypatch, button) -> list[str]:
    """Make the next QMessageBox.question return ``button``; collects the questions asked."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_opens_on_the_lead_lifecycle_template_with_all_parts(window):
    assert window.document.process.name.startswith("Lead lifecycle")
    assert window.document.untitled and not window.document.modified
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Process", "Simulate", "Help"]
    assert window.palette_dock.isVisible() and window.properties_dock.isVisible()
    assert window.problems_dock.isVisible()
    assert set(window.scene.node_items) == {n.id for n in window.document.process.nodes}
    assert "lead-lifecycle" in window.windowTitle().lower().replace(" ", "-") \
        or "Lead lifecycle" in window.windowTitle()


def test_new_from_template_lists_every_template(window):
    file_menu = window.menuBar().actions()[0].menu()
    templates = next(a.menu() for a in file_menu.actions() if a.text() == "New from &template")
    assert len(templates.actions()) == len(list_templates()) == 5


def test_broken_and_newer_files_show_a_dialog_and_keep_the_document(window, tmp_path,
                                                                    monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(window, "show_error", lambda title, text: shown.append((title, text)))
    before = window.document
    broken = tmp_path / "broken.lane.json"
    broken.write_text('{"format": "laneforge/process", "version": 1, "nodes": [')
    newer = tmp_path / "newer.lane.json"
    data = json.loads(template_path().read_text())
    data["version"] = 7
    newer.write_text(json.dumps(data))
    assert window.open_path(broken, confirm=False) is False
    assert window.open_path(newer, confirm=False) is False
    assert window.document is before and not before.modified
    assert "invalid JSON" in shown[0][1] and str(broken) in shown[0][1]
    assert "version" in shown[1][1] and "newer" in shown[1][1]
    assert window.isVisible()


def test_save_as_writes_the_file_and_clears_the_unsaved_mark(window, tmp_path, monkeypatch,
                                                             settings):
    target = tmp_path / "mine.lane.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.add_lane()
    assert window.document.modified and window.isWindowModified()
    assert window.save() is True
    assert target.exists() and not window.document.modified
    assert not window.isWindowModified()
    assert load_process(target) == window.document.process
    assert window.recent_files()[0] == target.resolve()
    assert "mine.lane.json" in window.windowTitle()


def test_open_reopen_and_revert(window, tmp_path):
    path = tmp_path / "copy.lane.json"
    save_process(load_process(template_path("closed-loop")), path)
    assert window.open_path(path, confirm=False)
    original = window.document.process.detached_copy()
    window.add_lane()
    assert window.document.process != original
    window.document.undo_stack.setClean()  # pretend it was saved elsewhere... then revert
    window.revert()
    assert window.document.process == original


def test_unsaved_changes_prompt_on_close_and_open(window, monkeypatch):
    window.add_lane()
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible() and asked  # cancelled: still open, changes kept
    assert window.document.modified
    window.new_document()
    assert len(asked) == 2 and window.document.modified  # cancelled again
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    window.new_document()
    assert not window.document.modified
    assert [lane.id for lane in window.document.process.lanes] == ["team"]


def test_autosave_writes_a_recovery_file_that_a_new_session_restores(window, tmp_path, qtbot,
                                                                     settings, monkeypatch):
    window.add_lane()
    edited = window.document.process.detached_copy()
    window.write_recovery()
    assert window.recovery.file.exists()
    # the session "crashes": its recovery file stays; a new window finds it
    crashed = window.recovery.file.with_name("session-999999.lane.json")
    window.recovery.file.rename(crashed)
    window.recovery.meta.rename(crashed.with_suffix(".meta"))
    fresh_store = RecoveryStore(tmp_path / "recovery")
    second = MainWindow(settings, fresh_store)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert offer_recovery(second, fresh_store) is True
    assert second.document.process == edited
    assert second.document.modified  # restored work still needs saving
    assert not crashed.exists()
    second.document.undo_stack.setClean()
    second.close()
    second.deleteLater()


def test_clean_exit_removes_the_recovery_file(window):
    window.add_lane()
    window.write_recovery()
    assert window.recovery.file.exists()
    window.document.undo_stack.setClean()
    window.close()
    assert not window.recovery.file.exists()


def test_window_layout_and_theme_are_remembered(window, settings):
    window.set_theme_mode("dark")
    window.close()
    assert settings.value("window/state") is not None
    assert settings.value("view/theme") == "dark"


def test_place_from_the_palette_then_auto_layout_in_one_undo_step(window, qtbot):
    scene, view = window.scene, window.view
    count = len(window.document.process.nodes)
    window.palette_dock.buttons["task"].click()
    assert scene.place_kind == "task"
    lane_box = scene.lane_items["marketing"].box
    target = QPointF(300, lane_box.top + lane_box.height - 40)
    view.centerOn(target)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(target))
    assert len(window.document.process.nodes) == count + 1
    assert scene.place_kind is None and not window.palette_dock.buttons["task"].isChecked()
    before = window.document.process.detached_copy()
    window.actions.by_name["layout"].trigger()
    assert window.document.undo_stack.undoText() == "Auto-layout"
    window.document.undo_stack.undo()
    assert window.document.process == before


def test_problems_dock_lists_problems_and_selects_the_item(window, qtbot):
    process = window.document.process
    edge = next(e for e in process.edges if e.probability is not None)
    from laneforge.gui.commands import SetValueCommand

    window.document.apply(SetValueCommand(
        window.document, f"edges.{edge.source}->{edge.target}.probability", 0.99, "Change"))
    qtbot.waitUntil(lambda: any(p.severity == "error"
                                for p in window.problems_dock.problems), timeout=3000)
    tree = window.problems_dock.tree
    row = next(i for i in range(tree.topLevelItemCount())
               if tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole).node == edge.source)
    tree.itemActivated.emit(tree.topLevelItem(row), 0)
    assert window.scene.selection() == Selection(nodes=(edge.source,))
    assert "error" in window.status_problems.text()


def test_status_bar_shows_the_instant_capacity_estimate(window, qtbot):
    qtbot.waitUntil(lambda: "Inside Sales" in window.status_capacity.text(), timeout=10000)
    text = window.status_capacity.text()
    assert "%" in text and "Marketing" in text
    loads = window.scene.lane_loads
    assert 0.5 < loads["inside_sales"] < 1.0
    assert window.scene.lane_items["inside_sales"].decor.load == loads["inside_sales"]


def test_edit_actions_delete_copy_paste(window):
    scene = window.scene
    scene.select(Selection(nodes=("score",)))
    window.actions.by_name["copy"].trigger()
    window.actions.by_name["paste"].trigger()
    pasted = scene.selection().nodes
    assert len(pasted) == 1 and pasted[0] != "score"
    assert window.document.process.node(pasted[0]).name == window.document.process.node(
        "score").name
    window.actions.by_name["delete"].trigger()
    assert not window.document.process.has_node(pasted[0])
    scene.select(Selection(nodes=("score",)))
    window.actions.by_name["delete"].trigger()
    assert not window.document.process.has_node("score")
    assert not any("score" in e.key for e in window.document.process.edges)
    window.document.undo_stack.undo()
    assert window.document.process.has_node("score")


def test_about_shows_versions(window, monkeypatch):
    texts: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: texts.append(self.text()) or 0)
    window.actions.by_name["about"].trigger()
    assert "SimPy" in texts[0] and "Qt" in texts[0] and "Python" in texts[0]


def test_hand_written_file_without_positions_gets_a_layout(window, tmp_path):
    data = json.loads(Path("tests/data/reference-funnel.lane.json").read_text())
    for node in data["nodes"]:
        node.pop("pos")
    path = tmp_path / "nopos.lane.json"
    path.write_text(json.dumps(data))
    assert window.open_path(path, confirm=False)
    assert all(n.pos is not None for n in window.document.process.nodes)


def test_inline_rename_by_double_click(window, qtbot):
    from laneforge.gui.canvas.view import DiagramView

    view: DiagramView = window.view
    item = window.scene.node_items["score"]
    view.centerOn(item)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, view.mapFromScene(item.pos()))
    editor = view._editor
    assert editor is not None and editor.text() == "Score lead"
    editor.selectAll()
    QTest.keyClicks(editor, "Score and grade")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    process = window.document.process
    assert process.node("score").name == "Score and grade"  # a hand-set id stays
    assert window.document.undo_stack.undoText() == "Rename 'Score lead' to 'Score and grade'"


def test_drop_from_the_palette_places_a_node(window):
    from PySide6.QtCore import QByteArray, QMimeData
    from PySide6.QtGui import QDropEvent

    from laneforge.gui.canvas.view import PALETTE_MIME

    view = window.view
    lane = window.scene.lane_items["success"].box
    target = QPointF(200, lane.top + 60)
    view.centerOn(target)
    mime = QMimeData()
    mime.setData(PALETTE_MIME, QByteArray(b"delay"))
    event = QDropEvent(QPointF(view.mapFromScene(target)), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    count = len(window.document.process.nodes)
    view.dropEvent(event)
    process = window.document.process
    assert len(process.nodes) == count + 1
    node = process.nodes[-1]
    assert node.kind == "delay" and node.lane == "success"
    assert node.pos == (200, 60)


def test_edits_from_canvas_properties_and_scenarios_undo_in_order_through_one_stack(
        window, qtbot):
    """A drag on the canvas, a property edit and a scenario edit land on the document's one
    undo stack, and Edit ▸ Undo takes them back newest first."""
    document, scene, view = window.document, window.scene, window.view
    process = document.process
    original = process.detached_copy()
    # 1. the canvas: drag "Qualify (BANT)" to the right
    item = scene.node_items["qualify"]
    view.centerOn(item)
    start = item.sceneBoundingRect().center()
    a, b = view.mapFromScene(start), view.mapFromScene(start + QPointF(60, 0))
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for step in range(1, 7):
        QTest.mouseMove(view.viewport(), a + (b - a) * step / 6)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, b)
    moved = process.node("qualify").pos
    assert moved is not None and moved[0] > original.node("qualify").pos[0] + 30
    # 2. the properties dock: rename the node
    window.select_and_show(Selection(nodes=("first_call",)))
    name = window.properties_dock.node_editor.name
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "Speed call")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert any(n.name == "Speed call" for n in process.nodes)
    # 3. the scenarios dock: a scenario's description
    scenarios = window.simulation.scenarios_dock
    scenarios.scenario_list.setCurrentItem(scenarios.scenario_list.item_named("Hire 2 SDRs"))
    description = scenarios.editor.description
    description.setFocus()
    description.selectAll()
    qtbot.keyClicks(description, "Two more SDRs")
    qtbot.keyClick(description, Qt.Key.Key_Return)
    assert process.scenario("Hire 2 SDRs").description == "Two more SDRs"

    stack = document.undo_stack
    assert [stack.text(i) for i in range(stack.count())] == [
        "Move 'Qualify (BANT)'", "Rename 'First call' to 'Speed call'",
        "Change description of scenario 'Hire 2 SDRs'"]
    assert window.actions.undo_group.activeStack() is stack
    undo = window.actions.by_name["undo"]
    undo.trigger()
    assert process.scenario("Hire 2 SDRs").description == \
        original.scenario("Hire 2 SDRs").description
    assert any(n.name == "Speed call" for n in process.nodes)
    undo.trigger()
    assert process.node("first_call").name == "First call"
    assert process.node("qualify").pos == moved
    undo.trigger()
    assert process == original
    assert not document.modified
