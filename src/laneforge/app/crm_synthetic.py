"""A CRM export made up from a known process: the engine's trace written as a CRM records it.

Calibration is tested without customer data by simulating a process whose parameters are
known, writing what a CRM would have recorded (leads with their source, status changes,
owner changes, logged calls and meetings, deal amounts, leads still open at the export's
end), fitting a deliberately wrong process to it and checking that the known parameters
come back. The mapping (MAP.json) that ties the CRM's words back to the process comes with
the log.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ..io.crm.eventlog import (
    ACTIVITY,
    CASE_COLUMNS,
    EVENT_COLUMNS,
    OWNER,
    OWNER_COLUMNS,
    STAGE,
    EventLog,
)
from ..io.crm.mapping import CrmMap
from ..model import Process
from ..model.calendar import Timeline
from ..sim import compile_process, run_replication
from ..sim.compiled import CADENCE, DELAY, END, SOURCE, TASK, Compiled
from ..sim.touching import RESPOND
from .worktime import cumulative

#: CRM words for well-known process stages (Salesforce lead statuses, opportunity stages)
STAGE_WORDS = {
    "lead": "Open - Not Contacted", "mql": "Marketing Qualified", "sal": "Sales Accepted",
    "sql": "Sales Qualified", "opportunity": "Discovery", "customer": "Customer",
}
#: CRM words for end outcomes
OUTCOME_WORDS = {
    "won": "Closed Won", "lost": "Closed Lost", "disqualified": "Closed - Not Converted",
    "nurture": "Nurture", "duplicate": "Duplicate",
}
_CALL = re.compile(r"call|follow|reach|dial|phone", re.IGNORECASE)
_MEETING = re.compile(r"meeting|demo|discovery|kickoff|onboard|proposal", re.IGNORECASE)
#: stages and outcomes after which a lead carries a deal amount
_DEAL_STAGES = {"sql", "opportunity", "customer"}
_DEAL_OUTCOMES = {"won", "lost"}

INTEGRATION_USER = "005000000000INT"
#: what a CRM logs when a call or an email reaches an out-of-date record
STALE_WORDS = {"Call": "Wrong number", "Email": "Email bounced"}
#: the activity subtype a CRM logs a touch of a channel under (others: the channel's name)
CHANNEL_WORDS = {"email": "Email", "call": "Call", "phone": "Call", "meeting": "Meeting",
                 "chat": "Chat", "sms": "SMS", "linkedin": "LinkedIn"}
#: what a CRM logs when a lead answers a touch of a subtype (others: "<subtype> replied")
RESPONSE_WORDS = {"Call": "Call connected", "Meeting": "Meeting attended"}


@dataclass
class SyntheticCrm:
    """A made-up CRM export, the mapping that reads it, and the process that produced it."""

    log: EventLog
    mapping: CrmMap
    #: the process simulated (a copy): the truth a calibration should recover
    truth: Process
    #: leads still open when the export ends
    open_cases: int


def _unique(word: str, used: set[str], qualifier: str) -> str:
    """``word``, or ``word - qualifier`` when another node already says ``word``."""
    candidate = word
    if candidate in used:
        candidate = f"{word} - {qualifier}"
    number = 2
    while candidate in used:
        candidate, number = f"{word} - {qualifier} {number}", number + 1
    used.add(candidate)
    return candidate


@dataclass
class _Words:
    """The CRM words of a process's nodes, by node index ("" where the CRM records nothing)."""

    status: list[str]  # a status set on entering the node
    activity: list[str]  # the activity type logged when work at a task starts
    subtype: list[str]
    source: list[str]  # the lead source of a source node
    mapping: CrmMap
    #: the activity type logged when a lead answers the touch of a task ("" without one)
    response: list[str]
    #: task nodes whose passes are touches (logged even in a lane without a staff limit)
    touching: np.ndarray


def channel_words(channels: list[str]) -> dict[str, str]:
    """Channel -> the activity subtype that logs its touches, one word per channel."""
    out: dict[str, str] = {}
    for channel in channels:
        word = CHANNEL_WORDS.get(channel.lower(),
                                 channel.replace("_", " ").replace("-", " ").title())
        if word in out.values():
            word = channel
        out[channel] = word
    return out


