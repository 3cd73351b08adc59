"""Whole arrays of leads at once, for the capacity estimate's walk.

Three pieces: attribute and duration draws as numpy arrays (``drawer``), lead expressions
evaluated on columns of attributes (``vector_function``, the same whitelist as
:mod:`laneforge.model.expressions`, with Python's semantics element by element), and a
calendar's working time as a table of intervals answering "working hours since the origin"
and "when is a job of N working hours done" for arrays of times (``work_table``: day tables
when every working day is the same, else the calendar's interval lists).
"""

from __future__ import annotations

import ast
import datetime as dt
import random
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from ..model import Duration
from ..model.attributes import Choices, attribute_sampler
from ..model.calendar import Calendar, Timeline
from ..model.distributions import lognormal_params
from ..model.expressions import parse_expression

Columns = Mapping[str, np.ndarray]
Drawer = Callable[[int], np.ndarray]

#: text values (categories) travel as integer codes: comparing and copying integers is
#: ten to a hundred times faster than strings; the codes are only ever compared for
#: equality, so their order does not matter
_LABELS: list[str] = []
_CODES: dict[str, int] = {}


def code(label: str) -> int:
    """The integer standing for ``label`` in the columns."""
    found = _CODES.get(label)
    if found is None:
        found = _CODES[label] = len(_LABELS)
        _LABELS.append(label)
    return found


def decode(codes: np.ndarray) -> np.ndarray:
    """Codes back to their text, as an object array."""
    return np.array(_LABELS, dtype=object)[np.asarray(codes, dtype=np.int64)]


# --- draws -------------------------------------------------------------------------------

def _bounded(values: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    if lo is None and hi is None:
        return values
    return np.clip(values, -np.inf if lo is None else lo, np.inf if hi is None else hi)


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def stratified(gen: np.random.Generator, n: int) -> np.ndarray:
    """n uniforms, one in each of n equal slices of [0, 1), in random order: a sample's
    shares come out close to the probabilities with far fewer draws than independent
    uniforms need."""
    return (gen.permutation(n) + gen.random(n)) / n


def _antithetic(gen: np.random.Generator, n: int) -> np.ndarray:
    """n standard normals in pairs z, -z (an odd n gets one more independent draw)."""
    half = gen.standard_normal((n + 1) // 2)
    return np.concatenate((half, -half))[gen.permutation(n)] if n > 1 else half[:n]


def drawer(spec: Any, gen: np.random.Generator, rng: random.Random) -> Drawer:
    """``draw(n)`` -> n values of an attribute or duration specification.

    The bundled families are drawn by numpy from ``gen`` (stratified or antithetic, for a
    small sample that still matches the distribution); anything else falls back to the
    model's own sampler on ``rng``, one value at a time."""
    if spec is None:
        return lambda n: np.zeros(n)
    if isinstance(spec, Duration):
        hours = spec.hours
        return lambda n: np.full(n, hours)
    if isinstance(spec, Choices):
        keys = np.array([code(key) for key in spec.choices], dtype=np.int64)
        weights = np.array(list(spec.choices.values()), dtype=float)
        cumulative = np.cumsum(weights)
        total = cumulative[-1]
        return lambda n: keys[np.minimum(
            np.searchsorted(cumulative, stratified(gen, n) * total, side="right"),
            len(keys) - 1)]
    family = getattr(spec, "dist", None)
    if family == "normal":
        mu, sd = float(spec.mean_), float(spec.sd)
        lo, hi = spec._bounds()
        return lambda n: _bounded(mu + sd * _antithetic(gen, n), lo, hi)
    if family == "triangular":
        lo, mode, hi = float(spec.min), float(spec.mode), float(spec.max)
        if hi == lo:
            return lambda n: np.full(n, lo)
        c = (mode - lo) / (hi - lo)

        def triangular(n: int) -> np.ndarray:  # the inverse of the distribution function
            u = gen.random(n)
            return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                            hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode)))

        return triangular
    if family == "uniform":
        lo, hi = float(spec.min), float(spec.max)
        return lambda n: lo + (hi - lo) * stratified(gen, n)
    if family == "exponential":
        m = float(spec.mean_)
        lo, hi = _opt(spec.min), _opt(spec.max)
        return lambda n: _bounded(-m * np.log1p(-stratified(gen, n)), lo, hi)
    if family == "lognormal":
        m, sd = float(spec.mean_), float(spec.sd)
        lo, hi = _opt(spec.min), _opt(spec.max)
        if sd == 0:
            return lambda n: _bounded(np.full(n, m), lo, hi)
        mu, sigma = lognormal_params(m, sd)
        return lambda n: _bounded(np.exp(mu + sigma * _antithetic(gen, n)), lo, hi)
    if family == "empirical":
        values = np.array([float(v) for v in spec.values])
        return lambda n: values[np.minimum((stratified(gen, n) * len(values)).astype(int),
                                           len(values) - 1)]
    if isinstance(spec, bool | int | float):
        value = spec
        return lambda n: np.full(n, value)
    if isinstance(spec, str):
        coded = code(spec)
        return lambda n: np.full(n, coded, dtype=np.int64)
    sample = attribute_sampler(spec, rng)
    return lambda n: _array([sample() for _ in range(n)])


