"""faults/prometheus-crash/… — Prometheus killed with SIGKILL and started again.

After the restart every sample Prometheus had ingested before the kill is there (WAL replay),
and an alert that was pending on a rule whose ``for`` exceeds ``rules.alert.for-grace-period``
keeps the pending time it had (Prometheus 2.42 restores ``activeAt`` from ``ALERTS_FOR_STATE``
and adds the downtime) instead of starting its ``for`` again. The rule is the reference rule
with the shortest such ``for`` that a scenario drives pending; grace period and outage
tolerance are compressed with everything else.

Catches: a ``rules.alert.for-outage-tolerance`` shorter than a restart, or a
``for-grace-period`` at or above the rules' ``for``, so that every Prometheus crash delays each
long-pending page by a full ``for``; a Prometheus that does not start from its own data
directory (lost WAL). Severity: error (exit 1).
"""

from __future__ import annotations

import time
from typing import Any

from validation.checks.faults.common import KIND, FaultCase, FaultContext, longest_range, parse_time
from validation.core.results import Report
from validation.core.wait import WaitTimeout, wait_until
from validation.pipeline.inject import serve_scenario
from validation.scenarios.model import ExpAlert, Scenario


def long_pending_alert(fx: FaultContext, grace: float) -> tuple[Scenario, ExpAlert] | None:
    """The scenario alert with the shortest ``for`` above ``grace`` that goes pending."""
    best: tuple[float, Scenario, ExpAlert] | None = None
    blocked = fx.uncompressible_alerts()
    for scenario in fx.scenarios:
        if (
            scenario.post_alerts
            or scenario.push_series
            or not scenario.input_series
            or scenario.scale != "auto"
        ):
            continue
        for alert in scenario.exp_alerts:
            hold = fx.rules.get(alert.alertname, 0.0)
            if (
                alert.alertname in blocked
                or alert.absent
                or alert.pending is False
                or alert.fires_within is None
                or hold <= grace
            ):
                continue
            if best is None or hold < best[0]:
                best = (hold, scenario, alert)
    return best[1:] if best else None


