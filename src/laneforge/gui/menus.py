"""Menus, shortcuts and the toolbar of the main window, and the edit actions they trigger."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QToolBar

from .. import __version__
from ..bundled import list_templates, template_name
from ..render.theme import Theme
from .commands import (
    FRAGMENT_MIME,
    MoveNodesCommand,
    delete_command,
    fragment,
    layout_command,
    paste_command,
)
from .icons import app_icon, glyph_icon
from .selection import Selection

if TYPE_CHECKING:
    from .mainwindow import MainWindow


@dataclass
class WindowActions:
    window: MainWindow
    undo_group: QUndoGroup
    by_name: dict[str, QAction] = field(default_factory=dict)
    recent_menu: QMenu | None = None
    #: the Simulate menu, which the simulation controller fills in
    simulate_menu: QMenu | None = None
    toolbar: QToolBar | None = None
    icon_names: dict[str, str] = field(default_factory=dict)

    def refresh_recent(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = self.window.recent_files()
        for path in files:
            action = menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda checked=False, p=path: self.window.open_path(p))
        if not files:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        self.window.settings.setValue("recent", [])
        self.refresh_recent()

    def refresh_icons(self, theme: Theme) -> None:
        for name, glyph in self.icon_names.items():
            self.by_name[name].setIcon(glyph_icon(glyph, theme.text))


def build_menus(window: MainWindow) -> WindowActions:
    undo_group = QUndoGroup(window)
    actions = WindowActions(window, undo_group)
    bar = window.menuBar()

    def act(name: str, text: str, slot, shortcut=None, tip: str = "",
            glyph: str | None = None) -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        actions.by_name[name] = action
        if glyph:
            actions.icon_names[name] = glyph
            action.setIcon(glyph_icon(glyph, window.theme.text))
        return action

    # --- File ----------------------------------------------------------------------------
    file_menu = bar.addMenu("&File")
    file_menu.addAction(act("new", "&New", window.new_document, QKeySequence.StandardKey.New,
                            "Start a process from a blank lane", "new"))
    templates = file_menu.addMenu("New from &template")
    for path in list_templates():
        name = template_name(path)
        title = name.replace("-", " ").capitalize()
        action = templates.addAction(title)
        action.triggered.connect(lambda checked=False, n=name: window.new_from_template(n))
    file_menu.addAction(act("open", "&Open…", window.open_dialog, QKeySequence.StandardKey.Open,
                            "Open a .lane.json process", "open"))
    actions.recent_menu = file_menu.addMenu("Open &recent")
    actions.refresh_recent()
    file_menu.addSeparator()
    file_menu.addAction(act("save", "&Save", window.save, QKeySequence.StandardKey.Save,
                            "Save the process", "save"))
    file_menu.addAction(act("save_as", "Save &as…", window.save_as,
                            QKeySequence.StandardKey.SaveAs))
    file_menu.addAction(act("revert", "Re&vert", window.revert, None,
                            "Go back to the saved file"))
    file_menu.addSeparator()
    from .exporting import export_as, import_bpmn_dialog

    export_menu = file_menu.addMenu("&Export")
    for kind, text, shortcut in (
        ("svg", "Diagram as &SVG…", "Ctrl+E"), ("png", "Diagram as &PNG…", None),
        ("pdf", "Diagram as P&DF…", None), ("pptx", "Po&werPoint slides…", None),
        ("bpmn", "&BPMN 2.0…", None), ("html", "Report as &HTML…", None),
        ("report-pdf", "Report as PDF…", None),
    ):
        export_menu.addAction(act(f"export_{kind}", text,
                                  lambda k=kind: export_as(window, k), shortcut))
    file_menu.addAction(act("import_bpmn", "&Import BPMN 2.0…",
                            lambda: import_bpmn_dialog(window), None,
                            "Open a BPMN file from another modelling tool"))
    file_menu.addAction(act("calibrate", "&Calibrate from CRM export…",
                            lambda: calibrate(window), None,
                            "Fit the process's numbers to a CRM export (Salesforce, HubSpot, "
                            "an event log) and check them on data the fit did not use"))
    file_menu.addSeparator()
    file_menu.addAction(act("quit", "&Quit", window.close, QKeySequence.StandardKey.Quit))

    # --- Edit ----------------------------------------------------------------------------
    edit_menu = bar.addMenu("&Edit")
    undo = undo_group.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.setIcon(glyph_icon("undo", window.theme.text))
    redo = undo_group.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    redo.setIcon(glyph_icon("redo", window.theme.text))
    actions.by_name["undo"], actions.by_name["redo"] = undo, redo
    actions.icon_names.update({"undo": "undo", "redo": "redo"})
    edit_menu.addAction(undo)
    edit_menu.addAction(redo)
    edit_menu.addSeparator()
    edit_menu.addAction(act("cut", "Cu&t", lambda: cut(window), QKeySequence.StandardKey.Cut))
    edit_menu.addAction(act("copy", "&Copy", lambda: copy(window), QKeySequence.StandardKey.Copy))
    edit_menu.addAction(act("paste", "&Paste", lambda: paste(window),
                            QKeySequence.StandardKey.Paste))
    edit_menu.addAction(act("duplicate", "&Duplicate", lambda: duplicate(window), "Ctrl+D"))
    edit_menu.addAction(act("delete", "De&lete", lambda: delete(window),
                            QKeySequence.StandardKey.Delete, "Delete the selection", "delete"))
    edit_menu.addAction(act("rename", "Re&name", lambda: rename_selected(window), "F2"))
    edit_menu.addSeparator()
    edit_menu.addAction(act("select_all", "Select &all", lambda: select_all(window),
                            QKeySequence.StandardKey.SelectAll))
    edit_menu.addSeparator()
    edit_menu.addAction(act("find", "&Find…", window.find_bar.open, QKeySequence.StandardKey.Find,
                            "Find a node, lane, phase or SLA by name or id"))
    edit_menu.addAction(act("find_next", "Find ne&xt", window.find_bar.find_next,
                            QKeySequence.StandardKey.FindNext))
    edit_menu.addAction(act("find_previous", "Find pre&vious", window.find_bar.find_previous,
                            QKeySequence.StandardKey.FindPrevious))
    for key, dx, dy in (("Left", -1, 0), ("Right", 1, 0), ("Up", 0, -1), ("Down", 0, 1)):
        nudge_action = act(f"nudge_{key.lower()}", f"Nudge {key.lower()}",
                           lambda dx=dx, dy=dy: nudge(window, dx, dy), key)
        nudge_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        window.view.addAction(nudge_action)

    # --- View ----------------------------------------------------------------------------
    view_menu = bar.addMenu("&View")
    view_menu.addAction(act("zoom_in", "Zoom &in", window.view.zoom_in,
                            QKeySequence.StandardKey.ZoomIn, "Zoom in (Ctrl+wheel)", "zoom_in"))
    view_menu.addAction(act("zoom_out", "Zoom &out", window.view.zoom_out,
                            QKeySequence.StandardKey.ZoomOut, "Zoom out", "zoom_out"))
    view_menu.addAction(act("zoom_reset", "&Actual size", window.view.zoom_reset, "Ctrl+0"))
    view_menu.addAction(act("fit", "&Fit to window", window.view.fit, "Ctrl+Shift+F",
                            "Show the whole process", "fit"))
    overview = act("overview", "&Overview", lambda: None, "Ctrl+Shift+O",
                   "A small map of the whole process when part of it is out of view")
    overview.setCheckable(True)
    overview.setChecked(window.view.overview.enabled)
    overview.toggled.connect(lambda on: set_overview(window, on))
    view_menu.addAction(overview)
    view_menu.addSeparator()
    snap = act("snap", "&Snap to grid", lambda: None)
    snap.setCheckable(True)
    snap.setChecked(window.scene.snap_enabled)
    snap.toggled.connect(lambda on: setattr(window.scene, "snap_enabled", on))
    view_menu.addAction(snap)
    theme_menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    for mode in ("system", "light", "dark"):
        action = theme_menu.addAction(mode.capitalize())
        action.setCheckable(True)
        action.setChecked(window.theme_mode == mode)
        action.triggered.connect(lambda checked=False, m=mode: window.set_theme_mode(m))
        group.addAction(action)
    view_menu.addSeparator()
    for dock in (window.palette_dock, window.properties_dock, window.problems_dock):
        view_menu.addAction(dock.toggleViewAction())

    # --- Process -------------------------------------------------------------------------
    process_menu = bar.addMenu("&Process")
    process_menu.addAction(act("layout", "&Auto-layout", lambda: auto_layout(window), "Ctrl+L",
                               "Lay the process out left to right by flow order", "layout"))
    process_menu.addAction(act("add_lane", "Add &lane", window.add_lane, "Ctrl+Shift+L",
                               "Add a lane (a team) at the bottom", "lane"))
    process_menu.addAction(act("settings", "Process &settings",
                               lambda: window.scene.select(Selection()), "Ctrl+,",
                               "Calendars, stages, attributes, SLAs and simulation settings"))
    process_menu.addAction(act("problems", "Show &problems", lambda: show_dock(
        window.problems_dock), "Ctrl+Shift+P"))

    # --- Simulate ------------------------------------------------------------------------
    simulate_menu = bar.addMenu("&Simulate")
    simulate_menu.addAction(act("capacity", "&Capacity estimate", lambda: show_capacity(window),
                                "Ctrl+K", "Load per lane without simulating"))
    actions.simulate_menu = simulate_menu

    # --- Help ----------------------------------------------------------------------------
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(act("shortcuts", "&Keyboard shortcuts", lambda: show_shortcuts(window)))
    help_menu.addAction(act("about", "&About laneforge", lambda: show_about(window)))

    # --- toolbar -------------------------------------------------------------------------
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("MainToolbar")
    toolbar.setIconSize(QSize(20, 20))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for name in ("new", "open", "save", None, "undo", "redo", None, "layout", "add_lane", None,
                 "zoom_out", "zoom_in", "fit"):
        if name is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions.by_name[name])
    for name in ("zoom_in", "zoom_out", "fit", "new", "open", "undo", "redo"):
        button = toolbar.widgetForAction(actions.by_name[name])
        if button is not None:
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    actions.toolbar = toolbar
    window.setWindowIcon(app_icon())
    return actions


# --- edit operations -------------------------------------------------------------------------


def delete(window: MainWindow) -> None:
    selection = window.scene.selection()
    command = delete_command(window.document, list(selection.nodes), list(selection.edges),
                             list(selection.lanes))
    if command is not None:
        window.document.undo_stack.push(command)


def copy(window: MainWindow) -> None:
    selection = window.scene.selection()
    if not selection.nodes:
        return
    text = fragment(window.document.process, list(selection.nodes))
    mime = QMimeData()
    mime.setData(FRAGMENT_MIME, text.encode())
    mime.setText(text)
    QApplication.clipboard().setMimeData(mime)


def cut(window: MainWindow) -> None:
    copy(window)
    delete(window)


def paste(window: MainWindow, text: str | None = None) -> None:
    if text is None:
        mime = QApplication.clipboard().mimeData()
        if mime is None:
            return
        text = bytes(mime.data(FRAGMENT_MIME)).decode() if mime.hasFormat(FRAGMENT_MIME) \
            else mime.text()
    result = paste_command(window.document, text)
    if result is not None:
        command, ids = result
        window.document.undo_stack.push(command)
        window.scene.select(Selection(nodes=tuple(ids)))


def duplicate(window: MainWindow) -> None:
    selection = window.scene.selection()
    if selection.nodes:
        paste(window, fragment(window.document.process, list(selection.nodes)))


def select_all(window: MainWindow) -> None:
    window.scene.select(Selection(nodes=tuple(window.scene.node_items),
                                  edges=tuple(window.scene.edge_items)))


def rename_selected(window: MainWindow) -> None:
    single = window.scene.selection().single
    if single is not None:
        window.rename(*single)


def nudge(window: MainWindow, dx: int, dy: int) -> None:
    scene = window.scene
    selection = scene.selection()
    if not selection.nodes:
        return
    step = scene.grid
    moves = {}
    for node_id in selection.nodes:
        node = window.document.process.node(node_id)
        x, y = node.pos or (0.0, 0.0)
        moves[node_id] = ((x + dx * step, max(30.0, y + dy * step)), node.lane)
    window.document.undo_stack.push(MoveNodesCommand(window.document, moves, nudge=True))


def auto_layout(window: MainWindow) -> None:
    from ..app.layout import auto_layout as compute

    layout = compute(window.document.process)
    window.document.undo_stack.push(layout_command(window.document, layout.positions,
                                                   layout.lane_heights))
    window.view.fit()


def set_overview(window: MainWindow, on: bool) -> None:
    window.view.overview.set_enabled(on)
    window.settings.setValue("view/overview", on)


def show_dock(dock) -> None:
    dock.show()
    dock.raise_()


def show_capacity(window: MainWindow) -> None:
    from ..app.core import estimate_capacity
    from ..model import errors, validate

    process = window.document.process
    if errors(validate(process)):
        QMessageBox.information(window, "Capacity estimate",
                                "Fix the errors in the Problems list first.")
        return
    estimate = estimate_capacity(process)
    rows = []
    for load in estimate.lanes:
        if load.utilization is None:
            rows.append(f"<tr><td>{load.name}</td><td colspan=3>no staff limit</td></tr>")
            continue
        color = "#D93025" if load.utilization >= 1 else "#E8A317" if load.utilization >= 0.85 \
            else "inherit"
        rows.append(
            f"<tr><td>{load.name}</td><td align=right>{load.staff}</td>"
            f"<td align=right>{load.offered_staff:.1f}</td>"
            f"<td align=right style='color:{color}'><b>{load.utilization * 100:.0f} %</b></td>"
            f"<td align=right>{load.staff_needed(0.85)}</td></tr>")
    html = ("<p>Work offered to each lane against its staff in working hours, from the "
            f"arrival rates ({estimate.arrivals_per_hour * 24 * 7:,.0f} leads a week) and "
            "branch probabilities, without simulating.</p>"
            "<table cellspacing=6><tr><th align=left>Lane</th><th>Staff</th>"
            "<th>Busy on average</th><th>Load</th><th>Staff for 85 %</th></tr>"
            + "".join(rows) + "</table>")
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Capacity estimate", html,
                      QMessageBox.StandardButton.Ok, window)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()


def show_shortcuts(window: MainWindow) -> None:
    text = """<table cellspacing=4>
