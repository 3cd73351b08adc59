"""Page 6: did the calibrated process reproduce the holdout? The verdict as a coloured
banner with its words, the checks, the report's charts in tabs, and Save report…"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWizardPage,
)

from ...app.calibration_report import (
    CHECK_HEADERS,
    VERDICT_COLOURS,
    check_cells,
    report_figures,
    write_calibration_report,
)
from ...app.crm_calibration import arrivals_by_hour
from ..simulation.chart_panel import ChartPanel
from .widgets import (
    ERROR_RED,
    cell,
    fit_columns,
    hint_label,
    make_table,
    message_label,
    show_message,
)

if TYPE_CHECKING:
    from .wizard import CalibrationWizard

OK_GREEN = "#2E9E5B"
TAB_NAMES = {"funnel": "Conversion", "arrivals": "When leads arrive"}


def _tab_name(name: str, figure: Any) -> str:
    if name in TAB_NAMES:
        return TAB_NAMES[name]
    axes = figure.axes[0] if figure.axes else None
    title = axes.get_title(loc="left") if axes is not None else ""
    return f"Time {title}" if title else name


class ValidationPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Does it reproduce the holdout?")
        self.setSubTitle("The calibrated process simulated over the held-out weeks, beside "
                         "what the CRM recorded there. A check is ok inside the simulated 95 % "
                         "interval, the tolerance, or the period-to-period noise.")
        self._run: Any = None
        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setObjectName("verdictBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.banner)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.checks = make_table([*CHECK_HEADERS, "Result"])
        self.checks.setObjectName("checksTable")
        splitter.addWidget(self.checks)
        self.charts = QTabWidget()
        self.charts.setObjectName("validationCharts")
        splitter.addWidget(self.charts)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([240, 360])
        layout.addWidget(splitter, 1)
        self.message = message_label()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.saved = hint_label()
        self.saved.setObjectName("reportSaved")
        row.addWidget(self.saved, 1)
        self.save_button = QPushButton("Save report…")
        self.save_button.setObjectName("saveReport")
        self.save_button.setToolTip("The changes, the checks and these charts as HTML or PDF")
        self.save_button.clicked.connect(self.save_dialog)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.panels: list[ChartPanel] = []

    def initializePage(self) -> None:
        run = self.owner.run
        show_message(self.message, "")
        if run is None or run is self._run:
            return
        self._run = run
        validation = run.validation
        if validation is None:
            self.banner.setText("Not validated: no replications were run.")
            return
        colour = VERDICT_COLOURS.get(validation.verdict, "#5F6B7A")
        self.banner.setStyleSheet(f"QLabel#verdictBanner {{ background: {colour}; color: "
                                  "#FFFFFF; border-radius: 6px; padding: 10px 14px; }")
        passed = sum(c.ok for c in validation.checks)
        self.banner.setText(
            f"<span style='font-size:13pt; font-weight:600'>{validation.verdict.upper()}</span>"
            f" &nbsp;·&nbsp; {passed} of {len(validation.checks)} checks ok on "
            f"{validation.fit_until:%Y-%m-%d} to {validation.end:%Y-%m-%d} "
            f"({validation.replications} replications)<br>{_html(validation.verdict_words())}")
        self.checks.setRowCount(len(validation.checks))
        for row, check in enumerate(validation.checks):
            cells = check_cells(check)
            for column, text in enumerate(cells):
                self.checks.setItem(row, column, cell(text, right=column in (2, 3, 4)))
            result = cell("✓ ok" if check.ok else "✗ off")
            result.setForeground(QColor(OK_GREEN if check.ok else ERROR_RED))
            self.checks.setItem(row, len(cells), result)
        fit_columns(self.checks, 1)
        self._fill_charts(validation, arrivals_by_hour(run.log))

    def _fill_charts(self, validation: Any, arrivals: Any) -> None:
        self.charts.clear()
        self.panels = []
        for name, _heading, figure in report_figures(validation, arrivals):
            panel = ChartPanel(f"calibration-{name}")
            panel.set_figure(figure)
            self.panels.append(panel)
            self.charts.addTab(panel, _tab_name(name, figure))

    def show_refusal(self, text: str) -> None:
        show_message(self.message, text)

    # --- the report ------------------------------------------------------------------------
    def save_dialog(self) -> None:
        name = (self.owner.process.name or "calibration").replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save calibration report", str(Path.home() / f"{name} calibration.html"),
            "HTML report (*.html);;PDF report (*.pdf)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        run = self.owner.run
        if run is None:
            return False
        if path.suffix.lower() not in (".html", ".htm", ".pdf"):
            path = path.with_suffix(".html")
        try:
            write_calibration_report(run.process.name, run.fit_json(), run.validation, path,
                                     arrivals=arrivals_by_hour(run.log))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            show_message(self.message, f"{path}: cannot write the report: {reason}")
            return False
        show_message(self.message, "")
        self.saved.setText(f"Report saved to {path}")
        return True


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
