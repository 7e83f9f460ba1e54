"""Alerting and recording rules added / removed / changed.

A rule is keyed by (file, group, name, occurrence): two rules may share a name (one alert at two
severities), so the n-th rule of a name in a group is compared with the n-th one at the other ref.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from validation.diff.model import Action, Change
from validation.diff.tree import StackTree

RULE_FIELDS = ("expr", "for", "keep_firing_for", "labels", "annotations")


@dataclass(frozen=True)
class RuleEntry:
    file: str
    group: str
    name: str
    occurrence: int
    kind: str  # "alert" | "record"
    body: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.kind, self.file, self.group, self.name, self.occurrence)

    @property
    def subject(self) -> str:
        nth = f" #{self.occurrence + 1}" if self.occurrence else ""
        return f"{self.name}{nth} ({self.file}, group {self.group})"


def load_rules(tree: StackTree) -> dict[tuple[str, str, str, str, int], RuleEntry]:
    entries: dict[tuple[str, str, str, str, int], RuleEntry] = {}
    for path in tree.rule_files():
        data = tree.yaml(path)
        groups = data.get("groups") if isinstance(data, dict) else None
        for group in groups if isinstance(groups, list) else []:
            if not isinstance(group, dict):
                continue
            seen: dict[tuple[str, str], int] = {}
            for rule in group.get("rules") or []:
                if not isinstance(rule, dict):
                    continue
                kind = "alert" if "alert" in rule else "record"
                name = str(rule.get(kind, ""))
                occurrence = seen.get((kind, name), 0)
                seen[(kind, name)] = occurrence + 1
                entry = RuleEntry(
                    tree.relative(path), str(group.get("name", "")), name, occurrence, kind, rule
                )
                entries[entry.key] = entry
    return entries


def _normalized(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def rule_changes(base: StackTree, head: StackTree) -> list[Change]:
    before, after = load_rules(base), load_rules(head)
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        entry = new or old
        assert entry is not None
        section = "alert rules" if entry.kind == "alert" else "recording rules"
        details = {"name": entry.name, "file": entry.file, "group": entry.group}
        if old is None or new is None:
            action: Action = "added" if old is None else "removed"
            fields = {
                f: (None, entry.body[f]) if old is None else (entry.body[f], None) for f in _present(entry)
            }
            changes.append(Change(section, action, entry.subject, fields, entry.file, details))
            continue
        fields = {
            f: (old.body.get(f), new.body.get(f))
            for f in RULE_FIELDS
            if _normalized(old.body.get(f)) != _normalized(new.body.get(f))
        }
        if fields:
            changes.append(Change(section, "changed", entry.subject, fields, entry.file, details))
    return changes


def _present(entry: RuleEntry) -> Iterable[str]:
    return [f for f in RULE_FIELDS if f in entry.body]
