"""The calibration wizard: File ▸ Calibrate from CRM export…"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .wizard import CalibrationWizard

if TYPE_CHECKING:
    from ..mainwindow import MainWindow


def open_calibration_wizard(window: MainWindow) -> CalibrationWizard:
    """Open the wizard for the window's document (window-modal, so the process cannot change
    under it); when it finishes, say in the status bar what was applied."""
    wizard = CalibrationWizard(window.document, window)

    def finished(result: int) -> None:
        command = wizard.applied
        if command is not None:
            window.statusBar().showMessage(f"{command.text()}; Edit ▸ Undo takes them back",
                                           8000)
        wizard.deleteLater()

    wizard.finished.connect(finished)
    wizard.open()
    return wizard


__all__ = ["CalibrationWizard", "open_calibration_wizard"]
