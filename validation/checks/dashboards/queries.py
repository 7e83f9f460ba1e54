"""dashboards/<uid>/queries: every target, after variable and macro expansion, is valid PromQL.

Catches: queries that only break once Grafana expands them — an undefined ``$var`` left in the text,
a multi-value variable used with ``=`` instead of ``=~`` (``(a|b)`` compared literally is not an
error, but ``${var:csv}`` inside a selector is), a typo in a function name, a missing bracket. The
expression reported is what Grafana would send. Needs a session executed against Prometheus
(variables resolve from its data).
"""

from __future__ import annotations

from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.session import DashboardSession, dashboard_key


class DashboardQueriesCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        for dashboard in session.dashboards:
            uid = dashboard_key(dashboard)
            check_id = f"{self.id}/{uid}/queries"
            run = session.run_of(dashboard)
            if run is None or run.error:
                reason = run.error if run else "not executed: no Prometheus"
                report.skipped(check_id, self.kind, f"variables unresolved: {reason}")
                continue
            bad = [
                f"panel {panel.title!r} (id {panel.panel_id}) target {target.ref_id}: {target.error} "
                f"[{target.expr or target.raw_expr}]"
                for panel in run.panels
                for target in panel.targets
                if target.error and not target.parse_ok and not target.error.startswith("datasource")
            ]
            total = sum(1 for panel in run.panels for target in panel.targets if not target.skipped)
            if bad:
                report.failed(
                    check_id,
                    self.kind,
                    f"dashboard {uid}: " + "; ".join(bad),
                    file=dashboard.source or None,
                    invalid=bad,
                )
            else:
                report.passed(check_id, self.kind, f"{total} target(s) build and parse")
