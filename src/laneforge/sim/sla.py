"""SLA accounting: clocks checked when work starts at their target, and those left running.

A lead's open clocks live in ``lead.sla_open`` (SLA index -> time the clock started); the
steps open and drop them (see :mod:`laneforge.sim.steps`), a task start at the target closes
them here, and :func:`settle_pending` counts the clocks still running at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model.calendar import Timeline

if TYPE_CHECKING:
    from .engine import Lead, Replication


def make_closer(rep: Replication, n: int, line: Timeline | None,
                ) -> Callable[[Lead, float, float], None] | None:
    """For a task ``n`` that is the target of SLAs: ``close(lead, begin, worked_begin)``
    checks the lead's clocks of those SLAs when its work begins (None if it is no target).

    ``worked_begin`` is the lane calendar's cumulative working time at ``begin``: an SLA on
    the lane's own calendar reuses it instead of a second look-up."""
    closing = tuple((i, rep.sla_lines[i], rep.sla_lines[i] is line)
                    for i in rep.c.sla_to.get(n, ()))
    if not closing:
        return None
    sla_checked, sla_breached = rep.sla_checked, rep.sla_breached
    sla_within, sla_pending = rep.sla_within, rep.sla_pending

    def close(lead: Lead, begin: float, worked_begin: float) -> None:
        sla_open = lead.sla_open
        assert sla_open is not None
        for i, sline, same in closing:
            opened_at = sla_open.pop(i, None)
            if opened_at is None:
                continue
            if sline is None:
                taken = begin - opened_at
            elif begin <= opened_at:
                taken = 0.0
            elif same:
                taken = worked_begin - sline.cumulative(opened_at)
            else:
                taken = sline.cumulative(begin) - sline.cumulative(opened_at)
            if lead.counted:
                sla_checked[i] += 1
                if taken > sla_within[i]:
                    sla_breached[i] += 1
        if not sla_open:
            sla_pending.discard(lead)

    return close


def settle_pending(rep: Replication, end_time: float) -> None:
    """SLA clocks still running when the run ends count as breached once past their
    deadline (and are not checked before it)."""
    slas, sla_lines = rep.c.slas, rep.sla_lines
    for lead in rep.sla_pending:
        if not lead.counted or not lead.sla_open:
            continue
        for i, opened_at in lead.sla_open.items():
            sline = sla_lines[i]
            taken = sline.worked(opened_at, end_time) if sline else end_time - opened_at
            if taken > slas[i].within + 1e-9:
                rep.sla_checked[i] += 1
                rep.sla_breached[i] += 1
