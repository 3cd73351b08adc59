"""The results slides of the PowerPoint export: a KPI table with bottlenecks, and the charts."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from ..model import describe_hours, format_value
from ..model.currency import format_figure
from .pptx_shapes import PALETTE, Line, outline, plain, rgb, style, write

KpiRow = tuple[str, str, str]  # key figure, mean, 95 % interval (or a note)
SEVERITY_COLORS = {"critical": "error", "high": "warning", "moderate": "subtext"}
MAX_BOTTLENECKS, MAX_WARNINGS = 6, 3  # the most that fit beside the table (worst first)
MIN_CHART_PT = 9.2  # the smallest chart text on the slide (points), a little over 9


def _interval(stat: Any, kind: str, share: bool = False, currency: str | None = None) -> str:
    """The 95 % interval; a share's is cut to 0–100 % (few replications give wide ones)."""
    if stat is None:
        return ""
    low, high = stat.ci95
    if share:
        low, high = max(0.0, low), min(1.0, high)
    return f"{format_figure(low, kind, currency)} – {format_figure(high, kind, currency)}"


def kpi_rows(results: Any) -> list[KpiRow]:
    """The key figures of a run (a sim ``Results`` or anything shaped like it): the app's
    tiles, then the utilization of every staffed lane, each with its 95 % interval."""
    r = results
    rows: list[KpiRow] = []
    for label, stat, kind in (("Leads", r.leads, "count"), ("Won deals", r.won, "count"),
                              ("Lead → won", r.lead_to_won, "percent"),
                              ("Cycle time p50", r.cycle_time_hours.p50, "hours"),
                              ("Cycle time p90", r.cycle_time_hours.p90, "hours")):
        if stat is not None:
            rows.append((label, format_value(stat.mean, kind),
                         _interval(stat, kind, share=kind == "percent")))
    attainment = r.sla_attainment()
    if attainment is not None:
        checked = sum(s.checked.mean for s in r.slas.values())
        rows.append(("SLA attainment", format_value(attainment, "percent"),
                     f"of {checked:,.0f} checked"))
    if r.cost_per_won is not None:
        currency = getattr(r, "currency", None)
        rows.append(("Cost per won deal", format_figure(r.cost_per_won.mean, "money", currency),
                     _interval(r.cost_per_won, "money", currency=currency)))
    dq = getattr(r, "data_quality", None)
    if dq is not None:
        currency = getattr(r, "currency", None)
        rows.append(("Contacts to stale records", format_value(dq.wasted_contacts.mean, "count"),
                     f"{dq.wasted_share.mean:.1%} of contacts"))
        rows.append(("Cleansing cost", format_figure(dq.cleansing_cost.mean, "money", currency),
                     _interval(dq.cleansing_cost, "money", currency=currency)))
    for lane_id, lane in r.lanes.items():
        if lane.utilization is not None:
            rows.append((f"Utilization · {r.label('lanes', lane_id)}",
                         format_value(lane.utilization.mean, "percent"),
                         _interval(lane.utilization, "percent", share=True)))
    return rows


def run_summary(results: Any) -> str:
    scenario = f"scenario “{results.scenario}” · " if results.scenario else ""
    return (f"{scenario}{results.replications} replications · seed {results.seed} · horizon "
            f"{describe_hours(results.horizon_hours)} · warm-up "
            f"{describe_hours(results.warmup_hours)} · means with 95 % intervals")


