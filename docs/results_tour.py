"""Open the app on a template, run a short simulation (or compare the baseline with every
scenario), and leave the window open: for screenshots of the results docks, taken with
any screen grabber (on a headless machine: Xvfb and ImageMagick's ``import``), e.g.

    .venv/bin/python docs/results_tour.py compare
    QT_SCALE_FACTOR=2 .venv/bin/python docs/results_tour.py

Modes: compare (default), results, tables (the lane table), bottleneck (runs, then
clicks the first bottleneck), status (opens only). A second argument names another
template. Settings and recovery files go to a temporary folder, so the user's own are
untouched.
"""
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

from laneforge.gui.app import DEFAULT_TEMPLATE, create_application
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.simulation.run_dialog import RunSettings

what = sys.argv[1] if len(sys.argv) > 1 else "compare"
template = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_TEMPLATE
app = create_application([])
folder = tempfile.mkdtemp()
settings = QSettings(f"{folder}/settings.ini", QSettings.Format.IniFormat)
window = MainWindow(settings, RecoveryStore(Path(folder)))
window.new_from_template(template)
window.show()
run = RunSettings(None, 4, 42, "60d", "14d", 2)


def start() -> None:
    if what == "status":
        return
    window.simulation.settings = run
    if what == "compare":
        names = [None, *(s.name for s in window.document.process.scenarios)]
        window.simulation.compare(names)
    else:
        window.simulation.run(run)
        if what == "tables":
            def tables() -> None:
                dock = window.simulation.results_dock
                if window.simulation.runner.running or dock.results is None:
                    QTimer.singleShot(300, tables)
                    return
                dock.tabs.setCurrentIndex(dock.tabs.count() - 1)
                dock.table_tabs.setCurrentIndex(3)  # lanes
            QTimer.singleShot(500, tables)
        if what == "bottleneck":
            def click() -> None:
                dock = window.simulation.results_dock
                if window.simulation.runner.running or not dock.bottlenecks.count():
                    QTimer.singleShot(300, click)
                    return
                item = dock.bottlenecks.item(0)
                dock.bottlenecks.setCurrentItem(item)
                dock._on_bottleneck_clicked(item)
            QTimer.singleShot(500, click)


QTimer.singleShot(800, start)
sys.exit(app.exec())
