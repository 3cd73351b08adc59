"""Simulate ▸ Forecast…: will we make the quarter with the leads and deals open today?

The dialog takes what ``laneforge forecast`` takes (the CRM export, an optional MAP.json, the
snapshot's date, the horizon, a target of won deals, what-if scenarios, replications and a
backtest), runs :func:`laneforge.app.forecast.forecast` on a worker thread from a copy of
the process with progress and Cancel, and shows the chance of reaching the target as a large
figure, the fan chart of cumulative won deals (each scenario's fan over the baseline's, the
target line, the wins the export recorded since a past snapshot), the split between today's
pipeline and leads not yet created, the deals at risk and what the backtest says of it. The
result exports to the PowerPoint slides and the HTML report. The export's files are
remembered per process file, so next Monday's forecast is one click.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...app.forecast import Forecast
from ...model import Process
from ..calibration.pick_page import PathList
from ..document import Document
from ..option_dialog import OptionDialog, option_message
from ..simulation.background import BackgroundRun
from ..simulation.chart_panel import ChartPanel
from ..simulation.results_dock import KpiTile
from ..simulation.run_progress import RunProgress

#: the command line's options as the dialog labels its fields
FIELD_NAMES = {"--as-of": "Snapshot date", "--until": "Forecast to", "--target": "Target",
               "--scenario": "What-ifs", "--map": "Mapping", "MAP.json": "Mapping"}
_OPTION = re.compile(r"^(--[a-z-]+|MAP\.json):\s*")
#: backtest replications per past month (the command line's replications // 4, at least 20)
BACKTEST_SHARE = 4
SETTINGS_KEY = "forecast/exports"


def gui_message(message: str) -> tuple[str, str | None]:
    """A forecast error's first line with the option it names as the field's label."""
    return option_message(message, FIELD_NAMES, _OPTION)


class ForecastDialog(OptionDialog):
    """Forecast the won deals of ``document``'s process from a CRM export."""

    def __init__(self, document: Document, parent: QWidget | None = None, *,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Forecast")
        self.setObjectName("forecastDialog")
        self.document = document
        self.settings = settings
        self.result: Forecast | None = None
        self.running = False
        #: the run shown was asked for a backtest
        self.backtest_asked = False
        self.runner = BackgroundRun(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        column = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self._inputs())
        split.addWidget(self._results())
        split.setStretchFactor(1, 1)
        column.addWidget(split, 1)
        self.progress = RunProgress()
        self.progress.cancel_requested.connect(self.cancel)
        column.addWidget(self.progress)
        column.addLayout(self._buttons())
        self._apply_style()
        self._fill()
        self.resize(1180, 760)

    # --- building ----------------------------------------------------------------------------
    def _inputs(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(360)
        panel.setMaximumWidth(460)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 8, 0)
        intro = QLabel("Won deals from the leads and deals open in the CRM export, run "
                       "through the calibrated process up to a date, with new leads from its "
                       "sources. Pick the export the process was calibrated on, or a newer "
                       "one of the same CRM.")
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        layout.addWidget(intro)
        self.paths = PathList()
        self.paths.setMaximumHeight(96)
        self.paths.model().rowsInserted.connect(self._sync_enabled)
        self.paths.model().rowsRemoved.connect(self._sync_enabled)
        layout.addWidget(self.paths)
        buttons = QHBoxLayout()
        for name, text, slot in (("addFiles", "Add files…", self.add_files_dialog),
                                 ("addFolder", "Add folder…", self.add_folder_dialog),
                                 ("clearPaths", "Clear", self.paths.clear)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.map_path = QLineEdit()
        self.map_path.setObjectName("map")
        self.map_path.setPlaceholderText("suggested from the process")
        self.map_path.setToolTip("MAP.json: which CRM status is which step (optional; "
                                 "File ▸ Calibrate writes one)")
        browse = QPushButton("…")
        browse.setAutoDefault(False)
        browse.setMaximumWidth(32)
        browse.setToolTip("Choose a MAP.json")
        browse.clicked.connect(self.choose_map_dialog)
        form.addRow("Mapping", _side_by_side(self.map_path, browse))
        self.as_of, self.as_of_default, box = _date_field(
            "as_of", "the export's end",
            "The snapshot: what was open in the CRM at the start of this day. A date in the "
            "past is read against what the export recorded since.")
        form.addRow("Snapshot date", box)
        self.until, self.until_default, box = _date_field(
            "until", "the quarter's end", "Forecast the won deals up to the start of this day")
        form.addRow("Forecast to", box)
        self.target = QSpinBox()
        self.target.setObjectName("target")
        self.target.setRange(0, 10_000_000)
        self.target.setSpecialValueText("no target")
        self.target.setSuffix(" won deals")
        self.target.setToolTip("The chance of at least this many won deals by the end")
        form.addRow("Target", self.target)
        self.replications = QSpinBox()
        self.replications.setObjectName("replications")
        self.replications.setRange(10, 5000)
        self.replications.setSingleStep(50)
        self.replications.setValue(200)
        self.replications.setToolTip("More replications: a steadier band, a longer run")
        form.addRow("Replications", self.replications)
        self.scenarios = QListWidget()
        self.scenarios.setObjectName("scenarios")
        self.scenarios.setMaximumHeight(110)
        self.scenarios.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.scenarios.setToolTip("Each ticked what-if is forecast with the baseline's random "
                                  "numbers, so a difference is the change's, not noise")
        form.addRow("What-ifs", self.scenarios)
        self.backtest = QCheckBox("Backtest on each past month")
        self.backtest.setObjectName("backtest")
        self.backtest.setToolTip("Forecast each past month from the data before it and "
                                 "compare with what happened (slower)")
        form.addRow("", self.backtest)
        layout.addLayout(form)
        layout.addWidget(self.make_error_label())
        self.forecast_button = QPushButton("Forecast")
        self.forecast_button.setObjectName("forecast")
        self.forecast_button.setDefault(True)
        self.forecast_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.forecast_button)
        layout.addLayout(row)
        layout.addStretch(1)
        return panel

    def _results(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        top = QHBoxLayout()
        head = QVBoxLayout()
        head.setSpacing(0)
        self.headline = QLabel("–")
        self.headline.setObjectName("headline")
        self.caption = QLabel("Press Forecast")
        self.caption.setObjectName("caption")
        self.caption.setProperty("role", "hint")
        self.caption.setWordWrap(True)
        head.addWidget(self.headline)
        head.addWidget(self.caption)
        head.addStretch(1)
        top.addLayout(head, 2)
        self.tiles = {key: KpiTile(key, title) for key, title in (
            ("won", "Won deals (P50)"), ("bookings", "Bookings (P50)"),
            ("split", "Pipeline / new leads"), ("risk", "At risk"))}
        for tile in self.tiles.values():
            top.addWidget(tile, 1)
        layout.addLayout(top)
        self.trust = QLabel()
        self.trust.setObjectName("trust")
        self.trust.setWordWrap(True)
        layout.addWidget(self.trust)
        self.deltas = QLabel()
        self.deltas.setObjectName("deltas")
        self.deltas.setWordWrap(True)
        self.deltas.hide()
        layout.addWidget(self.deltas)
        self.chart = ChartPanel("forecast")
        self.chart.setMinimumHeight(300)
        layout.addWidget(self.chart, 3)
        heading = QLabel("At risk: open longer at their step than 9 in 10 leads stay there")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        self.risk = QTableWidget(0, 4)
        self.risk.setObjectName("atRisk")
        self.risk.setHorizontalHeaderLabels(["Lead or deal", "At", "Days there",
                                             "Usual (P90) days"])
        self.risk.verticalHeader().hide()
        self.risk.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.risk.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.risk.setAlternatingRowColors(True)
        header = self.risk.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.risk, 1)
        return panel

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("export")
        self.export_button.setAutoDefault(False)
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("Save the forecast as PowerPoint slides or an HTML "
                                      "report")
        self.export_button.clicked.connect(self.export_dialog)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row.addWidget(self.export_button)
        row.addWidget(close)
        return row

    def _extra_style(self) -> str:
        size = self.font().pointSizeF()
        return (f"QLabel#headline {{ font-size: {size * 3.2:.0f}pt; font-weight: 700; "
                "color: #1F6FB2; }")

    # --- inputs ------------------------------------------------------------------------------
    @property
    def process(self) -> Process:
        return self.document.process

    def _fill(self) -> None:
        for scenario in self.process.scenarios:
            item = QListWidgetItem(scenario.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.scenarios.addItem(item)
        if not self.process.scenarios:
            self.scenarios.addItem(QListWidgetItem("none: Simulate ▸ Scenarios adds them"))
            self.scenarios.setEnabled(False)
        remembered = self._remembered()
        self.paths.add_paths([Path(p) for p in remembered.get("paths", [])])
        self.map_path.setText(remembered.get("map", ""))
        if self.process.observed is None:
            self.show_error("The process is not calibrated: File ▸ Calibrate from CRM export… "
                            "fits it to the export first, then forecast from it.")
        self._sync_enabled()

    def _remembered(self) -> dict[str, Any]:
        if self.settings is None or self.document.path is None:
            return {}
        value = self.settings.value(f"{SETTINGS_KEY}/{self.document.path}")
        return value if isinstance(value, dict) else {}

    def _remember(self) -> None:
        if self.settings is None or self.document.path is None:
            return
        self.settings.setValue(f"{SETTINGS_KEY}/{self.document.path}",
                               {"paths": [str(p) for p in self.paths.paths()],
                                "map": self.map_path.text().strip()})

    def _sync_enabled(self, *_args: object) -> None:
        ready = (self.process.observed is not None and self.paths.count() > 0
                 and not self.running)
        self.forecast_button.setEnabled(ready)
        self.export_button.setEnabled(self.result is not None and not self.running)

    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "CRM export files", "",
                                                "CRM exports (*.csv *.json);;All files (*)")
        self.paths.add_paths([Path(f) for f in files])

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "CRM export folder")
        if folder:
            self.paths.add_paths([Path(folder)])

    def choose_map_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Mapping", "", "Mapping (*.json)")
        if path:
            self.map_path.setText(path)

    def scenario_names(self) -> list[str]:
        if not self.scenarios.isEnabled():
            return []
        return [self.scenarios.item(i).text() for i in range(self.scenarios.count())
                if self.scenarios.item(i).checkState() == Qt.CheckState.Checked]

    def request(self) -> dict[str, Any]:
        """The keyword arguments of :func:`forecast` the fields stand for."""
        def day(edit: QDateEdit, default: QCheckBox) -> str | None:
            return None if default.isChecked() else edit.date().toString("yyyy-MM-dd")

        return {"as_of": day(self.as_of, self.as_of_default),
                "until": day(self.until, self.until_default),
                "target": float(self.target.value()) if self.target.value() else None,
                "scenarios": self.scenario_names(),
                "replications": self.replications.value()}

    # --- running -----------------------------------------------------------------------------
    def start(self) -> None:
        """Read the export and forecast on a worker thread, from a copy of the process."""
        if self.running or not self.forecast_button.isEnabled():
            return
        process = self.process.detached_copy()
        paths = self.paths.paths()
        map_text = self.map_path.text().strip()
        options = self.request()
        backtest = self.backtest_asked = self.backtest.isChecked()
        name = self.document.title
        self.show_error(None)
        self._remember()
        self.running = True
        self._sync_enabled()
        self.progress.started("Reading the export…")
        self.status.setText("")
        self.runner.wait()
        self.runner.start(lambda progress, cancel: run_forecast(
            process, paths, map_text or None, options, backtest=backtest, name=name,
            progress=progress, cancel=cancel))

    def cancel(self) -> None:
        if self.running:
            self.progress.cancelling()
            self.runner.cancel()

    def _on_progress(self, done: int, total: int, left: float) -> None:
        self.progress.advance(done, total, left)

    def _ended(self) -> None:
        self.running = False
        self.progress.ended()
        self._sync_enabled()

    def _on_finished(self, result: Forecast) -> None:
        self._ended()
        self.result = result
        self.show_result(result)
        self._sync_enabled()

    def _on_failed(self, message: str) -> None:
        self._ended()
        self.show_error(message)

    def _on_cancelled(self) -> None:
        self._ended()
        self.status.setText("Cancelled." + (" The figures shown are the last forecast's."
                                            if self.result is not None else ""))

    def error_message(self, message: str) -> tuple[str, str | None]:
        return gui_message(message)

    def _fields(self) -> dict[str, QWidget]:
        return {"--as-of": self.as_of, "--until": self.until, "--target": self.target,
                "--scenario": self.scenarios, "--map": self.map_path,
                "MAP.json": self.map_path}

    # --- showing -----------------------------------------------------------------------------
    def show_result(self, result: Forecast) -> None:
        from ...app.forecast_report import fan_chart
        from ...app.forecast_slides import delta_text, headline, trust_line

        s = result.summary
        figure, caption = headline(result)
        self.headline.setText(figure)
        self.caption.setText(caption)
        self.tiles["won"].show_value(f"{s.won['p50']:.0f}",
                                     f"P10 {s.won['p10']:.0f} – P90 {s.won['p90']:.0f}")
        if s.bookings["p90"] > 0:
            self.tiles["bookings"].show_value(f"{s.bookings['p50']:,.0f}",
                                              f"P10 {s.bookings['p10']:,.0f} – "
                                              f"P90 {s.bookings['p90']:,.0f}")
        else:
            self.tiles["bookings"].show_value("–", "the export has no deal amounts")
        self.tiles["split"].show_value(f"{s.from_pipeline:.0f} / {s.from_new_leads:.0f}",
                                       "won deals from each (mean)")
        self.tiles["risk"].show_value(f"{len(result.at_risk)}",
                                      f"of {len(result.snapshot.items):,} open")
        text, warning = trust_line(result)
        if self.backtest_asked and not result.backtest_rows:
            text = ("Not backtested: the export has no whole month after its first four "
                    "weeks to replay the forecast on")
        self.trust.setText(("⚠ " if warning else "✓ ") + text)
        self.trust.setProperty("role", "warning" if warning else "hint")
        self.trust.style().unpolish(self.trust)
        self.trust.style().polish(self.trust)
        self.deltas.setText("\n".join(delta_text(result, name) for name in result.scenarios))
        self.deltas.setVisible(bool(result.scenarios))
        self.chart.set_figure(fan_chart(result))
        labels = {node.id: node.label for node in self.process.nodes}
        self.risk.setRowCount(len(result.at_risk))
        for row, item in enumerate(result.at_risk):
            for col, value in enumerate((item.id, labels.get(item.node, item.node),
                                         f"{item.age_days:.1f}", f"{item.usual_days:.1f}")):
                cell = QTableWidgetItem(value)
                if col >= 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                self.risk.setItem(row, col, cell)
        self.status.setText(f"{s.replications} replications, seed {result.seed}; from "
                            f"{result.as_of:%Y-%m-%d %H:%M} to {result.until:%Y-%m-%d}")

    # --- exporting ---------------------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.result is None:
            return
        stem = Path(self.document.title).name.split(".")[0] or "forecast"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the forecast", str(Path.home() / f"{stem}-forecast.pptx"),
            "PowerPoint slides (*.pptx);;HTML report (*.html)")
        if path:
            if not Path(path).suffix:
                path += ".html" if "html" in chosen else ".pptx"
            self.export(Path(path))

    def export(self, path: Path) -> bool:
        """Write the shown forecast to ``path`` (.pptx slides or .html report); an error
        is a dialog and nothing is half-written."""
        from PySide6.QtWidgets import QMessageBox

        from ...app.forecast_report import write_forecast_report
        from ...app.forecast_slides import write_forecast_pptx

        if self.result is None:
            return False
        try:
            if path.suffix.lower() == ".pptx":
                labels = {node.id: node.label for node in self.process.nodes}
                write_forecast_pptx(self.result, path, labels=labels)
            else:
                write_forecast_report(self.result, path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed",
                                f"{path}: cannot write: {exc.strerror or exc}")
            return False
        self.status.setText(f"Saved {path}")
        return True

    def done(self, result: int) -> None:
        if self.running:
            self.runner.cancel()
        self.runner.wait(30)  # never leave a run's thread behind
        super().done(result)


