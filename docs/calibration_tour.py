"""Open the app on the lead-lifecycle template, write a made-up Salesforce export of it (90
days, never customer data) with its MAP.json to a temporary folder, open File ▸ Calibrate
from CRM export… and walk it to one page, then leave the window open for a screenshot:

    .venv/bin/python docs/calibration_tour.py changes
    /work/shared/tools/screenshot out.png 25 -- .venv/bin/python docs/calibration_tour.py

Pages: pick, recognised, mapping, fit, changes, validation (default). With a second
argument PATH.png the page is also grabbed to that file and the app quits. The open process
starts with the SDR team doubled, so the fit has something to correct.
"""
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.bundled import template_path
from laneforge.gui.app import create_application
from laneforge.gui.calibration import open_calibration_wizard
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.io import load_process
from laneforge.io.crm import save_mapping, write_salesforce

PAGES = ("pick", "recognised", "mapping", "fit", "changes", "validation")
target = PAGES.index(sys.argv[1] if len(sys.argv) > 1 else "validation")
grab_to = Path(sys.argv[2]) if len(sys.argv) > 2 else None
app = create_application([])
folder = Path(tempfile.mkdtemp())
made = synthetic_crm(load_process(template_path("lead-lifecycle")), days=90, seed=4)
write_salesforce(made.log, folder / "salesforce-export")
save_mapping(made.mapping, folder / "MAP.json")
settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
window = MainWindow(settings, RecoveryStore(folder / "recovery"))
window.new_from_template("lead-lifecycle")
window.document.process.edit.set_value("lanes.inside_sales.staff", 12)
window.show()
wizard = open_calibration_wizard(window)
wizard.pick_page.paths.add_paths([folder / "salesforce-export"])
wizard.pick_page.set_map_path(folder / "MAP.json")


def step() -> None:
    page = wizard.currentId()
    busy = wizard.pick_page.runner.running or wizard.fit_page.runner.running
    if page >= target or busy:
        if page >= target and not busy:
            if PAGES[page] == "validation":
                wizard.validation_page.charts.setCurrentIndex(0)
            if grab_to is not None:
                QTimer.singleShot(400, lambda: (wizard.grab().save(str(grab_to)), app.quit()))
            return
        QTimer.singleShot(200, step)
        return
    if PAGES[page] == "fit":
        wizard.fit_page.replications.setValue(6)
    wizard.next()
    QTimer.singleShot(200, step)


QTimer.singleShot(300, step)
sys.exit(app.exec())
