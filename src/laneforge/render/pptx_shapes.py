"""Small python-pptx helpers for the PowerPoint export: colours, plain shapes, text, arrowheads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

#: the LIGHT theme's colours (render/theme.py), repeated so the export needs no Qt;
#: tests/test_pptx.py checks that they stay the same
PALETTE = {
    "lane_fill": "#FFFFFF", "lane_fill_alt": "#FAFBFC", "lane_line": "#D9DCE1",
    "header_fill": "#F7F8FA", "text": "#1F2933", "subtext": "#5F6B7A", "node_fill": "#FFFFFF",
    "edge": "#5B6573", "label_fill": "#FFFFFF", "error": "#D93025", "warning": "#E8A317",
    "won": "#2E9E5B", "lost": "#C4473A",
}
#: as render/painter.py: the ring colour of an end node by its outcome
OUTCOME_COLORS = {"won": "won", "lost": "lost", "disqualified": "lost", "duplicate": "subtext",
                  "nurture": "subtext"}
#: the tint bands of render/tint.py: (upper bound, colour name, alpha)
LOAD_BANDS = ((0.70, None, 0.0), (0.85, "warning", 0.10), (0.95, "warning", 0.22),
              (None, "error", 0.20))
WAIT_BANDS = ((0.25, None, 0.0), (2.0, "warning", 0.18), (8.0, "warning", 0.38),
              (None, "error", 0.30))

EMU_PER_PX = 9525  # one pixel at 100 % (96 dpi)
EMU_PER_PT = 12700


def band_color(value: float, bands: tuple[tuple[Any, ...], ...], base: str) -> str | None:
    """The tint of ``value`` (a load or a wait in hours) over ``base``; None in the first band."""
    for upper, name, alpha in bands:
        if upper is None or value < upper:
            return None if name is None else blend(base, PALETTE[name], alpha)
    return None


def blend(base: str, over: str, alpha: float) -> str:
    """``over`` painted with opacity ``alpha`` on ``base`` (both "#RRGGBB"), as an opaque colour."""
    a = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(over[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * alpha):02X}" for x, y in zip(a, b, strict=True))


def rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#")[:6].upper())


@dataclass(frozen=True)
class Frame:
    """Scene pixels to slide EMU: ``(x0, y0)`` of the scene lands on ``(left, top)``."""

    x0: float
    y0: float
    left: int
    top: int
    k: float  # EMU per scene pixel

    def x(self, sx: float) -> int:
        return round(self.left + (sx - self.x0) * self.k)

    def y(self, sy: float) -> int:
        return round(self.top + (sy - self.y0) * self.k)

    def size(self, d: float) -> int:
        return max(1, round(d * self.k))

    def pt(self, canvas_pt: float) -> float:
        """A canvas font size (points at 100 %) on the slide, never under 1 pt."""
        return max(1.0, round(canvas_pt * self.k / EMU_PER_PX, 1))

    def line(self, px: float, minimum_pt: float = 0.5) -> int:
        return max(round(px * self.k), round(minimum_pt * EMU_PER_PT))


def plain(shape: Any) -> Any:
    """Drop the theme style python-pptx gives new shapes (accent fill, shadow, white text)."""
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def fill(shape: Any, color: str | None) -> None:
    if color is None:
        shape.fill.background()
    else:
        shape.fill.solid()
        shape.fill.fore_color.rgb = rgb(color)


def outline(shape: Any, color: str | None, width: int = 0, *, double: bool = False) -> None:
    if color is None:
        shape.line.fill.background()
        return
    shape.line.color.rgb = rgb(color)
    shape.line.width = Emu(width)
    if double:
        shape.line._get_or_add_ln().set("cmpd", "dbl")


def arrowhead(connector: Any, kind: str = "triangle") -> None:
    """A filled triangle at the end point (python-pptx has no API for line ends); ``kind``
    "arrow" is the open arrowhead of a message flow."""
    _line_end(connector, "a:tailEnd", kind)


def _line_end(connector: Any, tag: str, kind: str) -> None:
    ln = connector.line._get_or_add_ln()
    for old in ln.findall(qn(tag)):
        ln.remove(old)
    end = etree.SubElement(ln, qn(tag))
    end.set("type", kind)
    end.set("w", "sm")  # relative to the line width, with a minimum (0.7 mm in LibreOffice)
    end.set("len", "sm")
    later = ln.find(qn("a:tailEnd")) if tag == "a:headEnd" else None
    if later is None:
        later = ln.find(qn("a:extLst"))
    if later is not None:  # keep the schema order: headEnd, tailEnd, extLst
        later.addprevious(end)


def message_line(connector: Any, *, start: bool, end: bool) -> None:
    """A connector drawn as BPMN draws a message flow: dashed, with a small open circle at
    its start and an open arrowhead at its end (``start``/``end``: this connector carries
    that end of the route)."""
    connector.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    if end:
        arrowhead(connector, "arrow")
    if start:
        _line_end(connector, "a:headEnd", "oval")


def glue(connector: Any, begin: tuple[Any, int] | None, end: tuple[Any, int] | None) -> None:
    """Attach the connector's ends to connection sites ``(shape, index)`` of shapes."""
    props = connector._element.nvCxnSpPr.cNvCxnSpPr
    for tag, target in (("a:stCxn", begin), ("a:endCxn", end)):
        if target is None:
            continue
        element = etree.SubElement(props, qn(tag))
        element.set("id", str(target[0].shape_id))
        element.set("idx", str(target[1]))


@dataclass(frozen=True)
class Line:
    """One paragraph of text: the words, the size in points, bold or not, the colour."""

    text: str
    size: float
    bold: bool = False
    color: str = PALETTE["text"]


def write(shape: Any, lines: Sequence[Line], *, font: str, align: str = "center",
          anchor: str = "middle", inset: int = 0, wrap: bool = True) -> None:
    """Replace the text of ``shape`` with ``lines``, one paragraph each."""
    frame = shape.text_frame
    frame.word_wrap = wrap
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE,
                             "bottom": MSO_ANCHOR.BOTTOM}[anchor]
    frame.margin_left = frame.margin_right = Emu(inset)
    frame.margin_top = frame.margin_bottom = Emu(inset // 2)
    alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = alignment[align]
        paragraph.line_spacing = 1.0
        run = paragraph.add_run()
        run.text = line.text
        style(run.font, font, line.size, bold=line.bold, color=line.color)


def style(run_font: Any, name: str, size: float, *, bold: bool = False,
          color: str = PALETTE["text"]) -> None:
    run_font.name = name
    run_font.size = Pt(size)
    run_font.bold = bold
    run_font.color.rgb = rgb(color)


def shape_at(shapes: Any, kind: Any, rect: Any, frame: Frame) -> Any:
    """A plain preset shape of ``kind`` covering ``rect`` (scene coordinates)."""
    return plain(shapes.add_shape(kind, frame.x(rect.x), frame.y(rect.y), frame.size(rect.w),
                                  frame.size(rect.h)))


def connector_at(shapes: Any, kind: Any, start: tuple[float, float], end: tuple[float, float],
                 frame: Frame) -> Any:
    """A connector in the edges' colour and width from ``start`` to ``end`` (scene)."""
    connector = plain(shapes.add_connector(kind, frame.x(start[0]), frame.y(start[1]),
                                           frame.x(end[0]), frame.y(end[1])))
    outline(connector, PALETTE["edge"], frame.line(1.4, 0.75))
    return connector
