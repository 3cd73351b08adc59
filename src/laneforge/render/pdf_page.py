"""Pages for the PDF exports: paper sizes, orientation, and a writer in the canvas's units.

The diagram is measured in scene pixels at 100 % (96 per inch) and its fonts in points.
A painter on a ``QPdfWriter`` resolves point sizes against the writer's resolution, so
at 300 dpi a 9 pt label took 300/96 times the room it has on the canvas while the shapes
were scaled to fit: labels came out three times too large and were clipped by their boxes.
The writer here works at 96 dpi, where a point is as many units as on the canvas; the
output is vector all the same (coordinates are written as real numbers).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

from .paper import PageSetup

#: units per inch of the diagram's scene (and of the painter on a PDF page)
SCENE_DPI = 96
PAGE_SIZES = {
    "A4": QPageSize.PageSizeId.A4,
    "A3": QPageSize.PageSizeId.A3,
    "Letter": QPageSize.PageSizeId.Letter,
    "Legal": QPageSize.PageSizeId.Legal,
    "Tabloid": QPageSize.PageSizeId.Tabloid,
}


def page_layout(setup: PageSetup, content: QSizeF | None = None,
                reserved_top: float = 0.0) -> QPageLayout:
    """The layout of ``setup``'s page; with orientation "auto" the one that shows
    ``content`` (a width and height in scene units) larger, landscape when both are equal.
    ``reserved_top`` is room kept above the content (a title)."""
    size = QPageSize(PAGE_SIZES[setup.size])
    m = setup.margin_mm
    margins = QMarginsF(m, m, m, m)
    unit = QPageLayout.Unit.Millimeter
    landscape = QPageLayout(size, QPageLayout.Orientation.Landscape, margins, unit)
    if setup.orientation == "landscape" or (setup.orientation == "auto" and content is None):
        return landscape
    portrait = QPageLayout(size, QPageLayout.Orientation.Portrait, margins, unit)
    if setup.orientation == "portrait":
        return portrait
    assert content is not None
    return max((landscape, portrait),
               key=lambda layout: fit_scale(content, _area(layout, reserved_top)))


def _area(layout: QPageLayout, reserved_top: float) -> QSizeF:
    rect = layout.paintRectPixels(SCENE_DPI)
    return QSizeF(rect.width(), rect.height() - reserved_top)


def fit_scale(content: QSizeF, area: QSizeF) -> float:
    """The largest factor at which ``content`` fits into ``area``."""
    return min(area.width() / content.width(), area.height() / content.height())


def fitted(content: QRectF, area: QRectF) -> tuple[float, float, float]:
    """``(factor, dx, dy)``: ``content`` scaled by ``factor`` and centred in ``area``, with
    its top-left corner landing on ``(dx, dy)``."""
    factor = fit_scale(content.size(), area.size())
    dx = area.left() + (area.width() - content.width() * factor) / 2
    dy = area.top() + (area.height() - content.height() * factor) / 2
    return factor, dx, dy


def pdf_writer(path: Path, layout: QPageLayout, *, title: str) -> QPdfWriter:
    """A PDF writer at the scene's 96 units per inch (see the module's docstring)."""
    writer = QPdfWriter(str(path))
    writer.setResolution(SCENE_DPI)
    writer.setPageLayout(layout)
    writer.setTitle(title)
    writer.setCreator("laneforge")
    return writer
