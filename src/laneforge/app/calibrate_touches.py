"""Touches fitted from a CRM's activity history: response rates, and how many touches a lead
takes before a condition on its engagement hands it on.

A CRM logs each email, call and meeting as an activity (MAP.json's ``channels`` say which
activity types or subtypes are touches of which channel; the activities of a task with a
``touch`` are its touches whatever they are called) and, when the lead answers, an activity
of its own (``responses``: "Email replied", "Call connected"). Each touch is a Bernoulli
trial of its task's ``response_rate``: an answer belongs to the latest touch of its case
that had ended by then (of the answer's own channel when its type or subtype names one), so
a touch answered twice counts once. The rate is answered / touches with a Wilson interval.

Where a condition on ``engagement`` or ``touches`` routes leads (``engagement >= 40`` to
sales), the hand-offs say after how many touches the condition held. That does not pin the
channel weights down: the condition only says the faded sum of weights crossed the threshold
between two touches, which a whole region of weights satisfies; so the weights are left as
they are, and the touches-to-hand-off seen are reported beside those the process implies (a
run of the calibrated process over the same span), which tells whether the weights agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.crm.eventlog import ACTIVITY, EventLog
from ..io.crm.mapping import CrmMap
from ..model import Process
from ..model.expressions import parse_expression
from ..sim import compile_process, run_replication
from ..sim.compiled import SOURCE
from .calibrate_stats import binomial_ci

#: built-in names whose conditions route leads by their touches
ROUTING_NAMES = frozenset({"engagement", "touches"})
#: a millisecond in hours: records of one moment, written through different clocks
_MOMENT = 1.0 / 3.6e6


@dataclass(frozen=True)
class ResponseFit:
    """A touch task's response rate: ``answered`` of its ``n`` touches."""

    rate: float
    ci95: tuple[float, float]
    n: int
    answered: int


@dataclass
class HandoffFit:
    """Touches before the hand-off along ``edge`` (``source->target``, taken when ``when``):
    per lead as the export shows them, and as a run of the calibrated process has them."""

    edge: str
    target: str
    when: str
    observed: np.ndarray
    implied: np.ndarray | None = None

    def text(self) -> str:
        """One sentence for the calibration's notes."""
        seen = _summary(self.observed)
        out = (f"touches before the hand-off {self.edge} (when {self.when}): the export shows "
               f"{seen}")
        if self.implied is not None and len(self.implied):
            out += f"; the calibrated process implies {_summary(self.implied)}"
        return out + (". Hand-offs alone do not identify the weights (they only say when "
                      "the threshold was crossed); the exits of a cadence whose until is on "
                      "engagement bound them (see the changes)")


def _summary(counts: np.ndarray) -> str:
    if not len(counts):
        return "no hand-off"
    values, freq = np.unique(counts, return_counts=True)
    shares = ", ".join(f"{int(v)}: {f / len(counts):.0%}" for v, f in
                       zip(values[:8], freq[:8], strict=True))
    more = ", ..." if len(values) > 8 else ""
    return (f"{len(counts):,} leads, mean {counts.mean():.2f}, median "
            f"{np.median(counts):g}, 90th percentile {np.quantile(counts, 0.9):g} "
            f"({shares}{more})")


def _words(values: list[str]) -> set[str]:
    return {v.casefold().strip() for v in values}


def _lookup(table: dict[str, str], values: pd.Series) -> pd.Series:
    """``values`` looked up in ``table`` as written, then ignoring case and spaces."""
    folded = {" ".join(k.split()).casefold(): v for k, v in table.items()}
    found = values.map(table)
    rest = found.isna() & values.notna()
    if rest.any():
        found[rest] = values[rest].map(lambda v: folded.get(" ".join(str(v).split())
                                                            .casefold()))
    return found


def is_response(acts: pd.DataFrame, responses: list[str]) -> pd.Series:
    """Which activity rows are answers (their type or subtype is one of ``responses``)."""
    words = _words(responses)
    if not words:
        return pd.Series(False, index=acts.index)
    return (acts["value"].str.casefold().str.strip().isin(words)
            | acts["subtype"].str.casefold().str.strip().isin(words)).fillna(False) \
        .astype(bool)


