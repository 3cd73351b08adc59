"""The Stages tab of the process editor: the funnel's ordered stages (Lead, MQL, SQL, ...)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...model import MISSING
from .base import Editor, error_label, hint
from .commands import check_steps, values_command
from .widgets import push_button


class StagesPage(Editor):
    """An ordered list; renaming or deleting a stage updates the nodes marked with it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(hint("The funnel in order. A lead reaches a stage the first time it "
                              "passes a node marked with it; conversion is measured between "
                              "consecutive stages. Double-click a stage to rename it."))
        self.list = QListWidget()
        self.list.setObjectName("stages")
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setToolTip("Funnel stages, first to last. Double-click to rename.")
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(self._on_current_row_changed)
        column.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button = push_button("Add", "Add a stage at the end of the funnel")
        self.remove_button = push_button("Remove", "Delete the selected stage; nodes marked "
                                         "with it lose their stage")
        self.up_button = push_button("Up", "Move the selected stage earlier in the funnel")
        self.down_button = push_button("Down", "Move the selected stage later in the funnel")
        for button, handler in ((self.add_button, self._on_add_clicked),
                                (self.remove_button, self._on_remove_clicked),
                                (self.up_button, lambda: self._on_move_clicked(-1)),
                                (self.down_button, lambda: self._on_move_clicked(1))):
            button.clicked.connect(handler)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.error = error_label()
        column.addWidget(self.error)
        self.users = hint()
        self.users.setObjectName("stage_users")
        column.addWidget(self.users)
        column.addStretch(1)

    @property
    def stages(self) -> list[str]:
        return list(self.process.stages)

    def refresh(self) -> None:
        if self.document is None:
            return
        stages = self.stages
        shown = [(self.list.item(i).text(), self.list.item(i).data(Qt.ItemDataRole.UserRole))
                 for i in range(self.list.count())]
        if shown != [(stage, stage) for stage in stages]:
            row = self.list.currentRow()
            with QSignalBlocker(self.list):
                self.list.clear()
                for stage in stages:
                    item = QListWidgetItem(stage)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    item.setData(Qt.ItemDataRole.UserRole, stage)
                    self.list.addItem(item)
                self.list.setCurrentRow(min(max(row, 0), len(stages) - 1))
            rows = min(max(len(stages), 3), 10)
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth()
                                     + 4 if stages else 3 * self.list.fontMetrics().height())
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        count = self.list.count()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        if row < 0 or self.document is None:
            self.users.setText("")
            return
        stage = self.stages[row] if row < len(self.stages) else ""
        names = [n.label for n in self.process.nodes if n.stage == stage]
        self.users.setText(f"Reached at: {', '.join(names)}." if names
                           else "No node is marked with this stage yet (select a node and "
                                "set its stage).")

    def _nodes_with(self, stage: str) -> list[str]:
        return [n.id for n in self.process.nodes if n.stage == stage]

    def _push(self, text: str, steps: list[tuple[str, Any]]) -> bool:
        message = check_steps(self.document, steps)  # type: ignore[arg-type]
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        if message:
            return False
        self.push(values_command(self.document, text, steps))
        return True

    # --- edits -----------------------------------------------------------------------------
    def _on_current_row_changed(self, _row: int) -> None:
        self._update_buttons()

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
            self.error.setText(message or "")
            self.error.setVisible(bool(message))
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
