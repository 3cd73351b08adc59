"""The open document's use cases, without Qt: what the command line and the app both do
with a process, written once so they cannot drift apart.

A :class:`Session` is the state one open document carries (the process, its path and dirty
state, the last results and the run that made them, the last calibration). The functions
below are the use cases; the app's Qt document wraps a session, the command line calls the
same functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import ImportReport, import_bpmn, load_process, save_process
from ..model import Process, apply_scenario
from ..sim import simulate, simulate_scenarios
from ..sim.results import Results
from .layout import apply_layout, auto_layout, needs_layout


def laid_out(process: Process) -> Process:
    """``process`` with positions for every node: auto-layout when some are missing (a file
    written by hand or by another tool), untouched otherwise."""
    if needs_layout(process):
        apply_layout(process, auto_layout(process))
    return process


def open_process(path: str | os.PathLike[str]) -> Process:
    """A process file, ready to draw. Raises ``ProcessFileError`` (file and field named)."""
    return laid_out(load_process(path))


def import_bpmn_process(path: str | os.PathLike[str]) -> tuple[Process, ImportReport]:
    """A BPMN 2.0 file as a process, ready to draw, with what could not be mapped."""
    process, report = import_bpmn(Path(path))
    return laid_out(process), report


def save(process: Process, path: str | os.PathLike[str]) -> Path:
    """Save atomically; returns the path written."""
    target = Path(path)
    save_process(process, target)
    return target


BASELINE_WORDS = ("baseline", "base")


def runs_for(process: Process, names: Sequence[str] | None, *,
             every_scenario: bool) -> list[str | None]:
    """The runs a list of scenario names asks for (None: the process unchanged).

    "baseline" (unless a scenario has that name) is the process unchanged. A comparison
    (``every_scenario``) with no names runs the baseline and every scenario, and always has
    the baseline first; a single run with no names is the baseline. Several names without
    the baseline get it in front, so deltas read against the process as drawn. Every name is
    checked before anything runs (``ScenarioError`` names the one that is not there).
    """
    own = {s.name for s in process.scenarios}
    if not names:
        return [None, *(s.name for s in process.scenarios)] if every_scenario else [None]
    runs: list[str | None] = []
    for name in names:
        if name.lower() in BASELINE_WORDS and name not in own:
            runs.append(None)
        else:
            apply_scenario(process, name)  # raises ScenarioError for an unknown name
            runs.append(name)
    if None not in runs and (every_scenario or len(runs) > 1):
        runs.insert(0, None)
    return runs


#: the runs, as the app and the command line start them (reach sim through app)
run_one = simulate
run_many = simulate_scenarios


@dataclass
class Session:
    """One open document's state, as the app keeps it and the command line would."""

    process: Process
    path: Path | None = None
    dirty: bool = False
    #: the last finished run's results and the scenario names it ran (None: baseline)
    results: list[Results] = field(default_factory=list)
    #: whether results are painted on the diagram
    results_on_diagram: bool = True
    #: the last calibration (app.crm_calibration.CalibrationRun), if any
    calibration: Any = None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Session:
        target = Path(path).resolve()
        return cls(open_process(target), target)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("the document has no file yet: give a path")
        save(self.process, target)
        self.path, self.dirty = target.resolve(), False
        return target
