"""Sweep one parameter over a range and chart a KPI against it; the answer is highlighted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...app.compare import Metric, format_figure
from ...app.sweep import (
    Parameter,
    SweepResult,
    current_value,
    kpi_choices,
    run_sweep,
    smallest_meeting,
    sweepable,
)
from ...model import Process
from ...render.charts import DARK_CHARTS, LIGHT_CHARTS, sweep_chart
from .background import BackgroundRun
from .chart_panel import ChartPanel
from .run_dialog import RunSettings

MAX_POINTS = 25


class SweepDialog(QDialog):
    def __init__(self, process: Process, settings: RunSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep a parameter")
        self.setObjectName("sweepDialog")
        self.process = process.detached_copy()
        self.settings = settings
        self.result: SweepResult | None = None
        self.answer: float | None = None
        self.runner = BackgroundRun(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        layout = QVBoxLayout(self)
        intro = QLabel("Vary one number, run the simulation for each value with the same random "
                       "numbers, and find the smallest value that meets a target — for example "
                       "the fewest SDRs that keep SLA breaches under 5 %.")
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        layout.addWidget(intro)
        form = QFormLayout()
        self.parameter = QComboBox()
        self.parameters = sweepable(process)
        for parameter in self.parameters:
            self.parameter.addItem(parameter.label, parameter.path)
        self.parameter.currentIndexChanged.connect(self._on_parameter_changed)
        form.addRow("Vary", self.parameter)
        self.start = QDoubleSpinBox()
        self.stop = QDoubleSpinBox()
        self.step = QDoubleSpinBox()
        for spin in (self.start, self.stop, self.step):
            spin.setRange(0.0, 10_000.0)
        span = QHBoxLayout()
        for label, spin in (("from", self.start), ("to", self.stop), ("step", self.step)):
            span.addWidget(QLabel(label))
            span.addWidget(spin)
        form.addRow("Values", span)
        self.kpi = QComboBox()
        self.kpis: list[Metric] = kpi_choices(process)
        for metric in self.kpis:
            self.kpi.addItem(metric.label, metric.key)
        self.kpi.currentIndexChanged.connect(self._on_kpi_changed)
        form.addRow("Watch", self.kpi)
        target = QHBoxLayout()
        self.goal = QComboBox()
        self.goal.addItems(["at most", "at least"])
        self.target = QDoubleSpinBox()
        self.target.setRange(0.0, 1e9)
        self.target.setDecimals(2)
        self.target_unit = QLabel()
        target.addWidget(self.goal)
        target.addWidget(self.target)
        target.addWidget(self.target_unit)
        target.addStretch(1)
        self.goal.currentIndexChanged.connect(lambda _i: self.show_result())
        self.target.valueChanged.connect(lambda _v: self.show_result())
        form.addRow("Target", target)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.hide()
        self.run_button = QPushButton("Run sweep")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start_sweep)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel)
        self.cancel_button.hide()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.run_button)
        layout.addLayout(buttons)
        self.answer_label = QLabel()
        self.answer_label.setObjectName("sectionTitle")
        self.answer_label.setWordWrap(True)
        layout.addWidget(self.answer_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart = ChartPanel("sweep")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["value", "mean", "95 % low", "95 % high"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        layout.addWidget(splitter, 1)
        self.resize(720, 680)
        self._on_parameter_changed()
        self._on_kpi_changed()

    # --- choices -------------------------------------------------------------------------
    @property
    def parameter_choice(self) -> Parameter:
        return self.parameters[self.parameter.currentIndex()]

    @property
    def metric(self) -> Metric:
        return self.kpis[self.kpi.currentIndex()]

    def _on_parameter_changed(self) -> None:
        parameter = self.parameter_choice
        now = current_value(self.process, parameter)
        decimals = 0 if parameter.integer else 2
        for spin in (self.start, self.stop, self.step):
            spin.setDecimals(decimals)
        if parameter.integer:
            self.start.setValue(max(1.0, now - 2))
            self.stop.setValue(now + 4)
            self.step.setValue(1.0)
        else:
            self.start.setValue(0.5)
            self.stop.setValue(2.0)
            self.step.setValue(0.25)

    def _on_kpi_changed(self) -> None:
        metric = self.metric
        percent = metric.kind == "percent"
        self.target_unit.setText("%" if percent else {"hours": "hours", "money": "",
                                                     "count": ""}.get(metric.kind, ""))
        self.goal.setCurrentText("at least" if metric.better == "higher" else "at most")
        self.target.setValue(5.0 if percent else 0.0)
        self.show_result()

    def values(self) -> list[float]:
        start, stop, step = self.start.value(), self.stop.value(), self.step.value()
        if step <= 0 or stop < start:
            return []
        values, value = [], start
        while value <= stop + 1e-9 and len(values) < MAX_POINTS:
            values.append(round(value, 6))
            value += step
        return values

    def target_value(self) -> float:
        value = self.target.value()
        return value / 100.0 if self.metric.kind == "percent" else value

    # --- running -------------------------------------------------------------------------
    def start_sweep(self) -> bool:
        values = self.values()
        if not values:
            self.answer_label.setText("Choose a range: 'to' at least 'from', and a step above 0.")
            return False
        parameter, settings, process = self.parameter_choice, self.settings, self.process

        def job(progress: Callable[[int, int], Any], cancel: threading.Event) -> SweepResult:
            return run_sweep(process, parameter, values, replications=settings.replications,
                             seed=settings.seed, horizon=settings.horizon or None,
                             warmup=settings.warmup or None, jobs=settings.jobs,
                             progress=progress, cancel=cancel)

        self.run_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.show()
        self.progress.setRange(0, 0)
        self.answer_label.setText(f"Running {len(values)} values…")
        self.runner.start(job)
        return True

    def _on_progress(self, done: int, total: int, left: float) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if left >= 0:
            self.progress.setFormat(f"{done} / {total} replications — about {left:.0f} s left")

    def _on_cancel(self) -> None:
        self.runner.cancel()

    def _end(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

    def _on_failed(self, message: str) -> None:
        self._end()
        self.answer_label.setText(message)

    def _on_cancelled(self) -> None:
        self._end()
        self.answer_label.setText("Sweep cancelled.")

    def _on_finished(self, result: SweepResult) -> None:
        self._end()
        self.result = result
        self.show_result()

    def show_result(self) -> None:
        result = self.result
        if result is None:
            return
        metric = self.metric
        stats = result.stats(metric)
        target = self.target_value()
        goal = self.goal.currentText()
        self.answer = smallest_meeting(result.values, stats, target, goal)  # type: ignore[arg-type]
        percent = metric.kind == "percent"
        dark = self.palette().window().color().lightness() < 128
        self.chart.set_figure(sweep_chart(
            result.values, stats, result.parameter.label, metric.label, target=target,
            best=self.answer, percent=percent, integer=result.parameter.integer,
            style=DARK_CHARTS if dark else LIGHT_CHARTS))
        money = result.runs[0].currency if result.runs else None
        self.table.setRowCount(len(result.values))
        for row, (value, stat) in enumerate(zip(result.values, stats, strict=True)):
            cells = [f"{value:g}", format_figure(stat.mean, metric.kind, money),
                     format_figure(stat.ci95[0], metric.kind, money),
                     format_figure(stat.ci95[1], metric.kind, money)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if value == self.answer:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        shown_target = format_figure(target, metric.kind, money)
        if self.answer is None:
            self.answer_label.setText(f"No value in the range keeps {metric.label.lower()} "
                                      f"{goal} {shown_target}; widen the range.")
        else:
            self.answer_label.setText(f"The smallest value that keeps {metric.label.lower()} "
                                      f"{goal} {shown_target}: {result.parameter.label} = "
                                      f"{self.answer:g}")

    def reject(self) -> None:
        self.runner.cancel()
        self.runner.wait(2.0)
        super().reject()
