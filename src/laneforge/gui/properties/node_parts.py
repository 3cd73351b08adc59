"""The kind-specific parts of the node editor: task, delay, cadence, end and decision
fields."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...model import MISSING, Duration, NodeBase
from ..selection import Selection
from .base import Editor, Form, format_number, hint, parse_number, section, set_error
from .distribution import DistributionEditor, parse_duration_text
from .pairs import PairList
from .touch_fields import TaskTouchFields
from .values import check_expression, names_hint
from .widgets import spin_box

OUTCOMES = ("won", "lost", "disqualified", "duplicate", "nurture")


class NodePart(Editor):
    """Fields of one kind of node; ``node_id`` is set by the node editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id = ""
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(4)

    @property
    def node(self) -> NodeBase:
        return self.process.node(self.node_id)

    @property
    def label(self) -> str:
        return self.node.label

    def path(self, field: str) -> str:
        return f"nodes.{self.node_id}.{field}"

    # --- shared sections -------------------------------------------------------------------
    def build_duration(self, title: str, tip: str) -> DistributionEditor:
        form = section(title, Form(), self.column)
        editor = DistributionEditor(tip)
        editor.setObjectName("duration")
        form.add_wide(editor)
        editor.value_committed.connect(self._on_duration_committed)
        return editor

    def _on_duration_committed(self, value: Any) -> None:
        self.commit(self.duration, self.path("duration"), value,
                    f"Change duration of '{self.label}'")

    def build_updates(self) -> PairList:
        form = section("Update lead attributes", Form(), self.column)
        updates = PairList(
            key_tip="The lead attribute to change when a lead passes here.",
            value_tip="The new value as an expression over the lead's attributes, e.g. "
                      "'score + 10' or 'touches + 1'.",
            placeholder="e.g. score + 10", add_text="Add update",
            empty_text="Leads pass through unchanged.",
            parse=self._parse_update, display=str, default=lambda key: key)
        updates.setObjectName("updates")
        updates.items_committed.connect(self._on_updates_committed)
        form.add_wide(updates)
        self.updates_hint = hint()
        form.add_wide(self.updates_hint)
        return updates

    def _parse_update(self, key: str, text: str) -> str:
        if not text.strip():
            raise ValueError("Enter an expression, e.g. score + 10")
        types = self.process.attribute_types()
        message = check_expression(text, types, types.get(key))
        if message:
            raise ValueError(message)
        return text.strip()

    def _on_updates_committed(self, items: dict[str, Any], verb: str) -> None:
        text = {"Add": f"Add attribute update to '{self.label}'",
                "Remove": f"Remove attribute update from '{self.label}'"}.get(
                    verb, f"Change attribute updates of '{self.label}'")
        self.commit(self.updates, self.path("set"), items or MISSING, text)

    def refresh_updates(self) -> None:
        types = self.process.attribute_types()
        value = self.process.edit.get_value(self.path("set"))
        self.updates.set_items(value if isinstance(value, dict) else {}, list(types))
        self.updates_hint.setText(names_hint(types, self.process.uses_touches()))



