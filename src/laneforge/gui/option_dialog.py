"""Dialogs whose fields stand for a command's options (Staffing plan…, Forecast…).

The use cases raise one-line errors that name the option ("--as-of: 2020-01-01 is outside
the export"); such a dialog shows the line under its fields with the option replaced by the
field's label, and marks that field. Its look follows the palette, light or dark.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from .properties.base import set_error
from .properties.look import stylesheet

#: "--target: ..." or "--shifts/--days/--hours: ..." at the start of a message
OPTION = re.compile(r"^(--[a-z-]+(?:/--[a-z-]+)*):\s*")


def option_message(message: str, labels: dict[str, str],
                   pattern: re.Pattern[str] = OPTION) -> tuple[str, str | None]:
    """The message's first line with the option it names as its field's label, and that
    option ("--target"), or None when it names none."""
    first = str(message).strip().splitlines()[0] if str(message).strip() else "Failed"
    match = pattern.match(first)
    if match is None:
        return first, None
    option = match.group(1)
    return f"{labels.get(option, option)}: {first[match.end():]}", option


class OptionDialog(QDialog):
    """Shows a use case's error at the field of the option it names (``_fields``), in the
    style sheet of the app's panels (``_extra_style`` adds the dialog's own rules)."""

    error: QLabel

    def error_message(self, message: str) -> tuple[str, str | None]:
        """The line to show and the option it names; a dialog gives its fields' labels."""
        return option_message(message, {})

    def _fields(self) -> dict[str, QWidget]:
        return {}

    def _extra_style(self) -> str:
        return ""

    def make_error_label(self) -> QLabel:
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        return self.error

    def show_error(self, message: str | None) -> None:
        """One line under the fields (None hides it); the field it names is marked."""
        fields = self._fields()
        for widget in fields.values():
            set_error(widget, None)
        if not message:
            self.error.hide()
            return
        text, option = self.error_message(message)
        self.error.setText(text)
        self.error.show()
        for name in (option or "").split("/"):
            widget = fields.get(name)
            if widget is not None:
                set_error(widget, text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style()

    def _apply_style(self) -> None:
        sheet = stylesheet(self.palette(), self.font().pointSizeF()) + self._extra_style()
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)
