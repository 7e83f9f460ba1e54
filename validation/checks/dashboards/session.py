"""Where the dashboard checks find the project's dashboards, and the one session they share.

Every dashboard check reads the same ``DashboardSession`` (loaded once per context, kept in
``ctx.dashboard_session``); checks that need query results find them there once
``DashboardFixtureCheck`` (or a test) executed it.
"""

from __future__ import annotations

import abc
from pathlib import Path

from validation.checks.base import Check, CheckContext
from validation.core.project import Project
from validation.core.results import Report
from validation.dashboards.session import DashboardSession, project_dashboard_files


def grafana_paths(project: Project) -> tuple[Path, Path]:
    """(dashboards folder, provisioning folder) of the project's Grafana."""
    config = project.components.get("grafana")
    base = project.stack_dir / "grafana"
    dashboards = config.dashboards if config and config.dashboards else base / "dashboards"
    provisioning = config.provisioning if config and config.provisioning else base / "provisioning"
    return dashboards, provisioning


def session_for(ctx: CheckContext) -> DashboardSession:
    if ctx.dashboard_session is None:
        dashboards, provisioning = grafana_paths(ctx.project)
        ctx.dashboard_session = DashboardSession.load(
            project_dashboard_files(dashboards), provisioning / "datasources"
        )
    return ctx.dashboard_session


class SessionCheck(Check):
    """A dashboard check that judges the shared session: ``evaluate`` holds the logic."""

    def run(self, ctx: CheckContext, report: Report) -> None:
        self.evaluate(session_for(ctx), report)

    @abc.abstractmethod
    def evaluate(self, session: DashboardSession, report: Report) -> None: ...
