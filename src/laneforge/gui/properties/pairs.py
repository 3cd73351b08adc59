"""An editable list of (attribute, value) rows, for a task's updates and a source's overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .base import attach_error_label, error_label, hint, set_error, set_tip
from .widgets import push_button, tool_button


class _Row:
    def __init__(self, key_tip: str, value_tip: str, placeholder: str) -> None:
        self.key = QComboBox()
        self.key.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        set_tip(self.key, key_tip)
        self.value = QLineEdit()
        self.value.setPlaceholderText(placeholder)
        set_tip(self.value, value_tip)
        self.remove = tool_button("✕", "Remove this row")
        self.remove.setAutoRaise(True)
        self.error = error_label()
        attach_error_label(self.value, self.error)
        attach_error_label(self.key, self.error)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.key, self.value, self.remove, self.error)


class PairList(QWidget):
    """Rows of attribute combo + value text + remove button, and an Add button.

    Edits are emitted as the whole new mapping with ``items_committed(mapping, verb)``;
    ``parse(key, text)`` turns a row's text into its value or raises ValueError, which is
    shown at the row and emits nothing.
    """

    items_committed = Signal(object, str)

    def __init__(self, *, key_tip: str, value_tip: str, placeholder: str, add_text: str,
                 empty_text: str, parse: Callable[[str, str], Any],
                 display: Callable[[Any], str], default: Callable[[str], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tips = (key_tip, value_tip, placeholder)
        self._parse, self._display, self._default = parse, display, default
        self._keys: list[str] = []
        self._items: dict[str, Any] | None = None
        self._rows: list[_Row] = []
        self._last: _Row | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self.empty = hint(empty_text)
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = push_button(add_text, "Add a row")
        self.add_button.clicked.connect(self._on_add_clicked)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    @property
    def rows(self) -> list[_Row]:
        return list(self._rows)

    def reset_shown(self) -> None:
        self._items = None

    def remember_committed(self, items: Any) -> None:
        items = dict(items) if isinstance(items, dict) else {}
        if len(items) == len(self._rows):  # edited in place; added or removed rows are rebuilt
            self._items = items

    def set_items(self, items: dict[str, Any], keys: list[str], *, force: bool = False) -> None:
        """Show a mapping; rows are updated in place so focus and cursor survive."""
        if not force and items == self._items and keys == self._keys:
            return
        self._items, self._keys = dict(items), list(keys)
        while len(self._rows) > len(items):
            row = self._rows.pop()
            for widget in row.widgets():
                self.grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        while len(self._rows) < len(items):
            self._append_row()
        for row, (key, value) in zip(self._rows, items.items(), strict=True):
            choices = list(keys) + ([key] if key not in keys else [])
            with QSignalBlocker(row.key):
                if [row.key.itemText(i) for i in range(row.key.count())] != choices:
                    row.key.clear()
                    row.key.addItems(choices)
                row.key.setCurrentText(key)
            text = self._display(value)
            if row.value.text() != text:
                with QSignalBlocker(row.value):
                    row.value.setText(text)
                    row.value.setCursorPosition(0)
            set_error(row.value, None)
            set_error(row.key, None)
        self.empty.setVisible(not items)
        self.add_button.setEnabled(any(k not in items for k in keys))

    def _append_row(self) -> None:
        row = _Row(*self._tips)
        index = len(self._rows)
        self.grid.addWidget(row.key, index * 2, 0)
        self.grid.addWidget(row.value, index * 2, 1)
        self.grid.addWidget(row.remove, index * 2, 2)
        self.grid.addWidget(row.error, index * 2 + 1, 1, 1, 2)
        row.key.activated.connect(lambda _i, r=row: self._on_row_edited(r))
        row.value.editingFinished.connect(lambda r=row: self._on_row_edited(r))
        row.remove.clicked.connect(lambda _c=False, r=row: self._on_remove_clicked(r))
        self._rows.append(row)

    def collect(self) -> dict[str, Any] | None:
        """The mapping the rows describe, or None after marking the first wrong row."""
        result: dict[str, Any] = {}
        for row in self._rows:
            key = row.key.currentText()
            if key in result:
                set_error(row.key, f"{key!r} already has a row")
                return None
            try:
                result[key] = self._parse(key, row.value.text())
            except ValueError as exc:
                set_error(row.value, str(exc))
                return None
            set_error(row.key, None)
            set_error(row.value, None)
        return result

    def _on_row_edited(self, row: _Row) -> None:
        self._last = row
        items = self.collect()
        if items is not None and items != self._items:
            self.items_committed.emit(items, "Change")

    def _on_remove_clicked(self, row: _Row) -> None:
        if self._items is None or row not in self._rows:
            return
        key = list(self._items)[self._rows.index(row)]
        items = {k: v for k, v in self._items.items() if k != key}
        self.items_committed.emit(items, "Remove")

    def _on_add_clicked(self) -> None:
        items = dict(self._items or {})
        free = [k for k in self._keys if k not in items]
        if not free:
            return
        items[free[0]] = self._default(free[0])
        self.items_committed.emit(items, "Add")

    def show_error(self, message: str) -> None:
        row = self._last if self._last in self._rows else (self._rows[-1] if self._rows
                                                              else None)
        if row is not None:
            set_error(row.value, message)

    def row_count(self) -> int:
        return len(self._rows)

