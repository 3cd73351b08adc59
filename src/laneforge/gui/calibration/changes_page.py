"""Page 5: the fitted changes, one row each with a tick box, the parameter in words (its
path in the tooltip), the value before, the fitted value, n and the 95 % interval; and what
the data did not cover, with the reason. A value found from data is the user's to refuse."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ...app.calibrate import Change
from ...app.calibration_choices import interval_text, linked
from ...model import MISSING, Process
from ..simulation.scenario_changes import describe_dist, subject_label
from .widgets import cell, fit_columns, hint_label, make_table

if TYPE_CHECKING:
    from .wizard import CalibrationWizard

PARAMETER, BEFORE, FITTED, N, INTERVAL = range(5)
FIELD_WORDS = {
    "arrivals": "arrivals", "arrivals.rate": "arrival rate",
    "arrivals.profile": "weekday profile", "arrivals.batch": "imports (batches)",
    "probability": "branch share", "decay.half_life": "speed-to-lead half-life",
    "duration": "duration", "staff": "staff", "calendar": "working calendar",
    "branches": "branch shares", "days": "working days", "hours": "working hours",
}


def parameter_words(process: Process, path: str) -> str:
    """"Inside Sales (SDR) · staff", "Duplicate? → Merged · branch share",
    "Calendar 'office' · working hours"."""
    parts = path.split(".")
    if parts[0] == "calendars" and len(parts) >= 2:
        subject = f"Calendar '{parts[1]}'"
        if len(parts) == 2:
            return subject if parts[1] in process.calendars else f"{subject} (new)"
    elif len(parts) >= 3:
        subject = subject_label(process, path)
    else:
        return path
    tail = ".".join(parts[2:])
    return f"{subject} · {FIELD_WORDS.get(tail, tail.replace('.', ' ').replace('_', ' '))}"


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def _profile(value: dict[str, Any]) -> str:
    """"mon–sun 1.25 1.3 1.25 1.2 0.95 0.3 0.25": the weights in a narrow cell (the
    tooltip names each day)."""
    days = list(value)
    span = f"{days[0]}–{days[-1]} " if len(days) > 1 else f"{''.join(days)} "
    return span + " ".join(_number(w) for w in value.values())


def _arrivals(value: Any) -> str:
    specs = value if isinstance(value, list) else [value]
    words = []
    for spec in specs:
        if not isinstance(spec, dict):
            words.append(str(spec))
        elif "rate" in spec:
            words.append(str(spec["rate"]) + (" with a weekday profile" if spec.get("profile")
                                              else ""))
        elif "batch" in spec:
            every = f" every {spec['every']}" if spec.get("every") else " once"
            words.append(f"import of {spec['batch']} at {spec.get('first', '0h')}{every}")
        else:
            words.append(json.dumps(spec))
    return "; ".join(words)


def value_tip(path: str, value: Any) -> str:
    """The whole value for a cell's tooltip (a profile with its days, a distribution's
    parameters)."""
    if isinstance(value, dict) and path.endswith(".arrivals.profile"):
        return " · ".join(f"{day} {_number(weight)}" for day, weight in value.items())
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value_text(path, value)


def value_text(path: str, value: Any) -> str:
    """A value as the changes table shows it."""
    if value is MISSING or value is None:
        return "—"
    if path.endswith(".probability") and isinstance(value, int | float):
        return f"{100 * value:.1f} %"
    if path.endswith(".arrivals.profile") and isinstance(value, dict):
        return _profile(value)
    if path.endswith(".arrivals"):
        return _arrivals(value)
    if isinstance(value, dict) and "dist" in value:
        return describe_dist(value)
    if path.startswith("calendars.") and path.count(".") == 1 and isinstance(value, dict):
        holidays = len(value.get("holidays", []))
        extra = f" (+{holidays} holidays)" if holidays else ""
        return f"{value.get('days', 'mon-fri')} {value.get('hours', '09:00-17:00')}{extra}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


class ChangesPage(QWizardPage):
    def __init__(self, wizard: CalibrationWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle("What the export changes")
        self.setSubTitle("Every value the fit found, with the sample it rests on. Untick a "
                         "change to keep the value you had; ticked ones are applied when you "
                         "finish, as one step that Edit ▸ Undo reverses.")
        self.changes: list[Change] = []
        self._run: Any = None
        self._updating = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("tickedCount")
        top.addWidget(self.count, 1)
        for name, text, state in (("tickAll", "Tick all", True),
                                  ("untickAll", "Untick all", False)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda checked=False, s=state: self.set_all(s))
            top.addWidget(button)
        layout.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = make_table(["Parameter", "Before", "Fitted", "n", "95 % interval"])
        self.table.setObjectName("changesTable")
        self.table.itemChanged.connect(self._on_item_changed)
        splitter.addWidget(self.table)
        lower = QWidget()
        below = QVBoxLayout(lower)
        below.setContentsMargins(0, 0, 0, 0)
        self.left_title = QLabel("Not calibrated: left as they were")
        self.left_title.setObjectName("sectionTitle")
        below.addWidget(self.left_title)
        self.left = make_table(["Parameter", "Why"])
        self.left.setObjectName("notCalibratedTable")
        below.addWidget(self.left)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([470, 150])
        layout.addWidget(splitter, 1)
        layout.addWidget(hint_label("The shares of one decision's branches go together (they "
                                    "add up to 1), and so do a new calendar and the lane that "
                                    "uses it: ticking one ticks the others."))

    def initializePage(self) -> None:
        run = self.owner.run
        if run is None or run is self._run:
            return  # the same fit as last time: keep the user's ticks
        self._run = run
        self.changes = list(run.calibration.changes)
        process = self.owner.process
        self._updating = True
        self.table.setRowCount(len(self.changes))
        for row, change in enumerate(self.changes):
            words = QTableWidgetItem(parameter_words(process, change.path))
            words.setToolTip(change.path)
            words.setData(Qt.ItemDataRole.UserRole, change.path)
            words.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                           | Qt.ItemFlag.ItemIsSelectable)
            words.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(row, PARAMETER, words)
            for column, value in ((BEFORE, change.old), (FITTED, change.new)):
                self.table.setItem(row, column, cell(value_text(change.path, value),
                                                     value_tip(change.path, value)))
            self.table.setItem(row, N, cell(f"{change.n:,}", "the sample the value rests on",
                                            right=True))
            self.table.setItem(row, INTERVAL, cell(interval_text(change)))
        self._updating = False
        fit_columns(self.table, BEFORE, FITTED)
        header = self.table.horizontalHeader()  # room for the tick box beside the words
        header.setSectionResizeMode(PARAMETER, header.ResizeMode.Interactive)
        self.table.setColumnWidth(PARAMETER, self.table.sizeHintForColumn(PARAMETER) + 16)
        calibration = run.calibration
        self.left.setRowCount(len(calibration.not_calibrated))
        for row, path in enumerate(calibration.not_calibrated):
            self.left.setItem(row, 0, cell(parameter_words(process, path), path))
            self.left.setItem(row, 1, cell(calibration.reasons.get(path, "")))
        fit_columns(self.left, 1)
        self.left_title.setText(f"Not calibrated: left as they were "
                                f"({len(calibration.not_calibrated)})")
        self._count()

    # --- ticks -----------------------------------------------------------------------------
    def row_of(self, path: str) -> int:
        return next(i for i, c in enumerate(self.changes) if c.path == path)

    def is_ticked(self, path: str) -> bool:
        item = self.table.item(self.row_of(path), PARAMETER)
        return item.checkState() == Qt.CheckState.Checked

    def set_ticked(self, path: str, ticked: bool) -> None:
        """Tick or untick a change (and the changes that go with it)."""
        item = self.table.item(self.row_of(path), PARAMETER)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def ticked(self) -> list[str]:
        return [c.path for c in self.changes if self.is_ticked(c.path)]

    def set_all(self, ticked: bool) -> None:
        self._updating = True
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        for row in range(self.table.rowCount()):
            self.table.item(row, PARAMETER).setCheckState(state)
        self._updating = False
        self._count()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating or item.column() != PARAMETER:
            return
        path = item.data(Qt.ItemDataRole.UserRole)
        self._updating = True
        for other in linked(self.changes, path):
            if other != path:
                self.table.item(self.row_of(other), PARAMETER).setCheckState(item.checkState())
        self._updating = False
        self._count()

    def _count(self) -> None:
        if not self.changes:
            self.count.setText("The export confirms every fitted value: nothing to change.")
            return
        self.count.setText(f"{len(self.ticked())} of {len(self.changes)} changes ticked")
