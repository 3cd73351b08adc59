"""Simulate ▸ Staffing plan…: the cheapest weekly roster of a lane for a service target.

The dialog gathers what ``laneforge staff`` takes as options (lane, target, shift templates,
days and hours), computes :func:`laneforge.app.staffing.staffing_plan` on a worker thread
from a copy of the process, shows the roster as a weekday x hour heatmap beside the Erlang
C requirement with its cost and lower bound, and writes it into the lane as one undo step.
"Check by simulation" (:mod:`.check`) then simulates the process with the roster and adds
people where the SLA falls short; the heatmap and Apply take the roster it ends on.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...app.staffing import StaffingPlan, TopUp, default_window, staffing_plan
from ...app.staffing_need import DEFAULT_LEVEL
from ...model import Process
from ..document import Document
from ..option_dialog import OptionDialog, option_message
from ..simulation.background import BackgroundRun
from ..simulation.results_dock import KpiTile
from .check import SimulationCheck
from .edits import roster_command
from .heatmap import HeatmapLegend, RosterHeatmap, roster_by_hour

#: the command line's option names, as the dialog labels its fields
FIELD_NAMES = {"--lane": "Lane", "--target": "Target", "--service-level": "Service level",
               "--answer": "Answer within", "--shifts": "Shifts",
               "--part-time-cost": "Part-time cost", "--days": "Days", "--hours": "Hours",
               "--shifts/--days/--hours": "Shifts, days and hours"}
def gui_message(message: str) -> tuple[str, str | None]:
    """A StaffingError's message with the option it names as the dialog's field label,
    and that option ("--target"), or None when it names none."""
    return option_message(message, FIELD_NAMES)


def limited_lanes(process: Process) -> list[tuple[str, str]]:
    """(label, id) of the lanes with a staff limit: the ones a roster can staff."""
    return [(lane.label, lane.id) for lane in process.lanes if lane.staff is not None]


class StaffingDialog(OptionDialog):
    """Plan a roster for one lane of ``document`` and apply it as one undoable edit."""

    def __init__(self, document: Document, lane: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Staffing plan")
        self.setObjectName("staffingDialog")
        self.document = document
        self.plan: StaffingPlan | None = None
        #: the plan shown no longer matches the inputs (Apply waits for a new one)
        self.stale = False
        #: a plan is being computed (the worker's answer has not arrived yet)
        self.planning = False
        #: the command "Apply to lane" pushed, if any
        self.applied: Any = None
        #: the simulation check of the plan shown, once it has ended
        self.top_up: TopUp | None = None
        #: what the check starts from: the copy the plan was made from, and the Erlang C plan
        self._check_process: Process | None = None
        self._base_plan: StaffingPlan | None = None
        self.runner = BackgroundRun(self)
        self.runner.finished.connect(self._on_planned)
        self.runner.failed.connect(self._on_failed)
        column = QVBoxLayout(self)
        # the heatmap is never squeezed: the dialog is at least as big as its contents
        column.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel("The cheapest weekly roster of a team that answers a service target: "
                       "Erlang C gives the fewest people per hour from the process's arrival "
                       "curve, an integer program picks the shifts.")
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        column.addWidget(intro)
        column.addLayout(self._inputs())
        column.addWidget(self.make_error_label())
        self.heading = QLabel("Roster: people on per weekday and hour")
        self.heading.setProperty("role", "heading")
        column.addWidget(self.heading)
        self.heatmap = RosterHeatmap()
        self.legend = HeatmapLegend(self.heatmap)
        column.addWidget(self.heatmap)
        column.addWidget(self.legend)
        column.addLayout(self._tiles())
        self.warnings = QLabel()
        self.warnings.setObjectName("warnings")
        self.warnings.setProperty("role", "warning")
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        column.addWidget(self.warnings)
        self.check = SimulationCheck()
        self.check.replications.setValue(document.process.simulation.replications)
        self.check.checked.connect(self._on_checked)
        self.check.running_changed.connect(self._on_check_running)
        column.addWidget(self.check)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        column.addLayout(self._buttons())
        self._apply_style()
        self._fill_lanes(lane)

    # --- building ----------------------------------------------------------------------------
    def _inputs(self) -> QFormLayout:
        form = QFormLayout()
        self.lane = QComboBox()
        self.lane.setObjectName("lane")
        self.lane.setToolTip("Teams with a staff limit; an unlimited lane needs no roster.")
        self.lane.currentIndexChanged.connect(self._on_lane_changed)
        form.addRow("Lane", self.lane)
        self.by_sla = QRadioButton("SLA")
        self.by_level = QRadioButton("Service level")
        group = QButtonGroup(self)
        group.addButton(self.by_sla)
        group.addButton(self.by_level)
        self.sla = QComboBox()
        self.sla.setObjectName("sla")
        self.sla.currentIndexChanged.connect(self._on_sla_changed)
        self.sla_share = _percent_spin("sla_share")
        self.sla_share.setToolTip("Share of the SLA's leads to be worked in time")
        self.level = _percent_spin("level")
        self.level.setValue(80.0)
        self.answer = QLineEdit("4h")
        self.answer.setObjectName("answer")
        self.answer.setMaximumWidth(90)
        self.answer.setToolTip("The answer time: 20m, 4h, 1d (the lane's working hours "
                               "count; see the SLA's clock)")
        form.addRow("Target", _row(self.by_sla, self.sla, "at least", self.sla_share,
                                   stretch_index=1))
        form.addRow("", _row(self.by_level, self.level, "answered within", self.answer))
        for widget in (self.by_sla, self.by_level):
            widget.toggled.connect(self._on_mode_toggled)
        self.full = QCheckBox("8-hour shifts")
        self.full.setObjectName("full_time")
        self.part = QCheckBox("4-hour part-time blocks")
        self.part.setObjectName("part_time")
        self.full.setChecked(True)
        self.part.setChecked(True)
        self.part_cost = QDoubleSpinBox()
        self.part_cost.setObjectName("part_time_cost")
        self.part_cost.setRange(0.1, 5.0)
        self.part_cost.setDecimals(2)
        self.part_cost.setSingleStep(0.05)
        self.part_cost.setValue(1.0)
        self.part_cost.setSuffix(" ×")
        self.part_cost.setToolTip("Cost of a part-time hour as a multiple of a full-time hour")
        form.addRow("Shifts", _row(self.full, self.part, "part-time hour costs",
                                   self.part_cost, "a full-time hour"))
        self.days = QLineEdit()
        self.days.setObjectName("days")
        self.days.setToolTip("Days shifts may run: mon-fri, mon-sat, mon,wed,fri")
        self.hours = QLineEdit()
        self.hours.setObjectName("hours")
        self.hours.setToolTip("The window shifts lie in, on the hour: 08:00-18:00 (a window "
                              "past midnight, 22:00-06:00, runs into the next day)")
        for edit in (self.days, self.hours):
            edit.setMaximumWidth(130)
        self.plan_button = QPushButton("Plan")
        self.plan_button.setObjectName("plan")
        self.plan_button.setDefault(True)
        self.plan_button.clicked.connect(self.start_plan)
        form.addRow("Days", _row(self.days, "hours", self.hours, None, self.plan_button))
        for widget in (self.full, self.part):
            widget.toggled.connect(self._on_inputs_changed)
        self.part.toggled.connect(self._sync_enabled)
        self.full.toggled.connect(self._sync_enabled)
        for spin in (self.sla_share, self.level, self.part_cost):
            spin.valueChanged.connect(self._on_inputs_changed)
        for edit in (self.answer, self.days, self.hours):
            edit.textEdited.connect(self._on_inputs_changed)
        return form

    def _tiles(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.tiles = {key: KpiTile(key, title) for key, title in (
            ("paid_hours", "Paid hours a week"), ("cost", "Cost a week"),
            ("bound", "Lower bound (LP)"), ("shifts", "Shifts a week"),
            ("per_won", "Cost per won deal"))}
        for tile in self.tiles.values():
            row.addWidget(tile, 1)
        return row

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.apply_button = QPushButton("Apply to lane")
        self.apply_button.setObjectName("apply")
        self.apply_button.setAutoDefault(False)
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip("Write the roster into the lane (Edit ▸ Undo takes it "
                                     "back); its staff is then not used for capacity")
        self.apply_button.clicked.connect(self.apply_plan)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row.addWidget(self.apply_button)
        row.addStretch(1)
        row.addWidget(close)
        return row

    # --- inputs ------------------------------------------------------------------------------
    @property
    def process(self) -> Process:
        return self.document.process

    def _fill_lanes(self, lane: str | None) -> None:
        lanes = limited_lanes(self.process)
        for label, lane_id in lanes:
            self.lane.addItem(label, lane_id)
        index = self.lane.findData(lane) if lane is not None else 0
        self.lane.setCurrentIndex(max(index, 0))
        if not lanes:
            self.show_error("Lane: no lane has a staff limit; a roster staffs a team whose "
                            "work waits for a free person")
            self.plan_button.setEnabled(False)

    def lane_id(self) -> str | None:
        data = self.lane.currentData()
        return None if data is None else str(data)

    def _on_lane_changed(self, _index: int) -> None:
        lane_id = self.lane_id()
        if lane_id is None:
            return
        tasks = {n.id for n in self.process.nodes if n.kind == "task" and n.lane == lane_id}
        slas = [s for s in self.process.slas if s.target in tasks]
        self.sla.blockSignals(True)
        self.sla.clear()
        for sla in slas:
            self.sla.addItem(sla.label, sla.id)
        self.sla.blockSignals(False)
        self.by_sla.setEnabled(bool(slas))
        (self.by_sla if slas else self.by_level).setChecked(True)
        self._on_sla_changed(0)
        days, hours = default_window(self.process, lane_id)
        self.days.setText(days)
        self.hours.setText(hours)
        self._sync_enabled()
        self._show_current_roster(lane_id)
        self._on_inputs_changed()

    def _on_sla_changed(self, _index: int) -> None:
        sla_id = self.sla.currentData()
        sla = next((s for s in self.process.slas if s.id == sla_id), None)
        if sla is not None:
            share = sla.target_rate if sla.target_rate is not None else DEFAULT_LEVEL
            self.sla_share.setValue(round(share * 100, 1))
            self.sla.setToolTip(f"{sla.label}: from {sla.source} to {sla.target} within "
                                f"{sla.within} ({sla.clock} clock)")
        self._on_inputs_changed()

    def _on_mode_toggled(self, _checked: bool) -> None:
        self._sync_enabled()
        self._on_inputs_changed()

    def _sync_enabled(self) -> None:
        by_sla = self.by_sla.isChecked()
        for widget in (self.sla, self.sla_share):
            widget.setEnabled(by_sla)
        for widget in (self.level, self.answer):
            widget.setEnabled(not by_sla)
        # with part-time blocks alone they are the full shift, at the full rate
        self.part_cost.setEnabled(self.part.isChecked() and self.full.isChecked())

    def request(self) -> dict[str, Any]:
        """The keyword arguments of ``staffing_plan`` the inputs stand for."""
        lengths = [text for box, text in ((self.full, "8h"), (self.part, "4h"))
                   if box.isChecked()]
        options: dict[str, Any] = {
            "shifts": ",".join(lengths) or "none", "days": self.days.text().strip(),
            "hours": self.hours.text().strip(),
            "part_time_weight": self.part_cost.value() if len(lengths) == 2 else 1.0,
        }
        if self.by_sla.isChecked():
            options["target"] = f"{self.sla.currentData()}>={self.sla_share.value() / 100:g}"
        else:
            options["service_level"] = self.level.value() / 100
            options["answer"] = self.answer.text().strip()
        return options

    def _on_inputs_changed(self, *_args: object) -> None:
        if self.plan is not None and not self.stale:
            self.stale = True
            self.status.setText("The inputs changed: press Plan for a roster to apply.")
        self._sync_apply()

    def _sync_apply(self) -> None:
        checking = self.check.running
        ready = self.plan is not None and not self.stale and not self.planning
        self.apply_button.setEnabled(ready and not checking and bool(self.plan and
                                                                     self.plan.roster))
        self.plan_button.setEnabled(not self.planning and not checking
                                    and self.lane.count() > 0)
        why = ("Press Plan first" if self.plan is None or self.stale or self.planning else
               "The check measures an SLA: choose the SLA target and plan again"
               if self.plan.target.sla is None else
               "The plan has no roster to check" if not self.plan.roster else "")
        checkable = not why and not checking
        self.check.set_source(self._check_process if checkable else None,
                              self._base_plan if checkable else None, why)

    # --- planning ----------------------------------------------------------------------------
    def start_plan(self) -> None:
        """Compute the plan off the UI thread, on a copy of the process."""
        lane_id = self.lane_id()
        if lane_id is None or self.planning:
            return
        if not (self.full.isChecked() or self.part.isChecked()):
            self.show_error("Shifts: tick 8-hour shifts, 4-hour blocks or both")
            return
        process = self.process.detached_copy()
        self._check_process = process
        options = self.request()
        self.show_error(None)
        self.plan_button.setEnabled(False)
        self.planning = True
        self.status.setText("Planning…")
        self.runner.wait()  # the last plan's thread has answered; let it end
        self.runner.start(lambda _progress, _cancel: staffing_plan(process, lane_id, **options))
        self._sync_apply()

    def _on_planned(self, plan: StaffingPlan) -> None:
        self.planning = False
        self.plan = self._base_plan = plan
        self.top_up = None
        self.check.reset()
        self.stale = False
        self.show_plan(plan)
        self._sync_apply()

    # --- the simulation check ----------------------------------------------------------------
    def _on_check_running(self, running: bool) -> None:
        if running:
            self.status.setText("Checking the roster by simulation…")
        self._sync_apply()

    def _on_checked(self, top_up: TopUp) -> None:
        """The check ended: its roster becomes the plan shown (and the one Apply writes)."""
        self.top_up = top_up
        self.plan = top_up.plan
        self.show_plan(top_up.plan, top_up)
        if self.stale:  # edited while the check ran: this roster is not for those inputs
            self.status.setText("The inputs changed: press Plan for a roster to apply.")
        self._sync_apply()

    def _on_failed(self, message: str) -> None:
        self.planning = False
        self.plan_button.setEnabled(True)
        self.status.setText("The roster shown is the last plan, for the inputs it names."
                            if self.plan is not None else "")
        self.show_error(message)
        self._sync_apply()

    def error_message(self, message: str) -> tuple[str, str | None]:
        return gui_message(message)

    def _fields(self) -> dict[str, QWidget]:
        return {"--lane": self.lane, "--target": self.sla_share if self.by_sla.isChecked()
                else self.level, "--service-level": self.level, "--answer": self.answer,
                "--days": self.days, "--hours": self.hours, "--part-time-cost": self.part_cost}

    # --- showing -----------------------------------------------------------------------------
    def _show_current_roster(self, lane_id: str) -> None:
        """Before a plan: the lane's roster as it is, or an empty week."""
        if self.plan is not None:
            return
        roster = self.process.lane(lane_id).roster
        self.heatmap.set_data(roster_by_hour(roster))
        self.heading.setText("The lane's roster now (press Plan for the cheapest one)"
                             if roster else "Roster: press Plan")
        self.legend.update()

    def show_plan(self, plan: StaffingPlan, top_up: TopUp | None = None) -> None:
        lane = self.process.lane(plan.lane).label if self.process.has_lane(plan.lane) \
            else plan.lane
        checked = ""
        if top_up is not None:
            people = "person" if top_up.added == 1 else "people"
            checked = (f"; checked by simulation, +{top_up.added} {people}" if top_up.added
                       else "; checked by simulation")
        self.heading.setText(f"{lane}: {plan.target.text()}, shifts on {plan.days} "
                             f"{plan.hours}{checked}")
        self.heatmap.set_data(plan.choice.staffed, plan.requirement.agents)
        self.legend.update()
        costed = plan.cost_per_hour is not None
        self.tiles["paid_hours"].show_value(f"{plan.person_hours:,.0f} h",
                                            f"peak {int(plan.choice.staffed.max(initial=0))} "
                                            "people on")
        start = top_up.start if top_up is not None and top_up.added else None
        if costed and start is not None:
            self.tiles["cost"].show_value(
                f"{plan.choice.cost:,.0f}",
                f"+{plan.choice.cost - start.choice.cost:,.0f} on Erlang C's "
                f"{start.choice.cost:,.0f}")
        elif costed:
            self.tiles["cost"].show_value(f"{plan.choice.cost:,.0f}",
                                          f"at {plan.cost_per_hour:,.4g} per hour")
        else:
            self.tiles["cost"].show_value("–", "the lane has no cost per hour")
        self.tiles["bound"].show_value(f"{plan.choice.lp_bound:,.0f}", _bound_text(plan))
        self.tiles["shifts"].show_value(_shifts_text(plan), "people × shift length")
        won = plan.cost_per_won
        simulated = top_up.cost_per_won if top_up is not None else None
        if simulated is not None and top_up is not None and top_up.won_per_week is not None:
            self.tiles["per_won"].show_value(f"{simulated:,.0f}",
                                             f"{top_up.won_per_week:.1f} won a week, "
                                             "simulated")
        elif won is not None and costed:
            self.tiles["per_won"].show_value(f"{won:,.0f}",
                                             f"{plan.won_per_week:.1f} won deals a week")
        else:
            self.tiles["per_won"].show_value("–", "no cost or no won deals")
        self.warnings.setText("\n".join(f"⚠ {w}" for w in plan.warnings))
        self.warnings.setVisible(bool(plan.warnings))
        short = self.heatmap.short_hours()
        if top_up is not None:
            self.status.setText(
                "The roster the check ended on: Apply writes it into the lane." if top_up.met
                else "The check stopped short of the target: more people, another shift "
                "pattern or a lower target may be needed; Apply writes this roster.")
            return
        self.status.setText(
            "Nothing to roster: the lane has no work in the week" if not plan.roster else
            f"{short} hours of the week are short of the requirement" if short else
            "Every hour has at least the people Erlang C asks for. Apply writes the roster "
            "into the lane; Edit ▸ Undo takes it back.")

    # --- applying ----------------------------------------------------------------------------
    def apply_plan(self) -> bool:
        """Write the shown plan's roster into its lane as one undo step; True if it changed
        the lane."""
        if self.plan is None or self.stale or not self.plan.roster:
            return False
        command = roster_command(self.document, self.plan.lane, self.plan.roster)
        if command is None:
            self.status.setText("The lane already has this roster.")
            return False
        self.document.apply(command)
        self.applied = command
        self.accept()
        return True

    def done(self, result: int) -> None:
        self.check.cancel()  # a simulation stops at its next replication
        self.check.wait(30)
        self.runner.wait(30)  # a plan takes a second or two; never leave its thread behind
        super().done(result)


