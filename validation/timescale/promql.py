"""Compress a PromQL expression by K while keeping its value: parse, rewrite the tree, print it.

The expression is parsed by promql-parser (the Rust parser's Python binding); the tree is printed
back by ``_Printer`` below rather than by the binding's ``str()``, which loses sub-second
durations (``250ms`` → ``0s``) and does not escape quotes in label values. The printer walks the
parsed tree and emits every node it knows; parentheses come from the tree's own ``ParenExpr``
nodes, so operator grouping is the one the author wrote.

Rewrites at scale K (each keeps the value an expression has on data compressed by K):
- range ``[5m]``, ``offset``, subquery range and step → divided by K (ms granularity);
- ``rate``, ``irate``, ``deriv`` (per-second) → ``(rate(…) / K)``;
- ``predict_linear(v, t)``: t is seconds of horizon → ``t / K``;
- everything else (increase, delta, idelta, changes, resets, *_over_time, holt_winters,
  histogram_quantile, aggregations, arithmetic) is already value-preserving and unchanged;
- ``@ start()`` / ``@ end()`` are evaluation-relative and stay.

``uncompressible_reasons`` lists what no rewrite can make faithful: ``time()``,
``timestamp()``, the date functions without an argument (they read the clock), an absolute
``@ <timestamp>``, and selecting ``ALERTS_FOR_STATE`` (its value is a timestamp).

Limits: the binding reads backtick (raw) strings as escaped ones, so they are re-quoted before
parsing (``requote_raw_strings``); it also accepts a few constructs newer than Prometheus 2.42
(``{a="1" or b="2"}``), which are printed as written and rejected by Prometheus itself.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Any

import promql_parser as pp

from validation.errors import ConfigError
from validation.timescale.durations import TimeScale, format_duration_ms

PER_SECOND = frozenset({"rate", "irate", "deriv"})
HORIZON_ARG = {"predict_linear": 1}
CLOCK_FUNCTIONS = frozenset({"time", "timestamp"})
DATE_FUNCTIONS = frozenset(
    {"minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"}
)
TIMESTAMP_SERIES = frozenset({"ALERTS_FOR_STATE"})

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
        "bool",
        "atan2",
        "inf",
        "nan",
        "start",
        "end",
    }
)


def _register_prometheus_2_42_functions() -> None:
    """The binding follows newer Prometheus, where holt_winters was renamed; 2.42 still has it."""
    try:
        pp.parse("holt_winters(x[1m], 0.5, 0.5)")
    except ValueError:
        matrix, scalar = pp.ValueType.Matrix, pp.ValueType.Scalar
        pp.register_extra_functions(
            [pp.Function("holt_winters", [matrix, scalar, scalar], pp.ValueType.Vector)]
        )


_register_prometheus_2_42_functions()


def requote_raw_strings(expr: str) -> str:
    """Backtick strings rewritten as double-quoted ones (same value).

    The binding applies escapes inside backtick strings, which PromQL defines as raw; a lexer
    pass (strings and comments tracked, nothing else touched) hands it an equivalent it reads right.
    """
    out: list[str] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            out.append(expr[i : j + 1])
            i = j + 1
        elif c == "`":
            j = expr.find("`", i + 1)
            j = n if j < 0 else j
            out.append(quote(expr[i + 1 : j]))
            i = j + 1
        elif c == "#":
            j = expr.find("\n", i)
            j = n if j < 0 else j
            out.append(expr[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_promql(expr: str, *, place: str = "") -> Any:
    """The parsed tree; ``ConfigError`` naming ``place`` if the expression does not parse."""
    try:
        return pp.parse(requote_raw_strings(expr) if "`" in expr else expr)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"PromQL does not parse: {exc}",
            place=place,
            hint=f"check the expression {expr!r} with promtool check rules",
        ) from None


def compress_promql(expr: str, k: float, *, place: str = "") -> str:
    """``expr`` rewritten for data compressed by ``k``; roundings are dropped (see ``compress_promql_noted``)."""
    return compress_promql_noted(expr, TimeScale(k), place=place)


def compress_promql_noted(expr: str, scale: TimeScale, *, place: str = "") -> str:
    """As ``compress_promql``; every duration that could not be scaled exactly is noted on ``scale``."""
    return _Printer(scale).emit(parse_promql(expr, place=place))


def format_promql(expr: str, *, place: str = "") -> str:
    """``expr`` printed by this module's printer without any rewrite (round-trip check)."""
    return _Printer(None).emit(parse_promql(expr, place=place))


def uncompressible_reasons(expr: str, *, place: str = "") -> list[str]:
    """Why ``expr`` cannot keep its value under time compression (empty list: it can)."""
    reasons: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, pp.Call):
            name = node.func.name
            if name in CLOCK_FUNCTIONS:
                reasons.append(f"{name}() reads the evaluation clock, which compression changes")
            elif name in DATE_FUNCTIONS and not node.args:
                reasons.append(f"{name}() without an argument reads the wall clock")
        at = getattr(node, "at", None)
        if at is not None and at.type == pp.AtModifierType.At:
            reasons.append(f"'@ {_at_seconds(at)}' pins an absolute timestamp")
        if isinstance(node, pp.VectorSelector):
            metric = node.name or next(
                (m.value for m in node.matchers.matchers if m.name == "__name__"), None
            )
            if metric in TIMESTAMP_SERIES:
                reasons.append(f"{metric} values are timestamps, which compression changes")

    pp.walk(parse_promql(expr, place=place), visit)
    return list(dict.fromkeys(reasons))


