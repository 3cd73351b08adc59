"""File ▸ Export and File ▸ Import in the app: the same writers as the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from ..app.core import ProcessFileError
from ..render.paper import PAGE_NAMES, PageError, PageSetup

if TYPE_CHECKING:
    from .mainwindow import MainWindow

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


def ask_page(window: MainWindow) -> PageSetup | None:
    """Ask for the PDF's paper (starting from the last choice) and remember it."""
    dialog = PdfPageDialog(remembered_page(window.settings), window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    setup = dialog.setup()
    window.settings.setValue(PAGE_KEY, setup.size)
    window.settings.setValue(ORIENTATION_KEY, setup.orientation)
    return setup


def _results(window: MainWindow) -> Any:
    """The results shown on the diagram (exports carry their tint), or None."""
    controller = window.simulation
    if controller.results is None:
        return None
    if not controller.results_dock.on_diagram.isChecked():
        return None
    return controller.results


def _ask_path(window: MainWindow, kind: str, title: str) -> Path | None:
    base = window.document.path.parent if window.document.path else Path.home()
    stem = (window.document.path.name.removesuffix(".lane.json") if window.document.path
            else "process")
    suffix = "pdf" if kind == "report-pdf" else kind
    path, _ = QFileDialog.getSaveFileName(window, title, str(base / f"{stem}.{suffix}"),
                                          FILTERS[kind])
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() != f".{suffix}":
        target = target.with_name(target.name + f".{suffix}")
    return target


def export_as(window: MainWindow, kind: str, path: Path | None = None) -> Path | None:
    """Export the open process; ``path`` skips the file dialog (tests, scripting)."""
    process = window.document.process
    titles = {"svg": "Export diagram as SVG", "png": "Export diagram as PNG",
              "pdf": "Export diagram as PDF", "pptx": "Export as PowerPoint",
              "bpmn": "Export as BPMN 2.0", "html": "Save report as HTML",
              "report-pdf": "Save report as PDF"}
    results = _results(window)
    if kind in ("html", "report-pdf") and results is None:
        QMessageBox.information(window, "Report", "Run a simulation first (Simulate ▸ Run, "
                                "F5): the report shows its results.")
        return None
    target = path or _ask_path(window, kind, titles[kind])
    if target is None:
        return None
    page = None
    if kind == "pdf":  # with a given path (tests, scripting) the last choice, unasked
        page = remembered_page(window.settings) if path is not None else ask_page(window)
        if page is None:
            return None
    try:
        if kind in ("svg", "png", "pdf"):
            from ..render.export import export_diagram

            export_diagram(process, target, results=results, theme=window.theme
                           if kind != "pdf" else _light(), page=page)
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
        window.show_error("Export failed", f"{target}: {exc}")
        return None
    window.statusBar().showMessage(f"Exported {target}", 5000)
    return target


def _light() -> Any:
    """Printed documents stay light whatever the app's theme."""
    from ..render.theme import LIGHT

    return LIGHT


def import_bpmn_dialog(window: MainWindow, path: Path | None = None) -> bool:
    """Open a BPMN 2.0 file as a new, unsaved process; report what could not be mapped."""
    if not window.confirm_discard():
        return False
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(window, "Import BPMN 2.0", str(Path.home()),
                                                "BPMN 2.0 (*.bpmn *.xml);;All files (*)")
        if not chosen:
            return False
        path = Path(chosen)
    from ..app.session import import_bpmn_process
    from .document import Document

    try:
        process, report = import_bpmn_process(path)
    except ProcessFileError as exc:
        window.show_error("Cannot import the file", str(exc))
        return False
    document = Document(process)
    document.untitled = True
    window.show_document(document, unsaved=True)
    notes = report.lines()
    if notes:
        listing = "".join(f"<li>{note}</li>" for note in notes[:15])
        more = f"<p>… and {len(notes) - 15} more.</p>" if len(notes) > 15 else ""
        box = QMessageBox(QMessageBox.Icon.Information, "Imported with notes",
                          f"<p>{path.name} was imported. Please check:</p><ul>{listing}</ul>"
                          f"{more}", QMessageBox.StandardButton.Ok, window)
        box.setObjectName("importReport")
        box.exec()
    return True
