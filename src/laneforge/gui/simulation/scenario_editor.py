"""One scenario's description and changes; every edit checked on the process, then pushed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QVBoxLayout, QWidget

from ...model import Process, Scenario, base_value
from ..commands import ReplaceScenarioCommand
from ..document import Document
from ..properties.base import error_label, heading
from ..properties.widgets import push_button
from . import scenario_changes as sc
from .scenario_table import ChangeRow, ChangesTable


def push_replace(document: Document, name: str, update: dict[str, Any],
                 text: str) -> str | None:
    """Push one ReplaceScenarioCommand if the updated scenario applies; else say why not."""
    process = document.process
    data = {**process.scenario(name).model_dump(mode="json", by_alias=True), **update}
    problem = sc.check_changes(process, data["changes"], data["name"])
    if problem:
        return problem
    document.apply(ReplaceScenarioCommand(document, name,
                                                    Scenario.model_validate(data), text))
    return None


class ScenarioEditor(QWidget):
    """Shows the scenario the dock selected; see :meth:`show_scenario`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.name: str | None = None
        #: the description last shown, to tell the user's typing from the model's value
        self._shown = ""
        self._warning_timer = QTimer(self)
        self._warning_timer.setSingleShot(True)
        self._warning_timer.setInterval(0)
        self._warning_timer.timeout.connect(self._on_warning_timer_timeout)

        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 10)
        column.setSpacing(6)
        self.title = heading("")
        column.addWidget(self.title)
        self.description = QLineEdit()
        self.description.setObjectName("scenario_description")
        self.description.setPlaceholderText("What this scenario tries, e.g. two more SDRs")
        self.description.editingFinished.connect(self._on_description_finished)
        column.addWidget(self.description)
        self.table = ChangesTable()
        self.table.value_typed.connect(self._on_value_typed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        column.addWidget(self.table, 1)
        self.add_change_button = push_button(
            "Add change", "Change a lane's staff, a source's volume or rate, a task's "
            "duration, a branch or an SLA")
        self.add_change_button.setObjectName("add_change_button")
        self.add_change_menu = QMenu(self.add_change_button)
        self.add_change_menu.aboutToShow.connect(self._on_add_change_menu_about_to_show)
        self.add_change_button.setMenu(self.add_change_menu)
        self.remove_change_button = push_button("Remove change", "Remove the selected change")
        self.remove_change_button.clicked.connect(self._on_remove_change_clicked)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.add_change_button)
        row.addWidget(self.remove_change_button)
        row.addStretch(1)
        column.addLayout(row)
        self.change_error = error_label()
        self.change_error.setObjectName("change_error")
        column.addWidget(self.change_error)
        self.warning = QLabel()
        self.warning.setObjectName("scenario_warning")
        self.warning.setProperty("role", "warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        column.addWidget(self.warning)

    @property
    def process(self) -> Process:
        assert self.document is not None
        return self.document.process

    def scenario(self) -> Scenario | None:
        if self.document is None or self.name is None:
            return None
        return next((s for s in self.process.scenarios if s.name == self.name), None)

    def show_scenario(self, document: Document | None, name: str | None) -> None:
        """Show scenario ``name`` of ``document`` as the model has it now."""
        self.document, self.name = document, name
        scenario = self.scenario()
        self.change_error.hide()
        for widget in (self.description, self.add_change_button, self.table):
            widget.setEnabled(scenario is not None)
        if scenario is None:
            none = document is None or not document.process.scenarios
            self.title.setText("No scenarios yet" if none else "No scenario selected")
            self.description.clear()
            self.table.empty_text = ("Add a scenario, such as two more SDRs or twice the "
                                     "webinar leads.")
            self.table.show_rows([])
            self.warning.hide()
        else:
            self.title.setText(scenario.name)
            # never under the user's typing (but after an undo while the field has focus)
            if not self.description.hasFocus() or self.description.text() == self._shown:
                self.description.setText(scenario.description)
                self.description.setCursorPosition(0)
            self._shown = scenario.description
            self.table.empty_text = "No changes yet: use Add change below."
            self.table.show_rows(self._rows(scenario))
            self._warning_timer.start()  # validating takes a while: once after a burst
        self._update_buttons()

    def _refresh(self) -> None:
        self.show_scenario(self.document, self.name)

    def _rows(self, scenario: Scenario) -> list[ChangeRow]:
        process = self.process
        rows = []
        for path, value in scenario.changes.items():
            kind = sc.value_kind(path)
            base = base_value(process, path)
            shown = sc.show_value(kind, value)
            tip = sc.describe_dist(base) if isinstance(base, dict) else ""
            rows.append(ChangeRow(path, sc.change_label(process, path), sc.show_value(kind, base),
                                  shown, shown if kind != "scale" else shown.lstrip("×"),
                                  value != base, tip))
        return rows

    def _on_warning_timer_timeout(self) -> None:
        """Say when the scenario no longer applies or could not be simulated as it is."""
        scenario = self.scenario()
        if scenario is None:
            self.warning.hide()
            return
        problem = sc.check_changes(self.process, scenario.changes, scenario.name)
        if problem:
            text = f"This scenario no longer applies: {problem}"
        else:
            found = sc.new_errors(self.process, scenario.changes, scenario.name)
            text = ("It cannot be simulated yet: " + "; ".join(found)) if found else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def _update_buttons(self) -> None:
        self.remove_change_button.setEnabled(self.scenario() is not None
                                             and self.table.current_path() is not None)

    def _on_description_finished(self) -> None:
        scenario = self.scenario()
        text = self.description.text().strip()
        if scenario is None or text == scenario.description:
            return
        assert self.document is not None
        push_replace(self.document, scenario.name, {"description": text},
                     f"Change description of scenario '{scenario.name}'")

    # --- change edits --------------------------------------------------------------------
    def _on_add_change_menu_about_to_show(self) -> None:
        menu = self.add_change_menu
        menu.clear()
        scenario = self.scenario()
        if scenario is None:
            return
        for section in sc.add_menu(self.process):
            sub = menu.addMenu(section.title)
            sub.setEnabled(bool(section.entries))
            for entry in section.entries:
                action = sub.addAction(entry.text)
                action.setData(entry.path)
                if entry.path in scenario.changes:
                    action.setCheckable(True)
                    action.setChecked(True)
                    action.setEnabled(False)
                    action.setToolTip("Already changed in this scenario")
                action.triggered.connect(lambda _c=False, p=entry.path: self.add_change(p))

    def add_change(self, path: str) -> None:
        """Add a change of ``path`` (starting at a sensible value) and edit its value."""
        scenario = self.scenario()
        if scenario is None or path in scenario.changes:
            return
        value = sc.initial_value(self.process, path)
        label = sc.change_label(self.process, path)
        problem = self._replace(scenario.name, {"changes": {**scenario.changes, path: value}},
                                f"Add change {label} to '{scenario.name}'")
        if problem:
            self.change_error.setText(problem)
            self.change_error.show()
            return
        self.table.start_editing(path)

    def _on_remove_change_clicked(self) -> None:
        scenario = self.scenario()
        path = self.table.current_path()
        if scenario is None or path is None or path not in scenario.changes:
            return
        # the other side of a two-way branch goes back to its base value with it
        gone = {path, *sc.branch_siblings(self.process, path)}
        changes = {p: v for p, v in scenario.changes.items() if p not in gone}
        label = sc.change_label(self.process, path)
        text = f"Remove change {label} from '{scenario.name}'"
        if len(scenario.changes) - len(changes) > 1:
            text += " (and the other branch)"
        problem = self._replace(scenario.name, {"changes": changes}, text)
        if problem:
            self.change_error.setText(f"Cannot remove it: {problem}")
            self.change_error.show()

    def _on_value_typed(self, path: str, text: str) -> None:
        """Check the typed value (its form, then the whole scenario); push it or mark it."""
        scenario = self.scenario()
        if scenario is None or path not in scenario.changes:
            return
        kind = sc.value_kind(path)
        try:
            value = sc.parse_typed(kind, text)
        except ValueError as exc:
            self._refuse(path, text, str(exc))
            return
        changes = {**scenario.changes, path: value}
        label = sc.change_label(self.process, path)
        text_done = f"Set {label} to {sc.show_value(kind, value)} in '{scenario.name}'"
        for sibling in sc.branch_siblings(self.process, path):
            if isinstance(value, int | float):  # a two-way branch stays whole
                changes[sibling] = round(1 - value, 6)
                text_done += " (and the other branch)"
        if changes == scenario.changes:
            self._refresh()
            return
        problem = self._replace(scenario.name, {"changes": changes}, text_done)
        if problem:
            self._refuse(path, text, problem)

    def _refuse(self, path: str, text: str, message: str) -> None:
        message = message[:1].upper() + message[1:]
        self.table.mark_invalid(path, text, message)
        self.change_error.setText(f"{sc.change_label(self.process, path)}: {message}")
        self.change_error.show()

    def _replace(self, name: str, update: dict[str, Any], text: str) -> str | None:
        assert self.document is not None
        return push_replace(self.document, name, update, text)
