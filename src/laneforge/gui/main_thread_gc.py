"""Python's garbage collector runs on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is passed. A
simulation on a background thread allocates a lot, so without this it is usually the one
that collects; if a cycle it frees holds a Qt object (a chart canvas the comparison view
replaced, a widget in a closure), that object is deleted off the GUI thread, which Qt does
not allow and which crashes the app at random. So automatic collection is switched off and
a timer on the GUI thread collects, with the same thresholds and generations Python uses.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: how often the GUI thread looks at the allocation counts
INTERVAL_MS = 250


class MainThreadCollector(QObject):
    """Installed once per application; :meth:`stop` gives collection back to Python."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int | None:
        """Collect the generation Python would have collected by now; None: nothing due."""
        counts = gc.get_count()
        generation = None
        for level in range(3):
            if counts[level] > self.thresholds[level]:
                generation = level
            else:
                break
        if generation is not None:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        self.timer.stop()
        if self.was_enabled:
            gc.enable()
