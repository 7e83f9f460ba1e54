"""dashboards/<uid>/<panel id>: every panel's queries run against the stack and return data.

Catches: a renamed or misspelt metric, a label value that does not exist (``job="nodes"``), a
variable selection that matches nothing, a query Prometheus rejects — each of which Grafana shows as
an empty "No data" panel (or a legend entry that never appears), found only when someone needs
the panel. Passed when every target ran and returned at least one series; skipped when nothing in the panel can run here (library panels,
other datasource types). Also fills ``coverage.panels``.
"""

from __future__ import annotations

from validation.checks.dashboards.session import SessionCheck
from validation.core.results import Report
from validation.dashboards.execute import PanelResult
from validation.dashboards.report import panel_check
from validation.dashboards.session import DashboardSession, dashboard_key


class DashboardDataCheck(SessionCheck):
    id = "dashboards"
    kind = "dashboard"

    def evaluate(self, session: DashboardSession, report: Report) -> None:
        ran: list[tuple[str, PanelResult]] = []
        for dashboard in session.dashboards:
            key = dashboard_key(dashboard)
            run = session.run_of(dashboard)
            if run is None or run.error:
                reason = run.error if run else "not executed: no Prometheus"
                for panel in dashboard.query_panels():
                    report.skipped(f"{self.id}/{key}/{panel.id}", self.kind, reason)
                continue
            for result in run.panels:
                check = panel_check(result)
                check.id = panel_id(key, result)
                if check.status == "passed" and not complete(result):
                    check.status = "failed"
                if check.status == "failed":
                    check.message = failure_message(result, key)
                    check.file = dashboard.source or None
                check.details["seconds"] = round(run.seconds, 3)
                report.add(check)
                if check.status != "skipped":
                    ran.append((check.id, result))
        if ran:
            report.coverage["panels"] = {
                "total": len(ran),
                "with_data": sum(1 for _, result in ran if complete(result)),
                "without_data": sorted(check_id for check_id, result in ran if not complete(result)),
            }


def panel_id(key: str, result: PanelResult) -> str:
    """dashboards/<key>/<panel id or title>[/<repeat value>] (the engine's id with the file name as key)."""
    panel = str(result.panel_id) if result.panel_id is not None else result.title
    return f"dashboards/{key}/{panel}" + (f"/{result.repeat_value}" if result.repeat_value else "")


def complete(result: PanelResult) -> bool:
    """Every runnable target of the panel returned at least one series."""
    return all(t.has_data for t in result.targets if not t.skipped)


def failure_message(result: PanelResult, key: str) -> str:
    where = f"dashboard {key}, panel {result.title!r} (id {result.panel_id})"
    errors = [f"target {t.ref_id}: {t.error} [{t.expr or t.raw_expr}]" for t in result.targets if t.error]
    if errors:
        return (
            f"{where}: exp: every query runs, got: {'; '.join(errors)}. Hint: the expression shown is what "
            "Grafana would send; run it in Prometheus' UI"
        )
    empty = [f"target {t.ref_id} [{t.expr}]" for t in result.targets if not t.skipped and not t.has_data]
    return (
        f"{where}: exp: at least one series, got: none from {'; '.join(empty)}. Hint: check metric names "
        "and label values (job, node) against what the targets expose; series of an exporter the harness "
        "does not run come from fixtures/exporters.yaml (static/exporters names the jobs nothing serves) "
        "or fixtures/dashboards/data.yaml"
    )