def response_word(subtype: str) -> str:
    """The activity type a CRM logs for an answer to a touch logged under ``subtype``."""
    return RESPONSE_WORDS.get(subtype, f"{subtype} replied")


def _words(process: Process, c: Compiled) -> _Words:
    used: set[str] = set()
    stage_word = {stage: _unique(STAGE_WORDS.get(stage.lower(), stage), used, stage)
                  for stage in process.stages}
    status = [""] * len(c.nodes)
    activity = [""] * len(c.nodes)
    subtype = [""] * len(c.nodes)
    source = [""] * len(c.nodes)
    response = [""] * len(c.nodes)
    touching = np.zeros(len(c.nodes), dtype=bool)
    touch_of = {node.id: node.touch for node in process.nodes
                if getattr(node, "touch", None) is not None}
    subtype_of = channel_words(list(dict.fromkeys(t.channel for t in touch_of.values())))
    outcomes: dict[str, str] = {}
    node_words: dict[str, str] = {}
    activities: dict[str, str] = {}
    sources: dict[str, str] = {}
    source_names: set[str] = set()
    after_delay = {e.target for e in process.edges
                   if process.node(e.source).kind == "delay"}

    def plain_first(pair: tuple[Any, Any]) -> bool:
        """Ends whose name is their outcome's CRM word take the plain word first."""
        node = pair[0]
        outcome = getattr(node, "outcome", "")
        return node.label.lower() != OUTCOME_WORDS.get(outcome, outcome).lower()

    for node, cn in sorted(zip(process.nodes, c.nodes, strict=True), key=plain_first):
        if node.stage is not None:
            status[cn.index] = stage_word[node.stage]
        if cn.kind == END:
            outcome = getattr(node, "outcome", "done")
            word = _unique(OUTCOME_WORDS.get(outcome, outcome.title()), used, node.label)
            status[cn.index] = word
            outcomes[word] = node.id
        elif cn.kind == DELAY and node.stage is None:
            word = _unique(node.label, used, node.id)
            status[cn.index] = word
            node_words[word] = node.id
        elif cn.kind == TASK and (c.lanes[cn.lane].staff is not None or node.id in touch_of):
            limited = c.lanes[cn.lane].staff is not None
            if limited and node.stage is None and node.id in after_delay:
                word = _unique(f"Working - {node.label}", used, node.id)
                status[cn.index] = word
                node_words[word] = node.id
            word = _unique(node.label, used, node.id)
            activity[cn.index] = word
            subtype[cn.index] = ("Call" if _CALL.search(node.label)
                                 else "Event" if _MEETING.search(node.label) else "Task")
            activities[word] = node.id
            touch = touch_of.get(node.id)
            if touch is not None:  # a touch is logged under its channel's word
                subtype[cn.index] = subtype_of[touch.channel]
                response[cn.index] = response_word(subtype[cn.index])
                touching[cn.index] = True
        elif cn.kind == CADENCE:  # its touches are logged by the system, as emails are
            word = _unique(node.label, used, node.id)
            activity[cn.index] = word
            activities[word] = node.id
            subtype[cn.index] = subtype_of[node.touch.channel]
            response[cn.index] = response_word(subtype[cn.index])
        elif cn.kind == SOURCE:
            word = _unique(node.label, source_names, node.id)
            source[cn.index] = word
            sources[word] = node.id
    lanes_with_users = {c.lanes[cn.lane].id for cn in c.nodes
                        if activity[cn.index] and c.lanes[cn.lane].staff is not None}
    mapping = CrmMap(
        stages={stage: [word] for stage, word in stage_word.items()},
        sources=sources,
        owners={f"role:{lane.label}": lane.id for lane in process.lanes
                if lane.id in lanes_with_users},
        outcomes=outcomes, nodes=node_words, activities=activities,
        channels={word: channel for channel, word in subtype_of.items()},
        responses=sorted({response_word(word) for word in subtype_of.values()}),
    )
    return _Words(status, activity, subtype, source, mapping, response, touching)