class TaskPart(NodePart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = self.build_duration(
            "Work time", "How long one person works on this task for one lead.")
        form = section("Work", Form(), self.column)
        self.staff = spin_box(1, 99)
        self.staff.setObjectName("staff_units")
        form.add("People needed", self.staff,
                 "How many people of the lane work on one lead at the same time (a joint "
                 "call with an AE and an SE needs 2).")
        self.staff.valueChanged.connect(self._on_staff_changed)
        self.priority = QLineEdit()
        self.priority.setObjectName("priority")
        self.priority.setPlaceholderText("none (first come, first served)")
        form.add("Priority", self.priority,
                 "Which leads the team takes first when work piles up: a number (higher "
                 "first) or an expression such as 'score' to call hot leads first.")
        self.priority.editingFinished.connect(self._on_priority_finished)
        self.cost = QLineEdit()
        self.cost.setObjectName("cost")
        self.cost.setPlaceholderText("none")
        form.add("Cost per run", self.cost,
                 "Money spent each time this task runs, on top of the team's hourly cost "
                 "(data-vendor credits, tools, postage).")
        self.cost.editingFinished.connect(self._on_cost_finished)
        self.build_contact_data()
        self.touch = TaskTouchFields(self, self.path, lambda: self.label)
        self.updates = self.build_updates()

    def build_contact_data(self) -> None:
        """Whether the task uses the lead's contact data, or restores it (stale records:
        the process's data quality settings)."""
        form = section("Contact data", Form(), self.column)
        self.contact = QCheckBox("Reaches the lead by phone or email")
        self.contact.setObjectName("contact")
        self.contact.setToolTip("A stale record makes this task fail: the time is spent, "
                                "and 'stale' is true for the decision after it")
        self.cleanse = QCheckBox("Checks and restores the record")
        self.cleanse.setObjectName("cleanse")
        self.cleanse.setToolTip("Enrichment or a data check before a hand-off: the record "
                                "is good again afterwards")
        form.add_wide(self.contact)
        form.add_wide(self.cleanse)
        self.contact_hint = hint()
        form.add_wide(self.contact_hint)
        self.contact.toggled.connect(lambda on: self._on_flag_toggled("contact", on))
        self.cleanse.toggled.connect(lambda on: self._on_flag_toggled("cleanse", on))

    def _on_flag_toggled(self, field: str, on: bool) -> None:
        box = self.contact if field == "contact" else self.cleanse
        what = "a contact step" if field == "contact" else "a cleansing step"
        verb = "Make" if on else "Stop making"
        self.commit(box, self.path(field), True if on else MISSING,
                    f"{verb} '{self.label}' {what}")

    def refresh(self) -> None:
        node = self.node
        self.duration.set_value(self.process.edit.get_value(self.path("duration")))
        self.show_value(self.staff, getattr(node, "staff", 1))
        priority = self.process.edit.get_value(self.path("priority"))
        self.show_text(self.priority, priority if isinstance(priority, str)
                       else format_number(None if priority is MISSING else priority))
        self.show_text(self.cost, format_number(getattr(node, "cost", None)))
        self.show_checked(self.contact, bool(getattr(node, "contact", False)))
        self.show_checked(self.cleanse, bool(getattr(node, "cleanse", False)))
        dq = self.process.data_quality
        self.contact_hint.setText(
            "Records never go stale: Process settings ▸ Data quality sets how fast they do."
            if dq is None else f"{dq.decay_per_month * 100:g} % of records go out of date a month"
            + (f"; all open records cleansed every {dq.cleansing.every}" if dq.cleansing
               else ""))
        self.touch.refresh()
        self.refresh_updates()

    def _on_staff_changed(self, value: int) -> None:
        self.commit(self.staff, self.path("staff"), value,
                    f"Change people needed for '{self.label}'", spin=True)

    def _on_priority_finished(self) -> None:
        text = self.priority.text().strip()
        value: Any
        check = None
        if not text:
            value = MISSING
        else:
            try:
                value = parse_number(text)
            except ValueError:
                value = text
                types = self.process.attribute_types()
                check = lambda v: check_expression(v, types, "number")  # noqa: E731
        self.commit(self.priority, self.path("priority"), value,
                    f"Change priority of '{self.label}'", check=check)

    def _on_cost_finished(self) -> None:
        text = self.cost.text().strip()
        try:
            value = parse_number(text) if text else MISSING
        except ValueError:
            set_error(self.cost, "Enter an amount such as 0.60, or leave empty")
            return
        self.commit(self.cost, self.path("cost"), value, f"Change cost of '{self.label}'")


class DelayPart(NodePart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = self.build_duration(
            "Waiting time",
            "How long a lead waits here (nurture, cooling-off); no one's time is used.")
        self.updates = self.build_updates()

    def refresh(self) -> None:
        self.duration.set_value(self.process.edit.get_value(self.path("duration")))
        self.refresh_updates()


class CadencePart(NodePart):
    """A nurture cadence: how often and how many times it touches, the touch itself, and
    the condition that graduates a lead early (an answer always does)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = section("Cadence", Form(), self.column)
        self.every = QLineEdit()
        self.every.setObjectName("every")
        self.every.setPlaceholderText("e.g. 7d")
        form.add("Every", self.every,
                 "The time between two touches, such as 7d or 48h; the first touch is sent "
                 "as the lead arrives.")
        self.every.editingFinished.connect(self._on_every_finished)
        self.times = spin_box(1, 999)
        self.times.setObjectName("times")
        form.add("Times", self.times,
                 "The most touches a lead gets; a lead that never graduates leaves by the "
                 "'exhausted' way out right after the last one.")
        self.times.valueChanged.connect(self._on_times_changed)
        self.until = QLineEdit()
        self.until.setObjectName("until")
        self.until.setPlaceholderText("none (only an answer graduates)")
        form.add("Until", self.until,
                 "A condition checked after each touch, such as 'engagement >= 40': when it "
                 "holds the lead graduates (so does a lead that answers a touch).")
        self.until.editingFinished.connect(self._on_until_finished)
        self.span = hint()
        form.add_wide(self.span)
        self.touch = TaskTouchFields(self, self.path, lambda: self.label, required=True)

    def refresh(self) -> None:
        node = self.node
        every = self.process.edit.get_value(self.path("every"))
        self.show_text(self.every, str(every) if every is not MISSING else "")
        self.show_value(self.times, max(1, int(getattr(node, "times", 1))))
        until = getattr(node, "until", None)
        self.show_text(self.until, until or "")
        self.span.setText(
            f"Touches at entry and every {getattr(node, 'every', '')} after, at most "
            f"{getattr(node, 'times', '')} times; the connections out of it are marked "
            "'graduated' and 'exhausted' (select one to choose).")
        self.touch.refresh()

    def _on_every_finished(self) -> None:
        text = self.every.text().strip()
        try:
            value = parse_duration_text(text)
        except ValueError:
            set_error(self.every, "Enter a time such as 7d, 48h or 2w")
            return
        self.commit(self.every, self.path("every"), value,
                    f"Touch every {text} at '{self.label}'",
                    check=lambda v: "Enter a time longer than 0, such as 7d"
                    if Duration.parse(v).hours <= 0 else None)

    def _on_times_changed(self, value: int) -> None:
        self.commit(self.times, self.path("times"), value,
                    f"Change the touches of '{self.label}'", spin=True)

    def _on_until_finished(self) -> None:
        text = self.until.text().strip()
        types = self.process.attribute_types()
        self.commit(self.until, self.path("until"), text or MISSING,
                    f"Change the condition of '{self.label}'",
                    check=lambda v: None if v is MISSING else check_expression(v, types,
                                                                               "bool"))


class EndPart(NodePart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = section("Result", Form(), self.column)
        self.outcome = QComboBox()
        self.outcome.setObjectName("outcome")
        self.outcome.setEditable(True)
        self.outcome.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        form.add("Outcome", self.outcome,
                 "How a lead's journey ends here: won, lost, disqualified, duplicate, "
                 "nurture, or any word of your own. Results count leads per outcome.")
        line = self.outcome.lineEdit()
        assert line is not None
        line.editingFinished.connect(self._on_outcome_finished)
        self.outcome.activated.connect(lambda _i: self._on_outcome_finished())

    def refresh(self) -> None:
        used = [getattr(n, "outcome", None) for n in self.process.nodes]
        outcomes = list(dict.fromkeys([*OUTCOMES, *(o for o in used if o)]))
        self.show_choice(self.outcome, [(o, o) for o in outcomes],
                         getattr(self.node, "outcome", ""))

    def _on_outcome_finished(self) -> None:
        text = self.outcome.currentText().strip()
        self.commit(self.outcome, self.path("outcome"), text,
                    f"Change outcome of '{self.label}'",
                    check=lambda v: None if v else "Enter an outcome such as 'won'")


class DecisionPart(NodePart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = section("Branches", Form(), self.column)
        self.branches = QLabel()
        self.branches.setObjectName("branches")
        self.branches.setWordWrap(True)
        self.branches.setTextFormat(Qt.TextFormat.RichText)
        self.branches.linkActivated.connect(self._on_link_activated)
        form.add_wide(self.branches)
        form.add_wide(hint(
            "A decision takes no time. Select a connection leaving it to set its "
            "probability or condition: either all branches have probabilities adding up to "
            "100 %, or conditions are tried in order and one branch is 'otherwise'."))

    def refresh(self) -> None:
        rows = []
        for edge in self.process.outgoing(self.node_id):
            try:
                target = self.process.node(edge.target).label
            except KeyError:
                target = edge.target
            if edge.when:
                rule = f"when <i>{html.escape(edge.when)}</i>"
            elif edge.probability is not None:
                rule = f"{edge.probability * 100:.4g} %"
            elif edge.default:
                rule = "otherwise"
            else:
                rule = "always"
            if edge.default and edge.probability is not None:
                rule += " (takes decay losses)"
            link = f"edge:{edge.source}->{edge.target}"
            rows.append(f"<li><a href='{html.escape(link)}'>{html.escape(target)}</a>: "
                        f"{rule}</li>")
        text = (f"<ul style='margin-left:-20px'>{''.join(rows)}</ul>" if rows
                else "No connections leave this decision yet.")
        if self.branches.text() != text:
            self.branches.setText(text)

    def _on_link_activated(self, link: str) -> None:
        source, _, target = link.removeprefix("edge:").partition("->")
        self.select_requested.emit(Selection(edges=((source, target),)))

