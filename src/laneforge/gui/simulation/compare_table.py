"""KPIs by run, each delta coloured by its verdict: green better, red worse, blue changed
(significant where neither direction is better), grey not significant.

Columns are as wide as their text; with many scenarios the table scrolls sideways rather
than cutting a value or a scenario's name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ...app.compare import Row, format_figure
from ...app.core import Results
from .compare_export import VERDICT_WORDS, cell_text, run_names

DELTA_ROLE = Qt.ItemDataRole.UserRole
VERDICT_ROLE = Qt.ItemDataRole.UserRole + 1
GAP = 10

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class VerdictColors:
    better: QColor
    worse: QColor
    same: QColor
    changed: QColor

    @classmethod
    def for_palette(cls, palette: QPalette) -> VerdictColors:
        """Greens and reds that read on the palette's base colour, grey from its text."""
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        grey = QColor(*(round(a * 0.55 + b * 0.45) for a, b in
                        ((text.red(), base.red()), (text.green(), base.green()),
                         (text.blue(), base.blue()))))
        if dark:
            return cls(QColor("#4CC486"), QColor("#FF7A6E"), grey, QColor("#7FB2F0"))
        return cls(QColor("#1E8A4C"), QColor("#C9372C"), grey, QColor("#2F64B0"))

    def of(self, verdict: str) -> QColor:
        return {"better": self.better, "worse": self.worse,
                "changed": self.changed}.get(verdict, self.same)


class _CellDelegate(QStyledItemDelegate):
    """Draws the value in the text colour and the delta after it in its verdict colour."""

    def __init__(self, table: CompareTable) -> None:
        super().__init__(table)
        self.table = table

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        value, delta = opt.text, str(index.data(DELTA_ROLE) or "")
        opt.text = ""
        style = opt.widget.style() if opt.widget else self.table.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(8, 0, -8, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        # the option's own palette (before initStyleOption put the verdict colour in it)
        text = option.palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        painter.save()
        width = self.table.delta_width(index.column())
        middle = Qt.AlignmentFlag.AlignVCenter
        if width:
            delta_rect = QRect(rect.right() - width + 1, rect.y(), width, rect.height())
            font = QFont(opt.font)
            font.setWeight(QFont.Weight.DemiBold)
            painter.setFont(font)
            brush = index.data(Qt.ItemDataRole.ForegroundRole)
            painter.setPen(text if selected or not isinstance(brush, QBrush)
                           else brush.color())
            painter.drawText(delta_rect, Qt.AlignmentFlag.AlignRight | middle, delta)
            rect.setRight(rect.right() - width - GAP)
        painter.setFont(opt.font)
        painter.setPen(text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | middle, value)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        width = metrics.horizontalAdvance(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        delta = self.table.delta_width(index.column())
        return QSize(width + delta + (GAP if delta else 0) + 16, metrics.lineSpacing() + 10)


class CompareTable(QTableWidget):
    """Read-only; the first column names the KPI, then one column per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 0, parent)
        self.setObjectName("compare_table")
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setHighlightSections(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 10)
        self._delegate = _CellDelegate(self)
        self._delta_widths: dict[int, int] = {}
        self.rows: list[Row] = []

    def delta_width(self, column: int) -> int:
        return self._delta_widths.get(column, 0)

    def show_rows(self, runs: Sequence[Results], rows: Sequence[Row],
                  colors: VerdictColors) -> None:
        """Fill the table; each run column's cell holds value, delta and verdict."""
        self.rows = list(rows)
        names = run_names(runs)
        self.clear()
        self.setRowCount(len(rows))
        self.setColumnCount(1 + len(runs))
        self.setHorizontalHeaderLabels(["KPI", *names])
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        for column in range(1, 1 + len(runs)):
            self.setItemDelegateForColumn(column, self._delegate)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            item = self.horizontalHeaderItem(column)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.horizontalHeaderItem(0).setTextAlignment(Qt.AlignmentFlag.AlignLeft
                                                      | Qt.AlignmentFlag.AlignVCenter)
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(bold)
        self._delta_widths = {}
        for r, row in enumerate(rows):
            label = QTableWidgetItem(row.metric.label)
            label.setToolTip(row.metric.label)
            self.setItem(r, 0, label)
            for i in range(len(runs)):
                value, delta = cell_text(row, i)
                verdict = row.verdict(i)
                item = QTableWidgetItem(value)
                item.setData(DELTA_ROLE, delta)
                item.setData(VERDICT_ROLE, verdict)
                if i:
                    item.setForeground(QBrush(colors.of(verdict)))
                    if verdict in ("better", "worse", "changed"):
                        tint = QColor(colors.of(verdict))
                        tint.setAlpha(30)
                        item.setBackground(QBrush(tint))
                item.setToolTip(self._tip(row, i, names))
                self.setItem(r, 1 + i, item)
                if delta:
                    width = metrics.horizontalAdvance(delta)
                    self._delta_widths[1 + i] = max(self._delta_widths.get(1 + i, 0), width)
        self.fit_columns()
        self.setCurrentIndex(QModelIndex())  # no focus frame on the first cell
        self.viewport().update()

    def needed_width(self, column: int) -> int:
        """The width that shows the column's header and every cell whole."""
        header = self.horizontalHeaderItem(column)
        title = header.text() if header is not None else ""
        head = self.horizontalHeader().fontMetrics().horizontalAdvance(title) + 24
        return max(head, self.sizeHintForColumn(column) + (8 if column == 0 else 0))

    def fit_columns(self) -> None:
        """Every column as wide as its widest text; spare width goes to the run columns,
        so a few scenarios fill the table and many scroll sideways, never elided."""
        columns = self.columnCount()
        if not columns:
            return
        needed = [self.needed_width(c) for c in range(columns)]
        spare = self.viewport().width() - sum(needed)
        if spare > 0 and columns > 1:
            share = spare // (columns - 1)
            needed = [needed[0], *(w + share for w in needed[1:])]
        for column, width in enumerate(needed):
            self.setColumnWidth(column, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    @staticmethod
    def _tip(row: Row, column: int, names: list[str]) -> str:
        stat = row.values[column]
        kind = row.metric.kind
        if stat is None:
            return f"{row.metric.label}: not measured in {names[column]}"
        money = row.currency
        text = (f"{row.metric.label}, {names[column]}: "
                f"{format_figure(stat.mean, kind, money)}\n"
                f"95 % interval {format_figure(stat.ci95[0], kind, money)} to "
                f"{format_figure(stat.ci95[1], kind, money)}")
        if column:
            _value, delta = cell_text(row, column)
            verdict = row.verdict(column)
            text += f"\n{delta} against {names[0]}: {VERDICT_WORDS[verdict] or 'no verdict'}"
            if verdict == "same" and row.metric.better == "neutral":
                text += " (neither higher nor lower is better)"
        return text

    def minimumSizeHint(self) -> QSize:
        """Room for the header and six rows: fewer would not read as a table (a short dock
        scrolls instead)."""
        height = (self.horizontalHeader().sizeHint().height()
                  + 6 * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth()
                  + self.horizontalScrollBar().sizeHint().height())
        return QSize(super().minimumSizeHint().width(), height)

    def sizeHint(self) -> QSize:
        rows = min(max(self.rowCount(), 4), 14)
        height = (self.horizontalHeader().sizeHint().height()
                  + rows * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth())
        return QSize(super().sizeHint().width(), height)
