"""The scenarios dock: the process's what-ifs, their changes, and which to compare."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...model import Change, Process, Scenario
from ..commands import AddScenarioCommand, RemoveScenarioCommand
from ..document import Document
from ..properties.base import error_label, hint
from ..properties.look import StyledDock
from ..properties.widgets import push_button
from .scenario_editor import ScenarioEditor, push_replace
from .scenario_list import ScenarioList


def _unique(process: Process, stem: str) -> str:
    names = {s.name for s in process.scenarios}
    if stem not in names:
        return stem
    return next(f"{stem} {n}" for n in range(2, len(names) + 3) if f"{stem} {n}" not in names)


class _Column(QSplitter):
    """The dock's content: the list above the chosen scenario, wide enough for its table."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.fontMetrics().averageCharWidth() * 58),
                     hint.height())


class ScenariosDock(StyledDock):
    """Lists the process's scenarios and edits the chosen one; every edit is one undo step."""

    #: scenario names to run side by side, ``None`` (the baseline) first
    compare_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Scenarios", parent)
        self.setObjectName("ScenariosDock")
        self.document: Document | None = None
        self.current: str | None = None

        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(10, 8, 10, 6)
        column.setSpacing(6)
        column.addWidget(hint("What-if versions of this process. Tick the ones to run "
                              "against the baseline; double-click a name to rename it."))
        self.scenario_list = ScenarioList()
        self.scenario_list.currentItemChanged.connect(self._on_current_item_changed)
        self.scenario_list.rename_typed.connect(self._on_rename_typed)
        self.scenario_list.checks_changed.connect(self._on_checks_changed)
        column.addWidget(self.scenario_list, 1)
        self.add_button = push_button("Add", "Add an empty scenario")
        self.duplicate_button = push_button("Duplicate", "Copy the selected scenario")
        self.rename_button = push_button("Rename", "Rename the selected scenario (F2)")
        self.delete_button = push_button("Delete", "Delete the selected scenario")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button, handler in ((self.add_button, self._on_add_clicked),
                                (self.duplicate_button, self._on_duplicate_clicked),
                                (self.rename_button, self._on_rename_clicked),
                                (self.delete_button, self._on_delete_clicked)):
            button.clicked.connect(handler)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.compare_button = QPushButton("Compare with baseline")
        self.compare_button.setObjectName("compare_button")
        self.compare_button.setAutoDefault(False)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        column.addWidget(self.compare_button)
        self.list_error = error_label()
        column.addWidget(self.list_error)

        self.editor = ScenarioEditor()

        self.splitter = _Column(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        # a short screen (or 200 % scaling) scrolls the dock instead of growing the window
        scroll = QScrollArea()
        scroll.setObjectName("scenarios_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(self.splitter)
        self.setWidget(scroll)
        self._apply_style()
        self.refresh()

    # --- document ------------------------------------------------------------------------
    @property
    def process(self) -> Process:
        assert self.document is not None
        return self.document.process

    def set_document(self, document: Document | None) -> None:
        """Show ``document``'s scenarios (again after another file is opened)."""
        if self.document is not None:
            with contextlib.suppress(RuntimeError):  # the old document may be gone already
                self.document.changed.disconnect(self._on_document_changed)
                self.document.reset.disconnect(self._on_document_reset)
        self.document = document
        self.scenario_list.checked.clear()
        self.current = None
        if document is not None:
            document.changed.connect(self._on_document_changed)
            document.reset.connect(self._on_document_reset)
            if document.process.scenarios:
                self.current = document.process.scenarios[0].name
        self.refresh()

    def _on_document_changed(self, change: Change) -> None:
        if change.kind == "scenario_changed" and change.detail and change.detail != change.key:
            self.scenario_list.follow_rename(change.detail, change.key)
            if self.current == change.detail:
                self.current = change.key
        elif change.kind == "scenario_added":
            self.current = change.key
        elif change.kind == "scenario_removed" and change.key == self.current:
            row = max(0, self.scenario_list.currentRow())
            names = [s.name for s in self.process.scenarios]
            self.current = names[min(row, len(names) - 1)] if names else None
        self.refresh(list_too=change.kind.startswith("scenario_"))

    def _on_document_reset(self) -> None:
        names = [s.name for s in self.process.scenarios]
        if self.current not in names:
            self.current = names[0] if names else None
        self.refresh()

    # --- showing -------------------------------------------------------------------------
    def scenario(self) -> Scenario | None:
        """The selected scenario, or None."""
        if self.document is None or self.current is None:
            return None
        return next((s for s in self.process.scenarios if s.name == self.current), None)

    def refresh(self, list_too: bool = True) -> None:
        """Show the model: the list (unless only other parts changed) and the changes."""
        scenarios = self.process.scenarios if self.document is not None else []
        if list_too or self.scenario_list.count() != len(scenarios):
            self.scenario_list.show_scenarios(scenarios, self.current)
        self.list_error.hide()
        self.editor.show_scenario(self.document, self.current)
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.scenario() is not None
        for button in (self.duplicate_button, self.rename_button, self.delete_button):
            button.setEnabled(selected)
        self.add_button.setEnabled(self.document is not None)
        count = len(self.scenario_list.checked_names())
        self.compare_button.setEnabled(count > 0)
        self.compare_button.setToolTip(
            "Simulate the baseline and the ticked scenarios with the same random numbers "
            "and show them side by side" if count else
            "Tick one or more scenarios above to compare them with the baseline")
        self.compare_button.setText("Compare with baseline" if count < 2
                                    else f"Compare {count} scenarios with baseline")

    # --- list edits ----------------------------------------------------------------------
    def _push(self, command: Any) -> None:
        assert self.document is not None
        self.document.apply(command)

    def _on_current_item_changed(self, *_args: Any) -> None:
        self.current = self.scenario_list.current_name()
        self.refresh(list_too=False)

    def _on_add_clicked(self) -> None:
        name = _unique(self.process, "New scenario")
        self._push(AddScenarioCommand(self.document, Scenario(name=name)))
        self.scenario_list.start_rename()

    def _on_duplicate_clicked(self) -> None:
        scenario = self.scenario()
        if scenario is None:
            return
        data = scenario.model_dump(mode="json", by_alias=True)
        data["name"] = _unique(self.process, f"{scenario.name} (copy)")
        index = self.process.scenarios.index(scenario) + 1
        command = AddScenarioCommand(self.document, Scenario.model_validate(data), index)
        command.setText(f"Duplicate scenario '{scenario.name}'")
        self._push(command)

    def _on_rename_clicked(self) -> None:
        self.scenario_list.start_rename()

    def _on_rename_typed(self, old: str, typed: str) -> None:
        new = typed.strip()
        names = {s.name for s in self.process.scenarios}
        message = ("A scenario needs a name." if not new else
                   f"There is already a scenario ‘{new}’." if new in names and new != old
                   else None)
        if message:
            self.list_error.setText(message)
            self.list_error.show()
            return
        if new == old or old not in names:
            return
        problem = self._replace(old, {"name": new}, f"Rename scenario '{old}' to '{new}'")
        if problem:
            self.list_error.setText(f"Cannot rename it: {problem}")
            self.list_error.show()

    def _on_delete_clicked(self) -> None:
        if self.current is not None:
            self._push(RemoveScenarioCommand(self.document, self.current))

    def _on_checks_changed(self) -> None:
        self._update_buttons()

    def _on_compare_clicked(self) -> None:
        names = self.scenario_list.checked_names()
        if names:
            self.compare_requested.emit([None, *names])

    def _replace(self, name: str, update: dict[str, Any], text: str) -> str | None:
        assert self.document is not None
        return push_replace(self.document, name, update, text)
