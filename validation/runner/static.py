"""The static gate (`stackcheck check`, and the first group of `run`): no stack needed."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from validation.checks import GROUPS, SECURITY_STATIC, CheckContext, run_checks
from validation.core.project import Project
from validation.core.results import Report
from validation.core.waivers import Waiver, apply_waivers, load_waivers
from validation.runner.progress import NULL_PROGRESS, Progress


def run_static(
    project: Project,
    report: Report,
    work_dir: Path,
    backend: str = "process",
    progress: Progress = NULL_PROGRESS,
) -> None:
    run_checks(GROUPS["static"], CheckContext(project, work_dir, backend=backend, progress=progress), report)


def check(
    project: Project,
    report_dir: Path,
    progress: Progress = NULL_PROGRESS,
    selection: dict[str, Any] | None = None,
) -> Report:
    waivers = load_waivers(project.root, project.rule_files())  # a malformed one stops here (exit 2)
    report = Report(environment={"backend": "none", "time_scale": 1, "versions": tool_versions()})
    report.selection = selection or {}
    with tempfile.TemporaryDirectory(prefix="stackcheck-static-") as tmp:
        run_static(project, report, Path(tmp), progress=progress)
        run_checks(SECURITY_STATIC, CheckContext(project, Path(tmp), progress=progress), report)
    finalize(report, project, waivers)
    report.write(report_dir)
    return report


def finalize(report: Report, project: Project, waivers: list[Waiver], *, complete: bool = False) -> None:
    """Places relative to the repository root, then the waivers (which match on them); ``complete``
    when every check group ran."""
    report.relativize(project.root)
    apply_waivers(report, waivers, complete=complete)


def tool_versions() -> dict[str, str]:
    from validation.components import COMPONENTS

    versions = {}
    for name in ("prometheus", "alertmanager"):
        binary = COMPONENTS[name].find_binary()
        versions[name] = COMPONENTS[name].version(binary) if binary else "missing"
    return versions
