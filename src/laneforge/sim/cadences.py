"""Cadences at run time: a nurture cadence's touches, waits and checks for each lead.

A cadence is one node of the process but several steps of the engine: a touch at entry,
then a wait of ``every`` and the next touch, up to ``times`` touches. After each touch the
lead answers with the touch's response rate and ``until`` is checked; either ends the
cadence by its ``graduated`` exit, and a lead still there after the last touch leaves at
once by its ``exhausted`` exit (so an exhausted lead spends ``(times - 1) * every`` in the
cadence). The waits are plain entries on the event queue carrying the lead and the number
of touches sent, so a lead in a cadence holds no staff and no state of its own.

Only a process with a cadence builds these closures; every other process runs without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .compiled import CCadence, CNode
from .touching import RESPOND

if TYPE_CHECKING:
    from .engine import Lead, Replication

#: the built-in that a cadence's answered touch sets
RESPONDED = "responded"


@dataclass(slots=True)
class CadenceRecord:
    """One cadence's figures in a replication, for counted leads: leads that entered it,
    touches it sent, touches answered, leads that left graduated and exhausted."""

    entered: int = 0
    touches: int = 0
    responses: int = 0
    graduated: int = 0
    exhausted: int = 0


def make_cadence(rep: Replication, node: CNode, enter: Callable[[Lead, int], None]
                 ) -> tuple[Callable[[Lead], int], CadenceRecord]:
    """Cadence ``node``'s arrival action (returns the exit's node index when the cadence
    ends at once, else -1) and the record its leads fill."""
    book = rep.touch_book
    assert book is not None and node.touch is not None
    plan = node.routing
    assert isinstance(plan, CCadence)
    every, times, until, graduated, exhausted = plan
    # the answer is drawn here, so the cadence knows it was its own touch that was answered
    touched = book.make_touch(replace(node, touch=node.touch._replace(response_rate=0.0)))
    assert touched is not None
    rate = node.touch.response_rate
    rand = rep.stream("cadence", node.id).random
    keeps_answer = RESPONDED in book.kept
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
    refresh, uses_age, tr, n = book.refresh, node.uses_age, rep.tr, node.index
    record = CadenceRecord()

    def check(lead: Lead) -> bool:
        attrs: dict[str, Any] = lead.attrs
        refresh(attrs, env._now)
        if uses_age:
            attrs["age"] = env._now - lead.created
        return bool(until(attrs)) if until is not None else False

    def touch(lead: Lead, sent: int) -> int:
        """Send touch number ``sent + 1``; the exit's index when the cadence is over."""
        touched(lead)
        counted = lead.counted
        answered = bool(rate) and rand() < rate
        if answered and keeps_answer:
            lead.attrs[RESPONDED] = True
        if counted:
            record.touches += 1
            record.responses += answered
        if tr is not None:
            tr((env._now, lead.id, n, "touch"))
            if answered:  # as a task's touch answered: a synthetic CRM logs the answer
                tr((env._now, lead.id, n, RESPOND))
        if answered or check(lead):
            if counted:
                record.graduated += 1
            return graduated
        if sent + 1 >= times:
            if counted:
                record.exhausted += 1
            return exhausted
        push(queue, (env._now + every, 1, next(eid), (later, (lead, sent + 1))))
        return -1

    def later(arg: tuple[Lead, int]) -> None:
        lead, sent = arg
        target = touch(lead, sent)
        if target >= 0:
            enter(lead, target)

    def arrive(lead: Lead) -> int:
        if lead.counted:
            record.entered += 1
        return touch(lead, 0)

    return arrive, record
