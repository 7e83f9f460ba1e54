"""One pass over a set of dashboards against one Prometheus: load, resolve variables, execute.

``DashboardSession`` holds what every dashboard check reads: the loaded dashboards (or why a file is
not one), the provisioned datasources, and — once ``execute`` ran against a Prometheus — each
dashboard's variables, panel results and the recorded query_range data (for previews). Checks that
need no Prometheus (datasources, panel ids, units, thresholds, provisioning) read only the loaded
part.

Time: the engine works in production time over ``range_seconds`` (default 1 h) ending now; against a
time-compressed stack the ``ScaledClient`` maps queries and times onto the stack's clock.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import StackcheckError
from validation.core.settings import REAL_TIME
from validation.dashboards.client import PrometheusAPI
from validation.dashboards.datasources import Datasource, load_provisioned_datasources
from validation.dashboards.execute import PanelResult, execute_dashboard
from validation.dashboards.interpolate import VariableValue
from validation.dashboards.loader import dashboard_from_json, load_dashboard
from validation.dashboards.macros import TimeRange
from validation.dashboards.model import Dashboard
from validation.dashboards.scaled import RecordedRange, ScaledClient
from validation.dashboards.variables import resolve_variables

DEFAULT_RANGE_SECONDS = 3600.0


def dashboard_key(dashboard: Dashboard) -> str:
    """The id segment of a dashboard's checks: its uid, else its file name without .json (two files
    without uid and with the same name share it)."""
    return dashboard.uid or Path(dashboard.source).stem


@dataclass
class DashboardFile:
    path: Path
    dashboard: Dashboard | None = None
    error: str = ""

    @property
    def key(self) -> str:
        """The id segment: the uid when loaded, else the file name without .json."""
        return dashboard_key(self.dashboard) if self.dashboard else self.path.stem


@dataclass
class DashboardRun:
    dashboard: Dashboard
    variables: dict[str, VariableValue] = field(default_factory=dict)
    panels: list[PanelResult] = field(default_factory=list)
    recorded: dict[str, RecordedRange] = field(default_factory=dict)
    recorded_instant: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    time_range: TimeRange | None = None
    seconds: float = 0.0
    error: str = ""


@dataclass
class DashboardSession:
    files: list[DashboardFile]
    datasources: list[Datasource]
    datasources_error: str = ""
    runs: dict[str, DashboardRun] = field(default_factory=dict)
    executed: bool = False
    execute_seconds: float = 0.0
    # dashboards exported for sharing: key → {input name: the stack's datasource uid it was mapped to}
    shared_inputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def dashboards(self) -> list[Dashboard]:
        return [f.dashboard for f in self.files if f.dashboard is not None]

    @classmethod
    def load(cls, paths: list[Path], datasources_dir: Path | None) -> DashboardSession:
        datasources: list[Datasource] = []
        error = ""
        if datasources_dir is not None and datasources_dir.is_dir():
            try:
                datasources = load_provisioned_datasources(datasources_dir)
            except StackcheckError as exc:
                error = exc.render()
        if not datasources:
            # no provisioning (a lone file checked by `stackcheck dashboards`): Grafana's usual default
            datasources = [Datasource("Prometheus", "prometheus", "prometheus", is_default=True)]
        files: list[DashboardFile] = []
        shared: dict[str, dict[str, str]] = {}
        for path in paths:
            try:
                dashboard = load_dashboard(path)
                inputs = shared_inputs(dashboard, datasources)
                if inputs:
                    dashboard = with_inputs(dashboard, inputs)
                    shared[dashboard_key(dashboard)] = inputs
                files.append(DashboardFile(path, dashboard))
            except StackcheckError as exc:
                files.append(DashboardFile(path, error=exc.render()))
        return cls(files, datasources, error, shared_inputs=shared)

    def execute(
        self,
        client: PrometheusAPI,
        *,
        scale: float = REAL_TIME,
        range_seconds: float = DEFAULT_RANGE_SECONDS,
        now: float | None = None,
        max_data_points: int | None = None,
    ) -> None:
        """Run every dashboard; a dashboard whose variables cannot be resolved records the error."""
        started = time.monotonic()
        anchor = time.time() if now is None else now
        for dashboard in self.dashboards:
            scaled = ScaledClient(client, scale, anchor)
            time_range = TimeRange(anchor - range_seconds, anchor)
            run = DashboardRun(dashboard, time_range=time_range)
            t0 = time.monotonic()
            try:
                run.variables = resolve_variables(dashboard, scaled, time_range, self.datasources)
                run.panels = execute_dashboard(
                    dashboard, scaled, time_range, self.datasources,
                    max_data_points=max_data_points, variables=run.variables,
                )  # fmt: skip
            except StackcheckError as exc:
                run.error = exc.render()
            run.recorded = scaled.recorded
            run.recorded_instant = scaled.recorded_instant
            run.seconds = time.monotonic() - t0
            self.runs[dashboard_key(dashboard)] = run
        self.executed = True
        self.execute_seconds = time.monotonic() - started

    def run_of(self, dashboard: Dashboard) -> DashboardRun | None:
        return self.runs.get(dashboard_key(dashboard))


def shared_inputs(dashboard: Dashboard, datasources: list[Datasource]) -> dict[str, str]:
    """A dashboard "exported for sharing externally" names its datasources ``${DS_…}`` and lists
    them in ``__inputs``; Grafana's import dialog maps each to a datasource of its plugin type.
    The same mapping here: input name → uid of the stack's datasource of that type (the default
    one first)."""
    mapped: dict[str, str] = {}
    ordered = sorted(datasources, key=lambda ds: not ds.is_default)
    for item in dashboard.raw.get("__inputs") or []:
        if not isinstance(item, dict) or item.get("type") != "datasource" or not item.get("name"):
            continue
        kind = str(item.get("pluginId") or "prometheus")
        target = next((ds for ds in ordered if ds.type == kind), None)
        if target is not None:
            mapped[str(item["name"])] = target.uid or target.name
    return mapped


def with_inputs(dashboard: Dashboard, inputs: dict[str, str]) -> Dashboard:
    """The dashboard as Grafana's import dialog would save it: each ``${NAME}`` input filled in."""
    text = json.dumps(dashboard.raw)
    for name, uid in inputs.items():
        text = text.replace("${" + name + "}", uid)
    return dashboard_from_json(json.loads(text), source=dashboard.source)


def project_dashboard_files(dashboards_dir: Path) -> list[Path]:
    return sorted(dashboards_dir.rglob("*.json")) if dashboards_dir.is_dir() else []
