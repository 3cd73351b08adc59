"""The docks' look: error red, muted hints and headings, derived from the current palette."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDockWidget


def muted_color(palette: QPalette) -> str:
    """A secondary text colour between the text and the background of the palette."""
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)
    mix = [round(t * 0.62 + b * 0.38) for t, b in
           ((text.red(), back.red()), (text.green(), back.green()), (text.blue(), back.blue()))]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def stylesheet(palette: QPalette, point_size: float = 9.0) -> str:
    """The dock's stylesheet: error red (lighter on dark palettes), muted hints, headings."""
    red = "#ff6b6b" if is_dark(palette) else "#c62828"
    muted = muted_color(palette)
    return f"""
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"],
QAbstractSpinBox[invalid="true"], QDateTimeEdit[invalid="true"] {{
    border: 1px solid {red}; border-radius: 3px; padding: 2px 3px;
}}
QLabel[role="error"] {{ color: {red}; }}
QLabel[role="warning"] {{ color: {red}; }}
QLabel[role="hint"] {{ color: {muted}; }}
QLabel[role="heading"] {{ font-weight: 600; }}
QToolButton[role="section"], QToolButton[role="section"]:checked,
QToolButton[role="section"]:hover {{
    background: transparent; border: none; padding: 3px 0px; color: palette(window-text);
}}
QLabel[role="title"] {{ font-weight: 600; font-size: {point_size * 1.25:.1f}pt; }}
"""


class StyledDock(QDockWidget):
    """A dock whose content wears :func:`stylesheet`, renewed when the palette changes.

    Subclasses call ``_apply_style()`` once their widget is set.
    """

    _styling = False  # setting the sheet sends a PaletteChange of its own

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style()

    def _apply_style(self) -> None:
        if self._styling:
            return
        self._styling = True
        try:
            sheet = stylesheet(self.palette(), self.font().pointSizeF())
            if self.widget().styleSheet() != sheet:
                self.widget().setStyleSheet(sheet)
        finally:
            self._styling = False
