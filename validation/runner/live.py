"""`stackcheck run`: the static gate beside every job, each job on a stack of its own, at once.

The jobs come from the registered factories (``runner.jobs.JOB_FACTORIES``): the stack's own
checks (``service_job``) and one job per scenario group (``scenario_factory``). Every factory is
asked before anything starts, so a malformed scenario is exit 2 with nothing running. The static
checks need no stack and overlap the start-ups. The report merges every job: checks in job
order, per-job figures under ``measurements.jobs``, each job's K and intervals under
``environment.jobs`` (and each scenario group's under ``environment.groups``).
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from validation.checks import ALL_GROUPS
from validation.checks.alerts.pipeline import production_timing
from validation.checks.base import CheckContext
from validation.core.errors import HarnessError, StackcheckError
from validation.core.project import Project
from validation.core.results import Report
from validation.core.settings import BackendName
from validation.core.waivers import load_waivers
from validation.pipeline.grouping import ladder
from validation.routing.config import load_alertmanager_config
from validation.runner import (  # noqa: F401  (they register their jobs)
    faults_job,
    scenario_factory,
    service_job,
)
from validation.runner.jobs import JOB_FACTORIES, JobPlanContext, JobProgress, JobResult, JobRunner
from validation.runner.options import RunOptions
from validation.runner.scenario_jobs import lookback_seconds
from validation.runner.static import finalize, run_static
from validation.stack.exporters import load_checked_exporters
from validation.stack.stack import StackOptions


def run(project: Project, options: RunOptions, progress: JobProgress | None = None) -> Report:
    unknown = [g for g in options.only if g not in ALL_GROUPS]
    if unknown:
        raise HarnessError(
            f"unknown check group(s) {', '.join(unknown)}", hint=f"choose from {', '.join(ALL_GROUPS)}"
        )
    started = time.monotonic()
    waivers = load_waivers(project.root, project.rule_files())  # a malformed one: exit 2, nothing started
    load_checked_exporters(project)  # fixtures/exporters.yaml: likewise
    report = Report(selection=options.selection or {})
    backend = resolve_backend(options.backend, project)
    if backend == "containers":
        from validation.docker.client import remove_labelled

        remove_labelled(orphans_only=True)  # containers of a harness that was SIGKILLed
    with tempfile.TemporaryDirectory(prefix="stackcheck-static-") as tmp, ThreadPoolExecutor(1) as pool:
        plan_ctx = JobPlanContext(project, options, backend, Path(tmp), exact_k(project, options), report)
        runner = JobRunner(project, progress or options.progress)
        jobs = [job for factory in JOB_FACTORIES for job in factory(plan_ctx, runner)]
        static: Future[None] | None = None
        static_report = Report()
        if "static" in options.only:
            static = pool.submit(run_static, project, static_report, Path(tmp), backend, options.progress)
        try:
            for job in jobs:
                runner.add(job)
            results = runner.wait()
        finally:
            if static is not None:
                static.result()
        checks = list(report.checks)
        report.checks = static_report.checks + _job_checks(results) + checks
        for finish in plan_ctx.finishers:
            finish(report, results)
    _attempts(report, results)
    _environment(report, options, results)
    _measurements(report, results, time.monotonic() - started)
    complete = (
        set(options.only) == set(ALL_GROUPS) and not options.scenarios and options.scenario_names is None
    )
    finalize(report, project, waivers, complete=complete)
    report.write(options.report_dir)
    return report


def exact_k(project: Project, options: RunOptions) -> float:
    """The K of the production sampling at the interval floor (60 for 15s at 250ms), capped."""
    am = project.components["alertmanager"].config if "alertmanager" in project.components else None
    if am is None:
        return min(options.time_scale, 60.0)
    ctx = CheckContext(project, Path("."))
    try:
        timing = production_timing(ctx, 1, load_alertmanager_config(am))
        return ladder(timing, options.time_scale, options.interval_floor, lookback_seconds(ctx))[0].k
    except StackcheckError:  # a broken config is the static and start checks' finding, not this
        return min(options.time_scale, 60.0)


def _job_checks(results: list[JobResult]) -> list[Any]:
    checks, seen = [], set()
    for result in results:
        for check in result.report.checks:
            if check.id == "stack/start":  # the same broken config fails every stack alike
                if check.message in seen:
                    continue
                seen.add(check.message)
            checks.append(check)
    return checks


def _attempts(report: Report, results: list[JobResult]) -> None:
    """Each group settled its own re-runs (``scenario_jobs``): their attempts, named by group,
    and every group's reason to distrust its verdicts (exit 2)."""
    reasons = []
    for result in results:
        report.attempts += [{"group": result.job.name} | a for a in result.report.attempts]
        if result.report.untrusted:
            reasons.append(f"{result.job.name}: {result.report.untrusted}")
    if reasons:
        report.untrusted = " | ".join(reasons)


