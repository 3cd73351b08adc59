"""Tasks and the staff who work them: lane queues, dispatch, task starts and ends, delays.

Each lane's staff is a counter (``rep.free``) with a queue: a free member takes a lead at
once, and a finishing one hands the next waiting lead over directly. The calendar look-ups
on the task path read the Timeline's tables directly (the arithmetic of
``Timeline.worked_if_open`` / ``cumulative`` / ``add_from``, which they call when the tables
need extending): a method call per look-up costs more than the look-up.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model.calendar import TIE, Timeline
from .compiled import CNode
from .sla import make_closer
from .steps import make_sets
from .validity import make_check

if TYPE_CHECKING:
    from .engine import Lead, Replication

#: a task's start: ``start(lead, arrived, begin, worked_begin, work=None)``
Start = Callable[..., None]


def make_dispatch(rep: Replication, lane: int) -> Callable[[], None]:
    """Hand the lane's waiting leads to free staff, if the lane is working now."""
    env = rep.env
    queue_ = rep.queues[lane]
    line = rep.timelines[lane]
    starts, ends, cum = line.tables if line is not None else ([], [], [])
    free, node_q, use_heap = rep.free, rep.node_q, rep.use_heap
    q_last, q_area, lane_q = rep.q_last, rep.q_area, rep.lane_q
    warmup, horizon = rep.warmup, rep.horizon
    heappop = heapq.heappop

    def dispatch() -> None:
        if not queue_:
            return
        now = env._now
        if line is None:
            worked_now = 0.0
        elif now >= ends[-1]:
            worked_now = line.worked_if_open(now)
            if worked_now < 0.0:
                return
        else:
            i = bisect_right(starts, now) - 1
            if i < 0 or now >= ends[i]:
                return  # closed: the lane's next opening dispatches
            worked_now = cum[i] + now - starts[i] if now > 0.0 else 0.0
        while queue_:
            task = queue_[0][-2]
            if free[lane] < task[0]:
                return
            if use_heap:
                _, _, lead, task, arrived = heappop(queue_)
            else:
                lead, task, arrived = queue_.popleft()
            node_q[task[1]] -= 1
            # rep.lane_queue_changed(lane, -1), inlined: this runs for most task starts
            last = q_last[lane]
            a = last if last > warmup else warmup
            b = now if now < horizon else horizon
            if b > a:
                q_area[lane] += lane_q[lane] * (b - a)
            q_last[lane] = now
            lane_q[lane] -= 1
            task[2](lead, arrived, now, worked_now)

    return dispatch


def _make_start(rep: Replication, node: CNode, done: Callable[[Lead], None]) -> Start:
    """Beginning work on a lead at task ``node``: draw the work, book the staff and the
    busy hours, check SLA clocks, and queue the end; also registers the task's report."""
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
    n, lane, units, cost = node.index, node.lane, node.units, node.cost
    limited = rep.staff[lane] is not None
    line = rep.timelines[lane]
    starts, ends, cum = line.tables if line is not None else ([], [], [])
    sample = rep.samplers[n]
    assert sample is not None
    free, busy, exec_cost = rep.free, rep.busy, rep.exec_cost
    warmup, horizon, tr = rep.warmup, rep.horizon, rep.tr
    close = make_closer(rep, n, line)
    tie = TIE

    # this task's sums (closure cells are quicker than list items); see ``report``
    waited = waited_working = served = 0.0
    started = 0

    def report() -> None:
        rep.wait_sum[n], rep.busy_wait_sum[n], rep.wait_n[n], rep.service_sum[n] = (
            waited, waited_working, started, served
        )

    rep.reports.append(report)

    def start(lead: Lead, arrived: float, begin: float, worked_begin: float,
              work: float | None = None) -> None:
        """Work on ``lead`` begins at ``begin``; ``worked_begin`` is the lane calendar's
        cumulative working time then (any value without a calendar); ``work`` the working
        hours it takes (drawn from the task's duration unless given)."""
        nonlocal waited, waited_working, started, served
        now = env._now
        if work is None:
            work = sample()
        if line is None:
            end = begin + work
        elif work > tie:
            target = worked_begin + work
            if cum[-1] < target:
                end = line.add_from(worked_begin, work)
            else:  # Timeline.add_from inlined: a job ending at closing time ends then
                j = bisect_left(cum, target - tie) - 1
                end = starts[j] + (target - cum[j])
                if end > ends[j]:
                    end = ends[j]
        elif work > 0.0:
            end = line.add_from(worked_begin, work)
        else:
            end = begin
        if limited:
            free[lane] -= units
        # busy staff-hours inside the measured window (working hours only)
        if begin >= warmup and end <= horizon:
            # inside the window: the task takes exactly ``work`` working hours
            busy[lane] += work * units
            if cost:
                exec_cost[lane] += cost
        else:
            a = begin if begin > warmup else warmup
            b = end if end < horizon else horizon
            if b > a:
                busy[lane] += (line.worked(a, b) if line is not None else b - a) * units
                exec_cost[lane] += cost if begin >= warmup else 0.0
        if lead.counted:
            waited += begin - arrived
            if line is None:
                waited_working += begin - arrived
            elif begin > arrived:
                # line.cumulative(arrived); the tables reach past ``begin`` already
                i = bisect_right(starts, arrived) - 1
                if i < 0 or arrived <= 0.0:
                    waited_working += worked_begin
                else:
                    e = ends[i]
                    waited_working += worked_begin - (
                        cum[i] + (arrived if arrived < e else e) - starts[i]
                    )
            started += 1
            served += work
        if close is not None and lead.sla_open:
            close(lead, begin, worked_begin)
        if tr is not None:
            tr((begin, lead.id, n, "start"))
        push(queue, (now + (end - now), 1, next(eid), (done, lead)))

    return start


