"""The node editor: name, id, lane, stage and phase of any node, then its kind's own fields."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...model import MISSING
from ...model.types import is_identifier
from ..commands import RenameNodeCommand, rename_command
from .arrivals import SourcePart
from .base import Editor, Form, header, section, set_error
from .node_parts import CadencePart, DecisionPart, DelayPart, EndPart, NodePart, TaskPart

PART_CLASSES: dict[str, type[NodePart]] = {
    "source": SourcePart,
    "task": TaskPart,
    "decision": DecisionPart,
    "delay": DelayPart,
    "cadence": CadencePart,
    "end": EndPart,
}

KIND_HINTS = {
    "source": "where new leads enter the process",
    "task": "work done by people of the lane's team",
    "decision": "an instant choice between branches",
    "delay": "waiting that takes no one's time (nurture, cooling-off)",
    "cadence": "automated touches every few days until the lead answers or is ready",
    "end": "where a lead's journey ends with an outcome",
}


class NodeEditor(Editor):
    """Edits one node; the part below the common fields depends on the node's kind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.column = column
        self.title, self.subtitle = header(column)
        form = section(None, Form(), column)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.name.setPlaceholderText("e.g. First call")
        form.add("Name", self.name, "The name shown on the diagram and in reports.")
        self.name.editingFinished.connect(self._on_name_finished)
        self.id = QLineEdit()
        self.id.setObjectName("id")
        form.add("Id", self.id,
                 "The node's key in the file, in scenarios and in results (letters, digits, "
                 "'_' and '-'). Connections and SLAs follow when it changes.")
        self.id.editingFinished.connect(self._on_id_finished)
        self.kind = QLabel()
        self.kind.setObjectName("kind")
        form.add("Kind", self.kind, "What this step does; fixed once the node is drawn.")
        self.lane = QComboBox()
        self.lane.setObjectName("lane")
        form.add("Lane", self.lane, "The team that owns this step; its people, calendar and "
                 "hourly cost apply.")
        self.lane.activated.connect(self._on_lane_activated)
        self.stage = QComboBox()
        self.stage.setObjectName("stage")
        form.add("Stage", self.stage,
                 "The funnel stage a lead reaches when it first passes here (Lead, MQL, SQL, "
                 "...); the funnel report counts leads per stage.")
        self.stage.activated.connect(self._on_stage_activated)
        self.phase = QComboBox()
        self.phase.setObjectName("phase")
        form.add(
            "Phase", self.phase, "The column of the diagram this step belongs to (Lead "
            "Generation, Lead Management, ...); dragging the node into another column "
            "changes it too.")
        self.phase.activated.connect(self._on_phase_activated)
        self.parts: dict[str, NodePart] = {}
        self.part: NodePart | None = None

    @property
    def label(self) -> str:
        return self.process.node(self.node_id).label

    def set_node(self, node_id: str) -> None:
        if node_id != self.node_id:
            self.forget()
        self.node_id = node_id
        kind = self.process.node(node_id).kind
        part = self.parts.get(kind)
        if part is None:
            part = PART_CLASSES[kind]()
            part.setObjectName(f"{kind}_part")
            part.select_requested.connect(self.select_requested)
            self.parts[kind] = part
            self.column.addWidget(part)
        for other in self.parts.values():
            other.setVisible(other is part)
        part.document = self.document
        part.node_id = node_id
        self.part = part
        self.refresh()

    def rename_target(self, old: str, new: str) -> None:
        if self.node_id == old:
            self.node_id = new
            if self.part is not None:
                self.part.node_id = new

    def refresh(self) -> None:
        if self.document is None or not self.process.has_node(self.node_id):
            return
        node = self.process.node(self.node_id)
        self.show_text(self.name, node.name)
        self.show_text(self.id, node.id)
        self.title.setText(node.label)
        lane = (self.process.lane(node.lane).label if self.process.has_lane(node.lane)
                else node.lane)
        self.subtitle.setText(f"{node.kind_label} in {lane}: {KIND_HINTS.get(node.kind, '')}")
        self.kind.setText(node.kind_label)
        self.show_choice(self.lane, [(lane.label, lane.id) for lane in self.process.lanes],
                         node.lane)
        stages = [("(none)", None), *((stage, stage) for stage in self.process.stages)]
        if node.stage is not None and node.stage not in self.process.stages:
            stages.append((f"{node.stage} (not a stage)", node.stage))
        self.show_choice(self.stage, stages, node.stage)
        phase_ids = [p.id for p in self.process.phases]
        phases = [("(none)", None), *((p.label, p.id) for p in self.process.phases)]
        if node.phase is not None and node.phase not in phase_ids:
            phases.append((f"{node.phase} (not a phase)", node.phase))
        self.show_choice(self.phase, phases, node.phase)
        self.phase.setEnabled(bool(self.process.phases) or node.phase is not None)
        if self.part is not None:
            self.part.refresh()

    # --- edits -----------------------------------------------------------------------------
    def _on_name_finished(self) -> None:
        name = self.name.text().strip()
        assert self.document is not None
        command = rename_command(self.document, "node", self.node_id, name)
        if command is not None:  # an id made from the old name follows the new one
            self.apply(command)
            self.remember(self.name)

    def _on_id_finished(self) -> None:
        new = self.id.text().strip()
        if new == self.node_id:
            set_error(self.id, None)
            return
        if not is_identifier(new):
            set_error(self.id, "Use letters, digits, '_' and '-', starting with a letter or "
                               "'_' (e.g. first_call)")
            return
        if self.process.has_node(new):
            set_error(self.id, f"There is already a node '{new}'")
            return
        set_error(self.id, None)
        assert self.document is not None
        self.apply(RenameNodeCommand(self.document, self.node_id, new))
        self.remember(self.id)

    def _on_lane_activated(self, _index: int) -> None:
        lane_id = self.lane.currentData()
        lane = self.process.lane(lane_id)
        self.commit(self.lane, f"nodes.{self.node_id}.lane", lane_id,
                    f"Move '{self.label}' to {lane.label}")

    def _on_phase_activated(self, _index: int) -> None:
        phase = self.phase.currentData()
        label = next((p.label for p in self.process.phases if p.id == phase), phase)
        self.commit(self.phase, f"nodes.{self.node_id}.phase",
                    MISSING if phase is None else phase,
                    f"Put '{self.label}' in phase {label or 'none'}")

    def _on_stage_activated(self, _index: int) -> None:
        stage = self.stage.currentData()
        self.commit(self.stage, f"nodes.{self.node_id}.stage",
                    MISSING if stage is None else stage,
                    f"Set stage of '{self.label}' to {stage or 'none'}")
