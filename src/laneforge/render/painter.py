"""Drawing lanes, nodes and edges with a QPainter: the one look of the canvas and the exports.

The canvas items call these functions from ``paint()``, the exporters call them on an SVG,
PDF or image painter, so a diagram looks the same everywhere. Only QtGui is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from ..model import Lane, NodeBase, Phase
from ..model.geometry import (
    EdgeRoute,
    LaneBox,
    NodeBox,
    PhaseBox,
    PoolBox,
    Rect,
    node_subtitle,
    pool_lane_name,
)
from ..model.roster import roster_peak, roster_person_hours
from ..model.shapes import BOX_KINDS
from .theme import Theme, font

ARROW_SIZE = 9.0
#: a message flow's dashes and gaps, in line widths, and the radius of its open start circle
MESSAGE_DASH = [4.0, 3.0]
MESSAGE_DOT = 3.6
CORNER = 6.0
OUTCOME_COLORS = {"won": "won", "lost": "lost", "disqualified": "lost", "duplicate": "subtext",
                  "nurture": "subtext"}


@dataclass
class NodeDecor:
    """How a node looks beyond its data: selection, problems, markers, results."""

    selected: bool = False
    hovered: bool = False
    problem: str | None = None  # "error" or "warning"
    stage: str | None = None
    slas: list[str] = field(default_factory=list)
    tint: QColor | None = None
    badges: list[str] = field(default_factory=list)
    queue: int | None = None


@dataclass
class LaneDecor:
    selected: bool = False
    hovered: bool = False
    load: float | None = None  # offered load against staff (1.0 = full)
    tint: QColor | None = None
    index: int = 0


def qrect(rect: Rect) -> QRectF:
    return QRectF(rect.x, rect.y, rect.w, rect.h)


def _wrap(text: str, metrics: QFontMetricsF, width: float, max_lines: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if metrics.horizontalAdvance(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1:])]
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


def draw_text_block(
    painter: QPainter, rect: QRectF, text: str, text_font: QFont, color: QColor,
    *, max_lines: int = 2, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignHCenter,
    valign: str = "center",
) -> float:
    """Wrapped, elided text in ``rect``; returns the height used."""
    metrics = QFontMetricsF(text_font)
    lines = _wrap(text, metrics, rect.width(), max_lines)
    line_h = metrics.height()
    total = line_h * len(lines)
    if valign == "center":
        y = rect.top() + (rect.height() - total) / 2
    elif valign == "bottom":
        y = rect.bottom() - total
    else:
        y = rect.top()
    painter.setFont(text_font)
    painter.setPen(color)
    for line in lines:
        painter.drawText(QRectF(rect.left(), y, rect.width(), line_h),
                         int(align | Qt.AlignmentFlag.AlignVCenter), line)
        y += line_h
    return total


def _pill(painter: QPainter, anchor: QPointF, text: str, theme: Theme, *, fg: QColor,
          bg: QColor, border: QColor | None = None, align: str = "center",
          point_size: float = 7.2) -> QRectF:
    pill_font = font(point_size, QFont.Weight.DemiBold)
    metrics = QFontMetricsF(pill_font)
    w = metrics.horizontalAdvance(text) + 10
    h = metrics.height() + 3
    x = {"center": anchor.x() - w / 2, "left": anchor.x(), "right": anchor.x() - w}[align]
    rect = QRectF(x, anchor.y() - h / 2, w, h)
    painter.setPen(QPen(border, 1.0) if border is not None else Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, h / 2, h / 2)
    painter.setFont(pill_font)
    painter.setPen(fg)
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
    return rect


# --- lanes -----------------------------------------------------------------------------------


def draw_lane(painter: QPainter, box: LaneBox, lane: Lane, theme: Theme,
              decor: LaneDecor | None = None, calendar_name: str | None = None) -> None:
    """The lane's band with its header on the left."""
    decor = decor or LaneDecor()
    band, header = qrect(box.rect), qrect(box.header)
    accent = QColor(box.color)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.color("lane_fill" if decor.index % 2 == 0 else "lane_fill_alt"))
    painter.drawRect(band)
    wash = QColor(accent)
    wash.setAlphaF(0.035 if theme.name == "light" else 0.06)
    painter.setBrush(wash)
    painter.drawRect(band.adjusted(header.width(), 0, 0, 0))
    if decor.tint is not None:
        painter.setBrush(decor.tint)
        painter.drawRect(band.adjusted(header.width(), 0, 0, 0))
    painter.setPen(QPen(theme.color("lane_line"), 1.0))
    painter.drawLine(QLineF(band.bottomLeft(), band.bottomRight()))
    draw_lane_header(painter, header, box.color, lane, theme, decor, calendar_name,
                     label=lane_title(lane, box))


