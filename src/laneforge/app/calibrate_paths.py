"""Each lead's way through the process, rebuilt from what the CRM recorded.

A CRM records some steps (a lead's creation, status changes, logged calls) and not others
(decisions are never recorded). The mapping turns records into *markers* on nodes; between
two markers of a lead the process graph says which unrecorded nodes it passed, and so which
branch it took at each decision on the way. A re-entry (MQL -> nurture -> MQL) is just
another pass. Leads still open when the export ends leave their next branch *pending*:
censored, not lost.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..io.crm.eventlog import ACTIVITY, STAGE, EventLog
from ..io.crm.mapping import CrmMap
from ..model import Process
from ..model.calendar import Timeline
from .worktime import finish_times

ENTRY, START = 0, 1  # a marker shows a lead entering a node / work at a task starting
_TIMED = ("task", "delay")  # node kinds that take time; the others are passed at once
_AMBIGUOUS = ()  # a route with more than one way through unrecorded nodes


@dataclass
class Observation:
    """Which nodes the log can show, and by which CRM words."""

    statuses: dict[str, tuple[int, ...]]  # status / stage word -> candidate node indexes
    activities: dict[str, int]  # activity type (or subtype) -> task index
    sources: dict[str, int]  # lead source -> source node index
    observed: frozenset[int]
    #: node index -> its place in the process's order (a topological order with the loops'
    #: back edges left out): records made in the same second are taken in this order
    rank: tuple[int, ...] = ()


def graph_order(process: Process) -> tuple[int, ...]:
    """Each node's place in a topological order of the process graph without the back edges
    of its loops (depth first from the sources, edges in file order); nodes no source
    reaches come last, in file order. Along every edge that is not a loop's way back, the
    rank grows, so it orders records that a CRM wrote in the same instant (a zero-time
    decision, a status and the call it starts) the way the lead went."""
    index = {node.id: i for i, node in enumerate(process.nodes)}
    succ: dict[int, list[int]] = defaultdict(list)
    for edge in process.edges:
        succ[index[edge.source]].append(index[edge.target])
    state = [0] * len(process.nodes)  # 0 new, 1 on the stack, 2 done
    finished: list[int] = []
    roots = [i for i, node in enumerate(process.nodes) if node.kind == "source"]
    for root in [*roots, *range(len(process.nodes))]:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            n, children = stack[-1]
            for m in children:
                if state[m] == 0:
                    state[m] = 1
                    stack.append((m, iter(succ[m])))
                    break
            else:
                stack.pop()
                state[n] = 2
                finished.append(n)
    rank = [0] * len(process.nodes)
    for place, n in enumerate(reversed(finished)):
        rank[n] = place
    return tuple(rank)


def _words_in(log: EventLog, kind: str, columns: tuple[str, ...]) -> set[str]:
    rows = log.events[log.events["kind"] == kind]
    return {str(v) for c in columns for v in rows[c].dropna().unique()}


def observation(process: Process, mapping: CrmMap, log: EventLog | None = None) -> Observation:
    """The words of ``mapping`` as node indexes of ``process`` (unknown node ids ignored).

    With ``log``, a word the log never holds marks nothing: a node is recorded only if the
    export can show it. A HubSpot contacts export carries no calls, so its tasks are passed
    unseen like decisions, instead of every lead seeming to jump over them.
    """
    index = {node.id: i for i, node in enumerate(process.nodes)}
    stage_words = _words_in(log, STAGE, ("value",)) if log is not None else None
    work_words = _words_in(log, ACTIVITY, ("value", "subtype")) if log is not None else None
    statuses: dict[str, tuple[int, ...]] = {}
    for stage, words in mapping.stages.items():
        nodes = tuple(i for i, node in enumerate(process.nodes) if node.stage == stage)
        for word in words:
            if nodes and (stage_words is None or word in stage_words):
                statuses[word] = nodes
    for table in (mapping.nodes, mapping.outcomes):  # a node beats a stage of the same word
        for word, node_id in table.items():
            if node_id in index and (stage_words is None or word in stage_words):
                statuses[word] = (index[node_id],)
    activities = {word: index[node_id] for word, node_id in mapping.activities.items()
                  if node_id in index and process.nodes[index[node_id]].kind == "task"
                  and (work_words is None or word in work_words)}
    sources = {word: index[node_id] for word, node_id in mapping.sources.items()
               if node_id in index and process.nodes[index[node_id]].kind == "source"}
    if not sources and len(process.sources()) == 1:
        sources = {"": index[process.sources()[0].id]}
    observed = {i for nodes in statuses.values() for i in nodes}
    observed |= set(activities.values()) | set(sources.values())
    observed |= {i for i, node in enumerate(process.nodes) if node.kind == "source"}
    return Observation(statuses, activities, sources, frozenset(observed), graph_order(process))


@dataclass
class Markers:
    """Every marker of every lead, sorted by lead then time (hours since ``origin``)."""

    case: np.ndarray  # lead number (row of ``case_ids``)
    t: np.ndarray
    node: np.ndarray  # candidate set (index into ``candidates``)
    kind: np.ndarray  # ENTRY or START
    end: np.ndarray  # when the work ended (START markers), else NaN
    candidates: list[tuple[int, ...]]
    case_ids: pd.Index
    created: np.ndarray  # per lead
    origin: pd.Timestamp
    #: CRM words that map to nothing, with how often they occur
    unmapped: Counter[str] = field(default_factory=Counter)


def _hours(times: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((times - origin) / pd.Timedelta(hours=1)).to_numpy(dtype=float, na_value=np.nan)


def markers(log: EventLog, obs: Observation, until: pd.Timestamp,
            lines: dict[int, Timeline | None] | None = None) -> Markers:
    """The log's creations, statuses and activities before ``until`` as markers.

    Markers of one lead at the same time are ordered by the process graph (``obs.rank``;
    a status before the work it starts at the same node), then as the log has them: an
    export written to the second puts a status and the call it starts, or a lead's
    creation and its first status, in the same instant, and a reader cannot know which
    came first. An activity with a duration but no end (Salesforce's call length) ends
    that many working hours later on its task's timeline in ``lines`` (by node index; wall
    clock for a task not in it).
    """
    origin = log.start
    cases = log.cases[log.cases["created"] < until]
    source = cases["source"].fillna("").astype(str)
    first_source = next(iter(obs.sources.values())) if len(obs.sources) == 1 else -1
    source_node = source.map(obs.sources).fillna(first_source).astype(int).to_numpy()
    unmapped: Counter[str] = Counter(source[source_node < 0].tolist())
    known = source_node >= 0
    case_ids = cases.index[known]
    created = _hours(cases["created"][known], origin)
    code = pd.Series(np.arange(len(case_ids)), index=case_ids)

    candidates: list[tuple[int, ...]] = []
    slot: dict[tuple[int, ...], int] = {}

    def slot_of(nodes: tuple[int, ...]) -> int:
        if nodes not in slot:
            slot[nodes] = len(candidates)
            candidates.append(nodes)
        return slot[nodes]

    events = log.events[(log.events["time"] < until)
                        & log.events["kind"].isin([STAGE, ACTIVITY])]
    events = events[events["case"].isin(case_ids)]
    is_activity = (events["kind"] == ACTIVITY).to_numpy()
    value = events["value"].fillna("").astype(str)
    status_slot = {w: slot_of(nodes) for w, nodes in obs.statuses.items()}
    activity_slot = {w: slot_of((node,)) for w, node in obs.activities.items()}
    node = np.where(is_activity, value.map(activity_slot).fillna(-1),
                    value.map(status_slot).fillna(-1)).astype(int)
    by_subtype = events["subtype"].fillna("").astype(str).map(activity_slot).fillna(-1)
    node = np.where(is_activity & (node < 0), by_subtype.astype(int).to_numpy(), node)
    unmapped.update(value[node < 0].tolist())
    start_t = _hours(events["time"], origin)
    end = _activity_ends(_hours(events["end"], origin), start_t,
                         events["duration_h"].to_numpy(dtype=float), is_activity, node,
                         candidates, lines or {})
    keep = node >= 0
    source_slots = np.array([slot_of((int(n),)) for n in source_node[known]], dtype=int)
    all_nodes = np.r_[source_slots, node[keep]]
    rank = obs.rank or tuple(range(max((max(c) for c in candidates), default=0) + 1))
    slot_rank = np.array([min(rank[n] for n in nodes) for nodes in candidates], dtype=int)
    kinds = np.r_[np.full(len(case_ids), ENTRY), np.where(is_activity[keep], START, ENTRY)]
    frame = pd.DataFrame({
        "case": np.r_[np.arange(len(case_ids)),
                      code.reindex(events["case"][keep]).to_numpy()],
        "t": np.r_[created, start_t[keep]],
        "node": all_nodes,
        "kind": kinds,
        "end": np.r_[np.full(len(case_ids), np.nan), np.where(is_activity[keep], end[keep],
                                                             np.nan)],
        "first": np.r_[np.zeros(len(case_ids), dtype=int), np.ones(int(keep.sum()), dtype=int)],
        "rank": slot_rank[all_nodes] if len(all_nodes) else np.zeros(0, dtype=int),
        "order": np.r_[np.full(len(case_ids), -1), np.arange(int(keep.sum()))],
    }).sort_values(["case", "t", "first", "rank", "kind", "order"], kind="stable")
    return Markers(frame["case"].to_numpy(), frame["t"].to_numpy(), frame["node"].to_numpy(),
                   frame["kind"].to_numpy(), frame["end"].to_numpy(), candidates, case_ids,
                   created, origin, unmapped)


def _activity_ends(end: np.ndarray, start: np.ndarray, hours: np.ndarray,
                   is_activity: np.ndarray, node: np.ndarray, candidates: list[tuple[int, ...]],
                   lines: dict[int, Timeline | None]) -> np.ndarray:
    """Each activity's end: as recorded, else ``hours`` of work after its start on the
    timeline of its task (wall-clock hours where the task has none)."""
    end = end.copy()
    no_end = np.isnan(end) & is_activity
    end[no_end] = start[no_end] + hours[no_end]
    for slot_index, nodes in enumerate(candidates):
        line = lines.get(nodes[0]) if len(nodes) == 1 else None
        if line is None:
            continue
        rows = no_end & (node == slot_index) & np.isfinite(hours)
        if rows.any():
            end[rows] = finish_times(line, start[rows], hours[rows])
    return end


# --- routes between recorded nodes -------------------------------------------------------


def routes(process: Process, observed: frozenset[int]) -> dict[int, dict[int, tuple[int, ...]]]:
    """For each recorded node, the way to every recorded node it can reach next: the nodes
    after it up to and including that node, passing only unrecorded ones; ``()`` when there
    is more than one such way (the records cannot tell which was taken)."""
    index = {node.id: i for i, node in enumerate(process.nodes)}
    succ: dict[int, list[int]] = defaultdict(list)
    for edge in process.edges:
        succ[index[edge.source]].append(index[edge.target])
    table: dict[int, dict[int, tuple[int, ...]]] = {}
    for a in observed:
        found: dict[int, tuple[int, ...]] = {}

        def visit(n: int, path: tuple[int, ...], seen: frozenset[int],
                  found: dict[int, tuple[int, ...]] = found) -> None:
            for m in succ[n]:
                way = (*path, m)
                if m in observed:
                    found[m] = way if found.get(m, way) == way else _AMBIGUOUS
                elif m not in seen:
                    visit(m, way, seen | {m})

        visit(a, (), frozenset({a}))
        table[a] = found
    return table


@dataclass
class Walk:
    """What the leads' rebuilt paths say, per node."""

    #: branch node -> columns "target", "ref" (when the lead was last seen before it),
    #: "seen" (when its choice was seen), "passed" (best estimate of when it passed)
    passes: dict[int, pd.DataFrame]
    #: branch node -> hours since each decay edge's reference node, one row per pass
    ages: dict[int, np.ndarray]
    #: branch node -> when the leads still open before it were last seen
    pending: dict[int, np.ndarray]
    #: delay node -> columns "ref" (entry) and "hours" (time spent there)
    delays: dict[int, pd.DataFrame]
    #: task node -> waits before work started, where the entry time is known
    waits: dict[int, np.ndarray]
    #: markers the process graph could not place (a jump, or two possible ways)
    gaps: int = 0
    cases: int = 0
    #: branch node -> passes whose choice the records cannot tell (a lead went one of two
    #: or more ways through it); leaving them out would bias its shares
    unresolved: dict[int, int] = field(default_factory=dict)
    #: of the gaps, those with more than one way the graph allows (not a jump)
    two_ways: int = 0


