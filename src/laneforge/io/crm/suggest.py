"""MAP.json from names: a suggested mapping of a CRM's words to a process, the list of what
still needs a person, and the check that a mapping names things the process has.

Names are compared as words: equal words, an acronym ("MQL" and "Marketing Qualified"), one
name's words inside the other's ("Closed Won" and the outcome "won"), a few CRM synonyms
("Closed - Not Converted" means disqualified), then close spelling (difflib) for typos.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ...model.process import Process
from .common import CrmDataError
from .eventlog import ACTIVITY, STAGE, EventLog
from .mapping import CrmMap

#: a suggestion needs at least this score (1 = same words)
THRESHOLD = 0.75
#: a CRM value "matters" when at least this share of cases has it (and one case at least)
SHARE = 0.01

_STOP = {"the", "a", "an", "of", "to", "and", "for", "on", "in", "by"}
#: CRM phrases -> the words a process uses for them
_SYNONYMS = {
    "not converted": ("disqualified",), "unqualified": ("disqualified",),
    "junk": ("disqualified",), "recycled": ("nurture",), "recycle": ("nurture",),
    "nurturing": ("nurture",), "closed won": ("won", "customer"), "closed lost": ("lost",),
    "new": ("lead",), "open not contacted": ("lead",), "merged": ("duplicate",),
}
#: single words spelled otherwise in CRMs (a lead source "Web" is the website)
_WORDS = {"web": "website", "www": "website", "mktg": "marketing", "rep": "representative"}


def _words(text: str) -> list[str]:
    words = []
    for word in re.findall(r"[a-z0-9]+", str(text).casefold()):
        if word in _STOP:
            continue
        word = _WORDS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "Webinars" and "webinar" are one word
        words.append(word)
    return words


def _tokens(words: list[str]) -> set[str]:
    joined = " ".join(words)
    extra = {word for phrase, found in _SYNONYMS.items()
             if re.search(rf"\b{phrase}\b", joined) for word in found}
    return set(words) | extra


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1 (1: the same words)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    if wa == wb:
        return 1.0
    for one, other in ((wa, wb), (wb, wa)):
        initials = "".join(w[0] for w in other)
        if len(one) == 1 and len(other) > 1 and (
                one[0] == initials or (len(initials) >= 2 and one[0].startswith(initials))):
            return 0.9
        if len(other) > 1 and initials in one and len(initials) >= 2:
            return 0.85
    ta, tb = _tokens(wa), _tokens(wb)
    score = len(ta & tb) / len(ta | tb)
    if set(wa) <= tb or set(wb) <= ta:
        score = max(score, 0.8)
    elif _prefixes(wa, wb) or _prefixes(wb, wa):  # "Web" and "Website forms"
        score = max(score, 0.78)
    ratio = difflib.SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio()
    if ratio >= 0.85:
        score = max(score, 0.9 * ratio)
    return min(1.0, score + 0.01 * ratio)  # spelling breaks ties between equal word matches


def _prefixes(short: list[str], long: list[str]) -> bool:
    """Every word of ``short`` begins a word of ``long`` (three letters at least)."""
    return all(len(w) >= 3 and any(o.startswith(w) for o in long) for w in short)


def _best(value: str, targets: dict[str, list[str]]) -> tuple[str | None, float]:
    """The target whose names are most like ``value``, with its score."""
    best, score = None, 0.0
    for target, names in targets.items():
        s = max((similarity(value, n) for n in names), default=0.0)
        if s > score:
            best, score = target, s
    return best, score


def _node_names(node) -> list[str]:
    names = [node.id.replace("_", " ")]
    if node.name:
        names.append(node.name)
    if getattr(node, "outcome", None):
        names.append(node.outcome)
    return names


def _counts(values: pd.Series) -> pd.Series:
    return values.dropna().value_counts()


def stage_values(log: EventLog) -> pd.Series:
    """Every CRM status / stage in the log -> the number of cases that had it."""
    events = log.events[log.events["kind"] == STAGE]
    pairs = pd.concat([events[["case", "value"]],
                       log.cases["status"].rename("value").reset_index()])
    return _counts(pairs.drop_duplicates()["value"])


def suggest_mapping(log: EventLog, process: Process) -> CrmMap:
    """A MAP.json by name similarity: statuses -> stages, end nodes and other nodes; lead
    sources -> source nodes; activity types -> tasks; roles -> lanes."""
    nodes = process.nodes
    ends = {n.id: _node_names(n) for n in nodes if n.kind == "end"}
    others = {n.id: _node_names(n) for n in nodes if n.kind in ("delay", "task")}
    stage_names = {s: [s] for s in process.stages}
    stages: dict[str, list[str]] = {}
    outcomes, at_node = {}, {}
    for value in stage_values(log).index:
        stage, s1 = _best(value, stage_names)
        end, s2 = _best(value, ends)
        if stage is not None and s1 >= THRESHOLD:
            stages.setdefault(stage, []).append(str(value))
        if end is not None and s2 >= THRESHOLD:
            outcomes[str(value)] = end
        if s1 < THRESHOLD and s2 < THRESHOLD:
            node, s3 = _best(value, others)
            if node is not None and s3 >= THRESHOLD:
                at_node[str(value)] = node
    source_nodes = {n.id: _node_names(n) for n in nodes if n.kind == "source"}
    sources = {}
    for value in _counts(log.cases["source"]).index:
        node, score = _best(value, source_nodes)
        if len(source_nodes) == 1:
            node, score = next(iter(source_nodes)), 1.0
        if node is not None and score >= THRESHOLD:
            sources[str(value)] = node
    tasks = {n.id: _node_names(n) for n in nodes if n.kind == "task"}
    activities = {}
    channels, responses = suggest_touches(log, process)
    for value in _counts(log.events.loc[log.events["kind"] == ACTIVITY, "value"]).index:
        if value in responses:  # the lead's answer, no work at a task
            continue
        node, score = _best(value, tasks)
        if node is not None and score >= THRESHOLD:
            activities[str(value)] = node
    lanes = {lane.id: [lane.id.replace("_", " "), lane.name] if lane.name else [lane.id]
             for lane in process.lanes}
    owners = {}
    for role in _counts(log.owners.loc[~log.owners["is_queue"], "role"]).index:
        lane, score = _best(role, lanes)
        if lane is not None and score >= THRESHOLD:
            owners[f"role:{role}"] = lane
    return CrmMap(format=log.format, stages=stages, sources=sources, owners=owners,
                  outcomes=outcomes, nodes=at_node, activities=activities,
                  channels=channels, responses=responses, timezone=log.timezone)


def suggest_touches(log: EventLog, process: Process) -> tuple[dict[str, str], list[str]]:
    """MAP.json's ``channels`` and ``responses`` for a process whose tasks touch leads: the
    activity types and subtypes that name one of its channels ("Email", "Logged call",
    "Phone" for a channel ``call``), and those that say the lead answered ("Email replied",
    "Call connected"). A process without touches gets neither, as before."""
    wanted = list(dict.fromkeys(n.touch.channel for n in process.nodes
                                if getattr(n, "touch", None) is not None))
    if not wanted:
        return {}, []
    acts = log.events[log.events["kind"] == ACTIVITY]
    values = pd.concat([acts["value"], acts["subtype"]]).dropna()
    channels: dict[str, str] = {}
    responses: list[str] = []
    for value in _counts(values).index:
        words = set(_words(value))
        if words & _ANSWER_WORDS:
            responses.append(str(value))
            continue
        if words & _FAILURE_WORDS:
            continue  # a bounce or a wrong number is stale data, no touch
        found = [c for c in wanted if words & _channel_words(c)]
        if len(found) == 1:
            channels[str(value)] = found[0]
    return channels, responses


#: words of activity types that say the lead answered a touch
_ANSWER_WORDS = {"replied", "reply", "responded", "response", "answered", "connected"}
#: words of activity types that say a touch failed on out-of-date contact data
_FAILURE_WORDS = {"bounce", "bounced", "wrong", "invalid", "undeliverable"}
#: what CRMs call the usual channels
_CHANNEL_SYNONYMS = {
    "email": {"email", "mail", "newsletter"}, "call": {"call", "phone", "dial", "dialer"},
    "phone": {"call", "phone", "dial"}, "meeting": {"meeting", "demo", "event"},
    "chat": {"chat", "message", "messenger"}, "sms": {"sms", "text"},
}


def _channel_words(channel: str) -> set[str]:
    """The words that name ``channel`` in an activity type ("e-mail" is "e" and "mail")."""
    own = set(_words(channel.replace("_", " ").replace("-", " ")))
    return own | _CHANNEL_SYNONYMS.get(channel.lower(), set())


def ambiguous(mapping: CrmMap, log: EventLog, process: Process) -> list[str]:
    """What a person must still map before a fit is trustworthy, one sentence each: process
    stages no CRM value means, CRM values mapped to two stages, and lead sources, final
    statuses and roles that a share of the leads have but the mapping does not place."""
    problems = []
    cases = max(len(log.cases), 1)
    least = max(1, int(SHARE * cases))
    reached = {v.casefold() for v in stage_values(log).index}
    for stage in process.stages:
        values = [v for v in mapping.stages.get(stage, []) if v.casefold() in reached]
        if not values:
            problems.append(f"process stage '{stage}': no CRM status in the export is mapped "
                            "to it")
    seen: dict[str, str] = {}
    for stage, values in mapping.stages.items():
        for value in values:
            other = seen.setdefault(value.casefold(), stage)
            if other != stage:
                problems.append(f"CRM status '{value}' is mapped to two stages: '{other}' and "
                                f"'{stage}'")
    final = _counts(log.cases["status"])
    for value, n in final.items():
        placed = (mapping.stage_of(value) or mapping.outcome_of(value)
                  or mapping.node_of(value))
        if n >= least and placed is None:
            problems.append(f"CRM status '{value}' ({n:,} leads are in it at the end) is not "
                            "mapped to a stage, an outcome or a node")
    if sum(1 for n in process.nodes if n.kind == "source") > 1:
        for value, n in _counts(log.cases["source"]).items():
            if n >= least and mapping.source_of(value) is None:
                problems.append(f"lead source '{value}' ({n:,} leads) is not mapped to a "
                                "source node")
    problems += _unmapped_roles(mapping, log, least)
    return problems


def _unmapped_roles(mapping: CrmMap, log: EventLog, least: int) -> list[str]:
    worked = pd.concat([log.events["owner"], log.cases["owner"]]).dropna()
    counts = worked.value_counts()
    people = log.owners[~log.owners["is_queue"] & log.owners["role"].notna()]
    problems = []
    for role, members in people.groupby("role").groups.items():
        members = [m for m in members if mapping.lane_of(str(m), str(role)) is None]
        records = int(counts.reindex(members).fillna(0).sum())
        if members and records >= least:
            problems.append(f"role '{role}' ({len(members)} owners, {records:,} records) is "
                            "not mapped to a lane")
    return problems


def _close(name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    near = difflib.get_close_matches(name, choices, n=1)
    if near:
        return f"; did you mean '{near[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f" (it has: {shown})" if choices else " (it has none)"


def check_mapping(mapping: CrmMap, process: Process, log: EventLog | None = None, *,
                  path: str | Path = "MAP.json") -> None:
    """Raise :class:`CrmDataError` naming the key of the first entry that names a stage,
    node or lane the process does not have, or when no lead in ``log`` reaches any of the
    statuses the mapping names."""
    kinds = {n.id: n.kind for n in process.nodes}

    def refuse(key: str, message: str) -> None:
        raise CrmDataError(path, message, field=key, label="field")

    for stage in mapping.stages:
        if stage not in process.stages:
            refuse(f"stages.{stage}", f"the process has no stage '{stage}'"
                   + _close(stage, process.stages))
    checks = (("sources", mapping.sources, {"source"}, "source node"),
              ("nodes", mapping.nodes, set(kinds.values()), "node"),
              ("activities", mapping.activities, {"task"}, "task"))
    for key, table, wanted, what in checks:
        for value, node in table.items():
            if kinds.get(node) not in wanted:
                ids = [i for i, k in kinds.items() if k in wanted]
                refuse(f"{key}.{value}", f"the process has no {what} '{node}'"
                       + _close(node, ids))
    words = {getattr(n, "outcome", None) for n in process.nodes if n.kind == "end"}
    ends = [i for i, k in kinds.items() if k == "end"]
    for value, end in mapping.outcomes.items():
        if end not in ends and end not in words:
            refuse(f"outcomes.{value}", f"the process has no end node or outcome '{end}'"
                   + _close(end, ends))
    named = list(dict.fromkeys(
        c for n in process.nodes
        for c in (getattr(n, "channel", None), getattr(getattr(n, "touch", None), "channel",
                                                        None)) if c is not None))
    for value, channel in mapping.channels.items():
        if channel not in named:
            refuse(f"channels.{value}", f"the process has no channel '{channel}'"
                   + _close(channel, named))
    lanes = [lane.id for lane in process.lanes]
    for owner, lane in mapping.owners.items():
        if lane not in lanes:
            refuse(f"owners.{owner}", f"the process has no lane '{lane}'" + _close(lane, lanes))
    if log is not None:
        _check_reached(mapping, log, path)


def _check_reached(mapping: CrmMap, log: EventLog, path: str | Path) -> None:
    named = [v for values in mapping.stages.values() for v in values]
    named += [*mapping.outcomes, *mapping.nodes]
    if not named:
        return
    reached = stage_values(log)
    if not {v.casefold() for v in named} & {v.casefold() for v in reached.index}:
        shown = ", ".join(f"'{v}'" for v in list(reached.index)[:8])
        raise CrmDataError(
            path, "no lead in the export reaches a mapped stage or status (the export has "
                  f"{shown or 'none'})", field="stages", label="field")
