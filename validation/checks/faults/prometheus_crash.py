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

from validation.checks.faults.common import KIND, FaultCase, FaultContext, parse_time
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
        evaluation = fx.real(fx.evaluation_interval)
        # Prometheus restores `for` state after the second evaluation following its start; until
        # then the alert shows as newly pending. Read it once a few evaluations have passed.
        after, first_evaluation = None, 0.0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            seen = _alert_of(prometheus.rules(), alert, with_evaluation=True)
            if seen is not None:
                evaluated = parse_time(str(seen["evaluatedAt"]))
                first_evaluation = first_evaluation or evaluated
                after = seen
                if evaluated >= first_evaluation + 3 * evaluation:
                    break
            time.sleep(0.05)
        if after is None:
            report.failed(
                f"{self.id}/pending-restored",
                KIND,
                f"exp: {alert.alertname} pending again after the restart; got: not active within 15s",
                time.monotonic() - started,
            )
            return
        kept = parse_time(str(after["evaluatedAt"])) - parse_time(str(after["activeAt"]))
        since_start = parse_time(str(after["evaluatedAt"])) - first_evaluation
        # restarted: kept ≈ since_start (a few evaluations); restored: kept ≈ since_start + spent
        if after.get("state") == "firing" or kept >= since_start + evaluation + spent / 2:
            report.passed(
                f"{self.id}/pending-restored",
                KIND,
                f"{alert.alertname} (for {hold:g}s > grace {grace:g}s, production) kept its pending "
                f"time: pending {kept:.2f}s {since_start:.2f}s after the restart, {spent:.2f}s of it before the kill",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/pending-restored",
                KIND,
                f"exp: {alert.alertname} pending ≈{spent:.2f}s longer than since the restart (its time "
                f"before the kill); got: {kept:.2f}s {since_start:.2f}s after the restart, its `for` started "
                "again. Hint: "
                "rules.alert.for-outage-tolerance must exceed a restart and for-grace-period stay "
                "below the rules' `for`",
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
