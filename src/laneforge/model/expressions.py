"""Safe expressions over lead attributes, for edge conditions (`when`) and task updates (`set`).

An expression is parsed with ``ast`` and every node is checked against a whitelist:
comparisons, ``and``/``or``/``not``, ``in``, ``+ - * / %``, ``x if c else y``, names of
declared attributes (or ``age``, hours since the lead was created), and literal numbers,
strings, booleans and lists of them. Calls, attribute access, subscripts, lambdas,
comprehensions, ``:=``, f-strings, ``**`` and names starting with ``_`` are refused before
anything runs. A checked expression is compiled once into a plain function of the lead's
attribute dict; only nodes from the whitelist and names we generate reach the compiler.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from . import limits
from .errors import SimulationError

MAX_LENGTH = 1000
MAX_COLLECTION = 200
#: deeper trees are refused: compiling them could hit Python's recursion limit at run time
MAX_DEPTH = 100
#: attributes the engine keeps for every lead of a process with touches (see
#: :mod:`.touches`): touches so far, hours since the last one (since creation before any),
#: engagement faded to now, the channels of the first and the last touch ("" before any),
#: and whether the lead has answered a touch
TOUCH_NAMES: dict[str, str] = {
    "touches": "number", "since_last_touch": "number", "engagement": "number",
    "first_channel": "string", "last_channel": "string", "responded": "bool",
}
#: built-in names a ``set`` may not assign: the engine computes them from the clock
COMPUTED_NAMES = frozenset({"age", "since_last_touch"})
#: attributes the engine provides for every lead; a declared attribute of the same name wins
#: (a process with ``data_quality`` also has ``stale``: see ``Process.attribute_types``)
BUILTIN_NAMES: dict[str, str] = {"age": "number", **TOUCH_NAMES}

NUMBER, STRING, BOOL, ANY = "number", "string", "bool", "any"

_BOOL_OPS = (ast.And, ast.Or)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)

_REFUSED: dict[type, str] = {
    ast.Call: "function calls are not allowed",
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Slice: "slices are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


class ExpressionError(ValueError):
    """An expression that is not allowed or does not make sense; the message says why."""


class ExpressionRunError(SimulationError):
    """An expression produced a value out of bounds while a run was going (a number that
    keeps growing, text that keeps doubling); ``expression`` is its text. The run stops
    at once, before the value can grow further."""


#: numbers and texts an expression may produce; beyond them the run stops with an error
MAX_NUMBER = limits.NUMBER.value
MAX_STRING = int(limits.STRING_VALUE.value)


def bounded(value: Any, text: str) -> Any:
    """``value`` if it is within bounds, else raise :class:`ExpressionRunError`.

    Every value an expression produces passes here, so an attribute can never hold a
    number beyond ``MAX_NUMBER`` (or NaN, infinity) or text beyond ``MAX_STRING``
    characters; and since every operand is such a value or a bounded literal, nothing an
    expression computes on the way can grow without bound either."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is int or kind is float:
        if -MAX_NUMBER <= value <= MAX_NUMBER:  # NaN fails both comparisons
            return value
        shown = "not a number" if value != value else (
            f"{value:.3g}" if kind is float or value.bit_length() < 1000 else "a huge number")
        raise ExpressionRunError(
            f"{text!r} gave {shown}, beyond the limit of {MAX_NUMBER:g} "
            f"({limits.NUMBER.why}); {limits.NUMBER.change}", expression=text)
    if kind is str:
        if len(value) <= MAX_STRING:
            return value
        raise ExpressionRunError(
            f"{text!r} gave a text of {len(value):,} characters, beyond the limit of "
            f"{MAX_STRING:,} ({limits.STRING_VALUE.why}); {limits.STRING_VALUE.change}",
            expression=text)
    if value is None or isinstance(value, int | float | str):  # subclasses, None from age
        return value
    raise ExpressionRunError(f"{text!r} gave {kind.__name__}, not a number, text or "
                             "true/false", expression=text)


