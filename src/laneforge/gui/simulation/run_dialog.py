"""The Simulate ▸ Run panel: horizon, warm-up, replications, seed, scenario and jobs."""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...model import Duration, Process, describe_hours


@dataclass
class RunSettings:
    scenario: str | None
    replications: int
    seed: int
    horizon: str
    warmup: str
    jobs: int


def default_settings(process: Process) -> RunSettings:
    sim = process.simulation
    # every core, as on the command line: a comparison has replications for all of them
    # even when one run has fewer (the runner starts no more workers than there are jobs)
    jobs = max(1, os.cpu_count() or 1)
    return RunSettings(None, sim.replications, sim.seed, str(sim.horizon), str(sim.warmup), jobs)


class RunDialog(QDialog):
    def __init__(self, process: Process, settings: RunSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run simulation")
        self.setObjectName("runDialog")
        settings = settings or default_settings(process)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Simulate “{process.name}”. Each replication is an independent run "
                       "with its own random numbers; the results report the mean and a 95 % "
                       "interval over replications.")
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        layout.addWidget(intro)
        form = QFormLayout()
        form.setLabelAlignment(form.labelAlignment())
        self.scenario = QComboBox()
        self.scenario.addItem("Baseline (the process as drawn)", None)
        for scenario in process.scenarios:
            self.scenario.addItem(scenario.name, scenario.name)
        index = self.scenario.findData(settings.scenario)
        self.scenario.setCurrentIndex(max(index, 0))
        self.scenario.setToolTip("Run the process as drawn, or one of its what-if scenarios")
        form.addRow("Scenario", self.scenario)
        self.horizon = QLineEdit(settings.horizon)
        self.horizon.setToolTip("How long leads keep arriving: '90d', '26w', '2000h'")
        form.addRow("Horizon", self.horizon)
        self.warmup = QLineEdit(settings.warmup)
        self.warmup.setToolTip("Leads created before this are not counted, so queues start "
                               "from a realistic state: '30d'")
        form.addRow("Warm-up", self.warmup)
        self.replications = QSpinBox()
        self.replications.setRange(1, 10_000)
        self.replications.setValue(settings.replications)
        self.replications.setToolTip("More replications give narrower confidence intervals")
        form.addRow("Replications", self.replications)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setValue(settings.seed)
        self.seed.setToolTip("The same seed gives the same results; change it to see the noise")
        form.addRow("Seed", self.seed)
        self.jobs = QSpinBox()
        self.jobs.setRange(1, max(os.cpu_count() or 1, 1) * 2)
        self.jobs.setValue(settings.jobs)
        self.jobs.setToolTip("Replications run in this many processes at once")
        form.addRow("Parallel jobs", self.jobs)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setDefault(True)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def settings(self) -> RunSettings:
        return RunSettings(self.scenario.currentData(), self.replications.value(),
                           self.seed.value(), self.horizon.text().strip(),
                           self.warmup.text().strip(), self.jobs.value())

    def problem(self) -> str | None:
        """Why the settings cannot run (shown in the dialog), or None."""
        try:
            horizon = Duration.parse(self.horizon.text().strip())
        except ValueError as exc:
            return f"Horizon: {exc}"
        try:
            warmup = Duration.parse(self.warmup.text().strip() or "0h")
        except ValueError as exc:
            return f"Warm-up: {exc}"
        if horizon.hours <= 0:
            return "Horizon: must be longer than 0"
        if warmup.hours >= horizon.hours:
            return (f"Warm-up ({describe_hours(warmup.hours)}) must be shorter than the horizon "
                    f"({describe_hours(horizon.hours)})")
        return None

    def _on_accept(self) -> None:
        message = self.problem()
        for field, prefix in ((self.horizon, "Horizon"), (self.warmup, "Warm-up")):
            field.setProperty("invalid", bool(message and message.startswith(prefix)))
            field.style().unpolish(field)
            field.style().polish(field)
        if message:
            self.error.setText(message)
            self.error.show()
            return
        self.accept()
