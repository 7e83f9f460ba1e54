"""Run every query of a dashboard against Prometheus the way Grafana 10 would.

Per target: resolve its datasource, expand variables (Prometheus escaping), compute interval and
step (``macros.compute_timing``), expand the time macros, parse the result with promql-parser,
then run it over query_range (and/or an instant query for instant targets) and count series.

Repeated panels (``repeat: var``) run once per selected value of the variable, as Grafana
renders them. Library panels and non-Prometheus targets are reported as skipped with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import promql_parser

from validation.clients.prometheus import QueryFailed
from validation.core.errors import ConfigError
from validation.dashboards.client import PrometheusAPI
from validation.dashboards.datasources import Datasource, resolve_target_datasource
from validation.dashboards.interpolate import VariableValue, interpolate
from validation.dashboards.macros import TimeRange, compute_timing, expand_macros
from validation.dashboards.model import Dashboard, Panel, Target
from validation.dashboards.variables import resolve_variables


@dataclass
class TargetResult:
    """One query as sent. ``error`` is set when it could not be built, parsed or run; ``skipped``
    when stackcheck does not run it (hidden, not Prometheus)."""

    ref_id: str
    raw_expr: str
    expr: str = ""
    kind: str = "range"
    datasource: str = ""
    step: float | None = None
    start: float | None = None
    end: float | None = None
    parse_ok: bool = False
    executed: bool = False
    series: int = 0
    samples: int = 0
    last_values: list[float] = field(default_factory=list)
    error: str = ""
    skipped: str = ""

    @property
    def has_data(self) -> bool:
        return self.executed and self.series > 0


@dataclass
class PanelResult:
    dashboard: str
    panel_id: int | None
    title: str
    row: str = ""
    repeat_value: str = ""
    targets: list[TargetResult] = field(default_factory=list)
    skipped: str = ""

    @property
    def has_data(self) -> bool:
        return any(t.has_data for t in self.targets)

    @property
    def errors(self) -> list[str]:
        return [f"{t.ref_id}: {t.error}" for t in self.targets if t.error]

    @property
    def check_id(self) -> str:
        """Stable id for results.json: dashboards/<uid>/<panel id or title>[/<repeat value>]."""
        key = str(self.panel_id) if self.panel_id is not None else self.title
        return f"dashboards/{self.dashboard}/{key}" + (f"/{self.repeat_value}" if self.repeat_value else "")


def execute_dashboard(
    dashboard: Dashboard,
    client: PrometheusAPI,
    time_range: TimeRange,
    datasources: list[Datasource],
    *,
    overrides: Mapping[str, list[str]] | None = None,
    max_data_points: int | None = None,
    variables: dict[str, VariableValue] | None = None,
) -> list[PanelResult]:
    """Resolve the variables (unless ``variables`` holds them already), then run every target of
    every panel (nested ones included)."""
    if variables is None:
        variables = resolve_variables(dashboard, client, time_range, datasources, overrides)
    results: list[PanelResult] = []
    for panel in dashboard.query_panels():
        for repeat_value, scoped in _repeats(panel, variables):
            title = interpolate(panel.title, scoped, default_format="text").text
            result = PanelResult(dashboard.uid or dashboard.source, panel.id, title, panel.row, repeat_value)
            if panel.library_panel:
                result.skipped = f"library panel {panel.library_panel!r}: not resolvable from the file"
            else:
                for target in panel.targets:
                    result.targets.append(
                        run_target(panel, target, scoped, client, time_range, datasources, max_data_points,
                                   place=f"{dashboard.source}: panel {panel.title!r}")
                    )  # fmt: skip
            results.append(result)
    return results


def _repeats(panel: Panel, variables: dict[str, VariableValue]) -> list[tuple[str, dict[str, VariableValue]]]:
    variable = variables.get(panel.repeat) if panel.repeat else None
    if variable is None:
        return [("", variables)]
    values = variable.all_values if variable.is_all else variable.values
    return [
        (value, {**variables, variable.name: replace(variable, values=[value], texts=[value])})
        for value in values
    ]


def run_target(
    panel: Panel,
    target: Target,
    variables: dict[str, VariableValue],
    client: PrometheusAPI,
    time_range: TimeRange,
    datasources: list[Datasource],
    max_data_points: int | None = None,
    *,
    place: str = "",
) -> TargetResult:
    result = TargetResult(
        target.ref_id, target.expr, kind="instant" if target.instant and not target.range else "range"
    )
    if target.hide:
        result.skipped = "hidden target (hide: true)"
        return result
    try:
        ds = resolve_target_datasource(
            panel.datasource, target.datasource, datasources, lambda n: _single(variables, n), place=place
        )
    except ConfigError as exc:
        result.error = exc.what
        return result
    result.datasource = ds.uid or ds.name
    if ds.type != "prometheus":
        result.skipped = f"datasource {ds.name!r} is of type {ds.type!r}, not prometheus"
        return result
    if not target.expr.strip():
        result.error = "empty query"
        return result
    span = (time_range.start, time_range.end)
    expanded = interpolate(target.expr, variables, time_range=span)
    if expanded.unresolved:
        names = ", ".join(f"${n}" for n in dict.fromkeys(expanded.unresolved))
        result.error = f"undefined variable(s) {names}: Grafana leaves them in the query as written"
        result.expr = expanded.text
        return result
    try:
        timing = compute_timing(
            time_range,
            panel_interval=interpolate(panel.interval, variables, default_format="glob").text,
            target_interval=interpolate(target.interval, variables, default_format="glob").text,
            ds_time_interval=ds.time_interval,
            max_data_points=panel.max_data_points or max_data_points,
            interval_factor=target.interval_factor,
        )
    except ValueError as exc:
        result.error = f"interval: {exc}"
        return result
    result.expr = expand_macros(expanded.text, timing)
    result.step, result.start, result.end = timing.step_seconds, timing.start, timing.end
    try:
        promql_parser.parse(result.expr)
    except ValueError as exc:
        result.error = f"PromQL does not parse: {exc}"
        return result
    result.parse_ok = True
    try:
        if target.range or not target.instant:
            _count(result, client.query_range(result.expr, timing.start, timing.end, timing.step_seconds))
        if target.instant:
            _count(result, client.instant(result.expr, time_range.end))
    except QueryFailed as exc:
        result.error = f"Prometheus rejected the query: {exc}"
        return result
    result.executed = True
    return result


def _single(variables: dict[str, VariableValue], name: str) -> str | None:
    value = variables.get(name)
    return value.single() if value is not None else None


def _count(result: TargetResult, data: dict[str, Any]) -> None:
    kind = data.get("resultType")
    items = data.get("result") or []
    if kind in ("scalar", "string"):
        result.series += 1
        result.samples += 1
        result.last_values.append(_float(items[1]))
        return
    for item in items:
        values = item.get("values") or ([item["value"]] if "value" in item else [])
        result.series += 1
        result.samples += len(values)
        if values:
            result.last_values.append(_float(values[-1][1]))


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
