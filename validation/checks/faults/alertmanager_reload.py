"""faults/alertmanager-reload/… — a broken alertmanager.yml reloaded through ``/-/reload``.

Catches: no alerting rule on ``alertmanager_config_last_reload_successful`` (or one that does
not match the metric as Prometheus scrapes it, or is routed nowhere), so a routing change that
never took effect goes unnoticed until the next restart fails. Severity: error (exit 1).
"""

from __future__ import annotations

from pathlib import Path

from validation.checks.faults.common import FaultContext
from validation.checks.faults.reload import ReloadCase


class AlertmanagerReloadCase(ReloadCase):
    id = "faults/alertmanager-reload"
    component = "alertmanager"
    metric = "alertmanager_config_last_reload_successful"

    def config_path(self, fx: FaultContext) -> Path:
        state = fx.stack.state
        assert state is not None and state.alertmanager is not None
        return state.alertmanager.path

    def serving_config(self, fx: FaultContext) -> str:
        return str(fx.stack.alertmanager().status()["config"]["original"])
