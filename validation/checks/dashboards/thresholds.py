"""dashboards/<uid>/<panel id>/threshold/<alert>: a panel showing what an alert watches marks the
alert's threshold.

Catches: a panel that turns red at 80 % while the alert pages at 90 % (or the other way round) —
the dashboard and the page then tell the on-call two different stories. Which panel shows which
alert, and on which scale, is worked out by ``validation.dashboards.alert_thresholds`` (recording
rules expanded, ``1 - x`` complements and ``* 100`` scaling followed).
"""

from __future__ import annotations

from pathlib import Path

from validation.checks.base import Check, CheckContext
from validation.checks.dashboards.session import session_for
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.dashboards.alert_thresholds import alert_thresholds, cross_check, describe, load_rules
from validation.dashboards.session import DashboardSession


class DashboardThresholdsCheck(Check):
    id = "dashboards"
    kind = "dashboard"
    severity = "warning"  # the alert still pages at its own threshold; only the colours disagree

    def run(self, ctx: CheckContext, report: Report) -> None:
        self.evaluate(session_for(ctx), ctx.project.rule_files(), report)

    def evaluate(self, session: DashboardSession, rule_files: list[Path], report: Report) -> None:
        try:
            recorded, alerts = load_rules(rule_files)
        except StackcheckError as exc:
            report.skipped(f"{self.id}/thresholds", self.kind, f"rules do not load: {exc.render()}")
            return
        watched = alert_thresholds(recorded, alerts)
        for dashboard in session.dashboards:
            for match in cross_check(dashboard, watched, recorded):
                check_id = f"{self.id}/{match.dashboard}/{match.panel.id}/threshold/{match.alert.alert}"
                if match.ok:
                    report.passed(check_id, self.kind, describe(match))
                else:
                    report.failed(
                        check_id,
                        self.kind,
                        f"exp: threshold {match.expected:g}, got: "
                        f"{', '.join(f'{v:g}' for v in match.found)}. {describe(match)}. Hint: set the panel's "
                        "threshold step to the alert's value so the panel turns red when the alert's condition holds",
                        file=dashboard.source or None,
                    )
