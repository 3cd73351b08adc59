"""Dotted paths into a process's JSON data, such as ``lanes.inside_sales.staff``.

Scenarios and the editor's property edits both address values this way. Lists of objects
with an ``id`` (lanes, nodes, slas) are indexed by id, edges by ``from->to`` (or position),
other lists by position, dicts by key.
"""

from __future__ import annotations

from typing import Any


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: a value that is absent (get) or to be removed (set)
MISSING: Any = _Missing()

BY_ID = {"lanes": "id", "nodes": "id", "slas": "id", "scenarios": "name"}


class PathError(ValueError):
    """A path that does not lead to a value; the message says where it stopped."""


def split_path(path: str) -> list[str]:
    parts = [part.strip() for part in path.split(".")]
    if not path or any(not part for part in parts):
        raise PathError(f"malformed path {path!r}")
    return parts


def _step(current: Any, part: str, collection: str | None, walked: str) -> Any:
    """One step down from ``current``; ``collection`` is the top-level list name, if any."""
    if isinstance(current, list):
        if collection in BY_ID:
            key = BY_ID[collection]
            for item in current:
                if isinstance(item, dict) and item.get(key) == part:
                    return item
            noun = collection.rstrip("s") if collection != "slas" else "SLA"
            raise PathError(f"no {noun} {part!r} at {walked!r}")
        if collection == "edges" and "->" in part:
            source, _, target = (p.strip() for p in part.partition("->"))
            for item in current:
                if isinstance(item, dict) and (item.get("from"), item.get("to")) == (
                    source, target
                ):
                    return item
            raise PathError(f"no edge {source!r} -> {target!r} at {walked!r}")
        if part.isdigit() and int(part) < len(current):
            return current[int(part)]
        raise PathError(f"no item {part!r} in the list at {walked!r}")
    if isinstance(current, dict):
        if part in current:
            return current[part]
        raise PathError(f"no field {part!r} at {walked or 'the process'!r}")
    raise PathError(f"{walked!r} holds a single value; cannot go into {part!r}")


def walk(data: dict[str, Any], parts: list[str]) -> Any:
    """The value at ``parts`` (all of them) in ``data``; raises PathError."""
    current: Any = data
    walked = ""
    collection = None
    for depth, part in enumerate(parts):
        current = _step(current, part, collection if depth == 1 else None, walked)
        if depth == 0:
            collection = part
        walked = f"{walked}.{part}" if walked else part
    return current


def get_value(data: dict[str, Any], path: str) -> Any:
    return walk(data, split_path(path))


def set_value(
    data: dict[str, Any], path: str, value: Any, *, new_keys: frozenset[str] | None = None
) -> Any:
    """Set (or with MISSING, remove) the value at ``path``; return the old value or MISSING.

    A key that does not exist yet may be added only if it is in ``new_keys`` (the known
    field names), so a typo in a scenario is an error rather than a silent no-op.
    """
    parts = split_path(path)
    parent = walk(data, parts[:-1]) if len(parts) > 1 else data
    last = parts[-1]
    parent_path = ".".join(parts[:-1])
    if isinstance(parent, list):
        container = walk(data, parts[:-1])
        if not last.isdigit() or int(last) >= len(container):
            raise PathError(f"no item {last!r} in the list at {parent_path!r}")
        index = int(last)
        old = container[index]
        if value is MISSING:
            del container[index]
        else:
            container[index] = value
        return old
    if not isinstance(parent, dict):
        raise PathError(f"{parent_path!r} holds a single value; cannot set {last!r} in it")
    old = parent.get(last, MISSING)
    if old is MISSING and value is not MISSING and new_keys is not None and last not in new_keys:
        raise PathError(f"no field {last!r} at {parent_path or 'the process'!r}")
    if value is MISSING:
        parent.pop(last, None)
    else:
        parent[last] = value
    return old
