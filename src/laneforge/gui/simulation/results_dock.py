"""The results dock: progress of a run, KPI tiles, bottlenecks, charts and tables."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...app.core import RULE, Results, Stat
from ...app.observed import observed_caption, observed_rows
from ...app.tables import Interval, Table, Value, all_tables, write_tables
from ...model import describe_hours
from ...model.currency import format_figure
from ...model.observed import Observed
from ...render import charts
from ..selection import Selection
from .chart_panel import ChartPanel
from .run_progress import RunProgress

TILES = (
    ("leads", "Leads", "count"),
    ("won", "Won deals", "count"),
    ("lead_to_won", "Lead → won", "percent"),
    ("cycle_p50", "Cycle time p50", "hours"),
    ("cycle_p90", "Cycle time p90", "hours"),
    ("sla", "SLA attainment", "percent"),
    ("cost_per_won", "Cost per won deal", "money"),
)


class KpiTile(QFrame):
    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("kpiTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.title = QLabel(title)
        self.title.setObjectName("hint")
        self.value = QLabel("–")
        self.value.setObjectName("kpiValue")
        self.detail = QLabel("")
        self.detail.setObjectName("hint")
        for label in (self.title, self.value, self.detail):
            layout.addWidget(label)

    def show_value(self, text: str, detail: str = "") -> None:
        self.value.setText(text)
        self.detail.setText(detail)
        self.setToolTip(f"{self.title.text()}: {text}" + (f" ({detail})" if detail else ""))


class TileGrid(QWidget):
    """KPI tiles in as many equal columns as fit the width (at least one), rows below.

    The tiles are placed by hand (no layout of its own) and the widget takes the height
    its rows need, so the dock reflows rather than growing sideways."""

    SPACING = 6

    def __init__(self, tiles: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = tiles
        for tile in tiles:
            tile.setParent(self)
        # no height-for-width: a scroll area would size the whole dock body by it; the
        # height is set from the width instead, whenever the arrangement changes
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.columns = len(tiles)

    def tile_width(self) -> int:
        """The narrowest a tile may be: its title, value and interval whole."""
        return max(tile.sizeHint().width() for tile in self.tiles)

    def tile_height(self) -> int:
        return max(tile.sizeHint().height() for tile in self.tiles)

    def columns_for(self, width: int) -> int:
        fit = (width + self.SPACING) // (self.tile_width() + self.SPACING)
        return max(1, min(len(self.tiles), fit))

    def height_for(self, width: int) -> int:
        rows = -(-len(self.tiles) // self.columns_for(width))
        return rows * self.tile_height() + (rows - 1) * self.SPACING

    def sizeHint(self) -> QSize:
        width = len(self.tiles) * (self.tile_width() + self.SPACING) - self.SPACING
        return QSize(width, self.height_for(max(self.width(), 1)))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.tile_width(), self.height_for(max(self.width(), 1)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def arrange(self) -> None:
        """Place the tiles for the current width (again after their texts changed)."""
        width = self.width()
        columns = self.columns_for(width)
        changed = columns != self.columns
        self.columns = columns
        tile_w = (width - (columns - 1) * self.SPACING) / columns
        tile_h = self.tile_height()
        for index, tile in enumerate(self.tiles):
            row, column = divmod(index, columns)
            x = round(column * (tile_w + self.SPACING))
            tile.setGeometry(x, row * (tile_h + self.SPACING),
                             round((column + 1) * (tile_w + self.SPACING) - self.SPACING) - x,
                             tile_h)
        height = self.height_for(width)
        if changed or self.minimumHeight() != height:
            self.setFixedHeight(height)


class _Body(QWidget):
    """The dock's content. Wrapped labels give its layout a height-for-width, which a
    scroll area would take as the body's height (the preferred one, taller than the dock):
    the charts then hid below the fold. Its minimum height is all it needs instead; the
    charts take what is left and the dock scrolls only when even that does not fit."""

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is None:
            return super().heightForWidth(width)
        return max(layout.minimumSize().height(), 0)


def _interval(stat: Stat | None, kind: str, currency: str | None = None) -> str:
    if stat is None or stat.ci95[0] == stat.ci95[1]:
        return ""
    return (f"95 % {format_figure(stat.ci95[0], kind, currency)}–"
            f"{format_figure(stat.ci95[1], kind, currency)}")


class ResultsDock(QDockWidget):
    select_requested = Signal(object)  # Selection
    show_on_diagram = Signal(bool)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Results", parent)
        self.setObjectName("ResultsDock")
        self.results: Results | None = None
        self.preliminary = False
        self.dark = False
        body = _Body()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        # progress of a run
        self.progress_box = RunProgress()
        self.progress_box.cancel_requested.connect(self.cancel_requested)
        layout.addWidget(self.progress_box)
        # what was run
        head = QHBoxLayout()
        self.heading = QLabel("Run a simulation (F5) to see where leads pile up.")
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        self.on_diagram = QCheckBox("Show on diagram")
        self.on_diagram.setChecked(True)
        self.on_diagram.setToolTip("Tint lanes and tasks by load and wait, with badges")
        self.on_diagram.toggled.connect(self.show_on_diagram)
        self.export_button = QPushButton("Export tables…")
        self.export_button.setToolTip("Save every results table as a CSV file in a folder")
        self.export_button.clicked.connect(self._on_export)
        head.addWidget(self.heading, 1)
        head.addWidget(self.on_diagram)
        head.addWidget(self.export_button)
        layout.addLayout(head)
        # KPI tiles: one row when there is room, more rows in a narrow dock
        self.tiles: dict[str, KpiTile] = {}
        for key, title, _kind in TILES:
            self.tiles[key] = KpiTile(key, title)
        self.tile_grid = TileGrid(list(self.tiles.values()))
        layout.addWidget(self.tile_grid)
        # bottlenecks beside the charts and tables
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 4, 0, 0)
        label = QLabel("Bottlenecks, worst first (click one to select it)")
        label.setObjectName("sectionTitle")
        label.setToolTip(RULE)
        column.addWidget(label)
        self.bottlenecks = QListWidget()
        self.bottlenecks.setWordWrap(True)
        self.bottlenecks.setObjectName("bottlenecks")
        self.bottlenecks.setToolTip(RULE)
        self.bottlenecks.itemClicked.connect(self._on_bottleneck_clicked)
        column.addWidget(self.bottlenecks, 3)
        label = QLabel("Warnings")
        label.setObjectName("sectionTitle")
        column.addWidget(label)
        self.warnings = QListWidget()
        self.warnings.setWordWrap(True)
        column.addWidget(self.warnings, 2)
        split.addWidget(left)
        self.tabs = QTabWidget()
        self.charts: dict[str, ChartPanel] = {}
        for name, title in (("funnel", "Funnel"), ("utilization", "Utilization"),
                            ("waits", "Waits"), ("wip", "Work in progress"),
                            ("cycle", "Cycle time")):
            panel = ChartPanel(name)
            self.charts[name] = panel
            self.tabs.addTab(panel, title)
        tables = QWidget()
        table_column = QVBoxLayout(tables)
        table_column.setContentsMargins(0, 4, 0, 0)
        self.table_tabs = QTabWidget()
        self.table_tabs.setDocumentMode(True)
        table_column.addWidget(self.table_tabs)
        self.tabs.addTab(tables, "Tables")
        self.observed_tab = _ObservedPanel()
        self.observed: Observed | None = None
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        self.tabs.setEnabled(False)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._drawn: set[str] = set()
        self.export_button.setEnabled(False)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)

    # --- results -------------------------------------------------------------------------
    def clear_preview(self, previous: Results | None) -> None:
        """A cancelled run's first figures go: the last finished run again, or nothing."""
        if previous is not None:
            self.show_results(previous)
            return
        self.results = None
        self.preliminary = False
        self.heading.setText("Cancelled before the run finished: no results.")
        self.tabs.setEnabled(False)
        self.export_button.setEnabled(False)
        self.bottlenecks.clear()
        self.warnings.clear()

    def set_observed(self, observed: Observed | None) -> None:
        """The CRM's figures of the process's last calibration, shown on an "Observed" tab
        beside the simulated ones (no tab without them)."""
        self.observed = observed
        index = self.tabs.indexOf(self.observed_tab)
        if observed is None and index >= 0:
            self.tabs.removeTab(index)
        elif observed is not None and index < 0:
            self.tabs.addTab(self.observed_tab, "Observed")
        if self.results is not None and observed is not None:
            self.observed_tab.show_rows(observed, self.results)

    def set_on_diagram(self, shown: bool) -> None:
        """Show the document's choice in the check box (without asking to change it)."""
        with QSignalBlocker(self.on_diagram):
            self.on_diagram.setChecked(shown)

    def show_results(self, results: Results, *, preliminary: bool = False) -> None:
        """Show a run's figures; ``preliminary``: those of the replications done so far,
        while the run goes on (the intervals narrow as more come in)."""
        self.results = results
        if self.observed is not None:
            self.observed_tab.show_rows(self.observed, results)
        self.preliminary = preliminary
        self.tabs.setEnabled(True)
        self.export_button.setEnabled(not preliminary)
        scenario = f" — scenario “{results.scenario}”" if results.scenario else ""
        if preliminary:
            self.heading.setText(
                f"{results.process}{scenario}: first figures from {results.replications} "
                f"replications so far, refining as the run goes on…")
        else:
            self.heading.setText(
                f"{results.process}{scenario}: {results.replications} replications, seed "
                f"{results.seed}, horizon {describe_hours(results.horizon_hours)}, warm-up "
                f"{describe_hours(results.warmup_hours)} ({results.seconds:.1f} s)")
        self._fill_tiles(results)
        self.tile_grid.arrange()
        self.bottlenecks.clear()
        for bottleneck in results.bottlenecks:
            item = QListWidgetItem(bottleneck.reason)
            item.setData(Qt.ItemDataRole.UserRole, (bottleneck.lane, bottleneck.node))
            item.setToolTip(f"{bottleneck.severity.capitalize()}: click to select it.\n\n{RULE}")
            self.bottlenecks.addItem(item)
        if not results.bottlenecks:
            item = QListWidgetItem(f"No bottleneck. {RULE}")
            item.setToolTip(RULE)
            self.bottlenecks.addItem(item)
        self.warnings.clear()
        for warning in results.warnings or ["No warnings."]:
            self.warnings.addItem(warning)
        self._draw_charts()
        self._fill_tables(results)

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        if self.results is not None:
            self._draw_charts()

    def _fill_tiles(self, r: Results) -> None:
        kpis = r.kpis()
        stats = {"leads": r.leads, "won": r.won, "lead_to_won": r.lead_to_won,
                 "cycle_p50": r.cycle_time_hours.p50, "cycle_p90": r.cycle_time_hours.p90,
                 "cost_per_won": r.cost_per_won}
        for key, _title, kind in TILES:
            value = kpis.get("sla_attainment") if key == "sla" else kpis.get(key)
            detail = _interval(stats.get(key), kind, r.currency)
            if key == "sla" and value is not None:
                checked = sum(s.checked.mean for s in r.slas.values())
                detail = f"of {checked:,.0f} checked"
            self.tiles[key].show_value(format_figure(value, kind, r.currency), detail)

    def _draw_charts(self) -> None:
        """Charts are drawn when their tab is first shown (drawing all five takes a moment)."""
        self._drawn.clear()
        self._on_tab_changed(self.tabs.currentIndex())

    def draw_chart(self, name: str) -> None:
        r = self.results
        if r is None or name in self._drawn:
            return
        style = charts.DARK_CHARTS if self.dark else charts.LIGHT_CHARTS
        make = {"funnel": charts.funnel_chart, "utilization": charts.utilization_chart,
                "waits": charts.waits_chart, "wip": charts.wip_chart,
                "cycle": charts.cycle_time_chart}[name]
        self.charts[name].set_figure(make(r, style))
        self._drawn.add(name)

    def _on_tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for name, panel in self.charts.items():
            if panel is widget:
                self.draw_chart(name)

    def _fill_tables(self, r: Results) -> None:
        self.table_tabs.clear()
        for table in all_tables(r):
            widget = _table_widget(table)
            self.table_tabs.addTab(widget, table.title)

    def _on_bottleneck_clicked(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if not data:
            return
        lane, node = data
        self.select_requested.emit(Selection(nodes=(node,)) if node else Selection(lanes=(lane,)))

    def _on_export(self) -> None:
        if self.results is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export tables to folder", str(Path.home()))
        if folder:
            self.export_tables(Path(folder))

    def export_tables(self, folder: Path) -> list[Path]:
        assert self.results is not None
        return write_tables(all_tables(self.results), folder)


class _ObservedPanel(QWidget):
    """Observed (CRM) beside simulated, one row per figure, with the gap."""

    def __init__(self) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setObjectName("hint")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("observedTable")
        self.table.setHorizontalHeaderLabels(["Figure", "Observed (CRM)", "Simulated", "Gap"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        column.addWidget(self.caption)
        column.addWidget(self.table, 1)

    def show_rows(self, observed: Observed, results: Results) -> None:
        self.caption.setText(observed_caption(observed))
        rows = observed_rows(observed, results)
        self.table.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(right)
                self.table.setItem(r, c, item)


def _table_widget(table: Table) -> QTableWidget:
    """The table with every cell formatted as the KPI tiles format it (Table.text)."""
    widget = QTableWidget(len(table.rows), len(table.headers))
    widget.setObjectName(f"table_{table.name}")
    widget.setHorizontalHeaderLabels(table.headers)
    for c, header in enumerate(table.headers):
        note = table.notes.get(header)
        if note:
            widget.horizontalHeaderItem(c).setToolTip(" ".join(note.split()))
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setAlternatingRowColors(True)
    widget.verticalHeader().setVisible(False)
    widget.setWordWrap(False)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for r, row in enumerate(table.rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(table.text(value))
            if isinstance(value, Value | Interval | int | float):
                item.setTextAlignment(right)
            widget.setItem(r, c, item)
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setStretchLastSection(True)
    return widget

