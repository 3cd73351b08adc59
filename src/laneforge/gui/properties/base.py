"""Shared pieces of the property editors: forms, field errors, showing and committing values."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...model import Process
from ..commands import SetValueCommand, SpinValueCommand
from ..document import Document

#: every form's label column is at least this wide, so stacked sections line up
LABEL_SAMPLE = "People needed"

#: a field's error line, where it is not right under the field (a row of several fields)
_ERROR_LABELS: weakref.WeakKeyDictionary[QWidget, QLabel] = weakref.WeakKeyDictionary()


@runtime_checkable
class CompoundField(Protocol):
    """A field made of several widgets (a distribution, an arrival stream, a list of pairs)
    that keeps track of what it shows and shows its own errors."""

    def remember_committed(self, value: Any) -> None: ...

    def show_error(self, message: str) -> None: ...


@runtime_checkable
class KeepsShown(Protocol):
    """A widget that skips showing an unchanged value; ``reset_shown`` shows the next afresh."""

    def reset_shown(self) -> None: ...


def attach_error_label(widget: QWidget, label: QLabel) -> None:
    """``set_error(widget, …)`` writes its message into ``label`` too."""
    _ERROR_LABELS[widget] = label


def error_label_of(widget: QWidget) -> QLabel | None:
    """The line where ``widget``'s errors are written, if it has one."""
    return _ERROR_LABELS.get(widget)


_LOCATION = re.compile(r"^[A-Za-z_][\w\-]*(?:(?:\.|->)[\w\-]+)*: ")


def tidy_message(message: str) -> str:
    """A model error as shown at its field: no leading field path, first letter capital."""
    message = str(message)
    match = _LOCATION.match(message)
    if match:
        rest = message[match.end():].strip()
        if rest.startswith("Field required"):  # say which part is missing
            last = re.split(r"\.|->", match.group(0)[:-2])[-1]
            rest = f"'{last}' is missing"
        message = rest
    return message[:1].upper() + message[1:]


def set_error(widget: QWidget, message: str | None) -> None:
    """Mark a field invalid (red border, message under it and in its tooltip) or valid."""
    invalid = bool(message)
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        widget.update()
    base = widget.property("baseToolTip") or ""
    text = tidy_message(message) if message else ""
    widget.setToolTip(f"{text}\n\n{base}".strip() if invalid else base)
    label = error_label_of(widget)
    if label is not None:
        label.setText(text)
        label.setVisible(invalid)


def is_invalid(widget: QWidget) -> bool:
    return bool(widget.property("invalid"))


class WrapLabel(QLabel):
    """A word-wrapped label whose size hint follows its actual width.

    QFormLayout sizes rows by ``sizeHint()``, which for a wrapped QLabel assumes a narrow
    width and so reserves room for lines the text never needs at the dock's width.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0 and self.text():
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.width() > 0 and self.text():
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()


def error_label() -> QLabel:
    label = WrapLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # a wrapped label in a form is otherwise given room for more lines than it has
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.hide()
    return label


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


def header(layout: QVBoxLayout) -> tuple[QLabel, QLabel]:
    """The editor's title (the item's name) and a muted line saying what it is."""
    title = QLabel()
    title.setObjectName("title")
    title.setProperty("role", "title")
    title.setWordWrap(True)
    title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    subtitle = hint()
    subtitle.setObjectName("subtitle")
    layout.addWidget(title)
    layout.addWidget(subtitle)
    layout.addSpacing(6)
    return title, subtitle


def hint(text: str = "") -> QLabel:
    """A secondary, wrapped explanation in a muted colour."""
    label = WrapLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
    return label


def indented(widget: QWidget) -> QWidget:
    """``widget`` lined up with the fields of a form (for notes and check boxes under one)."""
    container = QWidget()
    layout = QHBoxLayout(container)
    left = widget.fontMetrics().horizontalAdvance(LABEL_SAMPLE) + 4 + 10
    layout.setContentsMargins(left, 0, 0, 0)
    layout.addWidget(widget)
    return container


def set_tip(widget: QWidget, tip: str) -> None:
    widget.setToolTip(tip)
    widget.setProperty("baseToolTip", tip)


def parse_number(text: str) -> int | float:
    """A number as typed ("45", "0.6", "1e3"); ints stay ints so files stay tidy."""
    value = float(text.strip().replace(",", "."))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def format_number(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Form(QFormLayout):
    """A form with right-aligned labels, an error line under each field and shared widths."""

    def __init__(self, parent: QWidget | None = None, *, margins: bool = False) -> None:
        super().__init__(parent)
        self.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.setHorizontalSpacing(10)
        self.setVerticalSpacing(6)
        if not margins:
            self.setContentsMargins(0, 0, 0, 0)
        #: the section heading above the form (set by ``section``), or None
        self.heading: QLabel | None = None

    def add(self, text: str, widget: QWidget, tip: str, *,
            field: QWidget | None = None) -> QWidget:
        """Add a row; ``field`` is a container holding ``widget`` (with units, buttons)."""
        label = QLabel(text)
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance(LABEL_SAMPLE) + 4)
        label.setAlignment(self.labelAlignment())
        label.setBuddy(widget)
        set_tip(label, tip)
        set_tip(widget, tip)
        if isinstance(widget, QComboBox):  # long item texts must not widen the dock
            widget.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(8)
        self.addRow(label, field or widget)
        self.add_error(widget)
        return widget

    def add_error(self, widget: QWidget) -> QLabel:
        """An error line under the last row, shown by set_error(widget, message)."""
        label = error_label()
        self.addRow("", label)  # no label widget: the hidden row takes no space
        attach_error_label(widget, label)
        return label

    def add_wide(self, widget: QWidget) -> QWidget:
        self.addRow(widget)
        return widget


def section(title: str | None, form: Form, layout: QVBoxLayout) -> Form:
    """Append a heading (``form.heading``) and its form to an editor's column."""
    form.heading = None
    if title:
        if layout.count():
            layout.addSpacing(8)
        form.heading = heading(title)
        layout.addWidget(form.heading)
    layout.addLayout(form)
    return form


