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


def observation(process: Process, mapping: CrmMap) -> Observation:
    """The words of ``mapping`` as node indexes of ``process`` (unknown node ids ignored)."""
    index = {node.id: i for i, node in enumerate(process.nodes)}
    statuses: dict[str, tuple[int, ...]] = {}
    for stage, words in mapping.stages.items():
        nodes = tuple(i for i, node in enumerate(process.nodes) if node.stage == stage)
        for word in words:
            if nodes:
                statuses[word] = nodes
    for table in (mapping.nodes, mapping.outcomes):  # a node beats a stage of the same word
        for word, node_id in table.items():
            if node_id in index:
                statuses[word] = (index[node_id],)
    activities = {word: index[node_id] for word, node_id in mapping.activities.items()
                  if node_id in index and process.nodes[index[node_id]].kind == "task"}
    sources = {word: index[node_id] for word, node_id in mapping.sources.items()
               if node_id in index and process.nodes[index[node_id]].kind == "source"}
    if not sources and len(process.sources()) == 1:
        sources = {"": index[process.sources()[0].id]}
    observed = {i for nodes in statuses.values() for i in nodes}
    observed |= set(activities.values()) | set(sources.values())
    observed |= {i for i, node in enumerate(process.nodes) if node.kind == "source"}
    return Observation(statuses, activities, sources, frozenset(observed))


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


def markers(log: EventLog, obs: Observation, until: pd.Timestamp) -> Markers:
    """The log's creations, statuses and activities before ``until`` as markers."""
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
    end = _hours(events["end"], origin).copy()
    no_end = np.isnan(end) & is_activity
    start_t = _hours(events["time"], origin)
    end[no_end] = start_t[no_end] + events["duration_h"].to_numpy(dtype=float)[no_end]
    keep = node >= 0
    source_slots = np.array([slot_of((int(n),)) for n in source_node[known]], dtype=int)
    frame = pd.DataFrame({
        "case": np.r_[np.arange(len(case_ids)),
                      code.reindex(events["case"][keep]).to_numpy()],
        "t": np.r_[created, start_t[keep]],
        "node": np.r_[source_slots, node[keep]],
        "kind": np.r_[np.full(len(case_ids), ENTRY), np.where(is_activity[keep], START, ENTRY)],
        "end": np.r_[np.full(len(case_ids), np.nan), np.where(is_activity[keep], end[keep],
                                                             np.nan)],
        "order": np.r_[np.full(len(case_ids), -1), np.arange(int(keep.sum()))],
    }).sort_values(["case", "t", "order"], kind="stable")
    return Markers(frame["case"].to_numpy(), frame["t"].to_numpy(), frame["node"].to_numpy(),
                   frame["kind"].to_numpy(), frame["end"].to_numpy(), candidates, case_ids,
                   created, origin, unmapped)


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
    gaps = 0
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
        gaps=gaps, cases=len(bounds) - 1,
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
