"""Which alerts and notifications belong to a scenario: those naming its isolated instance or
node values. Values are matched as whole words, so ``gpu-node-11-s1`` never matches
``gpu-node-11-s10``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from validation.scenarios.model import Scenario
from validation.sinks import Notification


@dataclass(frozen=True)
class Scope:
    values: frozenset[str]

    @classmethod
    def of(cls, scenario: Scenario) -> Scope:
        values: set[str] = set()
        for series in (*scenario.input_series, *scenario.push_series):
            for key in ("instance", "node"):
                if series.labels.get(key):
                    values.add(series.labels[key])
                    values.add(series.labels[key].rsplit(":", 1)[0])
        return cls(frozenset(values))

    def owns_labels(self, labels: Mapping[str, str]) -> bool:
        return labels.get("instance") in self.values or labels.get("node") in self.values

    def owns_text(self, text: str) -> bool:
        return any(re.search(re.escape(v) + r"(?![\w-])", text) for v in self.values)

    def owns_notification(self, notification: Notification) -> bool:
        if notification.alerts:
            return any(self.owns_labels(a) for a in notification.alerts)
        return self.owns_text(notification.content)

    def alertnames(self, notification: Notification) -> set[str]:
        """The alert names a notification carries (structured, or read from its content)."""
        if notification.alerts:
            return {a.get("alertname", "") for a in notification.alerts if self.owns_labels(a)}
        return set(re.findall(r"\b([A-Z][A-Za-z0-9]+)\b", notification.content))