def on_the_ways(process: Process, observed: frozenset[int], a: int,
                targets: tuple[int, ...]) -> frozenset[int]:
    """Nodes on some way from ``a`` to one of ``targets`` through unrecorded nodes (``a``
    included, the targets not)."""
    index = {node.id: i for i, node in enumerate(process.nodes)}
    succ: dict[int, list[int]] = defaultdict(list)
    pred: dict[int, list[int]] = defaultdict(list)
    for edge in process.edges:
        succ[index[edge.source]].append(index[edge.target])
        pred[index[edge.target]].append(index[edge.source])

    def spread(starts: list[int], links: dict[int, list[int]], stop: int) -> set[int]:
        seen, todo = set(starts), list(starts)
        while todo:
            for m in links[todo.pop()]:
                if m not in seen and m not in observed:
                    seen.add(m)
                    todo.append(m)
                elif m == stop:
                    seen.add(m)
        return seen

    forward = spread([a], succ, a)
    backward = spread(list(targets), pred, a)
    return frozenset((forward & backward) - set(targets))


def walk(process: Process, m: Markers, obs: Observation,
         decay_since: dict[int, list[int]]) -> Walk:
    """Rebuild every lead's passes through the branch nodes, its delays and waits.

    ``decay_since`` maps a branch node to the reference node of each of its decay edges
    (-1: the lead's creation), so the age of a lead at each pass can be measured.
    """
    kinds = [node.kind for node in process.nodes]
    timed = [k in _TIMED for k in kinds]
    out_degree = Counter(process.node_index(e.source) for e in process.edges)
    branching = [out_degree[i] > 1 for i in range(len(kinds))]
    table = routes(process, obs.observed)
    pending_after = {a: sorted({n for way in ways.values() for n in way[:-1] if branching[n]}
                               | ({a} if branching[a] else set()))
                     for a, ways in table.items()}
    passes: dict[int, list[tuple[int, float, float, float]]] = defaultdict(list)
    ages: dict[int, list[list[float]]] = defaultdict(list)
    pending: dict[int, list[float]] = defaultdict(list)
    delays: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    waits: dict[int, list[float]] = defaultdict(list)
    unresolved: Counter[int] = Counter()
    between: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    gaps = two_ways = 0
    nan = math.nan
    candidates = m.candidates
    t_l, node_l, kind_l, end_l = (a.tolist() for a in (m.t, m.node, m.kind, m.end))
    bounds = np.flatnonzero(np.r_[True, m.case[1:] != m.case[:-1], True]).tolist()
    for start, stop in itertools.pairwise(bounds):
        created = t_l[start]
        cur = candidates[node_l[start]][0]
        cur_t, cur_leave, has_work = created, created, False
        entry_known = True
        passed: dict[int, float] = {cur: created}
        for j in range(start + 1, stop):
            t, kind, cands = t_l[j], kind_l[j], candidates[node_l[j]]
            if kind == START and cur in cands and kinds[cur] == "task" and not has_work:
                if entry_known:
                    waits[cur].append(t - cur_t)
                has_work, cur_leave = True, end_l[j]
                continue
            if kind == ENTRY and cur in cands and t == cur_t:
                continue  # the same entry said twice (creation and its first status)
            ways = table.get(cur, {})
            routed = [(c, ways[c]) for c in cands if ways.get(c)]
            if len(routed) > 1 and j + 1 < stop and kind_l[j + 1] == START:
                # a status several nodes share: the work logged next says which one
                then = candidates[node_l[j + 1]]
                routed = [(c, way) for c, way in routed if c in then] or routed
            if len(routed) != 1:
                gaps += 1
                possible = tuple(c for c, _ in routed) if routed else tuple(
                    c for c in cands if c in ways)  # in ``ways`` but not routed: two ways
                if possible:
                    two_ways += 1
                    key = (cur, possible)
                    if key not in between:
                        between[key] = [n for n in on_the_ways(process, obs.observed, cur,
                                                               possible) if branching[n]]
                    for n in between[key]:
                        unresolved[n] += 1
                if len(cands) == 1:  # a jump the graph does not explain: carry on from there
                    cur = cands[0]
                    cur_t, has_work = t, kind == START
                    cur_leave = end_l[j] if kind == START else (nan if timed[cur] else t)
                    entry_known = kind == ENTRY
                    passed[cur] = t
                continue
            target, way = routed[0]
            inner = way[:-1]
            inner_timed = [n for n in inner if timed[n]]
            leave_known = not math.isnan(cur_leave)
            if kind == ENTRY:
                entry = t
            else:
                entry = cur_leave if leave_known and not inner_timed else nan
            chain = [cur, *inner]
            for pos, (n, when) in enumerate(zip(chain, _pass_times(chain, timed, cur_leave,
                                                                  entry, t), strict=True)):
                if branching[n]:
                    nxt = chain[pos + 1] if pos + 1 < len(chain) else target
                    passes[n].append((nxt, cur_t, t, when))
                    if n in decay_since:
                        ages[n].append([when - passed.get(s, created) if s >= 0 else
                                        when - created for s in decay_since[n]])
                if pos:
                    passed[n] = when
            via = target if kind == START else -1  # the next record includes a queue
            if kinds[cur] == "delay" and entry_known and not inner_timed:
                delays[cur].append((cur_t, t - cur_t, via))
            elif len(inner_timed) == 1 and kinds[inner_timed[0]] == "delay" and leave_known:
                delays[inner_timed[0]].append((cur_leave, t - cur_leave, via))
            if kind == START and not math.isnan(entry):
                waits[target].append(t - entry)
            cur, cur_t, has_work = target, t, kind == START
            entry_known = kind == ENTRY
            if kind == START:
                cur_leave = end_l[j]
            else:
                cur_leave = nan if timed[target] else t
            passed[target] = entry if not math.isnan(entry) else t
        if kinds[cur] != "end":
            for n in pending_after.get(cur, ()):
                pending[n].append(cur_t)
    return Walk(
        passes={n: pd.DataFrame(rows, columns=["target", "ref", "seen", "passed"])
                for n, rows in passes.items()},
        ages={n: np.asarray(rows, dtype=float) for n, rows in ages.items()},
        pending={n: np.asarray(rows, dtype=float) for n, rows in pending.items()},
        delays=_delay_frames(delays, waits, process),
        waits={n: np.asarray(rows, dtype=float) for n, rows in waits.items()},
        gaps=gaps, cases=len(bounds) - 1, unresolved=dict(unresolved), two_ways=two_ways,
    )


