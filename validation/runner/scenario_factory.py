"""Registers the scenario groups (alerts, notifications) as jobs of the live run."""

from __future__ import annotations

from validation.runner.jobs import Job, JobPlanContext, JobRunner, register_job_factory
from validation.runner.scenario_jobs import PIPELINE_KINDS, ScenarioJobs


def scenario_jobs(ctx: JobPlanContext, runner: JobRunner) -> list[Job]:
    if not set(PIPELINE_KINDS) & set(ctx.options.only):
        return []
    jobs = ScenarioJobs(ctx, ctx.report)  # a malformed scenario stops the run here (exit 2)
    ctx.finishers.append(jobs.record)
    return jobs.jobs(runner)


register_job_factory(scenario_jobs)