class PrometheusCrashCase(FaultCase):
    id = "faults/prometheus-crash"

    def run(self, fx: FaultContext, report: Report) -> None:
        stack = fx.stack
        grace = fx.flag_seconds("prometheus", "rules.alert.for-grace-period", "10m")
        chosen = long_pending_alert(fx, grace)
        if chosen is None or stack.synthetic is None:
            report.skipped(
                self.id,
                KIND,
                f"no scenario drives a rule whose `for` exceeds the for-grace-period ({grace:g}s) pending",
            )
            return
        scenario, alert = chosen
        scenario = scenario.isolate(fx.next_index())
        alert = next(a for a in scenario.exp_alerts if a.alertname == alert.alertname and not a.absent)
        hold = fx.rules[alert.alertname]
        started = time.monotonic()
        serve_scenario(stack.synthetic, scenario, time.monotonic(), fx.scale)
        try:
            self._crash(fx, report, scenario, alert, hold, grace, started)
        finally:
            stack.synthetic.remove_scenario(scenario.name)

    def _crash(
        self,
        fx: FaultContext,
        report: Report,
        scenario: Scenario,
        alert: ExpAlert,
        hold: float,
        grace: float,
        started: float,
    ) -> None:
        stack = fx.stack
        prometheus = stack.prometheus()

        def pending() -> dict[str, Any] | None:
            return _alert_of(prometheus.rules(), alert)

        try:
            before = wait_until(pending, timeout=fx.real(alert.fires_within or hold) + 8, what="pending")
        except WaitTimeout:
            report.failed(
                f"{self.id}/pending-restored",
                KIND,
                f"{alert.alertname} of scenario {scenario.name} never went pending; nothing to restore",
            )
            return
        active_at = parse_time(str(before["activeAt"]))
        # pending long enough to tell "restored" from "restarted", short enough that the
        # remaining `for` stays above the grace period (else Prometheus waits the grace instead)
        target = max(fx.real(hold - grace) * 0.7, 8 * fx.real(fx.evaluation_interval))
        while time.time() < active_at + target:
            time.sleep(0.05)
        series = scenario.input_series[0].selector
        probe_at = time.time()
        samples_before = _samples(prometheus.query_data(f"{series}[1h]", probe_at))
        stack.kill("prometheus")
        killed = time.time()
        stack.start_component("prometheus")
        prometheus = stack.prometheus()
        samples_after = _samples(prometheus.query_data(f"{series}[1h]", probe_at))
        lost = [t for t in samples_before if t not in samples_after]
        if samples_before and not lost:
            report.passed(
                f"{self.id}/wal-replayed",
                KIND,
                f"all {len(samples_before)} samples of {series} up to the kill are there after the restart",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/wal-replayed",
                KIND,
                f"exp: the {len(samples_before)} samples of {series} ingested before kill -9; got: "
                f"{len(lost)} missing after the restart. Hint: Prometheus must start from the data "
                "directory it wrote (storage.tsdb.path on storage that survives)",
                time.monotonic() - started,
            )
        spent = killed - active_at
        last_sample = max((t for t, _ in samples_before), default=killed)
        self._judge_restore(fx, report, alert, hold, grace, spent, killed, last_sample, started)

    def _judge_restore(
        self,
        fx: FaultContext,
        report: Report,
        alert: ExpAlert,
        hold: float,
        grace: float,
        spent: float,
        killed: float,
        last_sample: float,
        started: float,
    ) -> None:
        """Judge from ALERTS_FOR_STATE, whose value is the alert's activeAt at each evaluation:
        Prometheus restores `for` state at the second evaluation after its start, and a
        restored activeAt lies ``spent`` seconds before the evaluation (a restarted one on it)."""
        evaluation = fx.real(fx.evaluation_interval)
        time.sleep(4 * evaluation + 0.5)
        matchers = ", ".join(f'{k}="{v}"' for k, v in sorted(alert.exp_labels.items()))
        selector = f'ALERTS_FOR_STATE{{alertname="{alert.alertname}", {matchers}}}'
        data = fx.stack.prometheus().query_data(f"{selector}[1m]", time.time())
        after = sorted((t, float(v)) for t, v in _samples(data) if t > killed)
        check = f"{self.id}/pending-restored"
        # The rule sees the samples from before the kill for one lookback (or range) window;
        # an alert first active after that was inactive when Prometheus restored `for` state.
        rule = fx.rendered_rule(alert.alertname) or {}
        window = fx.real(fx.flag_seconds("prometheus", "query.lookback-delta", "5m"))
        window = max(window, longest_range(str(rule.get("expr", ""))))
        if not after or after[0][0] > last_sample + window:
            first = f"{after[0][0] - killed:.2f}s after the kill" if after else "never"
            report.skipped(
                check,
                KIND,
                f"cannot judge: {alert.alertname} was not active when Prometheus restored `for` state "
                f"(first active {first}): the restart outlasted the {window:.2f}s of data the rule "
                "reads, a limit of time compression (a restart does not compress). Run with a lower "
                "--time-scale to judge it",
            )
            return
        first_ts = after[0][0]
        earliest = min(value for _, value in after)
        kept = first_ts - earliest
        # activeAt is stored in whole seconds: a restarted one reads up to ~1.5s, a restored ≈ spent
        if kept >= (spent + 1.0) / 2:
            report.passed(
                check,
                KIND,
                f"{alert.alertname} (for {hold:g}s > grace {grace:g}s, production) kept its pending "
                f"time: activeAt restored to {kept:.2f}s before the first evaluation after the restart "
                f"({spent:.2f}s pending before the kill)",
                time.monotonic() - started,
            )
        else:
            report.failed(
                check,
                KIND,
                f"exp: {alert.alertname} keeps the {spent:.2f}s it was pending before kill -9; got: "
                f"activeAt {kept:.2f}s before the first evaluation after the restart, its `for` "
                "started again. Hint: rules.alert.for-outage-tolerance must exceed a restart and "
                "rules.alert.for-grace-period stay below the rules' `for`",
                time.monotonic() - started,
            )


def _alert_of(
    groups: list[dict[str, Any]], alert: ExpAlert, with_evaluation: bool = False
) -> dict[str, Any] | None:
    for group in groups:
        for rule in group.get("rules") or []:
            if rule.get("type") != "alerting" or rule.get("name") != alert.alertname:
                continue
            for active in rule.get("alerts") or []:
                labels = active.get("labels") or {}
                if all(labels.get(k) == v for k, v in alert.exp_labels.items()):
                    if with_evaluation and not rule.get("lastEvaluation"):
                        return None
                    return {**active, "evaluatedAt": rule.get("lastEvaluation", "")}
    return None


def _samples(result: dict[str, Any]) -> list[tuple[float, str]]:
    if result.get("resultType") != "matrix":
        return []
    return [
        (float(t), str(v)) for series in result.get("result") or [] for t, v in series.get("values") or []
    ]
