"""A tiny Qt-free signal, so views can follow model changes without the model knowing Qt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    """What changed: ``kind`` is one of the KINDS below, ``key`` names the object."""

    kind: str
    key: Any = None
    detail: Any = None

    KINDS = (
        "node_added", "node_removed", "node_changed", "node_renamed",
        "edge_added", "edge_removed", "edge_changed",
        "lane_added", "lane_removed", "lane_changed", "lane_renamed", "lanes_reordered",
        "sla_added", "sla_removed", "sla_changed",
        "scenario_added", "scenario_removed", "scenario_changed",
        "process_changed",
    )


class Signal:
    """Call every connected callback with the emitted arguments, in connection order."""

    __slots__ = ("_blocked", "_callbacks")

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        self._blocked = False

    def connect(self, callback: Callable[..., Any]) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args)

    def __len__(self) -> int:
        return len(self._callbacks)
