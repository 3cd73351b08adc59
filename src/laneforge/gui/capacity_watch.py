"""The instant capacity estimate while editing, computed off the UI thread after a short pause.

The status bar's load read-out (:func:`status_text`) follows the watcher's state, so it
never contradicts the Problems dock: "estimating…" from the edit until the estimate is
there, the loads when it is, "not estimated while the process has errors" only when
validation found errors (the same validation the Problems dock lists).
"""

from __future__ import annotations

import concurrent.futures as cf

from PySide6.QtCore import QObject, QTimer, Signal

from ..app.core import CapacityEstimate, estimate_capacity
from ..model import Process, errors, validate

DELAY_MS = 400


class CapacityWatcher(QObject):
    """``schedule(process)`` after edits; ``estimated`` delivers the newest estimate only."""

    estimated = Signal(object)  # CapacityEstimate | None (None: the process is not valid)
    #: an edit was scheduled: the shown estimate is out of date until ``estimated``
    pending = Signal()
    #: the estimate failed for a valid process (the message says why)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="capacity")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._start)
        self._generation = 0
        self._pending: Process | None = None
        self._future: cf.Future | None = None
        #: the edit count when the running estimate was started (a newer one discards it)
        self._future_generation = 0
        self._poll = QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._check)

    def schedule(self, process: Process) -> None:
        self._pending = process.detached_copy()
        self._generation += 1
        self._timer.start()
        self.pending.emit()

    @property
    def busy(self) -> bool:
        """True from an edit until its estimate (or failure) is delivered."""
        return self._pending is not None or self._future is not None

    def _start(self) -> None:
        if self._pending is None:
            return
        process, self._pending = self._pending, None
        generation = self._generation
        self._future = self._pool.submit(_estimate, process)
        self._future_generation = generation
        self._poll.start()

    def _check(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        if self._future_generation != self._generation:
            return  # a newer edit is on its way
        try:
            result = future.result()
        except Exception as exc:  # a valid process the estimate cannot handle
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self.estimated.emit(result)

    def shutdown(self) -> None:
        self._timer.stop()
        self._poll.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _estimate(process: Process) -> CapacityEstimate | None:
    if errors(validate(process)):
        return None
    return estimate_capacity(process)


ESTIMATING = "Load: estimating…"
INVALID = "Load: not estimated while the process has errors (see Problems)"


def status_text(estimate: CapacityEstimate | None) -> str:
    """The status bar's read-out of an estimate (None: the process has errors)."""
    if estimate is None:
        return INVALID
    parts = []
    for load in estimate.lanes:
        if load.utilization is None:
            continue
        text = f"{load.name} {load.utilization * 100:.0f} %"
        if load.utilization >= 1.0:
            text = f"<b><span style='color:#D93025'>{text}</span></b>"
        parts.append(text)
    return "Load: " + " · ".join(parts) if parts else "Load: no lane has a staff limit"
