"""Touches at run time: each lead's touch attributes, engagement that fades, attribution.

A lead's touch state lives in its attribute dict: the built-in names the process does not
declare (``touches``, ``first_channel``, ...) as expressions read them, and under keys no
identifier can spell (``~...``) what the engine needs whatever the process declares: the
engagement as last changed and when, the time of the last touch, and the first and last
channel for attribution. Engagement is stored with the time of its last change and faded
when read (``value * 2 ** (-(now - then) / half_life)``), so time passing costs nothing.

Only a process with touches builds a :class:`TouchBook`; every hook into the engine is put
in place at setup, so a process without touches runs the code it always ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .compiled import CNode, CTouch

if TYPE_CHECKING:
    from .engine import Lead, Replication

#: hidden keys of a lead's attribute dict (never an identifier, so never an attribute)
ENGAGED, ENGAGED_AT, TOUCHED_AT, FIRST, LAST = "~engaged", "~engaged_at", "~touched_at", \
    "~first", "~last"
WON = "won"
#: the trace event of a lead answering a touch (a reply, a call that connects): every answer
#: is written, not only the first, so a CRM built from the trace logs each one
RESPOND = "respond"


@dataclass(slots=True)
class ChannelRecord:
    """One channel's figures in a replication: counted leads that reached an outcome with
    it as their first (last) touch, how many of them were won, and the touch cost spent on
    the channel inside the measured window."""

    first_leads: int = 0
    first_won: int = 0
    last_leads: int = 0
    last_won: int = 0
    cost: float = 0.0


@dataclass(slots=True)
class TouchRecord:
    """Per channel (in the process's order) its :class:`ChannelRecord`."""

    channels: dict[str, ChannelRecord] = field(default_factory=dict)


class TouchBook:
    """A replication's touches: the per-lead state, the touch of each task, the channel
    figures."""

    def __init__(self, rep: Replication) -> None:
        plan = rep.c.touches
        assert plan is not None
        self.rep = rep
        self.half_life = plan.half_life
        self.kept = plan.kept
        self.channels = {name: ChannelRecord() for name in plan.channels}
        self.won = rep.outcome_index.get(WON, -1)
        defaults = {"touches": 0, "since_last_touch": 0.0, "engagement": 0.0,
                    "first_channel": "", "last_channel": "", "responded": False}
        #: a new lead's built-ins (the ones the process does not declare)
        self.defaults = {name: value for name, value in defaults.items() if name in self.kept}

    # --- the state of a lead ------------------------------------------------------------
    def start(self, attrs: dict[str, Any], now: float, source: CNode | None,
              engaged_at: float | None = None) -> None:
        """A new lead's touch state, created at ``now``; its arrival at ``source`` is its
        first touch if the source has a channel. Values already in ``attrs`` (a snapshot
        item's) stay; an engagement given there is as of ``engaged_at`` (the snapshot's
        moment) and fades from then."""
        kept = self.kept
        for name, value in self.defaults.items():
            attrs.setdefault(name, value)
        engaged = attrs.get("engagement") if "engagement" in kept else 0.0
        attrs.setdefault(ENGAGED, float(engaged or 0.0))
        attrs.setdefault(ENGAGED_AT, now if engaged_at is None else engaged_at)
        attrs.setdefault(TOUCHED_AT, now)
        attrs.setdefault(FIRST, attrs.get("first_channel", "") if "first_channel" in kept else "")
        attrs.setdefault(LAST, attrs.get("last_channel", "") if "last_channel" in kept else "")
        if source is not None and source.touch is not None:
            self.apply(attrs, now, source.touch, None)

    def starter(self, source: CNode | None) -> Callable[[dict[str, Any], float], None]:
        """``start(attrs, now)`` for the new leads of ``source``: :meth:`start` for freshly
        drawn attributes (which hold none of the touch keys), done with one dict update."""
        fresh = dict(self.defaults)
        touch = source.touch if source is not None else None
        apply = self.apply

        def start(attrs: dict[str, Any], now: float) -> None:
            attrs.update(fresh)
            attrs[ENGAGED], attrs[ENGAGED_AT], attrs[TOUCHED_AT] = 0.0, now, now
            attrs[FIRST] = attrs[LAST] = ""
            if touch is not None:
                apply(attrs, now, touch, None)

        return start

    def engagement(self, attrs: dict[str, Any], now: float) -> float:
        """The lead's engagement faded to ``now``."""
        value = attrs[ENGAGED]
        if self.half_life and value:
            return value * 2.0 ** (-(now - attrs[ENGAGED_AT]) / self.half_life)
        return value

    def refresh(self, attrs: dict[str, Any], now: float) -> None:
        """Bring the clock-dependent built-ins up to ``now`` before an expression reads them."""
        if "engagement" in self.kept:
            attrs["engagement"] = self.engagement(attrs, now)
        if "since_last_touch" in self.kept:
            attrs["since_last_touch"] = now - attrs[TOUCHED_AT]

    def apply(self, attrs: dict[str, Any], now: float, touch: CTouch,
              rand: Callable[[], float] | None) -> None:
        """One touch at ``now``: count it, add its weight to the faded engagement, note the
        channel, and let the lead answer with the touch's response rate (``rand``)."""
        kept = self.kept
        engaged = self.engagement(attrs, now) + touch.weight
        attrs[ENGAGED], attrs[ENGAGED_AT], attrs[TOUCHED_AT] = engaged, now, now
        if not attrs[FIRST]:
            attrs[FIRST] = touch.channel
            if "first_channel" in kept:
                attrs["first_channel"] = touch.channel
        attrs[LAST] = touch.channel
        if "touches" in kept:
            attrs["touches"] += 1
        if "engagement" in kept:
            attrs["engagement"] = engaged
        if "since_last_touch" in kept:
            attrs["since_last_touch"] = 0.0
        if "last_channel" in kept:
            attrs["last_channel"] = touch.channel
        if rand is not None and touch.response_rate and rand() < touch.response_rate and (
                "responded" in kept):
            attrs["responded"] = True

    def after_sets(self, attrs: dict[str, Any], now: float, targets: frozenset[str]) -> None:
        """A ``set`` changed built-ins: engagement starts fading afresh from its new value,
        and the channels it gave count for attribution."""
        if "engagement" in targets and "engagement" in self.kept:
            attrs[ENGAGED], attrs[ENGAGED_AT] = float(attrs["engagement"]), now
        if "first_channel" in targets and "first_channel" in self.kept:
            attrs[FIRST] = attrs["first_channel"]
        if "last_channel" in targets and "last_channel" in self.kept:
            attrs[LAST] = attrs["last_channel"]

    # --- hooks for the engine -------------------------------------------------------------
    def make_touch(self, node: CNode) -> Callable[[Lead], None] | None:
        """``touch(lead)`` for a task with a touch (None without): the touch itself, and its
        cost on the task's lane and channel when it falls inside the measured window."""
        touch = node.touch
        if touch is None:
            return None
        rep = self.rep
        env, exec_cost, lane = rep.env, rep.exec_cost, node.lane
        warmup, horizon = rep.warmup, rep.horizon
        record = self.channels[touch.channel]
        rate = touch.response_rate
        rand = rep.stream("touch", node.id).random if rate else None
        cost, weight, channel, half_life = touch.cost, touch.weight, touch.channel, \
            self.half_life
        kept = self.kept
        # what :meth:`apply` does, with its tests on the process decided once
        count, engagement = "touches" in kept, "engagement" in kept
        since, first, last = "since_last_touch" in kept, "first_channel" in kept, \
            "last_channel" in kept
        responds = rand is not None and "responded" in kept
        tr, n = rep.tr, node.index

        def touched(lead: Lead) -> None:
            now = env._now
            attrs = lead.attrs
            engaged = attrs[ENGAGED]
            if half_life and engaged:
                engaged *= 2.0 ** (-(now - attrs[ENGAGED_AT]) / half_life)
            engaged += weight
            attrs[ENGAGED], attrs[ENGAGED_AT], attrs[TOUCHED_AT] = engaged, now, now
            if not attrs[FIRST]:
                attrs[FIRST] = channel
                if first:
                    attrs["first_channel"] = channel
            attrs[LAST] = channel
            if count:
                attrs["touches"] += 1
            if engagement:
                attrs["engagement"] = engaged
            if since:
                attrs["since_last_touch"] = 0.0
            if last:
                attrs["last_channel"] = channel
            if responds and rand() < rate:
                attrs["responded"] = True
                if tr is not None:  # a trace (replay, a synthetic CRM) sees the answer
                    tr((now, lead.id, n, RESPOND))
            if cost and warmup <= now <= horizon:
                exec_cost[lane] += cost
                record.cost += cost

        return touched

    def refreshing(self, fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        """``fn`` reading the clock-dependent built-ins as of now."""
        env, refresh = self.rep.env, self.refresh

        def refreshed(attrs: dict[str, Any]) -> Any:
            refresh(attrs, env._now)
            return fn(attrs)

        return refreshed

    def finish(self, lead: Lead, outcome: int) -> None:
        """A counted lead reached an outcome: attribute it to its first and last channel."""
        attrs = lead.attrs
        won = outcome == self.won
        first = self.channels.get(attrs[FIRST]) if attrs[FIRST] else None
        if first is not None:
            first.first_leads += 1
            first.first_won += won
        last = self.channels.get(attrs[LAST]) if attrs[LAST] else None
        if last is not None:
            last.last_leads += 1
            last.last_won += won

    def record(self) -> TouchRecord:
        return TouchRecord(dict(self.channels))
