"""The process editor, shown when nothing is selected: general settings and process-wide lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...model import MISSING, format_hours
from ...model.currency import COMMON, locale_currency
from .attributes_page import AttributesPage
from .base import Editor, Form, header, section, set_error
from .calendars_page import CalendarsPage
from .distribution import parse_duration_text
from .phases_page import PhasesPage
from .slas_page import SlasPage
from .stages_page import StagesPage
from .widgets import Collapsible, TextBox, ZoneEdit, spin_box


class GeneralPage(Editor):
    """Name, description, start and the simulation settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        form = section(None, Form(), column)
        self.name = QLineEdit()
        self.name.setObjectName("process_name")
        form.add("Name", self.name, "The process's title on the diagram, in reports and "
                 "exports.")
        self.name.editingFinished.connect(self._on_name_finished)
        self.description = TextBox()
        self.description.setObjectName("description")
        self.description.setPlaceholderText("What this process models, where its numbers "
                                            "come from…")
        form.add("Description", self.description, "Notes for colleagues: the situation, the "
                 "sources of the figures, open questions.")
        self.description.editing_finished.connect(self._on_description_finished)
        self.currency = QComboBox()
        self.currency.setObjectName("currency")
        self.currency.setEditable(True)
        self.currency.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.currency.addItems(["", *COMMON])
        self.currency.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.currency.setMinimumContentsLength(14)
        form.add("Currency", self.currency, "The currency of costs and cost per won deal in "
                 "results, reports and slides: a three-letter ISO 4217 code such as USD or "
                 "EUR. Empty: the currency of your computer's locale.")
        self.currency.lineEdit().editingFinished.connect(self._on_currency_finished)
        self.currency.activated.connect(lambda _i: self._on_currency_finished())
        form = section("Simulation", Form(), column)
        self.start = QDateTimeEdit()
        self.start.setObjectName("start")
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.start.setCalendarPopup(True)
        self.start.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        form.add("Start", self.start, "Calendar date and time at which the simulated clock "
                 "starts; weekdays, working hours and holidays follow from it.")
        self.start.dateTimeChanged.connect(self._on_start_changed)
        self.timezone = ZoneEdit("none: one clock, no daylight saving")
        self.timezone.setObjectName("process_timezone")
        form.add("Time zone", self.timezone, "The IANA time zone of the start and of the "
                 "calendars that have none of their own (America/New_York), with its "
                 "daylight-saving changes. Empty: every calendar on one wall clock.")
        self.timezone.editingFinished.connect(self._on_timezone_finished)
        self.fields: dict[str, QLineEdit] = {}
        for key, label, tip, placeholder in (
            ("horizon", "Horizon", "How long leads keep arriving in the simulation "
             "(e.g. 90d for a quarter).", "e.g. 90d"),
            ("warmup", "Warm-up", "An initial period left out of the statistics, so the "
             "results describe a team that is already busy, not an empty one.", "0h"),
            ("drain", "Drain", "After the horizon, how long open leads may still finish; "
             "leads still open then count as work in progress.", ""),
        ):
            edit = QLineEdit()
            edit.setObjectName(key)
            edit.setPlaceholderText(placeholder)
            form.add(label, edit, tip)
            edit.editingFinished.connect(lambda k=key, e=edit: self._on_duration_finished(k, e))
            self.fields[key] = edit
        self.replications = spin_box(1, 10_000, suffix=" runs")
        self.replications.setObjectName("replications")
        form.add("Replications", self.replications, "How many independent runs to average. "
                 "More runs give tighter confidence intervals but take longer.")
        self.replications.valueChanged.connect(
            lambda v: self._on_number_changed("replications", v))
        self.seed = spin_box(0, 2**31 - 1)
        self.seed.setObjectName("seed")
        form.add("Seed", self.seed, "Starting point of the random numbers: the same seed gives "
                 "the same results, so runs can be compared and repeated.")
        self.seed.valueChanged.connect(lambda v: self._on_number_changed("seed", v))
        self.half_life = QLineEdit()
        self.half_life.setObjectName("engagement_half_life")
        self.half_life.setPlaceholderText("none: engagement never fades")
        form.add("Engagement half-life", self.half_life,
                 "How fast a lead's engagement fades between touches: it halves every "
                 "half-life (e.g. 14d), so conditions on 'engagement' mean recent "
                 "engagement. Empty: touches only add up.")
        self.half_life.editingFinished.connect(self._on_half_life_finished)
        self.build_data_quality(column)

    def build_data_quality(self, column: QVBoxLayout) -> None:
        form = section("Data quality", Form(), column)
        self.decay = QLineEdit()
        self.decay.setObjectName("decay_per_month")
        self.decay.setPlaceholderText("none: records never go stale")
        form.add("Out of date a month", self.decay, "The share of contact records that go "
                 "out of date each month (people change jobs, emails bounce), e.g. 2.1 %. "
                 "A contact step to a stale record fails and wastes its time.")
        self.cleanse_every = QLineEdit()
        self.cleanse_every.setObjectName("cleanse_every")
        self.cleanse_every.setPlaceholderText("no batch")
        form.add("Cleanse all every", self.cleanse_every, "A batch that checks and restores "
                 "every open record at this interval (e.g. 90d for quarterly).")
        self.cleanse_cost = QLineEdit()
        self.cleanse_cost.setObjectName("cleanse_cost")
        self.cleanse_cost.setPlaceholderText("0")
        form.add("Cost per record", self.cleanse_cost, "What the batch costs per record it "
                 "checks (a data provider's price).")
        for edit in (self.decay, self.cleanse_every, self.cleanse_cost):
            edit.editingFinished.connect(lambda e=edit: self._on_data_quality_finished(e))

    def refresh_data_quality(self) -> None:
        dq = self.process.data_quality
        cleansing = dq.cleansing if dq is not None else None
        self.show_text(self.decay, "" if dq is None else f"{dq.decay_per_month * 100:g} %")
        self.show_text(self.cleanse_every, "" if cleansing is None else str(cleansing.every))
        self.show_text(self.cleanse_cost, "" if cleansing is None
                       else f"{cleansing.cost_per_record:g}")
        for edit in (self.cleanse_every, self.cleanse_cost):
            edit.setEnabled(dq is not None)

    def _on_data_quality_finished(self, edit: QLineEdit) -> None:
        """Commit the whole ``data_quality`` object with the field changed (empty decay
        removes it: records never go stale)."""
        text = edit.text().strip()
        if text == self._shown.get(edit):
            set_error(edit, None)
            return
        dq = self.process.data_quality
        data: dict[str, Any] = dq.model_dump(mode="json", exclude_defaults=True) if dq else {}
        try:
            if edit is self.decay:
                if not text:
                    self.commit(edit, "data_quality", MISSING, "Records never go stale")
                    return
                share = float(text.rstrip("% ").replace(",", ".")) / 100
                data["decay_per_month"] = share
            elif edit is self.cleanse_every:
                if not text:
                    data.pop("cleansing", None)
                else:
                    data["cleansing"] = {**data.get("cleansing", {}),
                                         "every": str(parse_duration_text(text))}
            else:
                cost = float(text or 0)
                if "cleansing" not in data:
                    set_error(edit, "Set the interval of the batch first")
                    return
                data["cleansing"] = {**data["cleansing"], "cost_per_record": cost}
        except ValueError as exc:
            set_error(edit, str(exc) if edit is self.cleanse_every else
                      "Enter a number such as 2.1 % (decay) or 0.40 (cost)")
            return
        self.commit(edit, "data_quality", data, "Change data quality")

    def refresh(self) -> None:
        if self.document is None:
            return
        process = self.process
        self.show_text(self.name, process.name)
        if self._changed(self.description, process.description) and (
                self.description.toPlainText() != process.description):
            self.description.setPlainText(process.description)
        self.currency.lineEdit().setPlaceholderText(f"{locale_currency()} (locale)")
        self.show_text(self.currency.lineEdit(), process.currency or "")
        start = QDateTime(process.start)
        if self._changed(self.start, start):
            self.start.blockSignals(True)
            self.start.setDateTime(start)
            self.start.blockSignals(False)
        settings = process.simulation
        self.show_text(self.timezone, settings.timezone or "")
        self.show_text(self.fields["horizon"], str(settings.horizon))
        self.show_text(self.fields["warmup"], str(settings.warmup))
        self.show_text(self.fields["drain"], "" if settings.drain is None else str(
            settings.drain))
        self.fields["drain"].setPlaceholderText(
            f"default: {format_hours(max(30 * 24.0, settings.horizon.hours))}")
        self.show_value(self.replications, settings.replications)
        self.show_value(self.seed, settings.seed)
        self.refresh_data_quality()
        engagement = process.engagement
        self.show_text(self.half_life, str(engagement.half_life)
                       if engagement is not None and engagement.half_life is not None else "")

    def _on_name_finished(self) -> None:
        name = self.name.text().strip()
        self.commit(self.name, "name", name,
                    "Rename process", check=lambda v: None if v else "The process needs a name")

    def _on_currency_finished(self) -> None:
        code = self.currency.currentText().strip().upper()
        if code == (self.process.currency or ""):
            self.show_text(self.currency.lineEdit(), code)
            return

        def check(value: object) -> str | None:
            if value is MISSING or (isinstance(value, str) and len(value) == 3
                                    and value.isalpha() and value.isascii()):
                return None
            return "A currency is a three-letter ISO 4217 code such as USD, EUR or GBP"

        self.commit(self.currency.lineEdit(), "currency", code or MISSING, "Change currency",
                    check=check)

    def _on_description_finished(self) -> None:
        text = self.description.toPlainText()
        if text != self.process.description:
            self.commit(self.description, "description", text, "Change description")

    def _on_start_changed(self, value: QDateTime) -> None:
        start: dt.datetime = value.toPython()  # type: ignore[assignment]
        text = start.replace(second=0, microsecond=0).isoformat(timespec="minutes")
        if start.replace(second=0, microsecond=0) == self.process.start:
            return
        self.commit(self.start, "start", text, "Change start date", spin=True)

    def _on_timezone_finished(self) -> None:
        text = self.timezone.text().strip()
        if text == self._shown.get(self.timezone):
            set_error(self.timezone, None)
            return
        self.commit(self.timezone, "simulation.timezone", text or MISSING, "Change time zone")

    def _on_duration_finished(self, key: str, edit: QLineEdit) -> None:
        text = edit.text().strip()
        if text == self._shown.get(edit):
            set_error(edit, None)
            return
        value: Any
        if not text and key != "horizon":
            value = MISSING
        else:
            try:
                value = parse_duration_text(text)
            except ValueError as exc:
                set_error(edit, str(exc))
                return
        names = {"horizon": "horizon", "warmup": "warm-up", "drain": "drain time"}
        self.commit(edit, f"simulation.{key}", value, f"Change {names[key]}")

    def _on_half_life_finished(self) -> None:
        text = self.half_life.text().strip()
        if text == self._shown.get(self.half_life):
            set_error(self.half_life, None)
            return
        value: Any = MISSING
        if text:
            try:
                value = {"half_life": parse_duration_text(text)}
            except ValueError as exc:
                set_error(self.half_life, str(exc))
                return
        self.commit(self.half_life, "engagement", value, "Change engagement half-life")

    def _on_number_changed(self, key: str, value: int) -> None:
        if getattr(self.process.simulation, key) == value:
            return
        self.commit(self.replications if key == "replications" else self.seed,
                    f"simulation.{key}", value, f"Change {key}", spin=True)


