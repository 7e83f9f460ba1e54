"""dashboards/fixture/… — the running stack made ready for the dashboards, then every dashboard
executed once (the checks after it judge the results).

The stack's first scrape, then fixtures/dashboards/data.yaml served by the synthetic target and
visible in Prometheus; every dashboard of the shared session runs against the stack in production
time. The fixture series are withdrawn when the run's checks are done (they fire GPU alerts, so
the registry runs this group after the alert pipeline).

Catches: a fixture that does not load (``dashboards/fixture/load``) or whose series never show up
(``dashboards/fixture/ready``) — without them the data checks would blame the dashboards.
Measurements: ``dashboards_prepare_s`` (first scrape + fixture visible), ``dashboards_execute_s``
(all panels of all dashboards, stack already up).
"""

from __future__ import annotations

from pathlib import Path

from validation.checks.base import Check, CheckContext
from validation.checks.dashboards.session import session_for
from validation.core.errors import StackcheckError
from validation.core.results import Report
from validation.dashboards.fixture import load_fixture
from validation.dashboards.stack_data import prepare, production_range, withdraw

FIXTURE = Path("dashboards") / "data.yaml"


class DashboardFixtureCheck(Check):
    id = "dashboards/fixture"
    kind = "dashboard"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        session = session_for(ctx)
        try:
            fixture = load_fixture(ctx.project.fixtures_dir / FIXTURE)
        except StackcheckError as exc:
            report.failed(f"{self.id}/load", self.kind, exc.render())
            fixture = None
        ctx.defer(lambda: withdraw(stack))
        ready = report.timed(f"{self.id}/ready", self.kind)
        if fixture is not None:
            problems = prepare(stack, fixture)
            if problems:
                ready.failed("; ".join(problems))
            elif fixture.series:
                ready.passed(f"{len(fixture.series)} series served")
        report.measurements["dashboards_prepare_s"] = round(ready.seconds, 3)
        session.execute(
            stack.prometheus(), scale=stack.options.time_scale, range_seconds=production_range(stack)
        )
        report.measurements["dashboards_execute_s"] = round(session.execute_seconds, 3)
