"""A report as PDF: the diagram (vector, with the results tint) on the first page, then the
findings, tables and charts laid out as text over as many pages as they need."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSizeF, QUrl
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QTextDocument

from ..atomic import atomic_temp_path, replace_from_temp
from ..model import Process
from ..model.geometry import layout_diagram
from . import charts
from .diagram import paint_diagram
from .export import _bounds, decorations_for, ensure_gui_application
from .paper import PageSetup
from .pdf_page import fitted, page_layout, pdf_writer
from .theme import LIGHT, font

CHARTS = ("funnel_chart", "utilization_chart", "waits_chart", "wip_chart", "cycle_time_chart")


def write_report_pdf(process: Process, runs: Sequence[Any], path: Path, *,
                     html_sections: str) -> None:
    ensure_gui_application()
    temp = atomic_temp_path(path)
    try:
        _write(process, runs, temp, html_sections)
        replace_from_temp(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write(process: Process, runs: Sequence[Any], path: Path, html_sections: str) -> None:
    # at the scene's 96 dpi, so the diagram's labels keep the canvas's proportions
    writer = pdf_writer(path, page_layout(PageSetup("A4", "landscape", margin_mm=12)),
                        title=f"{process.name}: simulation report")
    painter = QPainter(writer)
    page = QRectF(painter.viewport())
    first = runs[0]
    # page 1: title and the diagram
    painter.setFont(font(16, QFont.Weight.DemiBold))
    painter.setPen(QColor(LIGHT.text))
    title = process.name + (f" — {first.scenario}" if first.scenario and len(runs) == 1 else "")
    painter.drawText(QRectF(0, 0, page.width(), 40), title)
    painter.setFont(font(9))
    painter.setPen(QColor(LIGHT.subtext))
    painter.drawText(QRectF(0, 40, page.width(), 24),
                     f"{first.replications} replications, seed {first.seed}. Lanes tinted by "
                     "load, tasks by the wait for a free person.")
    diagram = layout_diagram(process)
    rect = _bounds(diagram)
    area = QRectF(0, 64, page.width(), page.height() - 64)
    factor, dx, dy = fitted(rect, area)
    painter.save()
    painter.translate(dx, dy)
    painter.scale(factor, factor)
    painter.translate(-rect.x(), -rect.y())
    decor = decorations_for(process, LIGHT, first if len(runs) == 1 else None)
    paint_diagram(painter, process, diagram, LIGHT, decor, background=False)
    painter.restore()
    # following pages: findings, tables and charts
    writer.newPage()
    pictures = {name: charts.to_png(getattr(charts, name)(first), dpi=130) for name in CHARTS}
    images = "".join(f"<p><img src='{name}' width='{int(page.width() * 0.62)}'></p>"
                     for name in CHARTS)
    _flow(painter, writer, page, html_sections + "<h2>Charts</h2>" + images, pictures)
    painter.end()


def write_document_pdf(path: Path, title: str, html: str, pictures: dict[str, bytes]) -> None:
    """Text, tables and PNG pictures (``<img src='name'>``) flowed over A4 landscape pages."""
    ensure_gui_application()
    temp = atomic_temp_path(path)
    try:
        writer = pdf_writer(temp, page_layout(PageSetup("A4", "landscape", margin_mm=12)),
                            title=title)
        painter = QPainter(writer)
        _flow(painter, writer, QRectF(painter.viewport()), html, pictures)
        painter.end()
        replace_from_temp(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _flow(painter: QPainter, writer: Any, page: QRectF, html: str,
          pictures: dict[str, bytes]) -> None:
    """Lay ``html`` out as a text document and paint it page after page (the first on the
    page the writer is on)."""
    document = QTextDocument()
    document.setDefaultFont(font(9))
    document.setDocumentMargin(0)
    document.setPageSize(QSizeF(page.width(), page.height()))
    for name, png in pictures.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name),
                             QImage.fromData(png))
    document.setHtml("<style>table { border-collapse: collapse; } td, th { padding: 2px 8px; "
                     "border-bottom: 1px solid #E3E6EA; } h2, h3 { color: #1F2933; }</style>"
                     + html)
    height = page.height()
    pages = max(1, int(document.size().height() // height) + 1)
    for index in range(pages):
        if index:
            writer.newPage()
        painter.save()
        painter.translate(0, -index * height)
        document.drawContents(painter, QRectF(0, index * height, page.width(), height))
        painter.restore()
