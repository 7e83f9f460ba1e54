"""faults/alertmanager-down/… — Alertmanager is down while Prometheus fires: the alert is delivered
once it is back, and Prometheus' notification metrics tell the truth meanwhile.

The alert comes from a reference rule driven by a scenario's series (the quickest to fire);
Alertmanager is stopped before the series start and started once Prometheus has tried (and
failed) to send. ``prometheus_notifications_errors_total`` and ``…_dropped_total`` must have
grown during the outage, and every alerting rule selecting the dropped counter must be true
at that moment (its compressed expression, evaluated by Prometheus).

Catches: a rule on dropped notifications that watches a metric an outage does not move (a
misspelt name, a label matcher the real series lack); a ``rules.alert.resend-delay`` so long
that an alert that fired during an outage reaches nobody for that long. Severity: error.
"""

from __future__ import annotations

import time

from validation.checks.faults.common import KIND, FaultCase, FaultContext
from validation.core.results import Report
from validation.core.wait import WaitTimeout, wait_until
from validation.pipeline.inject import serve_scenario
from validation.scenarios.model import ExpAlert, Scenario
from validation.sinks import NotificationTimeout, by_alertname, by_receiver, contains, firing

DROPPED = "prometheus_notifications_dropped_total"
ERRORS = "prometheus_notifications_errors_total"


def quickest_alert(fx: FaultContext) -> tuple[Scenario, ExpAlert, list[str]] | None:
    """The scenario alert that fires soonest from synthetic series alone, with its receivers."""
    best: tuple[float, Scenario, ExpAlert, list[str]] | None = None
    blocked = fx.uncompressible_alerts()
    for scenario in fx.scenarios:
        if scenario.post_alerts or scenario.push_series or scenario.silences or not scenario.input_series:
            continue
        if scenario.scale != "auto":
            continue
        for alert in scenario.exp_alerts:
            if alert.alertname in blocked or alert.absent or alert.fires_within is None:
                continue
            receivers = [
                e.receiver
                for e in scenario.exp_notifications
                if e.alertname == alert.alertname and not e.absent and not e.resolved
            ]
            if receivers and (best is None or alert.fires_within < best[0]):
                best = (alert.fires_within, scenario, alert, receivers)
    return best[1:] if best else None


class AlertmanagerDownCase(FaultCase):
    id = "faults/alertmanager-down"

    def run(self, fx: FaultContext, report: Report) -> None:
        stack = fx.stack
        chosen = quickest_alert(fx)
        if chosen is None or stack.synthetic is None:
            report.skipped(self.id, KIND, "no scenario fires an alert from synthetic series alone")
            return
        scenario, alert, receivers = chosen
        scenario = scenario.isolate(fx.next_index())
        alert = next(a for a in scenario.exp_alerts if a.alertname == alert.alertname and not a.absent)
        marker = alert.exp_labels.get("instance") or alert.exp_labels.get("node") or scenario.isolation_suffix
        prometheus = stack.prometheus()
        errors_before = fx.metric_sum("prometheus", ERRORS)
        dropped_before = fx.metric_sum("prometheus", DROPPED)
        started = time.monotonic()
        stack.stop_component("alertmanager")
        try:
            serve_scenario(stack.synthetic, scenario, time.monotonic(), fx.scale)

            def fired() -> bool:
                return any(
                    a.name == alert.alertname
                    and a.state == "firing"
                    and all(a.labels.get(k) == v for k, v in alert.exp_labels.items())
                    for a in prometheus.alerts()
                )

            try:
                # a deadline, not the expectation (the alerts group judges timing): room for load
                wait_until(
                    fired, timeout=2 * fx.real(alert.fires_within or 0) + 10, what=f"{alert.alertname} firing"
                )
            except WaitTimeout:
                report.failed(
                    f"{self.id}/delivered-after-return",
                    KIND,
                    f"{alert.alertname} of scenario {scenario.name} never fired (the alerts group "
                    "reports why); nothing to deliver",
                )
                return
            # Prometheus sends at once and again every resend-delay: wait for a failed send
            resend = fx.real(fx.flag_seconds("prometheus", "rules.alert.resend-delay", "1m"))
            try:
                wait_until(
                    lambda: fx.metric_sum("prometheus", DROPPED) > dropped_before,
                    timeout=resend * 2 + 5,
                    what="a dropped notification",
                )
            except WaitTimeout:
                pass  # judged below from the counters
            errors = fx.metric_sum("prometheus", ERRORS) - errors_before
            dropped = fx.metric_sum("prometheus", DROPPED) - dropped_before
            rule_verdicts = self._rules_true(fx)
        finally:
            stack.start_component("alertmanager")
        returned = time.monotonic()
        if errors > 0 and dropped > 0 and all(ok for _, ok in rule_verdicts):
            rules = ", ".join(name for name, _ in rule_verdicts) or "no rule selects it"
            report.passed(
                f"{self.id}/metrics-tell-the-truth",
                KIND,
                f"during the outage {ERRORS} grew by {errors:g} and {DROPPED} by {dropped:g}; "
                f"rules on the dropped counter true: {rules}",
                returned - started,
            )
        else:
            silent = [name for name, ok in rule_verdicts if not ok]
            report.failed(
                f"{self.id}/metrics-tell-the-truth",
                KIND,
                f"exp: {ERRORS} and {DROPPED} grow while Alertmanager is down, and the rules on them "
                f"are true; got: errors +{errors:g}, dropped +{dropped:g}"
                + (f", rule(s) {', '.join(silent)} false" if silent else "")
                + ". Hint: a rule must select the counter as Prometheus exports it",
                returned - started,
            )
        group_wait = max((r.opts.group_wait for r in fx.routing.route.match(alert.exp_labels)), default=30.0)
        resend = fx.real(fx.flag_seconds("prometheus", "rules.alert.resend-delay", "1m"))
        timeout = resend + fx.real(group_wait) + 8
        missing = []
        for receiver in receivers:
            try:
                stack.inbox.wait_for(
                    by_receiver(receiver) & by_alertname(alert.alertname) & firing() & contains(marker),
                    timeout,
                )
            except NotificationTimeout:
                missing.append(receiver)
        stack.synthetic.remove_scenario(scenario.name)
        if missing:
            report.failed(
                f"{self.id}/delivered-after-return",
                KIND,
                f"exp: {alert.alertname} ({scenario.name}) delivered to {', '.join(receivers)} after "
                f"Alertmanager returned; got: nothing at {', '.join(missing)} within {timeout:.1f}s",
                time.monotonic() - started,
            )
        else:
            report.passed(
                f"{self.id}/delivered-after-return",
                KIND,
                f"{alert.alertname}, fired while Alertmanager was down, reached {', '.join(receivers)} "
                f"{time.monotonic() - returned:.1f}s after it returned",
                time.monotonic() - started,
            )

    def _rules_true(self, fx: FaultContext) -> list[tuple[str, bool]]:
        """Each rule selecting the dropped counter: is its compressed expression true now?"""
        out = []
        prometheus = fx.stack.prometheus()
        own = fx.project.components["prometheus"].address
        for rule in fx.alert_rules_selecting(DROPPED):
            name = str(rule["alert"])
            rendered = fx.rendered_rule(name) or rule

            def true(expr: str = str(rendered["expr"])) -> bool:
                return any(s.labels.get("instance") == own for s in prometheus.query(expr, time.time()))

            try:
                # the self-scrape brings the counter in within a scrape interval or two
                wait_until(true, timeout=3.0, what=f"{name} true")
                out.append((name, True))
            except WaitTimeout:
                out.append((name, False))
        return out