def lane_title(lane: Lane, box: LaneBox) -> str:
    """The name in a lane's header: beside a pool band, without the "Pool / " prefix."""
    return pool_lane_name(lane.label, box.pool) if box.pool else lane.label


def lane_staff_text(lane: Lane) -> str:
    """"3 staff", "1 person", "no staff limit", or for a rostered lane its peak and hours."""
    if lane.roster is not None:
        peak, hours = roster_peak(lane.roster), roster_person_hours(lane.roster)
        return f"roster: up to {peak}, {hours:g} h/week"
    if lane.staff is None:
        return "no staff limit"
    return f"{lane.staff} staff" if lane.staff != 1 else "1 person"


def draw_lane_header(painter: QPainter, header: QRectF, color: str, lane: Lane, theme: Theme,
                     decor: LaneDecor | None = None, calendar_name: str | None = None, *,
                     label: str | None = None) -> None:
    """The header of a lane in ``header``: name (``label``, else the lane's), staff,
    calendar, cost and load."""
    decor = decor or LaneDecor()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.color("header_fill"))
    painter.drawRect(header)
    painter.setBrush(QColor(color))
    painter.drawRect(QRectF(header.left(), header.top(), 6, header.height()))
    painter.setPen(QPen(theme.color("lane_line"), 1.0))
    painter.drawLine(QLineF(header.topRight(), header.bottomRight()))
    painter.drawLine(QLineF(header.bottomLeft(), header.bottomRight()))
    text_rect = header.adjusted(18, 12, -10, -10)
    used = draw_text_block(painter, text_rect, label if label is not None else lane.label,
                           font(10.5, QFont.Weight.DemiBold),
                           theme.color("text"), max_lines=2,
                           align=Qt.AlignmentFlag.AlignLeft, valign="top")
    details = [lane_staff_text(lane)]
    if calendar_name:
        details.append(calendar_name)
    if lane.cost_per_hour:
        details.append(f"{lane.cost_per_hour:g}/h")
    small = font(8.2)
    draw_text_block(painter, text_rect.adjusted(0, used + 3, 0, 0), " · ".join(details), small,
                    theme.color("subtext"), max_lines=2, align=Qt.AlignmentFlag.AlignLeft,
                    valign="top")
    if decor.load is not None:
        over = decor.load >= 1.0
        load_color = theme.color("error") if over else theme.color(
            "warning") if decor.load >= 0.85 else theme.color("subtext")
        _pill(painter, QPointF(text_rect.left(), header.bottom() - 16),
              f"load {decor.load * 100:.0f} %", theme,
              fg=QColor("#FFFFFF") if over else load_color,
              bg=load_color if over else theme.color("badge_fill"), align="left")
    if decor.selected:
        painter.setPen(QPen(theme.color("selection"), 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(header.adjusted(1, 1, -1, -1))


# --- pools ---------------------------------------------------------------------------------


def draw_pool(painter: QPainter, box: PoolBox, theme: Theme, *, outline: bool = True,
              header_rect: QRectF | None = None) -> None:
    """A pool as BPMN tools draw a participant: an outline round its lanes and, left of
    their headers, a narrow band with the pool's name turned on its side (read bottom to
    top). ``header_rect`` moves the band (to stay in view); drawn over the lanes."""
    if outline:
        painter.setPen(QPen(theme.color("subtext", 0.7), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(qrect(box.rect))
    band = header_rect if header_rect is not None else qrect(box.header)
    painter.setPen(QPen(theme.color("subtext", 0.7), 1.2))
    painter.setBrush(theme.color("header_fill"))
    painter.drawRect(band)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.color("text", 0.04 if theme.name == "light" else 0.06))
    painter.drawRect(band)
    name_font = font(10.0, QFont.Weight.DemiBold)
    metrics = QFontMetricsF(name_font)
    length = max(band.height() - 16, 10.0)
    text = metrics.elidedText(box.name, Qt.TextElideMode.ElideRight, length)
    painter.save()
    painter.translate(band.center())
    painter.rotate(-90)
    painter.setFont(name_font)
    painter.setPen(theme.color("text"))
    painter.drawText(QRectF(-length / 2, -band.width() / 2, length, band.width()),
                     int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


# --- phases ----------------------------------------------------------------------------------


def draw_phase(painter: QPainter, box: PhaseBox, phase: Phase, theme: Theme, *,
               selected: bool = False, band: bool = True, header: bool = True,
               header_rect: QRectF | None = None) -> None:
    """A phase: a light tint on every other column, a thin separator on its left, and its
    name in the header strip above the lanes (``header_rect`` moves it, e.g. to stay in
    view). Drawn over the lanes, under edges and nodes."""
    rect = qrect(box.rect)
    line = theme.color("lane_line")
    if band:
        painter.setPen(Qt.PenStyle.NoPen)
        if box.index % 2 == 1:
            painter.setBrush(theme.color("text", 0.022 if theme.name == "light" else 0.035))
            painter.drawRect(rect)
        if box.index > 0:
            painter.setPen(QPen(line, 1.0, Qt.PenStyle.DashLine))
            painter.drawLine(QLineF(rect.topLeft(), rect.bottomLeft()))
    if not header:
        return
    strip = header_rect if header_rect is not None else qrect(box.header)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.color("header_fill"))
    painter.drawRect(strip)
    if box.index % 2 == 1:
        painter.setBrush(theme.color("text", 0.03 if theme.name == "light" else 0.05))
        painter.drawRect(strip)
    painter.setPen(QPen(line, 1.0))
    painter.drawLine(QLineF(strip.bottomLeft(), strip.bottomRight()))
    painter.drawLine(QLineF(strip.topLeft(), strip.topRight()))
    if box.index > 0:
        painter.drawLine(QLineF(strip.topLeft(), strip.bottomLeft()))
    painter.drawLine(QLineF(strip.topRight(), strip.bottomRight()))
    number = f"{box.index + 1}"
    small = font(8.0, QFont.Weight.DemiBold)
    text_rect = strip.adjusted(12, 0, -10, 0)
    painter.setFont(small)
    painter.setPen(theme.color("subtext"))
    metrics = QFontMetricsF(small)
    painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     number)
    shift = metrics.horizontalAdvance(number) + 8
    draw_text_block(painter, text_rect.adjusted(shift, 0, 0, 0), phase.label,
                    font(9.5, QFont.Weight.DemiBold), theme.color("text"), max_lines=1,
                    align=Qt.AlignmentFlag.AlignLeft)
    if selected:
        painter.setPen(QPen(theme.color("selection"), 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(strip.adjusted(1, 1, -1, -1))


# --- nodes -----------------------------------------------------------------------------------


def _outcome_color(node: NodeBase, theme: Theme) -> QColor:
    outcome = str(getattr(node, "outcome", ""))
    return theme.color(OUTCOME_COLORS.get(outcome, "subtext"))


def node_outline(box: NodeBox) -> QPainterPath:
    """The node's outline (for painting, hit testing and clipping edges)."""
    rect = qrect(box.shape)
    path = QPainterPath()
    if box.kind in BOX_KINDS:
        path.addRoundedRect(rect, 10, 10)
    elif box.kind == "decision":
        c = rect.center()
        path.addPolygon(QPolygonF([QPointF(c.x(), rect.top()), QPointF(rect.right(), c.y()),
                                   QPointF(c.x(), rect.bottom()), QPointF(rect.left(), c.y()),
                                   QPointF(c.x(), rect.top())]))
    else:
        path.addEllipse(rect)
    return path


def draw_node(painter: QPainter, node: NodeBase, box: NodeBox, theme: Theme,
              decor: NodeDecor | None = None) -> None:
    decor = decor or NodeDecor()
    accent = QColor(box.color)
    rect = qrect(box.shape)
    outline = node_outline(box)
    fill = theme.color("node_fill")
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if decor.selected:
        glow = QColor(theme.selection)
        glow.setAlphaF(0.22)
        painter.setPen(QPen(glow, 7.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)
    kind = box.kind
    if kind in BOX_KINDS:
        painter.setPen(QPen(accent.darker(105), 1.4))
        painter.setBrush(fill)
        painter.drawPath(outline)
        if decor.tint is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(decor.tint)
            painter.drawPath(outline)
        bar = QPainterPath()
        bar.addRoundedRect(QRectF(rect.left(), rect.top(), 12, rect.height()), 10, 10)
        clip = QPainterPath()
        clip.addRect(QRectF(rect.left(), rect.top(), 5, rect.height()))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawPath(bar.intersected(clip))
        inner = rect.adjusted(12, 6, -8, -5)
        if kind == "cadence":  # a loop arrow in the corner: touches that come round again
            _cadence_glyph(painter, QPointF(rect.right() - 11, rect.top() + 10),
                           min(6.0, rect.height() * 0.18), accent)
            inner = inner.adjusted(0, 0, -14, 0)
        subtitle = node_subtitle(node)
        name_rect = inner.adjusted(0, 0, 0, -13 if subtitle else 0)
        draw_text_block(painter, name_rect, node.label, font(9.2, QFont.Weight.DemiBold),
                        theme.color("text"), max_lines=2)
        if subtitle:
            draw_text_block(painter, QRectF(inner.left(), inner.bottom() - 13, inner.width(), 13),
                            subtitle, font(7.6), theme.color("subtext"), max_lines=1)
    else:
        ring = QColor(accent)
        if kind == "end":
            ring = _outcome_color(node, theme)
        light = QColor(ring)
        light.setAlphaF(0.16)
        painter.setPen(QPen(ring, 3.2 if kind == "end" else 1.6))
        painter.setBrush(fill)
        painter.drawPath(outline)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(decor.tint if decor.tint is not None else light)
        painter.drawPath(outline)
        _draw_glyph(painter, node, rect, ring, theme)
        if box.label is not None:
            subtitle = node_subtitle(node) if kind != "decision" else ""
            label = qrect(box.label)
            if kind == "decision":
                draw_text_block(painter, label, node.label, font(8.4, QFont.Weight.Medium),
                                theme.color("text"), max_lines=2, valign="bottom")
            else:
                used = draw_text_block(painter, label, node.label, font(8.4, QFont.Weight.Medium),
                                       theme.color("text"), max_lines=1, valign="top")
                if subtitle:
                    draw_text_block(painter, label.adjusted(0, used, 0, 0), subtitle, font(7.4),
                                    theme.color("subtext"), max_lines=1, valign="top")
    if decor.problem is not None:
        color = theme.color("error" if decor.problem == "error" else "warning")
        painter.setPen(QPen(color, 2.0, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)
        dot = QRectF(rect.right() - 7, rect.top() - 7, 14, 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(dot)
        painter.setPen(QColor("#FFFFFF"))
        painter.setFont(font(8, QFont.Weight.Bold))
        painter.drawText(dot, int(Qt.AlignmentFlag.AlignCenter), "!")
    if decor.selected:
        painter.setPen(QPen(theme.color("selection"), 1.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)
    top_y = rect.top() - 1
    if decor.stage:
        if kind in BOX_KINDS:
            anchor, align = QPointF(rect.right() - 14, top_y), "right"
        elif kind == "decision":  # its name is above: the badge goes to the right
            anchor, align = QPointF(rect.right() - 6, rect.top() + 8), "left"
        else:
            anchor, align = QPointF(rect.center().x(), top_y), "center"
        _pill(painter, anchor, decor.stage, theme, fg=theme.color("badge_text"),
              bg=theme.color("badge_fill"), border=QColor(accent.lighter(130)), align=align)
    for i, sla in enumerate(decor.slas[:2]):
        _sla_badge(painter, QPointF(rect.left() + (6 if kind in BOX_KINDS else -8),
                                    top_y + i * 15), sla, theme)
    badge_y = rect.bottom() + 10 if kind in BOX_KINDS else (qrect(box.label).bottom() + 8
                                                            if box.label else rect.bottom() + 10)
    for text in decor.badges[:2]:
        _pill(painter, QPointF(rect.center().x(), badge_y), text, theme,
              fg=theme.color("text"), bg=theme.color("label_fill"),
              border=theme.color("lane_line"), point_size=7.0)
        badge_y += 15
    if decor.queue:
        _pill(painter, QPointF(rect.left(), rect.bottom()), f"{decor.queue}", theme,
              fg=QColor("#FFFFFF"), bg=theme.color("warning"))


def _sla_badge(painter: QPainter, anchor: QPointF, text: str, theme: Theme) -> None:
    color = theme.color("sla")
    rect = _pill(painter, QPointF(anchor.x(), anchor.y()), f"   {text}", theme, fg=color,
                 bg=theme.color("label_fill"), border=color, align="left", point_size=7.0)
    center = QPointF(rect.left() + 8, rect.center().y())
    painter.setPen(QPen(color, 1.1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(center, 3.6, 3.6)
    painter.drawLine(QLineF(center, center + QPointF(0, -2.4)))
    painter.drawLine(QLineF(center, center + QPointF(1.8, 0.6)))


def _round_pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def _cadence_glyph(painter: QPainter, c: QPointF, r: float, color: QColor) -> None:
    """A circular arrow of radius ``r`` round ``c``: the cadence's touches repeating."""
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_round_pen(color, max(1.0, r * 0.28)))
    ring = QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)
    painter.drawArc(ring, 100 * 16, 290 * 16)  # anticlockwise from the top, round to 30°
    end = math.radians(30.0)
    at = QPointF(c.x() + r * math.cos(end), c.y() - r * math.sin(end))
    ahead = QPointF(-math.sin(end), -math.cos(end))  # the way the arc runs there
    side = QPointF(math.cos(end), -math.sin(end))
    head = r * 0.6
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPolygon(QPolygonF([at + ahead * head, at + side * (head * 0.6),
                                   at - side * (head * 0.6)]))
    painter.restore()


def _draw_glyph(painter: QPainter, node: NodeBase, rect: QRectF, color: QColor,
                theme: Theme) -> None:
    c = rect.center()
    kind = node.kind
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if kind == "source":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        r = rect.width() * 0.2
        painter.drawPolygon(QPolygonF([QPointF(c.x() - r * 0.6, c.y() - r),
                                       QPointF(c.x() + r, c.y()),
                                       QPointF(c.x() - r * 0.6, c.y() + r)]))
    elif kind == "delay":
        painter.setPen(QPen(color, 1.3))
        inner = rect.adjusted(5, 5, -5, -5)
        painter.drawEllipse(inner)
        painter.setPen(_round_pen(color, 1.8))
        painter.drawLine(QLineF(c, c + QPointF(0, -inner.height() * 0.32)))
        painter.drawLine(QLineF(c, c + QPointF(inner.width() * 0.24, inner.height() * 0.08)))
    elif kind == "end":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(c, rect.width() * 0.16, rect.width() * 0.16)
    elif kind == "decision":
        painter.setPen(_round_pen(color, 2.0))
        d = rect.width() * 0.13
        painter.drawLine(QLineF(c + QPointF(-d, -d), c + QPointF(d, d)))
        painter.drawLine(QLineF(c + QPointF(-d, d), c + QPointF(d, -d)))


# --- edges -----------------------------------------------------------------------------------


def edge_path(points: list[tuple[float, float]]) -> QPainterPath:
    """The polyline with small rounded corners, ending exactly at the last point."""
    path = QPainterPath(QPointF(*points[0]))
    for i in range(1, len(points) - 1):
        p0, p1, p2 = (QPointF(*points[j]) for j in (i - 1, i, i + 1))
        d1 = QLineF(p1, p0)
        d2 = QLineF(p1, p2)
        r = min(CORNER, d1.length() / 2, d2.length() / 2)
        if r <= 0.5:
            path.lineTo(p1)
            continue
        a = d1.pointAt(r / d1.length())
        b = d2.pointAt(r / d2.length())
        path.lineTo(a)
        path.quadTo(p1, b)
    path.lineTo(QPointF(*points[-1]))
    return path


def arrow_head(points: list[tuple[float, float]], size: float = ARROW_SIZE) -> QPolygonF:
    """A triangle whose tip is the route's last point, pointing along its last segment."""
    (x1, y1), (x2, y2) = points[-2], points[-1]
    angle = math.atan2(y2 - y1, x2 - x1)
    tip = QPointF(x2, y2)
    left = QPointF(x2 - size * math.cos(angle - 0.45), y2 - size * math.sin(angle - 0.45))
    right = QPointF(x2 - size * math.cos(angle + 0.45), y2 - size * math.sin(angle + 0.45))
    return QPolygonF([tip, left, right])


def edge_label_rect(route: EdgeRoute) -> QRectF | None:
    """The label's box: where the router placed it (``route.label_rect``), else by label_at."""
    if not route.label or route.label_at is None:
        return None
    if route.label_rect is not None:
        return qrect(route.label_rect)
    metrics = QFontMetricsF(font(7.6, QFont.Weight.Medium))
    w = min(metrics.horizontalAdvance(route.label), 180.0) + 10
    h = metrics.height() + 2
    x, y = route.label_at
    if route.label_side == "right":
        return QRectF(x + 5, y - h / 2 + 4, w, h)
    return QRectF(x, y - h - 2, w, h)


def edge_pen(theme: Theme, *, selected: bool = False, problem: str | None = None,
             message: bool = False, width: float = 1.4) -> QPen:
    """The line of an edge: solid, or dashed for a message flow (a hand-off between pools),
    as BPMN draws one, so the pools' hand-offs stand out from the flow inside a pool."""
    color = theme.color("selection") if selected else theme.color(
        "error" if problem == "error" else "warning") if problem else theme.color("edge")
    pen = QPen(color, width + (0.8 if selected else 0.0))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if message:
        pen.setDashPattern(MESSAGE_DASH)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def _shortened(start: QPointF, end: QPointF, by: float) -> QPointF:
    """``start`` moved ``by`` towards ``end`` (no further than half way)."""
    line = QLineF(start, end)
    if line.length() <= 2 * by:
        return start
    return line.pointAt(by / line.length())


def draw_edge(painter: QPainter, route: EdgeRoute, theme: Theme, *, selected: bool = False,
              problem: str | None = None, width: float = 1.4, message: bool = False) -> None:
    """The route with its arrowhead and label. A message edge is drawn as BPMN draws a
    message flow: dashed, a small open circle where it leaves, an open arrowhead where it
    arrives."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = edge_pen(theme, selected=selected, problem=problem, message=message, width=width)
    color = pen.color()
    shortened = list(route.points)
    (x1, y1), (x2, y2) = shortened[-2], shortened[-1]
    length = math.hypot(x2 - x1, y2 - y1)
    if length > ARROW_SIZE:  # stop the line where the arrowhead begins
        k = (length - ARROW_SIZE * (1.0 if message else 0.8)) / length
        shortened[-1] = (x1 + (x2 - x1) * k, y1 + (y2 - y1) * k)
    if message:  # start at the circle's rim, not inside it
        rim = _shortened(QPointF(*shortened[0]), QPointF(*shortened[1]), MESSAGE_DOT * 2)
        shortened[0] = (rim.x(), rim.y())
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(edge_path(shortened))
    if message:
        solid = QPen(color, max(pen.widthF() - 0.2, 1.0))
        solid.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(solid)
        painter.setBrush(theme.color("node_fill"))
        start, after = QPointF(*route.points[0]), QPointF(*route.points[1])
        painter.drawEllipse(_shortened(start, after, MESSAGE_DOT), MESSAGE_DOT, MESSAGE_DOT)
        painter.drawPolygon(arrow_head(route.points, ARROW_SIZE + 1.0))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(arrow_head(route.points))
    rect = edge_label_rect(route)
    if rect is not None:
        label_font = font(7.6, QFont.Weight.Medium)
        painter.setPen(QPen(theme.color("lane_line"), 0.8))
        painter.setBrush(theme.color("label_fill"))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(label_font)
        painter.setPen(theme.color("subtext") if not selected else color)
        metrics = QFontMetricsF(label_font)
        text = metrics.elidedText(route.label, Qt.TextElideMode.ElideRight, rect.width() - 8)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
