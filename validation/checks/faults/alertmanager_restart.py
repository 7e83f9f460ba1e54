"""faults/alertmanager-restart/… — Alertmanager restarted with SIGTERM keeps its silences and its
notification log: an alert notified before the restart is not notified again after it.

Catches: a ``data.retention`` shorter than the longest repeat_interval (the notification log
forgets what it sent, and every restart re-pages everything still firing) or than the silences'
lives; an Alertmanager whose ``storage.path`` cannot be written. Severity: error (exit 1).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from validation.checks.faults.common import KIND, FaultCase, FaultContext, alert_payload, delivered_at
from validation.checks.faults.receiver_outage import paging_receivers
from validation.core.results import Report
from validation.sinks import NotificationTimeout, UnexpectedNotification, by_alertname, contains


class AlertmanagerRestartCase(FaultCase):
    id = "faults/alertmanager-restart"

    def run(self, fx: FaultContext, report: Report) -> None:
        stack = fx.stack
        candidates = paging_receivers(fx)
        if not candidates:
            report.skipped(self.id, KIND, "no scenario expects a critical alert at a receiver")
            return
        receiver, labels = next(iter(candidates.items()))
        index = fx.next_index()
        marker = f"stackcheck-restart-{index}:9100"
        labels = {**labels, "instance": marker, "node": f"stackcheck-restart-{index}"}
        routes = fx.routing.route.match(labels)
        opts = next((r.opts for r in routes if r.receiver == receiver), routes[0].opts)
        name = labels["alertname"]
        started = time.monotonic()
        am = stack.alertmanager()
        starts = datetime.now(UTC)
        am.post_alerts([alert_payload(labels, starts=starts)])
        try:
            stack.inbox.wait_for(
                delivered_at(receiver, marker) & by_alertname(name), fx.real(opts.group_wait) + 8
            )
        except NotificationTimeout as exc:
            report.failed(
                f"{self.id}/not-renotified", KIND, f"the alert was not delivered before the restart: {exc}"
            )
            return
        silenced = {"alertname": "StackcheckFaultSilenced", "instance": f"stackcheck-silence-{index}:9100"}
        silence_id = am.create_silence(
            [{"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in silenced.items()],
            3600,
            "stackcheck faults: must survive a restart",
        )
        # the other integrations of the flush, and the notification log entry, land within ms
        time.sleep(0.5)
        stack.restart("alertmanager")
        restarted = time.monotonic()
        am = stack.alertmanager()
        active = [s for s in am.silences() if s.get("id") == silence_id]
        state = (active[0].get("status") or {}).get("state") if active else "gone"
        if state == "active":
            report.passed(
                f"{self.id}/silences-survive", KIND, "an active silence is still active after SIGTERM + start",
                restarted - started,
            )  # fmt: skip
        else:
            report.failed(
                f"{self.id}/silences-survive",
                KIND,
                f"exp: silence {silence_id} active after the restart; got: {state}. Hint: Alertmanager "
                "keeps silences in storage.path; check data.retention and that the path is writable",
                restarted - started,
            )
        # Prometheus keeps re-sending a firing alert with its original startsAt: do the same
        am.post_alerts([alert_payload(labels, starts=starts)])
        window = fx.real(opts.group_wait + opts.group_interval) + 1.5
        try:
            stack.inbox.expect_none(contains(marker) & by_alertname(name), within=window, since=restarted)
        except UnexpectedNotification as exc:
            report.failed(
                f"{self.id}/not-renotified",
                KIND,
                f"exp: no new notification of an alert notified before the restart; got: "
                f"{len(exc.matched)} ({exc.matched[0].summary()}). Hint: data.retention must be longer "
                "than the longest repeat_interval, or the notification log forgets what it sent",
                time.monotonic() - started,
            )
            return
        report.passed(
            f"{self.id}/not-renotified",
            KIND,
            f"no new notification of {name} within {window:.1f}s (group_wait + group_interval) after "
            "the restart",
            time.monotonic() - started,
        )