class ValueSpec(NamedTuple):
    """What an attribute is declared to hold, for checking ``set`` results: its type
    (NUMBER, STRING or BOOL), for numbers the range ``[low, high]`` (None: open), and for
    categories the declared ``choices`` (None: any text)."""

    type: str
    low: float | None = None
    high: float | None = None
    choices: frozenset[str] | None = None


def _short(value: Any) -> str:
    """``repr(value)`` cut to 40 characters, for messages about produced values."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:40] + "..."


def setter(text: str, spec: ValueSpec, *, node: str | None = None, target: str = ""
           ) -> Callable[[Mapping[str, Any]], Any]:
    """``f(attributes)``: the value of ``text``, checked against ``spec`` where it is made.

    A number is clipped to ``[spec.low, spec.high]`` (not an error: attribute
    distributions are clipped to their ``min``/``max`` the same way); a category outside
    ``spec.choices``, or a value of another type than declared, stops the run with an
    :class:`ExpressionRunError` naming ``node`` (as ``node X (set.target)``) and the text.
    Every error from the expression itself is named the same way."""
    raw = parse_expression(text).function
    where = f"node {node} (set.{target}): " if node is not None else ""

    def fail(message: str) -> ExpressionRunError:
        return ExpressionRunError(where + message, node=node, expression=text)

    def renamed(exc: ExpressionRunError) -> ExpressionRunError:
        return exc if node is None else fail(exc.message)

    if spec.type == NUMBER:
        low = -math.inf if spec.low is None else spec.low
        high = math.inf if spec.high is None else spec.high
        clip = spec.low is not None or spec.high is not None

        def number(attributes: Mapping[str, Any]) -> Any:
            try:
                value = raw(attributes)
            except ExpressionRunError as exc:
                raise renamed(exc) from None
            kind = type(value)
            if kind is not float and kind is not int and (
                    kind is bool or not isinstance(value, int | float)):
                raise fail(f"{text!r} gave {_short(value)}, but {target or 'the attribute'} "
                           "is declared a number")
            if clip:
                return low if value < low else high if value > high else value
            return value

        return number
    if spec.type == STRING:
        choices = spec.choices

        def string(attributes: Mapping[str, Any]) -> Any:
            try:
                value = raw(attributes)
            except ExpressionRunError as exc:
                raise renamed(exc) from None
            if type(value) is not str and not isinstance(value, str):
                raise fail(f"{text!r} gave {_short(value)}, but {target or 'the attribute'} "
                           "is declared text")
            if choices is not None and value not in choices:
                raise fail(f"{text!r} gave {_short(value)}, which is not one of the declared "
                           f"choices ({', '.join(sorted(choices))}); add it under the "
                           "attribute's choices (a weight of 0 is allowed)")
            return value

        return string

    def boolean(attributes: Mapping[str, Any]) -> Any:
        try:
            value = raw(attributes)
        except ExpressionRunError as exc:
            raise renamed(exc) from None
        if type(value) is not bool:
            raise fail(f"{text!r} gave {_short(value)}, but {target or 'the attribute'} is "
                       "declared true/false")
        return value

    return boolean


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return "'**' is not allowed"
    if isinstance(node, ast.BinOp | ast.AugAssign):
        return f"operator {type(node.op).__name__} is not allowed"
    return f"{type(node).__name__} is not allowed"


def _check(node: ast.AST) -> None:
    """Raise ExpressionError unless every node of the tree is on the whitelist."""
    if type(node) in _REFUSED:
        raise ExpressionError(_REFUSED[type(node)])
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.BoolOp):
        if not isinstance(node.op, _BOOL_OPS):
            raise ExpressionError(_describe(node))
        for value in node.values:
            _check(value)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, _UNARY_OPS):
            raise ExpressionError("operator '~' is not allowed")
        _check(node.operand)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BIN_OPS):
            raise ExpressionError(_describe(node))
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if not isinstance(op, _CMP_OPS):
                raise ExpressionError("'is' comparisons are not allowed; use == or !=")
        _check(node.left)
        for comparator in node.comparators:
            _check(comparator)
    elif isinstance(node, ast.IfExp):
        _check(node.test)
        _check(node.body)
        _check(node.orelse)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed: {node.id!r}")
        if not isinstance(node.ctx, ast.Load):
            raise ExpressionError("assignment is not allowed")
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return
        if isinstance(node.value, int | float):
            if not (isinstance(node.value, int) or math.isfinite(node.value)) or (
                abs(node.value) > MAX_NUMBER
            ):
                raise ExpressionError(f"the number {node.value:.3g} is beyond the limit of "
                                      f"{MAX_NUMBER:g}")
            return
        if isinstance(node.value, str):
            if len(node.value) > MAX_LENGTH:
                raise ExpressionError("string literal is too long")
            return
        raise ExpressionError(f"literal {node.value!r} is not allowed")
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        if len(node.elts) > MAX_COLLECTION:
            raise ExpressionError(f"lists may hold at most {MAX_COLLECTION} values")
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ExpressionError("lists may only hold literal numbers and strings")
            _check(element)
    else:
        raise ExpressionError(_describe(node))


def _div(a: float, b: float) -> float:
    """Division that gives 0 instead of failing when dividing by zero."""
    return a / b if b else 0.0


def _mod(a: float, b: float) -> float:
    """Remainder that gives 0 instead of failing for a zero divisor, like ``_div``."""
    return a % b if b else 0.0


def _too_deep(tree: ast.AST) -> bool:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


class _Compiler(ast.NodeTransformer):
    """Rewrite a checked tree: names read the lead's dict, '/' and '%' cannot divide by zero."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(
            ast.Subscript(
                value=ast.Name(id="_a", ctx=ast.Load()),
                slice=ast.Constant(value=node.id),
                ctx=ast.Load(),
            ),
            node,
        )

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = {ast.Div: "_div", ast.Mod: "_mod"}.get(type(node.op))
        if helper is not None:
            return ast.copy_location(
                ast.Call(
                    func=ast.Name(id=helper, ctx=ast.Load()),
                    args=[node.left, node.right],
                    keywords=[],
                ),
                node,
            )
        return node


