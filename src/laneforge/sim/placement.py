"""Start from a snapshot: put every open item of a :class:`Snapshot` in place at time 0.

An item in service at a task keeps its member of staff and works off what is left of its
duration; one waiting at a task joins its lane's queue, oldest first; one in a delay waits
out the rest of it; one at a decision or a source moves on at once. What is left is drawn
from the node's duration conditioned on the time already spent there
(:func:`laneforge.model.distributions.remaining_sampler`), from a stream of its own, so the
rest of the run draws the numbers it would draw anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model.attributes import attribute_sampler
from ..model.distributions import remaining_sampler
from ..model.errors import SimulationError
from .compiled import CADENCE, DECISION, DELAY, END, SOURCE, TASK
from .snapshot import OpenItem, Snapshot
from .touching import TOUCHED_AT

if TYPE_CHECKING:
    from .engine import Lead, Population, Replication


def _attributes(rep: Replication) -> Callable[[OpenItem], dict[str, object] | None]:
    """An item's attributes: what it says, the rest drawn from the process defaults."""
    c = rep.c
    book = rep.touch_book
    if not c.attributes and not c.uses_age and book is None \
            and c.data_quality is None:
        return lambda item: dict(item.attributes) if item.attributes else None
    rng = rep.stream("snapshot", "attributes")
    draws = [(name, attribute_sampler(c.attributes[name], rng)) for name in c.attribute_order]
    stale = c.data_quality is not None and "stale" not in c.attributes

    def attributes(item: OpenItem) -> dict[str, object]:
        drawn = {name: draw() for name, draw in draws}
        drawn.update(item.attributes)
        if stale:
            drawn.setdefault("stale", False)
        if book is not None:  # untouched so far, unless the item says otherwise
            if item.touched_hours_ago is not None:
                drawn[TOUCHED_AT] = -item.touched_hours_ago
            book.start(drawn, -max(item.created_hours_ago, item.age_hours), None, 0.0)
        return drawn

    return attributes


#: the last snapshot placed and its items in placing order: every replication of a run
#: places the same snapshot, and sorting 100,000 items took a tenth of each
_ORDER: tuple[Snapshot, list[OpenItem]] | None = None


def placing_order(snapshot: Snapshot) -> list[OpenItem]:
    """In service first (they hold staff), then the waiting ones oldest first."""
    global _ORDER
    cached = _ORDER
    if cached is not None and cached[0] is snapshot:
        return cached[1]
    order = sorted(snapshot.items, key=lambda item: (not item.in_service, -item.age_hours))
    _ORDER = (snapshot, order)
    return order


def place_snapshot(rep: Replication, population: Population, snapshot: Snapshot) -> None:
    """Every item of ``snapshot`` at its node at time 0; raises SimulationError for an item
    at a node the process does not have, or at an end (it is not open)."""
    c = rep.c
    index = {node.id: node.index for node in c.nodes}
    attributes = _attributes(rep)
    remaining: dict[int, Callable[[float], float]] = {}
    stage_bits = {s: (1 << (s + 1)) - 1 for s in range(len(c.stages))}
    order = placing_order(snapshot)
    moving: list[tuple[Lead, int]] = []
    for item in order:
        n = index.get(item.node)
        if n is None:
            raise SimulationError(f"snapshot item {item.id!r} is at node {item.node!r}, "
                                  "which the process does not have", (item.node,))
        node = c.nodes[n]
        if node.kind == END:
            raise SimulationError(f"snapshot item {item.id!r} is at the end {item.node!r}: "
                                  "it is not open", (item.node,))
        source = index.get(item.source, -1) if item.source is not None else -1
        lead = population.place(item.id, -max(item.created_hours_ago, item.age_hours),
                                attributes(item), source)
        if node.stage >= 0:  # it has reached this node's stage and those before it
            lead.stages = stage_bits[node.stage]
        if node.kind in (SOURCE, DECISION, CADENCE):  # a cadence starts over with it
            moving.append((lead, n))
            continue
        if n not in remaining:
            remaining[n] = remaining_sampler(node.duration, rep.stream("remaining", node.id))
        if node.kind == DELAY:
            rep.waits[n](lead, remaining[n](item.age_hours))
        elif node.kind == TASK and item.in_service:
            _in_service(rep, n, lead, item, remaining[n])
        elif node.kind == TASK:
            _waiting(rep, n, lead, item)
    for lane in range(len(c.lanes)):
        rep.dispatchers[lane]()
    for lead, n in moving:
        population.enter_at(lead, n)


def _in_service(rep: Replication, n: int, lead: Lead, item: OpenItem,
                remaining: Callable[[float], float]) -> None:
    """The item keeps its member of staff (even above today's staff: no pre-emption)."""
    line = rep.timelines[rep.nodes[n].lane]
    elapsed = item.worked_hours if item.worked_hours is not None else item.age_hours
    begin = line.next_open(0.0) if line is not None else 0.0
    worked = line.cumulative(begin) if line is not None else 0.0
    rep.starts[n](lead, -item.age_hours, begin, worked, remaining(elapsed))


def _waiting(rep: Replication, n: int, lead: Lead, item: OpenItem) -> None:
    """The item joins its lane's queue (the callers go oldest first), as ``arrive`` queues."""
    node = rep.nodes[n]
    lane = node.lane
    arrived = -item.age_hours
    if rep.staff[lane] is None:  # no staff limit: nobody waits, its work starts now
        line = rep.timelines[lane]
        begin = line.next_open(0.0) if line is not None else 0.0
        rep.starts[n](lead, arrived, begin, line.cumulative(begin) if line else 0.0)
        return
    task = (node.units, n, rep.starts[n])
    queue = rep.queues[lane]
    if rep.use_heap:
        priority = node.priority
        if callable(priority):
            if node.uses_age and lead.attrs is not None:
                lead.attrs["age"] = -lead.created
            if node.touch_clock and rep.touch_book is not None:
                rep.touch_book.refresh(lead.attrs, 0.0)
            key = -(float(priority(lead.attrs)) or 0.0)
        else:
            key = -(priority or 0.0)
        rep.push(queue, (key, next(rep.lane_seq[lane]), lead, task, arrived))
    else:
        queue.append((lead, task, arrived))
    rep.node_q[n] += 1
    rep.node_qmax[n] = max(rep.node_qmax[n], rep.node_q[n])
    rep.lane_queue_changed(lane, 1)
