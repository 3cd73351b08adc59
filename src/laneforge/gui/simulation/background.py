"""Run a long job (simulations) on a worker thread and report to the UI thread by signals.

The job is a function ``job(progress, cancel) -> result``: it calls ``progress(done, total)``
as it goes and stops (raising ``laneforge.sim.Cancelled``) soon after ``cancel`` is set.
Signals are delivered on the UI thread, so the window keeps painting while the job runs.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ...app.core import Cancelled, InvalidProcessError
from ...model import ScenarioError

Job = Callable[[Callable[[int, int], Any], threading.Event], Any]


class BackgroundRun(QObject):
    #: done, total, estimated seconds left (-1 when unknown yet)
    progress = Signal(int, int, float)
    finished = Signal(object)
    #: figures of the replications done so far (a job may emit it from its thread)
    preview = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._started = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, job: Job) -> None:
        if self.running:
            raise RuntimeError("a run is already going on")
        self._cancel = threading.Event()
        self._started = time.monotonic()
        cancel = self._cancel

        def report(done: int, total: int) -> None:
            elapsed = time.monotonic() - self._started
            left = elapsed / done * (total - done) if done else -1.0
            self.progress.emit(done, total, left)

        def work() -> None:
            try:
                result = job(report, cancel)
            except Cancelled:
                self.cancelled.emit()
            except (InvalidProcessError, ScenarioError, ValueError) as exc:
                self.failed.emit(str(exc))
            except Exception as exc:  # shown to the user, never a crash
                traceback.print_exc()
                self.failed.emit(f"The run failed: {exc}")
            else:
                self.finished.emit(result)

        self._thread = threading.Thread(target=work, name="laneforge-run", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker thread ends (tests, shutdown); True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()
