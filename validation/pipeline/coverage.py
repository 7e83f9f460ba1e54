"""Coverage gate: every alert rule fired and was delivered in some scenario, every receiver
received something, every route was matched by some scenario's alert. Uncovered → failed,
with the list, so a new rule or route cannot land without a scenario proving it."""

from __future__ import annotations

from validation.core.results import Kind, Report
from validation.pipeline.run import PipelineOutcome
from validation.routing.config import AlertmanagerConfig
from validation.sinks import Notification


def record_coverage(
    outcome: PipelineOutcome,
    alert_names: set[str],
    routing: AlertmanagerConfig,
    inbox: list[Notification],
    report: Report,
    not_coverable: set[str] | frozenset[str] = frozenset(),
) -> None:
    """``not_coverable``: alerts whose rules cannot run time-compressed — listed, not failed."""
    covered_alerts = sorted(a for a in alert_names if a in outcome.fired and outcome.delivered.get(a))
    uncovered_alerts = sorted(alert_names - set(covered_alerts) - set(not_coverable))
    real = sorted(routing.real_receivers)
    received = {n.receiver for n in inbox}
    uncovered_receivers = [r for r in real if r not in received]
    routes = list(routing.route.walk())
    matched = {id(r) for labels in outcome.label_sets for r in routing.route.match(labels)}
    # a route on the path to a matched route counts as matched too
    for route in routes:
        if any(id(d) in matched for d in route.walk()):
            matched.add(id(route))
    uncovered_routes = [r.describe() for r in routes if id(r) not in matched]
    report.coverage.update(
        {
            "alert_rules": {
                "total": len(alert_names),
                "covered": len(covered_alerts),
                "uncovered": uncovered_alerts,
                "not_coverable_at_this_time_scale": sorted(
                    set(not_coverable) & alert_names - set(covered_alerts)
                ),
            },
            "receivers": {
                "total": len(real),
                "covered": len(real) - len(uncovered_receivers),
                "uncovered": uncovered_receivers,
            },
            "routes": {
                "total": len(routes),
                "covered": len(routes) - len(uncovered_routes),
                "uncovered": uncovered_routes,
            },
        }
    )
    gates: tuple[tuple[str, Kind, list[str], str, str], ...] = (
        (
            "coverage/alert-rules",
            "alert",
            uncovered_alerts,
            "alert rules never fired and delivered by a scenario",
            "add a scenario in fixtures/scenarios/ that fires it",
        ),
        (
            "coverage/receivers",
            "notification",
            uncovered_receivers,
            "receivers that received nothing",
            "add a scenario whose alert routes there",
        ),
        (
            "coverage/routes",
            "notification",
            uncovered_routes,
            "routes no scenario's alert matched",
            "add a scenario matching the route, or remove the dead route",
        ),
    )
    for check_id, kind, missing, what, hint in gates:
        if missing:
            report.failed(check_id, kind, f"{len(missing)} {what}: {', '.join(missing)}. Hint: {hint}")
        else:
            report.passed(check_id, kind)
