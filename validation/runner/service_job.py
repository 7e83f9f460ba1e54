"""The stack's own checks as one job: health, security, scrape, then dashboards, on a stack of their own.

Separate from the scenario groups on purpose: the dashboards' GPU fixture would fire GPU alerts
on a stack that runs scenarios, and here it runs beside them instead of after them.
"""

from __future__ import annotations

import time

from validation.checks import GROUPS, CheckContext, checks_for, run_checks
from validation.core.results import Report
from validation.runner.jobs import Job, JobPlanContext, JobRunner, register_job_factory
from validation.stack.stack import Stack

SERVICE_GROUPS = ("health", "security", "scrape", "dashboards")
SERVICE_K = 15.0
"""These checks read the components' current state and a few production minutes of dashboard
data; 1s intervals (15s / 15) cost a quarter of what 250ms would, beside the scenario stacks."""


def service_jobs(ctx: JobPlanContext, runner: JobRunner) -> list[Job]:
    options = ctx.options
    groups = [g for g in SERVICE_GROUPS if g in options.only]
    if not groups:
        return []

    def body(stack: Stack | None, report: Report) -> None:
        check_ctx = CheckContext(
            ctx.project,
            ctx.work_dir,
            stack=stack,
            groups=options.only,
            scenario_pattern=options.scenarios,
            scenario_names=options.scenario_names,
            report_dir=options.report_dir,
            progress=options.progress,
        )
        static_done = GROUPS["static"] if "static" in options.only else ()
        started = time.monotonic()
        run_checks(checks_for(groups, already_run=static_done), check_ctx, report)
        report.measurements["checks_s"] = round(time.monotonic() - started, 3)

    k = min(options.time_scale, SERVICE_K)
    return [Job("services", ctx.stack_options(k), body, {"k": k})]


register_job_factory(service_jobs)
