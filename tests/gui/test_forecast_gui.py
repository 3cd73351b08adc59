"""Simulate ▸ Forecast…, driven like a manager on Monday: pick the CRM export, a snapshot
date and a target, press Forecast; the run is off the UI thread with progress and Cancel,
the dialog shows what the forecast use case computes (the chance of the target, the fan of
each run, the wins recorded since a past snapshot, the deals at risk), bad input is one line
at its field, and the result exports to slides and an HTML report."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import QApplication

from laneforge.app.crm_synthetic import SyntheticCrm, synthetic_crm
from laneforge.app.forecast import forecast
from laneforge.gui.document import Document
from laneforge.gui.forecast import dialog as dialog_module
from laneforge.gui.forecast.dialog import ForecastDialog
from laneforge.gui.menus import MENUS
from laneforge.io import process_from_data
from laneforge.io.crm import save_mapping, write_events
from laneforge.model import Process
from laneforge.model.observed import Observed

pytestmark = pytest.mark.gui

RATE, MEAN_DAYS, P_WON, DAYS = 20.0, 10.0, 0.3, 60
SCENARIO = "Faster nurture"


def _data() -> dict:
    return {
        "format": "laneforge/process", "version": 1, "name": "nurture",
        "start": "2026-01-05T00:00", "stages": ["Lead"],
        "lanes": [{"id": "marketing", "staff": None}, {"id": "ae", "staff": None}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "name": "Web",
             "stage": "Lead", "arrivals": {"rate": f"{RATE:g}/day"}},
            {"id": "nurture", "kind": "delay", "lane": "marketing", "name": "Nurture",
             "duration": {"dist": "exponential", "mean": f"{MEAN_DAYS:g}d"}},
            {"id": "close", "kind": "decision", "lane": "ae"},
            {"id": "won", "kind": "end", "lane": "ae", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "ae", "outcome": "lost"}],
        "edges": [{"from": "web", "to": "nurture"}, {"from": "nurture", "to": "close"},
                  {"from": "close", "to": "won", "probability": P_WON},
                  {"from": "close", "to": "lost", "probability": 1 - P_WON}],
        "scenarios": [{"name": SCENARIO, "changes": {"nodes.nurture.duration.mean": "5d"}}],
    }


@pytest.fixture(scope="module")
def crm() -> SyntheticCrm:
    return synthetic_crm(process_from_data(_data()), days=DAYS, seed=3)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory, crm: SyntheticCrm) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forecast-gui")
    write_events(crm.log, folder / "events.csv")
    save_mapping(crm.mapping.model_copy(update={"format": "events"}), folder / "map.json")
    return {"events": folder / "events.csv", "map": folder / "map.json"}


def calibrated(crm: SyntheticCrm) -> Process:
    process = process_from_data(_data())
    process.observed = Observed(source="synthetic", start=crm.log.start.date(),
                                end=crm.log.end.date())
    return process


@pytest.fixture
def dialog(qtbot, crm, export):
    dlg = ForecastDialog(Document(calibrated(crm)))
    qtbot.addWidget(dlg)
    dlg.paths.add_paths([export["events"]])
    dlg.map_path.setText(str(export["map"]))
    dlg.replications.setValue(30)
    dlg.show()
    yield dlg
    dlg.runner.wait(30)


def past_snapshot(dlg: ForecastDialog, crm: SyntheticCrm, days_before_end: int = 21) -> None:
    day = (crm.log.end - pd.Timedelta(days=days_before_end)).date()
    dlg.as_of_default.setChecked(False)
    dlg.as_of.setDate(QDate(day.year, day.month, day.day))


def run_now(qtbot, dlg: ForecastDialog) -> None:
    dlg.forecast_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=60_000)


def test_the_dialog_forecasts_off_the_ui_thread_and_shows_the_use_cases_figures(
        qtbot, dialog, crm, export, monkeypatch):
    threads: list[threading.Thread] = []
    real = dialog_module.run_forecast

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(dialog_module, "run_forecast", recording)
    past_snapshot(dialog, crm)
    dialog.target.setValue(120)
    assert dialog.forecast_button.isEnabled() and not dialog.export_button.isEnabled()
    run_now(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    result = dialog.result
    assert result is not None and threads and threads[0] is not threading.main_thread()
    # the same forecast straight from the use case, with the run's seed
    again = forecast(calibrated(crm), [export["events"]], export["map"],
                     as_of=result.as_of, target=120, replications=30, seed=result.seed)
    assert again.summary.won == result.summary.won
    assert dialog.headline.text() == f"{100 * again.summary.p_target:.0f} %"
    assert "at least 120 won deals" in dialog.caption.text()
    assert dialog.tiles["won"].value.text() == f"{again.summary.won['p50']:.0f}"
    assert dialog.risk.rowCount() == len(again.at_risk)
    if again.at_risk:
        assert dialog.risk.item(0, 1).text() == "Nurture"  # the step's name, not its id
    # the fan: one band, the P50, the target and the wins the export recorded since
    axes = dialog.chart.figure.axes[0]
    assert sum(isinstance(c, PolyCollection) for c in axes.collections) == 1
    labels = [line.get_label() for line in axes.lines]
    assert "actual so far" in labels and "target 120" in labels
    actual = axes.lines[labels.index("actual so far")].get_ydata()
    assert list(actual[1:]) == [won for _, won in result.actuals] and actual[-1] > 0
    # no backtest ran: the dialog says it is not yet to be trusted
    assert dialog.trust.text().startswith("⚠ Not backtested")
    assert dialog.export_button.isEnabled()


def test_a_backtest_says_how_often_the_band_held_the_actual(qtbot, crm, export):
    # 100 days of export: the months from the first whole one after four weeks of data
    long = synthetic_crm(process_from_data(_data()), days=100, seed=5)
    folder = export["events"].parent / "long"
    folder.mkdir(exist_ok=True)
    write_events(long.log, folder / "events.csv")
    dlg = ForecastDialog(Document(calibrated(long)))
    qtbot.addWidget(dlg)
    dlg.paths.add_paths([folder / "events.csv"])
    dlg.map_path.setText(str(export["map"]))
    dlg.replications.setValue(20)
    dlg.backtest.setChecked(True)
    run_now(qtbot, dlg)
    result = dlg.result
    assert result is not None and result.backtest is not None, dlg.error.text()
    rows = result.backtest_rows
    assert len(rows) == result.backtest["periods"] >= 1
    inside = sum(1 for r in rows if not r.miss)
    assert result.backtest["coverage_p10_p90"] == inside / len(rows)
    assert f"{100 * inside / len(rows):.0f} %" in dlg.trust.text()
    assert dlg.progress.bar.maximum() == 0 or not dlg.progress.isVisible()


def test_a_what_if_overlays_its_fan_and_states_the_change(qtbot, dialog, crm):
    past_snapshot(dialog, crm)
    dialog.target.setValue(200)
    item = dialog.scenarios.item(0)
    assert item.text() == SCENARIO
    item.setCheckState(item.checkState().Checked)
    run_now(qtbot, dialog)
    result = dialog.result
    assert result is not None and list(result.scenarios) == [SCENARIO]
    axes = dialog.chart.figure.axes[0]
    assert sum(isinstance(c, PolyCollection) for c in axes.collections) == 2
    text = dialog.deltas.text()
    assert dialog.deltas.isVisible() and text.startswith(f"{SCENARIO}: P(target)")
    # a shorter nurture closes open leads sooner: more won deals by the same date
    assert result.scenarios[SCENARIO].won["p50"] > result.summary.won["p50"]


def test_cancel_stops_a_long_forecast_and_keeps_nothing_half_done(qtbot, dialog):
    dialog.replications.setValue(5000)
    dialog.forecast_button.click()
    qtbot.waitUntil(lambda: dialog.progress.bar.maximum() > 0, timeout=30_000)
    assert dialog.progress.isVisible() and not dialog.forecast_button.isEnabled()
    dialog.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert dialog.result is None and dialog.status.text() == "Cancelled."
    assert not dialog.progress.isVisible() and dialog.forecast_button.isEnabled()


def test_a_snapshot_outside_the_export_is_one_line_at_its_field(qtbot, dialog):
    dialog.as_of_default.setChecked(False)
    dialog.as_of.setDate(QDate(2020, 1, 1))
    run_now(qtbot, dialog)
    assert dialog.result is None
    assert dialog.error.isVisible() and "\n" not in dialog.error.text()
    assert dialog.error.text().startswith("Snapshot date: 2020-01-01")
    assert dialog.as_of.property("invalid") and not dialog.until.property("invalid")
    # the next forecast with a good date clears the mark
    dialog.as_of_default.setChecked(True)
    dialog.replications.setValue(10)
    run_now(qtbot, dialog)
    assert dialog.result is not None and not dialog.as_of.property("invalid")
    assert not dialog.error.isVisible()


def test_an_uncalibrated_process_cannot_be_forecast(qtbot, export):
    dlg = ForecastDialog(Document(process_from_data(_data())))
    qtbot.addWidget(dlg)
    dlg.paths.add_paths([export["events"]])
    assert not dlg.forecast_button.isEnabled()
    assert "not calibrated" in dlg.error.text() and "Calibrate" in dlg.error.text()


def test_the_forecast_exports_to_slides_and_a_report(qtbot, dialog, crm, tmp_path):
    from pptx import Presentation
    from pptx.util import Pt

    past_snapshot(dialog, crm)
    dialog.target.setValue(120)
    run_now(qtbot, dialog)
    assert dialog.export(tmp_path / "f.pptx") and dialog.export(tmp_path / "f.html")
    deck = Presentation(str(tmp_path / "f.pptx"))
    titles = [slide.shapes.title.text_frame.text for slide in deck.slides]
    assert titles[0].startswith("Forecast of nurture") and len(titles) == 2
    sizes = [run.font.size for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame for p in shape.text_frame.paragraphs for run in p.runs]
    assert sizes and min(s for s in sizes if s is not None) >= Pt(9)
    headline = next(s for s in deck.slides[0].shapes if s.name == "Headline")
    assert headline.text_frame.paragraphs[0].runs[0].text == dialog.headline.text()
    html = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "P(won ≥ 120)" in html and "<svg" in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.html", "f.pptx"]


def test_the_export_files_are_remembered_per_process_file(qtbot, crm, export, tmp_path):
    from laneforge.io import save_process

    path = tmp_path / "cal.lane.json"
    save_process(calibrated(crm), path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    document = Document.open(path)
    first = ForecastDialog(document, settings=settings)
    qtbot.addWidget(first)
    first.paths.add_paths([export["events"]])
    first.map_path.setText(str(export["map"]))
    first.replications.setValue(10)
    run_now(qtbot, first)  # a forecast remembers what it read
    assert first.result is not None
    second = ForecastDialog(document, settings=settings)
    qtbot.addWidget(second)
    assert second.paths.paths() == [export["events"]]
    assert second.map_path.text() == str(export["map"])


def test_the_simulate_menu_offers_the_forecast():
    simulate = dict(MENUS)["&Simulate"]
    names = [getattr(act, "name", None) for act in simulate]
    assert names.index("forecast") == names.index("staffing") + 1
    assert QApplication.instance() is not None
