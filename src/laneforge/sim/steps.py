"""Entering a node and leaving it: the compiled step per node, routers and ``set`` updates.

A node's step is generated from source text with only the line groups that node needs (a
stage, a loop count, a mark, SLA clocks), so the event loop never tests for a feature the
node lacks. Routers are one closure per node, by routing mode.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .compiled import (
    ROUTE_DECAY,
    ROUTE_ONE,
    ROUTE_PROB,
    ROUTE_WHEN,
    CNode,
    Conditions,
    Decaying,
    Probabilities,
)

if TYPE_CHECKING:
    from .engine import Lead, Replication

#: zero-time steps one lead may take round a loop before the run is stopped as a runaway
#: (a cycle of decisions, or of zero-duration tasks and delays, with no way out)
RUNAWAY_STEPS = 100_000
#: visits of one node by one lead after which the watchdog counts its steps (below it, and
#: below ``max_visits``, a loop costs nothing extra); keys -1 and -2 of ``lead.visits`` hold
#: the time of its last loop step and the steps since without the clock moving
WATCH_FROM = 1_000

_STEP_HEAD = """\
def make(n, max_visits, bit, stage, drop, opened, action, env, tr, stuck_lead,
         stage_counts, sla_pending, visits, reports, runaway, limit, watch_from):
    visited = 0

    def report():
        visits[n] = visited

    reports.append(report)

    def step(lead):
        nonlocal visited
        counted = lead.counted
        if counted:
            visited += 1
"""
_STEP_PARTS = {
    "traced": """\
        tr((env._now, lead.id, n, "enter"))
""",
    # a node on a cycle counts the lead's visits (max_visits) and its loop steps taken
    # without the clock moving (the watchdog): both only where a lead can come back
    "loop": """\
        seen = lead.visits
        if seen is None:
            seen = lead.visits = {}
        count = seen.get(n, 0) + 1
        seen[n] = count
        if count > max_visits:
            stuck_lead(lead)
            return -1
        if count > watch_from:  # a lead this often here: watch that the clock moves
            now = env._now
            if seen.get(-1) == now:
                seen[-2] += 1
                if seen[-2] > limit:
                    runaway(lead, n)
            else:
                seen[-1] = now
                seen[-2] = 0
""",
    "stage": """\
        if counted and not lead.stages & bit:
            lead.stages |= bit
            stage_counts[stage] += 1
""",
    "mark": """\
        if lead.marks is None:
            lead.marks = {}
        lead.marks[n] = env._now
""",
    "drop": """\
        sla_open = lead.sla_open
        if sla_open:
            for i in drop:
                if i in sla_open:
                    del sla_open[i]
            if not sla_open:
                sla_pending.discard(lead)
""",
    "opened": """\
        if lead.sla_open is None:
            lead.sla_open = {}
        now = env._now
        for i in opened:
            lead.sla_open[i] = now
        sla_pending.add(lead)
""",
}
_STEP_TAIL = """\
        return action(lead)

    return step
"""


@functools.cache
def _step_maker(*features: bool) -> Callable[..., Callable[[Lead], int]]:
    """The maker of steps with the given features (in the order of ``_STEP_PARTS``)."""
    parts = [text for use, text in zip(features, _STEP_PARTS.values(), strict=True) if use]
    namespace: dict[str, Any] = {}
    exec(compile(_STEP_HEAD + "".join(parts) + _STEP_TAIL, "<laneforge step>", "exec"),
         namespace)
    return namespace["make"]


def make_step(rep: Replication, node: CNode, action: Callable[[Lead], int],
              stuck_lead: Callable[[Lead], None],
              runaway: Callable[[Lead, int], None]) -> Callable[[Lead], int]:
    """What entering ``node`` does; returns the next node for instant steps, else -1."""
    c = rep.c
    n = node.index
    bit = 1 << node.stage if node.stage >= 0 else 0
    # SLAs whose path does not pass here: a lead that comes here stops their clocks
    drop = tuple(i for i, sla in enumerate(c.slas) if n not in sla.reach)
    opened = tuple(c.sla_from.get(n, ()))
    make = _step_maker(rep.tr is not None, node.loop, bool(bit), node.mark, bool(drop),
                       bool(opened))
    return make(n, node.max_visits, bit, node.stage, drop, opened, action, rep.env, rep.tr,
                stuck_lead, rep.stage_counts, rep.sla_pending, rep.visits, rep.reports,
                runaway, RUNAWAY_STEPS, WATCH_FROM)


def make_router(rep: Replication, node: CNode) -> Callable[[Lead], int]:
    """The node's way out: the index of the next node for ``lead``."""
    env = rep.env
    r, routing = node.route, node.routing
    if r == ROUTE_ONE:
        assert isinstance(routing, int)
        target = routing
        return lambda _lead: target
    if r == ROUTE_PROB:
        assert isinstance(routing, Probabilities)
        rand = rep.route_rand[node.index]
        assert rand is not None
        pairs = list(zip(routing.cumulative, routing.targets, strict=True))
        last = routing.targets[-1]

        def probable(_lead: Lead) -> int:
            u = rand()
            for edge, target in pairs:
                if u < edge:
                    return target
            return last

        return probable
    if r == ROUTE_WHEN:
        assert isinstance(routing, Conditions)
        conditions, default = routing
        uses_age = node.uses_age

        def conditional(lead: Lead) -> int:
            attrs = lead.attrs
            if uses_age:
                attrs["age"] = env._now - lead.created
            for condition, target in conditions:
                if condition(attrs):
                    return target
            return default

        book = rep.touch_book
        if book is not None and node.touch_clock:
            refresh, plain = book.refresh, conditional

            def conditional(lead: Lead) -> int:
                refresh(lead.attrs, env._now)
                return plain(lead)

        return conditional
    if r == ROUTE_DECAY:
        assert isinstance(routing, Decaying)
        rand = rep.route_rand[node.index]
        assert rand is not None
        branches, default = routing

        def decaying(lead: Lead) -> int:
            u = rand()
            now = env._now
            acc = 0.0
            for p, half_life, since, target in branches:
                if half_life:
                    if since >= 0 and lead.marks is not None and since in lead.marks:
                        reference = lead.marks[since]
                    else:
                        reference = lead.created
                    p *= 0.5 ** ((now - reference) / half_life)
                acc += p
                if u < acc:
                    return target
            return default

        return decaying

    def nowhere(_lead: Lead) -> int:
        raise AssertionError(f"node {node.id} has no way out")

    return nowhere


def make_sets(rep: Replication, node: CNode) -> Callable[[Lead], None] | None:
    """The node's ``set`` updates (all computed from the attributes before any changes)."""
    if not node.sets:
        return None
    env = rep.env
    sets, uses_age = node.sets, node.uses_age

    def apply_sets(lead: Lead) -> None:
        attrs = lead.attrs
        if uses_age:
            attrs["age"] = env._now - lead.created
        updates = [(name, fn(attrs)) for name, fn in sets]
        for name, value in updates:
            attrs[name] = value

    book = rep.touch_book
    if book is not None:
        targets = frozenset(name for name, _ in sets)
        plain, refresh, after = apply_sets, book.refresh, book.after_sets
        clock = node.touch_clock

        def apply_sets(lead: Lead) -> None:
            if clock:
                refresh(lead.attrs, env._now)
            plain(lead)
            after(lead.attrs, env._now, targets)

    return apply_sets
