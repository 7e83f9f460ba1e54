"""Cross-check panel thresholds against the alert rules that watch the same series.

An alert "watches" the left side of its top-level comparison with a number (``X > 0.9``; for
``A and on (...) B`` the condition ``A``). Recording rules it reads are expanded, so an alert on
``node:node_cpu_utilisation:ratio_rate5m`` watches ``node_cpu_seconds_total`` like a panel that
computes the same formula from the raw series.

Both sides are read as ``offset + scale × core``: ``1 - X``, ``100 - X * 100``, ``X * 100``,
``X / 100`` and ``(X * 100) / Y`` are followed, so the alert's threshold is carried onto the panel's
own value scale (``(1 - memory_used) < 0.10`` needs 0.9 on a panel plotting memory used, 90 on one
plotting it × 100 — as Grafana reads the panel's steps, old singlestat ``"65, 90"`` included).

A panel and an alert are compared only when they read the same series: the cores select the same
metrics with the same label matchers (matchers on scope labels — job, instance, node, … — may be
present on one side only, as a dashboard variable or a fixed value, but not conflict; dashboard
variables count as scope), apply the same functions (``rate`` is not ``avg_over_time``), the alert's
direction is the panel's (a panel that turns red high is not compared with an under-utilisation
alert that fires low), and the alert's value lies within the panel's scale (min/max, 0–1 for
``percentunit``, 0–100 for ``percent``).

Limits: alerts comparing with 0 (``> 0``, ``== 0``: "any event", "down") and equality comparisons are
not state thresholds and are not cross-checked; only absolute threshold steps compare; two cores
over the same series and functions are assumed to compute the same quantity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser as pp

from validation.core.yamlload import line_of, load_yaml
from validation.dashboards.model import Dashboard, Panel

_COMPARISONS = {">", "<", ">=", "<="}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


_SCOPE_LABELS = frozenset(
    {"job", "instance", "node", "cluster", "namespace", "pod", "container", "service", "endpoint",
     "env", "environment", "region", "zone", "rack", "host", "hostname", "prometheus", "tenant"}
)  # fmt: skip
# Functions that change neither the quantity nor its scale.
_NEUTRAL_FUNCTIONS = frozenset(
    {"label_replace", "label_join", "sort", "sort_desc", "clamp", "clamp_min", "clamp_max", "abs", "round"}
)
_LOW_COLORS = ("red", "#f2495c", "#e02f44", "#c4162a", "#d44a3a", "rgba(245, 54, 54")


@dataclass(frozen=True)
class Series:
    """What a core expression reads: metrics (recording rules expanded), the functions applied, and
    per metric the label matchers that choose the quantity (``quantity``) or the place (``scope``)."""

    metrics: frozenset[str]
    functions: frozenset[str]
    quantity: frozenset[tuple[str, frozenset[tuple[str, str, str]]]]
    scope: frozenset[tuple[str, str, str]]

    def same_as(self, other: Series) -> bool:
        if (self.metrics, self.functions, self.quantity) != (other.metrics, other.functions, other.quantity):
            return False
        mine = {(label, op): value for label, op, value in self.scope}
        return all(mine.get((label, op), value) == value for label, op, value in other.scope)


@dataclass(frozen=True)
class AlertThreshold:
    """What one alert rule compares: ``series`` (recording rules expanded) ``op`` ``value``; the
    same condition on the core quantity is ``core_op`` ``core_value``."""

    alert: str
    expr: str
    metrics: frozenset[str]
    op: str
    value: float
    complemented: bool
    place: str = ""
    series: Series | None = None
    core_op: str = ""
    core_value: float = 0.0


@dataclass(frozen=True)
class ThresholdMatch:
    """One panel showing what one alert watches; ``expected`` is the alert's value on the panel's
    own value scale, ``found`` the panel's threshold steps."""

    dashboard: str
    panel: Panel
    ref_id: str
    alert: AlertThreshold
    expected: float
    found: tuple[float, ...]

    @property
    def ok(self) -> bool:
        return any(math.isclose(v, self.expected, rel_tol=1e-9, abs_tol=1e-12) for v in self.found)


