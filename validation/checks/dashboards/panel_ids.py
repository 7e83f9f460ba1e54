"""dashboards/<uid>/panel-ids: no two panels share an id; no library panels left unresolved.

Catches: duplicated ids (copy-pasted JSON): Grafana silently renumbers one panel on load, which breaks
links to it (``viewPanel=``), results.json ids and baselines keyed on panel ids. Library panels are
references to a Grafana database and cannot be checked from the file: reported as failed with how to
inline them.
"""

from __future__ import annotations

from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.session import DashboardSession, dashboard_key


class DashboardPanelIdsCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"
    severity = "warning"  # Grafana still shows every panel; links and ids keyed on panels break

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        for dashboard in session.dashboards:
            check_id = f"{self.id}/{dashboard_key(dashboard)}/panel-ids"
            problems = [f"{p.panel}: {p.message}" for p in dashboard.problems if p.kind != "no-targets"]
            missing = [p.title for p in dashboard.panels if p.id is None and not p.is_row]
            if missing:
                problems.append(f"panels without an id: {', '.join(repr(t) for t in missing)}")
            if problems:
                message = f"dashboard {dashboard_key(dashboard)}: " + "; ".join(problems)
                report.failed(
                    check_id,
                    self.kind,
                    message + ". Hint: give every panel its own stable id",
                    file=dashboard.source or None,
                )
            else:
                report.passed(check_id, self.kind)
