"""alerts/<scenario>/<alert>/…, notifications/<scenario>/<receiver>/…, coverage/… — the alert
pipeline end to end: synthetic series in, rules fire, Alertmanager routes, sinks receive.

Catches: a threshold off by 10× (the alert never fires, or fires in a negative scenario), a
route matcher typo (delivered to the wrong receiver, or not at all), a template field that
dropped out of the message, send_resolved switched off, an inhibition that mutes too much.
Expectations come from fixtures/scenarios/, never from the config under test.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from validation.checks.base import Check, CheckContext
from validation.core.alert_rules import load_alert_rules
from validation.core.durations import parse_duration_seconds
from validation.core.results import Kind, Report
from validation.core.yamlload import load_yaml
from validation.fixtures.endpoints import FILE_NAME as ENDPOINTS_FILE
from validation.pipeline.coverage import compute_coverage, record_coverage
from validation.pipeline.endpoints import record_endpoint_checks
from validation.pipeline.paths import path_coverage
from validation.pipeline.run import run_pipeline
from validation.pipeline.timing import Timing
from validation.render.rules import rule_name
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config
from validation.scenarios.loader import load_scenarios, validate_against
from validation.scenarios.model import Scenario
from validation.scenarios.selection import runnable_at, select_scenarios


def alert_rules(rule_files: list[Path]) -> dict[str, float]:
    """Alert name → `for` in seconds, from the rule files under test (the longest, where tiers
    of one alert name differ)."""
    out: dict[str, float] = {}
    for path in rule_files:
        for group in (load_yaml(path) or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule:
                    name, hold = str(rule["alert"]), parse_duration_seconds(str(rule.get("for", "0s")))
                    out[name] = max(hold, out.get(name, 0.0))
    return out


def load_checked_scenarios(ctx: CheckContext) -> tuple[list[Scenario], dict[str, float], AlertmanagerConfig]:
    """Scenarios validated against the stack's alert and receiver names (ScenarioError → exit 2)."""
    project = ctx.project
    rules = alert_rules(project.rule_files())
    am_config = project.components["alertmanager"].config
    assert am_config is not None
    routing = load_alertmanager_config(am_config)
    scenarios = load_scenarios(project.scenarios_dir)
    for scenario in scenarios:
        validate_against(scenario, rules, routing.receivers)
    return scenarios, rules, routing


def production_timing(ctx: CheckContext, scale: float, routing: AlertmanagerConfig) -> Timing:
    prom = ctx.project.components["prometheus"].config
    glob = (load_yaml(prom) or {}).get("global") or {} if prom else {}
    return Timing(
        scale=scale,
        scrape_interval=parse_duration_seconds(str(glob.get("scrape_interval", "1m"))),
        evaluation_interval=parse_duration_seconds(str(glob.get("evaluation_interval", "1m"))),
        group_wait=routing.route.opts.group_wait,
        group_interval=routing.route.opts.group_interval,
    )


class AlertPipelineCheck(Check):
    """Serves the `alerts` and `notifications` groups: keeps the results of the kinds selected
    (``reliability`` always) and gates coverage only when both run on every scenario."""

    id = "alerts"
    kind = "alert"
    reports_progress = True  # per scenario, from the pipeline
    KINDS_OF_GROUP: ClassVar[dict[str, Kind]] = {"alerts": "alert", "notifications": "notification"}

    def __init__(
        self, coverage: bool = True, names: set[str] | None = None, slack: float | None = None
    ) -> None:
        self.coverage = coverage  # False: a measurement that only wants the latencies
        self.names = names  # exactly these scenarios (a re-run), or every one matching the pattern
        self.slack = slack  # wall seconds added to deadlines (a re-run keeps the first's in production time)

    def run(self, ctx: CheckContext, report: Report) -> None:
        pipeline = Report()
        self.run_pipeline(ctx, pipeline)
        wanted = {kind for group, kind in self.KINDS_OF_GROUP.items() if ctx.selected(group)} | {
            "reliability"
        }
        report.checks += [c for c in pipeline.checks if c.kind in wanted]
        report.coverage.update(pipeline.coverage)
        report.measurements.update(pipeline.measurements)

    def run_pipeline(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        scenarios, rules, routing = load_checked_scenarios(ctx)
        where = ctx.project.scenarios_dir
        scenarios = select_scenarios(scenarios, ctx.scenario_pattern, self.names, where)  # a re-run's
        scenarios = select_scenarios(scenarios, "", ctx.scenario_names, where)  # --changed-since's
        scale = stack.options.time_scale
        uncompressible = {rule_name(e) for e in (stack.state.uncompressible if stack.state else [])}
        runnable = runnable_at(scenarios, scale, uncompressible, report)
        timing = production_timing(ctx, scale, routing)
        if self.slack is not None:
            timing = dataclasses.replace(timing, slack=self.slack)
        outcome = run_pipeline(stack, runnable, timing, rules, routing, report, progress=ctx.progress)
        record_endpoint_checks(
            [r for sink in stack.sinks or [] for r in sink.rejected],
            stack.inbox.all(),
            (ctx.project.fixtures_dir / ENDPOINTS_FILE).is_file(),
            report,
        )
        if (
            self.coverage
            and all(ctx.selected(g) for g in self.KINDS_OF_GROUP)
            and not ctx.scenario_pattern
            and ctx.scenario_names is None
        ):
            prometheus = ctx.project.components["prometheus"].config
            if prometheus is not None:
                report.coverage["paths"] = path_coverage(
                    scenarios, prometheus, ctx.project.address_of("pushgateway")
                )
            not_here = uncompressible if scale != 1 else set()
            alert_rules = load_alert_rules(ctx.project.rule_files(), ctx.project.root)
            record_coverage(compute_coverage(alert_rules, routing, outcome.observations, not_here), report)