def load_rules(paths: list[Path]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(recording rule name → expression, [(alert, expression, place)]) of the rule files."""
    recorded: dict[str, str] = {}
    alerts: list[tuple[str, str, str]] = []
    for path in paths:
        data = load_yaml(path)
        groups = data.get("groups") if isinstance(data, dict) else None
        for group in groups or []:
            for rule in (group.get("rules") if isinstance(group, dict) else None) or []:
                if not isinstance(rule, dict):
                    continue
                if rule.get("record"):
                    recorded[str(rule["record"])] = str(rule.get("expr", ""))
                elif rule.get("alert"):
                    alerts.append((str(rule["alert"]), str(rule.get("expr", "")), f"{path}:{line_of(rule)}"))
    return recorded, alerts


def alert_thresholds(recorded: dict[str, str], alerts: list[tuple[str, str, str]]) -> list[AlertThreshold]:
    found: list[AlertThreshold] = []
    for name, expr, place in alerts:
        try:
            node = pp.parse(expr)
        except ValueError:
            continue  # the static rules check reports it
        condition = _condition(node)
        if condition is None:
            continue
        watched, op, value = condition
        if value == 0:
            continue
        offset, scale, core = _affine(watched, recorded)
        if scale == 0:
            continue
        found.append(
            AlertThreshold(
                alert=name,
                expr=expr.strip(),
                metrics=expanded_metrics(watched, recorded),
                op=op,
                value=value,
                complemented=scale < 0,
                place=place,
                series=series_of(core, recorded),
                core_op=_FLIP[op] if scale < 0 else op,
                core_value=(value - offset) / scale,
            )
        )
    return found


def cross_check(
    dashboard: Dashboard, alerts: list[AlertThreshold], recorded: dict[str, str]
) -> list[ThresholdMatch]:
    """Every (panel target, alert) pair reading the same series, in the same direction, within the
    panel's scale, on panels that have thresholds."""
    matches: list[ThresholdMatch] = []
    for panel in dashboard.query_panels():
        steps = [s.value for s in panel.thresholds if s.value is not None and s.mode == "absolute"]
        if not steps:
            continue
        low_is_bad = _low_is_bad(panel)
        bounds = _bounds(panel)
        seen: set[str] = set()
        for target in panel.targets:
            try:
                node = pp.parse(_parsable(target.expr))
            except ValueError:
                continue  # the queries check reports it
            offset, scale, core = _affine(node, recorded)
            if scale == 0:
                continue
            series = series_of(core, recorded)
            for alert in alerts:
                if alert.alert in seen or alert.series is None or not series.metrics:
                    continue
                if not series.same_as(alert.series):
                    continue
                panel_op = _FLIP[alert.core_op] if scale < 0 else alert.core_op
                if (panel_op in ("<", "<=")) != low_is_bad:
                    continue  # fires low on a panel that turns red high, or the other way round
                expected = round(offset + scale * alert.core_value, 12)
                if not bounds[0] - 1e-9 <= expected <= bounds[1] + 1e-9:
                    continue
                seen.add(alert.alert)
                matches.append(
                    ThresholdMatch(
                        dashboard=dashboard.uid or Path(dashboard.source).stem,
                        panel=panel,
                        ref_id=target.ref_id,
                        alert=alert,
                        expected=expected,
                        found=tuple(round(v, 12) for v in steps),
                    )
                )
    return matches


def _low_is_bad(panel: Panel) -> bool:
    """Whether the panel turns red low: its base step is red and a higher one is not."""
    colors = [str(t.color).lower() for t in panel.thresholds]
    if not colors:
        return False
    red = [any(c.startswith(r) or r in c for r in _LOW_COLORS) for c in colors]
    return red[0] and not red[-1]


def _bounds(panel: Panel) -> tuple[float, float]:
    defaults = ((panel.raw.get("fieldConfig") or {}).get("defaults")) or {}
    low, high = -math.inf, math.inf
    if panel.unit == "percentunit":
        low, high = 0.0, 1.0
    elif panel.unit == "percent":
        low, high = 0.0, 100.0
    for key in ("min", "max"):
        value = defaults.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if key == "min":
                low = float(value)
            else:
                high = max(high, float(value)) if high != math.inf else float(value)
    return low, high


def _affine(node: Any, recorded: dict[str, str], depth: int = 0) -> tuple[float, float, Any]:
    """``node`` as ``offset + scale × core``: constants added, subtracted, multiplied or divided are
    peeled off (through parentheses, avg/min/max and recording rules); ``(X * c) / Y`` is ``c × (X / Y)``."""
    node = _unparen(node)
    if isinstance(node, pp.BinaryExpr) and str(node.op) in ("+", "-", "*", "/"):
        op = str(node.op)
        lhs, rhs = _unparen(node.lhs), _unparen(node.rhs)
        if isinstance(rhs, pp.NumberLiteral) and not isinstance(lhs, pp.NumberLiteral):
            a, b, core = _affine(lhs, recorded, depth)
            c = float(rhs.val)
            if op == "+":
                return a + c, b, core
            if op == "-":
                return a - c, b, core
            if op == "*":
                return a * c, b * c, core
            if c != 0:
                return a / c, b / c, core
        elif isinstance(lhs, pp.NumberLiteral) and not isinstance(rhs, pp.NumberLiteral):
            a, b, core = _affine(rhs, recorded, depth)
            c = float(lhs.val)
            if op == "+":
                return c + a, b, core
            if op == "-":
                return c - a, -b, core
            if op == "*":
                return a * c, b * c, core
        elif op == "/" and not isinstance(lhs, pp.NumberLiteral):
            a, b, _ = _affine(lhs, recorded, depth)
            if a == 0 and b not in (0, 1):
                return 0.0, b, node
    if isinstance(node, pp.Call) and _function(node) in _NEUTRAL_FUNCTIONS and node.args:
        # clamp_min(X * 100, 0) shows X * 100; the bound only cuts off noise
        a, b, core = _affine(node.args[0], recorded, depth)
        if (a, b) != (0.0, 1.0):
            return a, b, core
    if isinstance(node, pp.AggregateExpr) and str(node.op) in ("avg", "min", "max"):
        a, b, core = _affine(node.expr, recorded, depth)
        if (a, b) != (0.0, 1.0):
            return a, b, core
    if isinstance(node, pp.VectorSelector) and node.name in recorded and depth < 10:
        try:
            return _affine(pp.parse(recorded[node.name]), recorded, depth + 1)
        except ValueError:
            pass
    return 0.0, 1.0, node


def _function(call: Any) -> str:
    return str(getattr(call.func, "name", call.func))


def series_of(node: Any, recorded: dict[str, str], depth: int = 0) -> Series:
    """The series a core reads (recording rules expanded); dashboard variables count as scope."""
    metrics: set[str] = set()
    functions: set[str] = set()
    quantity: set[tuple[str, frozenset[tuple[str, str, str]]]] = set()
    scope: set[tuple[str, str, str]] = set()

    def visit(item: object) -> None:
        if isinstance(item, pp.Call) and _function(item) not in _NEUTRAL_FUNCTIONS:
            functions.add(_function(item))
        if not isinstance(item, pp.VectorSelector):
            return
        name = item.name or next(
            (m.value for m in item.matchers.matchers if m.name == "__name__" and m.op == pp.MatchOp.Equal), ""
        )
        if name in recorded and depth < 10:
            try:
                inner = series_of(pp.parse(recorded[name]), recorded, depth + 1)
            except ValueError:
                inner = None
            if inner is not None:
                metrics.update(inner.metrics)
                functions.update(inner.functions)
                quantity.update(inner.quantity)
                scope.update(inner.scope)
                return
        if not name:
            return
        metrics.add(name)
        chosen: set[tuple[str, str, str]] = set()
        for matcher in item.matchers.matchers:
            if matcher.name == "__name__":
                continue
            entry = (str(matcher.name), str(matcher.op), str(matcher.value))
            if matcher.name in _SCOPE_LABELS or "$" in str(matcher.value) or "[[" in str(matcher.value):
                if "$" not in str(matcher.value) and "[[" not in str(matcher.value):
                    scope.add(entry)
            else:
                chosen.add(entry)
        quantity.add((name, frozenset(chosen)))

    pp.walk(node, visit, None)
    return Series(frozenset(metrics), frozenset(functions), frozenset(quantity), frozenset(scope))


def expanded_metrics(node: Any, recorded: dict[str, str], depth: int = 0) -> frozenset[str]:
    names: set[str] = set()

    def visit(item: object) -> None:
        if isinstance(item, pp.VectorSelector):
            name = item.name or next(
                (
                    m.value
                    for m in item.matchers.matchers
                    if m.name == "__name__" and m.op == pp.MatchOp.Equal
                ),
                "",
            )
            if name in recorded and depth < 10:
                try:
                    names.update(expanded_metrics(pp.parse(recorded[name]), recorded, depth + 1))
                except ValueError:
                    names.add(name)
            elif name:
                names.add(name)

    pp.walk(node, visit, None)
    return frozenset(names)


def _condition(node: Any) -> tuple[Any, str, float] | None:
    node = _unparen(node)
    if not isinstance(node, pp.BinaryExpr):
        return None
    op = str(node.op)
    if op in ("and", "unless"):
        return _condition(node.lhs)
    if op not in _COMPARISONS:
        return None
    rhs, lhs = _unparen(node.rhs), _unparen(node.lhs)
    if isinstance(rhs, pp.NumberLiteral):
        return lhs, op, float(rhs.val)
    if isinstance(lhs, pp.NumberLiteral):
        return rhs, _FLIP[op], float(lhs.val)
    return None


def _unparen(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _parsable(expr: str) -> str:
    """Template syntax replaced so the structure parses (values do not matter here)."""
    for macro in ("$__rate_interval", "$__interval", "$__range"):
        expr = expr.replace(macro, "5m")
    return expr


def describe(match: ThresholdMatch) -> str:
    panel = match.panel
    values = ", ".join(f"{v:g}" for v in match.found)
    return (
        f"dashboard {match.dashboard}, panel {panel.title!r} (id {panel.id}, target {match.ref_id}, "
        f"unit {panel.unit or 'none'}): thresholds [{values}]; alert {match.alert.alert} "
        f"(`{match.alert.op} {match.alert.value:g}` at {match.alert.place}) "
        f"needs {match.expected:g} on this panel's scale"
    )
