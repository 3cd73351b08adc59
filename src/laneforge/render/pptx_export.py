"""PowerPoint export: the diagram as editable shapes on a 16:9 slide, KPI and chart slides."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..model import Process

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
DIAGRAM_TOP = 1051560  # 1.15 in
CAPTION_HEIGHT = 274320  # 0.3 in


class PptxExportError(RuntimeError):
    """The PowerPoint file could not be made (python-pptx missing)."""


def export_pptx(process: Process, path: str | os.PathLike[str], *, results: Any = None,
                title: str | None = None, font: str = DEFAULT_FONT, tint: bool = True) -> Path:
    """Write ``process`` to ``path`` as a .pptx and return the path.

    Slide 1 holds the process as native shapes (lanes, nodes, connectors, labels) the user
    can edit. python-pptx is an optional dependency (``pip install 'laneforge[pptx]'``),
    imported only when an export runs; no Qt is needed.

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
    presentation = build_presentation(process, results=results, title=title, font=font,
                                      tint=tint)
    buffer = io.BytesIO()
    presentation.save(buffer)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target


def build_presentation(process: Process, *, results: Any = None, title: str | None = None,
                       font: str = DEFAULT_FONT, tint: bool = True) -> Any:
    """The ``pptx.Presentation`` that :func:`export_pptx` saves."""
    from pptx import Presentation
    from pptx.util import Inches

    from ..model.geometry import layout_diagram
    from .pptx_diagram import draw_diagram, scene_bounds
    from .pptx_results import charts_slide, figures_slide, kpi_rows
    from .pptx_shapes import PALETTE, Frame, Line, write

    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    presentation.core_properties.title = title or process.name
    presentation.core_properties.subject = "Swim-lane lead process exported by laneforge"

    slide = _slide(presentation, title or process.name, font)
    top = DIAGRAM_TOP
    if results is not None and tint:
        caption = slide.shapes.add_textbox(MARGIN, top - Inches(0.12),
                                           SLIDE_WIDTH - 2 * MARGIN, CAPTION_HEIGHT)
        caption.name = "Caption"
        write(caption, [Line("Lanes tinted by load, tasks by the wait for a free person "
                             f"(simulation, {results.replications} replications)", 11,
                             color=PALETTE["subtext"])], font=font, align="left", anchor="top")
        top += CAPTION_HEIGHT
    diagram = layout_diagram(process)
    bounds = scene_bounds(diagram)
    area_w, area_h = SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - MARGIN
    k = min(area_w / bounds.w, area_h / bounds.h)
    frame = Frame(bounds.x, bounds.y, round(MARGIN + (area_w - bounds.w * k) / 2),
                  round(top + (area_h - bounds.h * k) / 2), k)
    draw_diagram(slide, process, diagram, frame, font=font,
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


def _slide(presentation: Any, heading: str, font: str) -> Any:
    """A new slide whose title placeholder (kept for the outline and screen readers) is
    moved to the top of the 16:9 page and set left-aligned in ``font``."""
    from .pptx_shapes import PALETTE, Line, write

    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, TITLE_TOP
    shape.width, shape.height = SLIDE_WIDTH - 2 * MARGIN, TITLE_HEIGHT
    size = 26 if len(heading) <= 60 else 21 if len(heading) <= 80 else 17
    write(shape, [Line(heading, size, bold=True, color=PALETTE["text"])], font=font,
          align="left", anchor="middle")
    return slide
