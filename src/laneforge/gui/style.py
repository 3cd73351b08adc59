"""Application look: light and dark palettes, the diagram theme that goes with each, and a
small stylesheet (dock titles, hints, fields marked invalid)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ..bundled import resources_dir
from ..render.theme import DARK, LIGHT, Theme, font

MODES = ("system", "light", "dark")

STYLESHEET = """
QDockWidget::title { padding: 6px 8px; font-weight: 600; }
QLabel#hint { color: palette(placeholder-text); font-size: 8.5pt; }
QLabel#sectionTitle { font-weight: 600; padding-top: 6px; }
QLabel#errorText { color: #D93025; font-size: 8.5pt; }
QFrame#kpiTile { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QLabel#kpiValue { font-size: 15pt; font-weight: 600; }
*[invalid="true"] { border: 1.5px solid #D93025; border-radius: 3px; }
QToolButton { padding: 4px 8px; border-radius: 5px; }
QToolButton:checked { background: palette(highlight); color: palette(highlighted-text); }
QStatusBar QLabel { padding: 0 8px; }
QLineEdit#inlineEditor { border: 2px solid palette(highlight); border-radius: 4px;
                         padding: 2px 4px; }
"""


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        return hints.colorScheme() == Qt.ColorScheme.Dark
    return QApplication.palette().window().color().lightness() < 128


def theme_for(mode: str) -> Theme:
    if mode == "dark" or (mode == "system" and system_is_dark()):
        return DARK
    return LIGHT


def _palette(theme: Theme) -> QPalette:
    palette = QPalette()
    dark = theme.name == "dark"
    window = QColor("#24272C" if dark else "#F5F6F8")
    base = QColor("#1C1F23" if dark else "#FFFFFF")
    text = QColor(theme.text)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#23272C" if dark else "#F7F8FA"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2C3036" if dark else "#FFFFFF"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.Highlight: QColor(theme.selection),
        QPalette.ColorRole.HighlightedText: QColor("#FFFFFF"),
        QPalette.ColorRole.ToolTipBase: QColor("#2C3036" if dark else "#FFFFFF"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(theme.subtext),
        QPalette.ColorRole.Mid: QColor(theme.lane_line),
        QPalette.ColorRole.Midlight: QColor("#353A41" if dark else "#E6E8EC"),
        QPalette.ColorRole.Dark: QColor("#15171A" if dark else "#B8BDC6"),
        QPalette.ColorRole.Light: QColor("#3A3F46" if dark else "#FFFFFF"),
        QPalette.ColorRole.Link: QColor(theme.selection),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.subtext))
    return palette


def _indicators(theme: Theme) -> str:
    """Check boxes drawn with a visible outline in both palettes (Fusion's vanish on dark)."""
    check = (resources_dir() / "check.svg").as_posix()
    outline = "#7A8594" if theme.name == "dark" else "#9AA3AE"
    selectors = ("QCheckBox::indicator", "QListView::indicator", "QTreeView::indicator",
                 "QTableView::indicator", "QGroupBox::indicator")
    base = ", ".join(selectors)
    checked = ", ".join(f"{s}:checked" for s in selectors)
    disabled = ", ".join(f"{s}:disabled" for s in selectors)
    return (f"{base} {{ width: 13px; height: 13px; border: 1px solid {outline}; "
            "border-radius: 3px; background: palette(base); }\n"
            f"{checked} {{ background: {theme.selection}; border-color: {theme.selection}; "
            f"image: url({check}); }}\n"
            f"{disabled} {{ border-color: {theme.lane_line}; }}\n")


def apply_look(app: QApplication, mode: str) -> Theme:
    """Style the application for ``mode`` (system, light or dark); returns the diagram theme."""
    theme = theme_for(mode)
    app.setStyle("Fusion")
    app.setPalette(_palette(theme))
    app.setFont(font(9.5))
    app.setStyleSheet(STYLESHEET + _indicators(theme))
    return theme