def _bound_text(plan: StaffingPlan) -> str:
    """Whether the roster reaches the LP bound (fractional people), or how far above."""
    bound, cost = plan.choice.lp_bound, plan.choice.cost
    if cost <= bound * (1 + 1e-6) + 1e-6:
        return "reached: no roster costs less"
    return f"{(cost - bound) / bound:.1%} below this roster (whole people)"


def _shifts_text(plan: StaffingPlan) -> str:
    by_length: dict[int, int] = {}
    for shift, people in plan.choice.counts.items():
        by_length[shift.hours] = by_length.get(shift.hours, 0) + people
    if not by_length:
        return "none"
    return " + ".join(f"{n} × {hours} h" for hours, n in sorted(by_length.items(), reverse=True))


def _percent_spin(name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(1.0, 99.9)
    spin.setDecimals(1)
    spin.setSingleStep(1.0)
    spin.setSuffix(" %")
    spin.setValue(DEFAULT_LEVEL * 100)
    return spin


def _row(*items: QWidget | str | None, stretch_index: int | None = None) -> QWidget:
    """Widgets side by side; strings become muted labels, None the free space; without a
    None, the free space is after the last unless one widget (``stretch_index``) takes it."""
    container = QWidget()
    layout = QHBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    for index, item in enumerate(items):
        widget: QWidget
        if item is None:
            layout.addStretch(1)
            continue
        if isinstance(item, str):
            widget = QLabel(item)
            widget.setProperty("role", "hint")
        else:
            widget = item
        layout.addWidget(widget, 1 if index == stretch_index else 0)
    if stretch_index is None and None not in items:
        layout.addStretch(1)
    return container
