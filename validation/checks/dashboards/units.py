"""dashboards/<uid>/units: every panel that plots numbers declares a unit.

Catches: a panel without ``fieldConfig.defaults.unit``: Grafana then prints bare numbers, so a ratio
of 0.93 and 93 % look alike and bytes have no prefix — the on-call reads the wrong magnitude. Tables,
text and panels without queries are exempt.
"""

from __future__ import annotations

from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.session import DashboardSession, dashboard_key

NUMERIC_TYPES = frozenset(
    {"timeseries", "graph", "stat", "gauge", "bargauge", "singlestat", "heatmap", "barchart"}
)


class DashboardUnitsCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"
    severity = "warning"  # presentation: the panel still shows the right data

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        for dashboard in session.dashboards:
            check_id = f"{self.id}/{dashboard_key(dashboard)}/units"
            missing = [
                f"{p.title!r} (id {p.id})"
                for p in dashboard.query_panels()
                if p.type in NUMERIC_TYPES and p.targets and not p.unit
            ]
            if missing:
                report.failed(
                    check_id,
                    self.kind,
                    f"dashboard {dashboard_key(dashboard)}: exp: a unit on every numeric panel, got: none on "
                    f"{', '.join(missing)}. Hint: set Standard options > Unit (percentunit, bytes, s, ...)",
                    file=dashboard.source or None,
                )
            else:
                report.passed(check_id, self.kind)
