"""static/scenarios, static/fixtures/<file> — the user's own test input, loaded as `run` loads it.

Catches: a misspelt scenario key, a bad duration or value notation, an alert or receiver name
the stack lacks, a malformed fixtures/targets.yaml, fixtures/exporters.yaml (or a job there that
prometheus.yml lacks) or fixtures/dashboards/data.yaml — in the
static gate, with file:line, instead of minutes later when `run` reaches it. `run` refuses to
start on the same errors (exit 2); here they are a failed check (exit 1) so the gate reports
them together with everything else it found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from validation.checks.base import Check, CheckContext, relative
from validation.core.errors import StackcheckError, split_place
from validation.core.project import Project
from validation.core.results import Report
from validation.fixtures.exporters import FILE_NAME as EXPORTERS_FILE
from validation.fixtures.exporters import load_exporters
from validation.stack.exporter_gaps import local_jobs


def _job_names(project: Project) -> list[str] | None:
    config = project.components["prometheus"].config
    return [job.name for job in local_jobs(config)] or None if config is not None else None


class ScenariosCheck(Check):
    id = "static/scenarios"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        from validation.checks.alerts.pipeline import load_checked_scenarios
        from validation.dashboards.fixture import load_fixture
        from validation.fixtures.targets import load_expected_targets

        project = ctx.project
        start = time.monotonic()
        try:
            scenarios, _, _ = load_checked_scenarios(ctx)
        except StackcheckError as exc:
            self._failed(report, self.id, exc, ctx, start)
        else:
            report.passed(self.id, self.kind, f"{len(scenarios)} scenarios", time.monotonic() - start)
        targets = project.fixtures_dir / "targets.yaml"
        data = project.fixtures_dir / "dashboards" / "data.yaml"
        exporters = project.fixtures_dir / EXPORTERS_FILE
        loaders: tuple[tuple[Path, Callable[[Path], object]], ...] = (
            (targets, load_expected_targets),
            (exporters, lambda path: load_exporters(path, _job_names(project))),
            (data, load_fixture),
        )
        for path, load in loaders:
            if not path.is_file():
                continue
            start = time.monotonic()
            check_id = f"static/fixtures/{path.name}"
            try:
                load(path)
            except StackcheckError as exc:
                self._failed(report, check_id, exc, ctx, start)
            else:
                report.passed(check_id, self.kind, seconds=time.monotonic() - start)

    def _failed(
        self, report: Report, check_id: str, exc: StackcheckError, ctx: CheckContext, start: float
    ) -> None:
        file, line = split_place(exc.place)
        if file is not None:
            file = relative(ctx.project, Path(file))
        report.failed(
            check_id, self.kind, exc.render().replace(f"{ctx.project.root}/", ""),
            time.monotonic() - start, file=file, line=line,
        )  # fmt: skip
