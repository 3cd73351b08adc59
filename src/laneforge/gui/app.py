"""Start the desktop app: Qt application, look, recovery offer, first document."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import __version__
from ..bundled import DEFAULT_TEMPLATE
from ..render.theme import register_fonts
from .document import Document
from .icons import app_icon
from .main_thread_gc import MainThreadCollector
from .mainwindow import MainWindow
from .recovery import RecoveryStore


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("laneforge")
    app.setOrganizationName("laneforge")
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("laneforge")
    app.setDesktopFileName("laneforge")
    app.setWindowIcon(app_icon())
    register_fonts()
    MainThreadCollector(app)  # Qt objects are never freed by a background thread's collection
    return app


def offer_recovery(window: MainWindow, store: RecoveryStore) -> bool:
    """If a previous session left a recovery file, offer to restore it; True if restored."""
    leftovers = store.leftovers()
    if not leftovers:
        return False
    newest = leftovers[0]
    where = f" of “{newest.original.name}”" if newest.original else ""
    answer = QMessageBox.question(
        window, "Restore unsaved work?",
        f"laneforge did not close properly last time. Restore the unsaved changes{where} "
        f"(“{newest.process.name}”)?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    for item in leftovers:
        store.discard(item)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    document = Document(newest.process, newest.original, untitled=newest.original is None)
    window.show_document(document, unsaved=True)  # restored work is not saved yet
    return True


def run(path: str | None = None) -> int:
    app = create_application()
    store = RecoveryStore()
    window = MainWindow(QSettings(), store)
    window.show()
    restored = offer_recovery(window, store)
    if not restored:
        if path is not None:
            if not window.open_path(Path(path), confirm=False):
                window.new_from_template(DEFAULT_TEMPLATE)
        else:
            window.new_from_template(DEFAULT_TEMPLATE)
    return app.exec()
