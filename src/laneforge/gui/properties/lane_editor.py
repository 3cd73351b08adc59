"""The lane editor: a team's name, pool, staff, working calendar, hourly cost, roster, colour
and height."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QVBoxLayout, QWidget

from ...model import MISSING, Lane
from ...model.types import is_identifier
from ..commands import RenameLaneCommand, rename_command
from ..staffing.edits import roster_command
from .base import (
    Editor,
    Form,
    format_number,
    header,
    hint,
    indented,
    parse_number,
    section,
    set_error,
)
from .lane_roster import RosterSummary
from .widgets import ColorButton, grow_row, push_button, row, spin_box


class LaneEditor(Editor):
    """Edits one lane (a team)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lane_id = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.title, self.subtitle = header(column)
        form = section(None, Form(), column)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.name.setPlaceholderText("e.g. Inside Sales (SDR)")
        form.add("Name", self.name, "The team's name, shown in the lane header and reports.")
        self.name.editingFinished.connect(self._on_name_finished)
        self.id = QLineEdit()
        self.id.setObjectName("id")
        form.add("Id", self.id, "The lane's key in the file and in scenarios "
                 "(e.g. lanes.inside_sales.staff). Nodes and scenarios follow a change.")
        self.id.editingFinished.connect(self._on_id_finished)
        self.pool = QLineEdit()
        self.pool.setObjectName("pool")
        self.pool.setPlaceholderText("none (the process's own)")
        form.add("Pool", self.pool, "The BPMN pool (participant) the team belongs to, such as "
                 "Consumer or Company. Neighbouring lanes of one pool are drawn in one pool "
                 "band and export to BPMN as one participant; empty: no pool.")
        self.pool.editingFinished.connect(self._on_pool_finished)
        form = section("Capacity", Form(), column)
        self.staff = spin_box(0, 100_000, suffix=" people")
        self.staff.setObjectName("staff")
        self.unlimited = QCheckBox("No limit")
        self.unlimited.setObjectName("unlimited")
        self.unlimited.setToolTip("Work never waits for someone to be free: use it for the "
                                  "lead's own time (the Consumer lane) or automated steps.")
        form.add("Staff", self.staff,
                 "How many people in this team work on these tasks at the same time. Leads "
                 "queue when all of them are busy.",
                 field=row(self.staff, self.unlimited, stretch=True))
        self.staff_note = hint("Not used for capacity while the lane has a roster; clear "
                               "the roster to staff the lane with this number again.")
        self.staff_note.setObjectName("staffNote")
        form.add_wide(indented(self.staff_note))
        self.staff.valueChanged.connect(self._on_staff_changed)
        self.unlimited.toggled.connect(self._on_unlimited_toggled)
        self.calendar = QComboBox()
        self.calendar.setObjectName("calendar")
        form.add("Calendar", self.calendar,
                 "When the team works. Work only progresses inside working hours; a task "
                 "started before closing stays with its owner overnight.")
        self.calendar.activated.connect(self._on_calendar_activated)
        self.cost = QLineEdit()
        self.cost.setObjectName("cost_per_hour")
        self.cost.setPlaceholderText("not costed")
        form.add("Cost per hour", self.cost,
                 "Loaded cost of one person for one hour (salary, benefits, tools), used for "
                 "the cost per lead and per lane in the results.",
                 field=grow_row(self.cost, "per person-hour"))
        self.cost.editingFinished.connect(self._on_cost_finished)
        self.roster_heading = section("Roster", Form(), column).heading
        self.roster = RosterSummary()
        column.addWidget(self.roster)
        self.roster.clear_requested.connect(self._on_clear_roster)
        self.roster.plan_requested.connect(self._on_plan_roster)
        form = section("Look", Form(), column)
        self.color = ColorButton()
        self.color.setObjectName("color")
        self.auto_color = push_button("Automatic", "Use the colour the diagram picks for "
                                      "this lane's position")
        form.add("Colour", self.color, "The lane's colour on the diagram; its nodes are drawn "
                 "in it.", field=grow_row(self.color, self.auto_color))
        self.color.color_chosen.connect(self._on_color_chosen)
        self.auto_color.clicked.connect(self._on_auto_color_clicked)
        self.height = spin_box(0, 2000, special="Automatic", suffix=" px")
        self.height.setSingleStep(10)
        self.height.setObjectName("height")
        form.add("Height", self.height, "Height of the lane's band on the diagram.")
        self.height.valueChanged.connect(self._on_height_changed)

    @property
    def lane(self) -> Lane:
        return self.process.lane(self.lane_id)

    @property
    def path(self) -> str:
        return f"lanes.{self.lane_id}"

    def set_lane(self, lane_id: str) -> None:
        if lane_id != self.lane_id:
            self.forget()
        self.lane_id = lane_id
        self.refresh()

    def rename_target(self, old: str, new: str) -> None:
        if self.lane_id == old:
            self.lane_id = new

    def refresh(self) -> None:
        if self.document is None or not self.process.has_lane(self.lane_id):
            return
        lane = self.lane
        self.show_text(self.name, lane.name)
        self.show_text(self.id, lane.id)
        self.show_text(self.pool, lane.pool or "")
        rostered = lane.roster is not None
        self.show_checked(self.unlimited, lane.staff is None)
        self.staff.setEnabled(lane.staff is not None and not rostered)
        self.unlimited.setEnabled(not rostered)
        self.staff_note.setVisible(rostered)
        # an unlimited lane needs no roster
        for part in (self.roster_heading, self.roster):
            if part is not None:
                part.setVisible(lane.staff is not None or rostered)
        self.roster.show_roster(lane.roster)
        self.show_value(self.staff, lane.staff if lane.staff is not None else 0)
        calendars = [("Always open", None), *((f"{key} ({cal.days})", key)
                                             for key, cal in self.process.calendars.items())]
        if lane.calendar is not None and lane.calendar not in self.process.calendars:
            calendars.append((f"{lane.calendar} (missing)", lane.calendar))
        self.show_choice(self.calendar, calendars, lane.calendar)
        self.show_text(self.cost, format_number(lane.cost_per_hour))
        self.color.set_color(self.process.lane_color(lane.id), automatic=lane.color is None)
        self.auto_color.setEnabled(lane.color is not None)
        self.show_value(self.height, int(lane.height or 0))
        nodes = self.process.nodes_in_lane(lane.id)
        tasks = sum(1 for n in nodes if n.kind == "task")
        self.title.setText(lane.label)
        self.subtitle.setText(f"Lane (a team): {len(nodes)} steps, {tasks} of them tasks that "
                              "take the team's time")

    # --- edits -----------------------------------------------------------------------------
    def _on_name_finished(self) -> None:
        name = self.name.text().strip()
        assert self.document is not None
        command = rename_command(self.document, "lane", self.lane_id, name)
        if command is not None:  # an id made from the old name follows the new one
            self.apply(command)
            self.remember(self.name)

    def _on_id_finished(self) -> None:
        new = self.id.text().strip()
        if new == self.lane_id:
            set_error(self.id, None)
            return
        if not is_identifier(new):
            set_error(self.id, "Use letters, digits, '_' and '-', starting with a letter or "
                               "'_' (e.g. inside_sales)")
            return
        if self.process.has_lane(new):
            set_error(self.id, f"There is already a lane '{new}'")
            return
        set_error(self.id, None)
        assert self.document is not None
        self.apply(RenameLaneCommand(self.document, self.lane_id, new))
        self.remember(self.id)

    def _on_pool_finished(self) -> None:
        name = " ".join(self.pool.text().split())
        self.commit(self.pool, f"{self.path}.pool", name or MISSING,
                    f"Change pool of '{self.lane.label}'")

    def _on_staff_changed(self, value: int) -> None:
        self.commit(self.staff, f"{self.path}.staff", value,
                    f"Change staff of '{self.lane.label}'", spin=True)

    def _on_unlimited_toggled(self, checked: bool) -> None:
        value = None if checked else max(self.staff.value(), 1)
        self.commit(self.unlimited, f"{self.path}.staff", value,
                    f"Change staff of '{self.lane.label}'")

    def _on_clear_roster(self) -> None:
        assert self.document is not None
        self.apply(roster_command(self.document, self.lane_id, None))

    def _on_plan_roster(self) -> None:
        assert self.document is not None
        from ..staffing import open_staffing_plan

        open_staffing_plan(self.document, self, self.lane_id)

    def _on_calendar_activated(self, _index: int) -> None:
        key = self.calendar.currentData()
        self.commit(self.calendar, f"{self.path}.calendar", MISSING if key is None else key,
                    f"Change calendar of '{self.lane.label}'")

    def _on_cost_finished(self) -> None:
        text = self.cost.text().strip().lstrip("$€£")
        try:
            value = parse_number(text) if text else MISSING
        except ValueError:
            set_error(self.cost, "Enter an amount such as 45, or leave empty")
            return
        self.commit(self.cost, f"{self.path}.cost_per_hour", value,
                    f"Change cost of '{self.lane.label}'")

    def _on_color_chosen(self, color: str) -> None:
        self.commit(self.color, f"{self.path}.color", color,
                    f"Recolour lane '{self.lane.label}'")

    def _on_auto_color_clicked(self) -> None:
        self.commit(self.color, f"{self.path}.color", MISSING,
                    f"Recolour lane '{self.lane.label}'")

    def _on_height_changed(self, value: int) -> None:
        self.commit(self.height, f"{self.path}.height", value or MISSING,
                    f"Resize lane '{self.lane.label}'", spin=True)
