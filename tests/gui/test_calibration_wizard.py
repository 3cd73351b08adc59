"""File ▸ Calibrate from CRM export…: the wizard driven on a synthetic Salesforce export of
the lead-lifecycle template, from the files to the changes applied in one undo step, and
every kind of bad input shown on the page with nothing changed."""

from __future__ import annotations

import csv
import json
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from laneforge.app import crm_calibration as cal
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.bundled import template_path
from laneforge.gui.calibration import CalibrationWizard, open_calibration_wizard
from laneforge.gui.calibration.wizard import CHANGES, FIT, MAPPING, PICK, RECOGNISED, VALIDATION
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.simulation.run_dialog import RunSettings
from laneforge.io import load_process
from laneforge.io.crm import load_mapping, save_mapping, write_salesforce
from laneforge.model import MISSING

pytestmark = pytest.mark.gui

DAYS = 56
QUICK = RunSettings(scenario=None, replications=2, seed=5, horizon="30d", warmup="7d", jobs=1)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> dict[str, Path]:
    """A Salesforce export made from the lead-lifecycle template, and its MAP.json."""
    root = tmp_path_factory.mktemp("crm")
    made = synthetic_crm(load_process(template_path()), days=DAYS, seed=4)
    write_salesforce(made.log, root / "salesforce")
    save_mapping(made.mapping, root / "map.json")
    return {"folder": root / "salesforce", "map": root / "map.json"}


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.show()
    qtbot.waitExposed(win)
    win.new_from_template("lead-lifecycle")
    # a deliberately wrong team size, for the fit to correct
    win.document.process.edit.set_value("lanes.inside_sales.staff", 11)
    yield win
    for wizard in win.findChildren(CalibrationWizard):
        wizard.pick_page.stop()
        wizard.fit_page.stop()
    win.simulation.cancel()
    win.simulation.runner.wait(5)
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
    qtbot.wait(1)


def start(window, paths, map_path=None) -> CalibrationWizard:
    wizard = open_calibration_wizard(window.document, window)
    wizard.pick_page.paths.add_paths([Path(p) for p in paths])
    if map_path is not None:
        wizard.pick_page.set_map_path(map_path)
    return wizard


def go_to(qtbot, wizard: CalibrationWizard, page: int, timeout: int = 60_000) -> None:
    """Press Next until ``page`` is shown (reading and fitting move on by themselves)."""
    while wizard.currentId() < page:
        before = wizard.currentId()
        assert wizard.currentPage().isComplete(), f"page {before} is not complete"
        wizard.next()
        qtbot.waitUntil(lambda b=before: wizard.currentId() > b, timeout=timeout)


def fitted(qtbot, window, export, replications: int = 2) -> CalibrationWizard:
    wizard = start(window, [export["folder"]], export["map"])
    go_to(qtbot, wizard, FIT)
    wizard.fit_page.replications.setValue(replications)
    go_to(qtbot, wizard, CHANGES)
    return wizard


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


# --- the way through ------------------------------------------------------------------------


def test_the_menu_opens_the_wizard_for_the_open_document(window, qtbot):
    action = window.actions.by_name["calibrate"]
    assert action.text() == "&Calibrate from CRM export…" and action.statusTip()
    action.trigger()
    wizard = window.findChild(CalibrationWizard)
    assert wizard is not None and wizard.isVisible() and wizard.document is window.document
    assert wizard.process.to_data() == window.document.process.to_data()
    assert wizard.process is not window.document.process  # the fit works on a copy


