"""Charts of a calibration: what the CRM recorded beside what the calibrated process does.

Plain data in (numbers and lists, no pandas), matplotlib figures out, in the look of
:mod:`laneforge.render.charts` so a calibration report reads like the results report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .charts import LIGHT_CHARTS, ChartStyle, _figure, _legend, _title

WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def observed_funnel_chart(steps: Sequence[str], observed: Sequence[float | None],
                          simulated: Sequence[float | None],
                          intervals: Sequence[tuple[float, float] | None],
                          style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Conversion between consecutive stages: observed bars beside simulated bars with the
    simulated 95 % interval as whiskers."""
    figure, axes = _figure(style, 6.4, 3.2)
    x = np.arange(len(steps))
    width = 0.38
    obs = [100 * v if v is not None else np.nan for v in observed]
    sim = [100 * v if v is not None else np.nan for v in simulated]
    axes.bar(x - width / 2, obs, width, color=style.palette[1], label="Observed (holdout)")
    bars = axes.bar(x + width / 2, sim, width, color=style.accent, label="Simulated")
    low = [100 * (s / 100 - i[0]) if i is not None and s == s else 0.0
           for s, i in zip(sim, intervals, strict=True)]
    high = [100 * (i[1] - s / 100) if i is not None and s == s else 0.0
            for s, i in zip(sim, intervals, strict=True)]
    axes.errorbar([b.get_x() + b.get_width() / 2 for b in bars], sim,
                  yerr=[np.maximum(low, 0), np.maximum(high, 0)], fmt="none",
                  ecolor=style.text, elinewidth=0.9, capsize=3)
    for xi, value in zip(x - width / 2, obs, strict=True):
        if value == value:
            axes.text(xi, value + 1.5, f"{value:.0f} %", ha="center", fontsize=7.5,
                      color=style.subtext)
    axes.set_xticks(x, [s.replace("->", " → ") for s in steps], fontsize=8.5)
    axes.set_ylabel("converted (%)")
    top = max([v for v in obs + sim if v == v] or [10])
    axes.set_ylim(0, min(100, top * 1.25 + 5))
    _title(axes, "Stage to stage conversion", style)
    _legend(axes, style, loc="upper right")
    return figure


def stage_time_chart(what: str, observed: Sequence[float], simulated: Sequence[float],
                     style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Stage-to-stage time in days: the observed histogram against the simulated one, both
    as shares so samples of different sizes compare."""
    figure, axes = _figure(style, 4.2, 2.6)
    data = [v for v in observed if v == v] + [v for v in simulated if v == v]
    if data:
        top = float(np.quantile(data, 0.97)) or 1.0
        bins = np.linspace(0.0, top, 25)
        for values, color, label in ((observed, style.palette[1], "Observed"),
                                     (simulated, style.accent, "Simulated")):
            clipped = np.clip(np.asarray(values, dtype=float), 0.0, top)
            if len(clipped):
                weights = np.full(len(clipped), 100.0 / len(clipped))
                axes.hist(clipped, bins=bins, weights=weights, color=color, alpha=0.55,
                          label=f"{label} (n = {len(clipped):,})", histtype="stepfilled",
                          edgecolor=color, linewidth=0.8)
    axes.set_xlabel("days")
    axes.set_ylabel("% of leads")
    _title(axes, what.replace("->", " → "), style)
    _legend(axes, style, loc="upper right")
    return figure


def arrivals_heatmap(counts: Sequence[Sequence[float]], style: ChartStyle = LIGHT_CHARTS,
                     title: str = "Leads created by weekday and hour") -> Figure:
    """A 7 × 24 table of lead creations (Monday first) as a heatmap."""
    grid = np.asarray(counts, dtype=float)
    figure, axes = _figure(style, 6.4, 2.6)
    axes.grid(False)
    image = axes.imshow(grid, aspect="auto", cmap="Blues", interpolation="nearest")
    axes.set_yticks(range(7), WEEKDAY_LABELS, fontsize=8)
    axes.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)], fontsize=8)
    bar = figure.colorbar(image, ax=axes, fraction=0.035, pad=0.01)
    bar.ax.tick_params(labelsize=7, colors=style.subtext)
    bar.outline.set_visible(False)
    _title(axes, title, style)
    return figure


def weekly_arrivals_chart(weeks: Sequence[str], observed: Sequence[float],
                          simulated: Mapping[str, float] | None = None,
                          style: ChartStyle = LIGHT_CHARTS) -> Figure:
    """Leads created per whole week, observed, with the simulated mean as a line."""
    figure, axes = _figure(style, 6.4, 2.6)
    x = np.arange(len(weeks))
    axes.bar(x, observed, color=style.palette[1], label="Observed")
    if simulated:
        axes.axhline(simulated["mean"], color=style.accent, linewidth=1.6,
                     label="Simulated mean")
    step = max(1, len(weeks) // 10)
    axes.set_xticks(x[::step], list(weeks)[::step], fontsize=7.5)
    axes.set_ylabel("leads")
    _title(axes, "Leads per week", style)
    _legend(axes, style, loc="lower right")
    return figure