def quote(value: str) -> str:
    """A PromQL double-quoted string (Go escapes are a superset of JSON's)."""
    return json.dumps(value, ensure_ascii=False)


def format_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def _at_seconds(at: Any) -> str:
    return f"{at.at.timestamp():.3f}"


class _Printer:
    """Prints a parsed tree; with a ``TimeScale`` it also applies the compression rewrites."""

    def __init__(self, scale: TimeScale | None) -> None:
        self.scale = scale if scale is not None and not scale.identity else None

    def emit(self, node: Any) -> str:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ConfigError(
                f"PromQL node {type(node).__name__} is not supported by the time-scale printer",
                hint="report the expression to the stackcheck maintainers; run with --time-scale 1 meanwhile",
            )
        return str(method(node))

    def _duration(self, delta: timedelta, what: str) -> str:
        ms = _ms(delta)
        if self.scale is not None:
            ms = self.scale.ms(ms, what=what)
        return format_duration_ms(ms)

    def _modifiers(self, node: Any) -> str:
        out = ""
        if node.offset is not None:
            out += f" offset {self._duration(node.offset, 'offset')}"
        if node.at is not None:
            if node.at.type == pp.AtModifierType.Start:
                out += " @ start()"
            elif node.at.type == pp.AtModifierType.End:
                out += " @ end()"
            else:
                out += f" @ {_at_seconds(node.at)}"
        return out

    def _selector(self, node: Any) -> str:
        matchers = [m for m in node.matchers.matchers]
        name = node.name
        head = ""
        if name is not None and _NAME_RE.match(name) and name.lower() not in _KEYWORDS:
            head = name
        elif name is not None:
            matchers.insert(0, pp.Matcher(pp.MatchOp.Equal, "__name__", name))
        groups = [matchers, *node.matchers.or_matchers] if node.matchers.or_matchers else [matchers]
        body = " or ".join(",".join(self._matcher(m) for m in group) for group in groups)
        return f"{head}{{{body}}}" if body or not head else head

    @staticmethod
    def _matcher(m: Any) -> str:
        ops = [
            (pp.MatchOp.Equal, "="),
            (pp.MatchOp.NotEqual, "!="),
            (pp.MatchOp.Re, "=~"),
            (pp.MatchOp.NotRe, "!~"),
        ]
        op = next(text for kind, text in ops if m.op == kind)
        return f"{m.name}{op}{quote(m.value)}"

    def _VectorSelector(self, node: Any) -> str:
        return self._selector(node) + self._modifiers(node)

    def _MatrixSelector(self, node: Any) -> str:
        vs = node.vector_selector
        return f"{self._selector(vs)}[{self._duration(node.range, 'range')}]{self._modifiers(vs)}"

    def _SubqueryExpr(self, node: Any) -> str:
        step = "" if node.step is None else self._duration(node.step, "subquery step")
        rng = self._duration(node.range, "subquery range")
        return f"{self.emit(node.expr)}[{rng}:{step}]{self._modifiers(node)}"

    def _NumberLiteral(self, node: Any) -> str:
        return format_number(node.val)

    def _StringLiteral(self, node: Any) -> str:
        return quote(node.val)

    def _ParenExpr(self, node: Any) -> str:
        return f"({self.emit(node.expr)})"

    def _UnaryExpr(self, node: Any) -> str:
        return f"-{self.emit(node.expr)}"

    def _Call(self, node: Any) -> str:
        name = node.func.name
        args = [self.emit(a) for a in node.args]
        if self.scale is not None and name in HORIZON_ARG and len(node.args) > HORIZON_ARG[name]:
            index = HORIZON_ARG[name]
            arg = node.args[index]
            if isinstance(arg, pp.NumberLiteral):
                args[index] = format_number(self.scale.seconds(arg.val))
            else:
                args[index] = f"({args[index]}) / {format_number(float(self.scale.k))}"
        text = f"{name}({', '.join(args)})"
        if self.scale is not None and name in PER_SECOND:
            text = f"({text} / {format_number(float(self.scale.k))})"
        return text

    def _AggregateExpr(self, node: Any) -> str:
        clause = ""
        if node.modifier is not None:
            word = "by" if node.modifier.type == pp.AggModifierType.By else "without"
            clause = f" {word} ({', '.join(node.modifier.labels)}) "
        inner = self.emit(node.expr)
        if node.param is not None:
            inner = f"{self.emit(node.param)}, {inner}"
        return f"{node.op}{clause}({inner})"

    def _BinaryExpr(self, node: Any) -> str:
        parts = [self.emit(node.lhs), str(node.op)]
        mod = node.modifier
        if mod is not None:
            fill = mod.fill_values
            if fill is not None and (fill.lhs is not None or fill.rhs is not None):
                raise ConfigError(
                    "fill() vector matching is not PromQL of Prometheus 2.42",
                    hint="remove the fill modifier; Prometheus 2.42 rejects it too",
                )
            if mod.return_bool:
                parts.append("bool")
            if mod.matching is not None:
                word = "on" if mod.matching.type == pp.LabelModifierType.Include else "ignoring"
                parts.append(f"{word} ({', '.join(mod.matching.labels or [])})")
            if mod.card == pp.VectorMatchCardinality.ManyToOne:
                parts.append(f"group_left ({', '.join(mod.group_labels or [])})")
            elif mod.card == pp.VectorMatchCardinality.OneToMany:
                parts.append(f"group_right ({', '.join(mod.group_labels or [])})")
        parts.append(self.emit(node.rhs))
        return " ".join(parts)