<tr><td><b>Click a palette kind, then a lane</b></td><td>place a node (Shift: several)</td></tr>
<tr><td><b>Drag the dot right of a node</b></td><td>connect it to another node</td></tr>
<tr><td><b>Double-click</b></td><td>rename a node or a lane</td></tr>
<tr><td><b>Drag a lane header</b></td><td>reorder lanes</td></tr>
<tr><td><b>Drag a lane's bottom edge</b></td><td>resize it</td></tr>
<tr><td><b>Ctrl+wheel, Ctrl+= / Ctrl+-</b></td><td>zoom; Ctrl+Shift+F fits the process</td></tr>
<tr><td><b>Space+drag, middle button</b></td><td>pan; or drag in the overview</td></tr>
<tr><td><b>Ctrl+F, F3 / Shift+F3</b></td><td>find by name or id; next, previous</td></tr>
<tr><td><b>Arrow keys</b></td><td>nudge the selected nodes</td></tr>
<tr><td><b>Ctrl+C / Ctrl+V / Ctrl+D</b></td><td>copy, paste, duplicate</td></tr>
<tr><td><b>Delete</b></td><td>delete the selection</td></tr>
<tr><td><b>Ctrl+L</b></td><td>auto-layout</td></tr>
<tr><td><b>Ctrl+K</b></td><td>capacity estimate</td></tr>
</table>"""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard and mouse", text,
                      QMessageBox.StandardButton.Ok, window)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()


def show_about(window: MainWindow) -> None:
    import PySide6
    import simpy
    from PySide6.QtCore import qVersion

    simpy_version = getattr(simpy, "__version__", "?")
    text = (f"<h3>laneforge {__version__}</h3>"
            "<p>Map how leads move through your company as swim lanes, simulate lead volume, "
            "and see where leads pile up.</p>"
            f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__} · SimPy {simpy_version} · "
            f"Python {platform.python_version()}</p>")
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About laneforge", text,
                      QMessageBox.StandardButton.Ok, window)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.exec()


def calibrate(window: MainWindow) -> None:
    """File ▸ Calibrate from CRM export… (pandas and scipy load only when it is used)."""
    from .calibration import open_calibration_wizard

    open_calibration_wizard(window)