def test_files_and_folders_dropped_on_the_list_are_added(window, qtbot, export):
    wizard = open_calibration_wizard(window.document, window)
    paths = wizard.pick_page.paths
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(export["folder"])),
                  QUrl.fromLocalFile(str(export["map"]))])
    for kind in (QDragEnterEvent, QDropEvent):
        event = kind(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                     Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        handler = paths.dragEnterEvent if kind is QDragEnterEvent else paths.dropEvent
        handler(event)
        assert event.isAccepted()
    assert paths.paths() == [export["folder"], export["map"]]
    assert wizard.pick_page.isComplete()


def test_the_recognised_page_shows_each_file_with_its_table_and_rows(window, qtbot, export):
    wizard = start(window, [export["folder"]])
    go_to(qtbot, wizard, RECOGNISED)
    table = wizard.recognised_page.files
    shown = {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
             for r in range(table.rowCount())}
    on_disk = sorted(p.name for p in export["folder"].glob("*.csv"))
    assert sorted(shown) == on_disk
    for name, (table_name, rows) in shown.items():
        assert table_name == Path(name).stem
        assert rows == f"{csv_rows(export['folder'] / name):,}"
    assert wizard.recognised_page.format.text() == "Salesforce"
    log = wizard.log
    assert f"{log.start:%Y-%m-%d}" in wizard.recognised_page.window_label.text()
    assert f"{DAYS} days" in wizard.recognised_page.window_label.text()


def test_mapping_rows_are_prefilled_from_map_json(window, qtbot, export):
    given = load_mapping(export["map"])
    wizard = start(window, [export["folder"]], export["map"])
    go_to(qtbot, wizard, MAPPING)
    page = wizard.mapping_page
    for stage, values in given.stages.items():
        for value in values:
            assert page.combo(value, stage=True).currentData() == stage
    for value, end in given.outcomes.items():
        assert page.combo(value).currentData() == f"outcomes|{end}"
    for value, node in given.nodes.items():
        assert page.combo(value).currentData() == f"nodes|{node}"
    for value, source in given.sources.items():
        assert page.combo(value).currentData() == f"sources|{source}"
    for role, lane in given.owners.items():
        assert page.combo(role).currentData() == f"owners|{lane}"
    for activity, task in given.activities.items():
        assert page.combo(activity).currentData() == f"activities|{task}"
    counts = wizard.log.cases["source"].value_counts()
    rows = {r.value: r.leads for r in page.rows if r.kind == "source"}
    assert rows == {k: int(v) for k, v in counts.items()}
    assert page.isComplete() and not page.problems
    assert wizard.mapping == cal.complete_mapping(wizard.log, wizard.process, given)


def test_without_a_map_the_rows_hold_the_suggestion_and_a_drop_down_changes_it(window, qtbot,
                                                                              export):
    wizard = start(window, [export["folder"]])
    go_to(qtbot, wizard, MAPPING)
    page = wizard.mapping_page
    suggested = cal.complete_mapping(wizard.log, wizard.process, None)
    assert wizard.mapping == suggested
    combo = page.combo("Website forms")
    assert combo.currentData() == f"sources|{suggested.sources['Website forms']}"
    combo.setCurrentIndex(combo.findData("sources|webinar"))
    assert wizard.mapping.sources["Website forms"] == "webinar"
    combo.setCurrentIndex(0)  # — not mapped —
    assert "Website forms" not in wizard.mapping.sources
    assert any("Website forms" in p for p in page.problems)  # now it needs a person
    assert not page.isComplete()


def test_the_fit_runs_off_the_ui_thread_and_fills_the_changes(window, qtbot, export,
                                                              monkeypatch):
    threads = []
    real = cal.run_calibration

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(cal, "run_calibration", recording)
    steps = []
    wizard = start(window, [export["folder"]], export["map"])
    go_to(qtbot, wizard, FIT)
    wizard.fit_page.runner.step.connect(lambda what, done, total: steps.append(what))
    wizard.fit_page.replications.setValue(2)
    go_to(qtbot, wizard, CHANGES)
    assert threads and threads[0] is not threading.main_thread()
    assert "fitting" in steps and "validating" in steps
    changes = wizard.run.calibration.changes
    table = wizard.changes_page.table
    assert table.rowCount() == len(changes) > 0
    assert [table.item(r, 0).toolTip() for r in range(table.rowCount())] == \
        [c.path for c in changes]
    staff = wizard.changes_page.row_of("lanes.inside_sales.staff")
    assert table.item(staff, 1).text() == "11"
    assert table.item(staff, 2).text() == str(wizard.run.calibration.change(
        "lanes.inside_sales.staff").new)
    left = wizard.changes_page.left
    assert left.rowCount() == len(wizard.run.calibration.not_calibrated)
    reasons = wizard.run.calibration.reasons
    assert [left.item(r, 1).text() for r in range(left.rowCount())] == \
        [reasons[p] for p in wizard.run.calibration.not_calibrated]
    go_to(qtbot, wizard, VALIDATION)
    validation = wizard.run.validation
    page = wizard.validation_page
    assert validation.verdict.upper() in page.banner.text()
    assert page.checks.rowCount() == len(validation.checks)
    assert page.charts.count() >= 2 and all(p.figure is not None for p in page.panels)


def test_unticked_changes_keep_their_values_and_finish_is_one_undo_step(window, qtbot,
                                                                        export):
    document = window.document
    before = document.process.to_data()
    wizard = fitted(qtbot, window, export)
    page = wizard.changes_page
    changes = wizard.run.calibration.changes
    page.set_ticked("lanes.inside_sales.staff", False)
    branches = [c.path for c in changes if c.path.startswith("edges.is_duplicate->")]
    assert len(branches) >= 2
    page.set_ticked(branches[0], False)  # a decision's shares go together
    assert not any(page.is_ticked(p) for p in branches)
    kept = {"lanes.inside_sales.staff", *branches}
    go_to(qtbot, wizard, VALIDATION)
    depth = document.undo_stack.count()
    wizard.accept()
    assert not wizard.isVisible()
    assert document.undo_stack.count() == depth + 1
    process = document.process
    assert process.lane("inside_sales").staff == 11
    for change in changes:
        expected = change.old if change.path in kept else change.new
        assert process.edit.get_value(change.path) == (MISSING if expected is MISSING else expected)
    assert process.observed == wizard.run.calibrated.observed
    assert f"({len(changes) - len(kept)} changes)" in document.undo_stack.undoText()
    document.undo_stack.undo()
    assert document.process.to_data() == before
    document.undo_stack.redo()
    assert document.process.observed is not None
    assert document.process.lane("inside_sales").staff == 11


def test_changes_that_cannot_apply_together_are_refused_on_the_page(window, qtbot, export,
                                                                   monkeypatch):
    before = window.document.process.to_data()
    wizard = fitted(qtbot, window, export)
    go_to(qtbot, wizard, VALIDATION)
    monkeypatch.setattr(wizard, "values_to_apply",
                        lambda: [("lanes.success.staff", 3),
                                 ("lanes.success.calendar", "no_such_calendar")])
    wizard.accept()
    assert wizard.isVisible() and wizard.applied is None
    message = wizard.validation_page.message
    assert message.isVisible() and "lanes.success.calendar" in message.text()
    assert window.document.process.to_data() == before
    assert window.document.undo_stack.count() == 0


def test_cancel_applies_nothing(window, qtbot, export):
    before = window.document.process.to_data()
    wizard = fitted(qtbot, window, export)
    wizard.reject()
    assert window.document.process.to_data() == before
    assert window.document.undo_stack.count() == 0


def test_cancel_stops_a_fit_that_is_running(window, qtbot, export, monkeypatch):
    def endless(process, log, mapping, *, progress, should_stop, **kwargs):
        while True:  # reports until Cancel: the report then raises
            progress("validating", 0, 10)
            threading.Event().wait(0.01)

    monkeypatch.setattr(cal, "run_calibration", endless)
    wizard = start(window, [export["folder"]], export["map"])
    go_to(qtbot, wizard, FIT)
    page = wizard.fit_page
    assert page.start_fit()
    qtbot.waitUntil(lambda: page.progress.isVisible(), timeout=5_000)
    assert not page.isComplete()
    with qtbot.waitSignal(page.runner.cancelled, timeout=10_000):
        page.progress.cancel_button.click()
    assert wizard.run is None and wizard.currentId() == FIT
    assert "cancelled" in page.status.text()
    assert page.isComplete()


def test_observed_figures_come_with_the_step_and_show_after_a_run(window, qtbot, export):
    dock = window.simulation.results_dock
    assert window.document.process.observed is None
    wizard = fitted(qtbot, window, export)
    go_to(qtbot, wizard, VALIDATION)
    wizard.accept()
    with qtbot.waitSignal(window.simulation.runner.finished, timeout=60_000):
        assert window.simulation.run(QUICK)
    assert dock.tabs.indexOf(dock.observed_tab) >= 0
    assert dock.observed == window.document.process.observed


def test_save_map_and_save_report_write_files(window, qtbot, export, tmp_path):
    wizard = start(window, [export["folder"]], export["map"])
    go_to(qtbot, wizard, MAPPING)
    target = tmp_path / "saved map.json"
    assert wizard.mapping_page.save_to(target)
    assert load_mapping(target) == wizard.mapping
    wizard.fit_page.replications.setValue(2)
    go_to(qtbot, wizard, VALIDATION)
    report = tmp_path / "report.html"
    assert wizard.validation_page.save_to(report)
    html = report.read_text(encoding="utf-8")
    assert "Calibration of" in html and "<svg" in html
    assert not wizard.validation_page.save_to(tmp_path / "no such folder" / "r.html")
    assert "cannot write" in wizard.validation_page.message.text()


def test_the_time_zone_comes_from_the_map(window, qtbot, export, tmp_path):
    zoned = load_mapping(export["map"]).model_copy(update={"timezone": "America/New_York"})
    save_mapping(zoned, tmp_path / "ny.json")
    wizard = start(window, [export["folder"]], tmp_path / "ny.json")
    assert wizard.pick_page.timezone.text() == "America/New_York"
    go_to(qtbot, wizard, RECOGNISED)
    assert wizard.log.timezone == "America/New_York"


# --- bad input: a message on the page, nothing changed ------------------------------------


def _empty(folder: Path, good: Path) -> list[Path]:
    folder.mkdir()
    return [folder]


def _not_csv(folder: Path, good: Path) -> list[Path]:
    shutil.copytree(good, folder)
    (folder / "Lead.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)
    return [folder]


def _workbook(folder: Path, good: Path) -> list[Path]:
    folder.mkdir()
    (folder / "pipeline.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))
    return [folder / "pipeline.xlsx"]


def _edit_lead_csv(folder: Path, good: Path, change) -> list[Path]:
    shutil.copytree(good, folder)
    lines = (folder / "Lead.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    change(lines, header.index("CreatedDate"), header.index("LastName"))
    return [folder]


def _missing_column(folder: Path, good: Path) -> list[Path]:
    def drop(lines, created, _name):
        for i, line in enumerate(lines):
            cells = line.split(",")
            lines[i] = ",".join(cells[:created] + cells[created + 1:])
        (folder / "Lead.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return _edit_lead_csv(folder, good, drop)


def _latin1(folder: Path, good: Path) -> list[Path]:
    def accent(lines, _created, name):
        cells = lines[1].split(",")
        cells[name] = "Müller"
        lines[1] = ",".join(cells)
        (folder / "Lead.csv").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))

    return _edit_lead_csv(folder, good, accent)


def _bad_date(folder: Path, good: Path) -> list[Path]:
    def date(lines, created, _name):
        cells = lines[3].split(",")
        cells[created] = "31/02/2025"
        lines[3] = ",".join(cells)
        (folder / "Lead.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return _edit_lead_csv(folder, good, date)


@pytest.mark.parametrize("make, words", [
    (_empty, "holds no CSV files"),
    (_not_csv, "Lead.csv: is not a CSV file"),
    (_workbook, "pipeline.xlsx: is an Excel workbook"),
    (_missing_column, "Lead.csv: column 'CreatedDate' is missing"),
    (_latin1, "is not UTF-8 text"),
    (_bad_date, "column 'CreatedDate': cannot read '31/02/2025' as a date"),
])
def test_a_bad_export_shows_a_message_on_the_page_and_changes_nothing(window, qtbot, export,
                                                                      tmp_path, make, words):
    paths = make(tmp_path / "bad", export["folder"])
    listing = sorted(tmp_path.rglob("*"))
    before = window.document.process.to_data()
    wizard = start(window, paths)
    page = wizard.pick_page
    with qtbot.waitSignal(page.runner.failed, timeout=30_000):
        wizard.next()
    assert wizard.currentId() == PICK
    assert page.message.isVisible() and words in page.message.text()
    assert "Traceback" not in page.message.text() and "\n" not in page.message.text()
    assert wizard.log is None
    assert sorted(tmp_path.rglob("*")) == listing  # nothing written
    assert window.document.process.to_data() == before
    assert window.document.undo_stack.count() == 0
    page.paths.clear()  # the selection can be fixed on the same page
    page.paths.add_paths([export["folder"]])
    go_to(qtbot, wizard, RECOGNISED)
    assert not page.message.isVisible()


def test_an_unknown_time_zone_is_refused_on_the_page(window, qtbot, export):
    wizard = start(window, [export["folder"]])
    page = wizard.pick_page
    page.timezone.setText("Mars/Olympus_Mons")
    assert not page.start_reading()
    assert not page.runner.running and wizard.log is None
    assert page.message.text().startswith("Time zone: unknown time zone 'Mars/Olympus_Mons'")
    page.timezone.setText("Europe/Paris")
    go_to(qtbot, wizard, RECOGNISED)
    assert wizard.log.timezone == "Europe/Paris"


def test_a_map_naming_a_node_the_process_lacks_is_shown_and_can_be_fixed(window, qtbot,
                                                                         export, tmp_path):
    data = json.loads(export["map"].read_text(encoding="utf-8"))
    data["sources"]["Website forms"] = "trade_show_booth"
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    wizard = start(window, [export["folder"]], tmp_path / "bad.json")
    go_to(qtbot, wizard, MAPPING)
    page = wizard.mapping_page
    assert not page.isComplete()
    assert page.message.isVisible()
    assert "no source node 'trade_show_booth'" in page.message.text()
    combo = page.combo("Website forms")
    assert "not in this process" in combo.currentText()
    combo.setCurrentIndex(combo.findData("sources|inbound"))
    assert page.isComplete() and not page.message.isVisible()


def test_a_map_whose_statuses_no_lead_reaches_lists_what_to_map(window, qtbot, export,
                                                                tmp_path):
    stages = load_process(template_path()).stages
    save_mapping(load_mapping(export["map"]).model_copy(
        update={"stages": {s: [f"Legacy {s}"] for s in stages}}), tmp_path / "old.json")
    wizard = start(window, [export["folder"]], tmp_path / "old.json")
    go_to(qtbot, wizard, MAPPING)
    page = wizard.mapping_page
    assert not page.isComplete()
    listed = [page.problem_list.item(i).text() for i in range(page.problem_list.count())]
    assert all(any(f"stage '{s}'" in line for line in listed) for s in stages)
    assert page.combo("Marketing Qualified", stage=True).currentData() is None
    for stage, values in load_mapping(export["map"]).stages.items():
        for value in values:
            combo = page.combo(value, stage=True)
            combo.setCurrentIndex(combo.findData(stage))
    assert page.isComplete(), page.problems
