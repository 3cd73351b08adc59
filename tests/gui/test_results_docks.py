"""The results docks at the default window size: nothing elided or clipped, tables like the
tiles, the currency field, the status bar in step with the Problems dock, one source rate."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QMessageBox, QStyle, QTableWidget

from laneforge.gui.capacity_watch import ESTIMATING, INVALID
from laneforge.gui.commands import SetValueCommand
from laneforge.gui.mainwindow import MainWindow
from laneforge.gui.recovery import RecoveryStore
from laneforge.gui.selection import Selection
from laneforge.gui.simulation.compare_table import DELTA_ROLE, GAP
from laneforge.gui.simulation.run_dialog import RunSettings
from laneforge.model.currency import format_money, set_locale_currency
from laneforge.model.geometry import node_subtitle
from laneforge.sim import simulate

pytestmark = pytest.mark.gui

QUICK = RunSettings(scenario=None, replications=2, seed=3, horizon="40d", warmup="10d", jobs=1)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.simulation.cancel()
    win.simulation.runner.wait(5)
    win.document.undo_stack.setClean()
    win.capacity.shutdown()
    win.close()
    win.deleteLater()
    set_locale_currency(None)
    qtbot.wait(1)


def _contradiction(window) -> str | None:
    errors = [p for p in window.problems_dock.problems if p.severity == "error"]
    text = window.status_capacity.text()
    if not errors and text == INVALID:
        return f"status {text!r} beside {window.status_problems.text()!r}"
    if errors and text.startswith("Load: ") and text not in (INVALID, ESTIMATING):
        return f"loads shown beside {len(errors)} errors"
    return None


def test_status_bar_agrees_with_problems_right_after_opening(window, qtbot):
    seen: list[str] = []

    def check() -> bool:
        problem = _contradiction(window)
        if problem:
            seen.append(problem)
        return "Inside Sales" in window.status_capacity.text()

    window.new_from_template("lead-lifecycle")
    assert window.status_problems.text() == "✓ No problems"
    assert window.status_capacity.text() == ESTIMATING  # not "fix the problems"
    qtbot.waitUntil(check, timeout=15_000)
    assert not seen
    # an error: the status says so only once Problems lists it, and loads come back after
    process = window.document.process
    edge = next(e for e in process.edges if e.probability is not None)
    window.document.apply(SetValueCommand(
        window.document, f"edges.{edge.source}->{edge.target}.probability", 0.99, "Change"))
    qtbot.waitUntil(lambda: window.status_capacity.text() == INVALID, timeout=15_000)
    assert any(p.severity == "error" for p in window.problems_dock.problems)
    window.document.undo_stack.undo()
    assert _contradiction(window) is None
    qtbot.waitUntil(lambda: "Inside Sales" in window.status_capacity.text(), timeout=15_000)
    assert window.status_problems.text() == "✓ No problems"


@pytest.fixture(scope="module")
def five_runs():
    from laneforge.gui.app import DEFAULT_TEMPLATE
    from laneforge.io import load_process

    from conftest import REPO

    process = load_process(REPO / "processes" / f"{DEFAULT_TEMPLATE}.lane.json")
    names = [None, *(s.name for s in process.scenarios)]
    assert len(names) == 5
    return [simulate(process, scenario=name, replications=2, horizon="30d", warmup="7d",
                     seed=9) for name in names]


def test_comparison_of_five_runs_elides_nothing_at_1440x900(window, qtbot, five_runs):
    window.new_from_template("lead-lifecycle")
    controller = window.simulation
    controller._show_comparison(five_runs)
    qtbot.wait(50)
    table = controller.compare_view.table
    assert table.columnCount() == 6 and table.isVisible()
    header = table.horizontalHeader()
    metrics = QFontMetrics(table.font())
    bold = QFont(table.font())
    bold.setWeight(QFont.Weight.DemiBold)
    bold_metrics = QFontMetrics(bold)
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    for column in range(table.columnCount()):
        title = table.horizontalHeaderItem(column).text()
        assert header.fontMetrics().horizontalAdvance(title) + 12 <= table.columnWidth(column), \
            title
        for row in range(table.rowCount()):
            item = table.item(row, column)
            value = item.text()
            delta = str(item.data(DELTA_ROLE) or "")
            # the first column uses Qt's item margins, the others the delegate's 8 px a side
            needed = metrics.horizontalAdvance(value) + (16 if column else 2 * margin)
            if column:
                needed += bold_metrics.horizontalAdvance(delta) + (GAP if delta else 0)
            assert needed <= table.columnWidth(column), (title, value, delta)
    total = sum(table.columnWidth(c) for c in range(table.columnCount()))
    if total > table.viewport().width():  # what does not fit scrolls sideways
        assert table.horizontalScrollBar().maximum() > 0
    # the chart: KPI names whole on the left, one legend entry per run, inside the figure
    figure = controller.compare_view.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [
        r.scenario or "Baseline" for r in five_runs]
    box = legend.get_window_extent(renderer)
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= figure.bbox.width + 1
    labels = [t.get_window_extent(renderer) for t in figure.axes[0].get_yticklabels()
              if t.get_text()]
    assert labels and all(a.y1 <= b.y0 or b.y1 <= a.y0
                          for i, a in enumerate(labels) for b in labels[i + 1:])
    assert all(label.x0 >= 0 for label in labels)


def _run(window, qtbot):
    with qtbot.waitSignal(window.simulation.runner.finished, timeout=60_000):
        assert window.simulation.run(QUICK)


def test_tables_tab_shows_what_the_tiles_show(window, qtbot):
    window.new_from_template("lead-lifecycle")
    _run(window, qtbot)
    dock = window.simulation.results_dock
    kpis = dock.findChild(QTableWidget, "table_kpis")
    shown = {kpis.item(r, 0).text(): kpis.item(r, 1).text() for r in range(kpis.rowCount())}
    for key, title, _kind in (("leads", "Leads", ""), ("won", "Won deals", ""),
                              ("lead_to_won", "Lead → won", ""),
                              ("cycle_p50", "Cycle time p50", ""),
                              ("cycle_p90", "Cycle time p90", ""),
                              ("sla", "SLA attainment", ""),
                              ("cost_per_won", "Cost per won deal", "")):
        assert shown[title] == dock.tiles[key].value.text(), title
    headers = [kpis.horizontalHeaderItem(c).text() for c in range(kpis.columnCount())]
    assert headers == ["KPI", "Mean", "95 % interval"]
    lanes = dock.findChild(QTableWidget, "table_lanes")
    lane_headers = [lanes.horizontalHeaderItem(c).text() for c in range(lanes.columnCount())]
    assert "Bottleneck" in lane_headers
    flagged = {window.simulation.results.label("lanes", b.lane)
               for b in window.simulation.results.bottlenecks}
    column = lane_headers.index("Bottleneck")
    marked = {lanes.item(r, 0).text() for r in range(lanes.rowCount())
              if lanes.item(r, column).text()}
    assert marked == flagged
    assert "utilization" in dock.bottlenecks.toolTip() and "SLA" in dock.bottlenecks.toolTip()


def test_tiles_reflow_in_a_narrow_dock(window, qtbot):
    window.new_from_template("lead-lifecycle")
    _run(window, qtbot)
    dock = window.simulation.results_dock
    grid = dock.tile_grid
    assert grid.columns == len(dock.tiles)  # one row at 1440 px
    dock.setFloating(True)
    dock.resize(520, 700)
    qtbot.waitUntil(lambda: grid.columns < len(dock.tiles))
    rows = {tile.y() for tile in dock.tiles.values()}
    assert len(rows) > 1
    assert all(tile.geometry().right() <= grid.width() for tile in dock.tiles.values())
    assert all(tile.value.width() >= tile.value.sizeHint().width()
               for tile in dock.tiles.values())  # no value is cut
    scroll = dock.widget()
    assert scroll.horizontalScrollBar().maximum() == 0


def test_currency_field_sets_the_process_currency(window, qtbot):
    set_locale_currency("USD")
    window.new_from_template("lead-lifecycle")
    editor = window.properties_dock.process_editor.general
    window.properties_dock.set_selection(Selection())
    field = editor.currency.lineEdit()
    assert field.placeholderText() == "USD (locale)"
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "eur")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.process.currency == "EUR"
    field.selectAll()
    qtbot.keyClicks(field, "EURO")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.process.currency == "EUR"  # not a code: nothing changed
    assert "three-letter" in field.toolTip() or field.property("invalid")
    _run(window, qtbot)
    results = window.simulation.results
    assert results.currency == "EUR"
    tile = window.simulation.results_dock.tiles["cost_per_won"].value.text()
    assert tile == format_money(results.cost_per_won.mean, "EUR") and tile.startswith("€")
    window.document.undo_stack.undo()
    assert window.document.process.currency is None
    qtbot.waitUntil(lambda: field.text() == "")


def test_properties_show_the_rate_the_node_shows(window, qtbot):
    window.new_from_template("lead-lifecycle")
    window.select_and_show(Selection(nodes=("inbound",)))
    window.properties_dock.set_selection(Selection(nodes=("inbound",)))
    part = window.properties_dock.node_editor.part
    figure = node_subtitle(window.document.process.node("inbound")).removeprefix("≈ ")
    qtbot.waitUntil(lambda: figure in part.volume.text())
    assert "weekday profile" in part.volume.text() and "Sat" in part.volume.text()


def test_observed_tab_appears_with_a_calibrated_process_and_lines_up_figures(window, qtbot):
    from laneforge.model.observed import Observed

    window.new_from_template("lead-lifecycle")
    _run(window, qtbot)
    dock = window.simulation.results_dock
    titles = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
    assert "Observed" not in titles  # a process never calibrated has no observed figures
    window.document.process.observed = Observed(
        source="Salesforce export, 9,000 leads", start="2026-01-05", end="2026-06-29",
        leads_per_week=540.0, conversions={"Lead->MQL": 0.33}, verdict="green")
    _run(window, qtbot)
    titles = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
    assert "Observed" in titles
    table = dock.findChild(QTableWidget, "observedTable")
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 4)]
            for r in range(table.rowCount())}
    assert rows["Lead → MQL"][0] == "33.0 %"
    results = window.simulation.results
    assert rows["Lead → MQL"][1] == f"{100 * results.conversions['Lead->MQL'].mean:.1f} %"
    assert rows["Leads per week"][0] == "540"
    assert "validation green" in dock.observed_tab.caption.text()
