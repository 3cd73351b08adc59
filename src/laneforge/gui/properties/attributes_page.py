"""The Attributes tab of the process editor: what every new lead carries (score, segment, ...)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ...model import ExpressionError, Process, parse_expression
from ...model.types import is_identifier
from ..commands import values_command
from .base import hint, set_error
from .master_detail import MasterDetail
from .values import KINDS, default_spec, format_spec, parse_spec, spec_kind

VALUE_HINTS = {
    "number": "A number (0), or a distribution: 'dist: normal, mean: 50, sd: 18, min: 0, "
              "max: 100' (also uniform min/max, triangular min/mode/max, exponential mean, "
              "lognormal mean/sd).",
    "choices": "Options and their weights: 'smb: 0.55, mid: 0.33, enterprise: 0.12'.",
    "constant": "The same text for every lead, or true / false.",
}


def _names(text: Any) -> frozenset[str]:
    if not isinstance(text, str):
        return frozenset()
    try:
        return parse_expression(text).names
    except ExpressionError:
        return frozenset()


def attribute_uses(process: Process, name: str) -> list[str]:
    """Where an attribute is read or written, as short descriptions."""
    def label(node_id: str) -> str:
        return process.node(node_id).label if process.has_node(node_id) else node_id

    uses = []
    for edge in process.edges:
        if name in _names(edge.when):
            uses.append(f"the condition '{label(edge.source)}' → '{label(edge.target)}'")
    for node in process.nodes:
        updates = getattr(node, "set", {}) or {}
        if name in updates or any(name in _names(text) for text in updates.values()):
            uses.append(f"the updates of '{node.label}'")
        if name in _names(getattr(node, "priority", None)):
            uses.append(f"the priority of '{node.label}'")
        if name in (getattr(node, "attributes", None) or {}):
            uses.append(f"the attributes of '{node.label}'")
    return uses


class AttributesPage(MasterDetail):
    columns = ("Name", "Kind", "Value")
    stretch_column = 2
    noun = "attribute"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Drawn for every new lead; conditions, updates and priorities read "
                         "them. Sources may override them.", parent)
        self.name = QLineEdit()
        self.name.setObjectName("attribute_name")
        self.form.add("Name", self.name, "How conditions refer to it, e.g. score, segment, "
                      "region (letters, digits and '_').")
        self.name.editingFinished.connect(self._on_name_finished)
        self.kind = QComboBox()
        self.kind.setObjectName("attribute_kind")
        self.form.add("Kind", self.kind, "Number distribution: a number drawn per lead (a lead "
                      "score). Choices: one of several options (segment). Constant: the same "
                      "for every lead.")
        self.kind.activated.connect(self._on_kind_activated)
        self.value = QLineEdit()
        self.value.setObjectName("attribute_value")
        self.form.add("Value", self.value, "The value or distribution of this attribute.")
        self.value.editingFinished.connect(self._on_value_finished)
        self.value_hint = hint()
        self.detail_column.addWidget(self.value_hint)

    def keys(self) -> list[str]:
        return list(self.process.attributes)

    def spec(self, key: str) -> Any:
        return self.process.edit.get_value(f"attributes.{key}")

    def row(self, key: str) -> list[str]:
        spec = self.spec(key)
        return [key, dict(KINDS)[spec_kind(spec)], format_spec(spec)]

    def refresh_detail(self, key: str) -> None:
        spec = self.spec(key)
        kind = spec_kind(spec)
        self.show_text(self.name, key)
        self.show_choice(self.kind, [(text, k) for k, text in KINDS], kind)
        self.show_text(self.value, format_spec(spec))
        self.value_hint.setText(VALUE_HINTS[kind])

    def data(self) -> dict[str, Any]:
        value = self.process.edit.get_value("attributes")
        return dict(value) if isinstance(value, dict) else {}

    def add_item(self) -> str | None:
        data = self.data()
        key = self.process.edit.unique_id("attribute", taken=set(data))
        data[key] = 0
        self.apply(values_command(self.document, f"Add attribute '{key}'",
                                 [("attributes", data)]))
        return key

    def remove_item(self, key: str) -> str | None:
        uses = attribute_uses(self.process, key)
        if uses:
            return (f"'{key}' is still used by {', '.join(uses[:3])}"
                    f"{' and more' if len(uses) > 3 else ''}; change those first.")
        data = self.data()
        data.pop(key, None)
        self.apply(values_command(self.document, f"Delete attribute '{key}'",
                                 [("attributes", data)]))
        return None

    def _on_name_finished(self) -> None:
        key, new = self.current, self.name.text().strip()
        if new == key:
            set_error(self.name, None)
            return
        data = self.data()
        message = None
        if not is_identifier(new) or "-" in new:
            message = "Use letters, digits and '_', starting with a letter (e.g. lead_score)"
        elif new in data:
            message = f"There is already an attribute '{new}'"
        elif uses := attribute_uses(self.process, key):
            message = (f"'{key}' is used by {', '.join(uses[:2])}"
                       f"{' and more' if len(uses) > 2 else ''}, which would break")
        if message:
            set_error(self.name, message)
            return
        renamed = {(new if k == key else k): v for k, v in data.items()}
        if self.commit(self.name, "attributes", renamed,
                       f"Rename attribute '{key}' to '{new}'"):
            self.current = new

    def _on_kind_activated(self, _index: int) -> None:
        kind = self.kind.currentData()
        if kind == spec_kind(self.spec(self.current)):
            return
        self.commit(self.kind, f"attributes.{self.current}", default_spec(kind),
                    f"Change kind of attribute '{self.current}'")

    def _on_value_finished(self) -> None:
        text = self.value.text()
        if text == self._shown.get(self.value):
            set_error(self.value, None)
            return
        try:
            value = parse_spec(text, self.kind.currentData())
        except ValueError as exc:
            set_error(self.value, str(exc))
            return
        self.commit(self.value, f"attributes.{self.current}", value,
                    f"Change attribute '{self.current}'")
