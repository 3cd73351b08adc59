"""PowerPoint export: the diagram as editable shapes on a 16:9 slide, KPI and chart slides."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..model import Process
from ..model.text import clean_all, clean_text

SLIDE_WIDTH = 12192000  # 13.333 in (EMU): 16:9
SLIDE_HEIGHT = 6858000  # 7.5 in
#: Arial, not the canvas's Inter: python-pptx cannot embed fonts, Inter is rarely installed
#: and PowerPoint would substitute a face of other widths, so names would overflow their
#: shapes. Arial is on every PowerPoint machine and LibreOffice swaps in the metric-compatible
#: Liberation Sans, so lines break the same everywhere. ``font=`` overrides it.
DEFAULT_FONT = "Arial"
MARGIN = 365760  # 0.4 in
TITLE_TOP, TITLE_HEIGHT = 228600, 640080  # 0.25 in, 0.7 in
TITLE_ONLY_LAYOUT = 5  # in python-pptx's default template
TITLE_SLIDE_LAYOUT = 0
TITLE_SLIDE_MARGIN = 914400  # 1 in
#: the diagram slides' title is lower, so the lanes get the room
COMPACT_TITLE_TOP, COMPACT_TITLE_HEIGHT = 137160, 548640  # 0.15 in, 0.6 in
DIAGRAM_TOP = 777240  # 0.85 in
BOTTOM_MARGIN = 228600  # 0.25 in
CAPTION_HEIGHT = 274320  # 0.3 in
#: the smallest scale (1 = the canvas at 100 %) a diagram slide is drawn at even where the
#: names would fit smaller: below it the 9 pt edge labels and event names crowd each other
COMFORT_SCALE = 0.58
#: the strip beside a run of columns for the markers of edges to other slides
GUTTER = 1234440  # 1.35 in


class PptxExportError(RuntimeError):
    """The PowerPoint file could not be made (python-pptx missing)."""


def export_pptx(process: Process, path: str | os.PathLike[str], *, results: Any = None,
                title: str | None = None, font: str = DEFAULT_FONT, tint: bool = True) -> Path:
    """Write ``process`` to ``path`` as a .pptx and return the path.

    Slide 1 names the process (its description's first sentence, its lanes, the date).
    Then the process as native shapes (lanes, nodes, glued connectors, labels) the user can
    edit, fitted to the 16:9 slide; where the whole process would need text under 9 pt it
    is split across slides by runs of phases (or of node columns), every lane's header on
    each, edges to another slide ending in a marker that names the node there. No text on
    any slide is under 9 pt. python-pptx is an optional dependency
    (``pip install 'laneforge[pptx]'``), imported only when an export runs; no Qt is needed.

    ``results`` (a ``laneforge.sim.Results``, or any object with its attributes) adds the
    slides "Key figures and bottlenecks" and "Charts" and, with ``tint``, colours lanes by
    load and tasks by the wait before them as the canvas does. ``title`` defaults to the
    process name. The file is replaced in one step: written to a temporary file in the same
    folder, then renamed over ``path``, so a failed export never leaves half a file.
    """
    try:
        import pptx  # noqa: F401 - only to report a missing optional dependency clearly
    except ImportError as error:  # pragma: no cover - python-pptx is installed in the tests
        raise PptxExportError("the PowerPoint export needs python-pptx: "
                              "pip install 'laneforge[pptx]'") from error
    process, results = clean_all(process, results)  # no name can break the XML
    if title is not None:
        title = clean_text(title)
    presentation = build_presentation(process, results=results, title=title, font=font,
                                      tint=tint)
    buffer = io.BytesIO()
    presentation.save(buffer)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target


def build_presentation(process: Process, *, results: Any = None, title: str | None = None,
                       font: str = DEFAULT_FONT, tint: bool = True,
                       today: date | None = None) -> Any:
    """The ``pptx.Presentation`` that :func:`export_pptx` saves: a title slide, the
    diagram on as many slides as keep its text at 9 pt or more, then the results."""
    from pptx import Presentation
    from pptx.util import Inches

    from ..model.geometry import layout_diagram
    from .pptx_diagram import draw_diagram
    from .pptx_results import charts_slide, figures_slide, kpi_rows
    from .pptx_shapes import PALETTE, Line, write

    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    heading = title or process.name
    presentation.core_properties.title = heading
    presentation.core_properties.subject = "Swim-lane lead process exported by laneforge"
    _title_slide(presentation, process, heading, font, today or date.today())

    top = DIAGRAM_TOP
    caption_text = None
    if results is not None and tint:
        caption_text = ("Lanes tinted by load, tasks by the wait for a free person "
                        f"(simulation, {results.replications} replications)")
        top += CAPTION_HEIGHT
    diagram = layout_diagram(process)
    views = plan_slides(process, diagram, top=top, first_number=2)
    for view in views:
        slide = _slide(presentation, _diagram_heading(heading, view, len(views)), font,
                       compact=True)
        if caption_text is not None:
            caption = slide.shapes.add_textbox(MARGIN, DIAGRAM_TOP - Inches(0.05),
                                               SLIDE_WIDTH - 2 * MARGIN, CAPTION_HEIGHT)
            caption.name = "Caption"
            write(caption, [Line(caption_text, 11, color=PALETTE["subtext"])], font=font,
                  align="left", anchor="top")
        draw_diagram(slide, process, diagram, view, font=font,
                     results=results if tint else None)

    if results is not None:
        below_title = TITLE_TOP + TITLE_HEIGHT + Inches(0.05)
        slide = _slide(presentation, "Key figures and bottlenecks", font)
        figures_slide(slide, results, kpi_rows(results), font=font, top=below_title,
                      slide_width=SLIDE_WIDTH, slide_height=SLIDE_HEIGHT)
        slide = _slide(presentation, "Charts", font)
        charts_slide(slide, results, top=below_title + Inches(0.1), slide_width=SLIDE_WIDTH,
                     slide_height=SLIDE_HEIGHT)
    return presentation


def plan_slides(process: Process, diagram: Any, *, top: int, first_number: int) -> list[Any]:
    """The diagram slides: one when the whole process fits with its names at 9 pt or more,
    otherwise runs of phase (or node) columns, all at one scale, each with the strips for
    its off-page markers. ``first_number`` is the deck number of the first of them."""
    from ..model.geometry import HEADER_WIDTH, POOL_WIDTH
    from .pptx_diagram import PHASE_ROW, required_scale, scene_bounds
    from .pptx_offpage import crossing_sides
    from .pptx_shapes import EMU_PER_PX, Frame
    from .pptx_split import SlideRun, columns_of, plan_runs
    from .pptx_view import SlideView

    pool_width = POOL_WIDTH if diagram.pools else 0.0
    lead = HEADER_WIDTH + pool_width  # the pools' bands and the lanes' headers
    bounds = scene_bounds(diagram)
    top_y = bounds.y - (PHASE_ROW if process.phases else 0.0)
    height = bounds.bottom - top_y
    area_w, area_h = SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - BOTTOM_MARGIN
    by_height = area_h / (height * EMU_PER_PX)
    needed = min(max(required_scale(process, diagram), COMFORT_SCALE), by_height)
    left_edge = min(bounds.x, -lead)
    whole = min(area_w / ((bounds.right - left_edge) * EMU_PER_PX), by_height)
    if whole >= needed:
        columns = columns_of(process, diagram)
        runs = [SlideRun(0, columns[0].left, max(columns[-1].right, bounds.right), columns,
                         set(diagram.nodes))]
    else:
        room = (area_w - 2 * GUTTER) / (needed * EMU_PER_PX) - lead
        # nothing crosses the left edge of the first run: it has the room of one strip more
        runs = plan_runs(process, diagram, room, first_extra=GUTTER / (needed * EMU_PER_PX))
    slide_of = {node: first_number + run.index for run in runs for node in run.nodes}
    sides = [crossing_sides(diagram, run) if len(runs) > 1 else set() for run in runs]
    scale = by_height
    for run, used in zip(runs, sides, strict=True):
        gutters = GUTTER * len(used)
        scale = min(scale, (area_w - gutters) / ((lead + run.width) * EMU_PER_PX))
    k = scale * EMU_PER_PX
    views = []
    for run, used in zip(runs, sides, strict=True):
        gutter_left = GUTTER / k if "left" in used else 0.0
        gutter_right = GUTTER / k if "right" in used else 0.0
        width = (lead + gutter_left + run.width + gutter_right) * k
        frame = Frame(run.left - gutter_left - lead, top_y,
                      round(MARGIN + (area_w - width) / 2),
                      round(top + (area_h - height * k) / 2), k)
        views.append(SlideView(run, frame, gutter_left, gutter_right, slide_of,
                               first_number + run.index, phases=bool(process.phases),
                               pool_width=pool_width))
    return views


def _diagram_heading(heading: str, view: Any, count: int) -> str:
    if count == 1:
        return heading
    columns = view.run.columns
    if view.phases:
        names = columns[0].label if len(columns) == 1 else \
            f"{columns[0].label} to {columns[-1].label}"
        return f"{heading}: {names} ({view.run.index + 1}/{count})"
    return f"{heading} ({view.run.index + 1}/{count})"


def first_sentence(text: str) -> str:
    """The description's first sentence (up to its full stop), or all of it."""
    match = re.match(r"\s*(.+?[.!?])(?=\s|$)", text, re.DOTALL)
    return " ".join((match.group(1) if match else text).split())


def _title_slide(presentation: Any, process: Process, heading: str, font: str,
                 day: date) -> Any:
    """The opening slide: the process's name, its description's first sentence, the date."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    from .pptx_shapes import PALETTE, Line, fill, outline, plain, write
    from .pptx_text import fit

    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_SLIDE_LAYOUT])
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    width = SLIDE_WIDTH - 2 * TITLE_SLIDE_MARGIN
    title.left, title.top, title.width, title.height = (TITLE_SLIDE_MARGIN, 2011680, width,
                                                        1554480)
    width_pt, height_pt = width / 12700 - 16, title.height / 12700 - 8
    chosen = fit(heading, width_pt, height_pt, largest=40, max_lines=1, bold=True,
                 smallest=28) or fit(heading, width_pt, height_pt, largest=36, max_lines=2,
                                     bold=True, smallest=20)
    size = chosen.size if chosen else 20
    write(title, [Line(heading, size, bold=True, color=PALETTE["text"])], font=font,
          align="left", anchor="bottom")
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (TITLE_SLIDE_MARGIN, 3749040,
                                                                    width, 1463040)
    lines = []
    sentence = first_sentence(process.description or "")
    if sentence:
        lines.append(Line(sentence, 18, color=PALETTE["text"]))
    if process.lanes:
        lines.append(Line(" · ".join(lane.label for lane in process.lanes), 14,
                          color=PALETTE["subtext"]))
    lines.append(Line(f"{day.day} {day:%B %Y}", 14, color=PALETTE["subtext"]))
    write(subtitle, lines, font=font, align="left", anchor="top")
    for paragraph in subtitle.text_frame.paragraphs[1:]:
        paragraph.space_before = Pt(10)
    # a strip of the lanes' colours above the name, as the lanes' accents on the diagram
    colors = [process.lane_color(lane.id) for lane in process.lanes] or [PALETTE["edge"]]
    strip_w = min(Inches(0.9), (SLIDE_WIDTH - 2 * TITLE_SLIDE_MARGIN) // len(colors))
    for i, color in enumerate(colors):
        chip = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, TITLE_SLIDE_MARGIN + i * strip_w,
                                      title.top - Inches(0.1), strip_w, Inches(0.08))
        chip.name = f"Accent {i + 1}"
        plain(chip)
        fill(chip, color)
        outline(chip, None)
    return slide


def _slide(presentation: Any, heading: str, font: str, *, compact: bool = False) -> Any:
    """A new slide whose title placeholder (kept for the outline and screen readers) is
    moved to the top of the 16:9 page and set left-aligned in ``font``; ``compact`` is a
    lower title that leaves the diagram more room."""
    from .pptx_shapes import PALETTE, Line, write

    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, TITLE_TOP if not compact else COMPACT_TITLE_TOP
    shape.width = SLIDE_WIDTH - 2 * MARGIN
    shape.height = TITLE_HEIGHT if not compact else COMPACT_TITLE_HEIGHT
    if compact:
        size = 22 if len(heading) <= 70 else 18 if len(heading) <= 95 else 15
    else:
        size = 26 if len(heading) <= 60 else 21 if len(heading) <= 80 else 17
    write(shape, [Line(heading, size, bold=True, color=PALETTE["text"])], font=font,
          align="left", anchor="middle")
    return slide
