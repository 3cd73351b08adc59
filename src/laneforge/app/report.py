"""Reports of a run or of a scenario comparison: one self-contained HTML file (diagram with the
results tint, KPI tables, charts as inline SVG, bottlenecks, assumptions), or the same as PDF,
plus every table as CSV."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..atomic import atomic_write_text
from ..model import Process, describe_hours
from ..model.text import clean_all
from ..render import charts
from ..sim.results import Results
from .compare import compare, format_delta, format_figure, run_name
from .observed import observed_caption, observed_rows
from .tables import Table, all_tables, write_tables

CSS = """
body { font-family: Inter, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1F2933;
       margin: 32px auto; max-width: 1180px; padding: 0 24px; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 34px;
     border-bottom: 1px solid #E3E6EA; padding-bottom: 4px; }
.meta { color: #5F6B7A; font-size: 13px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.tile { border: 1px solid #E3E6EA; border-radius: 8px; padding: 8px 14px; min-width: 140px; }
.tile .label { color: #5F6B7A; font-size: 12px; } .tile .value { font-size: 21px;
     font-weight: 600; } .tile .ci { color: #5F6B7A; font-size: 11px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #E3E6EA; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { color: #5F6B7A; font-weight: 600; }
.better { color: #2E9E5B; } .worse { color: #D93025; } .same { color: #8A94A3; }
.changed { color: #3B6FB6; }
.figure { margin: 12px 0; } .figure svg { max-width: 100%; height: auto; }
.diagram { overflow-x: auto; border: 1px solid #E3E6EA; border-radius: 8px; }
ol li { margin-bottom: 6px; }
.note { color: #5F6B7A; font-size: 12px; }
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def _svg_only(svg: str) -> str:
    """An SVG document without its XML prolog, ready to inline in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in table.headers)
    rows = []
    for row in table.shown_rows():
        cells = [f"<td>{_esc(text)}</td>" for text in row]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _tiles(r: Results) -> str:
    kpis = r.kpis()
    tiles = [("Leads", kpis["leads"], "count", r.leads)]
    if kpis["won"] is not None:
        tiles += [("Won deals", kpis["won"], "count", r.won),
                  ("Lead → won", kpis["lead_to_won"], "percent", r.lead_to_won)]
    tiles += [("Cycle time p50", kpis["cycle_p50"], "hours", r.cycle_time_hours.p50),
              ("Cycle time p90", kpis["cycle_p90"], "hours", r.cycle_time_hours.p90)]
    if kpis["sla_attainment"] is not None:
        tiles.append(("SLA attainment", kpis["sla_attainment"], "percent", None))
    if kpis["cost_per_won"] is not None:
        tiles.append(("Cost per won deal", kpis["cost_per_won"], "money", r.cost_per_won))
    out = []
    for label, value, kind, stat in tiles:
        ci = ""
        if stat is not None and stat.ci95[0] != stat.ci95[1]:
            ci = (f"<div class='ci'>95 % {format_figure(stat.ci95[0], kind, r.currency)}–"
                  f"{format_figure(stat.ci95[1], kind, r.currency)}</div>")
        out.append(f"<div class='tile'><div class='label'>{_esc(label)}</div>"
                   f"<div class='value'>{_esc(format_figure(value, kind, r.currency))}</div>"
                   f"{ci}</div>")
    return f"<div class='tiles'>{''.join(out)}</div>"


def _assumptions(process: Process, r: Results) -> str:
    scenario = r.scenario or "baseline (the process as drawn)"
    return (f"<p class='meta'>Scenario: {_esc(scenario)} · {r.replications} replications · seed "
            f"{r.seed} · horizon {describe_hours(r.horizon_hours)} · warm-up "
            f"{describe_hours(r.warmup_hours)} · simulation started "
            f"{process.start:%a %d %b %Y} · figures are means over replications with 95 % "
            "Student-t intervals.</p>")


def observed_section(process: Process, r: Results) -> str:
    """The CRM's figures from the last calibration beside this run's, if the process has them."""
    if process.observed is None:
        return ""
    rows = observed_rows(process.observed, r)
    if not rows:
        return ""
    body = "".join(f"<tr><td>{_esc(row.label)}</td><td>{_esc(row.observed)}</td>"
                   f"<td>{_esc(row.simulated)}</td><td>{_esc(row.gap)}</td></tr>"
                   for row in rows)
    return (f"<h2>Observed beside simulated</h2><p class='note'>"
            f"{_esc(observed_caption(process.observed))}</p><table><tr><th>Figure</th>"
            f"<th>Observed (CRM)</th><th>Simulated</th><th>Gap</th></tr>{body}</table>")


def run_sections(process: Process, r: Results, diagram_svg: str | None) -> list[str]:
    parts = [_tiles(r), _assumptions(process, r), observed_section(process, r)]
    if diagram_svg:
        parts.append("<h2>Where leads pile up</h2><p class='note'>Lanes are tinted by load, "
                     "tasks by the wait for a free person; badges show mean waits and SLA "
                     f"misses.</p><div class='diagram figure'>{_svg_only(diagram_svg)}</div>")
    parts.append("<h2>Bottlenecks</h2>")
    if r.bottlenecks:
        parts.append("<ol>" + "".join(f"<li>{_esc(b.reason)}</li>" for b in r.bottlenecks)
                     + "</ol>")
    else:
        parts.append("<p>No bottleneck: no lane above 80 % and no long waits.</p>")
    if r.warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{_esc(w)}</li>"
                                                      for w in r.warnings) + "</ul>")
    parts.append("<h2>Charts</h2>")
    for figure in (charts.funnel_chart(r), charts.utilization_chart(r), charts.waits_chart(r),
                   charts.wip_chart(r), charts.cycle_time_chart(r)):
        parts.append(f"<div class='figure'>{_svg_only(charts.to_svg(figure))}</div>")
    parts.append("<h2>Tables</h2>")
    for table in all_tables(r):
        parts.append(f"<h3>{_esc(table.title)}</h3>{_table_html(table)}")
    return parts


def comparison_sections(runs: Sequence[Results]) -> list[str]:
    rows = compare(runs)
    head = "".join(f"<th>{_esc(run_name(r))}</th>" for r in runs)
    body = []
    for row in rows:
        cells = [f"<td>{_esc(row.metric.label)}</td>"]
        for i, value in enumerate(row.values):
            text = format_figure(value.mean if value else None, row.metric.kind, row.currency)
            if i:
                delta = format_delta(row.deltas[i], row.metric.kind, row.currency)
                verdict = row.verdict(i)
                css = verdict if verdict in ("better", "worse", "changed") else "same"
                if delta:
                    text += f" <span class='{css}'>({_esc(delta)})</span>"
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    figure = charts.comparison_chart(runs, rows)
    return [
        "<h2>Scenarios side by side</h2>",
        "<p class='note'>Deltas are against the first column, with common random numbers. "
        "<span class='better'>Green</span> is better, <span class='worse'>red</span> is worse, "
        "<span class='changed'>blue</span> changed where neither direction is better, "
        "<span class='same'>grey</span> is not significant: the 95 % interval of the paired "
        "differences (replication by replication) includes zero.</p>",
        f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>",
        f"<div class='figure'>{_svg_only(charts.to_svg(figure))}</div>",
    ]


def report_html(process: Process, runs: Sequence[Results], *,
                diagram_svg: str | None = None) -> str:
    """A self-contained HTML report of one run, or of several runs compared."""
    first = runs[0]
    title = (f"{process.name}: scenario comparison" if len(runs) > 1
             else f"{process.name}: simulation results")
    parts = [f"<h1>{_esc(title)}</h1>",
             f"<p class='meta'>Made with laneforge {__version__} on "
             f"{datetime.now():%d %b %Y %H:%M}.</p>"]
    if process.description:
        parts.append(f"<p>{_esc(process.description.split('Sources:')[0].strip())}</p>")
    if len(runs) > 1:
        parts += comparison_sections(runs)
        for run in runs:
            parts.append(f"<h2>{_esc(run_name(run))}</h2>")
            parts += [_tiles(run), _assumptions(process, run)]
            if run.bottlenecks:
                parts.append("<ol>" + "".join(f"<li>{_esc(b.reason)}</li>"
                                              for b in run.bottlenecks) + "</ol>")
    else:
        parts += run_sections(process, first, diagram_svg)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write_report(process: Process, runs: Sequence[Results], path: str | os.PathLike[str],
                 *, csv_folder: str | os.PathLike[str] | None = None) -> Path:
    """Write an HTML or PDF report (by suffix); optionally every table as CSV too."""
    from ..render.export import render_svg

    target = Path(path)
    process, *cleaned = clean_all(process, *runs)  # no name can break the report
    runs = cleaned
    suffix = target.suffix.lower()
    diagram = render_svg(process, results=runs[0]) if len(runs) == 1 else None
    if suffix in (".html", ".htm"):
        atomic_write_text(target, report_html(process, runs, diagram_svg=diagram))
    elif suffix == ".pdf":
        from ..render.report_pdf import write_report_pdf

        write_report_pdf(process, runs, target, html_sections=_pdf_sections(process, runs))
    else:
        raise ValueError(f"cannot write a report as '{suffix}'; use .html or .pdf")
    if csv_folder is not None:
        for run in runs:
            prefix = f"{run_name(run).lower().replace(' ', '-')}-" if len(runs) > 1 else ""
            write_tables(all_tables(run), Path(csv_folder), prefix=prefix)
    return target


def _pdf_sections(process: Process, runs: Sequence[Results]) -> str:
    """The report's text and tables for the PDF (charts are added as pictures there)."""
    parts: list[str] = []
    if len(runs) > 1:
        parts += comparison_sections(runs)[:3]
    first = runs[0]
    parts.append(_assumptions(process, first))
    parts.append(observed_section(process, first))
    parts.append("<h2>Bottlenecks</h2>")
    parts.append("<ol>" + "".join(f"<li>{_esc(b.reason)}</li>" for b in first.bottlenecks)
                 + "</ol>" if first.bottlenecks else "<p>No bottleneck.</p>")
    for table in all_tables(first):
        parts.append(f"<h3>{_esc(table.title)}</h3>{_table_html(table)}")
    return "\n".join(parts)
