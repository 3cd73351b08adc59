"""The connection editor: label, message flow mark, branch kind, probability or condition,
speed-to-lead decay; out of a cadence, which of its two ways out the connection is."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QVBoxLayout, QWidget

from ...model import MISSING, Edge
from ..commands import check_steps, values_command
from ..selection import Selection
from .base import Editor, Form, header, hint, indented, section, set_error, set_tip
from .distribution import parse_duration_text
from .values import check_expression, names_hint
from .widgets import double_spin, push_button, row

BRANCHES = (
    ("always", "Always"),
    ("probability", "Probability"),
    ("condition", "Condition"),
    ("default", "Otherwise (default)"),
)
BRANCH_TIP = (
    "Always: every lead goes this way (the only connection leaving a task). "
    "Probability: a share of the leads leaving a decision (branches add up to 100 %). "
    "Condition: leads whose attributes match, tried in order. "
    "Otherwise: leads that match no condition."
)


EXITS = (
    (None, "(not marked)"),
    ("graduated", "Graduated: answered, or 'until' held"),
    ("exhausted", "Exhausted: every touch sent"),
)


def branch_kind(edge: Edge) -> str:
    if edge.when is not None:
        return "condition"
    if edge.probability is not None:
        return "probability"
    if edge.default:
        return "default"
    return "always"


def tidy(value: float) -> int | float:
    value = round(value, 4)
    return int(value) if value.is_integer() else value


class EdgeEditor(Editor):
    """Edits one connection between two nodes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key: tuple[str, str] = ("", "")
        self._pending: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.heading, self.ends = header(column)
        self.heading.setText("Connection")
        self.ends.setTextFormat(Qt.TextFormat.RichText)
        self.ends.setToolTip("The two steps this connection links; click one to select it.")
        self.ends.linkActivated.connect(self._on_link_activated)
        form = section(None, Form(), column)
        self.label = QLineEdit()
        self.label.setObjectName("label")
        self.label.setPlaceholderText("e.g. MQL, reached, no answer")
        form.add("Label", self.label, "Text written on the arrow in the diagram.")
        self.label.editingFinished.connect(self._on_label_finished)
        self.message = QCheckBox("Message flow (between pools)")
        self.message.setObjectName("message")
        set_tip(self.message, "A hand-off from one pool to another (in BPMN, a message flow, "
                "such as the consumer's web form reaching marketing): drawn dashed, exported "
                "to BPMN as a message flow. Leads follow it like any connection.")
        form.addRow("", self.message)
        self.message.toggled.connect(self._on_message_toggled)
        self.exit_form = section("Way out of the cadence", Form(), column)
        self.exit = QComboBox()
        self.exit.setObjectName("exit")
        for key, text in EXITS:
            self.exit.addItem(text, key)
        self.exit_form.add("Leads go", self.exit,
                           "A cadence has two ways out: one for leads that graduate (they "
                           "answered a touch, or its 'until' condition held) and one for "
                           "leads that got every touch without graduating.")
        self.exit.activated.connect(self._on_exit_activated)
        form = section("Branch", Form(), column)
        self.branch_form = form
        self.branch = QComboBox()
        self.branch.setObjectName("branch")
        for key, text in BRANCHES:
            self.branch.addItem(text, key)
        form.add("Leads go", self.branch, BRANCH_TIP)
        self.branch.activated.connect(self._on_branch_activated)
        self.probability_box = QWidget()
        box = QVBoxLayout(self.probability_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        form = Form()
        box.addLayout(form)
        self.probability = double_spin(0, 100, 1, 1, suffix=" %")
        self.probability.setObjectName("probability")
        self.balance = push_button("Fill to 100 %", "Set this branch to what the other "
                                   "branches leave over, so they add up to 100 %")
        self.balance.clicked.connect(self._on_balance_clicked)
        form.add("Probability", self.probability,
                 "Share of the leads leaving the decision that take this branch (e.g. 45 % "
                 "of called leads are reached).",
                 field=row(self.probability, self.balance, stretch=True))
        self.probability.valueChanged.connect(self._on_probability_changed)
        self.sum = hint()
        self.sum.setObjectName("probability_sum")
        box.addWidget(indented(self.sum))
        self.takes_losses = QCheckBox("Takes the leads lost to slow follow-up")
        self.takes_losses.setObjectName("takes_losses")
        set_tip(self.takes_losses, "With speed-to-lead decay on a sibling branch, the share "
                "it loses goes to this branch (marked 'default' in the file).")
        box.addWidget(indented(self.takes_losses))
        self.takes_losses.toggled.connect(self._on_takes_losses_toggled)
        column.addWidget(self.probability_box)
        self.condition_box = QWidget()
        box = QVBoxLayout(self.condition_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        form = Form()
        box.addLayout(form)
        self.condition = QLineEdit()
        self.condition.setObjectName("condition")
        self.condition.setPlaceholderText("e.g. score >= 65 and segment != 'smb'")
        form.add("Condition", self.condition,
                 "A true/false test over the lead's attributes: comparisons, and/or/not, "
                 "in [...]. Conditions are tried in the order of the connections.")
        self.condition.editingFinished.connect(self._on_condition_finished)
        self.names = hint()
        box.addWidget(indented(self.names))
        column.addWidget(self.condition_box)
        self.decay_form = section("Speed to lead", Form(), column)
        self.decay = QCheckBox("The chance fades while the lead waits")
        self.decay.setObjectName("decay")
        set_tip(self.decay, "Response-time studies: leads called within an hour qualify several "
                "times as often as after a day. The probability halves every half-life.")
        self.decay_form.addRow("", self.decay)
        self.decay.toggled.connect(self._on_decay_toggled)
        self.half_life = QLineEdit()
        self.half_life.setObjectName("half_life")
        self.half_life.setPlaceholderText("e.g. 36h")
        self.decay_form.add("Half-life", self.half_life,
                            "After this long the chance is half of the probability above "
                            "(e.g. 36h).")
        self.half_life.editingFinished.connect(self._on_half_life_finished)
        self.since = QComboBox()
        self.since.setObjectName("since")
        self.decay_form.add("Counted since", self.since,
                            "When the clock starts: when the lead was created, or when it "
                            "passed a given step (e.g. when it became an MQL).")
        self.since.activated.connect(self._on_since_activated)

    @property
    def edge(self) -> Edge:
        return self.process.edge(*self.key)

    @property
    def path(self) -> str:
        return f"edges.{self.key[0]}->{self.key[1]}"

    @property
    def title(self) -> str:
        names = []
        for node_id in self.key:
            try:
                names.append(self.process.node(node_id).label)
            except KeyError:
                names.append(node_id)
        return f"'{names[0]}' → '{names[1]}'"

    def set_edge(self, key: tuple[str, str]) -> None:
        if key != self.key:
            self.forget()
            self._pending = None
        self.key = key
        self.refresh()

    def rename_target(self, old: str, new: str) -> None:
        self.key = tuple(new if end == old else end for end in self.key)  # type: ignore[assignment]

    def refresh(self) -> None:
        if self.document is None:
            return
        try:
            edge = self.edge
        except KeyError:
            return
        process = self.process
        links = []
        for node_id in self.key:
            name = process.node(node_id).label if process.has_node(node_id) else node_id
            links.append(f"<a href='{html.escape(node_id)}'>{html.escape(name)}</a>")
        text = f"From {links[0]} to {links[1]}"
        if self.ends.text() != text:
            self.ends.setText(text)
        self.show_text(self.label, edge.label or "")
        self.show_checked(self.message, edge.message)
        cadence = process.has_node(edge.source) and process.node(edge.source).kind == "cadence"
        self.exit_form.heading.setVisible(cadence)
        self.exit_form.setRowVisible(self.exit, cadence)
        self.show_choice(self.exit, [(text, key) for key, text in EXITS], edge.exit)
        self.branch_form.heading.setVisible(not cadence)
        self.branch_form.setRowVisible(self.branch, not cadence)
        kind = branch_kind(edge)
        if self._changed(self.branch, kind):
            self._pending = None
        shown = self._pending or kind
        with QSignalBlocker(self.branch):
            self.branch.setCurrentIndex(self.branch.findData(shown))
        self.show_value(self.probability, round((edge.probability or 0.0) * 100, 1))
        self.show_checked(self.takes_losses, edge.default)
        self.show_text(self.condition, edge.when or "")
        names = names_hint(process.attribute_types(), process.uses_touches())
        if self._pending == "condition":
            names = "Type the condition and press Enter to make this a condition branch. " + names
        self.names.setText(names)
        self.probability_box.setVisible(shown == "probability" and not cadence)
        self.condition_box.setVisible(shown == "condition" and not cadence)
        self._refresh_sum(edge)
        decay = edge.decay
        decay_visible = (shown == "probability" or decay is not None) and not cadence
        self.decay_form.heading.setVisible(decay_visible)
        self.decay_form.setRowVisible(self.decay, decay_visible)
        for widget in (self.half_life, self.since):
            self.decay_form.setRowVisible(widget, decay_visible and decay is not None)
        self.show_checked(self.decay, decay is not None)
        self.show_text(self.half_life, "" if decay is None else str(decay.half_life))
        nodes = [("lead created", None), *((n.label, n.id) for n in process.nodes)]
        self.show_choice(self.since, nodes, None if decay is None else decay.since)

    def _refresh_sum(self, edge: Edge) -> None:
        siblings = [e for e in self.process.outgoing(edge.source) if e.probability is not None]
        total = sum(e.probability or 0.0 for e in siblings) * 100
        parts = " + ".join(f"{(e.probability or 0) * 100:.4g} %" for e in siblings)
        name = self.process.node(edge.source).label if self.process.has_node(
            edge.source) else edge.source
        off = abs(total - 100) > 0.05
        text = f"Branches from '{name}': {parts} = {total:.4g} %"
        if off:
            text += " — they should add up to 100 %"
        if self.sum.text() != text:
            self.sum.setText(text)
        self.sum.setProperty("role", "warning" if off else "hint")
        self.sum.style().unpolish(self.sum)
        self.sum.style().polish(self.sum)
        self.balance.setVisible(off)

    # --- edits -----------------------------------------------------------------------------
    def _on_link_activated(self, node_id: str) -> None:
        self.select_requested.emit(Selection(nodes=(node_id,)))

    def _on_label_finished(self) -> None:
        text = self.label.text().strip()
        self.commit(self.label, f"{self.path}.label", text or MISSING,
                    f"Change label of {self.title}")

    def _on_exit_activated(self, _index: int) -> None:
        exit_ = self.exit.currentData()
        self.commit(self.exit, f"{self.path}.exit", MISSING if exit_ is None else exit_,
                    f"Mark {self.title} as the {exit_ or 'unmarked'} way out")

    def _on_message_toggled(self, checked: bool) -> None:
        verb = "Mark" if checked else "Unmark"
        self.commit(self.message, f"{self.path}.message", True if checked else MISSING,
                    f"{verb} {self.title} as a message flow")

    def _branch_steps(self, kind: str, when: str | None = None) -> list[tuple[str, Any]]:
        edge = self.edge
        wanted: dict[str, Any] = {"probability": MISSING, "when": MISSING, "default": False,
                                  "decay": MISSING}
        if kind == "probability":
            others = sum(e.probability or 0.0 for e in self.process.outgoing(edge.source)
                         if e.key != edge.key)
            wanted["probability"] = tidy(min(max(1.0 - others, 0.0), 1.0))
        elif kind == "condition":
            wanted["when"] = when
        elif kind == "default":
            wanted["default"] = True
        current = self.process.edit.get_value(self.path)
        removals: list[tuple[str, Any]] = []
        additions: list[tuple[str, Any]] = []
        for key in ("when", "probability", "decay", "default"):
            have = current.get(key, False if key == "default" else MISSING)
            if have == wanted[key]:
                continue
            # take away the old kind's fields before adding the new ones
            adding = wanted[key] is not MISSING and wanted[key] is not False
            (additions if adding else removals).append((f"{self.path}.{key}", wanted[key]))
        return removals + additions

    def _push_branch(self, kind: str, when: str | None = None) -> bool:
        steps = self._branch_steps(kind, when)
        if not steps:
            return True
        message = check_steps(self.document, steps)  # type: ignore[arg-type]
        if message:
            set_error(self.condition if kind == "condition" else self.branch, message)
            return False
        what = {"always": "an always", "probability": "a probability",
                "condition": "a condition", "default": "the 'otherwise'"}[kind]
        self.apply(values_command(self.document, f"Make {self.title} {what} branch", steps))
        return True

    def _on_branch_activated(self, _index: int) -> None:
        kind = self.branch.currentData()
        if kind == branch_kind(self.edge):
            self._pending = None
        elif kind == "condition":
            # a condition branch needs its test first: the switch is pushed with it
            self._pending = kind
            set_error(self.condition, None)
            with QSignalBlocker(self.condition):
                self.condition.clear()
        else:
            self._pending = None
            self._push_branch(kind)
        self.refresh()
        if self._pending:
            self.condition.setFocus()

    def _on_probability_changed(self, value: float) -> None:
        self.commit(self.probability, f"{self.path}.probability", tidy(value / 100),
                    f"Change probability of {self.title}", spin=True)

    def _on_balance_clicked(self) -> None:
        others = sum(e.probability or 0.0 for e in self.process.outgoing(self.key[0])
                     if e.key != self.key)
        self.commit(self.probability, f"{self.path}.probability",
                    tidy(min(max(1.0 - others, 0.0), 1.0)),
                    f"Change probability of {self.title}")

    def _on_takes_losses_toggled(self, checked: bool) -> None:
        self.commit(self.takes_losses, f"{self.path}.default", checked,
                    f"Change loss branch of {self.title}")

    def _on_condition_finished(self) -> None:
        text = self.condition.text().strip()
        if not text:
            if self._pending == "condition":
                return
            set_error(self.condition, "Enter a condition such as score >= 60")
            return
        message = check_expression(text, self.process.attribute_types(), "bool")
        if message:
            set_error(self.condition, message)
            return
        if self._pending == "condition":
            if self._push_branch("condition", text):
                self._pending = None
            return
        self.commit(self.condition, f"{self.path}.when", text,
                    f"Change condition of {self.title}")

    def _on_decay_toggled(self, checked: bool) -> None:
        value = {"half_life": "24h"} if checked else MISSING
        verb = "Add speed-to-lead decay to" if checked else "Remove speed-to-lead decay from"
        self.commit(self.decay, f"{self.path}.decay", value, f"{verb} {self.title}")

    def _on_half_life_finished(self) -> None:
        try:
            value = parse_duration_text(self.half_life.text())
        except ValueError as exc:
            set_error(self.half_life, str(exc))
            return
        self.commit(self.half_life, f"{self.path}.decay.half_life", value,
                    f"Change decay half-life of {self.title}")

    def _on_since_activated(self, _index: int) -> None:
        since = self.since.currentData()
        self.commit(self.since, f"{self.path}.decay.since", MISSING if since is None else since,
                    f"Change decay start of {self.title}")
