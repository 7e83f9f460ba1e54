"""Alerting rules as rules, not names: two rules sharing ``alert:`` (a warning and a critical
tier, receive and transmit) are two rules, keyed by file, group and index.

``AlertRule.produced`` tells whether an alert seen at Prometheus' API came from this rule: the
same name, the rule's fixed labels, and labels/annotations that fit the rule's templates (each
``{{ … }}`` matches any text). Rules that no output can tell apart all match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from validation.core.durations import parse_duration_seconds
from validation.core.yamlload import load_yaml

_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


@dataclass(frozen=True)
class AlertRule:
    file: str  # as given (relative to the repository root when it is inside it)
    group: str
    index: int  # position in the group, counting recording rules too
    name: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    annotations: dict[str, str] = field(default_factory=dict, compare=False)
    for_seconds: float = field(default=0.0, compare=False)
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return f"{self.file}:{self.group}:{self.index}:{self.name}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "group": self.group,
            "index": self.index,
            "name": self.name,
            "line": self.line,
        }

    def produced(self, labels: Mapping[str, str], annotations: Mapping[str, str] = {}) -> bool:
        if labels.get("alertname") not in (None, self.name):
            return False
        for key, template in self.labels.items():
            if key in labels and not _fits(template, labels[key]):
                return False
            if key not in labels and "{{" not in template:
                return False
        for key, template in self.annotations.items():
            if key in annotations and not _fits(template, annotations[key]):
                return False
        return True

    def named_by(self, labels: Mapping[str, str]) -> bool:
        """Whether an expectation naming this alert with these ``exp_labels`` can mean this rule."""
        return all(
            labels[key] == value or "{{" in value for key, value in self.labels.items() if key in labels
        )


def _fits(template: str, text: str) -> bool:
    if "{{" not in template:
        return template == text
    literals = _TEMPLATE.split(template)
    actions = _TEMPLATE.findall(template)
    for i, action in enumerate(actions):  # Go's trim markers: "{{- " / " -}}" eat the spaces beside
        if action.startswith("{{-"):
            literals[i] = literals[i].rstrip()
        if action.endswith("-}}"):
            literals[i + 1] = literals[i + 1].lstrip()
    parts = [re.escape(part) for part in literals]
    return re.fullmatch(".*?".join(parts), text, re.DOTALL) is not None


def load_alert_rules(paths: list[Path], root: Path | None = None) -> list[AlertRule]:
    rules: list[AlertRule] = []
    for path in paths:
        name = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
        for group in (load_yaml(path) or {}).get("groups") or []:
            for index, rule in enumerate(group.get("rules") or []):
                if "alert" not in rule:
                    continue
                rules.append(
                    AlertRule(
                        file=name,
                        group=str(group.get("name", "")),
                        index=index,
                        name=str(rule["alert"]),
                        labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                        annotations={str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                        for_seconds=parse_duration_seconds(str(rule.get("for", "0s"))),
                        line=getattr(rule, "line", 0),
                    )
                )
    return rules
