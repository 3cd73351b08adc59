"""Page 4: how much of the export to hold out and how many replications to check it with;
Fit & validate runs the calibration off the UI thread with progress and Cancel."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from ...app import crm_calibration as cal
from ...app.holdout import split_point
from .widgets import ProgressRow, StepRun, hint_label, message_label, show_message

if TYPE_CHECKING:
    from .wizard import CalibrationWizard


class FitPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Fit and validate")
        self.setSubTitle("The export is split in time: the first part fits the process's "
                         "numbers, the rest checks them by simulating that period and "
                         "comparing with what the CRM recorded.")
        self.runner = StepRun(self)
        self.runner.step.connect(self._on_step)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.run_key: tuple[Any, ...] | None = None
        #: the thread the last fit ran on (tests check it is not the UI thread)
        self.worker_thread: Any = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.holdout = QDoubleSpinBox()
        self.holdout.setObjectName("holdout")
        self.holdout.setRange(5.0, 50.0)
        self.holdout.setSingleStep(5.0)
        self.holdout.setDecimals(0)
        self.holdout.setSuffix(" %")
        self.holdout.setValue(20.0)
        self.holdout.setToolTip("The last part of the export, kept out of the fit to check it")
        self.holdout.valueChanged.connect(self._on_settings_changed)
        form.addRow("Hold out the last", self.holdout)
        self.replications = QSpinBox()
        self.replications.setObjectName("replications")
        self.replications.setRange(2, 200)
        self.replications.setValue(10)
        self.replications.setToolTip("Simulated runs of the holdout period; more give a "
                                     "tighter interval and take longer")
        self.replications.valueChanged.connect(self._on_settings_changed)
        form.addRow("Replications", self.replications)
        self.split = QLabel()
        self.split.setObjectName("splitWords")
        form.addRow("Periods", self.split)
        for spin in (self.holdout, self.replications):
            spin.setMaximumWidth(120)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.fit_button = QPushButton("Fit && validate")
        self.fit_button.setObjectName("fitButton")
        self.fit_button.setDefault(True)
        self.fit_button.clicked.connect(self.start_fit)
        row.addWidget(self.fit_button, 0)
        self.status = QLabel()
        self.status.setObjectName("fitStatus")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.runner.cancel)
        layout.addWidget(self.progress)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(hint_label("Nothing in the open process changes here: the next page "
                                    "lists every fitted value to accept or keep as it is."))

    def initializePage(self) -> None:
        process = self.owner.process
        if self.run_key is None:
            self.replications.setValue(max(2, process.simulation.replications))
        self._on_settings_changed()

    def settings_key(self) -> tuple[Any, ...]:
        mapping = self.owner.mapping
        return (id(self.owner.log), mapping.model_dump_json() if mapping else None,
                self.holdout.value(), self.replications.value())

    def _on_settings_changed(self, *_args: Any) -> None:
        log = self.owner.log
        if log is not None:
            try:
                cut = split_point(log, self.holdout.value() / 100)
            except ValueError as exc:
                self.split.setText(str(exc))
            else:
                self.split.setText(f"fit on {log.start:%Y-%m-%d} to {cut:%Y-%m-%d}, check on "
                                   f"{cut:%Y-%m-%d} to {log.end:%Y-%m-%d}")
        current = self.run_key == self.settings_key() and self.owner.run is not None
        self.status.setText("Fitted with these settings." if current else "")
        self.completeChanged.emit()

    # --- running ---------------------------------------------------------------------------
    def isComplete(self) -> bool:
        return not self.runner.running

    def validatePage(self) -> bool:
        if self.run_key == self.settings_key() and self.owner.run is not None:
            return True
        self.start_fit()
        return False

    def start_fit(self) -> bool:
        wizard = self.owner
        if self.runner.running or wizard.log is None or wizard.mapping is None:
            return False
        process, log, mapping = wizard.process, wizard.log, wizard.mapping
        holdout, replications = self.holdout.value() / 100, self.replications.value()

        def work(progress: Any, should_stop: Any) -> Any:
            self.worker_thread = threading.current_thread()
            return cal.run_calibration(process, log, mapping, holdout=holdout,
                                       replications=replications, progress=progress,
                                       should_stop=should_stop)

        self._running_key = self.settings_key()
        show_message(self.message, "")
        self.status.setText("")
        self.fit_button.setEnabled(False)
        self.progress.begin("Fitting the process to the export…")
        self.runner.start_steps(work)
        self.completeChanged.emit()
        return True

    def _on_step(self, what: str, done: int, total: int) -> None:
        if what == "validating":
            text = f"Validating on the holdout: {done} of {total} replications"
        else:
            text = "Fitting the process to the export…"
        self.progress.report(text, done, total)

    def _end(self) -> None:
        self.progress.end()
        self.fit_button.setEnabled(True)
        self.completeChanged.emit()

    def _on_finished(self, run: Any) -> None:
        self.run_key = self._running_key
        self.owner.set_run(run)
        self._end()
        self.status.setText("Fitted with these settings.")
        self.owner.next()

    def _on_failed(self, message: str) -> None:
        self._end()
        show_message(self.message, message)

    def _on_cancelled(self) -> None:
        self._end()
        self.status.setText("Fit cancelled; nothing was fitted.")

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait(10.0)
