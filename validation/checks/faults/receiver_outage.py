"""faults/receiver-outage/<receiver>/… — a paging receiver with one integration down.

For every paging receiver (one the scenarios expect critical alerts at, and nothing else), one
of the services it delivers through answers 5xx (SMTP 451) to that receiver's deliveries for
longer than its route's group_interval, then recovers. The page must still reach on-call through
another integration while it is down, and the integration that was down must deliver exactly
one accepted notification after recovery (Alertmanager's notification log stops re-sends). Two
copies within one retry sequence mean a delivery was accepted but its answer not seen (a
timeout): reported as at-least-once, passed. Copies a group_interval or more apart are
re-notifications: failed.

Catches: a paging receiver with a single integration, or whose integrations all go through one
service (email only, two Slack channels): when that service is down, pages reach nobody; a
repeat_interval no longer than group_interval, which re-pages on every flush.

Severity: an email-only (or any single-service) paging receiver is an error (exit 1), not a
warning: the promise of this case is that a page survives one integration's outage, and such a
receiver breaks it in exactly the situation pages exist for. Mail relays queue, retry and
greylist; a page that waits in a relay queue is a page nobody got.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

from validation.checks.faults.common import (
    KIND,
    FaultCase,
    FaultContext,
    alert_payload,
    delivered_at,
    sleep_until,
)
from validation.core.results import Report
from validation.sinks import Match, Notification, by_alertname, by_kind, by_receiver
from validation.sinks.base import Sink
from validation.sinks.inbox import SinkKind

SINK_KIND = {"email_configs": "email", "slack_configs": "slack", "webhook_configs": "webhook"}
FAILURE_STATUS = {"email": 451, "slack": 503, "webhook": 503}


@dataclass
class Outage:
    receiver: str
    labels: dict[str, str]
    marker: str
    integrations: list[tuple[str, Sink]]  # (kind, sink) per configured integration
    down: Sink | None = None
    group_interval: float = 300.0
    repeat_interval: float = 3600.0
    verdicts: list[tuple[str, bool, str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def verdict(self, suffix: str, ok: bool, message: str) -> None:
        self.verdicts.append((suffix, ok, message, time.monotonic() - self.started))


class ReceiverOutageCase(FaultCase):
    id = "faults/receiver-outage"

    def run(self, fx: FaultContext, report: Report) -> None:
        receivers = paging_receivers(fx)
        if not receivers:
            report.skipped(
                self.id,
                KIND,
                "no paging receiver: no scenario expects a critical alert at a receiver that gets "
                "nothing else",
            )
            return
        outages = [o for o in (self._plan(fx, r, labels, report) for r, labels in receivers.items()) if o]
        # one receiver per sink at a time: a sink's injected failure names one receiver
        rounds: list[list[Outage]] = []
        for outage in outages:
            for batch in rounds:
                if all(o.down is not outage.down for o in batch):
                    batch.append(outage)
                    break
            else:
                rounds.append([outage])
        for batch in rounds:
            threads = [threading.Thread(target=self._outage, args=(fx, o), daemon=True) for o in batch]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for outage in batch:
                for suffix, ok, message, seconds in outage.verdicts:
                    check = f"{self.id}/{outage.receiver}/{suffix}"
                    (report.passed if ok else report.failed)(check, KIND, message, seconds)

    def _plan(self, fx: FaultContext, receiver: str, labels: dict[str, str], report: Report) -> Outage | None:
        integrations: list[tuple[str, Sink]] = []
        for key, configs in fx.rendered_receiver(receiver).items():
            kind = SINK_KIND.get(key)
            if kind is None:
                continue
            for config in configs or []:
                sink = fx.sink_at(kind, _address(kind, config))
                if sink is not None:
                    integrations.append((str(kind), sink))
        if not integrations:
            report.failed(
                f"{self.id}/{receiver}/page-reaches-oncall",
                KIND,
                f"paging receiver {receiver} has no integration the harness can deliver to",
            )
            return None
        index = fx.next_index()
        marker = f"stackcheck-outage-{index}:9100"
        labels = {**labels, "instance": marker, "node": f"stackcheck-outage-{index}"}
        routes = fx.routing.route.match(labels)
        opts = next((r.opts for r in routes if r.receiver == receiver), routes[0].opts)
        services = list(dict.fromkeys(sink for _, sink in integrations))
        down = services[index % len(services)]
        return Outage(receiver, labels, marker, integrations, down, opts.group_interval, opts.repeat_interval)

    def _outage(self, fx: FaultContext, outage: Outage) -> None:
        assert outage.down is not None
        inbox = fx.stack.inbox
        down_kind = outage.down.kind
        kind_names = ", ".join(sorted({k for k, _ in outage.integrations}))
        others = [k for k, s in outage.integrations if s is not outage.down]
        group_interval = fx.real(outage.group_interval)
        status = FAILURE_STATUS.get(down_kind, 503)
        name = outage.labels["alertname"]
        wanted = delivered_at(outage.receiver, outage.marker) & by_alertname(name)

        outage.started = time.monotonic()
        before = outage.down.attempts_for(outage.receiver)
        outage.down.fail_with(status, receiver=outage.receiver)
        try:
            fx.stack.alertmanager().post_alerts([alert_payload(outage.labels)])
            down_since = time.monotonic()
            try:
                reached = [inbox.wait_for(wanted, group_interval + 5.0)] if others else []
            except AssertionError:
                reached = []
            if reached:
                outage.verdict(
                    "page-reaches-oncall",
                    True,
                    f"with {down_kind} answering {status} the page reached {outage.receiver} by "
                    f"{reached[0].kind}",
                )
            else:
                why = (
                    f"{outage.receiver} delivers only through {kind_names}"
                    if not others
                    else f"its other integrations ({', '.join(others)}) delivered nothing"
                )
                outage.verdict(
                    "page-reaches-oncall",
                    False,
                    f"exp: the page reaches on-call while {down_kind} answers {status}; got: nothing at "
                    f"{outage.receiver}: {why}. Hint: give a paging receiver a second integration "
                    "on another service (e.g. Slack or a webhook besides email)",
                )
            # down for longer than group_interval, counted from the first failed attempt
            sleep_until(down_since + group_interval * 1.2 + 0.5)
            retried = outage.down.attempts_for(outage.receiver) - before
        finally:
            outage.down.faults.recover()
        recovered = time.monotonic()
        after = by_receiver_kind(outage.receiver, down_kind) & wanted
        try:
            first = inbox.wait_for(after, 10.0 + group_interval + 5.0, since=recovered)
        except AssertionError:
            outage.verdict(
                "one-delivery-after-recovery",
                False,
                f"exp: one accepted {down_kind} notification after the outage ({retried} failed "
                f"attempts seen); got: none within {15 + group_interval:.1f}s",
            )
            return
        # a re-notification would come one group_interval after the delivery
        sleep_until(first.received_at + group_interval + 1.5)
        copies = inbox.all(lambda n: after(n) and n.received_at >= recovered)
        outage.verdict(*_count_verdict(copies, down_kind, group_interval, retried))


def _count_verdict(
    copies: list[Notification], kind: str, group_interval: float, retried: int
) -> tuple[str, bool, str]:
    check = "one-delivery-after-recovery"
    if len(copies) == 1:
        return (
            check,
            True,
            f"{kind} delivered exactly once after recovery ({retried} failed attempts during the outage)",
        )
    times = sorted(n.received_at for n in copies)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if all(gap < group_interval for gap in gaps):
        return (
            check,
            True,
            f"{kind} delivered {len(copies)} times within one retry sequence after recovery: "
            "at-least-once (an accepted delivery whose answer Alertmanager did not see is re-sent)",
        )
    return (
        check,
        False,
        f"exp: exactly one {kind} notification after recovery; got: {len(copies)}, "
        f"{', '.join(f'{g:.1f}s' for g in gaps)} apart (group_interval {group_interval:.1f}s). Hint: "
        "repeat_interval must be longer than group_interval, or every flush re-pages",
    )


def by_receiver_kind(receiver: str, kind: SinkKind) -> Match:
    return by_receiver(receiver) & by_kind(kind)


def _address(kind: str | None, config: dict[str, object]) -> str:
    from urllib.parse import urlsplit

    if kind == "email":
        return str(config.get("smarthost", ""))
    return urlsplit(str(config.get("api_url") or config.get("url") or "")).netloc


def paging_receivers(fx: FaultContext) -> dict[str, dict[str, str]]:
    """Receiver → labels of a critical alert the scenarios expect there, for receivers the
    scenarios expect critical alerts at and nothing else (the archive gets everything)."""
    critical: dict[str, dict[str, str]] = {}
    other: set[str] = set()
    for scenario in fx.scenarios:
        severities = {
            a.alertname: a.exp_labels.get("severity", "") for a in scenario.exp_alerts if not a.absent
        }
        for post in scenario.post_alerts:
            severities.setdefault(post.labels.get("alertname", ""), post.labels.get("severity", ""))
        for exp in scenario.exp_notifications:
            if exp.absent or exp.alertname not in severities:
                continue
            if severities[exp.alertname] == "critical":
                alert = next((a for a in scenario.exp_alerts if a.alertname == exp.alertname), None)
                labels = dict(alert.exp_labels) if alert else {}
                critical.setdefault(exp.receiver, {**labels, "alertname": exp.alertname})
            else:
                other.add(exp.receiver)
    return {r: labels for r, labels in sorted(critical.items()) if r not in other}
