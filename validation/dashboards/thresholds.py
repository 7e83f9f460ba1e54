"""Panel thresholds as (expression, value, unit), for the cross-check against alert thresholds.

A dashboard that turns red at 80 % while the alert pages at 90 % tells the on-call two different
stories; this module extracts what the dashboard says so a check can compare it with the rules.
``normalized`` puts percentages on the ratio scale (``percent`` 90 → 0.9) so a ``percentunit``
panel and a ``percent`` panel compare with the same alert threshold.

Limits: only absolute thresholds are comparable (percentage-mode steps are relative to the
panel's min/max, reported with ``mode="percentage"`` and no normalized value).
"""

from __future__ import annotations

from dataclasses import dataclass

import promql_parser

from validation.dashboards.model import Dashboard


@dataclass(frozen=True)
class PanelThreshold:
    dashboard: str
    panel: str
    ref_id: str
    expr: str
    metrics: frozenset[str]
    value: float
    unit: str
    color: str
    mode: str = "absolute"

    @property
    def normalized(self) -> float | None:
        if self.mode != "absolute":
            return None
        return self.value / 100 if self.unit == "percent" else self.value


def metric_names(expr: str) -> frozenset[str]:
    """Metric names an expression selects (``__name__`` equality matchers count); empty if it does
    not parse (template variables must be expanded first)."""
    try:
        ast = promql_parser.parse(expr)
    except ValueError:
        return frozenset()
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                    names.add(matcher.value)

    promql_parser.walk(ast, visit, None)
    return frozenset(names)


def panel_thresholds(dashboard: Dashboard, *, expand: dict[str, str] | None = None) -> list[PanelThreshold]:
    """One entry per (panel target, non-base threshold step). ``expand`` replaces literal strings in
    expressions first (e.g. ``{"$__rate_interval": "5m"}``) so they parse."""
    found: list[PanelThreshold] = []
    for panel in dashboard.query_panels():
        steps = [(step.value, step) for step in panel.thresholds if step.value is not None]
        for target in panel.targets:
            expr = target.expr
            for old, new in (expand or {}).items():
                expr = expr.replace(old, new)
            names = metric_names(expr)
            for value, step in steps:
                found.append(
                    PanelThreshold(
                        dashboard=dashboard.uid or dashboard.source,
                        panel=panel.title,
                        ref_id=target.ref_id,
                        expr=target.expr,
                        metrics=names,
                        value=value,
                        unit=panel.unit,
                        color=step.color,
                        mode=step.mode,
                    )
                )
    return found


def highest_threshold(thresholds: list[PanelThreshold], metric: str) -> list[PanelThreshold]:
    """Per panel showing ``metric``, its highest (most severe) absolute step."""
    best: dict[tuple[str, str], PanelThreshold] = {}
    for item in thresholds:
        if metric in item.metrics and item.normalized is not None:
            key = (item.dashboard, item.panel)
            if key not in best or item.value > best[key].value:
                best[key] = item
    return list(best.values())
