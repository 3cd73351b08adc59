"""The progress row of a run: a bar, what it is doing or how long is left, and Cancel.

The results dock and the comparison view each show one, so Cancel is at hand in whichever
of the two the run fills in."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class RunProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.bar, 1)
        row.addWidget(self.label)
        row.addWidget(self.cancel_button)
        self.hide()

    def started(self, text: str) -> None:
        self.show()
        self.bar.setRange(0, 0)  # busy until the first replication is done
        self.label.setText(text)
        self.cancel_button.setEnabled(True)

    def advance(self, done: int, total: int, seconds_left: float) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.bar.setFormat(f"{done} / {total} replications")
        if seconds_left >= 0:
            self.label.setText(f"about {seconds_left:.0f} s left")

    def cancelling(self) -> None:
        self.label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def ended(self) -> None:
        self.hide()
