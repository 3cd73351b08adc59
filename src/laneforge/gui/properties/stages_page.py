"""The Stages tab of the process editor: the funnel's ordered stages (Lead, MQL, SQL, ...)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QListWidgetItem

from ...model import MISSING
from .ordered_list import OrderedListPage


class StagesPage(OrderedListPage):
    """An ordered list; renaming or deleting a stage updates the nodes marked with it."""

    LIST = ("stages",
            "The funnel in order. A lead reaches a stage the first time it passes a node "
            "marked with it; conversion is measured between consecutive stages. "
            "Double-click a stage to rename it.",
            "Funnel stages, first to last. Double-click to rename.")
    BUTTONS = (("Add", "Add a stage at the end of the funnel"),
               ("Remove", "Delete the selected stage; nodes marked with it lose their stage"),
               ("Up", "Move the selected stage earlier in the funnel"),
               ("Down", "Move the selected stage later in the funnel"))
    USERS = "stage_users"

    @property
    def stages(self) -> list[str]:
        return list(self.process.stages)

    def entries(self) -> list[tuple[str, str]]:
        return [(stage, stage) for stage in self.stages]

    def show_current(self, key: str | None) -> None:
        if key is None:
            return
        names = [n.label for n in self.process.nodes if n.stage == key]
        self.users.setText(f"Reached at: {', '.join(names)}." if names
                           else "No node is marked with this stage yet (select a node and "
                                "set its stage).")

    def _nodes_with(self, stage: str) -> list[str]:
        return [n.id for n in self.process.nodes if n.stage == stage]

    # --- edits -----------------------------------------------------------------------------
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        old = item.data(Qt.ItemDataRole.UserRole)
        new = item.text().strip()
        stages = self.stages
        message = None
        if not new:
            message = "A stage needs a name."
        elif new != old and new in stages:
            message = f"There is already a stage '{new}'."
        if message or new == old:
            with QSignalBlocker(self.list):
                item.setText(old)
            self._show_error(message)
            return
        index = stages.index(old)
        # the new name exists while the nodes are moved to it, then the old one goes
        both = [*stages[:index + 1], new, *stages[index + 1:]]
        final = [new if s == old else s for s in stages]
        steps: list[tuple[str, Any]] = [("stages", both)]
        steps += [(f"nodes.{n}.stage", new) for n in self._nodes_with(old)]
        steps.append(("stages", final))
        renamed = self._push(f"Rename stage '{old}' to '{new}'", steps)
        with QSignalBlocker(self.list):
            if renamed:
                item.setData(Qt.ItemDataRole.UserRole, new)
            else:
                item.setText(old)

    def _on_add_clicked(self) -> None:
        stages = self.stages
        name, number = "New stage", 2
        while name in stages:
            name, number = f"New stage {number}", number + 1
        if self._push(f"Add stage '{name}'", [("stages", [*stages, name])]):
            self.refresh()
            self.list.setCurrentRow(len(stages))
            self.list.editItem(self.list.item(len(stages)))

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        stages = self.stages
        if not 0 <= row < len(stages):
            return
        stage = stages[row]
        steps: list[tuple[str, Any]] = [(f"nodes.{n}.stage", MISSING)
                                        for n in self._nodes_with(stage)]
        steps.append(("stages", [s for s in stages if s != stage]))
        self._push(f"Delete stage '{stage}'", steps)

    def _on_move_clicked(self, step: int) -> None:
        row = self.list.currentRow()
        stages = self.stages
        if not (0 <= row < len(stages) and 0 <= row + step < len(stages)):
            return
        stage = stages[row]
        stages[row], stages[row + step] = stages[row + step], stages[row]
        direction = "up" if step < 0 else "down"
        if self._push(f"Move stage '{stage}' {direction}", [("stages", stages)]):
            self.refresh()
            self.list.setCurrentRow(row + step)
