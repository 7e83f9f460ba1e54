"""Compress a PromQL expression by K while keeping its value: parse, rewrite the tree, print it.

The expression is parsed by promql-parser (the Rust parser's Python binding) and printed back,
with the rewrites applied, by ``promql_printer.Printer`` (not by the binding's lossy ``str()``).

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

from typing import Any

import promql_parser as pp

from validation.core.errors import ConfigError
from validation.timescale.durations import TimeScale
from validation.timescale.promql_printer import PER_SECOND, Printer, at_seconds, format_number, quote

__all__ = [
    "PER_SECOND",
    "compress_promql",
    "compress_promql_noted",
    "format_number",
    "format_promql",
    "parse_promql",
    "quote",
    "uncompressible_reasons",
]

CLOCK_FUNCTIONS = frozenset({"time", "timestamp"})
DATE_FUNCTIONS = frozenset(
    {"minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"}
)
TIMESTAMP_SERIES = frozenset({"ALERTS_FOR_STATE"})


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
    return Printer(scale).emit(parse_promql(expr, place=place))


def format_promql(expr: str, *, place: str = "") -> str:
    """``expr`` printed by this module's printer without any rewrite (round-trip check)."""
    return Printer(None).emit(parse_promql(expr, place=place))


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
            reasons.append(f"'@ {at_seconds(at)}' pins an absolute timestamp")
        if isinstance(node, pp.VectorSelector):
            metric = node.name or next(
                (m.value for m in node.matchers.matchers if m.name == "__name__"), None
            )
            if metric in TIMESTAMP_SERIES:
                reasons.append(f"{metric} values are timestamps, which compression changes")

    pp.walk(parse_promql(expr, place=place), visit)
    return list(dict.fromkeys(reasons))
