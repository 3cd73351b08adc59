"""Mouse gestures on the canvas for the GUI tests (pytest-qt, offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from laneforge.gui.canvas import DiagramView


def drag(view: DiagramView, start: QPointF, end: QPointF, steps: int = 6) -> None:
    """Press at ``start``, move in ``steps`` steps and release at ``end`` (scene points)."""
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        point = QPoint(a.x() + (b.x() - a.x()) * i // steps, a.y() + (b.y() - a.y()) * i // steps)
        QTest.mouseMove(view.viewport(), point)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, b)


def type_into(qtbot, edit, text: str) -> None:
    """Select all, type, press Enter: what a user does to replace a field's text."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def error_text(widget) -> str:
    """The message under a field (lower case, for matching), or "" if none is shown."""
    from laneforge.gui.properties.base import error_label_of

    label = error_label_of(widget)
    assert label is not None, "the field has an error line"
    return label.text().lower() if label.isVisibleTo(label.window()) else ""


def undo_all(document, original) -> None:
    """Undo every step; the process is then the one the test began with."""
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.process == original


def properties_dock(qtbot, process):
    """A properties dock shown on a document of ``process``: (dock, document, its copy)."""
    from laneforge.gui.document import Document
    from laneforge.gui.properties import PropertiesDock

    document = Document(process)
    original = document.process.detached_copy()
    dock = PropertiesDock()
    qtbot.addWidget(dock)
    dock.resize(380, 900)
    dock.set_document(document)
    dock.show()
    return dock, document, original
