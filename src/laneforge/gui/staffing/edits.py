"""The one edit the staffing plan makes: a lane's roster set or cleared, as one undo step."""

from __future__ import annotations

from ...model import MISSING
from ..commands import SetValueCommand
from ..document import Document


def roster_command(document: Document, lane_id: str,
                   roster: dict[str, dict[str, int]] | None) -> SetValueCommand | None:
    """Set ``lanes.<lane>.roster`` (None clears it); None when the lane has it already."""
    lane = document.process.lane(lane_id)
    if lane.roster == (roster or None):
        return None
    verb = "Set roster of" if roster else "Clear roster of"
    return SetValueCommand(document, f"lanes.{lane_id}.roster",
                           roster if roster else MISSING, f"{verb} '{lane.label}'")
