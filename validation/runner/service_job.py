"""The stack's own checks as one job: health, scrape, then dashboards, on a stack of their own.

Separate from the scenario groups on purpose: the dashboards' GPU fixture would fire GPU alerts
on a stack that runs scenarios, and here it runs beside them instead of after them.
"""

from __future__ import annotations

import time

from validation.checks import RUNTIME, CheckContext
from validation.checks.base import run_check
from validation.core.results import Report
from validation.runner.jobs import Job, JobPlanContext, JobRunner, register_job_factory
from validation.stack.stack import Stack

SERVICE_GROUPS = ("health", "scrape", "dashboards")
SERVICE_K = 15.0
"""These checks read the components' current state and a few production minutes of dashboard
data; 1s intervals (15s / 15) cost a quarter of what 250ms would, beside the scenario stacks."""


def service_jobs(ctx: JobPlanContext, runner: JobRunner) -> list[Job]:
    only = set(ctx.options.only)
    if not only & set(SERVICE_GROUPS):
        return []

    def body(stack: Stack, report: Report) -> None:
        check_ctx = CheckContext(ctx.project, ctx.work_dir, stack=stack)
        for group in ("health", "scrape"):
            if group in only:
                started = time.monotonic()
                for check_type in RUNTIME[group]:
                    run_check(check_type(), check_ctx, report)
                report.measurements[f"{group}_s"] = round(time.monotonic() - started, 3)
        if "dashboards" in only:
            from validation.checks.dashboards.run import run_dashboard_checks

            started = time.monotonic()
            check_ctx.options["report_dir"] = str(ctx.options.report_dir)
            run_dashboard_checks(check_ctx, report, include_static="static" not in only)
            report.measurements["dashboards_s"] = round(time.monotonic() - started, 3)

    k = min(ctx.options.time_scale, SERVICE_K)
    return [Job("services", ctx.stack_options(k), body, {"k": k})]


register_job_factory(service_jobs)
