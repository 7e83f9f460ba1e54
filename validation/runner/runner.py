"""Run checks and write the report: the library behind `stackcheck check` and `stackcheck run`."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validation.checks import ALL_GROUPS, GROUPS, CheckContext, checks_for, run_checks
from validation.checks.alerts.pipeline import load_checked_scenarios
from validation.core.errors import ConfigError, HarnessError
from validation.core.project import Project
from validation.core.results import Report
from validation.core.settings import BackendName, Settings
from validation.core.waivers import Waiver, apply_waivers, load_waivers
from validation.stack.stack import Stack, StackOptions

STACK_GROUPS = tuple(g for g in ALL_GROUPS if g not in ("static", "faults"))  # on the run's stack


@dataclass(frozen=True)
class RunOptions(Settings):
    """The shared ``Settings`` (backend, time scale, report dir) and what only `run` chooses."""

    only: tuple[str, ...] = ALL_GROUPS
    keep_run_dir: bool = False
    scenarios: str = ""  # fnmatch pattern over scenario names; a subset disables the coverage gate
    scenario_names: frozenset[str] | None = None  # `--changed-since`: only these scenarios
    selection: dict[str, Any] | None = None  # `--changed-since`: recorded in results.json


def run_static(project: Project, report: Report, work_dir: Path) -> None:
    run_checks(GROUPS["static"], CheckContext(project, work_dir), report)


def check(project: Project, report_dir: Path, selection: dict[str, Any] | None = None) -> Report:
    waivers = load_waivers(project.root, project.rule_files())  # a malformed one stops here (exit 2)
    report = Report(environment={"backend": "none", "time_scale": 1, "versions": _tool_versions()})
    report.selection = selection or {}
    with tempfile.TemporaryDirectory(prefix="stackcheck-static-") as tmp:
        run_static(project, report, Path(tmp))
    finalize(report, project, waivers)
    report.write(report_dir)
    return report


def finalize(report: Report, project: Project, waivers: list[Waiver], *, complete: bool = False) -> None:
    """Places relative to the repository root, then the waivers (which match on them); ``complete``
    when every check group ran."""
    report.relativize(project.root)
    apply_waivers(report, waivers, complete=complete)


def _tool_versions() -> dict[str, str]:
    from validation.components import COMPONENTS

    versions = {}
    for name in ("prometheus", "alertmanager"):
        binary = COMPONENTS[name].find_binary()
        versions[name] = COMPONENTS[name].version(binary) if binary else "missing"
    return versions


def run(project: Project, options: RunOptions) -> Report:
    unknown = [g for g in options.only if g not in ALL_GROUPS]
    if unknown:
        raise HarnessError(
            f"unknown check group(s) {', '.join(unknown)}", hint=f"choose from {', '.join(ALL_GROUPS)}"
        )
    waivers = load_waivers(project.root, project.rule_files())
    report = Report(selection=options.selection or {})
    if {"alerts", "notifications", "faults"} & set(options.only):
        # a malformed scenario stops the run before anything starts (exit 2)
        load_checked_scenarios(CheckContext(project, Path(".")))
    backend = resolve_backend(options.backend, project)
    if backend == "containers":
        from validation.docker.client import remove_labelled

        remove_labelled(orphans_only=True)  # containers of a harness that was SIGKILLed
    stack = Stack(
        project,
        StackOptions(backend=backend, time_scale=options.time_scale, keep_run_dir=options.keep_run_dir),
    )
    with tempfile.TemporaryDirectory(prefix="stackcheck-static-") as tmp, ThreadPoolExecutor(2) as pool:
        static: Future[None] | None = None
        static_report = Report()
        if "static" in options.only:
            # static checks overlap with the stack's start-up and first scrape
            static = pool.submit(run_static, project, static_report, Path(tmp))
        faults: Future[None] | None = None
        faults_report = Report()
        fault_stacks: list[Stack] = []
        interrupted = False
        if "faults" in options.only:
            # the faults group runs on a stack of its own, beside the run's
            from validation.checks.faults import FaultOptions, run_faults

            fault_options = FaultOptions(backend, options.time_scale, options.keep_run_dir)
            if set(options.only) & set(STACK_GROUPS):
                faults = pool.submit(run_faults, project, fault_options, faults_report, fault_stacks)
        try:
            if set(options.only) & set(STACK_GROUPS):
                _run_stack_groups(project, options, stack, report, Path(tmp))
            elif "faults" in options.only:
                run_faults(project, fault_options, faults_report)
        except BaseException:
            interrupted = True
            for fault_stack in fault_stacks:  # Ctrl-C, SIGTERM: do not wait for the faults group
                fault_stack.stop()
            raise
        finally:
            if static is not None:
                static.result()
                report.checks[:0] = static_report.checks
            if faults is not None and not interrupted:
                faults.result()
            report.checks += faults_report.checks
            report.measurements.update(faults_report.measurements)
            if not report.environment:
                report.environment = faults_report.environment or {"backend": backend}
    complete = (
        set(options.only) == set(ALL_GROUPS) and not options.scenarios and options.scenario_names is None
    )
    finalize(report, project, waivers, complete=complete)
    report.write(options.report_dir)
    return report


def _run_stack_groups(project: Project, options: RunOptions, stack: Stack, report: Report, tmp: Path) -> None:
    started = time.monotonic()
    try:
        with stack:
            report.measurements["startup_s"] = round(time.monotonic() - started, 3)
            report.measurements["component_startup_s"] = {
                i.name: round(i.startup_seconds, 3) for i in stack.instances()
            }
            ctx = CheckContext(
                project,
                tmp,
                stack=stack,
                groups=options.only,
                scenario_pattern=options.scenarios,
                scenario_names=options.scenario_names,
                report_dir=options.report_dir,
            )
            runtime = [g for g in options.only if g in STACK_GROUPS]
            static_done = GROUPS["static"] if "static" in options.only else ()
            run_checks(checks_for(runtime, already_run=static_done), ctx, report)
            report.environment = stack.environment()
            if stack.state and stack.state.ctx.warnings:
                report.environment["render_warnings"] = list(stack.state.ctx.warnings)
    except ConfigError as exc:
        report.failed("stack/start", "health", exc.render())
        report.environment = stack.environment()


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
