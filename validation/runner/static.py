"""The static gate (`stackcheck check`, and the first group of `run`): no stack needed."""

from __future__ import annotations

import tempfile
from pathlib import Path

from validation.checks import STATIC, CheckContext
from validation.core.project import Project
from validation.core.results import Report


def run_static(project: Project, report: Report, work_dir: Path) -> None:
    ctx = CheckContext(project, work_dir)
    for check_type in STATIC:
        check_type().run(ctx, report)
    from validation.checks.dashboards.run import run_static_dashboard_checks

    run_static_dashboard_checks(ctx, report)


def check(project: Project, report_dir: Path) -> Report:
    report = Report(environment={"backend": "none", "time_scale": 1, "versions": tool_versions()})
    with tempfile.TemporaryDirectory(prefix="stackcheck-static-") as tmp:
        run_static(project, report, Path(tmp))
    report.write(report_dir)
    return report


def tool_versions() -> dict[str, str]:
    from validation.components import SPECS
    from validation.core.errors import ComponentUnavailable

    versions = {}
    for name in ("prometheus", "alertmanager"):
        spec = SPECS[name]
        try:
            versions[name] = spec.version(spec.find_binary())
        except ComponentUnavailable:
            versions[name] = "missing"
    return versions