class ProcessEditor(Editor):
    """Collapsible sections: General, Calendars, Stages, Phases, Attributes, SLAs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.title, subtitle = header(column)
        subtitle.setText("The whole process. Select a node, connection or lane on the "
                         "diagram to edit it.")
        self.general = GeneralPage()
        self.calendars = CalendarsPage()
        self.stages = StagesPage()
        self.phases = PhasesPage()
        self.attributes = AttributesPage()
        self.slas = SlasPage()
        self.sections: dict[Editor, Collapsible] = {}
        for page, tip, expanded in (
            (self.general, "Name, description and simulation settings", True),
            (self.calendars, "Working days and hours of the teams", False),
            (self.stages, "The funnel stages in order", False),
            (self.phases, "The columns of the diagram, left to right", False),
            (self.attributes, "What every lead carries: score, segment, ...", False),
            (self.slas, "Service levels between teams", False),
        ):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(4, 2, 0, 8)
            layout.addWidget(page)
            collapsible = Collapsible("", box, tip, expanded=expanded)
            collapsible.setObjectName(f"{type(page).__name__}_section")
            collapsible.expanded_changed.connect(lambda _e, p=page: self._on_expanded(p))
            self.sections[page] = collapsible
            page.select_requested.connect(self.select_requested)
            column.addWidget(collapsible)

    @property
    def pages(self) -> tuple[Editor, ...]:
        return tuple(self.sections)

    def set_document(self, document: Any) -> None:
        super().set_document(document)
        for page in self.pages:
            page.set_document(document)

    def expand(self, page: Editor) -> None:
        self.sections[page].set_expanded(True)

    def refresh(self) -> None:
        if self.document is None:
            return
        process = self.process
        self.title.setText(process.name)
        counts = {self.general: None, self.calendars: len(process.calendars),
                  self.stages: len(process.stages), self.phases: len(process.phases),
                  self.attributes: len(process.attributes),
                  self.slas: len(process.slas)}
        names = {self.general: "General", self.calendars: "Calendars",
                 self.stages: "Stages", self.phases: "Phases", self.attributes: "Lead attributes",
                 self.slas: "SLAs"}
        for page, section_box in self.sections.items():
            count = counts[page]
            section_box.set_title(names[page] if count is None else f"{names[page]} ({count})")
            if section_box.expanded:  # collapsed sections catch up when opened
                page.refresh()

    def _on_expanded(self, page: Editor) -> None:
        if self.document is not None and self.sections[page].expanded:
            page.refresh()
