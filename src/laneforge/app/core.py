"""What the app and the command line use from the floors below app (files, engine), in one
place: gui and cli import these from here, never from ``laneforge.io`` or ``laneforge.sim``
(an import-linter contract holds them to it), so the use-case layer stays the one door.
"""

from __future__ import annotations

from ..atomic import atomic_write_text
from ..io import ProcessFileError, dumps, load_process, save_bpmn, save_process
from ..sim import (
    Cancelled,
    CapacityEstimate,
    InvalidProcessError,
    estimate_capacity,
    reverse_funnel,
)
from ..sim.analysis import RULE
from ..sim.engine import Stopped
from ..sim.results import Results, Stat

__all__ = [
    "RULE",
    "Cancelled",
    "CapacityEstimate",
    "InvalidProcessError",
    "ProcessFileError",
    "Results",
    "Stat",
    "Stopped",
    "atomic_write_text",
    "dumps",
    "estimate_capacity",
    "load_process",
    "reverse_funnel",
    "save_bpmn",
    "save_process",
]
