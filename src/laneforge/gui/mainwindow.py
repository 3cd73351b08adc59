"""The main window: canvas in the middle, palette, properties and problems docks, status bar,
and the file life cycle (new, open, save, revert, recent files, unsaved-changes prompts)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QActionGroup, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from ..app.core import CapacityEstimate, ProcessFileError
from ..app.session import open_process
from ..bundled import list_templates, template_name, template_path
from .canvas import DiagramScene, DiagramView
from .canvas_edits import CanvasEdits
from .capacity_watch import ESTIMATING, CapacityWatcher
from .capacity_watch import status_text as capacity_status
from .commands import AddLaneCommand, blank_process, new_lane, rename_command
from .document import Document
from .exporting import export_as, import_bpmn, show_import_notes
from .find_bar import FindBar
from .icons import app_icon
from .info_dialogs import show_about, show_capacity, show_error, show_shortcuts
from .menus import CANVAS_KEYS, EXPORTS, build_menus
from .palette import PaletteDock
from .problems import ProblemsDock
from .properties import PropertiesDock
from .recent import RecentFiles
from .recovery import AUTOSAVE_MS, RecoveryStore
from .selection import Selection
from .simulation.controller import SimulationController
from .style import apply_look

FILE_FILTER = "laneforge processes (*.lane.json);;JSON files (*.json);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, recovery: RecoveryStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.recovery = recovery or RecoveryStore()
        self.theme_mode = str(self.settings.value("view/theme", "system"))
        app = QApplication.instance()
        self.theme = apply_look(app, self.theme_mode) if isinstance(app, QApplication) else None
        from ..render.theme import LIGHT

        self.theme = self.theme or LIGHT
        self.setObjectName("MainWindow")
        self.resize(1440, 900)
        self.setDockNestingEnabled(True)

        self.document = Document(blank_process())
        self.scene = DiagramScene(self.document, self.theme, self)
        self.scene.set_theme(self.theme)
        self.scene.snap_enabled = self.settings.value("view/snap", True, type=bool)
        self.view = DiagramView(self.scene, self)
        self.setCentralWidget(self.view)
        self.view.overview.enabled = self.settings.value("view/overview", True, type=bool)
        self.find_bar = FindBar(self.view)

        self.palette_dock = PaletteDock(self.theme, self)
        self.properties_dock = PropertiesDock(self)
        self.problems_dock = ProblemsDock(self)
        _scroll_dock_body(self.palette_dock)  # a short screen scrolls it, the window fits
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.properties_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)

        self.status_file = QLabel()
        self.status_capacity = QLabel()
        self.status_capacity.setToolTip(
            "Offered load per lane against its staff in working hours, estimated from the "
            "process without simulating (over 100 % means work piles up)")
        self.status_problems = QLabel()
        self.status_zoom = QLabel()
        status = self.statusBar()
        status.addWidget(self.status_capacity, 1)
        status.addPermanentWidget(self.status_problems)
        status.addPermanentWidget(self.status_zoom)
        status.addPermanentWidget(self.status_file)

        self.capacity = CapacityWatcher(self)
        self.capacity.estimated.connect(self._on_capacity_estimated)
        self.capacity.pending.connect(lambda: self.status_capacity.setText(ESTIMATING))
        self.capacity.failed.connect(
            lambda why: self.status_capacity.setText(f"Load: could not be estimated ({why})"))
        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.write_recovery)
        self.autosave.start()

        self.recent = RecentFiles(self.settings, self.open_path)
        self.edits = CanvasEdits(self.scene, self.view, self.rename)
        self.simulation = SimulationController(self, self.scene, self.view, self.problems_dock,
                                               self.properties_dock, self.theme)
        self.actions = build_menus(
            self, self._slots(), {"templates": self._fill_templates, "recent": self.recent.fill,
                                  "theme": self._fill_theme, "docks": self._fill_docks},
            self.theme, checked={"overview": self.view.overview.enabled,
                                 "snap": self.scene.snap_enabled})
        for name, *_ in CANVAS_KEYS:
            self.view.addAction(self.actions.by_name[name])
        self.actions.by_name["cancel_run"].setEnabled(False)
        self.setWindowIcon(app_icon())
        self._wire()
        self.show_document(self.document)
        self._restore_layout()

    def _slots(self) -> dict[str, Callable[..., object]]:
        """What each action of ``menus.MENUS`` does, by name."""
        edits, view, find = self.edits, self.view, self.find_bar
        slots: dict[str, Callable[..., object]] = {
            "new": self.new_document, "open": self.open_dialog, "save": self.save,
            "save_as": self.save_as, "revert": self.revert, "import_bpmn": self.import_bpmn,
            "calibrate": self.calibrate, "quit": self.close,
            "cut": edits.cut, "copy": edits.copy, "paste": edits.paste,
            "duplicate": edits.duplicate, "delete": edits.delete,
            "rename": edits.rename_selected, "select_all": edits.select_all,
            "find": find.open, "find_next": find.find_next,
            "find_previous": find.find_previous,
            "zoom_in": view.zoom_in, "zoom_out": view.zoom_out, "zoom_reset": view.zoom_reset,
            "fit": view.fit, "overview": self.set_overview, "snap": self.set_snap,
            "layout": edits.auto_layout, "add_lane": self.add_lane,
            "settings": lambda: self.scene.select(Selection()),
            "problems": lambda: _show_dock(self.problems_dock),
            "capacity": lambda: show_capacity(self, self.document.process),
            "staffing": self.staffing_plan, "forecast": self.forecast,
            "shortcuts": lambda: show_shortcuts(self), "about": lambda: show_about(self),
            **self.simulation.slots(),
        }
        for kind, _text, _key in EXPORTS:
            slots[f"export_{kind}"] = partial(self.export_as, kind)
        for name, _key, dx, dy in CANVAS_KEYS:
            slots[name] = partial(edits.nudge, dx, dy)
        return slots

    def _fill_templates(self, menu: QMenu) -> None:
        for path in list_templates():
            name = template_name(path)
            action = menu.addAction(name.replace("-", " ").capitalize())
            action.triggered.connect(lambda checked=False, n=name: self.new_from_template(n))

    def _fill_theme(self, menu: QMenu) -> None:
        group = QActionGroup(self)
        for mode in ("system", "light", "dark"):
            action = menu.addAction(mode.capitalize())
            action.setCheckable(True)
            action.setChecked(self.theme_mode == mode)
            action.triggered.connect(lambda checked=False, m=mode: self.set_theme_mode(m))
            group.addAction(action)

    def _fill_docks(self, menu: QMenu) -> None:
        for dock in (self.palette_dock, self.properties_dock, self.problems_dock):
            menu.addAction(dock.toggleViewAction())

    # --- wiring --------------------------------------------------------------------------
    def _wire(self) -> None:
        self.scene.selection_changed_to.connect(self.properties_dock.set_selection)
        self.scene.problems_changed.connect(self._on_problems_changed)
        self.scene.rename_requested.connect(self.rename)
        self.scene.place_finished.connect(self._on_place_finished)
        self.view.zoom_changed.connect(self._on_zoom_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.palette_dock.place_requested.connect(self._on_place_requested)
        self.palette_dock.add_lane_requested.connect(self.add_lane)
        self.problems_dock.select_requested.connect(self.select_and_show)
        self.properties_dock.select_requested.connect(self.select_and_show)
        self.simulation.select_requested.connect(self.select_and_show)
        self.simulation.running_changed.connect(self.actions.by_name["cancel_run"].setEnabled)
        self._on_zoom_changed(self.view.zoom)

    def show_document(self, document: Document, *, unsaved: bool = False) -> None:
        """Make ``document`` the window's; ``unsaved``: its content is not on disk yet
        (restored or imported work), so closing asks to save it."""
        old = self.document
        if old is not document:
            old.undo_stack.cleanChanged.disconnect(self._update_title)
            old.changed.disconnect(self._on_document_changed)
            self.actions.undo_group.removeStack(old.undo_stack)
            old.close()
        self.document = document
        if unsaved:
            document.mark_unsaved()
        self.actions.undo_group.addStack(document.undo_stack)
        self.actions.undo_group.setActiveStack(document.undo_stack)
        document.undo_stack.cleanChanged.connect(self._update_title)
        document.changed.connect(self._on_document_changed)
        if old is not document:
            self.scene.set_document(document)
        self.properties_dock.set_document(document)
        self.properties_dock.set_selection(Selection())
        self.simulation.set_document(document)
        self._update_title()
        self.capacity.schedule(document.process)
        self.find_bar.set_document(document)
        QTimer.singleShot(0, self.view.show_start)

    def _on_document_changed(self, change: object) -> None:
        self.capacity.schedule(self.document.process)

    def _on_capacity_estimated(self, estimate: CapacityEstimate | None) -> None:
        self.status_capacity.setText(capacity_status(estimate))
        if estimate is None:
            self.scene.set_lane_loads({})
            return
        loads = {ld.lane: ld.utilization for ld in estimate.lanes if ld.utilization is not None}
        self.scene.set_lane_loads(loads)

    def _on_problems_changed(self, problems: list) -> None:
        self.problems_dock.set_problems(problems)
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        if not problems:
            self.status_problems.setText("✓ No problems")
        else:
            self.status_problems.setText(f"{errors} error{'s' if errors != 1 else ''}, "
                                         f"{warnings} warning{'s' if warnings != 1 else ''}")

    def _on_zoom_changed(self, zoom: float) -> None:
        self.status_zoom.setText(f"{zoom * 100:.0f} %")

    def _on_place_requested(self, kind: str | None) -> None:
        self.scene.start_place(kind)
        if kind:
            self.view.viewport().setCursor(Qt.CursorShape.CrossCursor)
            self.statusBar().showMessage("Click on a lane to place it (Shift: place several, "
                                         "Esc: stop)", 5000)
        else:
            self.view.viewport().unsetCursor()

    def _on_place_finished(self) -> None:
        self.palette_dock.clear_choice()
        self.view.viewport().unsetCursor()

    def _update_title(self) -> None:
        name = self.document.title
        self.setWindowTitle(f"{name}[*] — laneforge")
        self.setWindowModified(self.document.modified)
        where = str(self.document.path) if self.document.path else "not saved yet"
        mark = " •" if self.document.modified else ""
        self.status_file.setText(f"{name}{mark}")
        self.status_file.setToolTip(where)

    def _on_context_menu(self, point: QPoint) -> None:
        """Right-click: what can be done with the node, connection or lane under the mouse."""
        from PySide6.QtWidgets import QMenu

        from ..model.nodes import KIND_LABELS, NODE_KINDS
        from .canvas import EdgeItem, LaneItem, NodeItem

        scene_pos = self.view.mapToScene(point)
        item = self.view.itemAt(point)
        menu = QMenu(self)
        by_name = self.actions.by_name
        if isinstance(item, NodeItem | EdgeItem):
            if not item.isSelected():
                key = Selection(nodes=(item.node_id,)) if isinstance(item, NodeItem) \
                    else Selection(edges=(item.key,))
                self.scene.select(key)
            if isinstance(item, NodeItem):
                menu.addAction(by_name["rename"])
                menu.addAction(by_name["duplicate"])
                menu.addAction(by_name["copy"])
            menu.addSeparator()
            menu.addAction(by_name["delete"])
        else:
            lane = item if isinstance(item, LaneItem) else None
            if lane is not None and lane.header_rect().contains(scene_pos):
                self.scene.select(Selection(lanes=(lane.lane_id,)))
                menu.addAction("Rename lane", lambda: self.rename("lane", lane.lane_id))
                menu.addAction(by_name["add_lane"])
                menu.addSeparator()
                menu.addAction("Delete lane", lambda: by_name["delete"].trigger())
            else:
                for kind in NODE_KINDS:
                    menu.addAction(f"Add {KIND_LABELS[kind].lower()} here",
                                   lambda k=kind: self.scene.add_node_at(k, scene_pos))
                menu.addSeparator()
                menu.addAction(by_name["paste"])
                menu.addAction(by_name["add_lane"])
                menu.addAction(by_name["layout"])
        menu.exec(self.view.viewport().mapToGlobal(point))

    # --- selection helpers ---------------------------------------------------------------
    def select_and_show(self, selection: Selection) -> None:
        self.scene.select(selection)
        items = [self.scene.node_items.get(n) for n in selection.nodes]
        items += [self.scene.edge_items.get(e) for e in selection.edges]
        items += [self.scene.lane_items.get(ln) for ln in selection.lanes]
        items = [i for i in items if i is not None]
        if items:
            self.view.ensureVisible(items[0], 80, 80)

    # --- documents and files -------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """Ask what to do with unsaved changes; False means the user cancelled."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"Save the changes to “{self.document.title}” before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.confirm_discard():
            self.show_document(Document(blank_process()))

    def new_from_template(self, name: str) -> None:
        if not self.confirm_discard():
            return
        path = template_path(name)
        try:
            process = open_process(path)
        except ProcessFileError as exc:
            self.show_error("Cannot open the template", str(exc))
            return
        self.show_document(Document(process, untitled=True))

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        start = str(self.document.path.parent) if self.document.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open process", start, FILE_FILTER)
        if path:
            self.open_path(Path(path), confirm=False)

    def open_path(self, path: Path, *, confirm: bool = True) -> bool:
        """Open a file; a broken one shows a dialog and leaves the current document as it is."""
        if confirm and not self.confirm_discard():
            return False
        try:
            document = Document.open(path)
        except ProcessFileError as exc:
            self.show_error("Cannot open the file", str(exc))
            return False
        self.show_document(document)
        self.add_recent(path.resolve())
        return True

    def save(self) -> bool:
        if self.document.path is None or self.document.untitled:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        suggested = self.document.path or Path.home() / f"{_slug(self.document.process.name)}" \
            ".lane.json"
        path, _ = QFileDialog.getSaveFileName(self, "Save process as", str(suggested),
                                              FILE_FILTER)
        if not path:
            return False
        target = Path(path)
        if not target.name.endswith(".json"):
            target = target.with_name(target.name + ".lane.json")
        return self._write(target)

    def _write(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except ProcessFileError as exc:
            self.show_error("Cannot save", str(exc))
            return False
        self.add_recent(path.resolve())
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        self.recovery.clear()
        return True

    def revert(self) -> None:
        path = self.document.path
        if path is None or self.document.untitled:
            return
        if self.document.modified:
            answer = QMessageBox.question(
                self, "Revert", f"Discard all changes since “{path.name}” was saved?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        try:
            process = open_process(path)
        except ProcessFileError as exc:
            self.show_error("Cannot revert", str(exc))
            return
        self.document.replace_process(process)
        self._update_title()

    def show_error(self, title: str, message: str) -> None:
        show_error(self, title, message)

    def import_bpmn(self, path: Path | None = None) -> bool:
        """File ▸ Import BPMN 2.0: a new, unsaved document; then what could not be mapped."""
        if not self.confirm_discard():
            return False
        imported = import_bpmn(self, path)
        if imported is None:
            return False
        document, source, notes = imported
        self.show_document(document, unsaved=True)
        show_import_notes(self, source, notes)
        return True

    def export_as(self, kind: str, path: Path | None = None) -> Path | None:
        """File ▸ Export: the document with the results it shows on the diagram."""
        return export_as(self, self.document, kind, settings=self.settings, theme=self.theme,
                         path=path)

    def calibrate(self) -> None:
        """File ▸ Calibrate from CRM export… (pandas and scipy load only when it is used)."""
        from .calibration import open_calibration_wizard

        open_calibration_wizard(self.document, self)

    def forecast(self) -> None:
        """Simulate ▸ Forecast… (pandas and scipy load only when it is used)."""
        from .forecast import open_forecast

        open_forecast(self.document, self, self.settings)

    def staffing_plan(self, lane: str | None = None) -> None:
        """Simulate ▸ Staffing plan… (scipy loads only when it is used)."""
        from .staffing import open_staffing_plan

        open_staffing_plan(self.document, self, lane)

    # --- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        return self.recent.files()

    def add_recent(self, path: Path) -> None:
        self.recent.add(path)

    # --- edits from the window -----------------------------------------------------------
    def add_lane(self) -> None:
        lane = new_lane(self.document.process, f"Lane {len(self.document.process.lanes) + 1}")
        self.document.apply(AddLaneCommand(self.document, lane))
        self.scene.select(Selection(lanes=(lane.id,)))

    def rename(self, kind: str, key: object) -> None:
        """Inline rename of a node, a lane or an edge label."""
        scene, process = self.scene, self.document.process
        if kind == "node":
            item = scene.node_items.get(str(key))
            if item is None:
                return
            node = process.node(str(key))
            box = item.box
            rect = box.shape if node.kind == "task" else (box.label or box.shape)
            from ..render.painter import qrect

            self.view.edit_text(qrect(rect), node.label,
                                lambda text: self.apply_rename("node", node.id, text))
        elif kind == "lane":
            item = scene.lane_items.get(str(key))
            if item is None:
                return
            lane = process.lane(str(key))
            rect = item.header_rect().adjusted(10, 8, -8, 0)
            rect.setHeight(28)
            self.view.edit_text(rect, lane.label,
                                lambda text: self.apply_rename("lane", lane.id, text))
        elif kind == "edge":
            self.scene.select(Selection(edges=(key,)))  # type: ignore[arg-type]
            self.properties_dock.raise_()

    def apply_rename(self, kind: str, key: str, name: str) -> None:
        """Rename a node or lane to ``name`` (its id follows if it was made from the name)."""
        self.document.apply(rename_command(self.document, kind, key, name))

    # --- view settings -------------------------------------------------------------------
    def set_overview(self, on: bool) -> None:
        self.view.overview.set_enabled(on)
        self.settings.setValue("view/overview", on)

    def set_snap(self, on: bool) -> None:
        self.scene.snap_enabled = on

    # --- recovery ------------------------------------------------------------------------
    def write_recovery(self) -> None:
        if self.document.modified:
            try:
                self.recovery.save(self.document.process, self.document.path)
            except OSError:
                self.statusBar().showMessage("Could not write the recovery file", 4000)

    # --- window state --------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                available = screen.availableGeometry()
                self.resize(min(1440, available.width()), min(900, available.height()))
        if state is None or not self.restoreState(state):
            # first start: docks in proportion, so a small or high-DPI screen keeps a canvas
            width, height = self.width(), self.height()
            self.resizeDocks([self.palette_dock, self.properties_dock],
                             [max(130, int(width * 0.11)), max(260, int(width * 0.26))],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.problems_dock], [max(80, int(height * 0.13))],
                             Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("view/snap", self.scene.snap_enabled)
        self.settings.setValue("view/theme", self.theme_mode)
        self.capacity.shutdown()
        self.simulation.shutdown()
        self.autosave.stop()
        self.recovery.clear()
        event.accept()

    def set_theme_mode(self, mode: str) -> None:
        app = QApplication.instance()
        self.theme_mode = mode
        if isinstance(app, QApplication):
            self.theme = apply_look(app, mode)
        self.scene.set_theme(self.theme)
        self.palette_dock.set_theme(self.theme)
        self.actions.refresh_icons(self.theme)
        self.simulation.refresh_theme(self.theme)
        self.settings.setValue("view/theme", mode)


def _show_dock(dock: QDockWidget) -> None:
    dock.show()
    dock.raise_()


def _scroll_dock_body(dock: QDockWidget) -> None:
    """Put a dock's content in a frameless scroll area, so its minimum height is small."""
    body = dock.widget()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(body)
    dock.setWidget(scroll)


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "process"


__all__ = ["MainWindow", "template_name"]
