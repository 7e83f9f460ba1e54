"""Run every dashboard check of a project against the running stack: ``run_dashboard_checks``.

Order: the checks that need only the files (file, datasources, panel ids, units, thresholds,
provisioning); then the stack is prepared (first scrape, fixtures/dashboards/data.yaml served and
visible in Prometheus), every dashboard executed once, and the checks that read the results run
(variables, queries, data, real Grafana); previews are drawn to ``<report_dir>/dashboards/``.
The fixture series are withdrawn at the end, so run this after the alert/notification checks
(the fixture fires GPU alerts while it is served).

Measurements: ``dashboards_execute_s`` (all panels of all dashboards, stack already up),
``dashboards_prepare_s`` (first scrape + fixture visible), ``dashboards_previews_s``.
"""

from __future__ import annotations

import time
from pathlib import Path

from validation.checks.base import Check, CheckContext, run_check
from validation.checks.dashboards.data import DashboardDataCheck
from validation.checks.dashboards.datasources import DashboardDatasourcesCheck
from validation.checks.dashboards.file import DashboardFileCheck
from validation.checks.dashboards.grafana import GrafanaApiCheck
from validation.checks.dashboards.panel_ids import DashboardPanelIdsCheck
from validation.checks.dashboards.provisioning import DashboardProvisioningCheck
from validation.checks.dashboards.queries import DashboardQueriesCheck
from validation.checks.dashboards.session import session_for
from validation.checks.dashboards.thresholds import DashboardThresholdsCheck
from validation.checks.dashboards.units import DashboardUnitsCheck
from validation.checks.dashboards.variables import DashboardVariablesCheck
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.dashboards.fixture import load_fixture
from validation.dashboards.stack_data import prepare, production_range, prometheus_api, withdraw

STATIC: list[type[Check]] = [DashboardFileCheck, DashboardDatasourcesCheck, DashboardPanelIdsCheck, DashboardUnitsCheck,
          DashboardThresholdsCheck, DashboardProvisioningCheck]  # fmt: skip
EXECUTED: list[type[Check]] = [
    DashboardVariablesCheck,
    DashboardQueriesCheck,
    DashboardDataCheck,
    GrafanaApiCheck,
]
FIXTURE = Path("dashboards") / "data.yaml"


def run_static_dashboard_checks(ctx: CheckContext, report: Report) -> None:
    """The dashboard checks that need no stack (for ``stackcheck check``)."""
    for check in STATIC:
        run_check(check(), ctx, report)


def run_dashboard_checks(ctx: CheckContext, report: Report, *, include_static: bool = True) -> None:
    """Every dashboard check against the running stack; ``include_static=False`` when the static
    ones already ran in the same report (their ids would repeat)."""
    stack = ctx.require_stack()
    session = session_for(ctx)
    if include_static:
        run_static_dashboard_checks(ctx, report)
    fixture_path = ctx.project.fixtures_dir / FIXTURE
    try:
        fixture = load_fixture(fixture_path)
    except StackcheckError as exc:
        report.failed("dashboards/fixture/load", "dashboard", exc.render())
        fixture = None
    started = time.monotonic()
    try:
        if fixture is not None:
            problems = prepare(stack, fixture)
            if problems:
                report.failed("dashboards/fixture/ready", "dashboard", "; ".join(problems))
            elif fixture.series:
                report.passed("dashboards/fixture/ready", "dashboard", f"{len(fixture.series)} series served",
                              seconds=time.monotonic() - started)  # fmt: skip
        report.measurements["dashboards_prepare_s"] = round(time.monotonic() - started, 3)
        session.execute(
            prometheus_api(stack), scale=stack.options.time_scale, range_seconds=production_range(stack)
        )
        report.measurements["dashboards_execute_s"] = round(session.execute_seconds, 3)
        for executed in EXECUTED:
            run_check(executed(), ctx, report)
        _previews(ctx, report)
    finally:
        withdraw(stack)


def _previews(ctx: CheckContext, report: Report) -> None:
    report_dir = Path(str(ctx.options.get("report_dir", "reports")))
    try:
        from validation.dashboards.preview import render_session
    except ImportError as exc:  # matplotlib is optional
        report.skipped("dashboards/previews", "dashboard", f"no previews: {exc}")
        return
    started = time.monotonic()
    errors: list[str] = []
    written = render_session(session_for(ctx), report_dir / "dashboards", errors)
    for error in errors:
        report.skipped(f"dashboards/previews/{error.split(':', 1)[0]}", "dashboard", f"no preview: {error}")
    report.measurements["dashboards_previews_s"] = round(time.monotonic() - started, 3)
    report.measurements["dashboards_previews"] = [str(p) for p in written]
