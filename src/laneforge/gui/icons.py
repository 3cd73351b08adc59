"""Icons drawn with QPainter: node kinds (with the diagram's own painter) and toolbar glyphs.

Drawing them keeps the icons crisp at any scale and in both palettes without image files.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from ..model import NODE_CLASSES
from ..model.geometry import NodeBox, Rect
from ..render.painter import NodeDecor, draw_node
from ..render.theme import Theme

SIZES = (16, 20, 24, 32, 48)
KIND_COLORS = {"source": "#4C78A8", "task": "#4C78A8", "decision": "#F58518",
               "delay": "#54A24B", "cadence": "#54A24B", "end": "#B279A2"}


def _pixmap(size: int, scale: float, paint: Callable[[QPainter, float], None]) -> QPixmap:
    pixmap = QPixmap(int(size * scale), int(size * scale))
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    paint(painter, float(size))
    painter.end()
    return pixmap


def _icon(paint: Callable[[QPainter, float], None]) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        for scale in (1.0, 2.0):
            icon.addPixmap(_pixmap(size, scale, paint))
    return icon


def kind_icon(kind: str, theme: Theme) -> QIcon:
    """A node kind as it looks on the canvas, shrunk to an icon."""
    sizes = {"task": (30.0, 20.0), "cadence": (30.0, 20.0), "decision": (22.0, 22.0)}
    w, h = sizes.get(kind, (20.0, 20.0))
    node = NODE_CLASSES[kind].model_validate({"id": "x", "kind": kind, "lane": "x", "name": " "})

    def paint(painter: QPainter, size: float) -> None:
        scale = size / 32.0
        painter.scale(scale, scale)
        shape = Rect(16 - w / 2, 16 - h / 2, w, h)
        box = NodeBox("x", kind, "x", shape, None, KIND_COLORS[kind])
        draw_node(painter, node, box, theme, NodeDecor())

    return _icon(paint)


def glyph_icon(name: str, color: str) -> QIcon:
    """Simple line glyphs for the toolbar and menus."""
    pen_color = QColor(color)

    def paint(painter: QPainter, size: float) -> None:
        painter.scale(size / 24.0, size / 24.0)
        pen = QPen(pen_color, 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        GLYPHS[name](painter)

    return _icon(paint)


def _path(*points: tuple[float, float]) -> QPainterPath:
    path = QPainterPath(QPointF(*points[0]))
    for point in points[1:]:
        path.lineTo(QPointF(*point))
    return path


def _new(p: QPainter) -> None:
    p.drawPath(_path((6, 3), (14, 3), (19, 8), (19, 21), (6, 21), (6, 3)))
    p.drawPath(_path((14, 3), (14, 8), (19, 8)))


def _open(p: QPainter) -> None:
    p.drawPath(_path((3, 19), (3, 5), (9, 5), (11, 7), (19, 7), (19, 10)))
    p.drawPath(_path((3, 19), (6, 11), (21, 11), (18, 19), (3, 19)))


def _save(p: QPainter) -> None:
    p.drawPath(_path((4, 4), (17, 4), (20, 7), (20, 20), (4, 20), (4, 4)))
    p.drawRect(QRectF(8, 4, 8, 5))
    p.drawRect(QRectF(7, 13, 10, 7))


def _undo(p: QPainter) -> None:
    path = QPainterPath(QPointF(8, 9))
    path.cubicTo(QPointF(14, 9), QPointF(20, 10), QPointF(19, 17))
    p.drawPath(path)
    p.drawPath(_path((11, 5), (7, 9), (11, 13)))


def _redo(p: QPainter) -> None:
    p.translate(24, 0)
    p.scale(-1, 1)
    _undo(p)


def _zoom_in(p: QPainter) -> None:
    p.drawEllipse(QPointF(10, 10), 6, 6)
    p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20))
    p.drawLine(QPointF(7, 10), QPointF(13, 10))
    p.drawLine(QPointF(10, 7), QPointF(10, 13))


def _zoom_out(p: QPainter) -> None:
    p.drawEllipse(QPointF(10, 10), 6, 6)
    p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20))
    p.drawLine(QPointF(7, 10), QPointF(13, 10))


def _fit(p: QPainter) -> None:
    for a, b, c in (((4, 9), (4, 4), (9, 4)), ((15, 4), (20, 4), (20, 9)),
                    ((20, 15), (20, 20), (15, 20)), ((9, 20), (4, 20), (4, 15))):
        p.drawPath(_path(a, b, c))
    p.drawRect(QRectF(8, 8, 8, 8))


def _layout(p: QPainter) -> None:
    p.drawRect(QRectF(3, 5, 6, 5))
    p.drawRect(QRectF(15, 5, 6, 5))
    p.drawRect(QRectF(15, 15, 6, 5))
    p.drawPath(_path((9, 7.5), (15, 7.5)))
    p.drawPath(_path((12, 7.5), (12, 17.5), (15, 17.5)))


def _lane(p: QPainter) -> None:
    p.drawRect(QRectF(3, 5, 18, 6))
    p.drawRect(QRectF(3, 13, 18, 6))
    p.drawLine(QPointF(8, 5), QPointF(8, 19))


def _run(p: QPainter) -> None:
    p.setBrush(p.pen().color())
    p.drawPath(_path((7, 4), (19, 12), (7, 20), (7, 4)))


def _delete(p: QPainter) -> None:
    p.drawPath(_path((5, 7), (19, 7)))
    p.drawPath(_path((9, 7), (9, 4), (15, 4), (15, 7)))
    p.drawPath(_path((7, 7), (8, 20), (16, 20), (17, 7)))


GLYPHS: dict[str, Callable[[QPainter], None]] = {
    "new": _new, "open": _open, "save": _save, "undo": _undo, "redo": _redo,
    "zoom_in": _zoom_in, "zoom_out": _zoom_out, "fit": _fit, "layout": _layout,
    "lane": _lane, "run": _run, "delete": _delete,
}


def app_icon() -> QIcon:
    from ..bundled import resources_dir

    # the PNG sizes first, so the icon is sharp where no SVG icon engine is loaded
    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("laneforge-*.png")):
        icon.addFile(str(png))
    icon.addFile(str(resources_dir() / "laneforge.svg"))
    return icon
