"""Which alerts and notifications belong to a scenario: those naming its isolated instance or
node values. Values are matched as whole words, so ``gpu-node-11-s1`` never matches
``gpu-node-11-s10``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from validation.scenarios.model import Scenario
from validation.sinks import Notification


@dataclass(frozen=True)
class Scope:
    values: frozenset[str]
    names: frozenset[str] = frozenset()  # the alert names the scenario expects (any spelling)
    # notifications never change once received: remember each verdict (keyed by identity)
    _owned: dict[int, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, scenario: Scenario) -> Scope:
        values: set[str] = set()
        label_sets = [s.labels for s in (*scenario.input_series, *scenario.push_series)]
        label_sets += [s.grouping for s in scenario.push_series] + [a.labels for a in scenario.post_alerts]
        for labels in label_sets:
            for key in ("instance", "node"):
                if labels.get(key):
                    values.add(labels[key])
                    values.add(labels[key].rsplit(":", 1)[0])
        return cls(frozenset(values), frozenset(scenario.named_alerts))

    def owns_labels(self, labels: Mapping[str, str]) -> bool:
        return labels.get("instance") in self.values or labels.get("node") in self.values

    def owns_text(self, text: str) -> bool:
        return bool(self._pattern.search(text)) if self.values else False

    @property
    def _pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(v) for v in sorted(self.values, key=len, reverse=True))
        return re.compile(rf"(?:{alternatives})(?![\w-])")

    def owns_notification(self, notification: Notification) -> bool:
        key = id(notification)
        if key not in self._owned:
            if notification.alerts:
                self._owned[key] = any(self.owns_labels(a) for a in notification.alerts)
            else:
                self._owned[key] = self.owns_text(notification.content)
        return self._owned[key]

    def alertnames(self, notification: Notification) -> set[str]:
        """The alert names a notification carries (structured, or read from its content: words
        in CamelCase, and the scenario's own alert names in whatever case they are written —
        ``disk_full``, ``high-load``)."""
        if notification.alerts:
            return {a.get("alertname", "") for a in notification.alerts if self.owns_labels(a)}
        content = notification.content
        found = set(re.findall(r"\b([A-Z][A-Za-z0-9]+)\b", content))
        return found | {n for n in self.names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", content)}
