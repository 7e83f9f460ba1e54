"""dashboards/<uid>/file: the file is a Grafana dashboard.

Catches: invalid JSON (named with file:line:column), JSON that is not a dashboard (an alert rule
export, a provisioning file saved with .json), files that are not UTF-8 — Grafana's provisioner
skips such files with only a log line, so the dashboard silently disappears.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from validation.checks.base import Check, CheckContext, relative
from validation.checks.dashboards.session import session_for
from validation.core.results import Report
from validation.dashboards.session import DashboardSession


class DashboardFileCheck(Check):
    id = "dashboards"
    kind = "dashboard"

    def run(self, ctx: CheckContext, report: Report) -> None:
        self.evaluate(session_for(ctx), report, lambda p: relative(ctx.project, p))

    def evaluate(self, session: DashboardSession, report: Report, name: Callable[[Path], str] = str) -> None:
        if not session.files:
            report.skipped(
                f"{self.id}/files", self.kind, "no dashboard files (stack/grafana/dashboards/**/*.json)"
            )
        for file in session.files:
            check_id = f"{self.id}/{file.key}/file"
            if file.error:
                report.failed(check_id, self.kind, file.error, file=str(file.path))
            else:
                assert file.dashboard is not None
                report.passed(check_id, self.kind, f"{name(file.path)}: {file.dashboard.title!r}")
