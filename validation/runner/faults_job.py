"""The faults group as a job: it starts its own stack (validation.checks.faults), beside the
scenario groups and the services; ``stop_all`` stops that stack too (Ctrl-C, SIGTERM)."""

from __future__ import annotations

from validation.core.results import Report
from validation.runner.jobs import Job, JobPlanContext, JobRunner, register_job_factory
from validation.stack.stack import Stack


def faults_jobs(ctx: JobPlanContext, runner: JobRunner) -> list[Job]:
    if "faults" not in ctx.options.only:
        return []
    from validation.checks.faults import FaultOptions, run_faults

    options = FaultOptions(ctx.backend, ctx.exact_k, ctx.options.keep_run_dir)
    started: list[Stack] = []

    def body(stack: Stack | None, report: Report) -> None:
        run_faults(ctx.project, options, report, started)

    return [
        Job(
            "faults",
            ctx.stack_options(ctx.exact_k),
            body,
            {"k": ctx.exact_k},
            own_stack=False,
            stacks=started,
        )
    ]


register_job_factory(faults_jobs)
