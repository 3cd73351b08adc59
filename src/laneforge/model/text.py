"""Text is text: what a process file's strings may hold, and cleaning for every writer.

JSON can carry strings that are not text: lone UTF-16 surrogates (``"\\ud800"``) cannot be
written as UTF-8 at all, control characters are illegal in XML (SVG, PPTX, BPMN) and
scramble a terminal, and bidirectional overrides make a name display differently from what
it says. Loading refuses them with a message naming the field (:func:`check_data`);
writers clean whatever reached a process another way (:func:`clean_text`,
:func:`clean_data`), so no name can break an output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import limits

if TYPE_CHECKING:
    from .process import Process

#: one half of a UTF-16 pair on its own: not a character, not encodable as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
#: C0 and C1 controls and DEL, except tab, line feed and carriage return
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: embeddings, overrides and isolates (the "Trojan Source" characters)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: code points XML 1.0 forbids beyond the controls
_NONCHARACTER = re.compile("[\ufffe\uffff]")
_ANY_BAD = re.compile("|".join(p.pattern for p in (_SURROGATE, _CONTROL, _BIDI, _NONCHARACTER)))
#: keys whose numbers are places and sizes on the diagram
GEOMETRY_KEYS = frozenset({"pos", "bends", "height", "width"})
#: keys whose values are names drawn on the diagram and in tables
NAME_KEYS = frozenset({"name", "label", "outcome", "title"})


def text_problem(value: str, limit: limits.Limit = limits.TEXT) -> str | None:
    """Why ``value`` is not acceptable text, or None."""
    if len(value) > limit.value:
        return limits.message_for_length(limit, len(value))
    if match := _SURROGATE.search(value):
        return (f"contains a lone UTF-16 surrogate (U+{ord(match.group()):04X} at position "
                f"{match.start()}), which is not a character; remove it")
    if match := _CONTROL.search(value):
        return (f"contains the control character U+{ord(match.group()):04X} at position "
                f"{match.start()}; remove it")
    if match := _BIDI.search(value):
        return (f"contains the bidirectional control U+{ord(match.group()):04X} at position "
                f"{match.start()}, which makes text display differently from what it says; "
                "remove it")
    if match := _NONCHARACTER.search(value):
        return f"contains the non-character U+{ord(match.group()):04X}; remove it"
    return None


def _walk(data: Any) -> Iterator[tuple[tuple[Any, ...], Any, bool]]:
    """(path, value, is_key) for every value and key of parsed JSON, without recursion."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        yield path, value, False
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                yield (*path, key), key, True
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in reversed(list(enumerate(value))))


def _is_geometry(path: tuple[Any, ...]) -> bool:
    """A place or size on the diagram: lanes[i].height, nodes[i].pos[0], edges[i].bends[j][1]."""
    if len(path) < 3 or path[0] not in ("lanes", "nodes", "edges", "phases"):
        return False
    return (path[2] in GEOMETRY_KEYS and len(path) <= 5)


def check_data(data: Any) -> tuple[tuple[Any, ...], str] | None:
    """The first string, key or nesting of parsed JSON that a process may not hold, as
    ``(path, message)``; None when all is well."""
    for path, value, is_key in _walk(data):
        if len(path) > limits.NESTING.value:
            return path[:3], limits.NESTING.message(
                f"the data is nested more than {int(limits.NESTING.value)} levels deep")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if _is_geometry(path) and limits.COORDINATE.exceeded(abs(value)):
                return path, limits.COORDINATE.message(f"{value:g}")
            continue
        if not isinstance(value, str):
            continue
        if is_key:
            problem = text_problem(value, limits.NAME)
            if problem is not None:
                return path[:-1], f"a key {problem}"
            continue
        named = bool(path) and (path[-1] in NAME_KEYS or (len(path) == 2
                                                         and path[0] == "stages"))
        problem = text_problem(value, limits.NAME if named else limits.TEXT)
        if problem is not None:
            return path, problem
    return None


def clean_text(value: str) -> str:
    """``value`` made writable anywhere: lone surrogates, controls (but tab and line
    breaks), bidirectional overrides and non-characters each become U+FFFD, the
    replacement character, so nothing turns empty and the reader sees where text was."""
    if not isinstance(value, str) or not needs_cleaning(value):
        return value
    return _ANY_BAD.sub("\ufffd", value)


def needs_cleaning(value: str) -> bool:
    """True if ``value`` holds anything :func:`clean_text` replaces."""
    return _ANY_BAD.search(value) is not None


def clean_data(data: Any) -> Any:
    """Parsed JSON (or any dicts, lists and strings) with every string and key cleaned."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_data(v)
                for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [clean_data(v) for v in data]
    return data


def is_clean(data: Any) -> bool:
    """True if no string or key in ``data`` needs cleaning (a fast path for writers)."""
    return not any(isinstance(v, str) and needs_cleaning(v) for _p, v, _k in _walk(data))


def clean_process(process: Process) -> Process:
    """``process`` itself when all its text is clean, else a copy with every string cleaned:
    what the writers (SVG, PPTX, BPMN, reports) draw, so no name can break their output."""
    data = process.to_data()
    if is_clean(data):
        return process
    return type(process).model_validate(clean_data(data))


def clean_model(model: Any) -> Any:
    """A pydantic model (results, say) itself when its text is clean, else a copy with
    every string cleaned; anything else is returned as it is."""
    if model is None or not isinstance(getattr(type(model), "model_fields", None), dict):
        return model
    data = model.model_dump(mode="python", by_alias=True)
    if is_clean(data):
        return model
    return type(model).model_validate(clean_data(data))


def clean_all(process: Process, *results: Any) -> tuple[Any, ...]:
    """``(process, *results)`` cleaned for a writer (see :func:`clean_process`)."""
    return (clean_process(process), *(clean_model(r) for r in results))
