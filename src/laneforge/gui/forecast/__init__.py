"""Simulate ▸ Forecast…: won deals from the pipeline open in the CRM, with what-ifs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from ..document import Document

if TYPE_CHECKING:
    from .dialog import ForecastDialog


def open_forecast(document: Document, parent: QWidget,
                  settings: QSettings | None = None) -> ForecastDialog:
    """Open the dialog, modal to its window so the process cannot change under a run.
    pandas and scipy load only now, when it is first used."""
    from .dialog import ForecastDialog

    dialog = ForecastDialog(document, parent, settings=settings)
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    dialog.open()
    return dialog


__all__ = ["open_forecast"]
