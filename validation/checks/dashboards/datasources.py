"""dashboards/<uid>/datasources: every panel's and target's datasource resolves to a provisioned one.

Catches: a uid that exists only in the Grafana the dashboard was exported from (the panel shows
"Datasource ... was not found"), an ``__inputs`` placeholder (``${DS_PROMETHEUS}``) left by "Export
for sharing externally", a ``${ds}`` variable that is not defined, a panel whose own datasource is unknown while its
targets use ``${datasource}`` (Grafana errors the panel). Datasource variables resolve to
their saved selection, else the first provisioned datasource of their type.
"""

from __future__ import annotations

from collections.abc import Callable

from validation.checks.dashboards.session import SessionCheck
from validation.core.errors import ConfigError
from validation.core.results import Report
from validation.dashboards.datasources import Datasource, resolve_datasource, resolve_target_datasource
from validation.dashboards.model import Dashboard
from validation.dashboards.session import DashboardSession, dashboard_key


class DashboardDatasourcesCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        if session.datasources_error:
            report.failed(f"{self.id}/provisioning/datasources", self.kind, session.datasources_error)
        for dashboard in session.dashboards:
            check_id = f"{self.id}/{dashboard_key(dashboard)}/datasources"
            problems = unresolved_datasources(dashboard, session.datasources)
            inputs = session.shared_inputs.get(dashboard_key(dashboard))
            if inputs:
                mapped = ", ".join(f"${{{name}}} → {uid!r}" for name, uid in sorted(inputs.items()))
                problems.insert(
                    0,
                    f"dashboard {dashboard_key(dashboard)} is exported for sharing externally (__inputs "
                    f"{mapped}): Grafana fills these in its import dialog only, so provisioned from this "
                    "file every panel is an error. Every panel was checked with the inputs mapped as "
                    "shown. Hint: import it once in Grafana and export it without 'Export for sharing "
                    "externally', or replace each ${DS_…} with the datasource uid or a ${datasource} variable",
                )
            if problems:
                message = "; ".join(problems) + ("" if inputs else inputs_hint(dashboard))
                report.failed(
                    check_id, self.kind, message, file=dashboard.source or None, unresolved=problems
                )
            else:
                report.passed(check_id, self.kind)


def datasource_variable_lookup(
    dashboard: Dashboard, datasources: list[Datasource]
) -> Callable[[str], str | None]:
    """A datasource variable's value as Grafana would select it on load (no Grafana database)."""
    variables = {v.name: v for v in dashboard.variables if v.type == "datasource"}

    def lookup(name: str) -> str | None:
        variable = variables.get(name)
        if variable is None:
            return None
        current = [c for c in variable.current if c and c != "$__all"]
        if current:
            return current[0]
        kind = str(variable.query or "prometheus")
        return next((ds.uid or ds.name for ds in datasources if ds.type == kind), "default")

    return lookup


def unresolved_datasources(dashboard: Dashboard, datasources: list[Datasource]) -> list[str]:
    lookup = datasource_variable_lookup(dashboard, datasources)
    problems: list[str] = []
    for panel in dashboard.query_panels():
        where = f"panel {panel.title!r} (id {panel.id})"
        targets = panel.targets or []
        try:
            # Grafana loads the panel's own datasource first: a uid it does not know errors the
            # whole panel, even when every target names its datasource (${datasource}).
            if panel.datasource is not None or not targets:
                resolve_datasource(panel.datasource, datasources, lookup)
            for target in targets:
                resolve_target_datasource(panel.datasource, target.datasource, datasources, lookup)
        except ConfigError as exc:
            problems.append(f"dashboard {dashboard_key(dashboard)}, {where}: {exc.what}")
    return problems


def inputs_hint(dashboard: Dashboard) -> str:
    """A hint for dashboards "exported for sharing externally": their ``${DS_…}`` placeholders
    (``__inputs``) are filled by Grafana's import dialog only, never by file provisioning."""
    names = [str(i.get("name")) for i in dashboard.raw.get("__inputs") or [] if isinstance(i, dict)]
    if not names:
        return ""
    placeholders = ", ".join(f"${{{name}}}" for name in names)
    return (
        f'. Hint: {placeholders} is an import placeholder (__inputs) from "Export for sharing externally"; '
        "Grafana fills it in its import dialog only, never when provisioning from a file: replace it with "
        "the datasource uid or a datasource variable"
    )
