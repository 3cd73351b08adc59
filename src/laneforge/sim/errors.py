"""Errors a run raises when the process it was given cannot be simulated to an end."""

from __future__ import annotations


class SimulationError(ValueError):
    """A replication could not go on (a runaway loop, an open item it cannot place).

    ``nodes`` are the ids of the nodes involved, for a message and for the diagram."""

    def __init__(self, message: str, nodes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.nodes = nodes

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...]]]:
        return (SimulationError, (str(self), self.nodes))  # from a pool worker, whole
