"""Page 2: what was recognised in the export: its format, each file with its table, rows and
columns, the time window and the reader's notes (partial history and the like)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QLabel, QListWidget, QVBoxLayout, QWizardPage

from ...app.crm_calibration import describe_export
from .widgets import cell, fit_columns, hint_label, make_table

if TYPE_CHECKING:
    from .wizard import CalibrationWizard

FORMAT_WORDS = {"salesforce": "Salesforce", "hubspot": "HubSpot", "events": "Event log CSV",
                "olist": "Olist marketing funnel"}


class RecognisedPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("What was recognised")
        self.setSubTitle("Check that these are the files and the period you meant; go Back to "
                         "change the selection.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QLabel()
        self.format.setObjectName("recognisedFormat")
        self.window_label = QLabel()
        self.window_label.setObjectName("recognisedWindow")
        self.leads = QLabel()
        form.addRow("Format", self.format)
        form.addRow("Window", self.window_label)
        form.addRow("Leads", self.leads)
        layout.addLayout(form)
        self.files = make_table(["File", "Table", "Rows", "Columns"])
        self.files.setObjectName("recognisedFiles")
        layout.addWidget(self.files, 3)
        notes = QLabel("Notes")
        notes.setObjectName("sectionTitle")
        layout.addWidget(notes)
        self.notes = QListWidget()
        self.notes.setObjectName("recognisedNotes")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes, 1)
        layout.addWidget(hint_label("Times are shown in the export's time zone. Leads still "
                                    "open when the export ends are followed to its end and "
                                    "counted as open, not as lost."))

    def initializePage(self) -> None:
        log = self.owner.log
        if log is None:
            return
        self.format.setText(FORMAT_WORDS.get(log.format, log.format))
        days = (log.end - log.start).total_seconds() / 86400
        self.window_label.setText(f"{log.start:%Y-%m-%d %H:%M} to {log.end:%Y-%m-%d %H:%M} "
                                  f"({days:.0f} days, {days / 7:.1f} weeks; times in "
                                  f"{log.timezone})")
        self.leads.setText(describe_export(log))
        self.files.setRowCount(len(log.files))
        for row, source in enumerate(log.files):
            columns = ", ".join(source.columns)
            self.files.setItem(row, 0, cell(source.path.name, str(source.path)))
            self.files.setItem(row, 1, cell(source.table))
            self.files.setItem(row, 2, cell(f"{source.rows:,}", right=True))
            self.files.setItem(row, 3, cell(f"{len(source.columns)}: {columns}", columns))
        fit_columns(self.files, 3)
        self.notes.clear()
        notes = list(log.notes)
        if log.history_from is not None and not any("history" in n for n in notes):
            notes.append(f"History is complete from {log.history_from:%Y-%m-%d}; leads created "
                         "before that may lack their early status changes.")
        self.notes.addItems(notes or ["Nothing to note: every lead's history is in the "
                                      "export."])
