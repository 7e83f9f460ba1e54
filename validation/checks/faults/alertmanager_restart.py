"""faults/alertmanager-restart/… — Alertmanager restarted with SIGTERM keeps its silences and its
notification log: an alert notified before the restart is not notified again after it.

The alert is posted and the silence created before the first phase, so both have aged through
the earlier phases (about 15 production minutes at K=60) when Alertmanager is restarted. The
alert goes to a receiver no other case injects failures for (a non-paging one), so every
integration has delivered it before the restart.

Catches: a ``data.retention`` shorter than the time since a notification (Alertmanager
garbage-collects the notification log when it shuts down, and re-pages everything still firing
after the restart; production needs it above the longest repeat_interval), or shorter than the
silences' lives; an Alertmanager whose ``storage.path`` cannot be written. Severity: error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from validation.checks.faults.common import KIND, FaultCase, FaultContext, alert_payload, delivered_at
from validation.checks.faults.receiver_outage import paging_receivers
from validation.core.results import Report
from validation.sinks import NotificationTimeout, UnexpectedNotification, by_alertname, contains


@dataclass
class _Prepared:
    receivers: list[str]
    labels: dict[str, str]
    marker: str
    starts: datetime
    silence_id: str
    posted: float


def quiet_receiver_alert(fx: FaultContext) -> tuple[list[str], dict[str, str]] | None:
    """Labels of a scenario alert none of whose expected receivers is a paging one, with them."""
    paging = set(paging_receivers(fx))
    for scenario in fx.scenarios:
        if scenario.scale != "auto":
            continue
        for alert in scenario.exp_alerts:
            if alert.absent or alert.alertname in fx.uncompressible_alerts():
                continue
            receivers = [
                e.receiver
                for e in scenario.exp_notifications
                if e.alertname == alert.alertname and not e.absent and not e.resolved
            ]
            if receivers and not paging & set(receivers):
                return receivers, {**alert.exp_labels, "alertname": alert.alertname}
    return None


class AlertmanagerRestartCase(FaultCase):
    id = "faults/alertmanager-restart"

    def __init__(self) -> None:
        self.prepared: _Prepared | None = None

    def prepare(self, fx: FaultContext, report: Report) -> None:
        chosen = quiet_receiver_alert(fx)
        if chosen is None:
            return
        receivers, labels = chosen
        index = fx.next_index()
        marker = f"stackcheck-restart-{index}:9100"
        labels = {**labels, "instance": marker, "node": f"stackcheck-restart-{index}"}
        am = fx.stack.alertmanager()
        starts = datetime.now(UTC)
        am.post_alerts([alert_payload(labels, starts=starts)])
        silenced = {"alertname": "StackcheckFaultSilenced", "instance": f"stackcheck-silence-{index}:9100"}
        silence_id = am.create_silence(
            [{"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in silenced.items()],
            3600,
            "stackcheck faults: must survive a restart",
        )
        self.prepared = _Prepared(receivers, labels, marker, starts, silence_id, time.monotonic())

    def run(self, fx: FaultContext, report: Report) -> None:
        prepared = self.prepared
        if prepared is None:
            report.skipped(self.id, KIND, "no scenario alert goes only to receivers no other case faults")
            return
        stack = fx.stack
        name = prepared.labels["alertname"]
        started = time.monotonic()
        for receiver in prepared.receivers:
            try:
                stack.inbox.wait_for(delivered_at(receiver, prepared.marker) & by_alertname(name), 10.0)
            except NotificationTimeout as exc:
                report.failed(f"{self.id}/not-renotified", KIND, f"not delivered before the restart: {exc}")
                return
        aged = time.monotonic() - prepared.posted
        stack.restart("alertmanager")
        restarted = time.monotonic()
        am = stack.alertmanager()
        active = [s for s in am.silences() if s.get("id") == prepared.silence_id]
        state = (active[0].get("status") or {}).get("state") if active else "gone"
        if state == "active":
            report.passed(
                f"{self.id}/silences-survive",
                KIND,
                f"a silence created {aged:.1f}s ({aged * fx.scale / 60:.0f} production minutes) before "
                "SIGTERM is still active after the start",
                restarted - started,
            )
        else:
            report.failed(
                f"{self.id}/silences-survive",
                KIND,
                f"exp: silence {prepared.silence_id} active after the restart; got: {state}. Hint: "
                "Alertmanager keeps silences in storage.path; check data.retention and that the path "
                "is writable",
                restarted - started,
            )
        # Prometheus keeps re-sending a firing alert with its original startsAt: do the same
        am.post_alerts([alert_payload(prepared.labels, starts=prepared.starts)])
        routes = fx.routing.route.match(prepared.labels)
        window = fx.real(max(r.opts.group_wait for r in routes) + max(r.opts.group_interval for r in routes))
        window += 1.5
        try:
            stack.inbox.expect_none(
                contains(prepared.marker) & by_alertname(name), within=window, since=restarted
            )
        except UnexpectedNotification as exc:
            report.failed(
                f"{self.id}/not-renotified",
                KIND,
                f"exp: no new notification of an alert notified {aged:.1f}s before the restart; got: "
                f"{len(exc.matched)} ({exc.matched[0].summary()}). Hint: data.retention must be longer "
                "than the longest repeat_interval, or the notification log forgets what it sent",
                time.monotonic() - started,
            )
            return
        report.passed(
            f"{self.id}/not-renotified",
            KIND,
            f"no new notification of {name} (notified {aged:.1f}s before the restart) within "
            f"{window:.1f}s (group_wait + group_interval) after it",
            time.monotonic() - started,
        )