def _user_ids(lane_index: int, staff: int) -> list[str]:
    return [f"005{lane_index:03d}{k + 1:09d}" for k in range(staff)]


def _queue_id(lane_index: int) -> str:
    return f"00G{lane_index:03d}000000001"


def _assign_owners(starts: np.ndarray, ends: np.ndarray, units: np.ndarray,
                   users: list[str]) -> np.ndarray:
    """The user who does each activity: the one free longest when it starts.

    The engine never has more work in progress in a lane than its staff, so a free user is
    always there; nobody does two things at once, and every user takes a share of the work.
    """
    order = np.lexsort((np.arange(len(starts)), starts))
    free: list[tuple[float, int]] = [(-np.inf, k) for k in range(len(users))]
    owner = np.empty(len(starts), dtype=np.int64)
    for i in order:
        taken = [heapq.heappop(free) for _ in range(min(int(units[i]), len(free)))]
        owner[i] = taken[0][1]
        for _, k in taken:
            heapq.heappush(free, (float(ends[i]), k))
    return np.asarray(users, dtype=object)[owner]


def _trace_arrays(trace: list[tuple[float, int, int, str]]) -> dict[str, np.ndarray]:
    """The trace as arrays sorted by lead, then by the order the engine wrote it."""
    # anything else: an outcome (code 3); "stale" (4): a contact found the record out of date;
    # "touch" (5): a cadence's touch, no move
    codes = {"enter": 0, "start": 1, "done": 2, "stale": 4, "touch": 5}
    n = len(trace)

    def column(i: int, dtype: Any) -> np.ndarray:
        return np.fromiter(map(itemgetter(i), trace), dtype=dtype, count=n)

    arrays = {
        "t": column(0, float), "lead": column(1, np.int64), "node": column(2, np.int64),
        "event": np.fromiter((codes.get(e, 3) for e in map(itemgetter(3), trace)),
                             dtype=np.int64, count=n),
    }
    order = np.argsort(arrays["lead"], kind="stable")
    out = {key: value[order] for key, value in arrays.items()}
    for name, code in codes.items():
        out[name] = out["event"] == code
    return out


