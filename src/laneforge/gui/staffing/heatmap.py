"""A weekday x hour heatmap of a roster: people on per hour, with what Erlang C asks for.

Seven rows (Monday first) by 24 columns. The fill says how many people are on (a sequential
scale from the palette's base colour to the theme's accent, so it reads in light and dark
themes); where a requirement is known, a cell reads "on/needed" when the two differ and a
cell with fewer people than needed gets an outline in the theme's error colour. The same
widget, without text, is the small summary in the lane's properties.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...model.calendar import WEEKDAYS
from ...model.roster import WEEK_MINUTES, roster_steps
from ...render.theme import DARK, LIGHT, Theme

DAYS, HOURS = 7, 24
DAY_LABELS = tuple(day.capitalize() for day in WEEKDAYS)


def roster_by_hour(roster: dict[str, dict[str, int]] | None) -> np.ndarray:
    """People on in each hour of the week (168 values, Monday 00:00 first).

    A shift that starts or ends inside an hour counts for that hour with the most people on
    during it, so the heatmap's largest cell is the roster's peak."""
    if not roster:
        return np.zeros(DAYS * HOURS, dtype=np.int64)
    level = np.zeros(WEEK_MINUTES, dtype=np.int64)
    steps = roster_steps(roster)
    for (minute, people), (end, _) in zip(steps, [*steps[1:], (WEEK_MINUTES, 0)], strict=True):
        level[minute:end] = people
    return level.reshape(DAYS * HOURS, 60).max(axis=1)


def theme_of(palette: QPalette) -> Theme:
    return DARK if palette.color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT


def _mix(low: QColor, high: QColor, t: float) -> QColor:
    return QColor(round(low.red() + (high.red() - low.red()) * t),
                  round(low.green() + (high.green() - low.green()) * t),
                  round(low.blue() + (high.blue() - low.blue()) * t))


def cell_color(palette: QPalette, people: int, most: int) -> QColor:
    """The fill of a cell with ``people`` on when the busiest hour has ``most``: the base
    colour for nobody, then from a pale to the full accent (never too pale to see)."""
    base = palette.color(QPalette.ColorRole.Base)
    if people <= 0:
        return base
    accent = QColor(theme_of(palette).selection)
    return _mix(base, accent, 0.18 + 0.82 * min(1.0, people / max(1, most)))


def text_color(fill: QColor) -> QColor:
    """Dark text on light fills, light text on dark ones."""
    return QColor("#1F2933") if fill.lightnessF() > 0.55 else QColor("#F5F7FA")


class RosterHeatmap(QWidget):
    """People on per weekday and hour; ``compact`` draws small cells without text."""

    def __init__(self, *, compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compact = compact
        self.people = np.zeros(DAYS * HOURS, dtype=np.int64)
        #: people needed per hour (Erlang C), or None when only the roster is known
        self.needed: np.ndarray | None = None
        self.setObjectName("rosterHeatmap")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._fix_height()

    def _fix_height(self) -> None:
        # a fixed height, not only a hint: a layout short of room squeezes the wrapped
        # labels around the grid, never the grid's rows
        self.setFixedHeight(self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fix_height()

    # --- data --------------------------------------------------------------------------------
    def set_data(self, people: Sequence[int] | np.ndarray,
                 needed: Sequence[int] | np.ndarray | None = None) -> None:
        self.people = np.asarray(people, dtype=np.int64).reshape(DAYS * HOURS)
        self.needed = (None if needed is None
                       else np.asarray(needed, dtype=np.int64).reshape(DAYS * HOURS))
        self.update()

    def cell(self, day: int, hour: int) -> tuple[int, int | None]:
        """(people on, people needed or None) in ``hour`` of weekday ``day`` (mon = 0)."""
        block = day * HOURS + hour
        needed = None if self.needed is None else int(self.needed[block])
        return int(self.people[block]), needed

    def cell_text(self, day: int, hour: int) -> str:
        """What a cell reads: "" when nobody is on or needed, "11" when on equals needed (or
        nothing is known of the need), "9/7" when 9 are on and 7 needed."""
        on, needed = self.cell(day, hour)
        if on == 0 and not needed:
            return ""
        if needed is None or needed == on:
            return str(on)
        return f"{on}/{needed}"

    def short_hours(self) -> int:
        """Hours of the week with fewer people on than needed."""
        if self.needed is None:
            return 0
        return int(np.count_nonzero(self.people < self.needed))

    # --- geometry ----------------------------------------------------------------------------
    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * (0.8 if self.compact else 0.85)))
        return font

    def _label_metrics(self) -> QFontMetrics:
        """The weekday and hour labels are in the cells' smaller font when compact."""
        return QFontMetrics(self._font()) if self.compact else self.fontMetrics()

    def label_width(self) -> int:
        return self._label_metrics().horizontalAdvance("Wed") + 8

    def _cell_size(self) -> tuple[float, float]:
        if self.compact:
            return 9.0, float(self._label_metrics().height() + 1)
        metrics = self.fontMetrics()
        return float(max(26, metrics.horizontalAdvance("88/88") + 6)), float(
            metrics.height() + 8)

    def _header(self) -> int:
        return self._label_metrics().height() + 4

    def _grid(self) -> tuple[float, float, float, float]:
        """Left, top, cell width, cell height (cells widen to the widget's width)."""
        left, top = self.label_width(), self._header()
        width, height = self._cell_size()
        width = max(width, (self.width() - left - 1) / HOURS)
        return left, top, width, height

    def sizeHint(self) -> QSize:
        width, height = self._cell_size()
        return QSize(round(self.label_width() + width * HOURS + 1),
                     round(self._header() + height * DAYS + 1))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        left, top, width, height = self._grid()
        hour, day = int((pos.x() - left) // width), int((pos.y() - top) // height)
        if pos.x() < left or pos.y() < top or not (0 <= day < DAYS and 0 <= hour < HOURS):
            return None
        return day, hour

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        theme = theme_of(palette)
        grid = palette.color(QPalette.ColorRole.Mid)
        left, top, width, height = self._grid()
        top_people = max(1, int(self.people.max(initial=0)))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        if self.compact:
            painter.setFont(self._font())
        step = 6 if self.compact else (1 if width >= 26 else 3)
        for hour in range(0, HOURS, step):
            rect = QRectF(left + hour * width, 0, width * (1 if step == 1 else 2), top - 2)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                             f"{hour:02d}")
        for day in range(DAYS):
            rect = QRectF(0, top + day * height, left - 6, height)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             DAY_LABELS[day])
        painter.setFont(self._font())
        error = QColor(theme.error)
        for day in range(DAYS):
            for hour in range(HOURS):
                on, needed = self.cell(day, hour)
                rect = QRectF(left + hour * width, top + day * height, width, height)
                fill = cell_color(palette, on, top_people)
                painter.fillRect(rect, fill)
                painter.setPen(QPen(grid, 1))
                painter.drawRect(rect)
                if needed is not None and on < needed:
                    painter.setPen(QPen(error, 2))
                    painter.drawRect(rect.adjusted(1.5, 1.5, -1.5, -1.5))
                text = "" if self.compact else self.cell_text(day, hour)
                if text:
                    painter.setPen(text_color(fill))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            where = self.cell_at(event.pos())
            if where is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(*where), self)
            return True
        return super().event(event)

    def tooltip(self, day: int, hour: int) -> str:
        on, needed = self.cell(day, hour)
        text = (f"{DAY_LABELS[day]} {hour:02d}:00–{(hour + 1) % 24:02d}:00: "
                f"{on} {'person' if on == 1 else 'people'} on")
        if needed is not None:
            text += f", {needed} needed by Erlang C"
            if on < needed:
                text += f" ({needed - on} short)"
        return text