class Expression:
    """A checked expression: its text, the names it reads, and a compiled evaluator."""

    __slots__ = ("_function", "names", "text", "tree")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise ExpressionError(f"expected an expression as text, got {text!r}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
        if not text.strip():
            raise ExpressionError("expression is empty")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"syntax error in {text!r}: {exc.msg}") from None
        except (RecursionError, MemoryError, ValueError):
            raise ExpressionError(f"cannot read {text!r}") from None
        if _too_deep(tree):
            raise ExpressionError("expression is nested too deeply")
        try:
            _check(tree)
        except RecursionError:
            raise ExpressionError("expression is nested too deeply") from None
        self.text = text
        self.tree = tree
        self.names = frozenset(
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
        )
        self._function: Callable[[Mapping[str, Any]], Any] | None = None

    def infer_type(self, types: Mapping[str, str]) -> str:
        """The result type, checking operands; unknown names and type clashes raise."""
        return _infer(self.tree.body, {**BUILTIN_NAMES, **types})

    @property
    def function(self) -> Callable[[Mapping[str, Any]], Any]:
        """``f(attributes) -> value``; compiled on first use, then reused."""
        if self._function is None:
            body = _Compiler().visit(ast.parse(self.text.strip(), mode="eval").body)
            wrapper = ast.Expression(
                body=ast.Lambda(
                    args=ast.arguments(
                        posonlyargs=[],
                        args=[ast.arg(arg="_a")],
                        kwonlyargs=[],
                        kw_defaults=[],
                        defaults=[],
                    ),
                    body=body,
                )
            )
            ast.fix_missing_locations(wrapper)
            code = compile(wrapper, f"<expression {self.text!r}>", "eval")
            raw = eval(code, {"__builtins__": {}, "_div": _div, "_mod": _mod})
            self._function = _guarded(raw, self.text)
        return self._function

    def evaluate(self, attributes: Mapping[str, Any]) -> Any:
        return self.function(attributes)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def _guarded(raw: Callable[[Mapping[str, Any]], Any], text: str
             ) -> Callable[[Mapping[str, Any]], Any]:
    """``raw`` with its result checked by :func:`bounded`, and arithmetic failures (an
    operand of the wrong type in an unchecked process) turned into a run error."""

    def evaluate(attributes: Mapping[str, Any]) -> Any:
        try:
            value = raw(attributes)
        except (TypeError, ArithmeticError, MemoryError) as exc:
            raise ExpressionRunError(f"{text!r} cannot be computed: {exc}",
                                     expression=text) from None
        kind = type(value)
        if kind is bool or ((kind is float or kind is int) and -MAX_NUMBER <= value <= MAX_NUMBER):
            return value  # the common case without a second call
        return bounded(value, text)

    evaluate.__wrapped__ = raw  # type: ignore[attr-defined]  # the compiled code itself
    return evaluate


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> Expression:
    """Parse and check once per distinct text."""
    return Expression(text)


