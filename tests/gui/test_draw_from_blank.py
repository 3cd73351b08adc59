"""Issue 4's "done when": from a blank document, a user draws the lead-qualification template's
process with the mouse and the properties dock only, saves it, reopens it and gets the same model.

The template file is read only as the list of what to draw and as the expected result. Every
change goes through what a user touches: the palette, clicks, double-clicks and drags on the
canvas, and the fields, buttons and lists of the properties dock. Nothing here sets model
values or pushes undo commands itself.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.canvas.edge_item import EdgeItem
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.properties.base import is_invalid
from laneforge.gui.properties.distribution import PARAMS, DistributionEditor
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.selection import Selection
from laneforge.io import process_from_data
from laneforge.model import Process

pytestmark = pytest.mark.gui

TEMPLATE = Path(__file__).resolve().parents[2] / "processes" / "lead-qualification.lane.json"
LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch) -> Iterator[MainWindow]:
    # no dialog may ever wait for a click in a test
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.show()
    win.resize(1800, 1100)  # a desktop-sized window (the offscreen screen is small)
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitActive(win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
    qtbot.wait(1)


def expected_process() -> Process:
    """The template without its scenarios (what-ifs of the scenario panel, not drawing)."""
    data = json.loads(TEMPLATE.read_text())
    data.pop("scenarios", None)
    return process_from_data(data)


def differences(got: Any, want: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, one line per difference (for a readable failure)."""
    if isinstance(got, dict) and isinstance(want, dict):
        lines = []
        for key in [*want, *(k for k in got if k not in want)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in got:
                lines.append(f"{where}: missing, expected {want[key]!r}")
            elif key not in want:
                lines.append(f"{where}: {got[key]!r} is not expected")
            else:
                lines += differences(got[key], want[key], where)
        return lines
    if isinstance(got, list) and isinstance(want, list):
        lines = []
        for index, (a, b) in enumerate(zip(got, want, strict=False)):
            name = (b.get("id") or (f"{b.get('from')}->{b.get('to')}" if "from" in b else index)
                    if isinstance(b, dict) else index)
            lines += differences(a, b, f"{path}[{name}]")
        if len(got) != len(want):
            lines.append(f"{path}: {len(got)} items, expected {len(want)}")
        return lines
    return [f"{path}: {got!r}, expected {want!r}"] if got != want else []


def assert_same(got: Process, want: Process, when: str) -> None:
    """``got == want`` (the same file content), failing with a list of the differences."""
    lines = differences(got.to_data(), want.to_data())
    assert got == want, f"{when}, the model is not the expected one:\n  " + "\n  ".join(
        lines or ["(to_data() is equal; Process.__eq__ disagrees)"])


def in_file(process: Process, section: str, key: Any = None) -> Any:
    """What the saved file would hold for a section, or for one item of it (by id or ends)."""
    value = process.to_data().get(section)
    if key is None:
        return value
    for item in value or []:
        if item.get("id", (item.get("from"), item.get("to"))) == key:
            return item
    return None


# --- the user's hands ----------------------------------------------------------------------


class User:
    """Mouse and keyboard on the main window: the canvas, the palette and the docks."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dock = window.properties_dock

    @property
    def view(self) -> DiagramView:
        return self.window.view

    @property
    def scene(self) -> DiagramScene:
        return self.window.scene

    @property
    def process(self) -> Process:
        return self.window.document.process

    def settle(self) -> None:
        """Let queued work run (the dock refreshes on a zero-time timer), as between clicks."""
        for _ in range(2):
            QApplication.processEvents()

    # --- the canvas --------------------------------------------------------------------
    def scroll_to(self, *points: QPointF) -> None:
        """Scroll the view (as with its scroll bars) until all ``points`` are well inside."""
        self.settle()  # the scroll bars follow a grown scene after queued updates
        inside = QRectF(self.view.viewport().rect()).adjusted(30, 30, -30, -30)
        if all(inside.contains(QPointF(self.view.mapFromScene(p))) for p in points):
            return
        x = sum(p.x() for p in points) / len(points)
        y = sum(p.y() for p in points) / len(points)
        self.view.centerOn(QPointF(x, y))
        bars = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        assert all(inside.contains(QPointF(self.view.mapFromScene(p))) for p in points), (
            f"cannot scroll to {[(p.x(), p.y()) for p in points]}: the scroll bars reach "
            f"{[(b.minimum(), b.maximum()) for b in bars]}, the scene is "
            f"{self.scene.sceneRect()}, the viewport {self.view.viewport().size()}")

    def click_canvas(self, at: QPointF) -> None:
        self.scroll_to(at)
        QTest.mouseClick(self.view.viewport(), LEFT, NO_KEYS, self.view.mapFromScene(at))
        self.settle()

    def double_click_canvas(self, at: QPointF) -> None:
        """Press, release, double-click, release: what the window system sends (QTest's
        mouseDClick alone sends no release, so the scene would keep a mouse grabber)."""
        self.scroll_to(at)
        pixel = self.view.mapFromScene(at)
        viewport = self.view.viewport()
        QTest.mouseClick(viewport, LEFT, NO_KEYS, pixel)
        QTest.mouseDClick(viewport, LEFT, NO_KEYS, pixel)
        QTest.mouseRelease(viewport, LEFT, NO_KEYS, pixel)
        self.settle()

    def drag_canvas(self, start: QPointF, end: QPointF, steps: int = 8) -> None:
        self.scroll_to(start, end)
        a, b = self.view.mapFromScene(start), self.view.mapFromScene(end)
        viewport = self.view.viewport()
        QTest.mousePress(viewport, LEFT, NO_KEYS, a)
        for i in range(1, steps + 1):
            QTest.mouseMove(viewport, QPoint(a.x() + (b.x() - a.x()) * i // steps,
                                             a.y() + (b.y() - a.y()) * i // steps))
        QTest.mouseRelease(viewport, LEFT, NO_KEYS, b)
        self.settle()

    def type_inline(self, text: str) -> None:
        """Type into the canvas's in-place editor (opened by a double-click) and press Enter."""
        editor = QApplication.focusWidget()  # where the typing goes
        assert isinstance(editor, QLineEdit) and editor.objectName() == "inlineEditor", \
            "no in-place editor opened"
        editor.selectAll()
        QTest.keyClicks(editor, text)
        QTest.keyClick(editor, Qt.Key.Key_Return)
        self.settle()

    def lane_top(self, lane_id: str) -> float:
        return self.scene.lane_items[lane_id].box.top

    def select_nothing(self) -> None:
        """Click on the empty canvas below the lanes: the dock shows the whole process."""
        bottom = max(item.box.rect.bottom for item in self.scene.lane_items.values())
        self.click_canvas(QPointF(300, bottom + 40))
        assert self.scene.selection() == Selection()
        assert self.dock.current is self.dock.process_editor

    def select_lane(self, lane_id: str) -> None:
        """Click on the lane's header."""
        self.click_canvas(self.scene.lane_items[lane_id].header_rect().center())
        assert self.scene.selection() == Selection(lanes=(lane_id,))
        assert self.dock.current is self.dock.lane_editor

    def select_node(self, node_id: str) -> None:
        self.click_canvas(self.scene.node_items[node_id].pos())
        assert self.scene.selection() == Selection(nodes=(node_id,))
        assert self.dock.current is self.dock.node_editor

    def edge_point(self, key: tuple[str, str]) -> QPointF:
        """A point of the connection's line where no other item lies on top of it."""
        route = self.scene.edge_items[key].route.points
        segments = sorted(itertools.pairwise(route),
                          key=lambda s: -abs(s[1][0] - s[0][0]) - abs(s[1][1] - s[0][1]))
        for (x1, y1), (x2, y2) in segments:
            for t in (0.5, 0.35, 0.65, 0.2, 0.8):
                point = QPointF(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
                items = self.scene.items(point, Qt.ItemSelectionMode.IntersectsItemShape,
                                         Qt.SortOrder.DescendingOrder, self.view.transform())
                top = next((i for i in items if i.flags() & i.GraphicsItemFlag.ItemIsSelectable),
                           None)
                if isinstance(top, EdgeItem) and top.key == key:
                    return point
        raise AssertionError(f"no free point to click on the connection {key}")

    def select_edge(self, key: tuple[str, str]) -> None:
        self.click_canvas(self.edge_point(key))
        assert self.scene.selection() == Selection(edges=(key,))
        assert self.dock.current is self.dock.edge_editor

    # --- the docks -----------------------------------------------------------------------
    def reachable(self, widget: QWidget) -> None:
        assert widget.isVisibleTo(self.window) and widget.isEnabled(), \
            f"{widget.objectName() or type(widget).__name__} is not shown or not enabled"

    def click(self, button: QAbstractButton) -> None:
        self.reachable(button)
        QTest.mouseClick(button, LEFT)
        self.settle()

    def type_into(self, edit: QLineEdit, text: str) -> None:
        """Select all, type, press Enter: what a user does to replace a field's text."""
        self.reachable(edit)
        edit.setFocus()
        edit.selectAll()
        if text:
            QTest.keyClicks(edit, text)
        else:
            QTest.keyClick(edit, Qt.Key.Key_Delete)
        QTest.keyClick(edit, Qt.Key.Key_Return)
        self.settle()

    def set_spin(self, spin: QAbstractSpinBox, value: float) -> None:
        """Type a number into a spin box and press Enter."""
        self.reachable(spin)
        spin.setFocus()
        spin.selectAll()
        QTest.keyClicks(spin, spin.textFromValue(value))  # type: ignore[attr-defined]
        QTest.keyClick(spin, Qt.Key.Key_Return)
        self.settle()
        assert spin.value() == pytest.approx(value), spin.objectName()  # type: ignore[attr-defined]

    def choose(self, combo: QComboBox, data: Any = None, *, text: str | None = None) -> None:
        """Open a drop-down list and click the entry (scrolling the list to it first)."""
        self.reachable(combo)
        index = combo.findText(text) if text is not None else combo.findData(data)
        assert index >= 0, f"{text or data!r} is not offered in {combo.objectName()}"
        # open the list from the keyboard (F4): a click would open it too, but the list
        # ignores a click that follows the opening one within a double-click interval
        combo.setFocus()
        QTest.keyClick(combo, Qt.Key.Key_F4)
        self.settle()
        popup = combo.view()
        assert popup.isVisible(), f"the list of {combo.objectName()} did not open"
        item = combo.model().index(index, 0)
        popup.scrollTo(item)
        QTest.mouseClick(popup.viewport(), LEFT, NO_KEYS, popup.visualRect(item).center())
        self.settle()
        assert not popup.isVisible() and combo.currentIndex() == index

    def open_section(self, page: QWidget) -> None:
        """Click the heading of a collapsed section of the process editor to open it."""
        section = self.dock.process_editor.sections[page]
        if not section.expanded:
            self.click(section.button)
        assert page.isVisibleTo(self.window)

    def no_errors(self) -> None:
        """No field of the shown editor is marked invalid (every typed value was taken)."""
        marked = [w.objectName() or type(w).__name__
                  for w in self.dock.findChildren(QWidget)
                  if is_invalid(w) and w.isVisibleTo(self.dock)]
        assert not marked, f"fields marked invalid: {marked}"


# --- drawing steps ---------------------------------------------------------------------------


def set_up_process(user: User, data: dict[str, Any]) -> None:
    """Process-level settings: general, calendars, stages, phases, attributes (SLAs later)."""
    user.select_nothing()
    editor = user.dock.process_editor
    general = editor.general
    user.type_into(general.name, data["name"])
    # a long description is pasted, then the user tabs out of the box
    QApplication.clipboard().setText(data["description"])
    user.reachable(general.description)
    general.description.setFocus()
    QTest.keyClick(general.description, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(general.description, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(general.description, Qt.Key.Key_Tab)
    user.settle()
    assert user.process.description == data["description"]
    simulation = data["simulation"]
    user.type_into(general.fields["horizon"], simulation["horizon"])
    user.type_into(general.fields["warmup"], simulation["warmup"])
    user.set_spin(general.seed, simulation["seed"])
    assert in_file(user.process, "simulation") == simulation

    calendars = editor.calendars
    user.open_section(calendars)
    for key, calendar in data["calendars"].items():
        user.click(calendars.add_button)
        user.type_into(calendars.id, key)
        if "days" in calendar:
            user.type_into(calendars.days, calendar["days"])
        user.type_into(calendars.hours, calendar["hours"])
        user.type_into(calendars.holidays, ", ".join(calendar.get("holidays", [])))
    assert in_file(user.process, "calendars") == data["calendars"]

    stages = editor.stages
    user.open_section(stages)
    for stage in data["stages"]:
        user.click(stages.add_button)  # adds "New stage" and opens its name for typing
        name_editor = QApplication.focusWidget()
        assert isinstance(name_editor, QLineEdit) and stages.list.isAncestorOf(name_editor)
        name_editor.selectAll()
        QTest.keyClicks(name_editor, stage)
        QTest.keyClick(name_editor, Qt.Key.Key_Return)
        user.settle()
    assert user.process.stages == data["stages"]

    phases = editor.phases
    user.open_section(phases)
    for phase in data.get("phases", []):
        user.click(phases.add_button)  # adds "New phase" and opens its name for typing
        name_editor = QApplication.focusWidget()
        assert isinstance(name_editor, QLineEdit) and phases.list.isAncestorOf(name_editor)
        name_editor.selectAll()
        QTest.keyClicks(name_editor, phase["name"])
        QTest.keyClick(name_editor, Qt.Key.Key_Return)
        user.settle()
        user.type_into(phases.id_edit, phase["id"])
    assert in_file(user.process, "phases") == data.get("phases")

    attributes = editor.attributes
    user.open_section(attributes)
    for name, spec in data["attributes"].items():
        user.click(attributes.add_button)
        user.type_into(attributes.name, name)
        if isinstance(spec, dict):
            kind = "choices" if "choices" in spec else "number"
            user.choose(attributes.kind, kind)
            values = spec["choices"] if kind == "choices" else spec
            user.type_into(attributes.value, ", ".join(f"{k}: {v}" for k, v in values.items()))
        else:
            user.type_into(attributes.value, json.dumps(spec))
        user.no_errors()
    assert in_file(user.process, "attributes") == data["attributes"]


def set_up_lane(user: User, lane: dict[str, Any], monkeypatch) -> None:
    """Staff, calendar, cost, colour (from the colour dialog) and height of a selected lane."""
    editor = user.dock.lane_editor
    user.set_spin(editor.staff, lane["staff"])
    user.choose(editor.calendar, lane["calendar"])
    user.type_into(editor.cost, str(lane["cost_per_hour"]))
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor(lane["color"]))
    user.click(editor.color)
    user.set_spin(editor.height, lane["height"])
    user.no_errors()
    assert in_file(user.process, "lanes", lane["id"]) == lane


def draw_lanes(user: User, lanes: list[dict[str, Any]], monkeypatch) -> None:
    first = lanes[0]
    # the blank document's lane "Team" is renamed in place: double-click its header
    user.double_click_canvas(user.scene.lane_items["team"].header_rect().center())
    user.type_inline(first["name"])
    assert [lane.id for lane in user.process.lanes] == [first["id"]]  # the id followed
    user.select_lane(first["id"])
    set_up_lane(user, first, monkeypatch)
    for lane in lanes[1:]:
        user.click(user.window.palette_dock.lane_button)  # adds "Lane N" and selects it
        assert user.dock.current is user.dock.lane_editor
        user.type_into(user.dock.lane_editor.name, lane["name"])
        assert user.process.lanes[-1].id == lane["id"]  # the generated id followed the name
        # the id changed, and the canvas lost the selection with it (the dock falls back to
        # the process): click the lane again
        user.select_lane(lane["id"])
        set_up_lane(user, lane, monkeypatch)


def place_node(user: User, kind: str, lane: str, pos: list[float]) -> str:
    """Palette button, then a click on the canvas where the node goes; returns the new id."""
    before = {n.id for n in user.process.nodes}
    user.click(user.window.palette_dock.buttons[kind])
    assert user.scene.place_kind == kind
    user.click_canvas(QPointF(pos[0], user.lane_top(lane) + pos[1]))
    (new_id,) = {n.id for n in user.process.nodes} - before
    node = user.process.node(new_id)
    assert (node.kind, node.lane, node.pos) == (kind, lane, tuple(pos))
    assert user.scene.selection() == Selection(nodes=(new_id,))  # a new node is selected
    return new_id


def name_node(user: User, node_id: str, name: str, wanted_id: str) -> None:
    """Double-click the node and type its name; then type the id in the dock if it differs."""
    user.double_click_canvas(user.scene.node_items[node_id].pos())
    user.type_inline(name)
    node_id = user.process.nodes[-1].id  # a generated id follows the new name
    if node_id != wanted_id:
        # a changed id loses the canvas selection (the dock shows the process): click again
        user.select_node(node_id)
        user.type_into(user.dock.node_editor.id, wanted_id)
    assert user.process.nodes[-1].id == wanted_id
    assert user.process.node(wanted_id).name == name


def set_duration(user: User, editor: DistributionEditor, spec: Any) -> None:
    """Pick the distribution, then type each of its parameters (Enter after each)."""
    family = spec["dist"] if isinstance(spec, dict) else "fixed"
    if editor.family.currentData() != family:
        user.choose(editor.family, family)
    for (key, _label, _tip), field in zip(PARAMS[family], editor.fields, strict=False):
        user.type_into(field, str(spec[key] if isinstance(spec, dict) else spec))
    # a new range typed shortest first may be marked until the last field is entered;
    # by then the three fields agree and the value is taken
    assert not any(is_invalid(f) for f in editor.fields)


def set_arrivals(user: User, arrivals: dict[str, Any]) -> None:
    part = user.dock.node_editor.part
    (stream,) = part.streams
    if "batch" in arrivals:
        user.choose(stream.type, "batch")
        user.set_spin(stream.batch, arrivals["batch"])
        user.type_into(stream.first, arrivals["first"])
        user.type_into(stream.every, arrivals["every"])
    else:
        user.type_into(stream.rate, arrivals["rate"])
        profile = arrivals.get("profile", {})
        for day, spin in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), stream.profile,
                             strict=True):
            if day in profile:
                user.set_spin(spin, profile[day])


def set_pairs(user: User, pairs, wanted: dict[str, Any], text) -> None:
    """Rows of (attribute, value): Add, pick the attribute if another is proposed, type."""
    for index, (key, value) in enumerate(wanted.items()):
        user.click(pairs.add_button)
        assert pairs.row_count() == index + 1
        row = pairs.rows[index]
        if row.key.currentText() != key:
            user.choose(row.key, text=key)
        user.type_into(row.value, text(value))


def spec_text(spec: Any) -> str:
    values = spec["choices"] if isinstance(spec, dict) and "choices" in spec else spec
    return ", ".join(f"{k}: {v}" for k, v in values.items())


def set_up_node(user: User, node: dict[str, Any]) -> None:
    """The node is selected: its stage and its kind's own fields."""
    editor = user.dock.node_editor
    assert editor.node_id == node["id"]
    part = editor.part
    if "stage" in node:
        user.choose(editor.stage, node["stage"])
    if "phase" in node:
        user.choose(editor.phase, node["phase"])
    if "arrivals" in node:
        set_arrivals(user, node["arrivals"])
    if "attributes" in node:
        set_pairs(user, part.overrides, node["attributes"], spec_text)
    if "duration" in node:
        set_duration(user, part.duration, node["duration"])
    if "priority" in node:
        user.type_into(part.priority, str(node["priority"]))
    if "set" in node:
        set_pairs(user, part.updates, node["set"], str)
    if "outcome" in node:
        user.type_into(part.outcome.lineEdit(), node["outcome"])
    user.no_errors()
    assert in_file(user.process, "nodes", node["id"]) == node


def connect(user: User, source: str, target: str) -> None:
    """Drag from the source's handle onto the target."""
    item = user.scene.node_items[source]
    user.drag_canvas(item.mapToScene(item.handle_center()), user.scene.node_items[target].pos())
    assert any(e.key == (source, target) for e in user.process.edges), \
        f"dragging from {source} to {target} did not connect them"


def set_up_edge(user: User, edge: dict[str, Any]) -> None:
    """Label and condition or 'otherwise' of a new connection (probabilities come later)."""
    key = (edge["from"], edge["to"])
    editor = user.dock.edge_editor
    if "label" in edge or "when" in edge or edge.get("default"):
        user.select_edge(key)
    if "label" in edge:
        user.type_into(editor.label, edge["label"])
    if "when" in edge:
        user.choose(editor.branch, "condition")
        user.type_into(editor.condition, edge["when"])
    elif edge.get("default") and editor.branch.currentData() != "default":
        user.choose(editor.branch, "default")


def set_probabilities(user: User, edges: list[dict[str, Any]]) -> None:
    """The branches of one decision: type all shares but the last, fill the last to 100 %."""
    editor = user.dock.edge_editor
    for edge in edges[:-1]:
        user.select_edge((edge["from"], edge["to"]))
        user.set_spin(editor.probability, round(edge["probability"] * 100, 1))
    last = edges[-1]
    user.select_edge((last["from"], last["to"]))
    user.click(editor.balance)
    assert "= 100 %" in editor.sum.text()


def draw_edges(user: User, edges: list[dict[str, Any]]) -> None:
    for index, edge in enumerate(edges):
        connect(user, edge["from"], edge["to"])
        set_up_edge(user, edge)
        following = edges[index + 1] if index + 1 < len(edges) else None
        if following is None or following["from"] != edge["from"]:
            siblings = [e for e in edges if e["from"] == edge["from"]]
            if any("probability" in e for e in siblings):
                set_probabilities(user, siblings)
        user.no_errors()
    for edge in edges:
        assert in_file(user.process, "edges", (edge["from"], edge["to"])) == edge


def add_sla(user: User, sla: dict[str, Any]) -> None:
    user.select_nothing()
    page = user.dock.process_editor.slas
    user.open_section(page)
    user.click(page.add_button)
    user.type_into(page.id, sla["id"])
    user.type_into(page.name, sla["name"])
    user.choose(page.source, sla["from"])
    user.choose(page.target, sla["to"])
    user.type_into(page.within, sla["within"])
    if "clock" in sla:
        user.choose(page.clock, sla["clock"])
    user.set_spin(page.rate, sla["target"] * 100)
    user.no_errors()
    assert in_file(user.process, "slas", sla["id"]) == sla


# --- the test --------------------------------------------------------------------------------


def test_a_user_draws_the_lead_qualification_template_from_a_blank_document(
        window, tmp_path, monkeypatch):
    expected = expected_process()
    data = expected.to_data()
    user = User(window)

    window.new_document()
    blank = window.document.process.detached_copy()
    assert [lane.id for lane in blank.lanes] == ["team"] and not blank.nodes
    window.actions.by_name["snap"].trigger()  # View ▸ Snap to grid, off: exact positions
    assert not window.scene.snap_enabled
    window.actions.by_name["zoom_reset"].trigger()  # View ▸ Actual size
    assert window.view.zoom == 1.0

    set_up_process(user, data)
    draw_lanes(user, data["lanes"], monkeypatch)
    for node in data["nodes"]:
        new_id = place_node(user, node["kind"], node["lane"], node["pos"])
        name_node(user, new_id, node["name"], node["id"])
        user.select_node(node["id"])
        set_up_node(user, node)
    draw_edges(user, data["edges"])
    for sla in data["slas"]:
        add_sla(user, sla)

    drawn = window.document.process.detached_copy()
    assert_same(drawn, expected, "after drawing")

    # File ▸ Save As
    target = tmp_path / "drawn.lane.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.actions.by_name["save_as"].trigger()
    assert target.exists() and not window.document.modified

    # Edit ▸ Undo takes every step back to the blank document, Edit ▸ Redo brings them back
    stack = window.document.undo_stack
    steps = stack.count()
    undo, redo = window.actions.by_name["undo"], window.actions.by_name["redo"]
    while undo.isEnabled():
        undo.trigger()
    assert stack.index() == 0
    assert_same(window.document.process, blank, "after undoing everything")
    while redo.isEnabled():
        redo.trigger()
    assert_same(window.document.process, drawn, "after redoing everything")
    assert stack.isClean() and stack.count() == steps

    # File ▸ Open of the saved file gives the template's model
    assert window.open_path(target)
    assert window.document.path == target.resolve()
    assert_same(window.document.process, expected, "after saving and reopening")


def test_a_user_places_a_cadence_from_the_palette(window):
    user = User(window)
    cadence = place_node(user, "cadence", "team", [300.0, 80.0])
    node = user.process.node(cadence)
    assert (node.every.hours, node.times, node.touch.channel) == (168.0, 6, "email")
    assert type(user.dock.node_editor.part).__name__ == "CadencePart"
    assert user.dock.node_editor.part.every.text() == "7d"
