"""The errors the Python API raises, so a caller needs to catch only these three.

- :class:`ProcessFileError` (``laneforge.io``): a file cannot be read or written.
- :class:`ValidationError`: the process, or the options given with it, cannot be simulated
  (validation errors, a limit passed, an unknown scenario, a warm-up longer than the horizon).
- :class:`SimulationError`: a run failed while running (an expression produced a value out
  of bounds); it names the node and the expression.

All derive from :class:`LaneforgeError`; ``str()`` is always one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class LaneforgeError(Exception):
    """Base of every error laneforge raises on purpose; ``str()`` is one readable line."""


class ValidationError(LaneforgeError, ValueError):
    """The process (or the options given with it) cannot be simulated.

    ``field`` is where the problem is (``simulation.horizon``, ``--warmup``); ``problems``
    holds the validation :class:`~laneforge.model.Problem` list when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None,
                 problems: list[Any] | None = None) -> None:
        self.message = message
        self.field = field
        self.problems = list(problems or [])
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, {"field": self.field,
                                                      "problems": self.problems}))


class SimulationError(LaneforgeError, RuntimeError):
    """A run that failed while running; names the node and the expression when known.

    ``nodes`` are all the nodes involved (a runaway loop names each of its nodes);
    ``node`` is the first of them."""

    def __init__(self, message: str, nodes: tuple[str, ...] = (), *, node: str | None = None,
                 expression: str | None = None) -> None:
        self.message = message
        self.nodes = tuple(nodes) or ((node,) if node is not None else ())
        self.node = node if node is not None else (self.nodes[0] if self.nodes else None)
        self.expression = expression
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, {
            "nodes": self.nodes, "node": self.node, "expression": self.expression}))


def _rebuild(cls: type, message: str, keywords: dict[str, Any]) -> Any:
    """Unpickle an error raised in a worker process with its keyword fields intact."""
    return cls(message, **keywords)


def _expression_sites(process: Any, text: str) -> list[str]:
    """Where ``text`` is used: 'node qualify (set.score)', 'edge a -> b (when)'."""
    sites: list[str] = []
    for node in getattr(process, "nodes", []):
        for name, value in (getattr(node, "set", None) or {}).items():
            if value == text:
                sites.append(f"node {node.id} (set.{name})")
        if getattr(node, "priority", None) == text:
            sites.append(f"node {node.id} (priority)")
    for edge in getattr(process, "edges", []):
        if edge.when == text:
            sites.append(f"edge {edge.source} -> {edge.target} (when)")
    return sites


def as_laneforge_error(exc: BaseException, process: Any = None) -> LaneforgeError | None:
    """The laneforge error that stands for ``exc`` raised by a run or a check of
    ``process``, or None for what must pass unchanged (a cancel, Ctrl+C, SystemExit).

    Validation failures (the engine's InvalidProcessError, a ScenarioError, bad options)
    become :class:`ValidationError`; an expression out of bounds becomes a
    :class:`SimulationError` naming the node; anything else a library raised inside a run
    (a bug, or memory running out) becomes a :class:`SimulationError` saying so.
    """
    if isinstance(exc, LaneforgeError):
        if isinstance(exc, SimulationError) and exc.expression and exc.node is None:
            sites = _expression_sites(process, exc.expression)
            if sites:
                return SimulationError(f"{', '.join(sites)}: {exc.message}",
                                       node=sites[0].split()[1], expression=exc.expression)
        return exc
    if not isinstance(exc, Exception) or type(exc).__name__ in ("Cancelled", "Stopped"):
        return None
    problems = getattr(exc, "problems", None)
    if problems:
        return ValidationError(str(exc), field=getattr(problems[0], "field", None),
                               problems=problems)
    if isinstance(exc, MemoryError):
        return SimulationError("the run ran out of memory; shorten the horizon or lower the "
                               "arrivals")
    if isinstance(exc, RecursionError):
        return SimulationError("the process is nested too deeply to simulate")
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
        return ValidationError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return SimulationError(f"the run failed: {type(exc).__name__}"
                           + (f": {first}" if first else ""))


@contextmanager
def api_errors(process: Any = None) -> Iterator[None]:
    """Turn whatever a run or check of ``process`` raises into one laneforge error."""
    try:
        yield
    except BaseException as exc:
        mapped = as_laneforge_error(exc, process)
        if mapped is None or mapped is exc:
            raise
        raise mapped from exc
