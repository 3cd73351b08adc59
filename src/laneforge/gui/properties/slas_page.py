"""The SLAs tab of the process editor: promises between teams, such as "MQL called in 4 h"."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ...model import MISSING, SLA
from ...model.types import is_identifier
from ..commands import AddSLACommand, RemoveSLACommand, RenameSLACommand, ReplaceSLACommand
from ..selection import Selection
from .base import set_error
from .distribution import parse_duration_text
from .master_detail import MasterDetail
from .widgets import double_spin, grow_row, push_button

CLOCKS = (("business", "Business hours"), ("elapsed", "Elapsed time"))


class SlasPage(MasterDetail):
    columns = ("SLA", "Within", "Clock", "Target")
    stretch_column = 0
    noun = "SLA"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Service levels between teams: the time from a lead reaching one "
                         "step to work starting at another. Results show how often they "
                         "are breached.", parent)
        self.name = QLineEdit()
        self.name.setObjectName("sla_name")
        self.name.setPlaceholderText("e.g. MQL called within 4 business hours")
        self.form.add("Name", self.name, "How the SLA is named in reports.")
        self.name.editingFinished.connect(self._on_name_finished)
        self.id = QLineEdit()
        self.id.setObjectName("sla_id")
        self.form.add("Id", self.id, "The SLA's key in the file, in scenarios and in results "
                      "(letters, digits, '_' and '-', e.g. mql_followup).")
        self.id.editingFinished.connect(self._on_id_finished)
        self.source = QComboBox()
        self.source.setObjectName("sla_from")
        self.show_source = push_button("Show", "Select this step on the diagram")
        self.form.add("From", self.source, "The clock starts when a lead reaches this step "
                      "(e.g. the MQL decision).", field=grow_row(self.source, self.show_source))
        self.target = QComboBox()
        self.target.setObjectName("sla_to")
        self.show_target = push_button("Show", "Select this step on the diagram")
        self.form.add("To", self.target, "The clock stops when work starts here, after any "
                      "queue (e.g. the first call).", field=grow_row(self.target,
                                                                     self.show_target))
        for combo, button in ((self.source, self.show_source),
                              (self.target, self.show_target)):
            combo.activated.connect(self._on_end_activated)
            button.clicked.connect(lambda _c=False, c=combo: self._on_show_clicked(c))
        self.within = QLineEdit()
        self.within.setObjectName("sla_within")
        self.within.setPlaceholderText("e.g. 4h")
        self.form.add("Within", self.within, "The promised time, e.g. 4h, 1d, 30m.")
        self.within.editingFinished.connect(self._on_within_finished)
        self.clock = QComboBox()
        self.clock.setObjectName("sla_clock")
        self.form.add("Clock", self.clock, "Business hours count only the working hours of "
                      "the team at 'to' (nights and weekends do not count); elapsed time "
                      "counts every hour.")
        self.clock.activated.connect(self._on_clock_activated)
        self.rate = double_spin(0, 100, 1, 1, suffix=" %")
        self.rate.setSpecialValueText("none")
        self.rate.setObjectName("sla_target")
        self.form.add("Target", self.rate, "Share of leads that should meet the SLA (e.g. 90 "
                      "%); reports compare the simulated share with it.")
        self.rate.valueChanged.connect(self._on_rate_changed)

    def keys(self) -> list[str]:
        return [sla.id for sla in self.process.slas]

    def row(self, key: str) -> list[str]:
        sla = self.process.sla(key)
        target = f"{sla.target_rate * 100:.4g} %" if sla.target_rate is not None else "—"
        return [sla.label, str(sla.within), dict(CLOCKS)[sla.clock].split()[0].lower(), target]

    def refresh_detail(self, key: str) -> None:
        sla = self.process.sla(key)
        nodes = [(n.label, n.id) for n in self.process.nodes]
        self.show_text(self.name, sla.name)
        self.show_text(self.id, sla.id)
        self.show_choice(self.source, nodes, sla.source)
        self.show_choice(self.target, nodes, sla.target)
        self.show_text(self.within, str(sla.within))
        self.show_choice(self.clock, [(text, k) for k, text in CLOCKS], sla.clock)
        self.show_value(self.rate, round((sla.target_rate or 0.0) * 100, 1))

    @property
    def path(self) -> str:
        return f"slas.{self.current}"

    @property
    def label(self) -> str:
        # the current SLA may be gone for a moment (an undone rename, before the refresh)
        sla = next((s for s in self.process.slas if s.id == self.current), None)
        return sla.label if sla is not None else self.current

    def add_item(self) -> str | None:
        process = self.process
        if len(process.nodes) < 2:
            self.list_error.setText("Draw at least two steps first.")
            self.list_error.show()
            return None
        edge = process.edges[0] if process.edges else None
        source, target = ((edge.source, edge.target) if edge
                          else (process.nodes[0].id, process.nodes[1].id))
        key = process.edit.unique_id("sla")
        sla = SLA.model_validate({"id": key, "name": "New SLA", "from": source, "to": target,
                                  "within": "4h"})
        assert self.document is not None
        self.apply(AddSLACommand(self.document, sla))
        return key

    def remove_item(self, key: str) -> str | None:
        assert self.document is not None
        self.apply(RemoveSLACommand(self.document, key))
        return None

    # --- edits -----------------------------------------------------------------------------
    def _on_name_finished(self) -> None:
        name = self.name.text().strip()
        self.commit(self.name, f"{self.path}.name", name or MISSING,
                    f"Rename SLA '{self.label}'")

    def _on_id_finished(self) -> None:
        key, new = self.current, self.id.text().strip()
        if not key or new == key:
            set_error(self.id, None)
            return
        if not is_identifier(new):
            set_error(self.id, "Use letters, digits, '_' and '-', starting with a letter or "
                               "'_' (e.g. mql_followup)")
            return
        if any(sla.id == new for sla in self.process.slas):
            set_error(self.id, f"There is already an SLA '{new}'")
            return
        set_error(self.id, None)
        assert self.document is not None
        command = RenameSLACommand(self.document, key, new, f"Change id of SLA '{self.label}'")
        self.current = new  # the form stays on the renamed SLA
        self.apply(command)
        self.remember(self.id)

    def _on_end_activated(self, _index: int) -> None:
        data: dict[str, Any] = self.process.edit.get_value(self.path)
        new = {**data, "from": self.source.currentData(), "to": self.target.currentData()}
        if (new["from"], new["to"]) == (data["from"], data["to"]):
            return
        assert self.document is not None
        for combo in (self.source, self.target):
            set_error(combo, None)
        self.apply(ReplaceSLACommand(self.document, self.current, new,
                                    f"Change steps of SLA '{self.label}'"))

    def _on_show_clicked(self, combo: QComboBox) -> None:
        node_id = combo.currentData()
        if node_id:
            self.select_requested.emit(Selection(nodes=(node_id,)))

    def _on_within_finished(self) -> None:
        try:
            value = parse_duration_text(self.within.text())
        except ValueError as exc:
            set_error(self.within, str(exc))
            return
        self.commit(self.within, f"{self.path}.within", value,
                    f"Change time of SLA '{self.label}'")

    def _on_clock_activated(self, _index: int) -> None:
        self.commit(self.clock, f"{self.path}.clock", self.clock.currentData(),
                    f"Change clock of SLA '{self.label}'")

    def _on_rate_changed(self, value: float) -> None:
        rate = round(value / 100, 4)
        self.commit(self.rate, f"{self.path}.target",
                    MISSING if value == 0 else int(rate) if rate.is_integer() else rate,
                    f"Change target of SLA '{self.label}'", spin=True)