def check_expression_text(text: str) -> str:
    """Pydantic-friendly check: return the text if it is a safe expression."""
    parse_expression(text)
    return text


def _constant_type(value: Any) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUMBER
    return STRING


def _infer(node: ast.AST, types: Mapping[str, str]) -> str:
    if isinstance(node, ast.Constant):
        return _constant_type(node.value)
    if isinstance(node, ast.Name):
        if node.id not in types:
            known = ", ".join(sorted(n for n in types if n not in TOUCH_NAMES)) or "none"
            raise ExpressionError(
                f"unknown name {node.id!r}; declare it under attributes (known: {known}); "
                "built in for touches: " + ", ".join(TOUCH_NAMES)
            )
        return types[node.id]
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _infer(value, types)
        return BOOL
    if isinstance(node, ast.UnaryOp):
        operand = _infer(node.operand, types)
        if isinstance(node.op, ast.Not):
            return BOOL
        _expect(operand, NUMBER, "a sign")
        return NUMBER
    if isinstance(node, ast.BinOp):
        left, right = _infer(node.left, types), _infer(node.right, types)
        if isinstance(node.op, ast.Add) and STRING in (left, right):
            _expect(left, STRING, "'+' on text")
            _expect(right, STRING, "'+' on text")
            return STRING
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
        what = f"'{symbol[type(node.op)]}'"
        _expect(left, NUMBER, what)
        _expect(right, NUMBER, what)
        return NUMBER
    if isinstance(node, ast.Compare):
        left = _infer(node.left, types)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if isinstance(comparator, ast.List | ast.Tuple | ast.Set):
                    for element in comparator.elts:
                        _expect(left, _infer(element, types), "'in'")
                else:
                    _expect(_infer(comparator, types), STRING, "'in' on text")
                    _expect(left, STRING, "'in' on text")
                left = BOOL
                continue
            right = _infer(comparator, types)
            if isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE):
                if ANY not in (left, right) and left != right:
                    raise ExpressionError(f"cannot order a {left} against a {right}")
                if BOOL in (left, right):
                    raise ExpressionError("cannot order true/false values")
            left = right
        return BOOL
    if isinstance(node, ast.IfExp):
        _infer(node.test, types)
        body, orelse = _infer(node.body, types), _infer(node.orelse, types)
        if ANY not in (body, orelse) and body != orelse:
            # a mixed result would slip past every later check ("x" * 10**9)
            raise ExpressionError(
                f"both branches of 'if ... else' must give the same type, not a {body} "
                f"and a {orelse}"
            )
        return body if body == orelse else ANY
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        raise ExpressionError("a list can only appear on the right of 'in'")
    raise ExpressionError(_describe(node))


def _expect(actual: str, wanted: str, what: str) -> None:
    if actual not in (wanted, ANY) and wanted != ANY:
        article = "an" if actual[0] in "aeiou" else "a"
        raise ExpressionError(f"{what} needs a {wanted}, not {article} {actual}")
