"""Baseline and scenarios side by side: a KPI table with deltas and a grouped chart."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...app.compare import SIGNIFICANCE_RULE, Row, compare, run_name
from ...app.core import Results
from ...atomic import atomic_write_text
from ...model import describe_hours
from ...render.charts import (
    DARK_CHARTS,
    LIGHT_CHARTS,
    ChartStyle,
    comparison_chart,
    fit_legend,
)
from ..properties.look import muted_color
from ..properties.widgets import push_button
from .chart_panel import ChartPanel
from .compare_export import csv_text, shown_text
from .compare_table import CompareTable, VerdictColors
from .run_progress import RunProgress

#: the narrowest view that shows table and chart side by side (else one above the other)
WIDE_ENOUGH = 1100


def chart_style(palette: QPalette) -> ChartStyle:
    """Dark charts on a dark window; the background is the palette's base colour."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    style = DARK_CHARTS if dark else LIGHT_CHARTS
    return dataclasses.replace(style, background=palette.color(QPalette.ColorRole.Base).name())


class CompareView(QWidget):
    """Shows a list of runs (the first is the baseline); see :meth:`show_runs`. While a
    comparison runs, its progress and Cancel are at the top, and its first figures fill the
    view marked as preliminary."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CompareView")
        self.runs: list[Results] = []
        self.rows: list[Row] = []
        self.preliminary = False
        self._styling = False
        self.progress_box = RunProgress()
        self.progress_box.cancel_requested.connect(self.cancel_requested)

        self.title = QLabel("No comparison yet")
        self.title.setObjectName("compare_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)  # five scenario names must not widen the dock
        self.subtitle = QLabel("Tick scenarios in the Scenarios panel and press Compare "
                               "with baseline.")
        self.subtitle.setObjectName("compare_subtitle")
        self.subtitle.setWordWrap(True)
        self.table = CompareTable()
        self.legend = QLabel()
        self.legend.setObjectName("compare_legend")
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.copy_table_button = push_button("Copy table", "Copy the table as shown, to paste "
                                             "into a spreadsheet or a message")
        self.export_button = push_button("Export CSV…", "Save every KPI with its 95 % "
                                         "interval and difference as a CSV file")
        self.copy_table_button.clicked.connect(self._on_copy_table_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)

        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(10, 8, 10, 4)
        column.setSpacing(4)
        column.addWidget(self.progress_box)
        column.addWidget(self.title)
        column.addWidget(self.subtitle)
        column.addSpacing(4)
        column.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("compare_status")
        self.status.setProperty("role", "hint")
        row = QHBoxLayout()
        row.addWidget(self.legend, 1)
        row.addWidget(self.status)
        row.addWidget(self.copy_table_button)
        row.addWidget(self.export_button)
        column.addLayout(row)

        self.chart = ChartPanel("comparison")
        self.chart.setObjectName("compare_chart_panel")
        self.chart.layout().setContentsMargins(10, 4, 10, 8)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._apply_style()
        self._update_buttons()

    def heightForWidth(self, width: int) -> int:
        """Its minimum height: the dock's scroll area would otherwise take the preferred
        height of the wrapped labels as the view's height and push the table and chart
        below the fold; this way they share what the dock has and scroll only below it."""
        layout = self.layout()
        return layout.minimumSize().height() if layout is not None else -1

    # --- showing -------------------------------------------------------------------------
    def show_runs(self, runs: Sequence[Results], *, preliminary: bool = False) -> None:
        """Compare ``runs`` (first = baseline): fill the table and draw the chart.
        ``preliminary``: the first figures of a comparison still running (not exported)."""
        self.runs = list(runs)
        self.rows = compare(self.runs)
        self.preliminary = preliminary
        self.status.clear()
        self._show()

    def waiting(self, names: Sequence[str]) -> None:
        """A comparison has started: an empty view says what it runs and what comes first
        (a finished comparison stays on show until the new one's first figures)."""
        if self.runs:
            return
        self.title.setText(f"{names[0]} vs {', '.join(names[1:])}")
        self.subtitle.setText("First figures appear once every run has two replications; "
                              "they refine as the comparison goes on.")

    def clear_preview(self, previous: Sequence[Results] | None) -> None:
        """A cancelled comparison's first figures go: the last finished one again, or none."""
        if previous:
            self.show_runs(previous)
            return
        self.runs, self.rows, self.preliminary = [], [], False
        self._show()
        self.subtitle.setText("Cancelled before the comparison finished: no comparison.")

    def _show(self) -> None:
        runs = self.runs
        colors = VerdictColors.for_palette(self.palette())
        self.table.show_rows(runs, self.rows, colors)
        if runs:
            first = runs[0]
            others = [run_name(r) for r in runs[1:]]
            self.title.setText(f"{run_name(first)} vs {', '.join(others)}" if others
                               else run_name(first))
            warmup = (f" after {describe_hours(first.warmup_hours)} warm-up"
                      if first.warmup_hours else "")
            counts = sorted({r.replications for r in runs})
            count = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
            if self.preliminary:
                lead = (f"First figures from {count} replications each so far, refining as "
                        f"the comparison goes on… Same random numbers (seed {first.seed})")
            else:
                lead = (f"{count} replications each with the same random numbers "
                        f"(seed {first.seed})")
            self.subtitle.setText(
                f"{lead} · {describe_hours(first.horizon_hours)} measured{warmup}")
        else:
            self.title.setText("No comparison yet")
            self.subtitle.setText("Tick scenarios in the Scenarios panel and press Compare "
                                  "with baseline.")
        self.legend.setText(self._legend_html(colors))
        self._draw_chart()
        self._update_buttons()

    def _legend_html(self, colors: VerdictColors) -> str:
        muted = muted_color(self.palette())

        def dot(color: str, word: str) -> str:
            return f"<span style='color:{color}'>●</span>&nbsp;{word}"

        items = "&nbsp;&nbsp; ".join([dot(colors.better.name(), "better"),
                                      dot(colors.worse.name(), "worse"),
                                      dot(colors.changed.name(), "changed (neither is better)"),
                                      dot(colors.same.name(), "not significant")])
        return (f"<span style='color:{muted}'>{items}&nbsp;&nbsp;— {SIGNIFICANCE_RULE}."
                "</span>")

    def _draw_chart(self) -> None:
        if not self.runs:
            self.chart.figure = None
            if self.chart.canvas is not None:
                self.chart.canvas.hide()
            return
        figure = comparison_chart(self.runs, self.rows, chart_style(self.palette()))
        self.chart.set_figure(figure)
        self.chart.canvas.setObjectName("compare_chart")
        # six KPI groups of up to five bars stay apart; a short dock scrolls instead
        self.chart.canvas.setMinimumHeight(max(240, self.fontMetrics().lineSpacing() * 15))
        # the legend's columns follow the chart's width, so no run's name is cut
        figure.canvas.mpl_connect("resize_event", lambda _event: fit_legend(figure))
        fit_legend(figure)

    @property
    def figure(self) -> Figure | None:
        return self.chart.figure

    def _update_buttons(self) -> None:
        # first figures are not the run's: nothing of them leaves the app
        for button in (self.copy_table_button, self.export_button):
            button.setEnabled(bool(self.rows) and not self.preliminary)
        for button in (self.chart.copy_button, self.chart.save_button):
            button.setEnabled(self.figure is not None and not self.preliminary)

    # --- exports -------------------------------------------------------------------------
    def table_csv(self) -> str:
        return csv_text(self.runs, self.rows)

    def _on_copy_table_clicked(self) -> None:
        if not self.rows or self.preliminary:
            return
        QGuiApplication.clipboard().setText(shown_text(self.runs, self.rows))
        self._say("Table copied.")

    def _on_export_clicked(self) -> None:
        if not self.rows or self.preliminary:
            return
        path, _filter = QFileDialog.getSaveFileName(self, "Export comparison",
                                                    "comparison.csv", "CSV files (*.csv)")
        if not path:
            return
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(".csv")
        try:
            atomic_write_text(target, self.table_csv())
        except OSError as exc:
            self._say(f"Could not save {target.name}: {exc.strerror or exc}", error=True)
            return
        self._say(f"Saved {target.name}.")

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setProperty("role", "error" if error else "hint")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)

    # --- look ----------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        """Table and chart side by side in a wide, short dock; one above the other otherwise."""
        super().resizeEvent(event)
        # side by side only when both get a readable width (not in a 200 % window)
        wide = self.width() > 1.8 * self.height() and self.width() >= WIDE_ENOUGH
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            # the table gets the larger share: with five runs it is the wider of the two
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 2)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._styling:
            self._apply_style()
            self._show()

    def _apply_style(self) -> None:
        self._styling = True
        try:
            muted = muted_color(self.palette())
            point = self.font().pointSizeF()
            dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
            red = "#FF6B6B" if dark else "#C62828"
            sheet = (f"QLabel#compare_title {{ font-weight: 600; font-size: {point * 1.2:.1f}pt; }}"
                     f"QLabel#compare_subtitle, QLabel[role='hint'] {{ color: {muted}; }}"
                     f"QLabel[role='error'] {{ color: {red}; }}")
            if self.styleSheet() != sheet:
                self.setStyleSheet(sheet)
        finally:
            self._styling = False
