"""What every fault case shares: the faults stack, production → wall time, and look-ups in the
scenarios (the expectations), the rules and the rendered configs (what runs)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import requests

from validation.core.durations import parse_duration_seconds
from validation.core.errors import HarnessError
from validation.core.project import Project
from validation.core.promql_names import selected_metrics
from validation.core.results import Kind, Report, Severity
from validation.core.yamlload import load_yaml
from validation.routing.config import AlertmanagerConfig
from validation.scenarios.model import Scenario
from validation.sinks import Match, by_receiver, contains, firing
from validation.sinks.base import Sink
from validation.stack.stack import Stack

KIND: Kind = "reliability"
_RANGE = re.compile(r"\[(\d+(?:ms|[smhdwy]))(?::[^\]]*)?\]")


@dataclass
class FaultContext:
    project: Project
    stack: Stack
    scale: float
    scenarios: list[Scenario]
    rules: dict[str, float]  # alert name → `for`, production seconds
    routing: AlertmanagerConfig
    work_dir: Path
    _serial: list[int] = field(default_factory=lambda: [900])

    def real(self, production_seconds: float) -> float:
        return production_seconds / self.scale

    def flag(self, component: str, name: str, default: str) -> str:
        """A flag as stack.yaml sets it (production time), or the upstream default."""
        value = self.project.components[component].flags.get(name)
        return default if value in (None, "") else str(value)

    def flag_seconds(self, component: str, name: str, default: str) -> float:
        return parse_duration_seconds(self.flag(component, name, default))

    def next_index(self) -> int:
        """An isolation index no other case (and no scenario of the main run) uses."""
        self._serial[0] += 1
        return self._serial[0]

    @property
    def evaluation_interval(self) -> float:
        """Production seconds between rule evaluations (prometheus.yml global)."""
        prom = self.project.components["prometheus"].config
        glob = ((load_yaml(prom) or {}).get("global") or {}) if prom else {}
        return parse_duration_seconds(str(glob.get("evaluation_interval", "1m")))

    # ------------------------------------------------------------------ rules (under test)
    def alert_rules_selecting(self, metric: str) -> list[dict[str, Any]]:
        """Alerting rules of the rule files whose expression selects ``metric``."""
        found = []
        for path in self.project.rule_files():
            for group in (load_yaml(path) or {}).get("groups") or []:
                for rule in group.get("rules") or []:
                    if "alert" in rule and metric in selected_metrics(str(rule.get("expr", ""))):
                        found.append(dict(rule))
        return found

    def rendered_rule(self, alertname: str) -> dict[str, Any] | None:
        """The rule as Prometheus runs it (time-compressed copy)."""
        for path in sorted((self.stack.ctx.config_dir / "rules").glob("*")):
            for group in (load_yaml(path) or {}).get("groups") or []:
                for rule in group.get("rules") or []:
                    if rule.get("alert") == alertname:
                        return dict(rule)
        return None

    def uncompressible_alerts(self) -> set[str]:
        """Alerts whose rules cannot be time-compressed (time(), @): not driven by a compressed case."""
        from validation.render.rules import rule_name

        state = self.stack.state
        return {rule_name(e) for e in (state.uncompressible if state else [])} if self.scale != 1 else set()

    # ------------------------------------------------------------------ scenarios (expectations)
    def expected_receivers(self, alertname: str) -> list[str]:
        """Receivers the scenarios expect a notification of ``alertname`` at."""
        names: dict[str, None] = {}
        for scenario in self.scenarios:
            for exp in scenario.exp_notifications:
                if not exp.absent and not exp.resolved and exp.alertname == alertname:
                    names[exp.receiver] = None
        return list(names)

    # ------------------------------------------------------------------ rendered Alertmanager config
    def rendered_receiver(self, receiver: str) -> dict[str, Any]:
        """The receiver as Alertmanager runs it; email configs get the global smarthost when
        they set none."""
        state = self.stack.state
        assert state is not None and state.alertmanager is not None
        data = load_yaml(state.alertmanager.path) or {}
        smarthost = (data.get("global") or {}).get("smtp_smarthost", "")
        for entry in data.get("receivers") or []:
            if entry.get("name") == receiver:
                out = dict(entry)
                out["email_configs"] = [
                    {"smarthost": smarthost, **dict(c)} for c in entry.get("email_configs") or []
                ]
                return out
        return {}

    def sink_at(self, kind: str, address: str) -> Sink | None:
        """The sink listening where the rendered config sends (``host:port`` of a URL or smarthost)."""
        sinks = self.stack.sinks
        if sinks is None:
            return None
        for sink in sinks:
            if sink.kind == kind and f"{sink.host}:{sink.port}" == address:
                return sink
        return None

    # ------------------------------------------------------------------ components
    def component_metrics(self, name: str) -> dict[str, float]:
        """``/metrics`` of a running component, read directly: series text → value."""
        response = requests.get(
            self.stack.url(name) + "/metrics",
            auth=_auth(self.stack, name),
            timeout=5,
            verify=self.stack.verify,
        )
        response.raise_for_status()
        out: dict[str, float] = {}
        for line in response.text.splitlines():
            if not line or line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            try:
                out[series] = float(value)
            except ValueError:
                continue
        return out

    def metric_sum(self, name: str, metric: str) -> float:
        total = 0.0
        for series, value in self.component_metrics(name).items():
            if series == metric or series.startswith(metric + "{"):
                total += value
        return total


def _auth(stack: Stack, name: str) -> tuple[str, str] | None:
    inst = stack.instance(name)
    return stack.credentials(name) if inst.user else None


def longest_range(expr: str) -> float:
    """The longest range or subquery window in ``expr``, production seconds (0 when none)."""
    return max((parse_duration_seconds(m) for m in _RANGE.findall(expr)), default=0.0)


def delivered_at(receiver: str, marker: str) -> Match:
    """A firing notification at ``receiver`` that names ``marker`` (an instance only this case uses)."""
    return by_receiver(receiver) & firing() & contains(marker)


def alert_payload(
    labels: dict[str, str], active_for: float = 3600.0, starts: datetime | None = None
) -> dict[str, Any]:
    """One alert as Prometheus posts it: endsAt in the future, so it stays active until then."""
    start = starts or datetime.now(UTC)
    return {
        "labels": labels,
        "annotations": {"summary": f"stackcheck fault injection: {labels.get('alertname', '?')}"},
        "startsAt": start.isoformat(),
        "endsAt": (datetime.now(UTC) + timedelta(seconds=active_for)).isoformat(),
        "generatorURL": "http://stackcheck/faults",
    }


def parse_time(text: str) -> float:
    """Unix seconds of an RFC 3339 timestamp as Prometheus writes it (nanoseconds allowed)."""
    text = text.replace("Z", "+00:00")
    match = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)", text)
    if not match:
        raise HarnessError(f"not a timestamp: {text!r}")
    whole = datetime.fromisoformat(match.group(1) + match.group(3))
    return whole.timestamp() + float(match.group(2) or 0)


def sleep_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


class FaultCase:
    """One fault: inject it through the Stack API, judge from what components and sinks show.

    ``run`` appends results under ``id`` (``faults/<case>/…``); it raises only when the harness
    cannot proceed (``HarnessError``).
    """

    id: ClassVar[str]
    kind: ClassVar[Kind] = KIND
    severity: ClassVar[Severity] = "error"  # docs/checks.md, docs/faults.md
    needs: ClassVar[tuple[str, ...]] = ("prometheus", "alertmanager")  # components of stack.yaml

    def prepare(self, fx: FaultContext, report: Report) -> None:
        """Called for every case before the first phase (must return quickly): state that
        should age on the stack while the earlier phases run."""

    def run(self, fx: FaultContext, report: Report) -> None:
        raise NotImplementedError