def figures_slide(slide: Any, results: Any, rows: Sequence[KpiRow], *, font: str,
                  top: int, slide_width: int, slide_height: int) -> None:
    """The KPI table on the left, the bottleneck sentences (bulleted) on the right."""
    margin = Inches(0.4)
    note = slide.shapes.add_textbox(margin, top, slide_width - 2 * margin, Inches(0.35))
    note.name = "Run"
    write(note, [Line(run_summary(results), 11, color=PALETTE["subtext"])], font=font,
          align="left", anchor="top")
    top += Inches(0.5)
    available = slide_height - top - Inches(0.4)
    row_h = min(Inches(0.4), available // (len(rows) + 1))
    size = 12.0 if row_h >= Inches(0.34) else 10.0
    widths = (Inches(3.1), Inches(1.5), Inches(2.2))
    header = ("Key figure", "Mean", "95 % interval")
    table_at(slide, [header, *rows], widths, margin, top, row_h, font=font, size=size,
             name="Key figures", muted=(2,), bold=(1,))
    left = margin + sum(widths) + Inches(0.5)
    box = slide.shapes.add_textbox(left, top, slide_width - left - margin, available)
    box.name = "Bottlenecks"
    _bottlenecks(box, results, font)


def table_at(slide: Any, rows: Sequence[Sequence[str]], widths: Sequence[int], left: int,
             top: int, row_h: int, *, font: str, size: float, name: str,
             muted: Sequence[int] = (), bold: Sequence[int] = (),
             text: Sequence[int] = (0,)) -> Any:
    """A native table of ``rows`` (the first is the header, dark) with banded rows: the
    ``text`` columns left-aligned, the others (figures) right-aligned; ``muted`` columns in
    grey and ``bold`` columns bold. Returns the graphic frame."""
    frame = slide.shapes.add_table(len(rows), len(widths), left, top, sum(widths),
                                   row_h * len(rows))
    frame.name = name
    table = frame.table
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        row.height = row_h
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb("#1F2933" if i == 0 else
                                           "#FFFFFF" if i % 2 else "#F3F5F8")
            cell.margin_left = cell.margin_right = Inches(0.08)
            cell.margin_top = cell.margin_bottom = Emu(0)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.LEFT if j in text else PP_ALIGN.RIGHT
            run = paragraph.add_run()
            run.text = value
            color = "#FFFFFF" if i == 0 else PALETTE["subtext"] if j in muted \
                else PALETTE["text"]
            style(run.font, font, size, bold=i == 0 or j in bold, color=color)
    return frame


def _bottlenecks(box: Any, results: Any, font: str) -> None:
    frame = box.text_frame
    frame.word_wrap = True
    heading = frame.paragraphs[0]
    heading.space_after = Pt(6)
    run = heading.add_run()
    run.text = "Bottlenecks"
    style(run.font, font, 14, bold=True)
    items = [(b.severity, b.reason) for b in results.bottlenecks[:MAX_BOTTLENECKS]]
    if len(results.bottlenecks) > MAX_BOTTLENECKS:
        items.append((None, f"… and {len(results.bottlenecks) - MAX_BOTTLENECKS} more"))
    if not items:
        items = [(None, "No bottleneck: no lane above 80 % and no long waits.")]
    for severity, reason in items:
        paragraph = frame.add_paragraph()
        paragraph.space_after = Pt(6)
        _bullet(paragraph)
        if severity:
            run = paragraph.add_run()
            run.text = f"{str(severity).capitalize()}: "
            style(run.font, font, 12, bold=True,
                  color=PALETTE[SEVERITY_COLORS.get(str(severity), "subtext")])
        run = paragraph.add_run()
        run.text = reason
        style(run.font, font, 12)
    if getattr(results, "warnings", None):
        paragraph = frame.add_paragraph()
        paragraph.space_before = Pt(10)
        run = paragraph.add_run()
        run.text = "Warnings"
        style(run.font, font, 12, bold=True, color=PALETTE["subtext"])
        for warning in results.warnings[:MAX_WARNINGS]:
            paragraph = frame.add_paragraph()
            _bullet(paragraph)
            run = paragraph.add_run()
            run.text = warning
            style(run.font, font, 10, color=PALETTE["subtext"])


def _bullet(paragraph: Any) -> None:
    """A "•" bullet with a hanging indent (python-pptx has no bullet API for text boxes)."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.set("marL", str(Emu(Inches(0.22))))
    p_pr.set("indent", str(-Emu(Inches(0.22))))
    for tag in ("a:buClr", "a:buNone", "a:buChar", "a:buAutoNum"):
        for old in p_pr.findall(qn(tag)):
            p_pr.remove(old)
    color = etree.SubElement(etree.SubElement(p_pr, qn("a:buClr")), qn("a:srgbClr"))
    color.set("val", PALETTE["subtext"].lstrip("#"))
    bullet = etree.SubElement(p_pr, qn("a:buChar"))
    bullet.set("char", "•")


def chart_figures(results: Any) -> list[tuple[str, Callable[[], Any]]]:
    """The charts worth showing for this run (2–4), each as (name, figure maker)."""
    from . import charts

    chosen: list[tuple[str, Callable[[], Any]]] = []
    if results.stages:
        chosen.append(("Funnel by stage", lambda: charts.funnel_chart(results)))
    if any(lane.utilization is not None for lane in results.lanes.values()):
        chosen.append(("Utilization per lane", lambda: charts.utilization_chart(results)))
    if any(node.wait_hours.mean > 0 for node in results.nodes.values()):
        chosen.append(("Wait before each task", lambda: charts.waits_chart(results)))
    chosen.append(("Cycle time", lambda: charts.cycle_time_chart(results)))
    chosen.append(("Work in progress over time", lambda: charts.wip_chart(results)))
    return chosen[:4]


def smallest_text(figure: Any) -> float:
    """The smallest font size (points) of any visible text in ``figure``."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in figure.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=MIN_CHART_PT)


def readable(figure: Any, width: int) -> None:
    """Make ``figure`` (constrained layout) smaller in inches, keeping its aspect, so that
    drawn ``width`` EMU wide its smallest text is at least 9 pt on the slide; the plot
    gives up the room, the text keeps its size."""
    inches = width / 914400
    wanted = inches * smallest_text(figure) / MIN_CHART_PT
    if wanted < figure.get_figwidth():
        factor = wanted / figure.get_figwidth()
        figure.set_size_inches(wanted, figure.get_figheight() * factor)


def charts_slide(slide: Any, results: Any, *, top: int, slide_width: int,
                 slide_height: int) -> None:
    """Two to four charts as PNG pictures in a grid, each kept at its aspect ratio."""
    from .charts import to_png

    figures = chart_figures(results)
    margin, gap = Inches(0.45), Inches(0.25)
    columns = 2
    rows = (len(figures) + 1) // 2
    cell_w = (slide_width - 2 * margin - gap) // columns
    cell_h = (slide_height - top - Inches(0.35) - gap * (rows - 1)) // rows
    for i, (name, make) in enumerate(figures):
        figure = make()
        aspect = figure.get_figwidth() / figure.get_figheight()
        w = min(cell_w, round(cell_h * aspect))
        h = round(w / aspect)
        readable(figure, w)
        x = margin + (i % columns) * (cell_w + gap) + (cell_w - w) // 2
        y = top + (i // columns) * (cell_h + gap) + (cell_h - h) // 2
        picture = slide.shapes.add_picture(io.BytesIO(to_png(figure, dpi=200)), x, y, w, h)
        picture.name = f"Chart {name}"
        picture._element.nvPicPr.cNvPr.set("descr", name)
        plain(picture)
        outline(picture, None)