def touch_rows(acts: pd.DataFrame, activities: dict[str, str], channels: dict[str, str],
               touch_tasks: dict[str, str], responses: list[str],
               stale: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The touches among activity rows: ``case``, ``time``, ``at`` (when the touch was done:
    its end, else its time), ``task`` (None for a touch of no task) and ``channel``.

    A row is a touch when it maps to a task with a touch (by type, else subtype) or its
    type or subtype names a channel; answers are not touches, nor are the marks of a touch
    that hit a stale record (``stale``: "Wrong number" logged beside the call it was)."""
    rows = acts[~is_response(acts, responses) & ~is_response(acts, list(stale))]
    task = _lookup(activities, rows["value"]).fillna(_lookup(activities, rows["subtype"]))
    task = task.where(task.isin(list(touch_tasks)))
    channel = task.map(touch_tasks)
    named = _lookup(channels, rows["value"]).fillna(_lookup(channels, rows["subtype"]))
    channel = channel.fillna(named)
    keep = channel.notna()
    end = rows["end"].where(rows["end"].notna(), rows["time"])
    return pd.DataFrame({"case": rows["case"], "time": rows["time"], "at": end,
                         "task": task, "channel": channel})[keep]


def answered(touches: pd.DataFrame, acts: pd.DataFrame, channels: dict[str, str],
             responses: list[str]) -> tuple[pd.Series, int]:
    """Per touch row whether an answer belongs to it, and how many answers belong to none
    (no touch of theirs had ended before them)."""
    rows = acts[is_response(acts, responses)]
    hit = pd.Series(False, index=touches.index)
    if rows.empty or touches.empty:
        return hit, len(rows)
    channel = _lookup(channels, rows["subtype"]).fillna(_lookup(channels, rows["value"]))
    answers = pd.DataFrame({"case": rows["case"], "time": rows["time"], "channel": channel})
    pool = touches.assign(touch=touches.index).sort_values("at")
    orphans = 0
    for known, group in answers.groupby(answers["channel"].notna()):
        by = ["case", "channel"] if known else ["case"]
        joined = pd.merge_asof(group.sort_values("time").drop(columns=[] if known
                                                               else ["channel"]),
                               pool[["at", "touch", *by]], left_on="time", right_on="at",
                               by=by, direction="backward")
        orphans += int(joined["touch"].isna().sum())
        hit[joined["touch"].dropna().unique()] = True
    return hit, orphans


def fit_responses(touches: pd.DataFrame, hit: pd.Series) -> dict[str, ResponseFit]:
    """Task id -> its response rate from its touches and which were answered."""
    out = {}
    for task, rows in touches.dropna(subset=["task"]).groupby("task"):
        n, k = len(rows), int(hit[rows.index].sum())
        out[str(task)] = ResponseFit(k / n, binomial_ci(k, n), n, k)
    return out


def routing_edges(process: Process) -> list[tuple[str, str, str]]:
    """(source, target, condition) of every edge whose condition reads the engine's
    ``engagement`` or ``touches`` (not attributes the process declares under those names)."""
    kept = ROUTING_NAMES - set(process.attributes)
    return [(e.source, e.target, e.when) for e in process.edges
            if e.when and kept & parse_expression(e.when).names]


def observed_handoffs(touches: pd.DataFrame, reached: pd.Series, origin: pd.Timestamp,
                      source_touch: pd.Series) -> np.ndarray:
    """Touches per lead done by the time it was first seen at the hand-off's target
    (``reached``: case -> hours since ``origin``), its arrival counted when its source has
    a channel (``source_touch``: case -> 0 or 1). A touch done the moment the lead was seen
    there counts (the hand-off follows it): times are compared to a millisecond."""
    if reached.empty:
        return np.zeros(0, dtype=np.int64)
    mine = touches[touches["case"].isin(reached.index)]
    at = ((mine["at"] - origin) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    before = mine[at <= reached.reindex(mine["case"]).to_numpy(dtype=float) + _MOMENT]
    counts = before.groupby("case").size().reindex(reached.index, fill_value=0)
    counts += source_touch.reindex(reached.index, fill_value=0).astype(np.int64)
    return counts.to_numpy(dtype=np.int64)


def implied_handoffs(process: Process, hours: float, target: str,
                     seed: int = 1) -> np.ndarray:
    """Touches per lead when it first enters ``target`` in one run of ``process`` over
    ``hours`` (its arrival counted when its source has a channel)."""
    c = compile_process(process, horizon=hours, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    run_replication(c, 0, seed, trace=trace)
    to = process.node_index(target)
    touching = {n.index for n in c.nodes if n.touch is not None and n.kind != SOURCE}
    channelled = {n.index for n in c.nodes if n.touch is not None and n.kind == SOURCE}
    count: dict[int, int] = {}
    out: list[int] = []
    done: set[int] = set()
    for t, lead, n, event in trace:
        if t > hours or lead in done or n < 0:
            continue
        if event == "enter":
            if n in channelled:
                count[lead] = count.get(lead, 0) + 1
            if n == to:
                out.append(count.get(lead, 0))
                done.add(lead)
        elif (event == "done" and n in touching) or event == "touch":  # a cadence's touch
            count[lead] = count.get(lead, 0) + 1
    return np.asarray(out, dtype=np.int64)


def touching_nodes(process: Process) -> list[Any]:
    """The tasks with a touch and the cadences (whose every pass is a touch)."""
    return [n for n in process.nodes
            if n.kind in ("task", "cadence") and getattr(n, "touch", None) is not None]


def touch_history(log: EventLog, mapping: CrmMap, process: Process,
                  until: pd.Timestamp) -> pd.DataFrame:
    """Each case's touches up to ``until`` as its activity history shows them (its arrival
    too when its source has a channel), by case: ``touches``, ``first_channel``,
    ``last_channel``, ``last_h`` (hours after the export's start of the last touch),
    ``engagement`` (the touches' weights faded to ``until`` with the process's half-life)
    and ``responded`` (an answer was logged). A touch counts once its work has ended."""
    tasks = {n.id: n.touch for n in touching_nodes(process)}
    events = log.events[(log.events["kind"] == ACTIVITY) & (log.events["time"] <= until)]
    rows = touch_rows(events, mapping.activities, mapping.channels,
                      {task: t.channel for task, t in tasks.items()}, mapping.responses,
                      mapping.stale_activities)
    rows = rows[rows["at"] <= until]
    by_channel: dict[str, float] = {}
    for t in tasks.values():
        by_channel.setdefault(t.channel, float(t.weight))
    weight = rows["task"].map({task: float(t.weight) for task, t in tasks.items()}) \
        .fillna(rows["channel"].map(by_channel)).fillna(0.0)
    parts = [pd.DataFrame({"case": rows["case"].astype("string"), "at": rows["at"],
                           "channel": rows["channel"].astype(str), "weight": weight})]
    channelled = {n.id: n for n in process.sources() if n.channel is not None}
    if channelled:
        cases = log.cases[log.cases["created"] <= until]
        source = cases["source"].map(mapping.sources)
        if len(process.sources()) == 1:
            source = source.fillna(process.sources()[0].id)
        source = source[source.isin(list(channelled))]
        parts.append(pd.DataFrame({
            "case": source.index.astype("string"), "at": cases.loc[source.index, "created"],
            "channel": [channelled[s].channel for s in source],
            "weight": [float(channelled[s].touch_weight or 0.0) for s in source]}))
    touches = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else parts[0]
    touches = touches.sort_values(["case", "at"], kind="stable")
    half_life = process.engagement.half_life_hours if process.engagement else 0.0
    hour = pd.Timedelta(hours=1)
    back = ((until - touches["at"]) / hour).to_numpy(dtype=float)
    faded = touches["weight"].to_numpy(dtype=float) * (
        2.0 ** (-back / half_life) if half_life else 1.0)
    grouped = touches.assign(faded=faded).groupby("case", sort=False)
    out = pd.DataFrame({
        "touches": grouped.size(), "first_channel": grouped["channel"].first(),
        "last_channel": grouped["channel"].last(),
        "last_h": (grouped["at"].max() - log.start) / hour,
        "engagement": grouped["faded"].sum(),
    })
    answers = events[is_response(events, mapping.responses)]["case"].astype("string")
    out["responded"] = out.index.isin(answers.unique())
    return out


__all__ = ["HandoffFit", "ResponseFit", "answered", "fit_responses", "implied_handoffs",
           "is_response", "observed_handoffs", "routing_edges", "touch_history", "touch_rows",
           "touching_nodes"]
