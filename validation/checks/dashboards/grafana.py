"""dashboards/grafana/…: a real Grafana serves the dashboards as stackcheck reproduced them.

- ``dashboards/grafana/health``: /api/health answers with database ok;
- (refusing strangers and admin/admin is security/grafana/…, validation/checks/security/grafana_users.py)
- ``dashboards/grafana/<uid>/same-series``: each panel query sent through /api/ds/query returns the
  same series (label sets) as stackcheck's direct execution — proof that the reproduction of
  Grafana's semantics matches the original.

Without a Grafana (see ``validation.dashboards.grafana_api.locate``) every one is skipped with the
reason. The series comparison needs an untimescaled stack (Grafana does not compress queries) and
GRAFANA_USER / GRAFANA_PASSWORD.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from validation.checks.base import Check, CheckContext
from validation.checks.dashboards.session import session_for
from validation.core.results import Report
from validation.core.settings import REAL_TIME
from validation.dashboards.grafana_api import GrafanaClient, locate, series_of_frames, series_of_matrix
from validation.dashboards.session import DashboardSession, dashboard_key


class GrafanaApiCheck(Check):
    id = "dashboards/grafana"
    kind = "dashboard"

    def run(self, ctx: CheckContext, report: Report) -> None:
        scale = ctx.stack.options.time_scale if ctx.stack is not None else REAL_TIME
        self.evaluate(session_for(ctx), report, scale=scale)

    def evaluate(
        self,
        session: DashboardSession,
        report: Report,
        *,
        scale: float = REAL_TIME,
        env: Mapping[str, str] | None = None,
    ) -> None:
        where = locate(env)
        names = ["health"]
        uids = [dashboard_key(d) for d in session.dashboards]
        if not where.url:
            for name in names + [f"{uid}/same-series" for uid in uids]:
                report.skipped(f"{self.id}/{name}", self.kind, where.reason)
            return
        client = GrafanaClient(where.url)
        try:
            health = client.health()
            ok = health.get("database") == "ok"
            result = report.passed if ok else report.failed
            result(f"{self.id}/health", self.kind, f"/api/health: {health}")
        except requests.RequestException as exc:
            report.failed(f"{self.id}/health", self.kind, f"{where.url}: {exc}. Hint: is Grafana running?")
            return
        for dashboard in session.dashboards:
            check_id = f"{self.id}/{dashboard_key(dashboard)}/same-series"
            run = session.run_of(dashboard)
            if where.auth is None:
                report.skipped(check_id, self.kind, "GRAFANA_USER / GRAFANA_PASSWORD not set")
                continue
            if scale != 1 or run is None or run.error or run.time_range is None:
                report.skipped(
                    check_id, self.kind, f"needs an executed, uncompressed run (time scale {scale:g})"
                )
                continue
            differences: list[str] = []
            for panel in run.panels:
                for target in panel.targets:
                    recorded = run.recorded.get(target.expr)
                    if recorded is None or not target.executed:
                        continue
                    query = {"refId": target.ref_id, "expr": target.expr, "range": True, "instant": False,
                             "datasource": {"type": "prometheus", "uid": target.datasource},
                             "interval": f"{int(target.step or 15)}s"}  # fmt: skip
                    try:
                        answer = client.ds_query([query], recorded.start, recorded.end, where.auth)
                    except requests.RequestException as exc:
                        differences.append(f"panel {panel.title!r} {target.ref_id}: {exc}")
                        continue
                    via_grafana = series_of_frames(answer.get("results", {}).get(target.ref_id, {}))
                    direct = series_of_matrix(recorded.result)
                    if via_grafana != direct:
                        differences.append(
                            f"panel {panel.title!r} {target.ref_id}: {len(direct)} series direct, "
                            f"{len(via_grafana)} via Grafana ({len(direct ^ via_grafana)} differ)"
                        )
            if differences:
                report.failed(check_id, self.kind, "; ".join(differences))
            else:
                report.passed(check_id, self.kind)
