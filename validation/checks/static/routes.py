"""routes/<cases>/<case> and routes/properties — the routing tree against fixtures/routes.yml
(label set → expected receivers, written from the routing policy) and the tree's invariants.

Catches: a matcher typo or a missing `continue` that sends a page to the wrong channel, or to
no one; a critical alert that could end only in a silent receiver.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, config_file, relative
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.routing.cases import check_results, run_routes_cases
from validation.routing.config import load_alertmanager_config
from validation.routing.properties import check_routing_properties, example_label_sets


class RoutesCheck(Check):
    id = "routes"
    kind = "static"

    def run(self, ctx: CheckContext, report: Report) -> None:
        path = config_file(ctx.project, "alertmanager")
        if path is None:
            return
        timing = report.timed(f"{self.id}/properties", self.kind)
        where = relative(ctx.project, path)
        try:
            config = load_alertmanager_config(path)
        except StackcheckError as exc:
            report.failed(f"{self.id}/properties", self.kind, exc.render(), file=where)
            return
        problems = check_routing_properties(config, example_label_sets(config))
        if problems:
            timing.failed(
                "; ".join(problems[:10]) + ". Hint: every alert must reach a receiver that notifies someone",
                file=where,
            )
        else:
            timing.passed()
        cases = ctx.project.fixtures_dir / "routes.yml"
        if not cases.is_file():
            report.skipped(
                f"{self.id}/cases", self.kind, "no fixtures/routes.yml (label set → expected receivers)"
            )
            return
        for result in check_results(run_routes_cases(path, cases)):
            report.add(result)
