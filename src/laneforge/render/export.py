"""The diagram as SVG (vector, text as text), PNG (scale or DPI, optional transparency) or PDF
(vector, fitted and centred on a chosen page), drawn by the same painter as the canvas.

Works headless: with no display, the offscreen Qt platform is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from ..atomic import atomic_temp_path, atomic_write_bytes, replace_from_temp
from ..model import Process
from ..model.geometry import Diagram, layout_diagram
from ..model.text import clean_all
from .diagram import Decorations, node_markers, paint_diagram
from .painter import LaneDecor
from .paper import PageSetup
from .pdf_page import fitted, page_layout, pdf_writer
from .svg_export import grouped_svg
from .theme import LIGHT, Theme, register_fonts
from .tint import decorations as results_decorations

MARGIN = 24.0
FORMATS = ("svg", "png", "pdf")


def ensure_gui_application() -> QGuiApplication:
    """A Qt GUI application for painting; offscreen when there is no display."""
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    register_fonts()
    return app  # type: ignore[return-value]


def decorations_for(process: Process, theme: Theme, results: Any = None) -> Decorations:
    """Stage and SLA markers, plus the results tint and badges when results are given."""
    decor = Decorations(nodes=node_markers(process))
    if results is not None:
        nodes, lanes = results_decorations(results, process, theme)
        for node_id, extra in nodes.items():
            if node_id in decor.nodes:
                decor.nodes[node_id].tint = extra.get("tint")
                decor.nodes[node_id].badges = list(extra.get("badges", []))
        decor.lanes = {lane_id: LaneDecor(tint=color) for lane_id, color in lanes.items()}
    return decor


def _bounds(diagram: Diagram) -> QRectF:
    b = diagram.bounds
    # room for badges under the lowest nodes and labels above the first lane
    return QRectF(b.x - MARGIN, b.y - MARGIN, b.w + 2 * MARGIN, b.h + 2 * MARGIN + 24)


def _paint(painter: QPainter, process: Process, diagram: Diagram, rect: QRectF, theme: Theme,
           decor: Decorations, background: bool) -> None:
    painter.translate(-rect.x(), -rect.y())
    if background:
        painter.fillRect(rect, QColor(theme.canvas))
    paint_diagram(painter, process, diagram, theme, decor, background=False)


def render_svg(process: Process, *, theme: Theme = LIGHT, results: Any = None,
               title: str | None = None) -> str:
    """An SVG with a group per lane, edge and node (ids and classes for vector editors),
    text as text; see :mod:`laneforge.render.svg_export`."""
    ensure_gui_application()
    process, results = clean_all(process, results)  # no name can break the XML
    diagram = layout_diagram(process)
    return grouped_svg(process, diagram, _bounds(diagram), theme,
                       decorations_for(process, theme, results), title=title or process.name,
                       description=f"Swim-lane diagram of {process.name}, drawn by laneforge")


def render_image(process: Process, *, scale: float = 2.0, dpi: float | None = None,
                 transparent: bool = False, theme: Theme = LIGHT, results: Any = None
                 ) -> QImage:
    """A raster image; ``dpi`` (at 96 px per inch = 100 %) takes precedence over ``scale``."""
    ensure_gui_application()
    if dpi is not None:
        scale = dpi / 96.0
    diagram = layout_diagram(process)
    rect = _bounds(diagram)
    image = QImage(max(1, int(rect.width() * scale)), max(1, int(rect.height() * scale)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 0, 0, 0) if transparent else QColor(theme.canvas))
    if dpi is not None:
        dots_per_meter = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots_per_meter)
        image.setDotsPerMeterY(dots_per_meter)
    painter = QPainter(image)
    painter.scale(scale, scale)
    _paint(painter, process, diagram, rect, theme, decorations_for(process, theme, results),
           background=False)
    painter.end()
    return image


def render_pdf(process: Process, path: Path, *, theme: Theme = LIGHT, results: Any = None,
               page: str | PageSetup = "A4", orientation: str = "landscape") -> None:
    """A vector PDF on one page: the diagram fitted inside the margins and centred, its
    text at the canvas's proportions and searchable. ``page`` is a paper name (A4, A3,
    Letter, Legal, Tabloid or 11x17) or a :class:`PageSetup`; ``orientation`` is
    landscape, portrait or auto (the one that shows the diagram larger)."""
    ensure_gui_application()
    setup = page if isinstance(page, PageSetup) else PageSetup(page, orientation)
    diagram = layout_diagram(process)
    rect = _bounds(diagram)
    writer = pdf_writer(path, page_layout(setup, rect.size()), title=process.name)
    painter = QPainter(writer)
    factor, dx, dy = fitted(rect, QRectF(painter.viewport()))
    painter.translate(dx, dy)
    painter.scale(factor, factor)
    _paint(painter, process, diagram, rect, theme, decorations_for(process, theme, results),
           background=True)
    painter.end()


def export_diagram(process: Process, path: str | os.PathLike[str], *, scale: float = 2.0,
                   dpi: float | None = None, transparent: bool = False,
                   theme: Theme = LIGHT, results: Any = None,
                   page: PageSetup | None = None) -> Path:
    """Write the diagram to ``path``; the format comes from its suffix (svg, png, pdf).
    ``page`` sets the paper of a PDF (default: A4 landscape)."""
    target = Path(path)
    process, results = clean_all(process, results)  # no name can break the file
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"cannot export a diagram as '.{fmt}'; use .svg, .png or .pdf")
    if fmt == "svg":
        data = render_svg(process, theme=theme, results=results).encode("utf-8")
        atomic_write_bytes(target, data)
    elif fmt == "png":
        image = render_image(process, scale=scale, dpi=dpi, transparent=transparent,
                             theme=theme, results=results)
        buffer = QByteArray()
        device = QBuffer(buffer)
        device.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(device, "PNG")
        device.close()
        atomic_write_bytes(target, bytes(buffer.data()))
    else:
        temp = atomic_temp_path(target)
        try:
            render_pdf(process, temp, theme=theme, results=results,
                       page=page or PageSetup())
            replace_from_temp(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return target
