"""File ▸ Calibrate from CRM export…: a wizard from the export's files to the fitted changes
applied to the open process in one undo step.

Pages: pick the files, what was recognised, the mapping, the holdout and Fit & validate,
the changes (each with a tick box), the validation with its verdict. Reading and fitting run
off the UI thread; Cancel at any time leaves the document as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget, QWizard

from ...app.calibration_choices import chosen_values, first_refusal
from ...app.crm_calibration import CalibrationRun, CrmMap, EventLog, describe_export
from ..commands import SetValuesCommand
from ..document import Document
from .changes_page import ChangesPage
from .fit_page import FitPage
from .mapping_page import MappingPage
from .pick_page import PickPage
from .recognised_page import RecognisedPage
from .validation_page import ValidationPage

if TYPE_CHECKING:
    from ...model import Process

PICK, RECOGNISED, MAPPING, FIT, CHANGES, VALIDATION = range(6)


class CalibrationWizard(QWizard):
    """Calibrate the document's process from a CRM export. The fit works on a copy taken
    when the wizard opens; Finish applies the ticked changes and the observed figures to
    the document as one undo command, Cancel applies nothing."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationWizard")
        self.setWindowTitle("Calibrate from CRM export")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Apply ticked changes")
        self.document = document
        #: the process the fit starts from (a copy: the worker never sees the live model)
        self.process: Process = document.process.detached_copy()
        self.log: EventLog | None = None
        #: the MAP.json the user gave (None: only suggestions)
        self.given: CrmMap | None = None
        #: the mapping as the mapping page leaves it
        self.mapping: CrmMap | None = None
        self.run: CalibrationRun | None = None
        #: the command pushed by Finish (tests and the status bar read it)
        self.applied: SetValuesCommand | None = None
        self.pick_page = PickPage(self)
        self.recognised_page = RecognisedPage(self)
        self.mapping_page = MappingPage(self)
        self.fit_page = FitPage(self)
        self.changes_page = ChangesPage(self)
        self.validation_page = ValidationPage(self)
        for page_id, page in ((PICK, self.pick_page), (RECOGNISED, self.recognised_page),
                              (MAPPING, self.mapping_page), (FIT, self.fit_page),
                              (CHANGES, self.changes_page),
                              (VALIDATION, self.validation_page)):
            self.setPage(page_id, page)
        self.resize(1120, 780)

    # --- state the pages share ---------------------------------------------------------------
    def set_log(self, log: EventLog, given: CrmMap | None) -> None:
        """A new export was read: what was mapped and fitted for the old one goes."""
        self.log, self.given = log, given
        self.mapping = None
        self.run = None

    def set_mapping(self, mapping: CrmMap) -> None:
        if self.mapping is None or mapping != self.mapping:
            self.run = None
        self.mapping = mapping

    def set_run(self, run: CalibrationRun) -> None:
        self.run = run

    # --- finishing ---------------------------------------------------------------------------
    def values_to_apply(self) -> list[tuple[str, Any]]:
        if self.run is None:
            return []
        return chosen_values(self.run, self.changes_page.ticked())

    def accept(self) -> None:
        """Apply the ticked changes and the observed figures as one undo step."""
        if self.run is None:
            return
        values = self.values_to_apply()
        refusal = first_refusal(self.document.process, values)
        if refusal is not None:
            self.validation_page.show_refusal(
                f"These changes cannot be applied together ({refusal}); tick or untick "
                "them on the previous page.")
            return
        ticked = len(values) - (1 if values and values[-1][0] == "observed" else 0)
        text = f"Calibrate from {describe_export(self.run.log)} ({ticked} changes)"
        command = SetValuesCommand(self.document, values, text)
        self.document.apply(command)
        self.applied = command
        super().accept()

    def done(self, result: int) -> None:
        """Finish or Cancel: stop what still runs (Cancel applies nothing)."""
        for page in (self.pick_page, self.fit_page):
            page.stop()
        super().done(result)
