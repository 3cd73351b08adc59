"""Read and write ``.lane.json`` process files: parse, migrate, validate, and save atomically.

Loading is parse -> check the format header -> migrate older versions -> build the pydantic
model. Every failure becomes one :class:`ProcessFileError` naming the file and the JSON path
of the field (``nodes[3].duration``). Saving writes a temporary file in the same folder,
fsyncs it and renames it over the target, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..atomic import atomic_write_text
from ..model import limits
from ..model.errors import LaneforgeError
from ..model.process import FORMAT, VERSION, Process
from ..model.text import check_data, clean_data, is_clean

#: larger files are refused before parsing (a 300-node process is about 150 kB)
MAX_FILE_BYTES = int(limits.FILE_BYTES.value)

#: MIGRATIONS[n] turns the data of version n into version n + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class ProcessFileError(LaneforgeError):
    """A process file that cannot be read; ``str()`` is one line: file, field, message."""

    def __init__(self, path: str | os.PathLike[str] | None, field: str | None, message: str):
        self.path = None if path is None else str(path)
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.path, self.field) if p]
        return ": ".join([*parts, self.message])


def format_location(loc: tuple[Any, ...]) -> str:
    """('nodes', 3, '<task>', 'duration') -> 'nodes[3].duration' (union tags dropped)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _is_union_tag(str(part)):
            continue
        elif part == "[key]":  # pydantic's mark for an error in a dict's key
            text += " (the name)"
        elif not str(part).isprintable() or not str(part).strip():
            text += f"[{json.dumps(str(part))}]"  # a key with a line break stays on one line
        else:
            text += f".{part}" if text else str(part)
    return text


def _is_union_tag(part: str) -> bool:
    return (part.startswith("<") and part.endswith(">")) or part.startswith(
        ("function-", "tagged-union")
    )


_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object {...}",
    "model_type": "an object {...}",
    "model_attributes_type": "an object {...}",
    "list_type": "a list [...]",
    "tuple_type": "a list [...]",
    "datetime_type": "a date and time such as '2026-01-05T09:00'",
    "datetime_parsing": "a date and time such as '2026-01-05T09:00'",
    "datetime_from_date_parsing": "a date and time such as '2026-01-05T09:00'",
    "date_parsing": "a date such as '2026-12-25'",
    "date_from_datetime_parsing": "a date such as '2026-12-25'",
}


def _message(error: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error.get("loc", ()))
    context = error.get("ctx") or {}
    cause = context.get("error")
    if cause is not None and hasattr(cause, "loc"):  # a model-level error that knows its field
        return tuple(cause.loc), str(cause.message)
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    kind = error.get("type")
    wanted = _EXPECTED.get(str(kind))
    if wanted is not None:
        message = f"expected {wanted}, got {error.get('input')!r}"
    elif kind == "missing":
        message = "this field is required"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "invalid_kind":  # the union of node kinds reports at the node; say which field
        loc = (*loc, "kind")
    elif kind in ("literal_error",) and loc and loc[-1] == "format":
        message = f"not a laneforge process file (format must be {FORMAT!r})"
    return loc, message


def _from_validation_error(path: Any, exc: ValidationError) -> ProcessFileError:
    errors = exc.errors(include_url=False)
    loc, message = _message(errors[0])
    extra = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ProcessFileError(path, format_location(loc) or None, message + extra)