def synthetic_crm(
    process: Process, *, days: float, seed: int = 1, queue_share: float = 0.5,
    integration_share: float = 0.3, deal_mean: float = 25000.0,
) -> SyntheticCrm:
    """Simulate ``process`` for ``days`` and write what a CRM would have recorded.

    One case per lead (created time, lead source = the source's name), a status event when
    a lead enters a node with a stage, a delay, an end, or a task right after a delay
    ("Working - <task>": the lead is re-opened when a nurture ends); owner events (a lane's
    queue first for ``queue_share`` of the hand-overs, then the user who works the lead); an
    activity per task finished by the export's end (type = the task's name, subtype "Call"
    for calls, the working hours it took, its owner); deal amounts; and the leads still open
    when the export ends. A share ``integration_share`` of status changes is made by an
    integration user without a role. Lanes without a staff limit log no activities, except
    a task with a touch: every touch is logged (type = the task's name, subtype = its
    channel's word, "Email", "Call"; the integration user owns an automated one), and every
    answer to one as an activity of its own ("Email replied", "Call connected"). Same
    ``seed``, same log.
    """
    truth = process.detached_copy()
    horizon = float(days) * 24.0
    c = compile_process(truth, horizon=horizon, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(c, 0, seed, trace=trace)
    rng = np.random.default_rng(seed)
    words = _words(truth, c)
    answers: list[tuple[float, int, int, str]] = []
    if c.touches is not None:  # answers are no step of the lead's path: logged on their own
        answers = [e for e in trace if e[3] == RESPOND]
        trace = [e for e in trace if e[3] != RESPOND]
    a = _trace_arrays(trace)
    origin = pd.Timestamp(truth.start)

    node_kind = np.array([n.kind for n in c.nodes])
    node_lane = np.array([n.lane for n in c.nodes])
    limited = np.array([lane.staff is not None for lane in c.lanes])
    on_node = a["node"] >= 0
    safe_node = np.where(on_node, a["node"], 0)
    kind = np.where(on_node, node_kind[safe_node], -1)
    lane = np.where(on_node, node_lane[safe_node], -1)
    in_export = a["t"] <= horizon

    # --- owners: users per lane, a queue per lane, one integration user -------------------
    users = {lane_.index: _user_ids(lane_.index, lane_.staff or 0) for lane_ in c.lanes}
    touching = words.touching[safe_node] & on_node
    activity_rows = np.flatnonzero(a["start"] & (kind == TASK)
                                   & (limited[np.clip(lane, 0, None)] | touching))
    done_at = np.full(len(activity_rows), np.inf)
    following = activity_rows + 1
    # a contact that found the record stale says so between its work's start and end: the
    # call to a dead number still took its time, and is logged with it
    skip = following < len(a["t"])
    skip[skip] &= a["stale"][following[skip]]
    following[skip] += 1
    has_done = following < len(a["t"])
    has_done[has_done] &= (a["lead"][following[has_done]] == a["lead"][activity_rows[has_done]]) \
        & a["done"][following[has_done]]
    done_at[has_done] = a["t"][following[has_done]]
    act_lane = lane[activity_rows]
    act_owner = np.empty(len(activity_rows), dtype=object)
    act_hours = np.full(len(activity_rows), np.nan)
    units = np.array([c.nodes[n].units for n in a["node"][activity_rows]], dtype=np.int64)
    for lane_ in c.lanes:
        rows = np.flatnonzero(act_lane == lane_.index)
        if not len(rows):
            continue
        if lane_.staff is None:  # a touch nobody works (an automated email): the system's
            act_owner[rows] = INTEGRATION_USER
        else:
            act_owner[rows] = _assign_owners(a["t"][activity_rows[rows]], done_at[rows],
                                             units[rows], users[lane_.index])
        line = Timeline(lane_.calendar, c.start) if lane_.calendar is not None else None
        ends = done_at[rows]
        finite = np.isfinite(ends)
        worked = np.full(len(rows), np.nan)
        worked[finite] = (cumulative(line, ends[finite])
                          - cumulative(line, a["t"][activity_rows[rows]][finite]))
        act_hours[rows] = worked

    worked = limited[act_lane]  # who owns the lead: people, not the system's emails
    frames = [
        _status_frame(a, words, in_export, rng, integration_share),
        _activity_frame(a, words, activity_rows, act_owner, act_hours, done_at, horizon),
        _owner_frame(a, c, kind, lane, limited, activity_rows[worked], act_owner[worked], rng,
                     queue_share),
        _stale_frame(a, words, in_export & (kind == TASK)),
        _cadence_frame(a, words, in_export & (kind == CADENCE)),
        _response_frame(answers, words, horizon, 3 * len(trace)),
    ]
    events = pd.concat([f for f in frames if len(f)], ignore_index=True)
    events = _fill_status_owners(events)
    events = events.sort_values(["lead", "t", "seq"], kind="stable")
    cases = _cases(a, c, words, rng, deal_mean, truth)
    log_events = pd.DataFrame({
        "case": _case_ids(events["lead"].to_numpy()),
        "time": origin + pd.to_timedelta(events["t"].to_numpy(), unit="h"),
        "kind": events["kind"].to_numpy(), "value": events["value"].to_numpy(),
        "subtype": events["subtype"].to_numpy(),
        "end": origin + pd.to_timedelta(events["end_t"].to_numpy(), unit="h"),
        "duration_h": events["duration_h"].to_numpy(), "owner": events["owner"].to_numpy(),
    }).astype(EVENT_COLUMNS).reset_index(drop=True)
    log_events["time"] = log_events["time"].dt.floor("s")
    log_events["end"] = log_events["end"].dt.floor("s")
    cases["created"] = (origin + pd.to_timedelta(cases["created"], unit="h")).dt.floor("s")
    cases = cases.astype(CASE_COLUMNS)
    status = log_events[log_events["kind"] == STAGE].groupby("case", sort=False)["value"].last()
    owner = log_events[log_events["kind"] == OWNER].groupby("case", sort=False)["value"].last()
    cases["status"] = status.reindex(cases.index).astype("string")
    cases["owner"] = owner.reindex(cases.index).astype("string")
    open_cases = _open_cases(a, horizon)
    end = origin + pd.Timedelta(hours=horizon)
    log = EventLog(
        format="synthetic", cases=cases, events=log_events,
        owners=_owners_frame(c, users), start=origin, end=end,
        notes=[f"made up from the process {truth.name!r} over {days:g} days (seed {seed})"],
    )
    mapping = words.mapping
    if truth.data_quality is not None:
        mapping = mapping.model_copy(update={"stale_activities": list(STALE_WORDS.values())})
    return SyntheticCrm(log=log, mapping=mapping, truth=truth, open_cases=open_cases)


def _frame(lead: np.ndarray, t: np.ndarray, seq: np.ndarray, kind: str, value: Any, *,
           subtype: Any = None, end_t: Any = np.nan, hours: Any = np.nan,
           owner: Any = None) -> pd.DataFrame:
    return pd.DataFrame({"lead": lead, "t": t, "seq": seq, "kind": kind, "value": value,
                         "subtype": subtype, "end_t": end_t, "duration_h": hours,
                         "owner": owner})


def _status_frame(a: dict[str, np.ndarray], words: _Words, in_export: np.ndarray,
                  rng: np.random.Generator, integration_share: float) -> pd.DataFrame:
    status = np.asarray(words.status, dtype=object)
    rows = np.flatnonzero(a["enter"] & in_export)
    rows = rows[status[a["node"][rows]] != ""]
    by_integration = rng.random(len(rows)) < integration_share
    owner = np.where(by_integration, INTEGRATION_USER, None)
    return _frame(a["lead"][rows], a["t"][rows], rows * 3 + 1, STAGE,
                  status[a["node"][rows]], owner=owner)


def _stale_frame(a: dict[str, np.ndarray], words: _Words, rows: np.ndarray) -> pd.DataFrame:
    """A logged bounce or wrong number when a contact step found the record out of date
    (the engine's "stale" trace event), at the time it found it."""
    rows = np.flatnonzero(a["stale"] & rows)
    subtype = np.asarray(words.subtype, dtype=object)[a["node"][rows]]
    value = np.where(subtype == "Call", STALE_WORDS["Call"], STALE_WORDS["Email"])
    return _frame(a["lead"][rows], a["t"][rows], rows * 3 + 2, ACTIVITY, value,
                  subtype=np.where(subtype == "Call", "Call", "Email"))


def _cadence_frame(a: dict[str, np.ndarray], words: _Words, rows: np.ndarray) -> pd.DataFrame:
    """A logged email (or the cadence's channel) for each touch a cadence sent, by the
    integration user (the engine's "touch" trace event), at the time it was sent."""
    rows = np.flatnonzero(a["touch"] & rows)
    nodes = a["node"][rows]
    return _frame(a["lead"][rows], a["t"][rows], rows * 3 + 2, ACTIVITY,
                  np.asarray(words.activity, dtype=object)[nodes],
                  subtype=np.asarray(words.subtype, dtype=object)[nodes],
                  end_t=a["t"][rows], hours=0.0, owner=INTEGRATION_USER)


def _response_frame(answers: list[tuple[float, int, int, str]], words: _Words,
                    horizon: float, seq: int) -> pd.DataFrame:
    """A logged answer ("Email replied", "Call connected") when a lead answered a touch
    (the engine's "respond" trace event), at the touch's time, under the touch's subtype."""
    kept = [e for e in answers if e[0] <= horizon]
    if not kept:
        return _frame(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), ACTIVITY, None)
    t = np.array([e[0] for e in kept], dtype=float)
    lead = np.array([e[1] for e in kept], dtype=np.int64)
    node = np.array([e[2] for e in kept], dtype=np.int64)
    return _frame(lead, t, seq + np.arange(len(kept)), ACTIVITY,
                  np.asarray(words.response, dtype=object)[node],
                  subtype=np.asarray(words.subtype, dtype=object)[node])


