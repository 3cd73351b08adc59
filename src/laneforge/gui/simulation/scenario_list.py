"""The scenarios list: name over description, a tick box to compare, renamed in place."""

from __future__ import annotations

import html
from collections.abc import Sequence

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
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ...model import Scenario

NAME_ROLE = Qt.ItemDataRole.UserRole
DESCRIPTION_ROLE = Qt.ItemDataRole.UserRole + 1
PAD = 5

Index = QModelIndex | QPersistentModelIndex


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    return QColor(round(a.red() * share + b.red() * (1 - share)),
                  round(a.green() * share + b.green() * (1 - share)),
                  round(a.blue() * share + b.blue() * (1 - share)))


class _Delegate(QStyledItemDelegate):
    """Paints the name in bold over a muted description; edits the name only."""

    def __init__(self, owner: ScenarioList) -> None:
        super().__init__(owner)
        self.owner = owner

    def _bold(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        lines = 2 if index.data(DESCRIPTION_ROLE) else 1
        return QSize(120, metrics.lineSpacing() * lines + 2 * PAD + (2 if lines == 2 else 0))

    def _text_rect(self, option: QStyleOptionViewItem, index: Index):
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else self.owner.style()
        return opt, style, style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt,
                                                opt.widget)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt, style, rect = self._text_rect(option, index)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        self._outline_check(painter, opt, style)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Enabled \
            else QPalette.ColorGroup.Disabled
        text = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected
                                 else QPalette.ColorRole.Text)
        back = opt.palette.color(group, QPalette.ColorRole.Highlight if selected
                                 else QPalette.ColorRole.Base)
        line = QFontMetrics(opt.font).lineSpacing()
        rect = rect.adjusted(2, PAD, -4, -PAD)
        painter.save()
        bold = self._bold(opt)
        painter.setFont(bold)
        painter.setPen(text)
        name = QFontMetrics(bold).elidedText(str(index.data(NAME_ROLE)),
                                             Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.x(), rect.y(), rect.width(), line,
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        description = str(index.data(DESCRIPTION_ROLE) or "")
        if description:
            painter.setFont(opt.font)
            painter.setPen(_mix(text, back, 0.68))
            shown = QFontMetrics(opt.font).elidedText(description, Qt.TextElideMode.ElideRight,
                                                      rect.width())
            painter.drawText(rect.x(), rect.y() + line + 2, rect.width(), line,
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        painter.restore()

    @staticmethod
    def _outline_check(painter: QPainter, opt: QStyleOptionViewItem, style: QStyle) -> None:
        """A visible frame round the check box on a dark palette."""
        # Fusion outlines it in a darker shade of the window colour: invisible on dark
        base = opt.palette.color(QPalette.ColorRole.Base)
        if base.lightness() >= 128:
            return
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt,
                                   opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_mix(opt.palette.color(QPalette.ColorRole.Text), base, 0.45))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(box).adjusted(1.5, 1.5, -1.5, -1.5), 2, 2)
        painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("scenario_name_editor")
        editor.setFont(self._bold(option))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(NAME_ROLE)))
        editor.selectAll()

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: Index) -> None:
        _opt, _style, rect = self._text_rect(option, index)
        height = max(editor.sizeHint().height(), QFontMetrics(option.font).lineSpacing() + 6)
        editor.setGeometry(rect.x(), rect.y() + 1, rect.width(), height)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        """Never writes the item: the dock renames through an undo command (or refuses)."""
        assert isinstance(editor, QLineEdit)
        old, new = str(index.data(NAME_ROLE)), editor.text()
        if new.strip() != old:
            # after the editor has closed: the rename rebuilds the list
            QTimer.singleShot(0, lambda: self.owner.rename_typed.emit(old, new))


class ScenarioList(QListWidget):
    """Scenarios of the process in file order; tick boxes choose which to compare."""

    #: old name, the name typed (not yet checked)
    rename_typed = Signal(str, str)
    #: the set of ticked scenarios changed
    checks_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenario_list")
        self.setItemDelegate(_Delegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setUniformItemSizes(False)
        self.setAlternatingRowColors(False)
        self.checked: set[str] = set()
        self.itemChanged.connect(self._on_item_changed)

    def _row_height(self) -> int:
        return 2 * self.fontMetrics().lineSpacing() + 2 * PAD + 2

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._row_height() * 4 + 4)

    def minimumSizeHint(self) -> QSize:
        """Room for two scenarios and a half, so a short dock still shows there are more."""
        return QSize(120, round(self._row_height() * 2.5) + 2 * self.frameWidth())

    def show_scenarios(self, scenarios: Sequence[Scenario], current: str | None) -> None:
        """Rebuild the rows (ticks kept by name) and select ``current``."""
        names = [s.name for s in scenarios]
        self.checked &= set(names)
        self.blockSignals(True)
        try:
            self.clear()
            for scenario in scenarios:
                item = QListWidgetItem()
                item.setData(NAME_ROLE, scenario.name)
                item.setData(DESCRIPTION_ROLE, scenario.description)
                item.setData(Qt.ItemDataRole.DisplayRole, scenario.name)
                item.setToolTip(f"<b>{html.escape(scenario.name)}</b><br>"
                                f"{html.escape(scenario.description)}"
                                if scenario.description else html.escape(scenario.name))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if scenario.name in self.checked
                                   else Qt.CheckState.Unchecked)
                self.addItem(item)
            if current in names:
                self.setCurrentRow(names.index(current))
        finally:
            self.blockSignals(False)

    def current_name(self) -> str | None:
        item = self.currentItem()
        return None if item is None else str(item.data(NAME_ROLE))

    def item_named(self, name: str) -> QListWidgetItem | None:
        for row in range(self.count()):
            if self.item(row).data(NAME_ROLE) == name:
                return self.item(row)
        return None

    def checked_names(self) -> list[str]:
        """Ticked scenarios in list (file) order."""
        return [str(self.item(r).data(NAME_ROLE)) for r in range(self.count())
                if self.item(r).checkState() == Qt.CheckState.Checked]

    def follow_rename(self, old: str, new: str) -> None:
        """Keep a tick on a renamed scenario."""
        if old in self.checked:
            self.checked.discard(old)
            self.checked.add(new)

    def start_rename(self) -> None:
        item = self.currentItem()
        if item is not None:
            self.editItem(item)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        name = str(item.data(NAME_ROLE))
        if item.checkState() == Qt.CheckState.Checked:
            self.checked.add(name)
        else:
            self.checked.discard(name)
        self.checks_changed.emit()
