"""security/grafana/{anonymous-refused,default-admin-refused} — a live Grafana refuses strangers.

Catches: a running Grafana (``GRAFANA_URL``) that serves its API without credentials
(anonymous access, which publishes the cluster's topology) or still lets ``admin/admin`` in
(the upstream default password never changed). Without a reachable Grafana both are reported
skipped with the reason (validation.dashboards.grafana_api.locate) — never faked. The static
side of the same defects is security/grafana/<setting> (grafana_ini.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from validation.checks.base import Check, CheckContext
from validation.core.results import Report
from validation.dashboards.grafana_api import GrafanaClient, locate


class GrafanaUsersCheck(Check):
    id = "security/grafana"
    kind = "security"

    def run(self, ctx: CheckContext, report: Report) -> None:
        self.evaluate(report)

    def evaluate(self, report: Report, env: Mapping[str, str] | None = None) -> None:
        where = locate(env)
        names = ("anonymous-refused", "default-admin-refused")
        if not where.url:
            for name in names:
                report.skipped(f"{self.id}/{name}", self.kind, where.reason)
            return
        client = GrafanaClient(where.url)
        for name, auth, what in (
            ("anonymous-refused", None, "without credentials"),
            ("default-admin-refused", ("admin", "admin"), "for admin/admin"),
        ):
            try:
                status = client.search_status(auth)
            except requests.RequestException as exc:
                report.failed(
                    f"{self.id}/{name}", self.kind, f"{where.url}: {exc}. Hint: is Grafana running?"
                )
                continue
            result = report.passed if status == 401 else report.failed
            result(f"{self.id}/{name}", self.kind, f"exp: 401 {what} on /api/search, got: {status}")