def migrate(data: dict[str, Any], path: Any = None) -> dict[str, Any]:
    """Bring ``data`` up to the current version, refusing versions newer than this program."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProcessFileError(path, "version", f"expected a whole number, got {version!r}")
    if version > VERSION:
        raise ProcessFileError(
            path, "version",
            f"the file is format version {version}, newer than this laneforge reads "
            f"(up to {VERSION}); please update laneforge",
        )
    if version < 1:
        raise ProcessFileError(path, "version", f"unknown format version {version}")
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProcessFileError(path, "version", f"no migration from version {version}")
        data = step(dict(data))
        version += 1
        data["version"] = version
    return data


def process_from_data(data: Any, path: Any = None) -> Process:
    """Build a process from parsed JSON, with file-and-field errors."""
    if not isinstance(data, dict):
        raise ProcessFileError(path, None, "expected a JSON object at the top of the file")
    if data.get("format") != FORMAT:
        found = data.get("format")
        detail = "it has no 'format' field" if found is None else f"its format is {found!r}"
        raise ProcessFileError(
            path, "format", f"not a laneforge process file ({detail}; expected {FORMAT!r})"
        )
    if "version" not in data:
        raise ProcessFileError(path, "version", "this field is required")
    found = check_data(data)
    if found is not None:
        loc, message = found
        raise ProcessFileError(path, format_location(loc) or None, message)
    data = migrate(data, path)
    try:
        return Process.model_validate(data)
    except ValidationError as exc:
        raise _from_validation_error(path, exc) from None
    except RecursionError:
        raise ProcessFileError(path, None, "the file is nested too deeply") from None
    except (ValueError, TypeError, ArithmeticError, OverflowError) as exc:
        # a validator that met a value no check foresaw: still one message, never a traceback
        raise ProcessFileError(path, None, f"cannot read the process: {exc}") from None


def loads(text: str | bytes, path: Any = None) -> Process:
    """Parse a process from the text of a file."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ProcessFileError(path, None, _too_large(len(text)))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProcessFileError(
                path, None, f"not UTF-8 text (invalid byte at position {exc.start})"
            ) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ProcessFileError(
            path, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    except ValueError as exc:  # NaN / Infinity, or numbers too long to convert
        raise ProcessFileError(path, None, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ProcessFileError(path, None, "invalid JSON: nested too deeply") from None
    return process_from_data(data, path)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _too_large(size: int) -> str:
    return (
        f"the file is {size / 1e6:.1f} MB; process files are limited to "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB"
    )


def load_process(path: str | os.PathLike[str]) -> Process:
    """Read a ``.lane.json`` file; raises :class:`ProcessFileError` for any bad input."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if file.is_dir():
            raise ProcessFileError(path, None, "is a folder, not a process file")
        if size > MAX_FILE_BYTES:
            raise ProcessFileError(path, None, _too_large(size))
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ProcessFileError(path, None, "no such file") from None
    except PermissionError:
        raise ProcessFileError(path, None, "permission denied") from None
    except IsADirectoryError:
        raise ProcessFileError(path, None, "is a folder, not a process file") from None
    except OSError as exc:
        raise ProcessFileError(path, None, exc.strerror or str(exc)) from None
    return loads(raw, path)


# --- writing ---------------------------------------------------------------------------------


def _is_inline(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, str | int | float | bool) or v is None for v in value
    ) and len(json.dumps(value, ensure_ascii=False)) <= 72


def _write(value: Any, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{\n")
        items = list(value.items())
        for i, (key, item) in enumerate(items):
            out.append(f"{pad}  {json.dumps(key, ensure_ascii=False)}: ")
            _write(item, indent + 1, out)
            out.append(",\n" if i < len(items) - 1 else "\n")
        out.append(pad + "}")
    elif isinstance(value, list):
        if _is_inline(value):
            out.append(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
            return
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(pad + "  ")
            _write(item, indent + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(pad + "]")
    else:
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))


def format_json(data: Any) -> str:
    """JSON with 2-space indent; short lists of plain values (positions) stay on one line."""
    out: list[str] = []
    _write(data, 0, out)
    out.append("\n")
    return "".join(out)


def dumps(process: Process) -> str:
    """The text of the process file: stable key order, 2-space indent, trailing newline.

    Text that cannot be written as UTF-8 (a lone surrogate set through the API) is
    replaced by U+FFFD, so a save never fails half-way on a name."""
    data = process.to_data()
    return format_json(data if is_clean(data) else clean_data(data))


def save_process(process: Process, path: str | os.PathLike[str]) -> None:
    """Save atomically; raises :class:`ProcessFileError` if the file cannot be written."""
    text = dumps(process)
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ProcessFileError(path, None, f"cannot save: {exc.strerror or exc}") from None
