"""laneforge: map a lead process as swim lanes and simulate lead volume through it.

The Python API imports no Qt::

    import laneforge
    process = laneforge.load_process("funnel.lane.json")
    problems = laneforge.validate(process)
    results = laneforge.simulate(process, replications=20, jobs=2)
    runs = laneforge.simulate_scenarios(process, [None, "Hire 2 SDRs"], jobs=2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .io import ProcessFileError, load_process, save_process
from .model import Problem, Process, validate

if TYPE_CHECKING:
    from .sim import Results


def simulate(process: Process, **options: Any) -> Results:
    """Run the simulation; see :func:`laneforge.sim.simulate` for the options."""
    from .sim import simulate as _simulate

    return _simulate(process, **options)


def simulate_scenarios(process: Process, scenarios: Sequence[str | None],
                       **options: Any) -> list[Results]:
    """Run several scenarios (None: the baseline) in one pool; see
    :func:`laneforge.sim.simulate_scenarios` for the options."""
    from .sim import simulate_scenarios as _simulate_scenarios

    return _simulate_scenarios(process, scenarios, **options)


__all__ = [
    "Problem",
    "Process",
    "ProcessFileError",
    "__version__",
    "load_process",
    "save_process",
    "simulate",
    "simulate_scenarios",
    "validate",
]