class Editor(QWidget):
    """Base of the editors: knows the document, shows model values, commits checked edits.

    A field shows a model value only when that value differs from what it showed last, so
    refreshing after another field's edit neither echoes the edit nor discards text (or an
    invalid entry) the user is still working on, and the cursor stays where it was.
    """

    select_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self._shown: dict[QWidget, Any] = {}
        #: the (text, data) items each combo was last filled with (kept across forget)
        self._choices: dict[QComboBox, list[tuple[str, Any]]] = {}

    @property
    def process(self) -> Process:
        assert self.document is not None
        return self.document.process

    def set_document(self, document: Document | None) -> None:
        self.document = document
        self.forget()

    def forget(self) -> None:
        """Show every value afresh at the next refresh (another target was chosen)."""
        self._shown.clear()
        for child in self.findChildren(QWidget):
            if isinstance(child, Editor):
                child._shown.clear()
            if isinstance(child, KeepsShown):
                child.reset_shown()

    def refresh(self) -> None:
        """Show the model's values (subclasses)."""

    # --- showing ---------------------------------------------------------------------------
    def _changed(self, widget: QWidget, value: Any) -> bool:
        if widget in self._shown and _same(self._shown[widget], value):
            return False
        self._shown[widget] = value
        set_error(widget, None)
        return True

    def show_text(self, edit: QLineEdit, text: str) -> None:
        if self._changed(edit, text) and edit.text() != text:
            with QSignalBlocker(edit):
                edit.setText(text)
                edit.setCursorPosition(0)

    def show_value(self, spin: QSpinBox | QDoubleSpinBox, value: float) -> None:
        if self._changed(spin, value) and spin.value() != value:
            with QSignalBlocker(spin):
                if isinstance(spin, QSpinBox):
                    spin.setValue(int(value))
                else:
                    spin.setValue(value)

    def show_checked(self, button: QAbstractButton, checked: bool) -> None:
        if self._changed(button, checked) and button.isChecked() != checked:
            with QSignalBlocker(button):
                button.setChecked(checked)

    def show_choice(self, combo: QComboBox, items: Sequence[tuple[str, Any]],
                    current: Any) -> None:
        """Fill a combo with (text, data) items when they changed, and select ``current``."""
        items = list(items)
        if self._choices.get(combo) != items:
            with QSignalBlocker(combo):
                combo.clear()
                for text, data in items:
                    combo.addItem(text, data)
            self._choices[combo] = items
            self._shown.pop(combo, None)
        if self._changed(combo, current):
            index = combo.findData(current)
            with QSignalBlocker(combo):
                if index < 0 and combo.isEditable():
                    combo.setEditText("" if current is None else str(current))
                else:
                    combo.setCurrentIndex(index)

    # --- committing ------------------------------------------------------------------------
    def commit(self, widget: QWidget, path: str, value: Any, text: str, *,
               spin: bool = False, check: Callable[[Any], str | None] | None = None) -> bool:
        """Validate ``value`` for ``path`` and push it as one undo command.

        Invalid input marks ``widget`` and pushes nothing; an unchanged value pushes nothing.
        """
        if self.document is None:
            return False
        current = self.process.edit.get_value(path)
        if _same(current, value):
            _mark(widget, None)
            return True
        message = check(value) if check is not None else None
        if message is None:
            message = self.process.edit.check_value(path, value)
        if message:
            _mark(widget, message)
            return False
        _mark(widget, None)
        command = (SpinValueCommand(self.document, path, value, text) if spin
                   else SetValueCommand(self.document, path, value, text))
        self.document.apply(command)
        self.remember(widget, value)
        return True

    def remember(self, widget: QWidget, value: Any = None) -> None:
        """Note that ``widget`` now shows the model (the user's edit was just applied).

        Without this, an edit undone before the next refresh would look unchanged to the
        shown-value check and the field would keep the undone text.
        """
        if isinstance(widget, CompoundField):
            widget.remember_committed(value)
        elif isinstance(widget, QLineEdit):
            self._shown[widget] = widget.text()
        elif isinstance(widget, QSpinBox | QDoubleSpinBox):
            self._shown[widget] = widget.value()
        elif isinstance(widget, QAbstractButton):
            self._shown[widget] = widget.isChecked()
        elif isinstance(widget, QComboBox):
            self._shown[widget] = (widget.currentText() if widget.isEditable()
                                   else widget.currentData())

    def apply(self, command: QUndoCommand | None) -> None:
        """Hand an edit to the document, which pushes it as one undo step."""
        assert self.document is not None
        self.document.apply(command)


def _mark(widget: QWidget, message: str | None) -> None:
    """Show an error at a field, or through a compound editor's own ``show_error``."""
    if not isinstance(widget, CompoundField):
        set_error(widget, message)
    elif message:
        widget.show_error(message)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type (so "2" and 2, or 1 and True, count as different)."""
    if type(a) is not type(b):
        return False
    return bool(a == b)
