"""Menus, shortcuts and the toolbar of the main window, as a table of actions and a builder.

The table (``MENUS``, ``TOOLBAR``, ``CANVAS_KEYS``) says what there is; the window says what
each action does by handing :func:`build_menus` a slot per action name and a filler per
part known only at run time (templates, recent files, themes, docks). The builder knows
nothing of the window beyond that, so a menu entry is added in one line of the table and
one slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from ..render.theme import Theme
from .icons import glyph_icon

Key = QKeySequence.StandardKey
Shortcut = Key | str | None


@dataclass(frozen=True)
class Act:
    """One action: its name (the slot's key), menu text, shortcut, tip and toolbar glyph.

    A ``checkable`` action's slot receives the new state; ``undo`` and ``redo`` come from
    the undo group and have no slot.
    """

    name: str
    text: str
    shortcut: Shortcut = None
    tip: str = ""
    glyph: str | None = None
    checkable: bool = False


@dataclass(frozen=True)
class Sub:
    """A submenu: fixed entries, or (``filler``) entries the window puts in at run time."""

    text: str
    entries: tuple[Entry, ...] = ()
    filler: str | None = None


@dataclass(frozen=True)
class Fill:
    """Entries the window adds in place (the dock toggles, which it owns)."""

    filler: str


SEPARATOR = None
Entry = Act | Sub | Fill | None

EXPORTS = (("svg", "Diagram as &SVG…", "Ctrl+E"), ("png", "Diagram as &PNG…", None),
           ("pdf", "Diagram as P&DF…", None), ("pptx", "Po&werPoint slides…", None),
           ("bpmn", "&BPMN 2.0…", None), ("html", "Report as &HTML…", None),
           ("report-pdf", "Report as PDF…", None))

MENUS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    ("&File", (
        Act("new", "&New", Key.New, "Start a process from a blank lane", "new"),
        Sub("New from &template", filler="templates"),
        Act("open", "&Open…", Key.Open, "Open a .lane.json process", "open"),
        Sub("Open &recent", filler="recent"),
        SEPARATOR,
        Act("save", "&Save", Key.Save, "Save the process", "save"),
        Act("save_as", "Save &as…", Key.SaveAs),
        Act("revert", "Re&vert", None, "Go back to the saved file"),
        SEPARATOR,
        Sub("&Export", tuple(Act(f"export_{kind}", text, key) for kind, text, key in EXPORTS)),
        Act("import_bpmn", "&Import BPMN 2.0…", None,
            "Open a BPMN file from another modelling tool"),
        Act("calibrate", "&Calibrate from CRM export…", None,
            "Fit the process's numbers to a CRM export (Salesforce, HubSpot, an event log) "
            "and check them on data the fit did not use"),
        SEPARATOR,
        Act("quit", "&Quit", Key.Quit),
    )),
    ("&Edit", (
        Act("undo", "&Undo", Key.Undo, glyph="undo"),
        Act("redo", "&Redo", Key.Redo, glyph="redo"),
        SEPARATOR,
        Act("cut", "Cu&t", Key.Cut),
        Act("copy", "&Copy", Key.Copy),
        Act("paste", "&Paste", Key.Paste),
        Act("duplicate", "&Duplicate", "Ctrl+D"),
        Act("delete", "De&lete", Key.Delete, "Delete the selection", "delete"),
        Act("rename", "Re&name", "F2"),
        SEPARATOR,
        Act("select_all", "Select &all", Key.SelectAll),
        SEPARATOR,
        Act("find", "&Find…", Key.Find, "Find a node, lane, phase or SLA by name or id"),
        Act("find_next", "Find ne&xt", Key.FindNext),
        Act("find_previous", "Find pre&vious", Key.FindPrevious),
    )),
    ("&View", (
        Act("zoom_in", "Zoom &in", Key.ZoomIn, "Zoom in (Ctrl+wheel)", "zoom_in"),
        Act("zoom_out", "Zoom &out", Key.ZoomOut, "Zoom out", "zoom_out"),
        Act("zoom_reset", "&Actual size", "Ctrl+0"),
        Act("fit", "&Fit to window", "Ctrl+Shift+F", "Show the whole process", "fit"),
        Act("overview", "&Overview", "Ctrl+Shift+O",
            "A small map of the whole process when part of it is out of view", checkable=True),
        SEPARATOR,
        Act("snap", "&Snap to grid", checkable=True),
        Sub("&Theme", filler="theme"),
        SEPARATOR,
        Fill("docks"),
    )),
    ("&Process", (
        Act("layout", "&Auto-layout", "Ctrl+L",
            "Lay the process out left to right by flow order", "layout"),
        Act("add_lane", "Add &lane", "Ctrl+Shift+L", "Add a lane (a team) at the bottom", "lane"),
        Act("settings", "Process &settings", "Ctrl+,",
            "Calendars, stages, attributes, SLAs and simulation settings"),
        Act("problems", "Show &problems", "Ctrl+Shift+P"),
    )),
    ("&Simulate", (
        Act("run", "&Run…", "F5", "Simulate lead volume through the process", "run"),
        Act("rerun", "Run &again", "Ctrl+F5", "Run with the last settings"),
        Act("cancel_run", "&Cancel run", "Shift+F5"),
        SEPARATOR,
        Act("scenarios", "&Scenarios", "Ctrl+Shift+S",
            "What-if scenarios: add, edit and compare them"),
        Act("sweep", "S&weep a parameter…", "Ctrl+Shift+W",
            "Vary one number (staff, volume) and chart a KPI against it"),
        Act("replay", "Re&play leads…", "Ctrl+Shift+R",
            "Watch one replication's leads move through the diagram"),
        Act("clear_results", "C&lear results", None,
            "Remove the results tint from the diagram"),
        SEPARATOR,
        Act("capacity", "&Capacity estimate", "Ctrl+K", "Load per lane without simulating"),
        Act("staffing", "S&taffing plan…", None,
            "The cheapest weekly roster of a team that meets a service target"),
        Act("forecast", "&Forecast…", None,
            "Won deals from the pipeline open in the CRM today, with what-ifs"),
    )),
    ("&Help", (
        Act("shortcuts", "&Keyboard shortcuts"),
        Act("about", "&About laneforge"),
    )),
)

#: the toolbar, in order (None: a separator); the second list shows icons without text
TOOLBAR = ("new", "open", "save", None, "undo", "redo", None, "layout", "add_lane", None,
           "zoom_out", "zoom_in", "fit", None, "run")
ICON_ONLY = ("zoom_in", "zoom_out", "fit", "new", "open", "undo", "redo")

#: keys that act on the canvas only (arrow keys elsewhere move cursors): (name, key, dx, dy)
CANVAS_KEYS = tuple((f"nudge_{key.lower()}", key, dx, dy) for key, dx, dy in (
    ("Left", -1, 0), ("Right", 1, 0), ("Up", 0, -1), ("Down", 0, 1)))


@dataclass
class WindowActions:
    """What the builder made: every action by name, the undo group and the toolbar."""

    undo_group: QUndoGroup
    toolbar: QToolBar
    by_name: dict[str, QAction] = field(default_factory=dict)
    #: action name -> glyph, to repaint the icons when the theme changes
    icon_names: dict[str, str] = field(default_factory=dict)

    def refresh_icons(self, theme: Theme) -> None:
        for name, glyph in self.icon_names.items():
            self.by_name[name].setIcon(glyph_icon(glyph, theme.text))


def build_menus(window: QMainWindow, slots: Mapping[str, Callable[..., object]],
                fillers: Mapping[str, Callable[[QMenu], object]], theme: Theme, *,
                checked: Mapping[str, bool] | None = None) -> WindowActions:
    """Make the menu bar and the toolbar from the table.

    ``slots`` has one callable per action name (a KeyError names a missing one at start-up),
    ``fillers`` one per filler name, ``checked`` the first state of checkable actions.
    """
    undo_group = QUndoGroup(window)
    actions = WindowActions(undo_group, QToolBar("Main toolbar", window))
    for title, entries in MENUS:
        _fill(window.menuBar().addMenu(title), entries, window, actions, slots, fillers,
              checked or {}, theme)
    for name, key, _dx, _dy in CANVAS_KEYS:
        spec = Act(name, f"Nudge {key.lower()}", key)
        action = _action(window, spec, actions, slots[name], theme)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    _toolbar(window, actions)
    return actions


def _fill(menu: QMenu, entries: tuple[Entry, ...], window: QMainWindow, actions: WindowActions,
          slots: Mapping[str, Callable[..., object]],
          fillers: Mapping[str, Callable[[QMenu], object]], checked: Mapping[str, bool],
          theme: Theme) -> None:
    for entry in entries:
        if entry is None:
            menu.addSeparator()
        elif isinstance(entry, Fill):
            fillers[entry.filler](menu)
        elif isinstance(entry, Sub):
            sub = menu.addMenu(entry.text)
            if entry.filler is not None:
                fillers[entry.filler](sub)
            _fill(sub, entry.entries, window, actions, slots, fillers, checked, theme)
        elif entry.name in ("undo", "redo"):
            menu.addAction(_undo_action(window, entry, actions, theme))
        else:
            action = _action(window, entry, actions, slots[entry.name], theme)
            if entry.checkable:
                action.setChecked(checked.get(entry.name, False))
            menu.addAction(action)


def _action(window: QMainWindow, spec: Act, actions: WindowActions,
            slot: Callable[..., object], theme: Theme) -> QAction:
    action = QAction(spec.text, window)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.tip:
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
    if spec.checkable:
        action.setCheckable(True)
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda checked=False: slot())
    _register(action, spec, actions, theme)
    return action


def _undo_action(window: QMainWindow, spec: Act, actions: WindowActions, theme: Theme) -> QAction:
    group = actions.undo_group
    action = (group.createUndoAction(window, spec.text) if spec.name == "undo"
              else group.createRedoAction(window, spec.text))
    action.setShortcut(QKeySequence(spec.shortcut))
    _register(action, spec, actions, theme)
    return action


def _register(action: QAction, spec: Act, actions: WindowActions, theme: Theme) -> None:
    actions.by_name[spec.name] = action
    if spec.glyph:
        actions.icon_names[spec.name] = spec.glyph
        action.setIcon(glyph_icon(spec.glyph, theme.text))


def _toolbar(window: QMainWindow, actions: WindowActions) -> None:
    toolbar = actions.toolbar
    toolbar.setObjectName("MainToolbar")
    toolbar.setIconSize(QSize(20, 20))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for name in TOOLBAR:
        if name is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions.by_name[name])
    for name in ICON_ONLY:
        button = toolbar.widgetForAction(actions.by_name[name])
        if button is not None:
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