def _activity_frame(a: dict[str, np.ndarray], words: _Words, rows: np.ndarray,
                    owner: np.ndarray, hours: np.ndarray, done_at: np.ndarray,
                    horizon: float) -> pd.DataFrame:
    """A logged activity for each task started and finished before the export's end."""
    keep = done_at <= horizon
    rows = rows[keep]
    nodes = a["node"][rows]
    return _frame(a["lead"][rows], a["t"][rows], rows * 3 + 2, ACTIVITY,
                  np.asarray(words.activity, dtype=object)[nodes],
                  subtype=np.asarray(words.subtype, dtype=object)[nodes],
                  end_t=done_at[keep], hours=hours[keep], owner=owner[keep])


def _owner_frame(a: dict[str, np.ndarray], c: Compiled, kind: np.ndarray, lane: np.ndarray,
                 limited: np.ndarray, activity_rows: np.ndarray, act_owner: np.ndarray,
                 rng: np.random.Generator, queue_share: float) -> pd.DataFrame:
    """Owner changes: a new lead goes to its source lane's queue (else the integration user
    holds it); moving to a new lane's task parks it in that lane's queue some of the time;
    the user who starts work on it there becomes its owner."""
    frames = []
    lead, t = a["lead"], a["t"]
    created = np.flatnonzero(a["enter"] & (kind == SOURCE))
    queued = rng.random(len(created)) < queue_share
    source_lane = lane[created]
    frames.append(_frame(lead[created], t[created], created * 3, OWNER,
                         np.where(queued, [_queue_id(x) for x in source_lane],
                                  INTEGRATION_USER)))

    def new_run(rows: np.ndarray) -> np.ndarray:
        """Rows whose lane differs from the same lead's previous row in ``rows``."""
        if not len(rows):
            return np.zeros(0, dtype=bool)
        same_lead = np.r_[False, lead[rows][1:] == lead[rows][:-1]]
        same_lane = np.r_[False, lane[rows][1:] == lane[rows][:-1]]
        return ~(same_lead & same_lane)

    entering = np.flatnonzero(a["enter"] & (kind == TASK) & limited[np.clip(lane, 0, None)])
    entering = entering[new_run(entering)]
    entering = entering[rng.random(len(entering)) < queue_share]
    frames.append(_frame(lead[entering], t[entering], entering * 3, OWNER,
                         [_queue_id(x) for x in lane[entering]]))
    first = new_run(activity_rows)
    rows = activity_rows[first]
    frames.append(_frame(lead[rows], t[rows], rows * 3, OWNER, act_owner[first],
                         owner=act_owner[first]))
    out = pd.concat(frames, ignore_index=True)
    return out[out["t"].to_numpy() <= c.horizon]


