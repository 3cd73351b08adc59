"""Erlang B and C for staffing: waiting probability, service level, mean wait, agents needed.

All from the Erlang B recurrence ``B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))``, which never
forms a power or a factorial, so a load of thousands of erlangs is as exact as a load of ten.
Loads are in erlangs (arrivals per hour x mean handling hours); times in any one unit, as
long as the answer target and the handling time share it.
"""

from __future__ import annotations

import math

#: the most agents :func:`agents_for_service_level` will try above the load before it
#: decides the target cannot be met (a target of 1.0 with an answer time of 0 never is)
MAX_EXTRA_AGENTS = 100_000


def _check(servers: int, load: float) -> None:
    if servers < 0:
        raise ValueError(f"the number of agents must be 0 or more, got {servers}")
    if not load >= 0 or math.isinf(load):
        raise ValueError(f"the offered load must be a finite number of erlangs, got {load}")


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c: the share of arrivals that find every agent busy."""
    _check(servers, load)
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def _c_from_b(servers: int, load: float, blocking: float) -> float:
    if load >= servers:
        return 1.0
    return servers * blocking / (servers - load * (1.0 - blocking))


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits (M/M/c): 1 when the agents cannot keep up."""
    _check(servers, load)
    if load == 0:
        return 0.0
    return _c_from_b(servers, load, erlang_b(servers, load))


def service_level(servers: int, load: float, handling: float, answer: float) -> float:
    """Share of arrivals answered within ``answer`` (M/M/c, first come first served):
    ``1 - C exp(-(c - A) answer / handling)``."""
    if handling <= 0:
        raise ValueError(f"the handling time must be above 0, got {handling}")
    waiting = erlang_c(servers, load)
    if waiting >= 1.0:
        return 0.0
    return 1.0 - waiting * math.exp(-(servers - load) * answer / handling)


def mean_wait(servers: int, load: float, handling: float) -> float:
    """Mean wait in the queue, in the unit of ``handling``; infinite when overloaded."""
    waiting = erlang_c(servers, load)
    if waiting == 0.0:
        return 0.0
    if load >= servers:
        return math.inf
    return waiting * handling / (servers - load)


def agents_for_service_level(load: float, handling: float, answer: float, level: float) -> int:
    """The fewest agents that answer a share ``level`` of arrivals within ``answer``.

    Walks up from the first agent count above the load, carrying the Erlang B recurrence
    along, so the cost is one pass up to the answer however large the load. No load needs
    no agent. Raises ValueError for a level of 1 (no random queue reaches it) and when the
    level is out of reach of :data:`MAX_EXTRA_AGENTS` more agents than the load."""
    _check(0, load)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"the service level must lie from 0 up to (not including) 1, "
                         f"got {level}: a random queue never answers every arrival in time")
    if handling <= 0:
        raise ValueError(f"the handling time must be above 0, got {handling}")
    if answer < 0:
        raise ValueError(f"the answer time must be 0 or more, got {answer}")
    if load == 0:
        return 0
    servers = math.floor(load) + 1
    blocking = erlang_b(servers, load)
    for _ in range(MAX_EXTRA_AGENTS):
        waiting = _c_from_b(servers, load, blocking)
        if 1.0 - waiting * math.exp(-(servers - load) * answer / handling) >= level:
            return servers
        servers += 1
        blocking = load * blocking / (servers + load * blocking)
    raise ValueError(f"no number of agents answers {level:.0%} within {answer:g} "
                     f"at a load of {load:g} erlangs")
