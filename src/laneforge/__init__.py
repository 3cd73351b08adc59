"""laneforge: map a lead process as swim lanes and simulate lead volume through it.

The Python API imports no Qt::

    import laneforge
    process = laneforge.load_process("funnel.lane.json")
    problems = laneforge.validate(process)
    results = laneforge.simulate(process, replications=20, jobs=2)
    runs = laneforge.simulate_scenarios(process, [None, "Hire 2 SDRs"], jobs=2)

Errors: every function raises only :class:`ProcessFileError` (a file cannot be read or
written), :class:`ValidationError` (the process or the options cannot be simulated: its
``problems`` list says why) or :class:`SimulationError` (a run failed, naming the node and
expression); all derive from :class:`LaneforgeError` and read as one line. A cancelled run
raises ``laneforge.sim.Cancelled``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .io import ProcessFileError, load_process, save_process
    from .model import Problem, Process, validate
    from .model.errors import LaneforgeError, SimulationError, ValidationError
    from .sim import Results

#: the public names and where they live: imported on first use, so ``import laneforge``
#: (and ``python -m laneforge``, before it can catch a Ctrl+C) costs nothing
_LAZY = {
    "ProcessFileError": "io", "load_process": "io", "save_process": "io",
    "Problem": "model", "Process": "model", "validate": "model",
    "LaneforgeError": "model.errors", "SimulationError": "model.errors",
    "ValidationError": "model.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'laneforge' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def simulate(process: Process, **options: Any) -> Results:
    """Run the simulation; see :func:`laneforge.sim.simulate` for the options."""
    from .model.errors import api_errors
    from .model.limits import check_run
    from .sim import simulate as _simulate

    with api_errors(process):
        check_run(process, scenario=options.get("scenario"), horizon=options.get("horizon"),
                  warmup=options.get("warmup"), replications=options.get("replications"))
        return _simulate(process, **options)


def simulate_scenarios(process: Process, scenarios: Sequence[str | None],
                       **options: Any) -> list[Results]:
    """Run several scenarios (None: the baseline) in one pool; see
    :func:`laneforge.sim.simulate_scenarios` for the options."""
    from .model.errors import api_errors
    from .model.limits import check_run
    from .sim import simulate_scenarios as _simulate_scenarios

    with api_errors(process):
        for scenario in dict.fromkeys(scenarios):
            check_run(process, scenario=scenario, horizon=options.get("horizon"),
                      warmup=options.get("warmup"), replications=options.get("replications"))
        return _simulate_scenarios(process, scenarios, **options)


__all__ = [
    "LaneforgeError",
    "Problem",
    "Process",
    "ProcessFileError",
    "SimulationError",
    "ValidationError",
    "__version__",
    "load_process",
    "save_process",
    "simulate",
    "simulate_scenarios",
    "validate",
]
