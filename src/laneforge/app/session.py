"""The open document's use cases, without Qt: what the command line and the app both do
with a process, written once so they cannot drift apart.

A :class:`Session` is the state one open document carries (the process, its path and dirty
state, the last results and the run that made them, the last calibration). The functions
below are the use cases; the app's Qt document wraps a session, the command line calls the
same functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import ImportReport, import_bpmn, load_process, save_process
from ..model import Process
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
