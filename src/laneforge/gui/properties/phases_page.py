"""The Phases tab of the process editor: the columns of the grid (Lead Generation, ...)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QLineEdit, QListWidgetItem, QVBoxLayout

from ...model import MISSING
from ...model.editing import slug
from ...model.types import is_identifier
from ..commands import RenamePhaseCommand
from .base import Form, set_error
from .ordered_list import OrderedListPage
from .widgets import spin_box


class PhasesPage(OrderedListPage):
    """An ordered list of phases; removing one takes its nodes out of it, renaming its id
    carries over to its nodes."""

    LIST = ("phases",
            "The columns of the diagram, left to right, across all lanes. Drag a node into a "
            "column, or pick its phase, to put it in that phase. Double-click a phase to "
            "rename it.",
            "Phases, first to last. Double-click to rename.")
    BUTTONS = (("Add", "Add a phase as the last column"),
               ("Remove", "Delete the selected phase; its nodes belong to no phase afterwards"),
               ("Left", "Move the selected phase one column left"),
               ("Right", "Move the selected phase one column right"))
    USERS = "phase_users"

    def add_details(self, column: QVBoxLayout) -> None:
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

    def _phases(self) -> list[dict[str, Any]]:
        return [p.model_dump(mode="json", exclude_none=True) for p in self.process.phases]

    def entries(self) -> list[tuple[str, str]]:
        return [(p.label, p.id) for p in self.process.phases]

    def show_current(self, key: str | None) -> None:
        selected = self.list.currentRow() >= 0
        self.id_edit.setEnabled(selected)
        self.width.setEnabled(selected)
        phase_id = self.current_key()
        self.show_text(self.id_edit, phase_id or "")
        phase = next((p for p in self.process.phases if p.id == phase_id), None)
        self.show_value(self.width, int(phase.width or 0) if phase is not None else 0)
        if key is None:
            return
        names = [n.label for n in self.process.nodes if n.phase == key]
        self.users.setText(f"In this phase: {', '.join(names)}." if names
                           else "No node is in this phase yet (drag one into its column).")

    def _nodes_in(self, phase_id: str) -> list[str]:
        return [n.id for n in self.process.nodes if n.phase == phase_id]

    # --- edits -----------------------------------------------------------------------------
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
        phase_id = self.current_key()
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
        self.apply(RenamePhaseCommand(self.document, phase_id, new,  # type: ignore[arg-type]
                                     f"Change id of phase '{phase_id}' to '{new}'"))
        self.remember(self.id_edit)
        self.refresh()  # the list keeps ids: show the new one at once

    def _on_width_changed(self, value: int) -> None:
        phase_id = self.current_key()
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
        phase_id = self.current_key()
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
