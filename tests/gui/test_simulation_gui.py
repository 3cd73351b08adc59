"""Simulation in the app: runs off the UI thread, results shown, cancel, sweep, diagram tint."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from laneforge.app.compare import format_value
from laneforge.gui.commands import SetValueCommand
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.simulation.run_dialog import RunSettings
from laneforge.gui.simulation.sweep_dialog import SweepDialog
from laneforge.model.currency import format_money
from laneforge.sim import simulate, simulate_scenarios

pytestmark = pytest.mark.gui

QUICK = RunSettings(scenario=None, replications=3, seed=11, horizon="120d", warmup="30d", jobs=1)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.show()
    qtbot.waitExposed(win)
    win.new_from_template("lead-lifecycle")
    yield win
    win.simulation.cancel()
    win.simulation.runner.wait(5)
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()
    qtbot.wait(1)


def run_and_wait(qtbot, window, settings=QUICK, timeout=60_000):
    with qtbot.waitSignal(window.simulation.runner.finished, timeout=timeout):
        assert window.simulation.run(settings)


def test_run_shows_the_kpis_of_the_results(window, qtbot):
    run_and_wait(qtbot, window)
    results = window.simulation.results
    expected = simulate(window.document.process, replications=3, seed=11, horizon="120d",
                        warmup="30d")
    assert results.model_dump(exclude={"seconds"}) == expected.model_dump(exclude={"seconds"})
    tiles = window.simulation.results_dock.tiles
    kpis = results.kpis()
    assert tiles["leads"].value.text() == format_value(kpis["leads"], "count")
    assert tiles["won"].value.text() == format_value(kpis["won"], "count")
    assert tiles["lead_to_won"].value.text() == format_value(kpis["lead_to_won"], "percent")
    assert tiles["cycle_p90"].value.text() == format_value(kpis["cycle_p90"], "hours")
    assert tiles["sla"].value.text() == format_value(kpis["sla_attainment"], "percent")
    assert tiles["cost_per_won"].value.text() == format_money(kpis["cost_per_won"], None)
    dock = window.simulation.results_dock
    assert dock.bottlenecks.count() == len(results.bottlenecks)
    assert dock.bottlenecks.item(0).text() == results.bottlenecks[0].reason
    for name in dock.charts:  # drawn when their tab is shown
        dock.tabs.setCurrentWidget(dock.charts[name])
        assert dock.charts[name].figure is not None


def test_results_tint_the_diagram_and_clicking_a_bottleneck_selects_it(window, qtbot):
    run_and_wait(qtbot, window)
    scene = window.scene
    results = window.simulation.results
    assert "inside_sales" in scene.lane_tints  # the SDR lane runs hot
    first_call = scene.node_items["first_call"].decor
    assert first_call.tint is not None
    assert any("miss" in badge for badge in first_call.badges)
    assert window.view.legend
    dock = window.simulation.results_dock
    dock.bottlenecks.itemClicked.emit(dock.bottlenecks.item(0))
    top = results.bottlenecks[0]
    assert window.scene.selection().nodes == (top.node,)
    dock.on_diagram.setChecked(False)
    assert not scene.lane_tints and window.view.legend is None
    # whether results are on the diagram is the document's state, which exports read
    assert not window.document.results_on_diagram
    assert window.document.results is results and window.document.shown_results is None
    window.document.set_results_on_diagram(True)
    assert dock.on_diagram.isChecked()  # the box shows the document's state
    assert scene.lane_tints and window.view.legend


def test_a_run_reports_progress_and_works_off_the_ui_thread(window, qtbot, monkeypatch):
    import threading

    import laneforge.sim.runner as runner

    threads = []
    real = runner.run_replication

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_replication", recording)
    progress = []
    window.simulation.runner.progress.connect(lambda d, t, left: progress.append((d, t)))
    run_and_wait(qtbot, window, RunSettings(None, 4, 3, "120d", "30d", 1))
    assert [d for d, _ in progress] == [1, 2, 3, 4]
    assert len(threads) == 4
    assert all(t is not threading.main_thread() for t in threads)


def test_cancel_ends_a_run_without_results(window, qtbot):
    cancelled, finished = [], []
    window.simulation.runner.cancelled.connect(lambda: cancelled.append(True))
    window.simulation.runner.finished.connect(finished.append)
    before = window.simulation.results
    assert window.simulation.run(RunSettings(None, 50, 3, "720d", "60d", 1))
    qtbot.wait(300)
    window.simulation.cancel()
    # a liveness bound, not a timing claim: benchmarks/bench_cancel.py measures the latency
    qtbot.waitUntil(lambda: bool(cancelled), timeout=20_000)
    assert window.simulation.runner.wait(5)
    assert finished == []
    assert window.simulation.results is before
    assert not window.simulation.results_dock.progress_box.isVisible()


def test_first_figures_show_while_the_run_goes_on_and_the_final_ones_replace_them(window,
                                                                                  qtbot):
    dock = window.simulation.results_dock
    shown = []
    window.simulation.runner.preview.connect(
        lambda r: shown.append((r.replications, dock.heading.text(), dock.preliminary)))
    run_and_wait(qtbot, window, RunSettings(None, 4, 3, "60d", "14d", 1))
    qtbot.wait(50)  # the previews were queued before the end: all delivered by now
    assert [count for count, _, _ in shown] == [2, 3]
    assert all(preliminary and "first figures" in heading for _, heading, preliminary in shown)
    assert window.simulation.results.replications == 4
    assert dock.results is window.simulation.results and not dock.preliminary
    assert "first figures" not in dock.heading.text()
    assert dock.export_button.isEnabled()


def test_cancel_after_first_figures_puts_the_last_finished_run_back(window, qtbot):
    run_and_wait(qtbot, window, RunSettings(None, 2, 3, "30d", "7d", 1))
    finished = window.simulation.results
    dock = window.simulation.results_dock
    previews = []
    window.simulation.runner.preview.connect(previews.append)
    assert window.simulation.run(RunSettings(None, 50, 3, "240d", "30d", 1))
    qtbot.waitUntil(lambda: bool(previews), timeout=60_000)
    qtbot.waitUntil(lambda: dock.preliminary, timeout=10_000)
    with qtbot.waitSignal(window.simulation.runner.cancelled, timeout=20_000):
        window.simulation.cancel()
    assert window.simulation.results is finished
    assert dock.results is finished and not dock.preliminary


def test_an_invalid_process_is_refused_with_its_problems(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    process = window.document.process
    edge = next(e for e in process.edges if e.probability is not None)
    window.document.apply(SetValueCommand(
        window.document, f"edges.{edge.source}->{edge.target}.probability", 0.99, "Change"))
    assert window.simulation.run(QUICK) is False
    assert shown and "add up to" in shown[0]
    assert not window.simulation.runner.running


def test_tables_export_to_csv(window, qtbot, tmp_path):
    run_and_wait(qtbot, window)
    written = window.simulation.results_dock.export_tables(tmp_path / "tables")
    names = sorted(p.name for p in written)
    assert names == ["funnel.csv", "kpis.csv", "lanes.csv", "outcomes.csv", "slas.csv",
                     "tasks.csv"]
    with open(tmp_path / "tables" / "lanes.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    sdr = next(r for r in rows if r["Lane"] == "Inside Sales (SDR)")
    results = window.simulation.results
    assert float(sdr["Utilization (share 0-1)"]) == pytest.approx(
        results.lanes["inside_sales"].utilization.mean, rel=1e-5)


def test_sweep_dialog_finds_the_smallest_staffing_meeting_the_target(qtbot):
    from simhelpers import erlang_c, queue_process

    process = queue_process("4/h", "40m", 3, horizon="1500h", replications=4, sla_within="1s")
    dialog = SweepDialog(process, RunSettings(None, 4, 7, "1500h", "200h", 1))
    qtbot.addWidget(dialog)
    dialog.parameter.setCurrentIndex(dialog.parameter.findData("lanes.team.staff"))
    dialog.start.setValue(3)
    dialog.stop.setValue(7)
    dialog.step.setValue(1)
    dialog.kpi.setCurrentIndex(dialog.kpi.findData("sla:wait"))
    dialog.goal.setCurrentText("at most")
    dialog.target.setValue(25.0)  # percent of leads that wait at all
    with qtbot.waitSignal(dialog.runner.finished, timeout=60_000):
        assert dialog.start_sweep()
    expected = min(c for c in range(3, 8) if erlang_c(c, 4 * 40 / 60) <= 0.25)
    assert dialog.answer == expected == 5
    assert f"= {expected}" in dialog.answer_label.text()
    assert dialog.chart.figure is not None
    assert dialog.table.rowCount() == 5


COMPARED = [None, "Hire 2 SDRs", "Double webinar volume"]


def _record_comparisons(window, monkeypatch):
    """What the comparison view showed, in order: (preliminary, replications per run,
    subtitle, export enabled)."""
    view = window.simulation.compare_view
    shown = []
    real = view.show_runs

    def recording(runs, *, preliminary=False):
        real(runs, preliminary=preliminary)
        shown.append((preliminary, [r.replications for r in runs], view.subtitle.text(),
                      view.export_button.isEnabled()))

    monkeypatch.setattr(view, "show_runs", recording)
    return shown


def test_a_comparison_shows_first_figures_before_its_final_results(window, qtbot, monkeypatch):
    shown = _record_comparisons(window, monkeypatch)
    controller = window.simulation
    controller.settings = RunSettings(None, 8, 3, "60d", "14d", 1)
    with qtbot.waitSignal(controller.runner.finished, timeout=120_000):
        assert controller.compare(COMPARED)
        assert controller.compare_view.progress_box.isVisible()  # Cancel at hand there
    assert len(shown) >= 2
    *previews, final = shown
    # first figures of every run, marked and kept from export, before the final ones
    assert all(preliminary and "First figures" in subtitle and not export
               for preliminary, _counts, subtitle, export in previews)
    assert all(min(counts) >= 2 and max(counts) < 8 for _p, counts, _s, _e in previews)
    assert final[0] is False and final[1] == [8, 8, 8] and final[3]
    assert "First figures" not in final[2]
    # the final figures are those of the whole comparison
    expected = simulate_scenarios(window.document.process, COMPARED, replications=8, seed=3,
                                  horizon="60d", warmup="14d")
    runs = controller.compare_view.runs
    assert [r.model_dump(exclude={"seconds"}) for r in runs] == [
        r.model_dump(exclude={"seconds"}) for r in expected]
    assert controller.comparison == runs and not controller.compare_view.preliminary
    assert not controller.compare_view.progress_box.isVisible()


def test_cancel_after_a_comparisons_first_figures_puts_the_last_one_back(window, qtbot):
    controller = window.simulation
    view = controller.compare_view
    controller.settings = RunSettings(None, 2, 3, "30d", "7d", 1)
    with qtbot.waitSignal(controller.runner.finished, timeout=60_000):
        assert controller.compare(COMPARED)
    finished = list(view.runs)
    controller.settings = RunSettings(None, 50, 3, "240d", "30d", 1)
    assert controller.compare(COMPARED)
    qtbot.waitUntil(lambda: view.preliminary, timeout=60_000)
    assert view.runs[0] is not finished[0] and not view.export_button.isEnabled()
    with qtbot.waitSignal(controller.runner.cancelled, timeout=20_000):
        view.progress_box.cancel_button.click()
    assert all(a is b for a, b in zip(view.runs, finished, strict=True))
    assert not view.preliminary and view.export_button.isEnabled()
    assert "First figures" not in view.subtitle.text()
    assert not view.progress_box.isVisible()


def test_a_comparison_runs_off_the_ui_thread_and_counts_every_replication(window, qtbot,
                                                                         monkeypatch):
    import threading

    import laneforge.sim.runner as runner

    threads = []
    real = runner.run_replication

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_replication", recording)
    progress = []
    controller = window.simulation
    controller.runner.progress.connect(lambda d, t, left: progress.append((d, t)))
    controller.settings = RunSettings(None, 3, 3, "30d", "7d", 1)
    with qtbot.waitSignal(controller.runner.finished, timeout=60_000):
        assert controller.compare(COMPARED)
    assert progress == [(d, 9) for d in range(1, 10)]  # one count over all three runs
    assert len(threads) == 9
    assert all(t is not threading.main_thread() for t in threads)
