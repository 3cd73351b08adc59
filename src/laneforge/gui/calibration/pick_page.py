"""Page 1: the export's files or folder, its format, an optional MAP.json and the time zone;
Next reads the export off the UI thread."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ...app import crm_calibration as cal
from ...app.crm_calibration import CrmDataError, check_timezone, load_mapping
from .widgets import ProgressRow, StepRun, hint_label, message_label, show_message

if TYPE_CHECKING:
    from .wizard import CalibrationWizard

FORMAT_CHOICES = (("Detect from the files", "auto"), ("Salesforce", "salesforce"),
                  ("HubSpot", "hubspot"), ("Event log CSV", "events"), ("Olist", "olist"))
DROP_HINT = "Drop CRM export files or a folder here, or use Add files… / Add folder…"


class PathList(QListWidget):
    """The chosen files and folders; files and folders dropped on it are added."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportPaths")
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setToolTip(DROP_HINT)

    def paths(self) -> list[Path]:
        return [Path(self.item(i).text()) for i in range(self.count())]

    def add_paths(self, paths: list[Path]) -> None:
        have = set(self.paths())
        for path in paths:
            if path not in have:
                self.addItem(str(path))
                have.add(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            super().dropEvent(event)
            return
        self.add_paths([Path(u.toLocalFile()) for u in urls])
        event.acceptProposedAction()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.count() == 0:  # the empty list says what to do with it
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             DROP_HINT)
            painter.end()


class PickPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Pick the CRM export")
        self.setSubTitle("The files a CRM exported (Salesforce Lead.csv, LeadHistory.csv, …; a "
                         "HubSpot contacts export; an event log CSV), or the folder that holds "
                         "them. Nothing is changed until you apply the fitted values at the "
                         "end.")
        self.runner = StepRun(self)
        self.runner.step.connect(self._on_step)
        self.runner.finished.connect(self._on_read)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        #: the choices the log in the wizard was read with (None: nothing read yet)
        self.read_key: tuple[Any, ...] | None = None
        layout = QVBoxLayout(self)
        files = QHBoxLayout()
        self.paths = PathList()
        self.paths.model().rowsInserted.connect(self._on_selection_changed)
        self.paths.model().rowsRemoved.connect(self._on_selection_changed)
        files.addWidget(self.paths, 1)
        buttons = QVBoxLayout()
        for name, text, slot in (("addFiles", "Add files…", self.add_files_dialog),
                                 ("addFolder", "Add folder…", self.add_folder_dialog),
                                 ("removePaths", "Remove", self.remove_selected),
                                 ("clearPaths", "Clear", self.paths.clear)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda checked=False, s=slot: s())
            buttons.addWidget(button)
        buttons.addStretch(1)
        files.addLayout(buttons)
        layout.addLayout(files, 2)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for text, key in FORMAT_CHOICES:
            self.format.addItem(text, key)
        self.format.currentIndexChanged.connect(self._on_selection_changed)
        form.addRow("Format", self.format)
        map_row = QHBoxLayout()
        self.map_path = QLineEdit()
        self.map_path.setObjectName("mapPath")
        self.map_path.setPlaceholderText("optional: a MAP.json that ties the CRM's words to "
                                         "the process (else suggested from the names)")
        self.map_path.editingFinished.connect(self._on_map_chosen)
        browse = QPushButton("Browse…")
        browse.setObjectName("browseMap")
        browse.clicked.connect(self.map_dialog)
        map_row.addWidget(self.map_path, 1)
        map_row.addWidget(browse)
        form.addRow("MAP.json", map_row)
        self.timezone = QLineEdit("UTC")
        self.timezone.setObjectName("timezone")
        self.timezone.setMinimumWidth(260)
        self.timezone.setToolTip("The zone the export's local times are in (IANA name such as "
                                 "America/New_York); times written with an offset are "
                                 "converted to it")
        completer = QCompleter(QStringListModel(sorted(zoneinfo.available_timezones())), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCompleter(completer)
        self.timezone.textChanged.connect(self._on_selection_changed)
        form.addRow("Time zone", self.timezone)
        layout.addLayout(form)
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.runner.cancel)
        layout.addWidget(self.progress)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(hint_label("Reading a large export takes a while; it runs in the "
                                    "background and Cancel stops it."))

    # --- choosing ------------------------------------------------------------------------
    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "CRM export files", str(Path.home()), "CSV files (*.csv *.txt);;All files (*)")
        self.paths.add_paths([Path(f) for f in files])

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of a CRM export",
                                                  str(Path.home()))
        if folder:
            self.paths.add_paths([Path(folder)])

    def remove_selected(self) -> None:
        for item in self.paths.selectedItems():
            self.paths.takeItem(self.paths.row(item))

    def map_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "MAP.json", str(Path.home()),
                                              "JSON files (*.json);;All files (*)")
        if path:
            self.map_path.setText(path)
            self._on_map_chosen()

    def set_map_path(self, path: Path | str | None) -> None:
        """Choose a MAP.json (or none) and take its time zone and format."""
        self.map_path.setText("" if path is None else str(path))
        self._on_map_chosen()

    def _on_map_chosen(self) -> None:
        text = self.map_path.text().strip()
        show_message(self.message, "")
        if not text:
            return
        try:
            mapping = load_mapping(Path(text))
        except CrmDataError as exc:
            show_message(self.message, str(exc))
            return
        self.timezone.setText(mapping.timezone)
        if mapping.format is not None:
            self.format.setCurrentIndex(self.format.findData(mapping.format))

    def _on_selection_changed(self, *_args: Any) -> None:
        self.completeChanged.emit()

    def selection_key(self) -> tuple[Any, ...]:
        return (tuple(self.paths.paths()), self.format.currentData(),
                self.map_path.text().strip(), self.timezone.text().strip())

    # --- reading -------------------------------------------------------------------------
    def isComplete(self) -> bool:
        return self.paths.count() > 0 and not self.runner.running

    def validatePage(self) -> bool:
        """Next: go on when the export as chosen has been read; else read it first (the
        page moves on by itself when that succeeds)."""
        if self.read_key == self.selection_key() and self.owner.log is not None:
            return True
        self.start_reading()
        return False

    def start_reading(self) -> bool:
        paths, fmt, map_text, zone = self.selection_key()
        map_path = Path(map_text) if map_text else None
        try:
            check_timezone(zone or "UTC")
        except ValueError as exc:
            show_message(self.message, f"Time zone: {exc}")
            return False

        def work(progress: Any, _should_stop: Any) -> Any:
            return cal.load_export(list(paths), format=fmt, map_path=map_path,
                                   timezone=zone or "UTC", progress=progress)

        self._reading_key = self.selection_key()
        show_message(self.message, "")
        self.progress.begin("Reading the export…")
        self.runner.start_steps(work)
        self.completeChanged.emit()
        return True

    def _on_step(self, what: str, done: int, total: int) -> None:
        share = f": {100 * done / total:.0f} %" if total else ""
        self.progress.report(f"Reading {what}{share}", done, total)

    def _on_read(self, result: Any) -> None:
        self.progress.end()
        log, given = result
        self.read_key = self._reading_key
        self.owner.set_log(log, given)
        self.completeChanged.emit()
        self.owner.next()

    def _on_failed(self, message: str) -> None:
        self.progress.end()
        show_message(self.message, message)
        self.completeChanged.emit()

    def _on_cancelled(self) -> None:
        self.progress.end()
        show_message(self.message, "Reading cancelled; nothing was read.")
        self.completeChanged.emit()

    def stop(self) -> None:
        self.runner.cancel()
        self.runner.wait(5.0)
