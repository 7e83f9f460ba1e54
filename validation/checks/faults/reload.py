"""The shared course of the two broken-reload cases (Prometheus, Alertmanager).

Write a broken config over the running one, ``POST /-/reload``, then judge: the reload is
refused, the old config keeps serving, the component's reload metric says it failed, and every
alerting rule selecting that metric fires from the real metric and is delivered where the
scenarios expect that alert. The good config is restored (and reloaded) whatever happened.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from validation.checks.faults.common import KIND, FaultCase, FaultContext, delivered_at, longest_range
from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.core.wait import WaitTimeout, wait_until
from validation.sinks import NotificationTimeout, by_alertname

BROKEN = "\n# written by stackcheck's faults group: a config that does not parse\nstackcheck_broken: [\n"


class ReloadCase(FaultCase):
    component: str
    metric: str

    def config_path(self, fx: FaultContext) -> Path:
        raise NotImplementedError

    def serving_config(self, fx: FaultContext) -> str:
        """The config text the component reports it is running."""
        raise NotImplementedError

    def run(self, fx: FaultContext, report: Report) -> None:
        address = fx.project.components[self.component].address  # instance label of its scrape
        path = self.config_path(fx)
        original = path.read_text(encoding="utf-8")
        before = self.serving_config(fx)
        rules = fx.alert_rules_selecting(self.metric)
        started = time.monotonic()
        path.write_text(original + BROKEN, encoding="utf-8")
        try:
            answer = self._reload(fx)
            if answer.status_code == 200:
                report.failed(
                    f"{self.id}/reload-refused",
                    KIND,
                    f"exp: {self.component} refuses a config that does not parse; got: 200 on /-/reload",
                )
                return
            if answer.status_code in (403, 404):
                report.failed(
                    f"{self.id}/reload-refused",
                    KIND,
                    f"/-/reload answered {answer.status_code}: {answer.text.strip()[:200]}: a broken "
                    "config cannot be tried without a restart. Hint: enable the lifecycle API "
                    "(web.enable-lifecycle: true in stack.yaml's flags)",
                )
                return
            self._judge_serving(fx, report, before, answer, started)
            self._judge_metric(fx, report, started)
            self._judge_alerts(fx, report, rules, address, started)
        finally:
            path.write_text(original, encoding="utf-8")
            restored = self._reload(fx)
            if restored.status_code != 200:
                raise HarnessError(
                    f"{self.component} refused its own config when restored: {restored.text[:200]}",
                    place=str(path),
                    hint="see the component log in the run directory (--keep)",
                )

    def _reload(self, fx: FaultContext) -> requests.Response:
        stack = fx.stack
        inst = stack.instance(self.component)
        auth = stack.credentials(self.component) if inst.user else None
        try:
            return requests.post(
                stack.url(self.component) + "/-/reload", auth=auth, timeout=30, verify=stack.verify
            )
        except requests.RequestException as exc:
            raise HarnessError(
                f"POST /-/reload of {self.component} failed: {exc}", place=stack.url(self.component)
            ) from None

    def _judge_serving(
        self, fx: FaultContext, report: Report, before: str, answer: requests.Response, started: float
    ) -> None:
        after = self.serving_config(fx)
        if after == before:
            report.passed(
                f"{self.id}/old-config-serves",
                KIND,
                f"reload refused ({answer.status_code}: {answer.text.strip()[:120]}); the running "
                "config is unchanged",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/old-config-serves",
                KIND,
                f"exp: the config in effect before the broken reload; got: a different one "
                f"({len(before)} → {len(after)} characters)",
                time.monotonic() - started,
            )

    def _judge_metric(self, fx: FaultContext, report: Report, started: float) -> None:
        try:
            value = fx.metric_sum(self.component, self.metric)
        except requests.RequestException as exc:
            raise HarnessError(f"cannot read /metrics of {self.component}: {exc}") from None
        if value == 0:
            report.passed(
                f"{self.id}/metric-says-failed",
                KIND,
                f"{self.metric} is 0 after the refused reload",
                time.monotonic() - started,
            )
        else:
            report.failed(
                f"{self.id}/metric-says-failed",
                KIND,
                f"exp: {self.metric} 0 after a refused reload; got: {value:g}",
                time.monotonic() - started,
            )

    def _judge_alerts(
        self, fx: FaultContext, report: Report, rules: list[dict[str, Any]], address: str, started: float
    ) -> None:
        check = f"{self.id}/alert-delivered"
        if not rules:
            report.failed(
                check,
                KIND,
                f"no alerting rule selects {self.metric}: a failed reload of {self.component} stays "
                "unnoticed until the next restart fails. Hint: add an alert on it to rules/ (with a "
                "runbook, a promtool test and a scenario)",
            )
            return
        prometheus = fx.stack.prometheus()
        evaluation = fx.evaluation_interval
        for rule in rules:
            name = str(rule["alert"])
            rendered = fx.rendered_rule(name) or rule
            production = fx.rules.get(name, 0.0) + longest_range(str(rule.get("expr", "")))
            # a deadline, not the expectation: a loaded machine delays scrapes and evaluations
            deadline = 2 * fx.real(production + 4 * evaluation) + 10.0

            def firing(alertname: str = name) -> bool:
                return any(
                    a.name == alertname and a.state == "firing" and a.labels.get("instance") == address
                    for a in prometheus.alerts()
                )

            try:
                wait_until(firing, timeout=deadline - (time.monotonic() - started), what=f"{name} firing")
            except WaitTimeout:
                seen = [f"{a.name}/{a.state}/{a.labels.get('instance')}" for a in prometheus.alerts()]
                report.failed(
                    f"{check}/{name}",
                    KIND,
                    f"exp: {name} firing for instance {address} from the real {self.metric} within "
                    f"{deadline:.1f}s (for + window, compressed); got: alerts {seen or 'none'}; rule "
                    f"expr: {rendered.get('expr')}. Hint: the rule must select the metric as "
                    f"{self.component} exports it, with this instance label",
                    time.monotonic() - started,
                )
                continue
            receivers = fx.expected_receivers(name)
            missing = []
            for receiver in receivers:
                try:
                    fx.stack.inbox.wait_for(delivered_at(receiver, address) & by_alertname(name), 10.0)
                except NotificationTimeout:
                    missing.append(receiver)
            if not receivers:
                missing = [] if fx.stack.inbox.count(by_alertname(name)) else ["(any receiver)"]
            if missing:
                report.failed(
                    f"{check}/{name}",
                    KIND,
                    f"exp: {name} for {address} delivered to {', '.join(receivers) or 'some receiver'} "
                    f"(the scenarios' receivers of {name}); got: nothing at {', '.join(missing)}",
                    time.monotonic() - started,
                )
            else:
                report.passed(
                    f"{check}/{name}",
                    KIND,
                    f"{name} fired for {address} from the real metric and reached "
                    f"{', '.join(receivers) or 'a receiver'}",
                    time.monotonic() - started,
                )