QUANTILES = 1024


def quantiles(spec: Any) -> np.ndarray:
    """A duration's (or number's) quantiles at the midpoints of 1024 equal slices, sorted:
    drawing an index at random draws from the distribution to within a slice. Exact for
    the families with a closed-form inverse, else a fixed stratified sample."""
    if spec is None or isinstance(spec, Duration | bool | int | float):
        return drawer(spec, np.random.default_rng(0), random.Random(0))(1)
    table = np.sort(drawer(spec, np.random.default_rng(0), random.Random(0))(QUANTILES))
    if getattr(spec, "dist", None) in ("triangular", "uniform", "exponential"):
        table = _exact_quantiles(spec, (np.arange(QUANTILES) + 0.5) / QUANTILES, table)
    return table


def _exact_quantiles(spec: Any, u: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    family = spec.dist
    if family == "triangular":
        lo, mode, hi = float(spec.min), float(spec.mode), float(spec.max)
        if hi == lo:
            return np.full(len(u), lo)
        c = (mode - lo) / (hi - lo)
        return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                        hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode)))
    if family == "uniform":
        return float(spec.min) + (float(spec.max) - float(spec.min)) * u
    if family == "exponential":
        return _bounded(-float(spec.mean_) * np.log1p(-u), _opt(spec.min), _opt(spec.max))
    return fallback


def _array(values: list[Any]) -> np.ndarray:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=float)
    if all(isinstance(v, str) for v in values):
        return np.array([code(v) for v in values], dtype=np.int64)
    return np.array(values, dtype=object)


# --- expressions -------------------------------------------------------------------------

def _truth(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x != "" if x.dtype.kind == "U" else x.astype(bool)


def _and(*values: Any) -> Any:
    result = values[0]
    for value in values[1:]:  # Python's `a and b`: b where a is true, else a
        result = np.where(_truth(result), value, result)
    return result


def _or(*values: Any) -> Any:
    result = values[0]
    for value in values[1:]:
        result = np.where(_truth(result), result, value)
    return result


def _div(a: Any, b: Any) -> Any:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    safe = np.where(b == 0, 1.0, b)
    return np.where(b == 0, 0.0, a / safe)


def _mod(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0.0, np.mod(a, safe))


def _isin(a: Any, options: Any) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind == "U" and all(isinstance(o, str) for o in options):
        return np.isin(a, list(options))
    if a.dtype.kind in "iuf" and all(isinstance(o, int | float) for o in options):
        return np.isin(a, list(options))
    a = a.astype(object)
    allowed = set(options)
    return np.fromiter((v in allowed for v in a.ravel()), bool, a.size).reshape(a.shape)


def _compare(op: str, a: Any, b: Any) -> Any:
    if op == "in":
        return _isin(a, b)
    if op == "not in":
        return ~_isin(a, b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object or b.dtype == object:  # strings: compare element by element
        a, b = np.broadcast_arrays(a, b)
        fn = _PY_OPS[op]
        return np.fromiter((fn(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True)),
                           bool, a.size).reshape(a.shape)
    return _NP_OPS[op](a, b)


_NP_OPS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
           ">": np.greater, ">=": np.greater_equal}
_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
}
_CMP_TEXT = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
             ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in"}