def _fill_status_owners(events: pd.DataFrame) -> pd.DataFrame:
    """Status changes not made by the integration user are made by the lead's owner then;
    owner events carry the new owner."""
    events = events.sort_values(["lead", "t", "seq"], kind="stable").reset_index(drop=True)
    holder = events["value"].where(events["kind"] == OWNER)
    holder = holder.groupby(events["lead"]).ffill()
    missing = events["owner"].isna() & (events["kind"] == STAGE)
    events.loc[missing, "owner"] = holder[missing]
    owners = events["kind"] == OWNER
    events.loc[owners, "owner"] = events.loc[owners, "value"]
    previous = holder.groupby(events["lead"]).shift(1)
    repeated = owners & (events["value"] == previous).fillna(False).astype(bool)
    return events[~repeated]


def _case_ids(leads: np.ndarray) -> np.ndarray:
    return np.char.add("00Q", np.char.zfill(leads.astype(str), 12))


def _cases(a: dict[str, np.ndarray], c: Compiled, words: _Words,
           rng: np.random.Generator, deal_mean: float, truth: Process) -> pd.DataFrame:
    created = np.flatnonzero(a["enter"])
    first = np.r_[True, a["lead"][created][1:] != a["lead"][created][:-1]]
    created = created[first]
    created = created[a["t"][created] <= c.horizon]
    leads = a["lead"][created]
    source = np.asarray(words.source, dtype=object)[a["node"][created]]
    deal_nodes = np.array([
        (node.stage or "").lower() in _DEAL_STAGES
        or getattr(node, "outcome", "") in _DEAL_OUTCOMES
        for node in truth.nodes
    ])
    entered = a["enter"] & (a["node"] >= 0) & (a["t"] <= c.horizon)
    deal_leads = np.unique(a["lead"][entered][deal_nodes[a["node"][entered]]])
    sigma2 = np.log(1.0 + 0.8**2)
    amounts = rng.lognormal(np.log(deal_mean) - sigma2 / 2, np.sqrt(sigma2), len(leads))
    amount = np.where(np.isin(leads, deal_leads), np.round(amounts, -1), np.nan)
    return pd.DataFrame({"created": a["t"][created], "source": source, "owner": None,
                         "amount": amount, "status": None},
                        index=pd.Index(_case_ids(leads), name="case", dtype="string"))


