"""Stale contact data in a run: contacts that fail on an out-of-date record, cleansing
steps and the periodic cleansing batch (the model is in ``model/data_quality.py``).

A lead carries ``checked`` (the last time its record was known good: its creation, a
contact that reached it, a cleansing step or batch) and ``stale_at`` (when a contact found
it out of date, -1 while it is not). Going stale is exponential in the time since the last
check, so a contact at ``t`` finds a good record stale with probability
``1 - exp(-rate (t - checked))`` and needs no clock per record; once found stale it stays
so until cleansed. A batch at fixed times restores every open record without touching
them: a contact compares the lead's times with the last batch before it.

Figures count leads after the warm-up (``lead.counted``), as the node figures do; a batch
counts the records open at its time within the measured window.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .compiled import CNode

if TYPE_CHECKING:
    from .engine import Lead, Population, Replication

STALE = "stale"


@dataclass
class ValidityCounts:
    """One replication's data-quality figures, by node where they happen."""

    contacts: list[int]
    wasted: list[int]
    cleansed: list[int]
    batch_records: int = 0
    batch_cost: float = 0.0
    batches: list[float] = field(default_factory=list)


def counts(rep: Replication) -> ValidityCounts | None:
    if rep.c.data_quality is None:
        return None
    n = len(rep.nodes)
    return ValidityCounts([0] * n, [0] * n, [0] * n)


def _last_batch(rep: Replication) -> Callable[[float], float]:
    cleansing = rep.c.data_quality.cleansing if rep.c.data_quality is not None else None
    if cleansing is None:
        return lambda _now: -math.inf
    return cleansing.last_before


def make_check(rep: Replication, node: CNode) -> Callable[[Lead], None] | None:
    """What a contact or cleansing task does to the lead's record when it ends (None for a
    task that does neither, or a process without data quality)."""
    dq, tally = rep.c.data_quality, rep.validity
    if dq is None or tally is None or not (node.contact or node.cleanse):
        return None
    env, n = rep.env, node.index
    own = STALE not in rep.c.attributes  # a declared attribute of that name is the user's
    last_batch = _last_batch(rep)
    if node.cleanse:
        cleansed = tally.cleansed

        def cleanse(lead: Lead) -> None:
            lead.checked = env._now
            lead.stale_at = -1.0
            if own and lead.attrs is not None:
                lead.attrs[STALE] = False
            if lead.counted:
                cleansed[n] += 1

        return cleanse
    rate, draw = dq.rate_per_hour, rep.stream("validity", node.id).random
    bad_from_start = float(dq.invalid_at_capture)
    contacts, wasted = tally.contacts, tally.wasted
    tr = rep.tr

    def contact(lead: Lead) -> None:
        now = env._now
        batch = last_batch(now)
        stale_at = lead.stale_at
        if stale_at >= 0.0 and stale_at < batch:  # a batch since cleansed it
            stale_at = lead.stale_at = -1.0
        if stale_at < 0.0:
            since = lead.checked if lead.checked > batch else batch
            # the record as captured, never checked nor cleansed since: bad from the start
            # with the capture's share, else decayed (one draw: 1 - (1 - q) e^(-rate t))
            fresh = bad_from_start if since == lead.created else 0.0
            if draw() < 1.0 - (1.0 - fresh) * math.exp(-rate * (now - since)):
                stale_at = lead.stale_at = now
            else:
                lead.checked = now
        stale = stale_at >= 0.0
        if own and lead.attrs is not None:
            lead.attrs[STALE] = stale
        if lead.counted:
            contacts[n] += 1
            if stale:
                wasted[n] += 1
        if stale and tr is not None:  # a trace (replay, a synthetic CRM) sees the failure
            tr((now, lead.id, n, STALE))

    return contact


def schedule_cleansing(rep: Replication, population: Population) -> None:
    """Queue the cleansing batches up to the drain limit; each counts the records open then
    (within the measured window) and their cost."""
    dq, tally = rep.c.data_quality, rep.validity
    if dq is None or dq.cleansing is None or tally is None:
        return
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
    every, price = dq.cleansing.every.hours, float(dq.cleansing.cost_per_record)
    warmup, horizon = rep.warmup, rep.horizon
    open_now = population.open_count

    def batch(at: Any) -> None:
        if warmup <= at <= horizon:
            records = open_now()
            tally.batch_records += records
            tally.batch_cost += records * price
            tally.batches.append(at)
        following = at + every
        if following <= horizon + rep.c.drain:
            push(queue, (following, 1, next(eid), (batch, following)))

    first = dq.cleansing.first_hours
    if first <= horizon + rep.c.drain:
        push(queue, (env._now + first, 1, next(eid), (batch, first)))


def with_stale(make_attrs: Callable[[], dict[str, Any]] | None, c: Any,
               ) -> Callable[[], dict[str, Any]] | None:
    """A new lead's attribute maker that also starts ``stale`` false (conditions read it)."""
    if c.data_quality is None or STALE in c.attributes:
        return make_attrs
    if make_attrs is None:
        return lambda: {STALE: False}

    def make() -> dict[str, Any]:
        attrs = make_attrs()
        attrs[STALE] = False
        return attrs

    return make
