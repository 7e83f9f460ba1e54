"""Cross-check panel thresholds against the alert rules that watch the same quantity.

An alert "watches" the left side of its top-level comparison with a number (``X > 0.9``; for
``A and on (...) B`` the condition ``A``). Recording rules it reads are expanded, so an alert on
``node:node_cpu_utilisation:ratio_rate5m`` watches ``node_cpu_seconds_total`` like a panel that
computes the same formula from the raw series. A panel matches an alert when the metric names of one
of its targets equal the alert's (after expansion) and the panel has threshold steps.

The comparison is made in the panel's value space: ``1 - X`` wrappers are counted on both sides, so
``(1 - memory_used) < 0.10`` (available below 10 %) corresponds to a threshold of 0.9 on a panel
plotting memory used; a panel plotting ``X * 100`` compares its threshold divided by 100. The unit
is reported with both values.

Limits: alerts comparing with 0 (``> 0``, ``== 0``: "any event", "down") and equality comparisons are
not state thresholds and are not cross-checked; only absolute threshold steps compare; two
expressions over the same metrics are assumed to compute the same quantity.
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


@dataclass(frozen=True)
class AlertThreshold:
    """What one alert rule compares: ``metrics`` (recording rules expanded) ``op`` ``value``."""

    alert: str
    expr: str
    metrics: frozenset[str]
    op: str
    value: float
    complemented: bool
    place: str = ""


@dataclass(frozen=True)
class ThresholdMatch:
    """One panel showing what one alert watches; ``expected`` is the alert's value in the panel's
    value space, ``found`` the panel's threshold steps there."""

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
        found.append(
            AlertThreshold(
                alert=name,
                expr=expr.strip(),
                metrics=expanded_metrics(watched, recorded),
                op=op,
                value=value,
                complemented=_complemented(watched, recorded),
                place=place,
            )
        )
    return found


def cross_check(
    dashboard: Dashboard, alerts: list[AlertThreshold], recorded: dict[str, str]
) -> list[ThresholdMatch]:
    """Every (panel target, alert) pair showing the same quantity, on panels that have thresholds."""
    matches: list[ThresholdMatch] = []
    for panel in dashboard.query_panels():
        steps = [s.value for s in panel.thresholds if s.value is not None and s.mode == "absolute"]
        if not steps:
            continue
        seen: set[str] = set()
        for target in panel.targets:
            try:
                node = pp.parse(_parsable(target.expr))
            except ValueError:
                continue  # the queries check reports it
            factor, inner = _scale_factor(node)
            metrics = expanded_metrics(inner, recorded)
            for alert in alerts:
                if alert.alert in seen or not metrics or metrics != alert.metrics:
                    continue
                seen.add(alert.alert)
                complemented = _complemented(inner, recorded)
                expected = 1 - alert.value if complemented != alert.complemented else alert.value
                matches.append(
                    ThresholdMatch(
                        dashboard=dashboard.uid or Path(dashboard.source).stem,
                        panel=panel,
                        ref_id=target.ref_id,
                        alert=alert,
                        expected=round(expected, 12),
                        found=tuple(round(v / factor, 12) for v in steps),
                    )
                )
    return matches


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


def _complemented(node: Any, recorded: dict[str, str], depth: int = 0) -> bool:
    """Whether ``node`` is ``1 - X`` (an odd number of times, through parentheses, aggregations and
    recording rules)."""
    node = _unparen(node)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "-":
        lhs = _unparen(node.lhs)
        if isinstance(lhs, pp.NumberLiteral) and lhs.val == 1:
            return not _complemented(node.rhs, recorded, depth)
    if isinstance(node, pp.AggregateExpr) and str(node.op) in ("avg", "min", "max"):
        return _complemented(node.expr, recorded, depth)
    if isinstance(node, pp.VectorSelector) and node.name in recorded and depth < 10:
        try:
            return _complemented(pp.parse(recorded[node.name]), recorded, depth + 1)
        except ValueError:
            return False
    return False


def _scale_factor(node: Any) -> tuple[float, Any]:
    """``X * 100`` → (100, X): a percent panel computing a ratio times 100."""
    node = _unparen(node)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "*":
        for number, other in ((node.rhs, node.lhs), (node.lhs, node.rhs)):
            number = _unparen(number)
            if isinstance(number, pp.NumberLiteral) and number.val not in (0, 1):
                return float(number.val), other
    return 1.0, node


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
