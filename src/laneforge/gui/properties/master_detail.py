"""A list of process-level items (calendars, attributes, SLAs) above a form for the current one."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .base import Editor, Form, error_label, hint
from .widgets import push_button


class _Table(QTableWidget):
    """A table as tall as its rows (up to a few), so the form below stays in view."""

    def sizeHint(self) -> QSize:
        rows = min(max(self.rowCount(), 2), 6)
        height = self.horizontalHeader().height() + rows * self.verticalHeader(
        ).defaultSectionSize() + 2 * self.frameWidth()
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())


class MasterDetail(Editor):
    """Subclasses define ``columns``, ``noun`` and the hooks below."""

    columns: tuple[str, ...] = ()
    #: the column that takes the free width (its text is elided when too long)
    stretch_column = 0
    noun = "item"

    def __init__(self, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(hint(intro))
        self.table = _Table(0, len(self.columns))
        #: the keys and texts the table shows (refilled only when they change)
        self._table_rows: tuple[list[str], list[list[str]]] | None = None
        self.table.setObjectName("table")
        self.table.setHorizontalHeaderLabels(list(self.columns))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.stretch_column, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 10)
        self.table.itemSelectionChanged.connect(self._on_item_selection_changed)
        column.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button = push_button("Add", f"Add a {self.noun}")
        self.add_button.setObjectName("add")
        self.remove_button = push_button("Remove", f"Remove the selected {self.noun}")
        self.remove_button.setObjectName("remove")
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.list_error = error_label()
        column.addWidget(self.list_error)
        self.detail = QWidget()
        self.detail_column = QVBoxLayout(self.detail)
        self.detail_column.setContentsMargins(0, 6, 0, 0)
        self.form = Form()
        self.detail_column.addLayout(self.form)
        column.addWidget(self.detail)

    # --- hooks -----------------------------------------------------------------------------
    def keys(self) -> list[str]:
        raise TypeError(f"{type(self).__name__} must define keys()")

    def row(self, key: str) -> list[str]:
        raise TypeError(f"{type(self).__name__} must define row()")

    def refresh_detail(self, key: str) -> None:
        raise TypeError(f"{type(self).__name__} must define refresh_detail()")

    def add_item(self) -> str | None:
        """Push the command adding an item; return its key to select it."""
        raise TypeError(f"{type(self).__name__} must define add_item()")

    def remove_item(self, key: str) -> str | None:
        """Push the command removing ``key``, or return why it cannot be removed."""
        raise TypeError(f"{type(self).__name__} must define remove_item()")

    # --- showing ---------------------------------------------------------------------------
    def select(self, key: str) -> None:
        if key != self.current:
            self.current = key
            self.forget()
        self.refresh()

    def refresh(self) -> None:
        if self.document is None:
            return
        keys = self.keys()
        rows = [self.row(key) for key in keys]
        if self._table_rows != (keys, rows):
            with QSignalBlocker(self.table):
                self.table.setRowCount(len(rows))
                for r, (key, texts) in enumerate(zip(keys, rows, strict=True)):
                    for c, text in enumerate(texts):
                        item = QTableWidgetItem(text)
                        item.setData(Qt.ItemDataRole.UserRole, key)
                        item.setToolTip(text)
                        self.table.setItem(r, c, item)
            self._table_rows = (keys, rows)
            self.table.updateGeometry()
        if self.current not in keys:
            old = self.current
            self.current = keys[0] if keys else ""
            if old != self.current:
                self.forget()
        with QSignalBlocker(self.table):
            if self.current:
                self.table.selectRow(keys.index(self.current))
            else:
                self.table.clearSelection()
        self.remove_button.setEnabled(bool(self.current))
        self.detail.setVisible(bool(self.current))
        if self.current:
            self.refresh_detail(self.current)

    # --- edits -----------------------------------------------------------------------------
    def _on_item_selection_changed(self) -> None:
        items = self.table.selectedItems()
        if items:
            self.select(items[0].data(Qt.ItemDataRole.UserRole))

    def _on_add_clicked(self) -> None:
        self.list_error.hide()
        key = self.add_item()
        if key:
            self.select(key)

    def _on_remove_clicked(self) -> None:
        if not self.current:
            return
        message = self.remove_item(self.current)
        self.list_error.setText(message or "")
        self.list_error.setVisible(bool(message))