def _call(name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])


class _Vectorise(ast.NodeTransformer):
    """Rewrite a checked expression for columns: names read the column dict, boolean
    operators, comparisons, ``in`` and ``x if c else y`` become element-wise helpers."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Subscript(value=ast.Name(id="_a", ctx=ast.Load()),
                             slice=ast.Constant(value=node.id), ctx=ast.Load())

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = {ast.Div: "_div", ast.Mod: "_mod"}.get(type(node.op))
        return _call(helper, [node.left, node.right]) if helper else node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        return _call("_and" if isinstance(node.op, ast.And) else "_or", list(node.values))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _call("_not", [node.operand])
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        parts = [_call("_cmp", [ast.Constant(value=_CMP_TEXT[type(op)]), left, right])
                 for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True)]
        return parts[0] if len(parts) == 1 else _call("_and", parts)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return _call("_where", [node.test, node.body, node.orelse])

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return ast.Constant(value=code(node.value))
        return node

    def visit_List(self, node: ast.List) -> ast.AST:
        self.generic_visit(node)
        return ast.Tuple(elts=node.elts, ctx=ast.Load())

    def visit_Set(self, node: ast.Set) -> ast.AST:
        self.generic_visit(node)
        return ast.Tuple(elts=node.elts, ctx=ast.Load())


def _coded_safely(tree: ast.AST, strings: frozenset[str]) -> bool:
    """Whether text in the expression is only tested for (in)equality and membership, and
    passed through ``x if c else y``: then integer codes give the same answers."""
    def text(node: ast.AST) -> bool:
        return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
            isinstance(node, ast.Name) and node.id in strings)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(text(o) for o in operands) and not all(
                    isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
                return False
        elif isinstance(node, ast.BinOp):
            if text(node.left) or text(node.right):
                return False
        elif isinstance(node, ast.BoolOp):
            if any(text(v) for v in node.values):
                return False
        elif isinstance(node, ast.UnaryOp):
            if text(node.operand):
                return False
        elif isinstance(node, ast.IfExp) and text(node.test):
            return False
    return True


_HELPERS = {"_div": _div, "_mod": _mod, "_and": _and, "_or": _or, "_cmp": _compare,
            "_not": lambda x: ~_truth(x), "_where": lambda c, a, b: np.where(_truth(c), a, b)}
@lru_cache(maxsize=4096)
def _column_code(text: str) -> Callable[[Columns], Any]:
    """The element-wise form of a checked expression, compiled once per distinct text."""
    body = _Vectorise().visit(ast.parse(text.strip(), mode="eval").body)
    wrapper = ast.Expression(body=ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg="_a")], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=body))
    ast.fix_missing_locations(wrapper)
    return eval(compile(wrapper, f"<columns {text!r}>", "eval"),
                {"__builtins__": {}, **_HELPERS})


def vector_function(text: str, strings: frozenset[str] = frozenset()
                    ) -> Callable[[Columns, int], np.ndarray]:
    """``f(columns, n)`` -> the expression's value for each of ``n`` leads (an array).

    ``strings`` names the text attributes (their columns hold codes). Falls back to the
    scalar function lead by lead where codes could not stand for the text, or if the
    columns hold something the element-wise form cannot take."""
    expression = parse_expression(text)
    scalar = expression.function
    fn = _column_code(text) if _coded_safely(expression.tree, strings) else None

    def by_lead(columns: Columns) -> np.ndarray:
        names = list(columns)
        values = [decode(columns[k]) if k in strings else columns[k] for k in names]
        rows = zip(*values, strict=True)
        return _array([scalar(dict(zip(names, row, strict=True))) for row in rows])

    def evaluate(columns: Columns, n: int) -> np.ndarray:
        if fn is None:
            return by_lead(columns)
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(fn(columns))
        except (TypeError, ValueError):
            return by_lead(columns)
        return np.broadcast_to(value, (n,)).copy() if value.shape != (n,) else value

    return evaluate
# --- calendars ---------------------------------------------------------------------------

class WorkTable:
    """A calendar's working time from ``origin`` (hours since the origin) as day tables.

    Every working day has the same spans, so the working hours before a time are
    ``working days before its day x hours per day + the hours worked so far that day``,
    and the time at which a total is reached is found from the index of the working day
    that holds it: array look-ups, no search over the intervals. The answers are those of
    :class:`~laneforge.model.calendar.Timeline` (a job ending exactly at closing time ends
    then; a job of no hours waits for the next opening). Extended on demand."""

    def __init__(self, calendar: Calendar, origin: dt.datetime, until: float) -> None:
        if not calendar.weekdays or not calendar.spans:
            raise ValueError("the calendar has no working hours")
        self._calendar = calendar
        self._origin = origin
        spans = np.array(calendar.spans, dtype=float) / 60.0
        self._span_start, self._span_end = spans[:, 0], spans[:, 1]
        lengths = spans[:, 1] - spans[:, 0]
        #: hours worked by the end of each span, and before it
        self._done_by = np.cumsum(lengths)
        self._before_span = self._done_by - lengths
        self.per_day = float(self._done_by[-1])
        #: hours worked by each span's start and end, for the hours worked so far in a day
        self._knots = np.ravel(np.column_stack((self._span_start, self._span_end)))
        self._worked_at = np.ravel(np.column_stack((self._before_span, self._done_by)))
        #: from hours worked in a day to the hour of the day, span by span
        self._shift = self._span_start - self._before_span
        first = origin.date()
        self._offset = (dt.datetime.combine(first, dt.time()) - origin).total_seconds() / 3600.0
        self._build(until)
        self._base = 0.0
        self._base = float(self._from_midnight(np.zeros(1))[0])

    def _build(self, until: float) -> None:
        calendar = self._calendar
        first = self._origin.date()
        days = int((until - self._offset) // 24.0) + 2
        working = np.isin((first.weekday() + np.arange(days)) % 7, sorted(calendar.weekdays))
        for holiday in calendar.holidays:
            k = (holiday - first).days
            if 0 <= k < days:
                working[k] = False
        if not working.any():
            if days > 3660:
                raise ValueError("the calendar has no working time in ten years")
            self._build(until + 24.0 * 3660)
            return
        self._working = working.astype(float)
        #: working hours before each day, and the start (hours since the origin) of each
        #: working day
        self._day_base = np.concatenate(([0], np.cumsum(working))) * self.per_day
        self._day_of = self._offset + np.flatnonzero(working) * 24.0
        self._days = days
        self.until = self._offset + days * 24.0

    def _from_midnight(self, t: np.ndarray) -> np.ndarray:
        """Working hours from the origin's midnight to each t (t >= 0)."""
        since = t - self._offset
        if since.size and float(since.max()) >= (self._days - 1) * 24.0:
            self._build(2.0 * float(since.max() + self._offset) + 24.0 * 60)
        day = (since // 24.0).astype(np.int64)
        today = np.interp(since - day * 24.0, self._knots, self._worked_at)
        return self._day_base[day] + self._working[day] * today

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Working hours between the origin and each ``t``."""
        t = np.asarray(t, dtype=float)
        return np.where(t <= 0.0, 0.0, self._from_midnight(np.maximum(t, 0.0)) - self._base)

    def worked(self, a: float, b: float) -> float:
        return float(self.cumulative(np.array(b)) - self.cumulative(np.array(a))) if b > a else 0.0

    def _at_total(self, total: np.ndarray, closing: bool) -> np.ndarray:
        """The time (since the origin) at which the working hours from the origin's
        midnight reach ``total``: the earliest (``closing``: a total reached exactly at
        closing time is reached then) or the latest (a total of an idle stretch is reached
        at the next opening)."""
        per_day = self.per_day
        k = (np.ceil(total / per_day) - 1 if closing else np.floor(total / per_day))
        k = np.maximum(k, 0).astype(np.int64)
        while k.size and int(k.max()) >= len(self._day_of):
            self._build(2.0 * self.until + 24.0 * 60)
        rest = total - k * per_day
        if len(self._shift) == 1:
            return self._day_of[k] + rest + self._shift[0]
        span = np.searchsorted(self._done_by, rest, side="left" if closing else "right")
        span = np.minimum(span, len(self._done_by) - 1)
        return self._day_of[k] + rest + self._shift[span]

    def done(self, t: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """When jobs of ``hours`` working hours, queued at ``t``, are done: from the next
        opening at or after ``t``; a job ending exactly at closing time ends then."""
        t = np.asarray(t, dtype=float)
        hours = np.broadcast_to(np.asarray(hours, dtype=float), t.shape)
        base = self._from_midnight(np.maximum(t, 0.0) if t.size and t.min() < 0 else t)
        finished = self._at_total(base + hours, closing=True)
        idle = hours <= 0.0
        if not np.any(idle):
            return finished
        return np.where(idle, np.maximum(t, self._at_total(base, closing=False)), finished)


class IntervalTable:
    """:class:`WorkTable`'s answers for calendars whose days differ: a night span running
    into the next morning, or a time zone with daylight saving. Array look-ups
    (``searchsorted``) over the intervals of a :class:`~laneforge.model.calendar.Timeline`."""

    def __init__(self, calendar: Calendar, origin: dt.datetime, until: float) -> None:
        self._line = Timeline(calendar, origin)
        self._grow(until)

    def _grow(self, until: float) -> None:
        line = self._line
        line.cumulative(until)
        starts, ends, cum = line.tables
        self._starts, self._ends = np.array(starts), np.array(ends)
        self._cum = np.array(cum)
        self.until = float(self._ends[-1])

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Working hours between the origin and each ``t``."""
        t = np.asarray(t, dtype=float)
        if t.size and float(t.max()) >= self.until:
            self._grow(2.0 * float(t.max()) + 24.0 * 60)
        i = np.searchsorted(self._starts, t, side="right") - 1
        k = np.maximum(i, 0)
        inside = self._cum[k] + np.minimum(t, self._ends[k]) - self._starts[k]
        return np.where((i < 0) | (t <= 0.0), 0.0, inside)

    def worked(self, a: float, b: float) -> float:
        return float(self.cumulative(np.array(b)) - self.cumulative(np.array(a))) if b > a else 0.0

    def done(self, t: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """When jobs of ``hours`` working hours, queued at ``t``, are done: from the next
        opening at or after ``t``; a job ending exactly at closing time ends then."""
        t = np.asarray(t, dtype=float)
        hours = np.broadcast_to(np.asarray(hours, dtype=float), t.shape)
        target = self.cumulative(t) + np.maximum(hours, 0.0)
        while target.size and float(target.max()) > float(self._cum[-1]):
            self._grow(2.0 * self.until + 24.0 * 60)
        j = np.maximum(np.searchsorted(self._cum, target, side="left") - 1, 0)
        j = np.minimum(j, len(self._starts) - 1)
        finished = self._starts[j] + (target - self._cum[j])
        idle = hours <= 0.0
        if not np.any(idle):
            return finished
        opening = self._starts[np.minimum(np.searchsorted(self._ends, t, side="right"),
                                          len(self._starts) - 1)]
        return np.where(idle, np.maximum(t, opening), finished)


CalendarTable = WorkTable | IntervalTable


def work_table(calendar: Calendar, origin: dt.datetime, until: float) -> CalendarTable:
    """The quickest table that answers for ``calendar``: day tables when every working day
    has the same spans on one clock, else the interval table."""
    plain = (calendar.timezone is None and origin.tzinfo is None
             and calendar.spans[-1][1] <= 1440)
    return (WorkTable if plain else IntervalTable)(calendar, origin, until)
