"""File ▸ Export and File ▸ Import in the app: the same writers as the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from ..app.core import ProcessFileError
from ..app.session import import_bpmn_process
from ..render.paper import PAGE_NAMES, PageError, PageSetup
from ..render.theme import Theme
from .document import Document
from .info_dialogs import show_error

FILTERS = {
    "svg": "SVG drawing (*.svg)",
    "png": "PNG image (*.png)",
    "pdf": "PDF document (*.pdf)",
    "pptx": "PowerPoint slides (*.pptx)",
    "bpmn": "BPMN 2.0 (*.bpmn)",
    "html": "HTML report (*.html)",
    "report-pdf": "PDF report (*.pdf)",
}


PAGE_LABELS = {"A4": "A4", "A3": "A3", "Letter": "US Letter", "Legal": "US Legal",
               "Tabloid": "Tabloid (11 × 17 in)"}
ORIENTATION_LABELS = {"landscape": "Landscape", "portrait": "Portrait",
                      "auto": "Automatic (whichever shows the diagram larger)"}
PAGE_KEY, ORIENTATION_KEY = "export/pdf_page", "export/pdf_orientation"


def remembered_page(settings: Any) -> PageSetup:
    """The paper and orientation last chosen for a PDF (A4 landscape at first)."""
    try:
        return PageSetup(str(settings.value(PAGE_KEY, "A4")),
                         str(settings.value(ORIENTATION_KEY, "landscape")))
    except PageError:  # a settings file from elsewhere: start over
        return PageSetup()


class PdfPageDialog(QDialog):
    """Paper size and orientation of a PDF export; the choice is remembered."""

    def __init__(self, setup: PageSetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPageDialog")
        self.setWindowTitle("PDF page")
        form = QFormLayout(self)
        self.page = QComboBox()
        self.page.setObjectName("pdfPage")
        for name in PAGE_NAMES:
            self.page.addItem(PAGE_LABELS[name], name)
        self.page.setCurrentIndex(PAGE_NAMES.index(setup.size))
        self.orientation = QComboBox()
        self.orientation.setObjectName("pdfOrientation")
        for name, label in ORIENTATION_LABELS.items():
            self.orientation.addItem(label, name)
        self.orientation.setCurrentIndex(list(ORIENTATION_LABELS).index(setup.orientation))
        form.addRow("Paper size", self.page)
        form.addRow("Orientation", self.orientation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def setup(self) -> PageSetup:
        return PageSetup(self.page.currentData(), self.orientation.currentData())


def ask_page(parent: QWidget, settings: QSettings) -> PageSetup | None:
    """Ask for the PDF's paper (starting from the last choice) and remember it."""
    dialog = PdfPageDialog(remembered_page(settings), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    setup = dialog.setup()
    settings.setValue(PAGE_KEY, setup.size)
    settings.setValue(ORIENTATION_KEY, setup.orientation)
    return setup


def _ask_path(parent: QWidget, document: Document, kind: str, title: str) -> Path | None:
    base = document.path.parent if document.path else Path.home()
    stem = document.path.name.removesuffix(".lane.json") if document.path else "process"
    suffix = "pdf" if kind == "report-pdf" else kind
    path, _ = QFileDialog.getSaveFileName(parent, title, str(base / f"{stem}.{suffix}"),
                                          FILTERS[kind])
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() != f".{suffix}":
        target = target.with_name(target.name + f".{suffix}")
    return target


TITLES = {"svg": "Export diagram as SVG", "png": "Export diagram as PNG",
          "pdf": "Export diagram as PDF", "pptx": "Export as PowerPoint",
          "bpmn": "Export as BPMN 2.0", "html": "Save report as HTML",
          "report-pdf": "Save report as PDF"}


def export_as(window: QMainWindow, document: Document, kind: str, *, settings: QSettings,
              theme: Theme, path: Path | None = None) -> Path | None:
    """Export ``document`` with the results it shows on the diagram; ``path`` skips the file
    dialog (tests, scripting). ``window`` parents the dialogs and shows the status."""
    process = document.process
    results = document.shown_results
    if kind in ("html", "report-pdf") and results is None:
        QMessageBox.information(window, "Report", "Run a simulation first (Simulate ▸ Run, "
                                "F5): the report shows its results.")
        return None
    target = path or _ask_path(window, document, kind, TITLES[kind])
    if target is None:
        return None
    page = None
    if kind == "pdf":  # with a given path (tests, scripting) the last choice, unasked
        page = remembered_page(settings) if path is not None else ask_page(window, settings)
        if page is None:
            return None
    try:
        if kind in ("svg", "png", "pdf"):
            from ..render.export import export_diagram

            export_diagram(process, target, results=results,
                           theme=theme if kind != "pdf" else _light(), page=page)
        elif kind == "pptx":
            from ..render.pptx_export import export_pptx

            export_pptx(process, target, results=results)
        elif kind == "bpmn":
            from ..app.core import save_bpmn

            save_bpmn(process, target)
        else:
            from ..app.report import write_report

            write_report(process, [results], target)
    except (OSError, ValueError, ProcessFileError) as exc:
        show_error(window, "Export failed", f"{target}: {exc}")
        return None
    window.statusBar().showMessage(f"Exported {target}", 5000)
    return target


def _light() -> Any:
    """Printed documents stay light whatever the app's theme."""
    from ..render.theme import LIGHT

    return LIGHT


def import_bpmn(parent: QWidget, path: Path | None = None
                ) -> tuple[Document, Path, list[str]] | None:
    """A BPMN 2.0 file as a new, untitled document (None: cancelled or unreadable, said
    in a dialog); then :func:`show_import_notes` tells what could not be mapped."""
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(parent, "Import BPMN 2.0", str(Path.home()),
                                                "BPMN 2.0 (*.bpmn *.xml);;All files (*)")
        if not chosen:
            return None
        path = Path(chosen)
    try:
        process, report = import_bpmn_process(path)
    except ProcessFileError as exc:
        show_error(parent, "Cannot import the file", str(exc))
        return None
    return Document(process, untitled=True), path, report.lines()


def show_import_notes(parent: QWidget, path: Path, notes: list[str]) -> None:
    """What an import could not map, for the user to check (nothing to say: no box)."""
    if not notes:
        return
    listing = "".join(f"<li>{note}</li>" for note in notes[:15])
    more = f"<p>… and {len(notes) - 15} more.</p>" if len(notes) > 15 else ""
    box = QMessageBox(QMessageBox.Icon.Information, "Imported with notes",
                      f"<p>{path.name} was imported. Please check:</p><ul>{listing}</ul>"
                      f"{more}", QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("importReport")
    box.exec()
