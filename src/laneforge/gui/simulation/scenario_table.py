"""A scenario's changes beside their base values; refused input stays marked in its cell."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

PATH_ROLE = Qt.ItemDataRole.UserRole
EDIT_ROLE = Qt.ItemDataRole.UserRole + 1
ERROR_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Change", "Base", "Scenario")
VALUE_COLUMN = 2

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ChangeRow:
    """What one row shows: the change's label, the base and scenario values as text."""

    path: str
    label: str
    base: str
    value: str
    #: the text an editor starts with
    edit: str
    #: the scenario's value differs from the base (shown in bold)
    differs: bool
    #: the base value in full (a distribution's parameters), for its tooltip
    base_tip: str = ""


def error_color(palette: QPalette) -> QColor:
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return QColor("#FF6B6B" if dark else "#C62828")


class _ValueDelegate(QStyledItemDelegate):
    """Edits a value as text; hands the text to the table instead of writing the cell."""

    def __init__(self, table: ChangesTable) -> None:
        super().__init__(table)
        self.table = table

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("change_value_editor")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(EDIT_ROLE) or ""))
        editor.selectAll()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if index.data(ERROR_ROLE):  # a red frame reads on the selection colour too
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(error_color(option.palette), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5), 3, 3)
            painter.restore()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        path, text = str(index.data(PATH_ROLE)), editor.text()
        if text.strip() == str(index.data(EDIT_ROLE) or "").strip() \
                and not index.data(ERROR_ROLE):
            return
        # after the editor has closed, since an accepted edit refreshes the rows
        QTimer.singleShot(0, lambda: self.table.value_typed.emit(path, text))


class ChangesTable(QTableWidget):
    """One row per change; only the Scenario column is editable."""

    #: path, the text typed in its Scenario cell (not yet checked)
    value_typed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("changes_table")
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.SelectedClicked)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)  # long labels (an SLA's name) wrap rather than vanish
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setItemDelegateForColumn(VALUE_COLUMN, _ValueDelegate(self))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 10)
        header.sectionResized.connect(self._on_section_resized)
        self.empty_text = ""
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self.resizeRowsToContents)

    def sizeHint(self) -> QSize:
        rows = min(max(self.rowCount(), 3), 8)
        height = (self.horizontalHeader().sizeHint().height()
                  + rows * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth())
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.horizontalHeader().sizeHint().height()
                     + 2 * self.verticalHeader().defaultSectionSize())

    # --- showing -------------------------------------------------------------------------
    def show_rows(self, rows: list[ChangeRow]) -> None:
        """Show ``rows``; the row of the current path stays current."""
        current = self.current_path()
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        for r, row in enumerate(rows):
            cells = (row.label, row.base, row.value)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PATH_ROLE, row.path)
                item.setToolTip(row.base_tip if column == 1 and row.base_tip else text)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if column == VALUE_COLUMN:
                    flags |= Qt.ItemFlag.ItemIsEditable
                    item.setData(EDIT_ROLE, row.edit)
                    item.setToolTip(f"{text}\n\nDouble-click or press F2 to change it.")
                    if row.differs:
                        item.setFont(bold)
                item.setFlags(flags)
                self.setItem(r, column, item)
        self._fit_columns()
        self.resizeRowsToContents()
        paths = [row.path for row in rows]
        if current in paths:
            self.setCurrentCell(paths.index(current), VALUE_COLUMN)
        elif rows:
            self.setCurrentCell(0, VALUE_COLUMN)
        self.viewport().update()

    def _fit_columns(self) -> None:
        """Base and Scenario as wide as their texts, within a quarter of the table each."""
        limit = max(64, self.viewport().width() // 4)
        metrics = self.fontMetrics()
        for column in (1, 2):
            texts = [self.horizontalHeaderItem(column).text()]
            texts += [self.item(r, column).text() for r in range(self.rowCount())]
            wanted = max(metrics.horizontalAdvance(t) for t in texts) + 24
            self.setColumnWidth(column, min(wanted, limit))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_columns()

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        """Fit the rows to wrapped labels when the label column changes width."""
        # measured once the header has settled: row hints lag while it resizes
        if column == 0:
            self._rows_timer.start()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 8, -12, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.empty_text)

    # --- rows ----------------------------------------------------------------------------
    def paths(self) -> list[str]:
        return [str(self.item(r, 0).data(PATH_ROLE)) for r in range(self.rowCount())]

    def current_path(self) -> str | None:
        row = self.currentRow()
        if row < 0 or self.item(row, 0) is None:
            return None
        return str(self.item(row, 0).data(PATH_ROLE))

    def value_item(self, path: str) -> QTableWidgetItem | None:
        paths = self.paths()
        return self.item(paths.index(path), VALUE_COLUMN) if path in paths else None

    def start_editing(self, path: str) -> None:
        item = self.value_item(path)
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)
            self.editItem(item)

    def mark_invalid(self, path: str, text: str, message: str) -> None:
        """Keep the refused text in its cell, in red, with the reason as its tooltip."""
        item = self.value_item(path)
        if item is None:
            return
        red = error_color(self.palette())
        item.setText(text)
        item.setData(EDIT_ROLE, text)
        item.setData(ERROR_ROLE, message)
        item.setForeground(QBrush(red))
        tint = QColor(red)
        tint.setAlpha(38)
        item.setBackground(QBrush(tint))
        item.setToolTip(f"{message}\n\nNot applied: the scenario keeps its value.")
        self.setCurrentItem(item)

    def error_of(self, path: str) -> str | None:
        item = self.value_item(path)
        return None if item is None else item.data(ERROR_ROLE)
