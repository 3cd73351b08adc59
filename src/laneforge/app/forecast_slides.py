"""The forecast as PowerPoint slides a manager can show on Monday: the chance of reaching the
target as a large figure beside the fan chart, the what-ifs against the baseline, the deals
at risk and the backtest that says how far to trust it. Every text is 9 pt or more, every
table is native (editable), the charts are pictures sized so their text stays readable."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..model.text import clean_text
from .forecast import Forecast

AT_RISK_ROWS = 12


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _date(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def headline(result: Forecast) -> tuple[str, str]:
    """The large figure and the words under it: P(target), or the P50 without a target."""
    s = result.summary
    by = _date(result.until - dt.timedelta(seconds=1))
    if result.target is not None:
        return (_pct(s.p_target),
                f"chance of at least {result.target:g} won deals by {by}")
    return f"{s.won['p50']:.0f}", f"won deals expected (P50) by {by}"


def trust_line(result: Forecast) -> tuple[str, bool]:
    """What the backtest says of the forecast, and whether it is a warning."""
    m = result.backtest
    if m is None:
        return ("Not backtested: replay it on past months before trusting it", True)
    change = m.get("process_changed")
    if change:
        return (f"The process changed: the last {change['periods']} periods fell "
                f"{change['direction']} the band; recalibrate on recent data", True)
    return (f"Backtest over {m['periods']} {m['kind']}s: P50 off by {_pct(m['p50_mape'])}, "
            f"P10–P90 held the actual {_pct(m['coverage_p10_p90'])} of the time", False)


def key_rows(result: Forecast) -> list[list[str]]:
    """The key figures as (figure, value, P10 – P90) rows under a header."""
    s = result.summary
    w, b = s.won, s.bookings
    rows = [["Key figure", "P50", "P10 – P90"],
            ["Won deals", f"{w['p50']:.0f}", f"{w['p10']:.0f} – {w['p90']:.0f}"]]
    if b["p90"] > 0:
        rows.append(["Bookings", f"{b['p50']:,.0f}", f"{b['p10']:,.0f} – {b['p90']:,.0f}"])
    rows += [["From today's pipeline", f"{s.from_pipeline:.0f}", "mean"],
             ["From leads not yet created", f"{s.from_new_leads:.0f}", "mean"],
             [f"Open at {_date(result.as_of)}", f"{len(result.snapshot.items):,}", ""],
             ["At risk: past the usual time", f"{len(result.at_risk):,}", ""]]
    return rows


def delta_text(result: Forecast, name: str) -> str:
    """A what-if against the baseline: "+1 SDR: P(target) 42 % → 61 %, +9 won deals"."""
    base, other = result.summary, result.scenarios[name]
    change = other.won["p50"] - base.won["p50"]
    chance = (f"P(target) {_pct(base.p_target)} → {_pct(other.p_target)}, "
              if result.target is not None else "")
    return f"{name}: {chance}{change:+.0f} won deals (P50 {other.won['p50']:.0f})"


def scenario_rows(result: Forecast) -> list[list[str]]:
    """Header and one row per run: the band of won deals, P(target) and the change."""
    base = result.summary
    rows = [["Run", "P10", "P50", "P90", "P(target)", "Δ won P50"]]
    for name, s in [("Baseline", base), *result.scenarios.items()]:
        delta = "" if s is base else f"{s.won['p50'] - base.won['p50']:+.0f}"
        rows.append([name, f"{s.won['p10']:.0f}", f"{s.won['p50']:.0f}",
                     f"{s.won['p90']:.0f}", _pct(s.p_target), delta])
    return rows


def at_risk_rows(result: Forecast, labels: dict[str, str] | None = None,
                 limit: int = AT_RISK_ROWS) -> list[list[str]]:
    rows = [["Lead or deal", "At", "Days there", "Usual (P90)"]]
    for r in result.at_risk[:limit]:
        rows.append([r.id, (labels or {}).get(r.node, r.node), f"{r.age_days:.0f}",
                     f"{r.usual_days:.0f}"])
    return rows


def forecast_presentation(result: Forecast, *, labels: dict[str, str] | None = None,
                          font: str | None = None) -> Any:
    """The ``pptx.Presentation``: the forecast slide, then what-ifs and deals at risk, then
    the backtest when one was run."""
    from pptx import Presentation
    from pptx.util import Inches

    from ..render.pptx_export import DEFAULT_FONT, SLIDE_HEIGHT, SLIDE_WIDTH, _slide
    from ..render.pptx_results import readable, table_at
    from ..render.pptx_shapes import PALETTE, Line, outline, plain, write
    from .forecast_report import backtest_chart, fan_chart

    font = font or DEFAULT_FONT
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    title = clean_text(f"Forecast of {result.process}")
    deck.core_properties.title = title
    margin, top = Inches(0.45), Inches(1.25)

    def picture(slide: Any, figure: Any, left: int, width: int, height: int,
                name: str) -> None:
        from ..render.charts import to_png

        aspect = figure.get_figwidth() / figure.get_figheight()
        w = min(width, round(height * aspect))
        readable(figure, w)
        shape = slide.shapes.add_picture(io.BytesIO(to_png(figure, dpi=200)), left, top, w,
                                         round(w / aspect))
        shape.name = name
        shape._element.nvPicPr.cNvPr.set("descr", name)
        plain(shape)
        outline(shape, None)

    slide = _slide(deck, clean_text(f"{title}: {_date(result.as_of)} to "
                                    f"{_date(result.until - dt.timedelta(seconds=1))}"), font)
    column = Inches(4.3)
    figure, caption = headline(result)
    box = slide.shapes.add_textbox(margin, top, column, Inches(1.7))
    box.name = "Headline"
    write(box, [Line(figure, 60, bold=True, color="#1F6FB2"),
                Line(clean_text(caption), 15, color=PALETTE["subtext"])], font=font,
          align="left", anchor="top")
    rows = key_rows(result)
    row_h = Inches(0.34)
    table_top = top + Inches(1.8)
    table_at(slide, rows, [Inches(2.3), Inches(0.9), Inches(1.1)], margin, table_top, row_h,
             font=font, size=12, name="Key figures", bold=(1,), muted=(2,))
    trust, warning = trust_line(result)
    notes = [Line(clean_text(delta_text(result, name)), 12) for name in result.scenarios]
    notes.append(Line(clean_text(trust), 12, bold=warning,
                      color=PALETTE["error"] if warning else PALETTE["subtext"]))
    below = table_top + row_h * len(rows) + Inches(0.15)
    box = slide.shapes.add_textbox(margin, below, column, SLIDE_HEIGHT - below - Inches(0.3))
    box.name = "What-ifs and trust"
    write(box, notes, font=font, align="left", anchor="top")
    left = margin + column + Inches(0.3)
    picture(slide, fan_chart(result), left, SLIDE_WIDTH - left - margin,
            SLIDE_HEIGHT - top - Inches(0.4), "Fan chart of cumulative won deals")

    slide = _slide(deck, "What-ifs and deals at risk" if result.scenarios else
                   "Deals at risk", font)
    left = margin
    if result.scenarios:
        rows = [[clean_text(c) for c in row] for row in scenario_rows(result)]
        widths = [Inches(2.2)] + [Inches(0.75)] * 3 + [Inches(1.0), Inches(1.05)]
        table_at(slide, rows, widths, left, top, row_h, font=font, size=12,
                 name="What-ifs", bold=(2,))
        left += sum(widths) + Inches(0.4)
    risk = [[clean_text(c) for c in row] for row in at_risk_rows(result, labels)]
    if len(risk) > 1:
        widths = [Inches(1.9), Inches(1.9), Inches(1.15), Inches(1.25)]
        table_at(slide, risk, widths, left, top, row_h, font=font, size=12,
                 name="Deals at risk", muted=(3,), text=(0, 1))
        more = len(result.at_risk) - (len(risk) - 1)
        note = ("Open longer at their step than 9 in 10 leads stay there"
                + (f"; {more} more in the HTML report" if more > 0 else ""))
    else:
        note = "Nothing open is past the usual time at its step."
    box = slide.shapes.add_textbox(left, top - Inches(0.45), SLIDE_WIDTH - left - margin,
                                   Inches(0.35))
    box.name = "Note"
    write(box, [Line(note, 11, color=PALETTE["subtext"])], font=font, align="left",
          anchor="top")

    if result.backtest_rows:
        slide = _slide(deck, "Backtest: the forecast against what happened", font)
        box = slide.shapes.add_textbox(margin, top - Inches(0.35), SLIDE_WIDTH - 2 * margin,
                                       Inches(0.35))
        box.name = "Backtest"
        write(box, [Line(clean_text(trust), 13, bold=warning,
                         color=PALETTE["error"] if warning else PALETTE["text"])],
              font=font, align="left", anchor="top")
        picture(slide, backtest_chart(result), margin, SLIDE_WIDTH - 2 * margin,
                SLIDE_HEIGHT - top - Inches(0.5), "Backtest chart")
    return deck


def write_forecast_pptx(result: Forecast, path: str | os.PathLike[str], *,
                        labels: dict[str, str] | None = None) -> Path:
    """Save the slides to ``path`` in one step (never half a file)."""
    buffer = io.BytesIO()
    forecast_presentation(result, labels=labels).save(buffer)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target


__all__ = ["at_risk_rows", "delta_text", "forecast_presentation", "headline", "key_rows",
           "scenario_rows", "trust_line", "write_forecast_pptx"]
