"""File ▸ Export ▸ Diagram as PDF asks for the paper and orientation and remembers them."""

from __future__ import annotations

import pypdfium2
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from laneforge.gui.exporting import PdfPageDialog, export_as, remembered_page
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.render.paper import PageSetup

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.show()
    qtbot.waitExposed(win)
    win.new_from_template("lead-lifecycle")
    yield win
    win.document.undo_stack.setClean()
    win.close()


def _page_size(path) -> tuple[float, float]:
    return pypdfium2.PdfDocument(str(path))[0].get_size()


def test_the_dialog_offers_every_paper_and_orientation(qtbot):
    dialog = PdfPageDialog(PageSetup("Letter", "portrait"))
    qtbot.addWidget(dialog)
    assert [dialog.page.itemData(i) for i in range(dialog.page.count())] == [
        "A4", "A3", "Letter", "Legal", "Tabloid"]
    assert "11 × 17" in dialog.page.itemText(4)
    assert [dialog.orientation.itemData(i) for i in range(dialog.orientation.count())] == [
        "landscape", "portrait", "auto"]
    assert dialog.setup() == PageSetup("Letter", "portrait")
    dialog.page.setCurrentIndex(4)
    dialog.orientation.setCurrentIndex(2)
    assert dialog.setup() == PageSetup("Tabloid", "auto")


def test_pdf_export_asks_for_the_page_and_remembers_it(window, tmp_path, monkeypatch):
    target = tmp_path / "d.pdf"
    monkeypatch.setattr("laneforge.gui.exporting._ask_path", lambda *a: target)

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PdfPageDialog)
        dialog.page.setCurrentIndex(dialog.page.findData("A3"))
        dialog.orientation.setCurrentIndex(dialog.orientation.findData("portrait"))
        dialog.accept()

    QTimer.singleShot(0, choose)
    # the export is given what it needs: a parent window, the document, settings, theme
    assert export_as(window, window.document, "pdf", settings=window.settings,
                     theme=window.theme) == target
    assert _page_size(target) == pytest.approx((841.9, 1190.6), abs=1.0)  # A3 portrait
    assert remembered_page(window.settings) == PageSetup("A3", "portrait")
    # the next export starts from that choice; with a path given it is used unasked
    again = window.export_as("pdf", tmp_path / "again.pdf")
    assert _page_size(again) == pytest.approx((841.9, 1190.6), abs=1.0)


def test_cancelling_the_page_dialog_writes_nothing(window, tmp_path, monkeypatch):
    target = tmp_path / "never.pdf"
    monkeypatch.setattr("laneforge.gui.exporting._ask_path", lambda *a: target)
    monkeypatch.setattr(PdfPageDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert window.export_as("pdf") is None
    assert not target.exists()


def test_a_broken_setting_falls_back_to_a4_landscape(window):
    window.settings.setValue("export/pdf_page", "B7")
    assert remembered_page(window.settings) == PageSetup("A4", "landscape")
