"""What the dock shows for several selected items: a summary, and moving nodes to a lane."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from ..commands import check_steps, values_command
from ..selection import Selection
from .base import Editor, Form, header, hint, section, set_error


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def describe_selection(selection: Selection) -> str:
    """ "3 nodes, 1 connection selected"."""
    parts = [_count(len(items), singular, plural) for items, singular, plural in (
        (selection.nodes, "node", "nodes"), (selection.edges, "connection", "connections"),
        (selection.lanes, "lane", "lanes")) if items]
    return ", ".join(parts) + " selected"


class MultiEditor(Editor):
    """A short summary of a multiple selection; nodes can all be moved to one lane."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = Selection()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.summary, self.names = header(column)
        self.form = section("Change all", Form(), column)
        self.lane = QComboBox()
        #: the (name, id) lanes the combo was filled with
        self._lanes_shown: list[tuple[str, str]] | None = None
        self.lane.setObjectName("lane")
        self.lane.setPlaceholderText("Choose a lane…")
        self.form.add("Move to lane", self.lane,
                      "Hand all selected steps to another team in one step (one undo).")
        self.lane.activated.connect(self._on_lane_activated)
        column.addSpacing(8)
        column.addWidget(hint("Select a single item to edit its properties."))

    def set_selection(self, selection: Selection) -> None:
        self.selection = selection
        self.refresh()

    def refresh(self) -> None:
        if self.document is None:
            return
        process = self.process
        selection = self.selection
        self.summary.setText(describe_selection(selection))
        names = [process.node(n).label for n in selection.nodes if process.has_node(n)]
        shown = ", ".join(f"'{n}'" for n in names[:6]) + (" …" if len(names) > 6 else "")
        self.names.setText(shown)
        self.names.setVisible(bool(names))
        only_nodes = bool(selection.nodes) and not selection.edges and not selection.lanes
        self.form.heading.setVisible(only_nodes)
        self.form.setRowVisible(self.lane, only_nodes)
        lanes = [(lane.label, lane.id) for lane in process.lanes]
        if self._lanes_shown != lanes:
            with QSignalBlocker(self.lane):
                self.lane.clear()
                for text, lane_id in lanes:
                    self.lane.addItem(text, lane_id)
            self._lanes_shown = lanes
        current = {process.node(n).lane for n in selection.nodes if process.has_node(n)}
        with QSignalBlocker(self.lane):
            self.lane.setCurrentIndex(
                self.lane.findData(current.pop()) if len(current) == 1 else -1)

    def _on_lane_activated(self, _index: int) -> None:
        lane_id = self.lane.currentData()
        process = self.process
        nodes = [n for n in self.selection.nodes
                 if process.has_node(n) and process.node(n).lane != lane_id]
        if not nodes:
            return
        steps = [(f"nodes.{n}.lane", lane_id) for n in nodes]
        assert self.document is not None
        message = check_steps(self.document, steps)
        if message:
            set_error(self.lane, message)
            return
        set_error(self.lane, None)
        lane = process.lane(lane_id).label
        text = (f"Move '{process.node(nodes[0]).label}' to {lane}" if len(nodes) == 1
                else f"Move {len(nodes)} nodes to {lane}")
        self.apply(values_command(self.document, text, steps))
