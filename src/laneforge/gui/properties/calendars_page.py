"""The Calendars tab of the process editor: working days, hours, time zone and holidays."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from ...model import MISSING
from ...model.types import is_identifier
from ..commands import check_steps, values_command
from .base import set_error
from .master_detail import MasterDetail
from .widgets import ZoneEdit


class CalendarsPage(MasterDetail):
    columns = ("Id", "Days", "Hours", "Time zone", "Holidays")
    stretch_column = 2
    noun = "calendar"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("When teams work. A lane uses one calendar; work only progresses "
                         "inside its hours.", parent)
        self.id = QLineEdit()
        self.id.setObjectName("calendar_id")
        self.form.add("Id", self.id, "The calendar's name, as lanes and SLAs refer to it "
                      "(e.g. business, emea, weekend_support).")
        self.id.editingFinished.connect(self._on_id_finished)
        self.days = QLineEdit()
        self.days.setObjectName("days")
        self.days.setPlaceholderText("mon-fri")
        self.form.add("Days", self.days, "Working days: mon-fri, mon,wed,fri, sat-sun or "
                      "daily.")
        self.hours = QLineEdit()
        self.hours.setObjectName("hours")
        self.hours.setPlaceholderText("09:00-17:00")
        self.form.add("Hours", self.hours, "Working hours each working day, HH:MM-HH:MM; "
                      "several spans separated by commas for a lunch break "
                      "(09:00-12:30,13:30-17:30). A span that ends before it starts is a "
                      "night shift: 22:00-06:00 starts at 22:00 on each working day and "
                      "ends at 06:00 the next morning.")
        self.timezone = ZoneEdit("the process's clock")
        self.timezone.setObjectName("timezone")
        self.form.add("Time zone", self.timezone, "Where the team works, as an IANA name "
                      "(Europe/London, America/New_York, Asia/Kolkata): its days, hours and "
                      "holidays are local time there, daylight saving included. Empty: the "
                      "process's time zone.")
        self.holidays = QLineEdit()
        self.holidays.setObjectName("holidays")
        self.holidays.setPlaceholderText("e.g. 2026-12-25, 2026-12-26")
        self.form.add("Holidays", self.holidays, "Days off as YYYY-MM-DD, separated by "
                      "commas.")
        for field, edit in (("days", self.days), ("hours", self.hours),
                            ("timezone", self.timezone), ("holidays", self.holidays)):
            edit.editingFinished.connect(lambda f=field, e=edit: self._on_field_finished(f, e))

    def data(self) -> dict[str, Any]:
        value = self.process.edit.get_value("calendars")
        return dict(value) if isinstance(value, dict) else {}

    def keys(self) -> list[str]:
        return list(self.process.calendars)

    def row(self, key: str) -> list[str]:
        calendar = self.process.calendars[key]
        count = len(calendar.holidays)
        return [key, calendar.days, calendar.hours, calendar.timezone or "",
                f"{count} day{'s' if count != 1 else ''}" if count else "none"]

    def refresh_detail(self, key: str) -> None:
        calendar = self.process.calendars[key]
        self.show_text(self.id, key)
        self.show_text(self.days, calendar.days)
        self.show_text(self.hours, calendar.hours)
        self.show_text(self.timezone, calendar.timezone or "")
        self.show_text(self.holidays, ", ".join(d.isoformat() for d in calendar.holidays))

    def users(self, key: str) -> list[tuple[str, str]]:
        """(path, label) of every lane and SLA that uses the calendar."""
        process = self.process
        return ([(f"lanes.{lane.id}.calendar", lane.label) for lane in process.lanes
                 if lane.calendar == key]
                + [(f"slas.{sla.id}.calendar", sla.label) for sla in process.slas
                   if sla.calendar == key])

    def add_item(self) -> str | None:
        data = self.data()
        key = self.process.edit.unique_id("calendar", taken=set(data))
        data[key] = {"days": "mon-fri", "hours": "09:00-17:00"}
        self.apply(values_command(self.document, f"Add calendar '{key}'",
                                 [("calendars", data)]))
        return key

    def remove_item(self, key: str) -> str | None:
        data = self.data()
        data.pop(key, None)
        steps = [(path, MISSING) for path, _label in self.users(key)]
        steps.append(("calendars", data))
        self.apply(values_command(self.document, f"Delete calendar '{key}'", steps))
        return None

    def _on_id_finished(self) -> None:
        key, new = self.current, self.id.text().strip()
        if new == key:
            set_error(self.id, None)
            return
        if not is_identifier(new):
            set_error(self.id, "Use letters, digits, '_' and '-', starting with a letter")
            return
        data = self.data()
        if new in data:
            set_error(self.id, f"There is already a calendar '{new}'")
            return
        both: dict[str, Any] = {}
        for name, value in data.items():
            both[name] = value
            if name == key:
                both[new] = value
        # the new name exists while lanes and SLAs are pointed at it, then the old one goes
        steps: list[tuple[str, Any]] = [("calendars", both)]
        steps += [(path, new) for path, _label in self.users(key)]
        steps.append(("calendars", {(new if k == key else k): v for k, v in data.items()}))
        message = check_steps(self.document, steps)  # type: ignore[arg-type]
        if message:
            set_error(self.id, message)
            return
        set_error(self.id, None)
        self.current = new
        self.apply(values_command(self.document, f"Rename calendar '{key}' to '{new}'", steps))

    def _on_field_finished(self, field: str, edit: QLineEdit) -> None:
        text = edit.text().strip()
        if text == self._shown.get(edit):  # as shown from the model: nothing to change
            set_error(edit, None)
            return
        value: Any = text
        field_name = "time zone" if field == "timezone" else field
        if field == "holidays":
            value = [part.strip() for part in text.replace(";", ",").split(",")
                     if part.strip()] or MISSING
        elif not text:
            value = MISSING
        self.commit(edit, f"calendars.{self.current}.{field}", value,
                    f"Change {field_name} of calendar '{self.current}'")
