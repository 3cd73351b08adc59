"""One replication recorded lead by lead, with fast look-ups for replaying it on the diagram.

The engine's trace is turned once into step functions (how many leads wait, work or sit at
each node over time) and sorted arrays of moves and ends, so the state at any moment is a
bisection per node: cheap enough to scrub a slider over a 240-day run.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from ..model import Process, apply_scenario
from ..model.units import Duration
from ..sim import Cancelled, compile_process, run_replication
from ..sim.compiled import CADENCE, DECISION, DELAY, END, SOURCE, TASK
from ..sim.engine import Stopped
from ..sim.touching import RESPOND
from ..sim.validity import STALE

#: trace events that are no move: a contact found the record out of date, a lead answered,
#: a cadence sent one of its touches
_NO_MOVE = frozenset({STALE, RESPOND, "touch"})
KIND_NAMES = {SOURCE: "source", TASK: "task", DECISION: "decision", DELAY: "delay", END: "end",
              CADENCE: "cadence"}
WAITING, BUSY, HERE = range(3)


class NodeState(NamedTuple):
    """Leads at one node at one moment."""

    waiting: int = 0  # at a task, not started yet
    busy: int = 0  # at a task, being worked on
    here: int = 0  # anywhere else that takes time (delays)


class Move(NamedTuple):
    """A lead going from one node to the next along an edge."""

    lead: int
    from_id: str
    to_id: str
    time: float
    #: how many moves this lead made just before at the same instant (a chain of decisions)
    hop: int = 0


class _Steps:
    """A piecewise-constant count over time, right-continuous, from +1/-1 changes."""

    __slots__ = ("times", "values")

    def __init__(self, changes: list[tuple[float, int]]) -> None:
        changes.sort()
        self.times = array("d")
        self.values = array("l")
        level = 0
        for time, delta in changes:
            level += delta
            if self.times and self.times[-1] == time:
                self.values[-1] = level
            else:
                self.times.append(time)
                self.values.append(level)

    def at(self, t: float) -> int:
        i = bisect_right(self.times, t)
        return self.values[i - 1] if i else 0

    def peak(self) -> int:
        return max(self.values, default=0)


@dataclass(frozen=True)
class ReplayNode:
    """What the replay knows of a node: id, name, kind, lane."""

    index: int
    id: str
    name: str
    kind: str
    lane: str


class Replay:
    """The leads of one replication: states per node at any time, moves and ends between times."""

    def __init__(self, nodes: list[ReplayNode], lane_staff: dict[str, int | None],
                 start: dt.datetime, duration: float, horizon: float,
                 trace: list[tuple[float, int, int, str]]) -> None:
        self.nodes = nodes
        self.node_ids = [node.id for node in nodes]
        self.lane_staff = lane_staff
        self.start = start
        self.duration = duration
        self.horizon = horizon
        self._build(trace)

    # --- building from the trace -----------------------------------------------------------
    def _build(self, trace: list[tuple[float, int, int, str]]) -> None:
        kinds = [node.kind for node in self.nodes]
        changes: list[list[list[tuple[float, int]]]] = [[[], [], []] for _ in self.nodes]
        moves: list[tuple[float, int, int, int, int]] = []
        ends: dict[str, list[float]] = {}
        created = array("d")
        # per lead: (time, node, category of the interval that starts there) of its last event
        last: dict[int, tuple[float, int, int]] = {}
        last_move: dict[int, tuple[float, int]] = {}
        for time, lead, n, event in trace:
            if event in _NO_MOVE:  # a stale record, an answer, a cadence's touch:
                continue  # the lead stays where it is, its interval there goes on
            previous = last.get(lead)
            if previous is None:
                created.append(time)
            else:
                since, at, category = previous
                if time > since and category >= 0:
                    steps = changes[at][category]
                    steps.append((since, 1))
                    steps.append((time, -1))
            if n < 0:
                ends.setdefault(event, []).append(time)
                last.pop(lead, None)
                last_move.pop(lead, None)
                continue
            if event == "enter":
                if previous is not None:
                    chained = last_move.get(lead)
                    hop = chained[1] + 1 if chained is not None and chained[0] == time else 0
                    moves.append((time, hop, lead, previous[1], n))
                    last_move[lead] = (time, hop)
                category = WAITING if kinds[n] == "task" else HERE
            elif event == "start":
                category = BUSY
            else:  # "done": the lead moves on at once
                category = -1
            last[lead] = (time, n, category)
        for since, at, category in last.values():  # still there when the run ended
            if category >= 0:
                changes[at][category].append((since, 1))
        self._steps = [[_Steps(per) if per else None for per in node] for node in changes]
        moves.sort(key=lambda m: (m[0], m[1]))
        # parallel arrays: a tenth of the memory of a list of tuples
        self._move_times = array("d", (m[0] for m in moves))
        self._move_hops = array("l", (m[1] for m in moves))
        self._move_leads = array("l", (m[2] for m in moves))
        self._move_from = array("l", (m[3] for m in moves))
        self._move_to = array("l", (m[4] for m in moves))
        self.max_hop = max(self._move_hops, default=0)
        self._created = array("d", sorted(created))
        self._ends = {outcome: array("d", sorted(times)) for outcome, times in ends.items()}
        self._all_ends = array("d", sorted(t for times in ends.values() for t in times))
        self.leads = len(created)

    # --- looking up ------------------------------------------------------------------------
    def state_at(self, t: float) -> dict[str, NodeState]:
        """Leads waiting, being worked on and held at every node at time ``t`` (hours)."""
        result: dict[str, NodeState] = {}
        for node, steps in zip(self.nodes, self._steps, strict=True):
            waiting, busy, here = (s.at(t) if s is not None else 0 for s in steps)
            result[node.id] = NodeState(waiting, busy, here)
        return result

    def moves_between(self, t0: float, t1: float, limit: int | None = None,
                      sample: int = 1) -> list[Move]:
        """Moves with ``t0 < time <= t1`` in time order.

        ``sample`` keeps the moves of every ``sample``-th lead only (the same leads from one
        call to the next); ``limit`` then keeps the latest ``limit`` of them.
        """
        ids, times = self.node_ids, self._move_times
        lo, hi = bisect_right(times, t0), bisect_right(times, t1)
        picked = [
            Move(lead, ids[a], ids[b], time, hop)
            for time, hop, lead, a, b in zip(
                times[lo:hi], self._move_hops[lo:hi], self._move_leads[lo:hi],
                self._move_from[lo:hi], self._move_to[lo:hi], strict=True)
            if sample == 1 or lead % sample == 0
        ]
        return picked[-limit:] if limit is not None and len(picked) > limit else picked

    def ended_between(self, t0: float, t1: float) -> dict[str, int]:
        """How many leads ended with each outcome with ``t0 < time <= t1``."""
        counts = {}
        for outcome, times in self._ends.items():
            count = bisect_right(times, t1) - bisect_right(times, t0)
            if count:
                counts[outcome] = count
        return counts

    def entered_by(self, t: float) -> int:
        """Leads created up to and including ``t``."""
        return bisect_right(self._created, t)

    def ended_by(self, t: float) -> int:
        """Leads that reached an end up to and including ``t``."""
        return bisect_right(self._all_ends, t)

    def in_process_at(self, t: float) -> int:
        """Leads created and not ended at ``t``."""
        return self.entered_by(t) - self.ended_by(t)

    def peak(self, node_id: str) -> NodeState:
        """The most leads ever waiting, busy and held at a node (for scales and tests)."""
        steps = self._steps[self.node_ids.index(node_id)]
        return NodeState(*(s.peak() if s is not None else 0 for s in steps))

    def first_move_after(self, t: float) -> float | None:
        """The time of the first move later than ``t`` (skipping quiet nights), if any."""
        i = bisect_right(self._move_times, t)
        return self._move_times[i] if i < len(self._move_times) else None

    def moves_count(self, t0: float, t1: float) -> int:
        """How many moves have ``t0 < time <= t1`` (cheaper than listing them)."""
        return bisect_right(self._move_times, t1) - bisect_right(self._move_times, t0)

    def longest_queue_time(self) -> float:
        """The moment with the most leads waiting at tasks (where leads stall worst)."""
        times = sorted({t for node in self._steps if node[WAITING] is not None
                        for t in node[WAITING].times})
        best, best_t = -1, 0.0
        step = max(1, len(times) // 2000)
        for t in times[::step]:
            total = sum(s.at(t) for node in self._steps if (s := node[WAITING]) is not None)
            if total > best:
                best, best_t = total, t
        return best_t

    def datetime_at(self, t: float) -> dt.datetime:
        """The calendar date and time of simulated hour ``t``."""
        return self.start + dt.timedelta(hours=t)


def _hours(value: str | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Duration.parse(value).hours
    return float(value)


def record_replay(
    process: Process, *, replication: int = 0, seed: int | None = None,
    horizon: str | float | None = None, warmup: str | float = 0,
    scenario: str | None = None, cancel: threading.Event | None = None,
) -> Replay:
    """Simulate one replication of ``process`` with a trace and index it for replaying.

    ``horizon`` and ``warmup`` are hours or durations such as "60d" (the process's horizon by
    default). Setting ``cancel`` stops the run soon after (raises ``laneforge.sim.Cancelled``),
    as with ``simulate``.
    """
    variant = apply_scenario(process, scenario) if scenario is not None else process
    compiled = compile_process(variant, horizon=_hours(horizon), warmup=_hours(warmup))
    trace: list[tuple[float, int, int, str]] = []
    try:
        stats = run_replication(compiled, replication, seed, trace=trace,
                                should_stop=cancel.is_set if cancel is not None else None)
    except Stopped:
        raise Cancelled() from None
    nodes = [ReplayNode(n.index, n.id, n.name, KIND_NAMES[n.kind], compiled.lanes[n.lane].id)
             for n in compiled.nodes]
    staff = {lane.id: lane.staff for lane in compiled.lanes}
    duration = max(float(stats.end_time), compiled.horizon)
    if not math.isfinite(duration):
        raise ValueError("the run did not end")
    return Replay(nodes, staff, compiled.start, duration, compiled.horizon, trace)
