"""Pieces the wizard's pages share: the red message line, a progress row with Cancel, the
worker that runs a step off the UI thread, and table helpers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ...app.core import Cancelled, Stopped
from ...app.crm_calibration import CrmDataError, StepProgress
from ..simulation.background import BackgroundRun

ERROR_RED = "#D93025"

#: ``work(progress(what, done, total), should_stop)`` -> result
StepWork = Callable[[StepProgress, Callable[[], bool]], Any]


class StepRun(BackgroundRun):
    """A BackgroundRun for the calibration's steps: progress says what is going on
    ("Lead.csv", "fitting", "validating"), and Cancel stops at the next report."""

    #: what, done, total
    step = Signal(str, int, int)

    def start_steps(self, work: StepWork) -> None:
        step = self.step

        def job(_report: Callable[[int, int], Any], cancel: threading.Event) -> Any:
            def progress(what: str, done: int, total: int) -> None:
                if cancel.is_set():
                    raise Cancelled()
                step.emit(what, done, total)

            try:
                return work(progress, cancel.is_set)
            except Stopped:  # a replication asked to stop
                raise Cancelled() from None
            except OSError as exc:  # unreadable file, no permission: a message, not a crash
                raise CrmDataError(exc.filename, exc.strerror or str(exc)) from None

        self.start(job)


def message_label() -> QLabel:
    """The page's message line: red, wraps, selectable, hidden while empty."""
    label = QLabel()
    label.setObjectName("pageMessage")
    label.setStyleSheet(f"color: {ERROR_RED};")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class ProgressRow(QWidget):
    """A progress bar with its words and a Cancel button; hidden when nothing runs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("stepCancel")
        self.cancel_button.setToolTip("Stop this step; the wizard stays open")
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def begin(self, text: str) -> None:
        self.bar.setRange(0, 0)
        self.bar.setFormat(text)
        self.cancel_button.setEnabled(True)
        self.show()

    def report(self, text: str, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
        else:
            self.bar.setRange(0, 0)
        self.bar.setFormat(text)

    def end(self) -> None:
        self.hide()


def make_table(headers: list[str]) -> QTableWidget:
    """A read-only table with a header row, no row numbers and rows selected whole."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    return table


def fit_columns(table: QTableWidget, *stretch: int) -> None:
    """Columns as wide as their contents, the ``stretch`` ones sharing the room that is
    left (their long texts are elided, the tooltip has them whole)."""
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        mode = (QHeaderView.ResizeMode.Stretch if column in stretch
                else QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(column, mode)


def cell(text: str, tip: str = "", *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tip or text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