def _open_cases(a: dict[str, np.ndarray], horizon: float) -> int:
    """Leads created by the export's end that had not reached an end by then."""
    created = np.unique(a["lead"][a["enter"] & (a["t"] <= horizon)])
    ended = np.unique(a["lead"][(a["node"] < 0) & (a["t"] <= horizon)])
    return int(len(created) - len(np.intersect1d(created, ended)))


def _owners_frame(c: Compiled, users: dict[int, list[str]]) -> pd.DataFrame:
    rows: list[tuple[str, str, Any, bool]] = []
    for lane in c.lanes:
        if lane.staff is None:
            continue
        rows.extend((uid, f"{lane.name} {k + 1}", lane.name, False)
                    for k, uid in enumerate(users[lane.index]))
        rows.append((_queue_id(lane.index), f"{lane.name} queue", None, True))
    rows.append((INTEGRATION_USER, "Integration User", None, False))
    frame = pd.DataFrame(rows, columns=["id", "name", "role", "is_queue"]).set_index("id")
    frame.index = frame.index.astype("string")
    return frame.astype(OWNER_COLUMNS)


__all__ = ["INTEGRATION_USER", "SyntheticCrm", "synthetic_crm", "with_win_share_change"]


def with_win_share_change(crm: SyntheticCrm, *, since: pd.Timestamp, keep: float,
                          seed: int = 1) -> SyntheticCrm:
    """The same export with the team changed at ``since``: each win recorded from then on
    stays a win with probability ``keep`` and is recorded lost otherwise.

    Thinning the wins is exactly a won share ``keep`` times the old one for every outcome
    from ``since``: the engine decides a lead's outcome independently of everything before
    it, so a win kept with probability ``keep`` is a win drawn with share ``keep * p``.
    Arrivals, timing and the leads still open are those of the steady export, so a backtest
    of the two differs only by the change. Same ``seed``, same log."""
    if not 0.0 <= keep <= 1.0:
        raise ValueError(f"keep: expected a share between 0 and 1, got {keep!r}")
    won = [word for word, node in crm.mapping.outcomes.items()
           if crm.truth.node(node).outcome == "won"]
    lost = [word for word, node in crm.mapping.outcomes.items()
            if crm.truth.node(node).outcome == "lost"]
    if len(won) != 1 or len(lost) != 1:
        raise ValueError("a win share change needs one won and one lost end in the process")
    events = crm.log.events.copy()
    wins = np.flatnonzero(((events["kind"] == STAGE) & (events["value"] == won[0])
                           & (events["time"] >= since)).to_numpy())
    flipped = wins[np.random.default_rng(seed).random(len(wins)) >= keep]
    events.loc[events.index[flipped], "value"] = lost[0]
    cases = crm.log.cases.copy()
    status = events[events["kind"] == STAGE].groupby("case", sort=False)["value"].last()
    cases["status"] = status.reindex(cases.index).astype("string")
    log = dataclasses.replace(
        crm.log, cases=cases, events=events,
        notes=[*crm.log.notes, f"from {since:%Y-%m-%d} each win kept with probability "
               f"{keep:g} (seed {seed})"],
    )
    return SyntheticCrm(log=log, mapping=crm.mapping, truth=crm.truth,
                        open_cases=crm.open_cases)
