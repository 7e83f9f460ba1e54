"""static/exporters/<job> — a scrape job whose targets nothing in a run will serve.

Catches, in seconds, what `run` would otherwise only say after starting the stack: a job of
prometheus.yml (static_configs or file_sd) scraping an exporter the harness does not run (DCGM,
cAdvisor, blackbox, …) that fixtures/exporters.yaml does not describe. Its targets would be down
in every run for no fault of the config, so `run` does not judge them (the scrape check is
skipped with this message); the families its rules and panels read from it are then proven by
nothing. A warning: the config may be right; the fixtures are incomplete. An exporters.yaml
entry `run` would refuse (a job a component already serves, a job with no target of its own) is
an error here, `static/exporters`, as `run` stops on it (exit 2).
"""

from __future__ import annotations

import time
from pathlib import Path

from validation.checks.base import Check, CheckContext, relative
from validation.core.errors import StackcheckError, split_place
from validation.core.results import Report
from validation.stack.exporter_gaps import gap_message, project_gaps
from validation.stack.exporters import load_checked_exporters


def _unservable(ctx: CheckContext) -> StackcheckError | None:
    """Why `run` would refuse to start exporters.yaml's stand-ins (a job a component serves, a
    job with no target of its own), as an error; None when it would start them."""
    if ctx.project.components["prometheus"].config is None:
        return None
    try:
        load_checked_exporters(ctx.project)
    except StackcheckError as exc:
        return exc
    return None


class ExporterGapsCheck(Check):
    id = "static/exporters"
    kind = "static"
    severity = "warning"

    def run(self, ctx: CheckContext, report: Report) -> None:
        start = time.monotonic()
        try:
            gaps = project_gaps(ctx.project)
        except StackcheckError as exc:
            report.skipped(
                self.id,
                self.kind,
                f"exporters.yaml does not load (static/fixtures/exporters.yaml): {exc.what}",
            )
            return
        config = ctx.project.components["prometheus"].config
        problem = _unservable(ctx)
        if problem is not None:
            file, line = split_place(problem.place)
            report.failed(
                self.id, self.kind, problem.render().replace(f"{ctx.project.root}/", ""), time.monotonic() - start,
                severity="error", file=relative(ctx.project, Path(file)) if file else None, line=line,
            )  # fmt: skip
        file = relative(ctx.project, config) if config is not None else None
        for gap in gaps:
            message = gap_message(gap, ctx.project.fixtures_dir).replace(f"{ctx.project.root}/", "")
            report.failed(
                f"{self.id}/{gap.job}", self.kind, message, time.monotonic() - start,
                file=file, line=gap.line or None, families=list(gap.families), targets=list(gap.targets),
            )  # fmt: skip
        if not gaps and problem is None:
            report.passed(
                self.id, self.kind, "every scrape target is served in a run", time.monotonic() - start
            )
