"""Page 3: the mapping table. One row per CRM value that matters (statuses, lead sources,
owner roles, activity types) with how many leads have it and a drop-down of process
targets, prefilled with MAP.json or the suggestion; what still needs a person is listed
under it, and the mapping can be saved as MAP.json."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ...app import crm_calibration as cal
from ...app.calibration_choices import (
    KIND_WORDS,
    KINDS,
    MappingRow,
    mapping_rows,
    mapping_with,
    targets,
)
from ...app.crm_calibration import CrmDataError, CrmMap, save_mapping
from .widgets import cell, hint_label, make_table, message_label, show_message

if TYPE_CHECKING:
    from .wizard import CalibrationWizard

NOT_MAPPED = "— not mapped —"
VALUE, LEADS, STAGE, TARGET = range(4)


def _key(target: tuple[str, str] | None) -> str | None:
    """A row's target as a drop-down's item data: "outcomes|won" (strings stay strings in
    Qt, where a tuple might come back as a list)."""
    return None if target is None else f"{target[0]}|{target[1]}"


def _target(data: str | None) -> tuple[str, str] | None:
    if not data:
        return None
    field, _, target = data.partition("|")
    return field, target


class MappingPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("Tie the CRM's words to the process")
        self.setSubTitle("Each CRM value that at least 1 % of the leads have, with where it "
                         "goes in the process: prefilled from MAP.json or suggested by name. "
                         "Change a drop-down to correct it.")
        self.rows: list[MappingRow] = []
        #: (row index in self.rows) -> (stage combo or None, target combo)
        self.combos: dict[int, tuple[QComboBox | None, QComboBox]] = {}
        self.base: CrmMap | None = None
        self.problems: list[str] = []
        self.error = ""
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = make_table(["CRM value", "Leads", "Stage", "Maps to"])
        self.table.setObjectName("mappingTable")
        splitter.addWidget(self.table)
        lower = QWidget()
        below = QVBoxLayout(lower)
        below.setContentsMargins(0, 0, 0, 0)
        self.problems_title = QLabel("Map these before fitting")
        self.problems_title.setObjectName("sectionTitle")
        below.addWidget(self.problems_title)
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("ambiguousList")
        self.problem_list.setWordWrap(True)
        below.addWidget(self.problem_list)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 110])
        layout.addWidget(splitter, 1)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(hint_label("A status can mean a stage (the funnel) and an end or "
                                     "a step (where the lead is); statuses left unmapped are "
                                     "ignored by the fit."), 1)
        self.save_button = QPushButton("Save map…")
        self.save_button.setObjectName("saveMap")
        self.save_button.setToolTip("Write this mapping as MAP.json, to reuse it next time or "
                                    "with laneforge calibrate --map")
        self.save_button.clicked.connect(self.save_dialog)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    # --- filling ---------------------------------------------------------------------------
    def initializePage(self) -> None:
        wizard = self.owner
        if wizard.log is None:
            return
        if wizard.mapping is None or self.base is None:
            try:
                self.base = cal.complete_mapping(wizard.log, wizard.process, wizard.given)
            except CrmDataError as exc:
                self.base = wizard.given or CrmMap()
                show_message(self.message, str(exc))
            self.rows = mapping_rows(wizard.log, wizard.process, self.base)
            self._fill()
        self._on_changed()

    def _fill(self) -> None:
        table = self.table
        table.clearSpans()
        table.setRowCount(0)
        self.combos.clear()
        process = self.owner.process
        for kind in KINDS:
            members = [i for i, r in enumerate(self.rows) if r.kind == kind]
            if not members:
                continue
            line = table.rowCount()
            table.insertRow(line)
            title = QTableWidgetItem(f"{KIND_WORDS[kind]} ({len(members)})")
            font = QFont(title.font())
            font.setBold(True)
            title.setFont(font)
            title.setFlags(Qt.ItemFlag.ItemIsEnabled)
            table.setItem(line, 0, title)
            table.setSpan(line, 0, 1, 4)
            choices = targets(process, kind)
            for index in members:
                row = self.rows[index]
                line = table.rowCount()
                table.insertRow(line)
                table.setItem(line, VALUE, cell(row.label, row.value))
                table.setItem(line, LEADS, cell(f"{row.leads:,}", right=True))
                stage = None
                if kind == "status":
                    stage = self._combo([(s, s) for s in process.stages], row.stage)
                    stage.setToolTip("The funnel stage this status means")
                    table.setCellWidget(line, STAGE, stage)
                else:
                    table.setItem(line, STAGE, cell("", " "))
                target = self._combo([(t.label, _key((t.field, t.id))) for t in choices],
                                     _key(row.target))
                table.setCellWidget(line, TARGET, target)
                self.combos[index] = (stage, target)
                for combo in (stage, target):
                    if combo is not None:
                        combo.currentIndexChanged.connect(
                            lambda _i, n=index: self._on_row_changed(n))
        header = table.horizontalHeader()
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(LEADS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STAGE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TARGET, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(STAGE, 170)
        table.setColumnWidth(TARGET, 340)

    def _combo(self, items: list[tuple[str, Any]], current: Any) -> QComboBox:
        combo = QComboBox()
        combo.addItem(NOT_MAPPED, None)
        for text, data in items:
            combo.addItem(text, data)
        if current is not None:
            index = combo.findData(current)
            if index < 0:  # MAP.json names something the process does not have: shown, so
                label = current.partition("|")[2] or current  # that it can be changed
                combo.addItem(f"{label} — not in this process", current)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        return combo

    # --- editing ---------------------------------------------------------------------------
    def combo(self, value: str, *, stage: bool = False) -> QComboBox:
        """The drop-down of a CRM value's row (its stage drop-down with ``stage``)."""
        for index, row in enumerate(self.rows):
            if row.value == value:
                pair = self.combos[index]
                chosen = pair[0] if stage else pair[1]
                if chosen is None:
                    raise KeyError(f"{value!r} has no stage drop-down")
                return chosen
        raise KeyError(value)

    def _on_row_changed(self, index: int) -> None:
        stage, target = self.combos[index]
        row = self.rows[index]
        row.stage = stage.currentData() if stage is not None else None
        row.target = _target(target.currentData())
        self._on_changed()

    def current_mapping(self) -> CrmMap:
        return mapping_with(self.base or CrmMap(), self.rows)

    def _on_changed(self) -> None:
        wizard = self.owner
        if wizard.log is None:
            return
        mapping = self.current_mapping()
        wizard.set_mapping(mapping)
        self.error, self.problems = "", []
        try:
            self.problems = cal.unmapped(wizard.log, wizard.process, mapping)
        except CrmDataError as exc:
            self.error = str(exc)
        show_message(self.message, self.error)
        self.problem_list.clear()
        self.problem_list.addItems(self.problems or ["Nothing: every stage, final status, "
                                                     "source and role that matters is mapped."])
        self.problems_title.setText(f"Map these before fitting ({len(self.problems)})"
                                    if self.problems else "Map these before fitting")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.error and not self.problems

    # --- saving ----------------------------------------------------------------------------
    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save MAP.json",
                                              str(Path.home() / "MAP.json"),
                                              "JSON files (*.json)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            save_mapping(self.current_mapping(), path)
        except OSError as exc:
            show_message(self.message, f"{path}: cannot write: {exc.strerror or exc}")
            return False
        show_message(self.message, self.error)
        return True
