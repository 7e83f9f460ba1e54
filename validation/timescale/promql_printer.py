"""Print a parsed PromQL tree back to text, optionally applying the time-compression rewrites.

The binding's own ``str()`` is not used: it loses sub-second durations (``250ms`` → ``0s``) and
does not escape quotes in label values. ``Printer`` emits every node type the binding produces;
parentheses come from the tree's own ``ParenExpr`` nodes, so operator grouping is the one the
author wrote. With a ``TimeScale`` it also rewrites (see ``validation.timescale.promql``):
durations ÷K, per-second functions ``/ K``, predict_linear's horizon ÷K.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Any

import promql_parser as pp

from validation.core.durations import format_duration_ms
from validation.core.errors import ConfigError
from validation.timescale.durations import TimeScale

PER_SECOND = frozenset({"rate", "irate", "deriv"})
HORIZON_ARG = {"predict_linear": 1}

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_KEYWORDS = frozenset(
    [
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
    ]
)


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


def at_seconds(at: Any) -> str:
    return f"{at.at.timestamp():.3f}"


def match_op(matcher: Any) -> str:
    """A parsed label matcher's operator as PromQL writes it (``=``, ``!=``, ``=~``, ``!~``)."""
    ops = [
        (pp.MatchOp.Equal, "="),
        (pp.MatchOp.NotEqual, "!="),
        (pp.MatchOp.Re, "=~"),
        (pp.MatchOp.NotRe, "!~"),
    ]
    return next(text for kind, text in ops if matcher.op == kind)


class Printer:
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
                out += f" @ {at_seconds(node.at)}"
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
        return f"{m.name}{match_op(m)}{quote(m.value)}"

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