def run_forecast(process: Process, paths: list[Path], map_path: str | None,
                 options: dict[str, Any], *, backtest: bool, name: str,
                 progress: Callable[[int, int], Any],
                 cancel: threading.Event) -> Forecast:
    """The worker's job: read the export, forecast, and backtest when asked; progress counts
    replications over the forecast's runs and the backtest's months."""
    from ...app import crm_calibration as cal
    from ...app.forecast import forecast
    from ...app.forecast_backtest import backtest as run_backtest
    from ...app.forecast_backtest import periods

    log, given = cal.load_export(paths, map_path=map_path)
    mapping = cal.complete_mapping(log, process, given)
    reps = options["replications"]
    backtest_reps = max(20, reps // BACKTEST_SHARE)
    runs = 1 + len(options["scenarios"])
    months = len(periods(log)) if backtest else 0
    total = reps * runs + backtest_reps * months
    result = forecast(process, log, mapping, **options, cancel=cancel, name=name,
                      progress=lambda done, _total: progress(done, total))
    if backtest:
        base = reps * runs
        result.backtest, result.backtest_rows = run_backtest(
            process, log, mapping, replications=backtest_reps, seed=result.seed,
            cancel=cancel, progress=lambda k, _n: progress(base + k * backtest_reps, total))
    return result


def _date_field(name: str, default: str, tip: str) -> tuple[QDateEdit, QCheckBox, QWidget]:
    """A date with a box ticked for the command line's default (the date is off while it
    is ticked): the edit, the box and the row holding both."""
    edit = QDateEdit(QDate.currentDate())
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setToolTip(tip)
    edit.setEnabled(False)
    box = QCheckBox(default)
    box.setObjectName(f"{name}_default")
    box.setChecked(True)
    box.toggled.connect(lambda on: edit.setEnabled(not on))
    return edit, box, _side_by_side(box, edit)


def _side_by_side(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
    return box
