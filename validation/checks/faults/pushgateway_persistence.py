"""faults/pushgateway/… — the Pushgateway keeps its groups across a restart, and a kill -9 loses at
most one persistence interval.

Catches: a Pushgateway without ``persistence.file`` (upstream's default keeps groups in memory
only, so every restart or crash silently forgets the last result of every batch job, and the
alerts built on them go blind until the next push), and a ``persistence.interval`` the
Pushgateway does not honour. Severity: error (exit 1).
"""

from __future__ import annotations

import time

from validation.checks.faults.common import KIND, FaultCase, FaultContext
from validation.core.results import Report

JOB = "stackcheck_fault"
HINT = (
    "set components.pushgateway.flags.persistence.file (e.g. /data/pushgateway.data) and "
    "persistence.interval (e.g. 5m) in stack.yaml"
)


class PushgatewayPersistenceCase(FaultCase):
    id = "faults/pushgateway"
    needs = ("pushgateway",)

    def run(self, fx: FaultContext, report: Report) -> None:
        stack = fx.stack
        interval = fx.flag_seconds("pushgateway", "persistence.interval", "5m")
        configured = fx.flag("pushgateway", "persistence.file", "")
        where = f"persistence.file={configured or '(none: upstream keeps groups in memory only)'}"

        pushgateway = stack.pushgateway()
        pushgateway.push(JOB, _body("restart"), {"instance": "restart"})
        started = time.monotonic()
        stack.restart("pushgateway")
        kept = _groups(fx)
        if "restart" in kept:
            report.passed(
                f"{self.id}/restart-keeps-groups",
                KIND,
                f"a group pushed just before a graceful restart is there after it ({where})",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/restart-keeps-groups",
                KIND,
                f"exp: the group instance=restart of job {JOB} after a graceful restart; got: groups "
                f"{sorted(kept) or 'none'} ({where}). Hint: {HINT}",
                time.monotonic() - started,
            )

        started = time.monotonic()
        pushgateway = stack.pushgateway()
        pushgateway.push(JOB, _body("older"), {"instance": "older"})
        # one persistence interval (compressed) plus room for a loaded machine: the group must
        # be on disk by then
        time.sleep(fx.real(interval) * 1.3 + 1.0)
        pushgateway.push(JOB, _body("newest"), {"instance": "newest"})
        stack.kill("pushgateway")
        stack.start_component("pushgateway")
        kept = _groups(fx)
        newest = "kept" if "newest" in kept else "lost (allowed: pushed within the last interval)"
        if "older" in kept:
            report.passed(
                f"{self.id}/kill-loses-at-most-one-interval",
                KIND,
                f"after kill -9 a group pushed one persistence interval ({interval:g}s production) "
                f"earlier is there; the group pushed just before the kill was {newest}",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/kill-loses-at-most-one-interval",
                KIND,
                f"exp: a group pushed one persistence interval ({interval:g}s production) before a "
                f"kill -9 survives it; got: groups {sorted(kept) or 'none'} ({where}). Hint: {HINT}",
                time.monotonic() - started,
            )


def _body(instance: str) -> str:
    return f'# TYPE stackcheck_fault_pushed gauge\nstackcheck_fault_pushed{{case="{instance}"}} 1\n'


def _groups(fx: FaultContext) -> set[str]:
    """Instances of the job's groups the Pushgateway serves now."""
    found = set()
    for group in fx.stack.pushgateway().metrics():
        labels = group.get("labels") or {}
        if labels.get("job") == JOB:
            found.add(str(labels.get("instance", "")))
    return found