def _make_arrive(rep: Replication, node: CNode, start: Start) -> Callable[[Lead], int]:
    """A lead reaching task ``node``: start at once if staff is free and the lane works now,
    else wait in the lane's queue (by priority when any task of the process has one)."""
    env, push = rep.env, rep.push
    n, lane, units = node.index, node.lane, node.units
    limited = rep.staff[lane] is not None
    line = rep.timelines[lane]
    starts, ends, cum = line.tables if line is not None else ([], [], [])
    queue_ = rep.queues[lane]
    next_seq = rep.lane_seq[lane].__next__
    free, node_q, node_qmax = rep.free, rep.node_q, rep.node_qmax
    use_heap, warmup = rep.use_heap, rep.warmup
    lane_queue_changed = rep.lane_queue_changed
    priority = node.priority
    priority_fn = priority if callable(priority) else None
    if priority_fn is not None and node.touch_clock and rep.touch_book is not None:
        priority_fn = rep.touch_book.refreshing(priority_fn)
    fixed = -(priority or 0.0) if priority_fn is None else 0.0
    uses_age = node.uses_age
    task = (units, n, start)

    def arrive(lead: Lead) -> int:
        now = env._now
        if not limited:
            if line is None:
                start(lead, now, now, 0.0)
            else:
                begin = line.next_open(now)
                start(lead, now, begin, line.cumulative(begin))
            return -1
        if free[lane] >= units and not queue_:
            if line is None:
                start(lead, now, now, 0.0)
                return -1
            if now >= ends[-1]:
                worked_now = line.worked_if_open(now)
                if worked_now >= 0.0:
                    start(lead, now, now, worked_now)
                    return -1
            else:
                i = bisect_right(starts, now) - 1
                if i >= 0 and now < ends[i]:
                    start(lead, now, now, cum[i] + now - starts[i] if now > 0.0 else 0.0)
                    return -1
        if use_heap:
            if priority_fn is not None:
                if uses_age:
                    lead.attrs["age"] = now - lead.created
                key = -(float(priority_fn(lead.attrs)) or 0.0)
            else:
                key = fixed
            push(queue_, (key, next_seq(), lead, task, now))
        else:
            queue_.append((lead, task, now))
        node_q[n] += 1
        if node_q[n] > node_qmax[n] and now >= warmup:
            node_qmax[n] = node_q[n]
        lane_queue_changed(lane, 1)
        return -1

    return arrive


def make_task(rep: Replication, node: CNode, router: Callable[[Lead], int],
              enter: Callable[[Lead, int], None]) -> tuple[Callable[[Lead], int], Start]:
    """Task ``node``'s arrival action and its start (for leads placed from a snapshot)."""
    n, lane, units = node.index, node.lane, node.units
    limited = rep.staff[lane] is not None
    free, queue_ = rep.free, rep.queues[lane]
    dispatch = rep.dispatchers[lane]
    apply_sets = make_sets(rep, node)
    check = make_check(rep, node)
    env, tr = rep.env, rep.tr
    touched = rep.touch_book.make_touch(node) if rep.touch_book is not None else None

    def done(lead: Lead) -> None:
        if limited:
            free[lane] += units
            if queue_:
                dispatch()
        if check is not None:
            check(lead)
        if apply_sets is not None:
            apply_sets(lead)
        if tr is not None:
            tr((env._now, lead.id, n, "done"))
        enter(lead, router(lead))

    if touched is not None:  # the touch comes with the end of the work, before its ``set``
        def done(lead: Lead) -> None:
            if limited:
                free[lane] += units
                if queue_:
                    dispatch()
            touched(lead)
            if check is not None:
                check(lead)
            if apply_sets is not None:
                apply_sets(lead)
            if tr is not None:
                tr((env._now, lead.id, n, "done"))
            enter(lead, router(lead))

    start = _make_start(rep, node, done)
    return _make_arrive(rep, node, start), start


def make_delay(rep: Replication, node: CNode, router: Callable[[Lead], int],
               enter: Callable[[Lead, int], None]) -> tuple[Callable[[Lead], int],
                                                           Callable[[Lead, float], None]]:
    """Delay ``node``'s arrival action, and ``wait_for(lead, hours)`` (a given remainder)."""
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid
    sample = rep.samplers[node.index]
    assert sample is not None
    apply_sets = make_sets(rep, node)

    def done(lead: Lead) -> None:
        if apply_sets is not None:
            apply_sets(lead)
        enter(lead, router(lead))

    def wait(lead: Lead) -> int:
        push(queue, (env._now + sample(), 1, next(eid), (done, lead)))
        return -1

    def wait_for(lead: Lead, hours: float) -> None:
        push(queue, (env._now + hours, 1, next(eid), (done, lead)))

    return wait, wait_for


def schedule_openings(rep: Replication) -> None:
    """At each opening of a lane's calendar, its queued work starts (for a roster lane, at
    each rise of its head count)."""
    env, push, queue, eid = rep.env, rep.push, rep.queue, rep.eid

    def schedule_opening(lane: int, line: Timeline, after: float) -> None:
        at = line.next_start_after(after)
        dispatch = rep.dispatchers[lane]

        def opened(_arg: Any) -> None:
            dispatch()
            schedule_opening(lane, line, at)

        now = env._now
        push(queue, (now + (at - now), 1, next(eid), (opened, None)))

    for lane_index, line in enumerate(rep.timelines):
        if rep.c.lanes[lane_index].roster is not None:
            continue  # a roster lane's head count changes dispatch its work
        if line is not None and rep.staff[lane_index] is not None:
            schedule_opening(lane_index, line, 0.0)
    for start_changes in rep.roster_starts:
        start_changes()
