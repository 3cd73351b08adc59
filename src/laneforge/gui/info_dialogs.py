"""Message boxes of the main window: errors, the capacity estimate, shortcuts, about."""

from __future__ import annotations

import platform

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__
from ..app.core import estimate_capacity
from ..model import Process, errors, validate
from .icons import app_icon


def show_error(parent: QWidget, title: str, message: str) -> None:
    """A warning box (object name ``errorDialog``, so tests can find and close it)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.exec()


def show_capacity(parent: QWidget, process: Process) -> None:
    """Simulate ▸ Capacity estimate: load per lane against its staff, without simulating."""
    if errors(validate(process)):
        QMessageBox.information(parent, "Capacity estimate",
                                "Fix the errors in the Problems list first.")
        return
    estimate = estimate_capacity(process)
    rows = []
    for load in estimate.lanes:
        if load.utilization is None:
            rows.append(f"<tr><td>{load.name}</td><td colspan=3>no staff limit</td></tr>")
            continue
        color = "#D93025" if load.utilization >= 1 else "#E8A317" if load.utilization >= 0.85 \
            else "inherit"
        rows.append(
            f"<tr><td>{load.name}</td><td align=right>{load.staff}</td>"
            f"<td align=right>{load.offered_staff:.1f}</td>"
            f"<td align=right style='color:{color}'><b>{load.utilization * 100:.0f} %</b></td>"
            f"<td align=right>{load.staff_needed(0.85)}</td></tr>")
    html = ("<p>Work offered to each lane against its staff in working hours, from the "
            f"arrival rates ({estimate.arrivals_per_hour * 24 * 7:,.0f} leads a week) and "
            "branch probabilities, without simulating.</p>"
            "<table cellspacing=6><tr><th align=left>Lane</th><th>Staff</th>"
            "<th>Busy on average</th><th>Load</th><th>Staff for 85 %</th></tr>"
            + "".join(rows) + "</table>")
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Capacity estimate", html,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()


def show_shortcuts(parent: QWidget) -> None:
    """Help ▸ Keyboard shortcuts."""
    text = """<table cellspacing=4>
<tr><td><b>Click a palette kind, then a lane</b></td><td>place a node (Shift: several)</td></tr>
<tr><td><b>Drag the dot right of a node</b></td><td>connect it to another node</td></tr>
<tr><td><b>Double-click</b></td><td>rename a node or a lane</td></tr>
<tr><td><b>Drag a lane header</b></td><td>reorder lanes</td></tr>
<tr><td><b>Drag a lane's bottom edge</b></td><td>resize it</td></tr>
<tr><td><b>Ctrl+wheel, Ctrl+= / Ctrl+-</b></td><td>zoom; Ctrl+Shift+F fits the process</td></tr>
<tr><td><b>Space+drag, middle button</b></td><td>pan; or drag in the overview</td></tr>
<tr><td><b>Ctrl+F, F3 / Shift+F3</b></td><td>find by name or id; next, previous</td></tr>
<tr><td><b>Arrow keys</b></td><td>nudge the selected nodes</td></tr>
<tr><td><b>Ctrl+C / Ctrl+V / Ctrl+D</b></td><td>copy, paste, duplicate</td></tr>
<tr><td><b>Delete</b></td><td>delete the selection</td></tr>
<tr><td><b>Ctrl+L</b></td><td>auto-layout</td></tr>
<tr><td><b>Ctrl+K</b></td><td>capacity estimate</td></tr>
</table>"""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard and mouse", text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()


def show_about(parent: QWidget) -> None:
    """Help ▸ About: the versions of laneforge and what it runs on."""
    import PySide6
    import simpy
    from PySide6.QtCore import qVersion

    simpy_version = getattr(simpy, "__version__", "?")
    text = (f"<h3>laneforge {__version__}</h3>"
            "<p>Map how leads move through your company as swim lanes, simulate lead volume, "
            "and see where leads pile up.</p>"
            f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__} · SimPy {simpy_version} · "
            f"Python {platform.python_version()}</p>")
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About laneforge", text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.exec()
