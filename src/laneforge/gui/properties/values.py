"""Text forms of attribute values and expressions, as typed in the dock ("smb: 0.6, mid: 0.4")."""

from __future__ import annotations

import json
from typing import Any

from ...model import ExpressionError, parse_expression
from .base import format_number, parse_number

KINDS = (
    ("number", "Number distribution"),
    ("choices", "Choices"),
    ("constant", "Constant"),
)

TYPE_NAMES = {"number": "number", "string": "text", "bool": "true/false", "any": "any"}


def spec_kind(spec: Any) -> str:
    """Which of KINDS an attribute specification (file JSON) is."""
    if isinstance(spec, dict):
        return "choices" if "choices" in spec else "number"
    if isinstance(spec, bool | str):
        return "constant"
    return "number"


def _scalar(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text.strip("'\"")


def parse_pairs(text: str) -> dict[str, Any]:
    """ "smb: 0.6, mid: 0.3" (or key=value) -> {"smb": 0.6, "mid": 0.3}."""
    result: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        for separator in (":", "="):
            key, found, value = part.partition(separator)
            if found:
                break
        else:
            raise ValueError(f"write 'name: value' pairs separated by commas, not {part.strip()!r}")
        key = key.strip().strip("'\"")
        if not key:
            raise ValueError(f"a name is missing before {separator!r} in {part.strip()!r}")
        result[key] = _scalar(value)
    return result


def format_spec(spec: Any) -> str:
    """An attribute specification as editable text."""
    if isinstance(spec, bool):
        return "true" if spec else "false"
    if isinstance(spec, int | float):
        return format_number(spec)
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        if "choices" in spec and isinstance(spec["choices"], dict):
            spec = spec["choices"]
        return ", ".join(f"{k}: {_format_scalar(v)}" for k, v in spec.items())
    return json.dumps(spec)


def _format_scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return json.dumps(value)


def parse_spec(text: str, kind: str | None = None) -> Any:
    """Typed text -> an attribute specification; ``kind`` None guesses from the text."""
    text = text.strip()
    if kind in (None, "number"):
        try:
            return parse_number(text)
        except ValueError:
            pass
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"cannot read this as JSON: {exc.msg}") from None
        if kind == "choices" and isinstance(value, dict) and "choices" not in value:
            value = {"choices": value}
        return value
    if kind == "constant" or (kind is None and ":" not in text and "=" not in text):
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        if not text and kind == "constant":
            return ""
        if not text:
            raise ValueError("enter a value")
        return text.strip("'\"")
    pairs = parse_pairs(text)
    if not pairs:
        raise ValueError("enter a value")
    if kind == "choices" or (kind is None and "dist" not in pairs):
        return {"choices": pairs}
    if "dist" not in pairs:
        raise ValueError("write a number, or a distribution such as "
                         "'dist: normal, mean: 50, sd: 15'")
    return pairs


def default_spec(kind: str) -> Any:
    return {"number": 0, "choices": {"choices": {"yes": 0.5, "no": 0.5}},
            "constant": "none"}[kind]


def check_expression(text: str, types: dict[str, str], wanted: str | None = None) -> str | None:
    """Why an expression is refused (not safe, unknown name, wrong type), or None."""
    try:
        found = parse_expression(text.strip()).infer_type(types)
    except ExpressionError as exc:
        return str(exc)
    if wanted is not None and found not in (wanted, "any"):
        return (f"this gives {_article(TYPE_NAMES.get(found, found))}, but "
                f"{_article(TYPE_NAMES.get(wanted, wanted))} is needed")
    return None


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


#: what a process with touches adds to the names a lead has
TOUCHES_HINT = (" With touches: touches, since_last_touch (hours), engagement (faded to now), "
                "first_channel, last_channel, responded.")


def names_hint(types: dict[str, str], touches: bool = False) -> str:
    """The names an expression may read; ``touches``: the process has touches, so the
    built-in touch names are there too (those it does not declare itself)."""
    extra = TOUCHES_HINT if touches else ""
    if not types:
        return ("No lead attributes are declared yet (see the process's Attributes tab)."
                + extra)
    names = ", ".join(f"{name} ({TYPE_NAMES.get(kind, kind)})" for name, kind in types.items())
    return f"Attributes: {names}, age (hours since the lead was created).{extra}"
