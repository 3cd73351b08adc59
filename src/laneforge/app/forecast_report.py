"""The forecast's results file and HTML report: the fan chart of cumulative won deals, the
chance of reaching the target as a large figure, the pipeline/new split, the at-risk list
and the backtest table. Tables and figure embedding are the calibration report's."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from matplotlib.figure import Figure

from .. import __version__
from ..atomic import atomic_write_text
from .calibration_report import EXTRA_CSS, _figures_html, _rows
from .forecast import Forecast
from .report import CSS, _esc

FAN_COLOURS = ("#1F6FB2", "#D9822B", "#2E9E5B", "#8E44AD")


def write_forecast_results(result: Forecast, path: str | os.PathLike[str]) -> None:
    """``--json OUT``: the ``laneforge/forecast`` object, written atomically."""
    atomic_write_text(path, json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")


def fan_chart(result: Forecast) -> Figure:
    """Cumulative won deals by week: P10-P90 band and P50 line per run, the target line,
    and, for a snapshot in the export's past, the wins it recorded since."""
    fig = Figure(figsize=(8, 4), facecolor="white")
    ax = fig.add_subplot()
    runs = {"Baseline": result.summary, **result.scenarios}
    for k, (name, summary) in enumerate(runs.items()):
        colour = FAN_COLOURS[k % len(FAN_COLOURS)]
        ends = [result.as_of] + [dt.datetime.fromisoformat(w["end"]) for w in summary.weeks]
        low = [0.0] + [w["cumulative_won"]["p10"] for w in summary.weeks]
        mid = [0.0] + [w["cumulative_won"]["p50"] for w in summary.weeks]
        high = [0.0] + [w["cumulative_won"]["p90"] for w in summary.weeks]
        ax.fill_between(ends, low, high, color=colour, alpha=0.18, linewidth=0,
                        label=f"{name} P10–P90")
        ax.plot(ends, mid, color=colour, linewidth=2, label=f"{name} P50")
    if result.actuals:
        ax.plot([result.as_of] + [end for end, _ in result.actuals],
                [0] + [won for _, won in result.actuals], color="#202124", marker="o",
                markersize=4, linewidth=1.5, label="actual so far")
    if result.target is not None:
        ax.axhline(result.target, color="#D93025", linestyle="--", linewidth=1.2,
                   label=f"target {result.target:g}")
    ax.set_ylabel("cumulative won deals")
    ax.set_title(f"Won deals from {result.as_of:%Y-%m-%d} to {result.until:%Y-%m-%d}")
    ax.legend(loc="best", fontsize=8, framealpha=0.85, edgecolor="none")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def backtest_chart(result: Forecast) -> Figure:
    """Each backtest period's P10-P90 band and P50 against the actual wins."""
    rows = result.backtest_rows
    fig = Figure(figsize=(8, 3.4), facecolor="white")
    ax = fig.add_subplot()
    x = list(range(len(rows)))  # one slot a period: dates between periods say nothing
    ax.vlines(x, [r.p10 for r in rows], [r.p90 for r in rows], color="#1F6FB2", linewidth=14,
              alpha=0.35, label="forecast P10–P90")
    ax.plot(x, [r.p50 for r in rows], "_", color="#1F6FB2", markersize=22,
            markeredgewidth=2, label="P50")
    ax.plot(x, [r.actual for r in rows], "o", color="#D93025", label="actual")
    ax.set_xticks(x, [f"{r.start:%b %Y}" for r in rows])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel("won deals in the period")
    ax.set_title("Backtest: forecast at each period's start against what happened")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _backtest_html(result: Forecast) -> str:
    m = result.backtest
    if m is None:
        return ("<h2>Backtest</h2><p class='off'>No backtest was run: this forecast is not "
                "shown as trustworthy (run with --backtest).</p>")
    rows = [[f"{r.start:%Y-%m-%d}", f"{r.end:%Y-%m-%d}", f"{r.p10:.0f}", f"{r.p50:.0f}",
             f"{r.p90:.0f}", str(r.actual),
             f"<span class='off'>{r.miss}</span>" if r.miss else "<span class='ok'>in</span>"]
            for r in result.backtest_rows]
    parts = [f"<h2>Backtest by {_esc(m['kind'])}</h2>",
             _rows(["from", "to", "P10", "P50", "P90", "actual", "band"], rows),
             f"<p>P50 MAPE {_pct(m['p50_mape'])} · bias {_pct(m['bias'])} · P10–P90 coverage "
             f"{_pct(m['coverage_p10_p90'])} (about 80 % for a calibrated forecast)</p>"]
    change = m.get("process_changed")
    if change:
        parts.append(f"<div class='verdict' style='background:#D93025'><b>process changed</b>"
                     f" · the last {change['periods']} periods (since {change['since'][:10]}) "
                     f"fell {change['direction']} the forecast band: recalibrate on recent "
                     "data before trusting this forecast</div>")
    return "".join(parts)


def forecast_html(result: Forecast) -> str:
    """The report as one HTML page with its charts inline as SVG."""
    s = result.summary
    big = (f"<div class='verdict' style='background:#1F6FB2'><b>P(won ≥ {result.target:g}) = "
           f"{_pct(s.p_target)}</b></div>" if result.target is not None else "")
    won = [["Baseline", f"{s.won['p10']:.0f}", f"{s.won['p50']:.0f}", f"{s.won['p90']:.0f}",
            f"{s.bookings['p50']:,.0f}", _pct(s.p_target)]]
    won += [[_esc(n), f"{o.won['p10']:.0f}", f"{o.won['p50']:.0f}", f"{o.won['p90']:.0f}",
             f"{o.bookings['p50']:,.0f}", _pct(o.p_target)] for n, o in result.scenarios.items()]
    risk = [[_esc(r.id), _esc(r.node), f"{r.age_days:.1f}", f"{r.usual_days:.1f}"]
            for r in result.at_risk[:50]]
    figures: list[tuple[str, str, Any]] = [("fan", "Cumulative won deals", fan_chart(result))]
    if result.backtest_rows:
        figures.append(("backtest", "", backtest_chart(result)))
    body = "".join([
        f"<h1>Forecast of {_esc(result.process)}</h1>",
        f"<div class='meta'>{result.as_of:%Y-%m-%d %H:%M} to {result.until:%Y-%m-%d} · "
        f"{s.replications} replications, seed {result.seed} · "
        f"{len(result.snapshot.items):,} open at the start · laneforge {__version__}</div>",
        big, "<h2>Won deals</h2>",
        _rows(["run", "P10", "P50", "P90", "bookings P50", "P(target)"], won),
        f"<p>From today's pipeline {s.from_pipeline:.1f}, from leads not yet created "
        f"{s.from_new_leads:.1f} (mean won deals per replication).</p>",
        _figures_html(figures, pdf=False),
        _backtest_html(result),
        f"<h2>At risk ({len(result.at_risk)})</h2>",
        "<p class='note'>Open longer at their node than the P90 of its fitted duration.</p>",
        _rows(["id", "node", "days there", "usual (P90) days"], risk) if risk else "<p>None.</p>",
    ])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Forecast of {_esc(result.process)}</title>"
            f"<style>{CSS}{EXTRA_CSS}</style></head><body>{body}</body></html>")


def write_forecast_report(result: Forecast, path: str | os.PathLike[str]) -> None:
    """``--report R.html``, written atomically."""
    atomic_write_text(path, forecast_html(result))


__all__ = ["backtest_chart", "fan_chart", "forecast_html", "write_forecast_report",
           "write_forecast_results"]
