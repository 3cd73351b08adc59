"""Simulate ▸ Replay: record one replication off the UI thread, then play it on the diagram."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget

from ...app.replay import Replay, record_replay
from ...model import Process
from .background import BackgroundRun
from .token_view import TokenPlayer

if TYPE_CHECKING:
    from ..canvas import DiagramScene


class ReplayDock(QDockWidget):
    """Holds the token player; closing it removes the dots and counters from the diagram."""

    def __init__(self, scene: DiagramScene, parent: QWidget | None = None) -> None:
        super().__init__("Replay", parent)
        self.setObjectName("ReplayDock")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 4)
        self.status = QLabel("Recording one replication…")
        self.status.setObjectName("hint")
        layout.addWidget(self.status)
        self.player = TokenPlayer(scene, body)
        self.player.closed.connect(self.close)
        layout.addWidget(self.player)
        self.setWidget(body)
        self.runner = BackgroundRun(self)
        self.runner.finished.connect(self._on_recorded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda: self.status.setText("Recording cancelled."))

    def record(self, process: Process) -> None:
        snapshot = process.detached_copy()
        self.status.setText("Recording one replication…")
        self.status.show()

        def job(progress: Callable[[int, int], Any], cancel: threading.Event) -> Replay:
            return record_replay(snapshot, cancel=cancel)

        self.runner.start(job)

    def _on_recorded(self, replay: Replay) -> None:
        self.status.hide()
        self.player.load(replay)
        self.player.play()

    def _on_failed(self, message: str) -> None:
        self.status.setText(f"Could not record a replication: {message}")

    def closeEvent(self, event: Any) -> None:
        self.runner.cancel()
        self.player.stop()
        super().closeEvent(event)


def open_replay(window: QMainWindow, scene: DiagramScene, process: Process) -> ReplayDock:
    """Record one replication of ``process`` and play it on ``scene``, in a dock of ``window``
    (one replay dock per window, made on first use)."""
    dock = window.findChild(ReplayDock)
    if dock is None:
        dock = ReplayDock(scene, window)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.show()
    dock.raise_()
    dock.record(process)
    return dock
