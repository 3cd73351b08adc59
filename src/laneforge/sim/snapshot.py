"""The state a forecast starts from: every lead and deal open at one moment.

A :class:`Snapshot` is built from a CRM export (``laneforge.app`` reads the records and maps
each to the node it is at) and handed to the engine as ``start_from``: the run then starts at
``as_of`` with every open item already in place, instead of from an empty process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OpenItem:
    """One lead or deal that is open at the snapshot.

    ``node`` is where it is: a task (waiting for its team, or being worked when
    ``in_service``), a delay (nurture) it is waiting out, or any other node it has reached
    and not yet left. ``age_hours`` is the clock time since it entered that node;
    ``worked_hours``, when known, the working time already spent on it there (for a task in
    service). The engine draws what is left of its time at the node from the node's duration
    conditioned on what has passed, so nothing is started twice."""

    id: str
    node: str
    age_hours: float = 0.0
    in_service: bool = False
    worked_hours: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    #: the source node the item first came from (attribution); ``None`` when unknown
    source: str | None = None
    #: hours since the item was created (its whole age, for cycle times and decay)
    created_hours_ago: float = 0.0
    #: hours since its last touch (``since_last_touch``); ``None``: untouched, or unknown
    touched_hours_ago: float | None = None


@dataclass(frozen=True)
class Snapshot:
    """Every open item at ``as_of`` (a wall-clock time in the process's time zone)."""

    as_of: dt.datetime
    items: tuple[OpenItem, ...] = ()

    def at_node(self, node_id: str) -> list[OpenItem]:
        return [item for item in self.items if item.node == node_id]
