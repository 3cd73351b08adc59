"""Finding your way: the first view of a process, the overview map, and Edit ▸ Find."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from laneforge.gui.canvas.view import READABLE_ZOOM
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.selection import Selection

pytestmark = pytest.mark.gui

LANES = [("marketing", "Marketing"), ("inside_sales", "Inside Sales"),
         ("field_sales", "Field Sales")]


def small_process() -> dict:
    return {
        "format": "laneforge/process", "version": 1, "name": "Small desk",
        "lanes": [{"id": "desk", "name": "Desk", "staff": 1}],
        "nodes": [
            {"id": "leads", "kind": "source", "lane": "desk", "name": "Leads",
             "arrivals": {"rate": "5/h"}, "pos": [40, 80]},
            {"id": "call", "kind": "task", "lane": "desk", "name": "Call", "duration": "10m",
             "pos": [240, 80]},
            {"id": "done", "kind": "end", "lane": "desk", "name": "Done", "outcome": "won",
             "pos": [440, 80]},
        ],
        "edges": [{"from": "leads", "to": "call"}, {"from": "call", "to": "done"}],
    }


def wide_process(steps: int = 36) -> dict:
    """A chain of tasks zig-zagging over three lanes, far wider than any window."""
    nodes = [{"id": "leads", "kind": "source", "lane": "marketing", "name": "Inbound leads",
              "arrivals": {"rate": "5/h"}, "pos": [40, 80]}]
    for i in range(1, steps + 1):
        lane = LANES[i % 3][0]
        nodes.append({"id": f"step_{i}", "kind": "task", "lane": lane, "name": f"Step {i}",
                      "duration": "5m", "pos": [40 + 220 * i, 80]})
    nodes.append({"id": "won", "kind": "end", "lane": LANES[(steps + 1) % 3][0],
                  "name": "Closed won", "outcome": "won", "pos": [40 + 220 * (steps + 1), 80]})
    ids = [n["id"] for n in nodes]
    for index, node in enumerate(nodes):
        node["phase"] = "intake" if index <= 5 else "closing"
    return {
        "format": "laneforge/process", "version": 1, "name": "Long relay",
        "phases": [{"id": "intake", "name": "Lead intake"},
                   {"id": "closing", "name": "Working the deal"}],
        "lanes": [{"id": i, "name": name, "staff": 4} for i, name in LANES],
        "nodes": nodes,
        "edges": [{"from": a, "to": b} for a, b in itertools.pairwise(ids)],
        "slas": [{"id": "handover", "name": "Handover within a day", "from": "step_4",
                  "to": "step_5", "within": "1d", "clock": "elapsed"}],
    }


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path, settings, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
    qtbot.wait(1)


def open_data(window, qtbot, tmp_path: Path, data: dict) -> None:
    path = tmp_path / f"{data['name'].replace(' ', '-').lower()}.lane.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_path(path, confirm=False)
    qtbot.waitUntil(lambda: window.view.auto_view)  # the first view runs from the event loop
    qtbot.wait(10)


# --- first view ------------------------------------------------------------------------------


def test_a_small_process_is_shown_whole_and_the_overview_stays_hidden(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, small_process())
    view = window.view
    assert view.shows_whole()
    assert READABLE_ZOOM <= view.zoom <= 1.0
    assert view.visible_scene_rect().adjusted(-1, -1, 1, 1).contains(view.content_rect())
    assert not view.overview.isVisible()


def test_a_wide_process_starts_at_the_left_with_every_lane_at_a_readable_zoom(window, qtbot,
                                                                           tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view = window.view
    content, shown = view.content_rect(), view.visible_scene_rect()
    assert view.whole_zoom() < READABLE_ZOOM  # the whole would be unreadable...
    assert view.zoom >= READABLE_ZOOM - 1e-9  # ...so it is not squeezed in
    assert view.zoom == pytest.approx(
        min(1.0, max(READABLE_ZOOM, view.viewport().height() / content.height())), rel=1e-6)
    assert abs(shown.left() - content.left()) < 2  # the flow's start, lane headers included
    assert shown.top() <= content.top() + 2 and shown.bottom() >= content.bottom() - 2
    assert shown.contains(window.scene.node_items["leads"].sceneBoundingRect())
    assert not shown.contains(window.scene.node_items["won"].sceneBoundingRect())
    assert view.overview.isVisible()


def test_resizing_reapplies_the_rule_until_the_user_zooms(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view = window.view
    window.resize(1100, 620)
    qtbot.waitUntil(lambda: view.viewport().height() < 560)
    content = view.content_rect()
    expected = min(1.0, max(READABLE_ZOOM, view.viewport().height() / content.height()))
    assert view.zoom == pytest.approx(expected, rel=1e-6)
    assert abs(view.visible_scene_rect().left() - content.left()) < 2

    view.zoom_in()
    zoomed = view.zoom
    assert not view.auto_view
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: view.viewport().height() > 600)
    assert view.zoom == pytest.approx(zoomed)


def test_panning_by_the_scroll_bar_stops_the_automatic_view(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view = window.view
    view.horizontalScrollBar().triggerAction(view.horizontalScrollBar().SliderAction
                                             .SliderPageStepAdd)
    assert not view.auto_view


# --- overview --------------------------------------------------------------------------------


def test_the_overview_rectangle_follows_the_view(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view, overview = window.view, window.view.overview
    assert overview.renders >= 1

    def rect_centre_in_scene() -> QPointF:
        return overview.to_scene(overview.visible_rect().center())

    start = rect_centre_in_scene()
    assert start.x() == pytest.approx(view.visible_scene_rect().center().x(), abs=12)
    renders = overview.renders
    bar = view.horizontalScrollBar()
    bar.setValue(bar.value() + 1500)
    moved = rect_centre_in_scene()
    assert moved.x() - start.x() == pytest.approx(1500 / view.zoom, abs=12)
    assert moved.x() == pytest.approx(view.visible_scene_rect().center().x(), abs=12)
    width = overview.visible_rect().width()
    view.zoom_in()
    assert overview.visible_rect().width() < width  # zooming in shows less
    assert overview.renders == renders  # scrolling and zooming reuse the cached picture


def test_a_click_in_the_overview_pans_the_view_there(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view, overview = window.view, window.view.overview
    target = overview.to_overview(window.scene.node_items["step_20"].sceneBoundingRect()
                                  .center())
    QTest.mouseClick(overview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     target.toPoint())
    centre = view.visible_scene_rect().center()
    expected = overview.to_scene(QPointF(target.toPoint()))
    assert centre.x() == pytest.approx(expected.x(), abs=4)
    assert view.visible_scene_rect().contains(window.scene.node_items["step_20"]
                                              .sceneBoundingRect())
    assert not view.auto_view


def test_dragging_the_overview_rectangle_moves_the_view_by_as_much(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    view, overview = window.view, window.view.overview
    grip = overview.visible_rect().center().toPoint()
    before = view.visible_scene_rect().center()
    QTest.mousePress(overview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grip)
    QTest.mouseMove(overview, grip + QPoint(40, 0))
    QTest.mouseRelease(overview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       grip + QPoint(40, 0))
    after = view.visible_scene_rect().center()
    scale = overview.visible_rect().width() / view.visible_scene_rect().width()
    assert after.x() - before.x() == pytest.approx(40 / scale, rel=0.1)


def test_the_overview_is_drawn_again_after_an_edit_and_follows_the_theme(window, qtbot,
                                                                        tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    overview = window.view.overview
    renders = overview.renders
    window.apply_rename("node", "step_3", "Renamed step")
    qtbot.waitUntil(lambda: overview.renders > renders, timeout=2000)
    light = overview.grab().toImage().pixelColor(3, overview.height() // 2)
    window.set_theme_mode("dark")
    qtbot.waitUntil(lambda: overview.renders > renders + 1, timeout=2000)
    dark = overview.grab().toImage().pixelColor(3, overview.height() // 2)
    assert dark.lightness() < 80 < light.lightness()


def test_the_view_menu_turns_the_overview_off_and_remembers(window, qtbot, tmp_path, settings):
    open_data(window, qtbot, tmp_path, wide_process())
    action = window.actions.by_name["overview"]
    assert action.isCheckable() and action.isChecked()
    assert action in window.menuBar().actions()[2].menu().actions()
    action.trigger()
    assert not window.view.overview.isVisible()
    assert settings.value("view/overview", type=bool) is False
    window.view.zoom_out()
    assert not window.view.overview.isVisible()
    action.trigger()
    assert window.view.overview.isVisible()


def test_the_results_legend_stacks_above_the_overview(window, qtbot, tmp_path):
    from PySide6.QtGui import QColor

    open_data(window, qtbot, tmp_path, wide_process())
    view = window.view
    view.set_legend([(QColor(0, 0, 0, 0), "Wait per node"), (QColor("#E8A317"), "over 1 h")])
    assert view.overview.isVisible()
    legend = view.legend_rect().translated(view.viewport().geometry().topLeft())
    assert legend.bottom() < view.overview.geometry().top()
    assert legend.right() <= view.viewport().geometry().right()
    window.actions.by_name["overview"].trigger()
    assert view.legend_rect().bottom() == pytest.approx(view.viewport().height() - 14)


# --- find ------------------------------------------------------------------------------------


def open_find(window, qtbot):
    window.actions.by_name["find"].trigger()
    bar = window.find_bar
    qtbot.waitUntil(bar.edit.hasFocus)
    return bar


def test_find_is_in_the_edit_menu_with_the_standard_shortcuts(window):
    from PySide6.QtGui import QKeySequence

    edit_menu = window.menuBar().actions()[1].menu()
    names = {a.text().replace("&", "") for a in edit_menu.actions()}
    assert {"Find…", "Find next", "Find previous"} <= names
    keys = window.actions.by_name
    assert keys["find"].shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert keys["find"].shortcut().toString() == "Ctrl+F"
    assert keys["find_next"].shortcut() == QKeySequence(QKeySequence.StandardKey.FindNext)
    assert keys["find_previous"].shortcut() == QKeySequence(
        QKeySequence.StandardKey.FindPrevious)


def test_ctrl_f_opens_the_bar_and_escape_closes_it(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    QTest.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    qtbot.waitUntil(bar.edit.hasFocus)
    assert bar.isVisible()
    # top-right corner of the canvas, inside it
    assert bar.geometry().right() <= window.view.viewport().geometry().right()
    assert bar.geometry().top() >= window.view.viewport().geometry().top()
    QTest.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.view.hasFocus()


def test_typing_finds_a_node_by_name_selects_and_centres_it(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "step 2")  # Step 2, Step 20 ... Step 29
    assert [m.id for m in bar.matches] == ["step_2"] + [f"step_{i}" for i in range(20, 30)]
    assert bar.status.text() == "1 of 11"
    QTest.keyClicks(bar.edit, "5")
    assert bar.status.text() == "1 of 1"
    assert window.scene.selection() == Selection(nodes=("step_25",))
    item = window.scene.node_items["step_25"].sceneBoundingRect()
    clear = window.view.clear_scene_rect()  # beside the sticky lane headers
    assert clear.width() < window.view.visible_scene_rect().width()
    assert clear.center().x() == pytest.approx(item.center().x(), abs=2)
    assert clear.contains(item)
    content, shown = window.view.content_rect(), window.view.visible_scene_rect()
    assert shown.top() <= content.top() + 2 and shown.bottom() >= content.bottom() - 2
    assert bar.edit.hasFocus()  # typing goes on in the bar


def test_find_by_id_and_cycling_with_enter_f3_and_shift(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "step_1")  # step_1, step_10 ... step_19
    assert len(bar.matches) == 11 and bar.status.text() == "1 of 11"

    def selected() -> str:
        return window.scene.selection().nodes[0]

    QTest.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.status.text() == "2 of 11" and selected() == "step_10"
    QTest.keyClick(bar.edit, Qt.Key.Key_F3)
    assert bar.status.text() == "3 of 11" and selected() == "step_11"
    QTest.keyClick(bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.status.text() == "2 of 11"
    QTest.keyClick(bar.edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(bar.edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert bar.status.text() == "11 of 11" and selected() == "step_19"  # wraps around
    QTest.keyClick(bar.edit, Qt.Key.Key_Enter)
    assert bar.status.text() == "1 of 11" and selected() == "step_1"
    assert window.view.visible_scene_rect().contains(
        window.scene.node_items["step_1"].sceneBoundingRect())


def test_lanes_and_slas_are_found_and_selected(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "field")
    assert bar.status.text() == "1 of 1"
    assert window.scene.selection() == Selection(lanes=("field_sales",))
    bar.edit.setText("handover")
    assert window.scene.selection() == Selection(nodes=("step_4", "step_5"))
    shown = window.view.clear_scene_rect()
    for node in ("step_4", "step_5"):
        assert shown.contains(window.scene.node_items[node].sceneBoundingRect())
    assert bar.status.toolTip() == "SLA 'Handover within a day'"


def test_a_phase_selects_its_nodes(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "lead intake")
    assert [m.kind for m in bar.matches] == ["phase"]
    assert window.scene.selection() == Selection(
        nodes=("leads", "step_1", "step_2", "step_3", "step_4", "step_5"))


def test_no_match_is_said_in_a_muted_style(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    window.scene.select(Selection(nodes=("step_3",)))
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "xq")
    assert bar.matches == [] and bar.status.text() == "No match"
    assert bar.status.foregroundRole() == QPalette.ColorRole.PlaceholderText
    assert window.scene.selection() == Selection(nodes=("step_3",))  # nothing changed
    bar.edit.clear()
    assert bar.status.text() == ""


def test_a_zoomed_out_view_zooms_in_to_show_the_match(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    window.view.fit()
    assert window.view.zoom < READABLE_ZOOM
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "closed won")
    assert window.view.zoom == pytest.approx(READABLE_ZOOM)
    shown = window.view.visible_scene_rect()
    assert shown.contains(window.scene.node_items["won"].sceneBoundingRect())
    # the last node: the view stops at the diagram's right edge instead of centring on it
    assert shown.right() == pytest.approx(window.view.content_rect().right(), abs=2)


def test_the_count_follows_renames_while_the_bar_is_open(window, qtbot, tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "closed")
    assert bar.status.text() == "1 of 1"
    window.apply_rename("node", "step_7", "Closed lost")
    assert bar.status.text() == "2 of 2"  # the current match stays; the new one is before it
    window.document.undo_stack.undo()
    assert bar.status.text() == "1 of 1"


def test_f3_on_the_canvas_reopens_the_last_search_and_esc_there_closes_it(window, qtbot,
                                                                        tmp_path):
    open_data(window, qtbot, tmp_path, wide_process())
    bar = open_find(window, qtbot)
    QTest.keyClicks(bar.edit, "step 3")  # Step 3, Step 30 ... Step 36
    QTest.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.view.hasFocus()
    QTest.keyClick(window.view, Qt.Key.Key_F3)
    assert bar.isVisible() and bar.status.text() == "2 of 8"
    assert window.scene.selection() == Selection(nodes=("step_30",))
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.scene.selection() == Selection(nodes=("step_30",))  # the match stays
