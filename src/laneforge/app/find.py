"""Finding things in a process by name or id: what Edit ▸ Find matches and in what order.

Pure Python over the model, so the matching is tested without a window. The find bar in
the GUI turns a :class:`Match` into a selection and a scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..model import Process

MatchKind = Literal["node", "lane", "phase", "sla"]
#: the order in which kinds are listed: the things on the canvas first, the promises last
KIND_ORDER: tuple[MatchKind, ...] = ("node", "lane", "phase", "sla")
KIND_LABELS: dict[MatchKind, str] = {"node": "node", "lane": "lane", "phase": "phase",
                                     "sla": "SLA"}


@dataclass(frozen=True)
class Match:
    """One thing whose name or id contains the search text.

    ``nodes`` and ``lanes`` are what to select for it: the node itself, the lane itself,
    the nodes of a phase, or the two ends of an SLA.
    """

    kind: MatchKind
    id: str
    label: str
    nodes: tuple[str, ...] = ()
    lanes: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return f"{KIND_LABELS[self.kind]} '{self.label}'"


def normalize(text: str) -> str:
    """Case-insensitive, and runs of spaces, underscores and hyphens count as one space, so
    "first call" finds the id ``first_call`` and "Follow-up" finds "follow up"."""
    folded = text.casefold()
    for char in "_-\t\n":
        folded = folded.replace(char, " ")
    return " ".join(folded.split())


def _hit(needle: str, *haystacks: str | None) -> bool:
    return any(needle in normalize(h) for h in haystacks if h)


def find(process: Process, text: str) -> list[Match]:
    """Everything whose name or id contains ``text``: nodes in file (flow) order, then lanes
    top to bottom, phases left to right, SLAs in file order. Blank text finds nothing."""
    needle = normalize(text)
    if not needle:
        return []
    matches: list[Match] = []
    node_ids = {node.id for node in process.nodes}
    for node in process.nodes:
        if _hit(needle, node.name, node.id):
            matches.append(Match("node", node.id, node.label, nodes=(node.id,)))
    for lane in process.lanes:
        if _hit(needle, lane.name, lane.id):
            matches.append(Match("lane", lane.id, lane.label, lanes=(lane.id,)))
    for phase in process.phases:
        if _hit(needle, phase.name, phase.id):
            members = tuple(n.id for n in process.nodes if n.phase == phase.id)
            matches.append(Match("phase", phase.id, phase.label, nodes=members))
    for sla in process.slas:
        if _hit(needle, sla.name, sla.id):
            ends = tuple(dict.fromkeys(n for n in (sla.source, sla.target) if n in node_ids))
            matches.append(Match("sla", sla.id, sla.name or sla.id, nodes=ends))
    return matches


def next_index(count: int, current: int | None, step: int) -> int | None:
    """The match after (``step`` 1) or before (-1) ``current``, wrapping around; the first
    (or last) when nothing is current yet; None when there are no matches."""
    if count <= 0:
        return None
    if current is None:
        return 0 if step >= 0 else count - 1
    return (current + step) % count
