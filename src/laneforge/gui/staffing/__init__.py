"""Simulate ▸ Staffing plan…: a lane's cheapest roster for a service target, and its heatmap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow, QWidget

from ..document import Document
from .edits import roster_command
from .heatmap import HeatmapLegend, RosterHeatmap, roster_by_hour

if TYPE_CHECKING:
    from .dialog import StaffingDialog


def open_staffing_plan(document: Document, parent: QWidget,
                       lane: str | None = None) -> StaffingDialog:
    """Open the dialog on ``lane`` (default: the first limited lane), modal to its window so
    the process cannot change under a plan; after "Apply to lane" the window's status bar
    says what changed. scipy loads only now, when the dialog is first used."""
    from .dialog import StaffingDialog

    dialog = StaffingDialog(document, lane, parent)
    window = parent.window() if parent is not None else None

    def finished(_result: int) -> None:
        if dialog.applied is not None and isinstance(window, QMainWindow):
            window.statusBar().showMessage(
                f"{dialog.applied.text()}; Edit ▸ Undo takes it back", 8000)
        dialog.deleteLater()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


__all__ = ["HeatmapLegend", "RosterHeatmap", "open_staffing_plan", "roster_by_hour",
           "roster_command"]
