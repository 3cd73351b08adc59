"""The SimPy engine: compile a process once, run replications, collect results. No Qt."""

from ..model.errors import SimulationError
from .capacity import CapacityEstimate, LaneLoad, ReverseFunnel, estimate_capacity, reverse_funnel
from .compiled import Compiled, InvalidProcessError, compile_process
from .engine import run_replication
from .record import OutcomeEvent, ReplicationRecord
from .results import Bottleneck, Results, Stat
from .runner import (
    Cancelled,
    resolve_executor,
    simulate,
    simulate_scenarios,
    simulate_variants,
)

__all__ = [
    "Bottleneck",
    "Cancelled",
    "CapacityEstimate",
    "Compiled",
    "InvalidProcessError",
    "LaneLoad",
    "OutcomeEvent",
    "ReplicationRecord",
    "Results",
    "ReverseFunnel",
    "SimulationError",
    "Stat",
    "compile_process",
    "estimate_capacity",
    "resolve_executor",
    "reverse_funnel",
    "run_replication",
    "simulate",
    "simulate_scenarios",
    "simulate_variants",
]
