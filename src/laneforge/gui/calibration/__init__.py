"""The calibration wizard: File ▸ Calibrate from CRM export…"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from ..document import Document
from .wizard import CalibrationWizard


def open_calibration_wizard(document: Document, window: QMainWindow) -> CalibrationWizard:
    """Open the wizard for ``document`` (modal to ``window``, so the process cannot change
    under it); when it finishes, say in the window's status bar what was applied."""
    wizard = CalibrationWizard(document, window)

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
