"""An ordered, renamable list of the process editor (stages, phases): the list, its
Add/Remove/move buttons, an error line and a line naming the nodes that use the selection.

Subclasses say what the entries are (``entries``), what the selection is used by
(``show_current``) and what the buttons do; the widgets and their upkeep live here once.
"""

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

from ..commands import check_steps, values_command
from .base import Editor, error_label, hint
from .widgets import push_button


class OrderedListPage(Editor):
    #: (object name of the list, hint above it, tooltip of the list)
    LIST: tuple[str, str, str]
    #: (text, tooltip) of the Add, Remove, earlier and later buttons
    BUTTONS: tuple[tuple[str, str], tuple[str, str], tuple[str, str], tuple[str, str]]
    #: object name of the line naming the nodes that use the selected entry
    USERS: str

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        name, text, tooltip = self.LIST
        column.addWidget(hint(text))
        self.list = QListWidget()
        self.list.setObjectName(name)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setToolTip(tooltip)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        column.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button, self.remove_button, self.up_button, self.down_button = (
            push_button(label, tip) for label, tip in self.BUTTONS)
        for button, handler in ((self.add_button, self._on_add_clicked),
                                (self.remove_button, self._on_remove_clicked),
                                (self.up_button, lambda: self._on_move_clicked(-1)),
                                (self.down_button, lambda: self._on_move_clicked(1))):
            button.clicked.connect(handler)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.add_details(column)
        self.error = error_label()
        column.addWidget(self.error)
        self.users = hint()
        self.users.setObjectName(self.USERS)
        column.addWidget(self.users)
        column.addStretch(1)

    # --- what a subclass adds -------------------------------------------------------------
    def entries(self) -> list[tuple[str, str]]:
        """The entries in order, as (shown text, key)."""
        raise TypeError(f"{type(self).__name__} must define entries()")

    # entries() -> [(shown text, key)] in order, and the handlers _on_item_changed(item),
    # _on_add_clicked(), _on_remove_clicked() and _on_move_clicked(step)
    def add_details(self, column: QVBoxLayout) -> None:
        """Widgets for the selected entry, below the buttons (none by default)."""

    def show_current(self, key: str | None) -> None:
        """Show what the selected entry (``key``, None without one) is used by."""

    # --- shared upkeep ---------------------------------------------------------------------
    def refresh(self) -> None:
        if self.document is None:
            return
        entries = self.entries()
        shown = [(self.list.item(i).text(), self.list.item(i).data(Qt.ItemDataRole.UserRole))
                 for i in range(self.list.count())]
        if shown != entries:
            row = self.list.currentRow()
            with QSignalBlocker(self.list):
                self.list.clear()
                for text, key in entries:
                    item = QListWidgetItem(text)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    item.setData(Qt.ItemDataRole.UserRole, key)
                    self.list.addItem(item)
                self.list.setCurrentRow(min(max(row, 0), len(entries) - 1))
            rows = min(max(len(entries), 3), 10)
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth()
                                     + 4 if entries else 3 * self.list.fontMetrics().height())
        self._update_buttons()

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        count = self.list.count()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        key = self.current_key() if row >= 0 and self.document is not None else None
        if key is None:
            self.users.setText("")
        self.show_current(key)

    def _show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def _push(self, text: str, steps: list[tuple[str, Any]]) -> bool:
        assert self.document is not None
        message = check_steps(self.document, steps)
        self._show_error(message)
        if message:
            return False
        self.apply(values_command(self.document, text, steps))
        return True
