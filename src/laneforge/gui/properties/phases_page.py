"""The Phases tab of the process editor: the columns of the grid (Lead Generation, ...)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...model import MISSING
from ...model.editing import slug
from ...model.types import is_identifier
from .base import Editor, Form, error_label, hint, set_error
from .commands import RenamePhaseCommand, check_steps, values_command
from .widgets import push_button, spin_box


class PhasesPage(Editor):
    """An ordered list of phases; removing one takes its nodes out of it, renaming its id
    carries over to its nodes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(hint("The columns of the diagram, left to right, across all lanes. "
                              "Drag a node into a column, or pick its phase, to put it in "
                              "that phase. Double-click a phase to rename it."))
        self.list = QListWidget()
        self.list.setObjectName("phases")
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setToolTip("Phases, first to last. Double-click to rename.")
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(self._on_current_row_changed)
        column.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button = push_button("Add", "Add a phase as the last column")
        self.remove_button = push_button("Remove", "Delete the selected phase; its nodes "
                                         "belong to no phase afterwards")
        self.up_button = push_button("Left", "Move the selected phase one column left")
        self.down_button = push_button("Right", "Move the selected phase one column right")
        for button, handler in ((self.add_button, self._on_add_clicked),
                                (self.remove_button, self._on_remove_clicked),
                                (self.up_button, lambda: self._on_move_clicked(-1)),
                                (self.down_button, lambda: self._on_move_clicked(1))):
            button.clicked.connect(handler)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        form = Form()
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("phase_id")
        form.add("Id", self.id_edit, "The phase's id in the file; nodes name their phase by it.")
        self.id_edit.editingFinished.connect(self._on_id_finished)
        self.width = spin_box(0, 10000, special="fits its nodes", suffix=" px")
        self.width.setObjectName("phase_width")
        self.width.setSingleStep(20)
        form.add("Width", self.width, "The least width of the column on the diagram; it "
                 "grows with its nodes either way.")
        self.width.valueChanged.connect(self._on_width_changed)
        column.addLayout(form)
        self.error = error_label()
        column.addWidget(self.error)
        self.users = hint()
        self.users.setObjectName("phase_users")
        column.addWidget(self.users)
        column.addStretch(1)

    def _phases(self) -> list[dict[str, Any]]:
        return [p.model_dump(mode="json", exclude_none=True) for p in self.process.phases]

    def refresh(self) -> None:
        if self.document is None:
            return
        phases = self.process.phases
        shown = [(self.list.item(i).text(), self.list.item(i).data(Qt.ItemDataRole.UserRole))
                 for i in range(self.list.count())]
        if shown != [(p.label, p.id) for p in phases]:
            row = self.list.currentRow()
            with QSignalBlocker(self.list):
                self.list.clear()
                for phase in phases:
                    item = QListWidgetItem(phase.label)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    item.setData(Qt.ItemDataRole.UserRole, phase.id)
                    self.list.addItem(item)
                self.list.setCurrentRow(min(max(row, 0), len(phases) - 1))
            rows = min(max(len(phases), 3), 10)
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth()
                                     + 4 if phases else 3 * self.list.fontMetrics().height())
        self._update_buttons()

    def _current(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        count = self.list.count()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.id_edit.setEnabled(row >= 0)
        self.width.setEnabled(row >= 0)
        phase_id = self._current()
        self.show_text(self.id_edit, phase_id or "")
        phase = next((p for p in self.process.phases if p.id == phase_id), None)
        self.show_value(self.width, int(phase.width or 0) if phase is not None else 0)
        if phase_id is None or self.document is None:
            self.users.setText("")
            return
        names = [n.label for n in self.process.nodes if n.phase == phase_id]
        self.users.setText(f"In this phase: {', '.join(names)}." if names
                           else "No node is in this phase yet (drag one into its column).")

    def _nodes_in(self, phase_id: str) -> list[str]:
        return [n.id for n in self.process.nodes if n.phase == phase_id]

    def _push(self, text: str, steps: list[tuple[str, Any]]) -> bool:
        message = check_steps(self.document, steps)  # type: ignore[arg-type]
        self._show_error(message)
        if message:
            return False
        self.push(values_command(self.document, text, steps))
        return True

    def _show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    # --- edits -----------------------------------------------------------------------------
    def _on_current_row_changed(self, _row: int) -> None:
        self._update_buttons()

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        phase_id = item.data(Qt.ItemDataRole.UserRole)
        new = item.text().strip()
        phases = self._phases()
        index = next(i for i, p in enumerate(phases) if p["id"] == phase_id)
        old = self.process.phases[index].label
        if not new or new == old:
            with QSignalBlocker(self.list):
                item.setText(old)
            self._show_error("A phase needs a name." if not new else None)
            return
        phases[index]["name"] = new
        if not self._push(f"Rename phase '{old}' to '{new}'", [("phases", phases)]):
            with QSignalBlocker(self.list):
                item.setText(old)

    def _on_id_finished(self) -> None:
        phase_id = self._current()
        new = self.id_edit.text().strip()
        if phase_id is None or new == phase_id:
            return
        ids = [p.id for p in self.process.phases]
        message = (f"'{new}' is not a valid id (letters, digits, _ and -)"
                   if not is_identifier(new) else
                   f"There is already a phase '{new}'." if new in ids else None)
        set_error(self.id_edit, message)
        if message:
            return
        self._show_error(None)
        self.push(RenamePhaseCommand(self.document, phase_id, new,  # type: ignore[arg-type]
                                     f"Change id of phase '{phase_id}' to '{new}'"))
        self.remember(self.id_edit)
        self.refresh()  # the list keeps ids: show the new one at once

    def _on_width_changed(self, value: int) -> None:
        phase_id = self._current()
        if phase_id is None:
            return
        phases = self._phases()
        for phase in phases:
            if phase["id"] == phase_id:
                if value:
                    phase["width"] = value
                else:
                    phase.pop("width", None)
        label = next((p.label for p in self.process.phases if p.id == phase_id), None)
        if label is None:  # the list is behind the model; the next refresh catches up
            return
        self.commit(self.width, "phases", phases, f"Set width of phase '{label}'", spin=True)

    def _on_add_clicked(self) -> None:
        phases = self._phases()
        ids = {p["id"] for p in phases}
        name, number = "New phase", 2
        while slug(name) in ids:
            name, number = f"New phase {number}", number + 1
        if self._push(f"Add phase '{name}'", [("phases", [*phases, {"id": slug(name),
                                                                    "name": name}])]):
            self.refresh()
            self.list.setCurrentRow(len(phases))
            self.list.editItem(self.list.item(len(phases)))

    def _on_remove_clicked(self) -> None:
        phase_id = self._current()
        if phase_id is None:
            return
        label = next(p.label for p in self.process.phases if p.id == phase_id)
        steps: list[tuple[str, Any]] = [(f"nodes.{n}.phase", MISSING)
                                        for n in self._nodes_in(phase_id)]
        steps.append(("phases", [p for p in self._phases() if p["id"] != phase_id]))
        self._push(f"Delete phase '{label}'", steps)

    def _on_move_clicked(self, step: int) -> None:
        row = self.list.currentRow()
        phases = self._phases()
        if not (0 <= row < len(phases) and 0 <= row + step < len(phases)):
            return
        label = self.process.phases[row].label
        phases[row], phases[row + step] = phases[row + step], phases[row]
        direction = "left" if step < 0 else "right"
        if self._push(f"Move phase '{label}' {direction}", [("phases", phases)]):
            self.refresh()
            self.list.setCurrentRow(row + step)
