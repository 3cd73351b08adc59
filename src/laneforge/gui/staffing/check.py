"""The staffing dialog's simulation check: simulate the planned roster, add people where the
SLA falls short, off the UI thread with progress and Cancel.

Erlang C ignores nurture loops, batches and decay; :func:`laneforge.app.staffing.
check_and_top_up` simulates the process with the roster written into a copy and adds a
shift while the SLA's share in time is below its target. Each round appears as it ends
(the job emits it through the runner's ``preview`` signal, queued to the UI thread); the
roster it ends on comes back as ``checked``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...app.session import run_one
from ...app.staffing import (
    TOP_UP_ROUNDS,
    StaffingPlan,
    TopUp,
    TopUpRound,
    check_and_top_up,
    check_summary,
    round_text,
)
from ...model import Process
from ..simulation.background import BackgroundRun
from ..simulation.run_progress import RunProgress

#: most replications the dialog offers per round (the command line takes any number)
MAX_REPLICATIONS = 200


def check_job(process: Process, plan: StaffingPlan, replications: int,
              on_round: Callable[[int, TopUpRound], Any]) -> Callable[..., TopUp]:
    """The background job ``job(progress, cancel)`` that checks ``plan`` on ``process`` (a
    copy the UI no longer touches): each round's replications report to ``progress`` and
    stop soon after ``cancel`` is set."""

    def job(progress: Callable[[int, int], Any], cancel: threading.Event) -> TopUp:
        def simulate_fn(trial: Process, *, replications: int | None,
                        seed: int | None) -> Any:
            return run_one(trial, replications=replications, seed=seed, progress=progress,
                            cancel=cancel)

        return check_and_top_up(process, plan, simulate_fn, replications=replications,
                                on_round=on_round)

    return job


class SimulationCheck(QWidget):
    """"Check by simulation" with its replications, a progress row with Cancel, and the
    rounds so far."""

    #: the check ended: the TopUp (its plan carries the roster it ended on)
    checked = Signal(object)
    #: a check started (True) or ended in any way (False)
    running_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: TopUp | None = None
        self.plan: StaffingPlan | None = None
        self.rounds: list[TopUpRound] = []
        self.runner = BackgroundRun(self)
        self.runner.preview.connect(self._on_round)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.button = QPushButton("Check by simulation")
        self.button.setObjectName("check")
        self.button.setAutoDefault(False)
        self.button.setEnabled(False)
        self.button.clicked.connect(self.start)
        self.replications = QSpinBox()
        self.replications.setObjectName("check_replications")
        self.replications.setRange(1, MAX_REPLICATIONS)
        self.replications.setValue(10)
        self.replications.setSuffix(" replications")
        self.replications.setToolTip("Replications of each simulation of the roster")
        hint = QLabel("simulates the roster with what Erlang C ignores (nurture loops, "
                      "batches, decay) and adds people while the SLA falls short")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        row.addWidget(self.button)
        row.addWidget(self.replications)
        row.addWidget(hint, 1)
        column.addLayout(row)
        self.progress = RunProgress()
        self.progress.setObjectName("check_progress")
        self.progress.cancel_requested.connect(self.cancel)
        column.addWidget(self.progress)
        self.log = QLabel()
        self.log.setObjectName("check_rounds")
        # short lines, one a round: unwrapped, so the dialog grows to show them all
        self.log.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log.setProperty("role", "hint")
        self.log.hide()
        column.addWidget(self.log)
        #: how the check ended (a warning when it stopped short, an error when it failed)
        self.outcome = QLabel()
        self.outcome.setObjectName("check_outcome")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        column.addWidget(self.outcome)
        self._source: tuple[Process, StaffingPlan] | None = None
        self._busy = False

    @property
    def running(self) -> bool:
        """A check is on: from Check until its answer (finished, failed or cancelled) has
        reached the UI thread, whether or not its thread has ended yet."""
        return self._busy

    def set_source(self, process: Process | None, plan: StaffingPlan | None,
                   why_not: str = "") -> None:
        """The process copy and plan the button checks; None (with ``why_not`` as its
        tooltip) leaves it disabled."""
        self._source = (process, plan) if process is not None and plan is not None else None
        self.button.setEnabled(self._source is not None and not self.running)
        self.button.setToolTip(why_not if self._source is None else
                               "Simulate the process with this roster; where the SLA falls "
                               "short, add a shift and simulate again")

    def reset(self) -> None:
        """A new plan: the last check's rounds no longer apply."""
        self.result, self.rounds = None, []
        for label in (self.log, self.outcome):
            label.clear()
            label.hide()

    def start(self) -> None:
        if self._source is None or self.running:
            return
        process, plan = self._source
        self.reset()
        self.plan = plan
        self.runner.wait()  # the last check's thread has answered; let it end
        # bound here, on the UI thread: the worker touches no widget, only this emit
        preview = self.runner.preview.emit
        self.runner.start(check_job(process, plan, self.replications.value(),
                                    lambda i, r: preview((i, r))))
        self.button.setEnabled(False)
        self.replications.setEnabled(False)
        self._busy = True
        self.progress.started(f"round 1 of at most {TOP_UP_ROUNDS + 1}")
        self._show_log("Simulating the Erlang C roster…")
        self.running_changed.emit(True)

    def cancel(self) -> None:
        if self.running:
            self.runner.cancel()
            self.progress.cancelling()

    def wait(self, timeout: float | None = None) -> bool:
        return self.runner.wait(timeout)

    def _on_progress(self, done: int, total: int, seconds_left: float) -> None:
        self.progress.advance(done, total, seconds_left)
        left = f", about {seconds_left:.0f} s left" if seconds_left >= 0 else ""
        self.progress.label.setText(f"round {len(self.rounds) + 1}{left}")

    def _on_round(self, item: tuple[int, TopUpRound]) -> None:
        _index, round_ = item
        self.rounds.append(round_)
        if self.plan is None:
            return
        self._show_log("\n".join(round_text(self.plan, r) for r in self.rounds))

    def _on_finished(self, result: TopUp) -> None:
        self.result = result
        self.rounds = list(result.rounds)
        self._show_log("\n".join(round_text(result.plan, r) for r in result.rounds))
        self._show_outcome(check_summary(result), "heading" if result.met else "warning")
        self._ended()
        self.checked.emit(result)

    def _on_failed(self, message: str) -> None:
        self._show_outcome(f"The check failed: {message}", "error")
        self._ended()

    def _on_cancelled(self) -> None:
        self._show_outcome("Check cancelled: the roster shown is the plan before it.", "hint")
        self.rounds = []
        self._ended()

    def _ended(self) -> None:
        self._busy = False
        self.progress.ended()
        self.button.setEnabled(self._source is not None)
        self.replications.setEnabled(True)
        self.running_changed.emit(False)

    def _show_log(self, text: str) -> None:
        self.log.setText(text)
        self.log.show()

    def _show_outcome(self, text: str, role: str) -> None:
        self.outcome.setText(text)
        if self.outcome.property("role") != role:
            self.outcome.setProperty("role", role)
            self.outcome.style().unpolish(self.outcome)
            self.outcome.style().polish(self.outcome)
        self.outcome.show()