class HeatmapLegend(QWidget):
    """The heatmap's key: the colour scale from 1 to the most people on, the outline of an
    hour short of people, and how to read "9/7"."""

    def __init__(self, heatmap: RosterHeatmap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heatmap = heatmap
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.sizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(600, self.fontMetrics().height() + 8)

    def texts(self) -> list[str]:
        most = max(1, int(self.heatmap.people.max(initial=0)))
        parts = [f"1 … {most} people on"]
        if self.heatmap.needed is not None:
            parts += ["fewer than needed", "9/7: 9 on, 7 needed (Erlang C); 11: as needed"]
        return parts

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        metrics = self.fontMetrics()
        size = metrics.height() - 2
        y = (self.height() - size) / 2
        most = max(1, int(self.heatmap.people.max(initial=0)))
        x = float(self.heatmap.label_width())
        texts = self.texts()
        for i in range(5):  # five steps of the scale
            people = max(1, round(1 + (most - 1) * i / 4))
            painter.fillRect(QRectF(x, y, size, size), cell_color(palette, people, most))
            x += size
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        x += 6
        painter.drawText(QRectF(x, 0, metrics.horizontalAdvance(texts[0]) + 2, self.height()),
                         Qt.AlignmentFlag.AlignVCenter, texts[0])
        x += metrics.horizontalAdvance(texts[0]) + 18
        if len(texts) > 1:
            painter.setPen(QPen(QColor(theme_of(palette).error), 2))
            painter.drawRect(QRectF(x + 1, y + 1, size - 2, size - 2))
            x += size + 6
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            for text in texts[1:]:
                painter.drawText(QRectF(x, 0, metrics.horizontalAdvance(text) + 2,
                                        self.height()), Qt.AlignmentFlag.AlignVCenter, text)
                x += metrics.horizontalAdvance(text) + 18
        painter.end()
