"""Arrivals: the sources' streams of new leads (Poisson, weekday-profiled, renewal, batches).

Each arrival specification of a source draws from its own seeded stream, and each source's
attributes from another, so a change to one source leaves every other's numbers alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import duration_sampler
from ..model.attributes import attribute_sampler
from .compiled import CNode, Compiled
from .validity import with_stale

if TYPE_CHECKING:
    from .engine import Replication

#: a new lead's attributes, drawn (None: the process has none)
AttributeMaker = Callable[[], dict[str, Any]] | None
#: ``new_lead(source index, make_attrs)``
NewLead = Callable[[int, AttributeMaker], None]


def weekday_offset(c: Compiled) -> float:
    """Hours between the Monday 00:00 before the start and the start."""
    start = c.start
    return start.weekday() * 24.0 + start.hour + start.minute / 60.0 + start.second / 3600.0


def attribute_maker(rep: Replication, source: CNode | None, purpose: str = "attributes",
                    ) -> AttributeMaker:
    """Draws of a new lead's attributes at ``source`` (None: the process defaults)."""
    c = rep.c
    specs = {**c.attributes, **(source.attributes if source is not None else {})}
    book = rep.touch_book
    if not specs and not c.uses_age and book is None:
        return with_stale(None, c)
    key = source.id if source is not None else ""
    rng = rep.stream(purpose, key)
    draws = [(name, attribute_sampler(specs[name], rng)) for name in c.attribute_order]
    if book is None:
        return with_stale(lambda: {name: draw() for name, draw in draws}, c)
    env, start = rep.env, book.starter(source)

    def touched() -> dict[str, Any]:
        attrs = {name: draw() for name, draw in draws}
        start(attrs, env._now)
        return attrs

    return with_stale(touched, c)


def start_arrivals(rep: Replication, new_lead: NewLead) -> None:
    """Queue every source's first arrivals; each arrival queues the next."""
    offset = weekday_offset(rep.c)
    for index in rep.c.sources:
        source = rep.nodes[index]
        make_attrs = attribute_maker(rep, source)
        for k, spec in enumerate(source.arrivals):
            rng = rep.stream("arrivals", f"{source.id}:{k}")
            if hasattr(spec, "rate"):
                factors = spec.weekday_factors()
                rate = spec.rate.per_hour
                if rate <= 0 or not any(factors):
                    continue
                if all(f == 1.0 for f in factors):
                    next_time = _poisson(rng, rate)
                else:
                    next_time = _profiled_poisson(rng, rate, factors, offset)
            elif hasattr(spec, "interarrival"):
                next_time = _renewal(duration_sampler(spec.interarrival, rng))
            else:
                _schedule_batches(rep, source, spec, make_attrs, new_lead)
                continue
            _schedule_stream(rep, source, next_time, make_attrs, new_lead)


def _schedule_stream(rep: Replication, source: CNode, next_time: Callable[[float], float],
                     make_attrs: AttributeMaker, new_lead: NewLead) -> None:
    env, push, queue, eid, horizon = rep.env, rep.push, rep.queue, rep.eid, rep.horizon
    index = source.index

    def arrive(_arg: Any) -> None:
        new_lead(index, make_attrs)
        schedule()

    def schedule() -> None:
        now = env._now
        at = next_time(now)
        if at < horizon:
            push(queue, (now + (at - now), 1, next(eid), (arrive, None)))

    schedule()


def _schedule_batches(rep: Replication, source: CNode, spec: Any, make_attrs: AttributeMaker,
                      new_lead: NewLead) -> None:
    env, push, queue, eid, horizon = rep.env, rep.push, rep.queue, rep.eid, rep.horizon
    first = spec.first.hours
    every = spec.every.hours if spec.every is not None else None

    def arrive(_arg: Any) -> None:
        for _ in range(spec.batch):
            new_lead(source.index, make_attrs)
        if every is not None and env._now + every < horizon:
            push(queue, (env._now + every, 1, next(eid), (arrive, None)))

    if first < horizon:
        push(queue, (env._now + first, 1, next(eid), (arrive, None)))


# --- arrival time generators ---------------------------------------------------------------


def _poisson(rng: random.Random, rate: float) -> Callable[[float], float]:
    rand, log, mean = rng.random, math.log, 1.0 / rate
    return lambda now: now - mean * log(1.0 - rand())


def _renewal(draw: Callable[[], float]) -> Callable[[float], float]:
    return lambda now: now + draw()


def _profiled_poisson(
    rng: random.Random, rate: float, factors: tuple[float, ...], offset: float
) -> Callable[[float], float]:
    """Poisson arrivals whose rate is ``rate * factors[weekday]``, piecewise by day."""
    rand, log = rng.random, math.log

    def next_time(now: float) -> float:
        t = now
        while True:
            day = int((t + offset) // 24.0)
            boundary = (day + 1) * 24.0 - offset
            day_rate = rate * factors[day % 7]
            if day_rate > 0:
                candidate = t - log(1.0 - rand()) / day_rate
                if candidate < boundary:
                    return candidate
            t = boundary  # memoryless: start afresh at midnight with the next day's rate

    return next_time
