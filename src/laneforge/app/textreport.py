"""Simulation results and scenario comparisons as plain text for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import describe_hours
from ..model.currency import format_figure, format_money
from ..sim.analysis import RULE
from ..sim.capacity import CapacityEstimate, ReverseFunnel
from ..sim.results import Results, Stat
from .compare import compare, format_delta, format_value, run_name


def _interval(stat: Stat, kind: str) -> str:
    if stat.ci95[0] == stat.ci95[1]:
        return format_value(stat.mean, kind)
    return (f"{format_value(stat.mean, kind)}  "
            f"(95 % CI {format_value(stat.ci95[0], kind)}–{format_value(stat.ci95[1], kind)})")


def _table(rows: list[list[str]], aligns: str) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell.ljust(w) if a == "l" else cell.rjust(w)
                 for cell, w, a in zip(row, widths, aligns, strict=True)]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def format_results(r: Results) -> str:
    lines: list[str] = []
    title = f"{r.process}" + (f" — scenario “{r.scenario}”" if r.scenario else "")
    lines += [title, "=" * len(title)]
    lines.append(
        f"{r.replications} replication(s), seed {r.seed}, horizon {describe_hours(r.horizon_hours)}"
        f", warm-up {describe_hours(r.warmup_hours)}; ran in {r.seconds:.1f} s"
    )
    lines.append("")
    lines.append(f"Leads created after warm-up: {_interval(r.leads, 'count')}")
    total = sum(s.mean for s in r.outcomes.values()) or 1.0
    lines.append("Outcomes:")
    rows = [[name, format_value(s.mean, "count"), f"{s.mean / total * 100:.1f} %"]
            for name, s in sorted(r.outcomes.items(), key=lambda kv: -kv[1].mean)
            if s.mean or name != "stuck"]
    if r.open_at_end.mean:
        rows.append(["(still open)", format_value(r.open_at_end.mean, "count"), ""])
    lines += _table(rows, "lrr")
    if r.stages:
        lines.append("Funnel:")
        rows = []
        stages = list(r.stages.items())
        for i, (name, s) in enumerate(stages):
            conversion = ""
            if i:
                key = f"{stages[i - 1][0]}->{name}"
                if key in r.conversions:
                    conversion = f"{r.conversions[key].mean * 100:.1f} % of {stages[i - 1][0]}"
            rows.append([name, format_value(s.mean, "count"), conversion])
        lines += _table(rows, "lrl")
    lines.append(
        f"Cycle time: mean {describe_hours(r.cycle_time_hours.mean.mean)}, "
        f"p50 {describe_hours(r.cycle_time_hours.p50.mean)}, "
        f"p90 {describe_hours(r.cycle_time_hours.p90.mean)}"
    )
    if r.won is not None:
        won = f"Won: {format_value(r.won.mean, 'count')}"
        if r.lead_to_won is not None:
            won += f" ({r.lead_to_won.mean * 100:.2f} % of leads)"
        if r.cost_per_won is not None:
            won += f"; cost per won deal {format_money(r.cost_per_won.mean, r.currency)}"
        lines.append(won)
    lines.append("")
    lines.append("Lanes:")
    rows = [["lane", "utilization", "mean queue", "longest wait", "cost"]]
    for lane_id, lane in r.lanes.items():
        waits = [(r.nodes[n].wait_hours.mean, n) for n in r.nodes
                 if r.nodes[n].wait_hours.mean > 0 and _lane_of(r, n) == lane_id]
        worst = max(waits, default=None)
        rows.append([
            r.label("lanes", lane_id),
            _interval(lane.utilization, "percent") if lane.utilization else "no limit",
            f"{lane.queue_mean.mean:.1f}",
            f"{describe_hours(worst[0])} at {r.label('nodes', worst[1])}" if worst else "–",
            format_money(lane.cost.mean, r.currency),
        ])
    lines += _table(rows, "lllll")
    lines += attribution_lines(r)
    lines += cadence_lines(r)
    if r.slas:
        lines.append("")
        lines.append("SLAs:")
        rows = [[r.label("slas", k), f"{s.breach_rate.mean * 100:.1f} % breached",
                 f"of {format_value(s.checked.mean, 'count')} checked"] for k, s in r.slas.items()]
        lines += _table(rows, "lrl")
    if r.data_quality is not None:
        lines += ["", *data_quality_lines(r)]
    lines.append("")
    if r.bottlenecks:
        lines.append("Bottlenecks (worst first):")
        for i, b in enumerate(r.bottlenecks, 1):
            lines.append(f"  {i}. {b.reason}")
    else:
        lines.append(f"Bottlenecks: none. {RULE}")
    if r.warnings:
        lines.append("")
        lines.append("Warnings:")
        lines += [f"  - {w}" for w in r.warnings]
    return "\n".join(lines)


def data_quality_lines(r: Results) -> list[str]:
    """Stale contact data: contacts wasted on out-of-date records, and what cleansing did."""
    dq = r.data_quality
    assert dq is not None
    money = r.currency
    lines = [f"Stale records: {format_value(dq.wasted_contacts.mean, 'count')} of "
             f"{format_value(dq.contacts.mean, 'count')} contacts "
             f"({dq.wasted_share.mean * 100:.1f} %) reached an out-of-date record, "
             f"{describe_hours(dq.wasted_hours.mean)} of staff time, "
             f"{format_money(dq.wasted_cost.mean, money)}"]
    cleansed = dq.cleansed_by_steps.mean + dq.cleansed_by_batch.mean
    if cleansed:
        parts = [f"{format_value(value, 'count')} records {how}" for value, how in (
            (dq.cleansed_by_steps.mean, "by cleansing steps"),
            (dq.cleansed_by_batch.mean, "by the batch")) if value]
        lines.append(f"Cleansing: {', '.join(parts)}, "
                     f"{format_money(dq.cleansing_cost.mean, money)}")
    else:
        lines.append("Cleansing: none (no cleansing step or batch)")
    return lines
def attribution_lines(r: Results) -> list[str]:
    """First- and last-touch attribution per channel (nothing for a process without
    touches): leads, won deals and touch cost per won deal, side by side."""
    a = r.attribution
    if a is None or not a.first_touch:
        return []

    def per_won(stat: Stat | None) -> str:
        return format_money(stat.mean, r.currency) if stat is not None else "–"

    def count(stat: Stat) -> str:
        return format_value(stat.mean, "count") if stat.mean else "0"

    rows = [["channel", "first-touch leads", "won", "cost per won",
             "last-touch leads", "won", "cost per won"]]
    for channel, first in a.first_touch.items():
        last = a.last_touch[channel]
        rows.append([channel, count(first.leads), count(first.won),
                     per_won(first.cost_per_won), count(last.leads), count(last.won),
                     per_won(last.cost_per_won)])
    return ["", "Attribution by channel (first touch | last touch; cost: touches on the "
            "channel):", *_table(rows, "lrrrrrr")]


def cadence_lines(r: Results) -> list[str]:
    """Per cadence its leads, touches and answers, and how its leads left (nothing for a
    process without cadences); touches per lead count the leads that entered."""
    if not r.cadences:
        return []

    def count(stat: Stat) -> str:
        return format_value(stat.mean, "count") if stat.mean else "0"

    rows = [["cadence", "entered", "touches", "per lead", "responses", "graduated",
             "exhausted"]]
    for node_id, c in r.cadences.items():
        per_lead = f"{c.touches.mean / c.entered.mean:.2f}" if c.entered.mean else "–"
        rows.append([r.label("nodes", node_id), count(c.entered), count(c.touches), per_lead,
                     count(c.responses), count(c.graduated), count(c.exhausted)])
    return ["", "Cadences:", *_table(rows, "lrrrrrr")]


def _lane_of(r: Results, node_id: str) -> str | None:
    return r.labels.get("node_lanes", {}).get(node_id)


def format_comparison(runs: Sequence[Results]) -> str:
    rows = compare(runs)
    header = ["", *[run_name(r) for r in runs]]
    table = [header]
    for row in rows:
        cells = [row.metric.label]
        for i, value in enumerate(row.values):
            text = format_figure(value.mean if value else None, row.metric.kind, row.currency)
            if i:
                delta = format_delta(row.deltas[i], row.metric.kind, row.currency)
                if delta:
                    mark = "" if row.significant[i] else " (n.s.)"
                    text += f"  [{delta}{mark}]"
            cells.append(text)
        table.append(cells)
    lines = [f"{runs[0].process}: {len(runs)} runs, {runs[0].replications} replications each, "
             f"seed {runs[0].seed} (common random numbers)", ""]
    lines += _table(table, "l" + "r" * len(runs))
    lines += ["", "[deltas] against the first column; n.s. = not significant: the 95 % "
              "interval of the paired differences (replication by replication, same random "
              "numbers) includes zero."]
    return "\n".join(lines)


def format_capacity(estimate: CapacityEstimate, funnel: ReverseFunnel | None = None) -> str:
    """The offered load per lane and, with a target, the reverse funnel."""
    lines = [f"Capacity estimate (no simulation): {estimate.arrivals_per_hour * 168:,.0f} "
             "leads a week", ""]
    rows = [["lane", "staff", "busy on average", "load", "staff for 85 %"]]
    for load in estimate.lanes:
        if load.utilization is None:
            rows.append([load.name, "no limit", f"{load.offered:.1f}", "–", "–"])
            continue
        flag = "  over capacity" if load.utilization >= 1 else ""
        rows.append([load.name, str(load.staff), f"{load.offered_staff:.1f}",
                     f"{load.utilization * 100:.0f} %{flag}", str(load.staff_needed(0.85))])
    lines += _table(rows, "lrrll")
    if funnel is not None:
        lines += ["", f"For {funnel.won_per_month:g} won deals a month "
                      f"({funnel.won_per_lead * 100:.2f} % of leads are won):",
                  f"  leads needed: {funnel.leads_per_month_needed:,.0f} a month "
                  f"(now {funnel.leads_per_month_now:,.0f})",
                  f"  staff at {funnel.target_utilization * 100:.0f} % load:"]
        rows = [["lane", "now", "needed"]]
        for lane_id, (now, needed) in funnel.staff.items():
            name = next(ld.name for ld in estimate.lanes if ld.lane == lane_id)
            if now is None:
                continue
            rows.append([name, str(now), str(needed)])
        lines += ["  " + line for line in _table(rows, "lrr")]
    return "\n".join(lines)
