"""The calibration report: what was fitted from the CRM export (old → new, n, interval), what
was not, and whether the calibrated process reproduces the holdout, with the verdict in plain
words. One self-contained HTML file in the style of the results report, or the same as PDF.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import atomic_write_text
from ..render import calibration_charts as cc
from ..render import charts
from .holdout import NAMES, Check, Validation
from .report import CSS, _esc, _svg_only

VERDICT_COLOURS = {"green": "#2E9E5B", "amber": "#E8A317", "red": "#D93025"}

EXTRA_CSS = """
.verdict { border-radius: 8px; padding: 12px 16px; color: #FFFFFF; font-size: 15px;
           margin: 16px 0; } .verdict b { font-size: 17px; text-transform: uppercase; }
.ok { color: #2E9E5B; font-weight: 600; } .off { color: #D93025; font-weight: 600; }
td:nth-child(2), th:nth-child(2) { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; } .grid .figure { flex: 1 1 380px; }
"""


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return "—"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_number(v)}" for k, v in value.items())
    return str(value)


def _interval(ci: Sequence[float] | None) -> str:
    if not ci:
        return "—"
    return f"{_number(float(ci[0]))} – {_number(float(ci[1]))}"


def _align(column: int) -> str:
    # as attributes too: the PDF's text layout reads these, not the style sheet
    return "left" if column < 2 else "right"


def _rows(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th align='{_align(i)}'>{_esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td align='{_align(i)}'>{cell}</td>"
                                    for i, cell in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def changes_table(fit: dict[str, Any]) -> str:
    rows = [[_esc(c["path"]), _esc(_number(c.get("old"))), _esc(_number(c.get("new"))),
             _esc(_number(c.get("n"))), _esc(_interval(c.get("ci95")))]
            for c in fit.get("changes", [])]
    if not rows:
        return "<p>The export confirms every fitted value; nothing changed.</p>"
    return _rows(["Parameter", "Before", "Fitted", "n", "95 % interval"], rows)


def not_calibrated_list(fit: dict[str, Any], reasons: dict[str, str] | None = None) -> str:
    reasons = reasons or {}
    items = [{"id": item, "reason": reasons.get(item, "")} if isinstance(item, str) else item
             for item in fit.get("not_calibrated", [])]
    if not items:
        return "<p>Every parameter the process has was covered by the export.</p>"
    lines = []
    reasons = fit.get("reasons", {})
    for item in items:
        if isinstance(item, dict):
            lines.append(f"<li><b>{_esc(item.get('id', ''))}</b>: "
                         f"{_esc(item.get('reason', ''))}</li>")
        elif item in reasons:
            lines.append(f"<li><b>{_esc(item)}</b>: {_esc(reasons[item])}</li>")
        else:
            lines.append(f"<li>{_esc(item)}</li>")
    return ("<p class='note'>Left as they were (the data does not cover them):</p>"
            f"<ul>{''.join(lines)}</ul>")


def _check_cell(check: Check) -> str:
    kind = check.metric
    if kind in ("conversion", "sla_breach"):
        return f"{100 * check.observed:.1f} %", f"{100 * check.simulated:.1f} %"
    if kind.startswith("time"):
        return f"{check.observed:.2f} d", f"{check.simulated:.2f} d"
    return f"{check.observed:,.1f}", f"{check.simulated:,.1f}"


def _noise(check: Check) -> str:
    if check.noise is None:
        return "—"
    if check.metric in ("conversion", "sla_breach"):
        return f"{100 * check.noise:.1f} points"
    return f"{100 * check.noise:.0f} %"


#: the columns of :func:`check_cells`
CHECK_HEADERS = ("Check", "What", "Observed", "Simulated", "Simulated 95 %", "Tolerance",
                 "Noise floor")


def check_cells(check: Check) -> list[str]:
    """One validation check as plain text cells (the report's table and the app's)."""
    observed, simulated = _check_cell(check)
    # a prediction interval of a share or a time can reach past what the figure can be
    # (below 0, above 100 %): shown cut at those limits
    if check.ci95 is not None and check.metric in ("conversion", "sla_breach"):
        lo, hi = max(check.ci95[0], 0.0), min(check.ci95[1], 1.0)
        ci = f"{100 * lo:.1f} – {100 * hi:.1f} %"
    elif check.ci95 is not None:
        ci = f"{max(check.ci95[0], 0.0):,.2f} – {check.ci95[1]:,.2f}"
    else:
        ci = "—"
    return [NAMES.get(check.metric, check.metric), check.shown, observed,
            simulated, ci, check.tolerance, _noise(check)]


def validation_table(validation: Validation) -> str:
    rows = []
    for check in validation.checks:
        verdict = "<span class='ok'>✓ ok</span>" if check.ok else "<span class='off'>✗ off</span>"
        rows.append([_esc(cell) for cell in check_cells(check)] + [verdict])
    table = _rows([*CHECK_HEADERS, ""], rows)
    if validation.not_checked:
        items = "".join(f"<li><b>{_esc(what)}</b>: {_esc(why)}</li>"
                        for what, why in validation.not_checked.items())
        table += f"<p class='note'>Not checked (the export cannot show it):</p><ul>{items}</ul>"
    return table


def report_figures(validation: Validation | None,
                   arrivals: Sequence[Sequence[float]] | None) -> list[tuple[str, str, Any]]:
    """The report's charts as (name, section heading or "", figure), in reading order."""
    out: list[tuple[str, str, Any]] = []
    if validation is not None and validation.observed is not None and validation.simulated:
        observed, simulated = validation.observed, validation.simulated
        steps = list(observed.conversion)
        by_what = {c.what: c for c in validation.checks if c.metric == "conversion"}
        out.append(("funnel", "", cc.observed_funnel_chart(
            steps, [observed.conversion[s] for s in steps],
            [by_what[s].simulated if s in by_what else None for s in steps],
            [by_what[s].ci95 if s in by_what else None for s in steps])))
        heading = "Time from stage to stage"
        for i, (what, values) in enumerate(observed.durations.items()):
            pooled = [v for m in simulated for v in m.durations.get(what, [])]
            if values or pooled:
                out.append((f"times{i}", heading, cc.stage_time_chart(what, values, pooled)))
                heading = ""
    if arrivals is not None:
        out.append(("arrivals", "When leads arrive", cc.arrivals_heatmap(arrivals)))
    return out


def _figures_html(figures: Sequence[tuple[str, str, Any]], *, pdf: bool) -> str:
    if pdf:
        return _figures_pdf(figures)
    parts = []
    for _name, heading, figure in figures:
        if heading:
            parts.append(f"<h3>{_esc(heading)}</h3>")
        parts.append(f"<div class='figure'>{_svg_only(charts.to_svg(figure))}</div>")
    return "".join(parts)


def _figures_pdf(figures: Sequence[tuple[str, str, Any]]) -> str:
    """Pictures for the PDF's text layout: the wide charts alone, the small stage-time
    histograms two to a row (a page each would scatter them over the report)."""
    parts, pair = [], []

    def flush() -> None:
        if pair:
            cells = "".join(f"<td><img src='{n}' width='330'></td>" for n in pair)
            parts.append(f"<table><tr>{cells}</tr></table>")
            pair.clear()

    for name, heading, _figure in figures:
        small = name.startswith("times")
        if not small or len(pair) == 2:
            flush()
        if heading:
            parts.append(f"<h3>{_esc(heading)}</h3>")
        if small:
            pair.append(name)
        else:
            parts.append(f"<p><img src='{name}' width='560'></p>")
    flush()
    return "".join(parts)


def calibration_html(process_name: str, fit: dict[str, Any], validation: Validation | None,
                     arrivals: Sequence[Sequence[float]] | None = None, *,
                     pdf: bool = False, reasons: dict[str, str] | None = None) -> str:
    """The report as HTML (charts inline as SVG), or for the PDF writer (charts as
    ``<img src=name>`` of :func:`report_figures`)."""
    data = fit.get("data", {})
    meta = (f"{_esc(data.get('format', ''))} export, {_number(data.get('cases'))} cases, "
            f"{_esc(str(data.get('from', ''))[:10])} to {_esc(str(data.get('to', ''))[:10])}; "
            f"fitted on data up to {_esc(str(data.get('fit_until', ''))[:10])}")
    sections = [f"<h1>Calibration of {_esc(process_name)}</h1>",
                f"<div class='meta'>{meta} · laneforge {__version__} · "
                f"{datetime.now():%Y-%m-%d %H:%M}</div>"]
    if validation is not None:
        colour = VERDICT_COLOURS.get(validation.verdict, "#5F6B7A")
        sections.append(f"<div class='verdict' style='background:{colour}'><b>"
                        f"{_esc(validation.verdict)}</b> · {_esc(validation.verdict_words())}"
                        "</div>")
    sections += ["<h2>What the export changed</h2>", changes_table(fit),
                 not_calibrated_list(fit, reasons)]
    if validation is not None:
        sections += [
            f"<h2>Observed against simulated on the holdout "
            f"({validation.fit_until:%Y-%m-%d} to {validation.end:%Y-%m-%d}, "
            f"{validation.replications} replications)</h2>",
            validation_table(validation),
            "<p class='note'>A check is ok when the observed figure lies inside the "
            "simulated interval (95 % for all checks together, so that a true process "
            "passes them all 19 times in 20), or a time's observed quantile could be the "
            "simulated one (its own interval), or the distance is inside the tolerance, or "
            "inside the noise floor: the same distance between the holdout and the period "
            "before it.</p>"]
    sections.append(_figures_html(report_figures(validation, arrivals), pdf=pdf))
    body = "".join(sections)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Calibration of {_esc(process_name)}</title>"
            f"<style>{CSS}{EXTRA_CSS}</style></head><body>{body}</body></html>")


def write_calibration_report(process_name: str, fit: dict[str, Any],
                             validation: Validation | None, path: str | os.PathLike[str],
                             arrivals: Sequence[Sequence[float]] | None = None,
                             reasons: dict[str, str] | None = None) -> None:
    """Write the report as HTML or, by the suffix, PDF (atomically either way)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".html", ".htm"):
        atomic_write_text(target, calibration_html(process_name, fit, validation, arrivals,
                                                   reasons=reasons))
    elif suffix == ".pdf":
        from ..render.report_pdf import write_document_pdf

        pictures = {name: charts.to_png(figure, dpi=130)
                    for name, _, figure in report_figures(validation, arrivals)}
        write_document_pdf(target, f"Calibration of {process_name}",
                           calibration_html(process_name, fit, validation, arrivals, pdf=True,
                                            reasons=reasons),
                           pictures)
    else:
        raise ValueError(f"{target.name}: a report is .html or .pdf")