def _environment(report: Report, options: RunOptions, results: list[JobResult]) -> None:
    versions: dict[str, str] = {}
    images: dict[str, str] = {}  # containers backend: the image each component ran
    warnings: list[str] = []
    for result in results:
        versions.update(result.environment.get("versions") or {})
        images.update(result.environment.get("images") or {})
        warnings += [w for w in result.environment.get("render_warnings") or [] if w not in warnings]
    first = results[0].environment if results else {}
    env: dict[str, Any] = {
        "backend": first.get("backend", options.backend),
        "time_scale": options.time_scale,
        "time_scale_is": "cap",
        "interval_floor_s": options.interval_floor,
        "versions": versions,
        "address_block": first.get("address_block", ""),
        "jobs": [
            {
                "name": r.job.name,
                "k": r.job.stack_options.time_scale,
                "min_interval_s": r.job.stack_options.min_interval,
                "address_block": r.environment.get("address_block", ""),
                "startup_s": round(r.startup_s, 3),
                "wall_s": round(r.wall_s, 3),
            }
            for r in results
        ],
    }
    if images:
        env["images"] = images
    if warnings:
        env["render_warnings"] = warnings
    report.environment = env | {k: v for k, v in report.environment.items() if k == "groups"}


def _measurements(report: Report, results: list[JobResult], wall_s: float) -> None:
    jobs = {}
    for result in results:
        figures = dict(result.report.measurements)
        jobs[result.job.name] = figures
        if result.job.name == "services" or "startup_s" not in report.measurements:
            for key in ("startup_s", "component_startup_s", "time_to_first_scrape_s"):
                if key in figures:
                    report.measurements[key] = figures[key]
    if len(results) == 1:  # one job: its figures at the top, as before jobs existed
        report.measurements.update(results[0].report.measurements)
    report.measurements["jobs"] = jobs
    report.measurements["run_wall_s"] = round(wall_s, 3)
    span = sum(g.get("production_span_s", 0.0) for g in report.environment.get("groups") or [])
    if span:
        report.measurements["production_s_per_wall_s"] = round(span / wall_s, 1)


def resolve_backend(name: str, project: Project) -> str:
    """``auto``: containers when an engine answers and every image is there, else processes."""
    return name if name != "auto" else choose_backend("auto", project)[0]


def choose_backend(name: BackendName, project: Project) -> tuple[BackendName, str]:
    """The backend ``name`` resolves to, and why: for containers, which image each component
    runs — the pinned official one or the local build (``stackcheck-local/…``)."""
    if name == "process":
        return name, ""
    from validation.docker.client import engine_available

    if not engine_available():
        return ("process", "no Docker engine answers") if name == "auto" else (name, "")
    from validation.docker.images.choice import choose_images

    wanted = {n: c for n, c in project.components.items() if n in StackOptions().components}
    choices = choose_images(wanted)
    missing = [c.official for c in choices.values() if not c.image]
    if missing and name == "auto":
        return "process", f"no image for {', '.join(missing)} (`stackcheck provision --docker` builds them)"
    used = "; ".join(f"{c.component} {c.describe()}" for c in choices.values())
    return ("containers" if name == "auto" else name), used
