"""The process model: pydantic classes for format v1, expressions, calendars and validation.

Imports no Qt, no SimPy and no matplotlib; everything else builds on it.
"""

from .attributes import AttributeSpec, Choices
from .calendar import Calendar, Timeline
from .distributions import DurationDist, NumberDist, duration_sampler, mean_hours
from .editing import RemovedNode
from .events import Change, Signal
from .expressions import Expression, ExpressionError, parse_expression
from .nodes import (
    NODE_CLASSES,
    NODE_KINDS,
    BatchArrivals,
    CadenceNode,
    DecisionNode,
    DelayNode,
    EndNode,
    IntervalArrivals,
    Node,
    NodeBase,
    RateArrivals,
    SourceNode,
    TaskNode,
)
from .paths import MISSING, PathError
from .process import (
    FORMAT,
    SLA,
    VERSION,
    Decay,
    Edge,
    Lane,
    Phase,
    Process,
    Scenario,
    SimulationSettings,
)
from .scenarios import ScenarioError, apply_changes, apply_scenario, base_value
from .units import Duration, Rate, describe_hours, format_hours, format_value
from .validation import Problem, errors, validate

__all__ = [
    "FORMAT",
    "MISSING",
    "NODE_CLASSES",
    "NODE_KINDS",
    "SLA",
    "VERSION",
    "AttributeSpec",
    "BatchArrivals",
    "CadenceNode",
    "Calendar",
    "Change",
    "Choices",
    "Decay",
    "DecisionNode",
    "DelayNode",
    "Duration",
    "DurationDist",
    "Edge",
    "EndNode",
    "Expression",
    "ExpressionError",
    "IntervalArrivals",
    "Lane",
    "Node",
    "NodeBase",
    "NumberDist",
    "PathError",
    "Phase",
    "Problem",
    "Process",
    "Rate",
    "RateArrivals",
    "RemovedNode",
    "Scenario",
    "ScenarioError",
    "Signal",
    "SimulationSettings",
    "SourceNode",
    "TaskNode",
    "Timeline",
    "apply_changes",
    "apply_scenario",
    "base_value",
    "describe_hours",
    "duration_sampler",
    "errors",
    "format_hours",
    "format_value",
    "mean_hours",
    "parse_expression",
    "validate",
]
