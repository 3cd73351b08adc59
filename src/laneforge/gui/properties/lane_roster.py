"""The roster part of the lane editor: a read-only summary of who is on when, and the way to
the staffing plan.

A lane with a roster shows its peak, its paid hours a week and a small weekday x hour
heatmap (the shifts per day in the tooltip), with "Clear roster" and "Edit in staffing
plan…"; a lane without one offers "Plan a roster…".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ...model.roster import roster_peak, roster_person_hours
from ..staffing.heatmap import RosterHeatmap, roster_by_hour
from .base import hint
from .widgets import push_button


def roster_text(roster: dict[str, dict[str, int]]) -> str:
    """The shifts per day, one line a day: 'mon: 11 × 09:00-13:00, 2 × 14:00-18:00'."""
    return "\n".join(f"{day}: " + ", ".join(f"{people} × {span}" for span, people in
                                            shifts.items())
                     for day, shifts in roster.items() if shifts)


def hours_text(hours: float) -> str:
    """'252', '1,234.5': whole hours without decimals."""
    return f"{hours:,.0f}" if float(hours).is_integer() else f"{hours:,.1f}"


class RosterSummary(QWidget):
    """Shows a lane's roster; asks (by signal) to clear it or to open the staffing plan."""

    clear_requested = Signal()
    plan_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rosterSummary")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.summary = hint()
        self.summary.setObjectName("rosterText")
        column.addWidget(self.summary)
        self.heatmap = RosterHeatmap(compact=True)
        column.addWidget(self.heatmap)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self.plan = push_button("Edit in staffing plan…", "Plan the cheapest roster for a "
                                "service target (Simulate ▸ Staffing plan…)")
        self.plan.setObjectName("editRoster")
        self.clear = push_button("Clear roster", "Remove the roster: the lane's staff works "
                                 "whenever its calendar is open (undoable)")
        self.clear.setObjectName("clearRoster")
        buttons.addWidget(self.plan)
        buttons.addWidget(self.clear)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.plan.clicked.connect(self.plan_requested)
        self.clear.clicked.connect(self.clear_requested)
        self.peak: int | None = None
        self.paid_hours: float | None = None

    def show_roster(self, roster: dict[str, dict[str, int]] | None) -> None:
        if not roster:
            self.peak = self.paid_hours = None
            self.summary.setText("No roster: the lane's staff works whenever its calendar is "
                                 "open. A roster sets people per weekday and hour.")
            self.summary.setToolTip("")
            self.plan.setText("Plan a roster…")
            self.heatmap.hide()
            self.clear.hide()
            return
        self.peak = roster_peak(roster)
        self.paid_hours = roster_person_hours(roster)
        self.summary.setText(f"Peak {self.peak} {'person' if self.peak == 1 else 'people'} "
                             f"on · {hours_text(self.paid_hours)} paid hours a week")
        self.summary.setToolTip(roster_text(roster))
        self.plan.setText("Edit in staffing plan…")
        self.heatmap.set_data(roster_by_hour(roster))
        self.heatmap.show()
        self.clear.show()