def _pass_times(chain: list[int], timed: list[bool], leave: float, entry: float,
                seen: float) -> list[float]:
    """When a lead passed each node of ``chain`` (the node it was at, then the unrecorded
    ones on its way): right when it left the first if nothing before takes time, else right
    when it entered the next recorded node if nothing after takes time, else (not known) when
    it was next seen."""
    out = []
    for pos in range(len(chain)):
        before = any(timed[x] for x in chain[1:pos + 1])
        after = any(timed[x] for x in chain[pos + 1:])
        if not math.isnan(leave) and not before:
            out.append(leave)
        elif not after and not math.isnan(entry):
            out.append(entry)
        else:
            out.append(seen)
    return out


def _delay_frames(delays: dict[int, list[tuple[float, float, int]]],
                  waits: dict[int, list[float]], process: Process) -> dict[int, pd.DataFrame]:
    """Time spent in each delay: where the next record is work starting at a task, the mean
    wait seen before that task is taken off (without one the record says nothing, since it
    would count the queue as part of the delay); unlimited lanes never wait."""
    out: dict[int, pd.DataFrame] = {}
    unlimited = {i for i, node in enumerate(process.nodes)
                 if process.lane(node.lane).staff is None}
    for n, rows in delays.items():
        keep = []
        for ref, hours, via in rows:
            if via >= 0:
                if via in unlimited:
                    pass
                elif waits.get(via):
                    hours -= float(np.mean(waits[via]))
                else:
                    continue
            keep.append((ref, max(hours, 0.0)))
        if keep:
            out[n] = pd.DataFrame(keep, columns=["ref", "hours"])
    return out
