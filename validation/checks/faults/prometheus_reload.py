"""faults/prometheus-reload/… — a broken prometheus.yml reloaded through ``/-/reload``.

Catches: no alerting rule on ``prometheus_config_last_reload_successful`` (or one selecting it
under another name or instance, or routed nowhere), so a failed reload goes unnoticed until the
next restart fails; a Prometheus whose lifecycle API is off, so a config change cannot be tried
without a restart. Severity: error (exit 1).
"""

from __future__ import annotations

from pathlib import Path

from validation.checks.faults.common import FaultContext
from validation.checks.faults.reload import ReloadCase


class PrometheusReloadCase(ReloadCase):
    id = "faults/prometheus-reload"
    component = "prometheus"
    metric = "prometheus_config_last_reload_successful"

    def config_path(self, fx: FaultContext) -> Path:
        state = fx.stack.state
        assert state is not None and state.prometheus is not None
        return state.prometheus.path

    def serving_config(self, fx: FaultContext) -> str:
        return str(fx.stack.prometheus().get_json("/api/v1/status/config")["data"]["yaml"])
