"""dashboards/<uid>/variables/<name>: every query variable returns options from the running stack.

Catches: a variable whose query reads a metric or label that does not exist (renamed label, typo,
relabeling changed): Grafana shows an empty dropdown, and every panel using ``$var`` silently shows
"No data". Also a dashboard whose variables cannot be resolved at all (cycle, bad regex, unknown
datasource). Needs a session executed against Prometheus.
"""

from __future__ import annotations

from validation.checks.dashboards.datasources import inputs_hint
from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.interpolate import ALL
from validation.dashboards.session import DashboardSession, dashboard_key
from validation.dashboards.variables import variable_query


class DashboardVariablesCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        for dashboard in session.dashboards:
            uid = dashboard_key(dashboard)
            run = session.run_of(dashboard)
            if run is None:
                report.skipped(f"{self.id}/{uid}/variables", self.kind, "not executed: no Prometheus")
                continue
            if run.error:
                message = f"dashboard {uid}: {run.error}" + inputs_hint(dashboard)
                report.failed(f"{self.id}/{uid}/variables", self.kind, message, file=dashboard.source or None)
                continue
            for variable in dashboard.variables:
                if variable.type != "query":
                    continue
                check_id = f"{self.id}/{uid}/variables/{variable.name}"
                value = run.variables.get(variable.name)
                options = [v for v in (value.all_values if value else []) if v != ALL]
                if not options and value is not None:
                    options = [v for v in value.values if v and v != ALL]
                if options:
                    report.passed(check_id, self.kind, f"{len(options)} option(s)", options=options[:20])
                else:
                    report.failed(
                        check_id,
                        self.kind,
                        f"dashboard {uid}, variable ${variable.name}: exp: at least one option, got: none "
                        f"from {variable_query(variable)!r}. Hint: check the metric and label names the query "
                        "reads against what the targets expose",
                        file=dashboard.source or None,
                    )
