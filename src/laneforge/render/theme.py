"""Colours and fonts of the diagram, light and dark; the bundled Inter font is registered once."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication

from ..bundled import resources_dir

FONT_FAMILIES = ["Inter", "Segoe UI", "Helvetica Neue", "Arial", "DejaVu Sans"]
_registered = False


def register_fonts() -> None:
    """Load the bundled fonts into Qt's font database (needs a QGuiApplication)."""
    global _registered
    if _registered or QGuiApplication.instance() is None:
        return
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        QFontDatabase.addApplicationFont(str(path))
    _registered = True


def font(point_size: float, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    register_fonts()
    result = QFont()
    result.setFamilies(FONT_FAMILIES)
    result.setPointSizeF(point_size)
    result.setWeight(weight)
    result.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return result


@dataclass(frozen=True)
class Theme:
    name: str
    canvas: str
    lane_fill: str
    lane_fill_alt: str
    lane_line: str
    header_fill: str
    text: str
    subtext: str
    node_fill: str
    edge: str
    label_fill: str
    selection: str
    error: str
    warning: str
    badge_fill: str
    badge_text: str
    sla: str
    won: str
    lost: str

    def color(self, name: str, alpha: float = 1.0) -> QColor:
        value = QColor(getattr(self, name))
        value.setAlphaF(alpha)
        return value


LIGHT = Theme(
    name="light", canvas="#F3F4F6", lane_fill="#FFFFFF", lane_fill_alt="#FAFBFC",
    lane_line="#D9DCE1", header_fill="#F7F8FA", text="#1F2933", subtext="#5F6B7A",
    node_fill="#FFFFFF", edge="#5B6573", label_fill="#FFFFFF", selection="#2F6FED",
    error="#D93025", warning="#E8A317", badge_fill="#EEF1F5", badge_text="#3E4A59",
    sla="#7A4FD6", won="#2E9E5B", lost="#C4473A",
)

DARK = Theme(
    name="dark", canvas="#17191C", lane_fill="#202327", lane_fill_alt="#1C1F23",
    lane_line="#353A41", header_fill="#25292E", text="#E6E9ED", subtext="#A3ACB8",
    node_fill="#2A2E34", edge="#9AA3AE", label_fill="#2A2E34", selection="#6EA0FF",
    error="#FF6B5E", warning="#F5C04E", badge_fill="#333941", badge_text="#D5DAE1",
    sla="#B292FF", won="#4CC486", lost="#F07A6C",
)

THEMES = {"light": LIGHT, "dark": DARK}
