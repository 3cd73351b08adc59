"""Every edit of a document, in one package: the undo commands and the edits built from them.

Views build an edit here and hand it to :meth:`Document.apply`, the only place that pushes
onto the undo stack. ``base`` has the two shapes of command, ``items`` one command per kind
of edit, ``composite`` the edits made of several steps, ``build`` what new things start as.
"""

from .base import MOVE_ID, SET_VALUE_ID, DocumentCommand, MacroCommand, label_of
from .build import FRAGMENT_MIME, NODE_DEFAULTS, blank_process, fragment, new_lane, new_node
from .composite import (
    Steps,
    check_steps,
    connect_command,
    delete_command,
    layout_command,
    paste_command,
    rename_command,
    values_command,
)
from .items import (
    MERGE_SECONDS,
    AddEdgeCommand,
    AddLaneCommand,
    AddNodeCommand,
    AddScenarioCommand,
    AddSLACommand,
    MoveLaneCommand,
    MoveNodesCommand,
    RemoveEdgeCommand,
    RemoveLaneCommand,
    RemoveNodeCommand,
    RemoveScenarioCommand,
    RemoveSLACommand,
    RenameLaneCommand,
    RenameNodeCommand,
    RenamePhaseCommand,
    RenameSLACommand,
    ReplaceScenarioCommand,
    ReplaceSLACommand,
    SetValueCommand,
    SetValuesCommand,
    SpinValueCommand,
)

__all__ = [
    "FRAGMENT_MIME", "MERGE_SECONDS", "MOVE_ID", "NODE_DEFAULTS", "SET_VALUE_ID",
    "AddEdgeCommand", "AddLaneCommand", "AddNodeCommand", "AddSLACommand",
    "AddScenarioCommand", "DocumentCommand", "MacroCommand", "MoveLaneCommand",
    "MoveNodesCommand", "RemoveEdgeCommand", "RemoveLaneCommand", "RemoveNodeCommand",
    "RemoveSLACommand", "RemoveScenarioCommand", "RenameLaneCommand", "RenameNodeCommand",
    "RenamePhaseCommand", "RenameSLACommand", "ReplaceSLACommand", "ReplaceScenarioCommand",
    "SetValueCommand", "SetValuesCommand", "SpinValueCommand", "Steps", "blank_process",
    "check_steps", "connect_command", "delete_command", "fragment", "label_of",
    "layout_command", "new_lane", "new_node", "paste_command", "rename_command",
    "values_command",
]
