"""Charts of simulation results as matplotlib figures (no pyplot, no Qt): the app embeds
them, reports write them as SVG."""

from __future__ import annotations

import io
import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..bundled import resources_dir
from ..model import describe_hours


def _use_bundled_font() -> None:
    """Charts in the same typeface as the diagram (Inter ships in resources/fonts)."""
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "Inter"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG


_use_bundled_font()


@dataclass(frozen=True)
class ChartStyle:
    background: str = "#FFFFFF"
    text: str = "#1F2933"
    subtext: str = "#5F6B7A"
    grid: str = "#E3E6EA"
    accent: str = "#4C78A8"
    warn: str = "#E8A317"
    bad: str = "#D93025"
    good: str = "#2E9E5B"
    palette: tuple[str, ...] = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756",
                                "#72B7B2", "#EECA3B")


LIGHT_CHARTS = ChartStyle()
DARK_CHARTS = ChartStyle(background="#1C1F23", text="#E6E9ED", subtext="#A3ACB8",
                         grid="#353A41", accent="#6E9BD1")


def _figure(style: ChartStyle, width: float = 6.4, height: float = 3.4) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), dpi=100, facecolor=style.background,
                    layout="constrained")
    axes = figure.add_subplot()
    axes.set_facecolor(style.background)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    for spine in ("left", "bottom"):
        axes.spines[spine].set_color(style.grid)
    axes.tick_params(colors=style.subtext, labelsize=8.5)
    axes.yaxis.label.set_color(style.subtext)
    axes.xaxis.label.set_color(style.subtext)
    axes.title.set_color(style.text)
    axes.grid(True, color=style.grid, linewidth=0.6, alpha=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _legend(axes: Any, style: ChartStyle, **placement: Any) -> None:
    """A frameless legend in the chart's small, muted type."""
    legend = axes.legend(fontsize=7.8, frameon=False, **placement)
    for text in legend.get_texts():
        text.set_color(style.subtext)


def _title(axes: Any, text: str, style: ChartStyle) -> None:
    axes.set_title(text, loc="left", fontsize=10.5, fontweight=600, color=style.text,
                   pad=8)


def _nothing(axes: Any, text: str, style: ChartStyle) -> None:
    """A chart with nothing to show says so instead of drawing empty axes."""
    axes.text(0.5, 0.5, text, ha="center", va="center", color=style.subtext,
              transform=axes.transAxes)
    axes.set_axis_off()


def funnel_chart(results: Any, style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Leads reaching each stage (horizontal bars, widest first), with conversions."""
    figure, axes = _figure(style)
    stages = list(results.stages.items())
    if not stages:
        axes.text(0.5, 0.5, "No funnel stages in this process", ha="center", va="center",
                  color=style.subtext, transform=axes.transAxes)
        axes.set_axis_off()
        return figure
    names = [name for name, _ in stages][::-1]
    values = [stat.mean for _, stat in stages][::-1]
    bars = axes.barh(names, values, color=style.accent, height=0.62)
    top = max(values) or 1.0
    for i, (bar, value) in enumerate(zip(bars, values, strict=True)):
        stage_index = len(values) - 1 - i
        label = f"{value:,.0f}"
        if stage_index > 0:
            key = f"{stages[stage_index - 1][0]}->{stages[stage_index][0]}"
            conversion = results.conversions.get(key)
            if conversion is not None:
                label += f"  ({conversion.mean * 100:.1f} %)"
        axes.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, label,
                  va="center", fontsize=8.5, color=style.text)
    axes.set_xlim(0, top * 1.25)
    axes.grid(axis="y", visible=False)
    axes.set_xlabel("leads (mean per replication)")
    _title(axes, "Funnel by stage", style)
    return figure


def utilization_chart(results: Any, style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Utilization per staffed lane with 95 % interval bars and a 100 % line."""
    figure, axes = _figure(style)
    lanes = [(results.label("lanes", k), v.utilization) for k, v in results.lanes.items()
             if v.utilization is not None]
    if not lanes:
        _nothing(axes, "No lane has a staff limit", style)
        return figure
    names = [n for n, _ in lanes]
    means = [u.mean * 100 for _, u in lanes]
    errors = [[max(0.0, (u.mean - u.ci95[0]) * 100) for _, u in lanes],
              [max(0.0, (u.ci95[1] - u.mean) * 100) for _, u in lanes]]
    colors = [style.bad if m >= 95 else style.warn if m >= 85 else style.accent for m in means]
    axes.bar(names, means, color=colors, yerr=errors, capsize=4, width=0.6,
             error_kw={"ecolor": style.text, "elinewidth": 1.0})
    axes.axhline(100, color=style.bad, linewidth=1.0, linestyle="--")
    axes.text(len(names) - 0.5, 101, "100 %", color=style.bad, fontsize=8, ha="right",
              va="bottom")
    for i, mean in enumerate(means):
        axes.text(i, mean / 2, f"{mean:.0f} %", ha="center", va="center", color="white",
                  fontsize=8.5, fontweight=600)
    axes.set_ylim(0, max(110, max(means, default=0) + 10))
    axes.set_ylabel("busy share of working hours (%)")
    axes.grid(axis="x", visible=False)
    axes.tick_params(axis="x", labelrotation=12 if len(names) > 3 else 0)
    _title(axes, "Utilization per lane", style)
    return figure


def waits_chart(results: Any, style: ChartStyle = LIGHT_CHARTS, limit: int = 10) -> Figure:
    """Mean wait before each task (the longest first), working-hours part shaded."""
    figure, axes = _figure(style)
    tasks = sorted(((results.label("nodes", k), v) for k, v in results.nodes.items()
                    if v.wait_hours.mean > 0), key=lambda kv: -kv[1].wait_hours.mean)[:limit]
    if not tasks:
        _nothing(axes, "No lead waited for a task", style)
        return figure
    names = [n for n, _ in tasks][::-1]
    total = [v.wait_hours.mean for _, v in tasks][::-1]
    working = [v.working_wait_hours.mean for _, v in tasks][::-1]
    axes.barh(names, total, color=style.grid, height=0.62, label="waiting for the team")
    axes.barh(names, working, color=style.accent, height=0.62,
              label="in working hours (for a free person)")
    for i, value in enumerate(total):
        axes.text(value, i, f"  {describe_hours(value)}", va="center", fontsize=8.2,
                  color=style.text)
    axes.set_xlim(0, max(total) * 1.3)
    axes.set_xlabel("mean wait (hours)")
    axes.grid(axis="y", visible=False)
    _legend(axes, style, loc="lower right")
    _title(axes, "Wait before each task", style)
    return figure


def wip_chart(results: Any, style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Leads in the process over time, mean and 95 % band, warm-up shaded."""
    figure, axes = _figure(style)
    series = results.wip
    days = [i * series.step_hours / 24.0 for i in range(len(series.mean))]
    axes.fill_between(days, series.lo, series.hi, color=style.accent, alpha=0.18, linewidth=0)
    axes.plot(days, series.mean, color=style.accent, linewidth=1.6, label="leads in process")
    if results.warmup_hours:
        axes.axvspan(0, results.warmup_hours / 24.0, color=style.grid, alpha=0.5, linewidth=0)
        axes.text(results.warmup_hours / 48.0, 0.02, "warm-up", ha="center", va="bottom",
                  transform=axes.get_xaxis_transform(), fontsize=8, color=style.subtext)
    for i, (lane_id, queue) in enumerate(results.lane_queues.items()):
        if max(queue.mean, default=0) <= 0:
            continue
        axes.plot(days[:len(queue.mean)], queue.mean, linewidth=1.0,
                  color=style.palette[(i + 1) % len(style.palette)],
                  label=f"waiting for {results.label('lanes', lane_id)}")
    axes.set_xlabel("day")
    axes.set_ylabel("leads")
    axes.set_xlim(0, days[-1] if days else 1)
    axes.set_ylim(bottom=0, top=max(max(series.hi, default=1.0) * 1.45, 1.0))
    _legend(axes, style, loc="upper right", ncols=2)
    _title(axes, "Work in progress over time", style)
    return figure


def cycle_time_chart(results: Any, style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """How long leads take from arrival to their outcome, with p50 and p90 marked."""
    figure, axes = _figure(style)
    edges = results.cycle_histogram.edges
    counts = results.cycle_histogram.counts
    scale, unit = (24.0, "days") if edges[-1] > 72 else (1.0, "hours")
    lefts = [e / scale for e in edges[:-1]]
    widths = [(b - a) / scale for a, b in itertools.pairwise(edges)]
    axes.bar(lefts, counts, width=widths, align="edge", color=style.accent,
             edgecolor=style.background, linewidth=0.5)
    for name, stat, color, height in (("p50", results.cycle_time_hours.p50, style.good, 0.97),
                                      ("p90", results.cycle_time_hours.p90, style.warn, 0.88)):
        x = stat.mean / scale
        axes.axvline(x, color=color, linewidth=1.2, linestyle="--")
        axes.text(x, height, f" {name} {describe_hours(stat.mean)}", color=color, fontsize=8,
                  transform=axes.get_xaxis_transform(), va="top")
    axes.set_xlabel(f"cycle time ({unit})")
    axes.set_ylabel("leads per replication")
    _title(axes, "Cycle time", style)
    return figure


#: the rows a comparison chart shows first (what scenarios usually change)
COMPARISON_KEYS = ("won", "lead_to_won", "sla:", "util:", "cycle_p90", "cost_per_won")


def comparison_rows(rows: Sequence[Any], limit: int = 8) -> list[Any]:
    """The most telling KPI rows: won deals, SLA breaches, loads, cycle time, cost."""
    usable = [r for r in rows if r.values and r.values[0] is not None and r.values[0].mean]
    chosen: list[Any] = []
    for prefix in COMPARISON_KEYS:
        chosen += [r for r in usable if r.metric.key.startswith(prefix) and r not in chosen]
    return chosen[:limit]


def _two_lines(label: str, width: int = 26) -> str:
    """A KPI name on at most two lines (the table beside the chart has it in full)."""
    lines = textwrap.wrap(label, width)
    if len(lines) <= 2:
        return "\n".join(lines)
    return lines[0] + "\n" + textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")


def comparison_chart(runs: Sequence[Any], rows: Sequence[Any], style: ChartStyle = LIGHT_CHARTS,
                     ) -> Figure:
    """Grouped horizontal bars of the headline KPIs, one colour per run, each relative to the
    first run; the KPI names read on the left, whole, and the legend sits below the plot, so
    five or more scenarios stay readable in a narrow dock."""
    chosen = comparison_rows(rows, limit=6)
    figure, axes = _figure(style, 7.6, 3.8)
    if not chosen:
        axes.set_axis_off()
        return figure
    count = len(runs)
    height = 0.82 / count
    top = 100.0
    # the first KPI at the top, the first run at the top of each group
    slots = list(range(len(chosen)))[::-1]
    for i, run in enumerate(runs):
        widths = []
        for row in chosen:
            base, value = row.values[0], row.values[i]
            widths.append(100.0 * value.mean / base.mean if value and base and base.mean
                          else 0.0)
        top = max(top, *widths)
        positions = [k + ((count - 1) / 2 - i) * height for k in slots]
        axes.barh(positions, widths, height=height * 0.9, label=run.scenario or "Baseline",
                  color=style.palette[i % len(style.palette)])
    axes.axvline(100, color=style.subtext, linewidth=0.8)
    axes.set_yticks(slots)
    axes.kpi_labels = [r.metric.label for r in chosen]  # type: ignore[attr-defined]
    axes.set_yticklabels([_two_lines(r.metric.label) for r in chosen], fontsize=7.8)
    axes.set_xlim(0, top * 1.08)
    axes.set_xlabel("% of the first run")
    axes.grid(axis="y", visible=False)
    figure.legend(*axes.get_legend_handles_labels(), loc="outside lower center",
                  ncols=min(count, 3), fontsize=7.8, frameon=False, labelcolor=style.subtext)
    _title(axes, "Scenarios compared", style)
    return figure


def fit_legend(figure: Figure) -> None:
    """Give the figure's legend (below the plot) as many columns as its width holds, so
    no run's name is cut however narrow the chart is drawn, and the KPI names two lines
    only where the bars leave room for them; call after a resize."""
    if not figure.legends:
        return
    old = figure.legends[0]
    handles, labels = old.legend_handles, [t.get_text() for t in old.get_texts()]
    color = old.get_texts()[0].get_color() if labels else None
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    old.remove()
    probe = figure.legend(handles, labels, loc="outside lower center", ncols=1,
                          fontsize=7.8, frameon=False)
    column = probe.get_window_extent(renderer).width
    probe.remove()
    fits = int(figure.bbox.width * 0.96 // max(column, 1.0))
    figure.legend(handles, labels, loc="outside lower center",
                  ncols=max(1, min(len(labels), fits)), fontsize=7.8, frameon=False,
                  labelcolor=color)
    axes = figure.axes[0] if figure.axes else None
    names = getattr(axes, "kpi_labels", None)
    engine = figure.get_layout_engine()
    if axes is None or not names or engine is None:
        return
    axes.set_yticklabels([_two_lines(name) for name in names], fontsize=7.8)
    engine.execute(figure)  # where the plot ends up, to see how much room each KPI has
    line = 7.8 / 72 * figure.dpi * 1.3
    if axes.bbox.height / len(names) < 2.6 * line:
        axes.set_yticklabels([textwrap.shorten(name, 34, placeholder="…") for name in names],
                             fontsize=7.8)


def sweep_chart(values: Sequence[float], stats: Sequence[Any], label: str, kpi: str,
                *, target: float | None = None, best: float | None = None,
                percent: bool = False, integer: bool = False,
                style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """A KPI with its 95 % interval against the swept parameter; the best value marked.

    ``integer``: the parameter is a whole number (staff), so the axis ticks are whole
    numbers only. Intervals come clipped from the results (no negative share)."""
    figure, axes = _figure(style)
    factor = 100.0 if percent else 1.0
    means = [s.mean * factor for s in stats]
    lows = [s.ci95[0] * factor for s in stats]
    highs = [s.ci95[1] * factor for s in stats]
    axes.fill_between(values, lows, highs, color=style.accent, alpha=0.18, linewidth=0)
    axes.plot(values, means, marker="o", color=style.accent, linewidth=1.6, markersize=4)
    if target is not None:
        axes.axhline(target * factor, color=style.bad, linestyle="--", linewidth=1.0)
        axes.text(values[0], target * factor, " target", color=style.bad, fontsize=8,
                  va="bottom")
    if best is not None:
        axes.axvline(best, color=style.good, linewidth=1.2)
        axes.text(best, 0.97, f" {best:g}", color=style.good, fontsize=8.5, va="top",
                  transform=axes.get_xaxis_transform(), fontweight=600)
    if integer:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if percent or min(lows, default=0.0) >= 0:
        axes.set_ylim(bottom=0)
    axes.set_xlabel(label)
    # the title names the KPI (wrapped, never cut); the y axis only its unit when long
    short = kpi if len(kpi) <= 28 else ("share" if percent else "")
    axes.set_ylabel(short + (" (%)" if percent else ""))
    _title(axes, textwrap.fill(f"{kpi} against {label}", 66), style)
    return figure


def to_svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", facecolor=figure.get_facecolor())
    return buffer.getvalue()


def to_png(figure: Figure, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor=figure.get_facecolor())
    return buffer.getvalue()
