"""Small widgets of the properties dock: spin boxes, unit rows, a colour button, a text box,
a time-zone field."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from PySide6.QtCore import QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFont, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCompleter,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def spin_box(minimum: int, maximum: int, *, special: str | None = None,
             suffix: str = "") -> QSpinBox:
    """An integer spin box that commits on Enter / focus out, not on every keystroke."""
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setKeyboardTracking(False)
    spin.setAccelerated(True)
    spin.setSuffix(suffix)
    if special:
        spin.setSpecialValueText(special)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return spin


def double_spin(minimum: float, maximum: float, decimals: int, step: float, *,
                suffix: str = "") -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(minimum, maximum)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)
    spin.setSuffix(suffix)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return spin


def row(*widgets: QWidget | str, stretch: bool = False) -> QWidget:
    """Widgets side by side without margins; strings become muted unit labels."""
    container = QWidget()
    layout = QHBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for item in widgets:
        if isinstance(item, str):
            label = QLabel(item)
            label.setProperty("role", "hint")
            layout.addWidget(label)
        else:
            layout.addWidget(item, 1 if isinstance(item, QPlainTextEdit) else 0)
    if stretch:
        layout.addStretch(1)
    return container


def grow_row(main: QWidget, *rest: QWidget | str) -> QWidget:
    """``main`` takes the free width, the rest (units, buttons) keep their size."""
    container = row(main, *rest)
    layout = container.layout()
    assert isinstance(layout, QHBoxLayout)
    layout.setStretch(0, 1)
    return container


def push_button(text: str, tip: str) -> QPushButton:
    """A small framed button (never the dialog default, so Enter in a field does not click it)."""
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button


def tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


class TextBox(QPlainTextEdit):
    """A multi-line text field that, like QLineEdit, says when editing is finished."""

    editing_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    def sizeHint(self) -> QSize:
        lines = 5
        height = self.fontMetrics().lineSpacing() * lines + 12
        return QSize(super().sizeHint().width(), height)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class ColorButton(QPushButton):
    """Shows a colour swatch and its hex code; emits ``color_chosen`` after the dialog."""

    color_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = ""
        self.clicked.connect(self._on_clicked)

    @property
    def color(self) -> str:
        return self._color

    def set_color(self, color: str, automatic: bool = False) -> None:
        self._color = color
        side = self.fontMetrics().height()
        pixmap = QPixmap(side * 2, side)
        pixmap.setDevicePixelRatio(1.0)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(0.5, 0.5, side * 2 - 1, side - 1, 3, 3)
        painter.end()
        self.setIcon(QIcon(pixmap))
        self.setIconSize(pixmap.size())
        self.setText(f"{color.upper()}  (automatic)" if automatic else color.upper())

    def _on_clicked(self) -> None:
        from PySide6.QtWidgets import QColorDialog

        chosen = QColorDialog.getColor(QColor(self._color), self, "Lane colour")
        if chosen.isValid():
            self.color_chosen.emit(chosen.name().upper())


class Collapsible(QWidget):
    """A section with a clickable heading that shows or hides its content."""

    expanded_changed = Signal(bool)

    def __init__(self, title: str, content: QWidget, tip: str = "", *,
                 expanded: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.button = QToolButton()
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.button.setToolTip(tip)
        self.button.setProperty("role", "section")
        font = self.button.font()
        font.setWeight(QFont.Weight.DemiBold)
        self.button.setFont(font)
        self.button.toggled.connect(self._on_toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.button)
        layout.addWidget(content)
        self.set_title(title)
        self.button.setChecked(expanded)
        self._on_toggled(expanded)

    @property
    def expanded(self) -> bool:
        return self.button.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.button.setChecked(expanded)

    def set_title(self, title: str) -> None:
        self.button.setText(title)

    def _on_toggled(self, checked: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)
        self.content.setVisible(checked)
        self.expanded_changed.emit(checked)


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """The IANA time zones this machine knows, sorted (read once: about 30 ms)."""
    return sorted(zoneinfo.available_timezones())


class ZoneEdit(QLineEdit):
    """A line edit for an IANA time zone, completing names as they are typed ("lon" offers
    Europe/London); the list is read the first time the field gets the focus."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)

    def focusInEvent(self, event: QFocusEvent) -> None:
        if not self._names.rowCount():
            self._names.setStringList(zone_names())
        super().focusInEvent(event)
