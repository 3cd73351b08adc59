"""Simulation in the main window: the Simulate menu, runs off the UI thread, and where their
results go (results dock, tint on the diagram, comparison, sweep, replay)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QLocale, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMessageBox, QScrollArea

from ...app.core import Results
from ...app.session import run_many, run_one
from ...model import Process, errors, validate
from ...model.currency import set_locale_currency
from ...render.theme import Theme
from ...render.tint import decorations, legend
from ..canvas import DiagramScene, DiagramView
from ..document import Document
from ..info_dialogs import show_error
from .background import BackgroundRun
from .compare_view import CompareView
from .results_dock import ResultsDock
from .run_dialog import RunDialog, RunSettings, default_settings
from .run_progress import RunProgress
from .scenarios_dock import ScenariosDock

#: at most one redraw of a comparison's first figures in this many seconds: five runs send
#: a preview at every replication, and a table and chart take a moment to draw
PREVIEW_GAP = 0.3


class SimulationController(QObject):
    """Runs, comparisons, sweeps and replays of the open document, and the docks that show
    them. It is given the window (to dock into), the canvas, the docks it tabs with and the
    theme; the document comes with :meth:`set_document`. Results are kept in the document
    (whether they are painted on the diagram is the document's state, too)."""

    #: a bottleneck was chosen in the results: the window selects it on the canvas
    select_requested = Signal(object)
    #: a run started (True) or ended (False): the window enables Cancel
    running_changed = Signal(bool)

    def __init__(self, window: QMainWindow, scene: DiagramScene, view: DiagramView,
                 problems_dock: QDockWidget, properties_dock: QDockWidget,
                 theme: Theme) -> None:
        super().__init__(window)
        self.window, self.scene, self.view = window, scene, view
        self.problems_dock, self.theme = problems_dock, theme
        self.runner = BackgroundRun(self)
        self.settings: RunSettings | None = None
        #: the last finished comparison (what Cancel puts back)
        self.comparison: list[Results] | None = None
        self.stale = False
        self._on_done: Callable[[Any], None] | None = None
        self._on_preview: Callable[[Any], None] | None = None
        # the running comparison's names and the latest first figures of each
        self._compare_names: list[str | None] = []
        self._compare_previews: dict[str | None, Results] = {}
        self._preview_shown = 0.0
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.timeout.connect(self._show_compare_preview)
        self._document: Document | None = None
        # money without a process currency is shown in the currency of the user's locale
        set_locale_currency(QLocale().currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode))
        self.results_dock = ResultsDock(window)
        self.scenarios_dock = ScenariosDock(window)
        self.compare_view = CompareView()
        self.compare_dock = QDockWidget("Comparison", window)
        self.compare_dock.setObjectName("CompareDock")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.compare_view)
        self.compare_dock.setWidget(scroll)  # a short bottom area must stay possible
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.results_dock)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.compare_dock)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scenarios_dock)
        window.tabifyDockWidget(problems_dock, self.results_dock)
        window.tabifyDockWidget(self.results_dock, self.compare_dock)
        window.tabifyDockWidget(properties_dock, self.scenarios_dock)
        properties_dock.raise_()
        problems_dock.raise_()
        self._progress: RunProgress = self.results_dock.progress_box
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.preview.connect(self._on_preview_signal)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.results_dock.cancel_requested.connect(self.cancel)
        self.compare_view.cancel_requested.connect(self.cancel)
        self.results_dock.select_requested.connect(self.show_bottleneck)
        self.results_dock.show_on_diagram.connect(self._on_show_on_diagram_toggled)
        self.scenarios_dock.compare_requested.connect(self.compare)

    def slots(self) -> dict[str, Callable[[], object]]:
        """The Simulate menu's actions, by the names in ``menus.MENUS``."""
        return {"run": self.run_dialog, "rerun": self.rerun, "cancel_run": self.cancel,
                "scenarios": self.show_scenarios, "sweep": self.sweep_dialog,
                "replay": self.replay, "clear_results": self.clear_results}

    @property
    def document(self) -> Document:
        assert self._document is not None, "set_document comes first"
        return self._document

    @property
    def results(self) -> Results | None:
        """The document's last finished run."""
        return self.document.results

    def set_document(self, document: Document) -> None:
        """A new document is open: its scenarios, no results yet."""
        if self._document is not None:
            self._document.changed.disconnect(self._on_document_changed)
            self._document.results_changed.disconnect(self._paint_results)
        self._document = document
        self.scenarios_dock.set_document(document)
        document.changed.connect(self._on_document_changed)
        document.results_changed.connect(self._paint_results)
        self._paint_results()
        self.settings = None

    def shutdown(self) -> None:
        """The window closes: stop any run (its thread is a daemon, but be tidy)."""
        self.runner.cancel()
        self.runner.wait(2.0)

    def _on_document_changed(self, _change: object) -> None:
        if self.results is not None and not self.stale:
            self.stale = True
            self.results_dock.heading.setText(self.results_dock.heading.text()
                                              + " — before your latest edits")

    # --- running ---------------------------------------------------------------------------
    def _refuse_if_invalid(self, process: Process) -> bool:
        problems = errors(validate(process))
        if not problems:
            return False
        listing = "".join(f"<li>{p.message}</li>" for p in problems[:8])
        more = f"<p>… and {len(problems) - 8} more.</p>" if len(problems) > 8 else ""
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot simulate yet",
                          f"<p>Fix these problems first (they are in the Problems list):</p>"
                          f"<ul>{listing}</ul>{more}", QMessageBox.StandardButton.Ok,
                          self.window)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setObjectName("refusedDialog")
        box.exec()
        self.problems_dock.show()
        self.problems_dock.raise_()
        return True

    def run_dialog(self) -> None:
        process = self.document.process
        if self.runner.running or self._refuse_if_invalid(process):
            return
        dialog = RunDialog(process, self.settings, self.window)
        if dialog.exec():
            self.run(dialog.settings())

    def rerun(self) -> None:
        self.run(self.settings or default_settings(self.document.process))

    def run(self, settings: RunSettings) -> bool:
        """Start a run with ``settings``; False if refused (invalid process, run going on)."""
        process = self.document.process
        if self.runner.running or self._refuse_if_invalid(process):
            return False
        self.settings = settings
        snapshot = process.detached_copy()

        preview = self.runner.preview.emit  # queued to the UI thread

        def job(progress: Callable[[int, int], Any], cancel: threading.Event) -> Results:
            return run_one(snapshot, scenario=settings.scenario,
                           replications=settings.replications, seed=settings.seed,
                           horizon=settings.horizon or None, warmup=settings.warmup or None,
                           jobs=settings.jobs, progress=progress, cancel=cancel,
                           partial=preview)

        self._start(job, f"Simulating {settings.scenario or 'the baseline'}…",
                    self._show_results, self._show_preview, self.results_dock)
        return True

    def compare(self, names: list[str | None]) -> bool:
        """Run the baseline (None) and scenarios with common random numbers, side by side."""
        process = self.document.process
        if len(names) < 2 or self.runner.running or self._refuse_if_invalid(process):
            return False
        settings = self.settings or default_settings(process)
        snapshot = process.detached_copy()
        names = list(names)
        self._compare_names, self._compare_previews = names, {}
        preview = self.runner.preview.emit  # queued to the UI thread

        def job(progress: Callable[[int, int], Any], cancel: threading.Event) -> list[Results]:
            # every scenario's replications in one pool, round by round
            return run_many(
                snapshot, names, replications=settings.replications, seed=settings.seed,
                horizon=settings.horizon or None, warmup=settings.warmup or None,
                jobs=settings.jobs, progress=progress, cancel=cancel,
                partial=lambda name, results: preview((name, results)))

        self._start(job, f"Comparing {len(names)} runs…", self._show_comparison,
                    self._collect_compare_preview, self.compare_dock)
        self.compare_view.waiting([name or "Baseline" for name in names])
        self._make_room(self.compare_dock)
        return True

    def _start(self, job: Any, text: str, on_done: Callable[[Any], None],
               on_preview: Callable[[Any], None], dock: QDockWidget) -> None:
        """Run ``job`` off the UI thread; its progress, Cancel and first figures are in
        ``dock`` (the results dock for a run, the comparison for a comparison)."""
        self._on_done, self._on_preview = on_done, on_preview
        self._progress = (self.compare_view.progress_box if dock is self.compare_dock
                          else self.results_dock.progress_box)
        dock.show()
        dock.raise_()
        self._progress.started(text)
        self.running_changed.emit(True)
        self.runner.start(job)

    def cancel(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self._progress.cancelling()

    def _on_progress(self, done: int, total: int, seconds_left: float) -> None:
        self._progress.advance(done, total, seconds_left)

    def _run_ended(self) -> None:
        self._progress.ended()
        self.running_changed.emit(False)
        self._preview_timer.stop()

    def _on_finished(self, result: Any) -> None:
        self._run_ended()
        if self._on_done is not None:
            self._on_done(result)

    def _on_failed(self, message: str) -> None:
        self._run_ended()
        self._drop_previews()
        show_error(self.window, "The simulation could not run", message)

    def _on_cancelled(self) -> None:
        self._run_ended()
        self._drop_previews()
        self.window.statusBar().showMessage("Simulation cancelled", 4000)

    def _drop_previews(self) -> None:
        """First figures of a run that did not finish go; what was shown before comes back."""
        if self.results_dock.results is not self.results:  # a preview was on show
            self.results_dock.clear_preview(self.results)
        if self.compare_view.preliminary:
            self.compare_view.clear_preview(self.comparison)

    # --- showing results -------------------------------------------------------------------
    def _on_preview_signal(self, payload: Any) -> None:
        if self.runner.running and self._on_preview is not None:
            self._on_preview(payload)  # else it arrived after the run ended

    def _show_preview(self, results: Results) -> None:
        """First figures while the run goes on: shown in the dock, marked as preliminary,
        never kept as the run's results (Cancel puts the last finished run back)."""
        self.results_dock.set_dark(self.theme.name == "dark")
        self.results_dock.set_observed(self.document.process.observed)
        self.results_dock.show_results(results, preliminary=True)

    def _show_results(self, results: Results) -> None:
        self._make_room(self.results_dock)
        self.stale = False
        self.results_dock.set_dark(self.theme.name == "dark")
        self.results_dock.set_observed(self.document.process.observed)
        self.results_dock.show_results(results)
        self.document.set_results(results)  # painted on the diagram if the document says so
        self.window.statusBar().showMessage(
            f"Simulated {results.replications} replications in {results.seconds:.1f} s", 5000)

    def _collect_compare_preview(self, payload: tuple[str | None, Results]) -> None:
        """A scenario's first figures: once every run has some, the comparison shows them
        (at most one redraw every PREVIEW_GAP seconds; the latest figures of each run)."""
        name, results = payload
        self._compare_previews[name] = results
        if self._preview_timer.isActive() or any(
                n not in self._compare_previews for n in self._compare_names):
            return
        wait = PREVIEW_GAP - (time.monotonic() - self._preview_shown)
        self._preview_timer.start(max(0, round(wait * 1000)))

    def _show_compare_preview(self) -> None:
        if not self.runner.running or self._on_done != self._show_comparison:
            return
        self.compare_view.show_runs([self._compare_previews[n] for n in self._compare_names],
                                    preliminary=True)
        self._preview_shown = time.monotonic()

    def _show_comparison(self, runs: Sequence[Results]) -> None:
        self.comparison = list(runs)
        self._compare_previews = {}
        self.compare_view.show_runs(runs)
        self.compare_dock.show()
        self.compare_dock.raise_()
        self._make_room(self.compare_dock)

    def _make_room(self, dock: QDockWidget) -> None:
        """Results need space: grow a short bottom dock to about 40 % of the window, or 60 %
        of a short one (a small screen or 200 % scaling), where the dock then scrolls."""
        height = self.window.height()
        wanted = int(height * (0.45 if height >= 700 else 0.6))
        if dock.height() < wanted * 0.8:
            self.window.resizeDocks([dock], [wanted], Qt.Orientation.Vertical)

    def show_bottleneck(self, selection: Any) -> None:
        """Select a bottleneck's task (or lane) and bring it to the upper left part of the
        canvas, clear of the results legend drawn in the bottom-right corner."""
        self.select_requested.emit(selection)
        scene, view = self.scene, self.view
        items = [scene.node_items.get(n) for n in selection.nodes]
        items = [i for i in items if i is not None]
        if not items:
            return
        scale = view.transform().m11() or 1.0
        viewport = view.viewport().rect()
        wanted = QPointF(viewport.width() * 0.4, viewport.height() * 0.4)
        middle = QPointF(viewport.width() / 2, viewport.height() / 2)
        view.centerOn(items[0].sceneBoundingRect().center() + (middle - wanted) / scale)

    def _on_show_on_diagram_toggled(self, shown: bool) -> None:
        self.document.set_results_on_diagram(shown)

    def _paint_results(self) -> None:
        """Tint the diagram with the document's results, if it shows them, or clear it."""
        scene, view = self.scene, self.view
        self.results_dock.set_on_diagram(self.document.results_on_diagram)
        results = self.document.shown_results
        if results is not None:
            nodes, lanes = decorations(results, self.document.process, scene.theme)
            scene.set_results_decorations(nodes, lanes)
            view.set_legend(legend(scene.theme))
        else:
            scene.set_results_decorations({}, {})
            view.set_legend(None)

    def clear_results(self) -> None:
        """Simulate ▸ Clear results: the document forgets them and the tint goes."""
        self.document.set_results(None)

    def refresh_theme(self, theme: Theme) -> None:
        """The window's look changed: the dock's charts and the diagram tint follow."""
        self.theme = theme
        self.results_dock.set_dark(theme.name == "dark")
        if self.results is not None:
            self._paint_results()

    # --- other views -------------------------------------------------------------------------
    def show_scenarios(self) -> None:
        self.scenarios_dock.show()
        self.scenarios_dock.raise_()

    def sweep_dialog(self) -> None:
        process = self.document.process
        if self.runner.running or self._refuse_if_invalid(process):
            return
        from .sweep_dialog import SweepDialog

        dialog = SweepDialog(process, self.settings or default_settings(process), self.window)
        dialog.exec()

    def replay(self) -> None:
        process = self.document.process
        if self._refuse_if_invalid(process):
            return
        from .replay_panel import open_replay

        open_replay(self.window, self.scene, process)
