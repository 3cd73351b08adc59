"""Simulate ▸ Replay: record one replication off the UI thread, then play it on the diagram."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget

from ...app.replay import Replay, record_replay
from ...model import Process
from .background import BackgroundRun
from .token_view import TokenPlayer

if TYPE_CHECKING:
    from ..mainwindow import MainWindow


class ReplayDock(QDockWidget):
    """Holds the token player; closing it removes the dots and counters from the diagram."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__("Replay", window)
        self.setObjectName("ReplayDock")
        self.window_ = window
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 4)
        self.status = QLabel("Recording one replication…")
        self.status.setObjectName("hint")
        layout.addWidget(self.status)
        self.player = TokenPlayer(window.scene, body)
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


def open_replay(window: MainWindow, process: Process) -> ReplayDock:
    dock = window.findChild(ReplayDock)  # one replay dock per window, made on first use
    if dock is None:
        dock = ReplayDock(window)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.show()
    dock.raise_()
    dock.record(process)
    return dock
