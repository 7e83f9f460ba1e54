"""Who gets notified, before and after: the routing tree of both refs evaluated (by the routing
engine, validation/routing/) over the same label sets — the route cases (fixtures/routes.yml), the
labels the scenarios expect their alerts to carry, and label sets generated from every matcher value
of both trees. Plus inhibit rules, receivers (integrations and where they deliver) and templates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from validation.core.errors import StackcheckError
from validation.diff.model import Action, Change
from validation.diff.tree import StackTree
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config
from validation.routing.properties import example_label_sets

Labels = dict[str, str]
# receiver fields that say where a notification goes
DESTINATION_KEYS = ("url", "url_file", "api_url", "api_url_file", "to", "channel", "routing_key", "chat_id")


def routing_config(tree: StackTree) -> AlertmanagerConfig | None:
    path = tree.alertmanager_yml
    if path is None:
        return None
    try:
        return load_alertmanager_config(path)
    except StackcheckError as exc:
        tree.problems.append(exc.render())
        return None


def case_label_sets(tree: StackTree) -> list[Labels]:
    data = tree.yaml(tree.root / "fixtures" / "routes.yml")
    cases = data if isinstance(data, list) else []
    return [_strings(c["labels"]) for c in cases if isinstance(c, dict) and isinstance(c.get("labels"), dict)]


def scenario_label_sets(tree: StackTree) -> list[tuple[str, Labels]]:
    """(scenario name, labels) of every alert a scenario expects to fire."""
    found: list[tuple[str, Labels]] = []
    for path in sorted((tree.root / "fixtures" / "scenarios").glob("*.y*ml")):
        data = tree.yaml(path)
        scenarios = data.get("scenarios") if isinstance(data, dict) else None
        for scenario in scenarios if isinstance(scenarios, list) else []:
            if not isinstance(scenario, dict):
                continue
            for alert in scenario.get("exp_alerts") or []:
                if isinstance(alert, dict) and alert.get("alertname"):
                    labels = _strings(alert.get("exp_labels") or {})
                    labels["alertname"] = str(alert["alertname"])
                    found.append((str(scenario.get("name", path.stem)), labels))
    return found


def label_sets(base: StackTree, head: StackTree, configs: Iterable[AlertmanagerConfig]) -> list[Labels]:
    sets: list[Labels] = []
    for tree in (base, head):
        sets += case_label_sets(tree)
        sets += [labels for _, labels in scenario_label_sets(tree)]
    for config in configs:
        sets += example_label_sets(config)
    unique: dict[str, Labels] = {}
    for labels in sets:
        unique.setdefault(json.dumps(labels, sort_keys=True), labels)
    return list(unique.values())


def labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def routing_changes(base: StackTree, head: StackTree) -> list[Change]:
    before, after = routing_config(base), routing_config(head)
    if before is None or after is None:
        return []
    place = head.relative(head.alertmanager_yml) if head.alertmanager_yml else "alertmanager.yml"
    changes = []
    for labels in label_sets(base, head, (before, after)):
        old, new = before.route.match(labels), after.route.match(labels)
        fields: dict[str, tuple[Any, Any]] = {}
        if [r.receiver for r in old] != [r.receiver for r in new]:
            fields["receivers"] = ([r.receiver for r in old], [r.receiver for r in new])
        elif [_timing(r) for r in old] != [_timing(r) for r in new]:
            fields["timing"] = ([_timing(r) for r in old], [_timing(r) for r in new])
        if fields:
            details = {"labels": labels, "routes": ([r.path for r in old], [r.path for r in new])}
            changes.append(Change("routing", "changed", labels_text(labels), fields, place, details))
    return changes


def _timing(route: Any) -> str:
    o = route.opts
    group_by = "..." if o.group_by_all else ",".join(sorted(o.group_by))
    return (
        f"group_by [{group_by}] wait {o.group_wait:g}s interval {o.group_interval:g}s "
        f"repeat {o.repeat_interval:g}s"
    )


def _raw(tree: StackTree) -> dict[str, Any]:
    data = tree.yaml(tree.alertmanager_yml)
    return data if isinstance(data, dict) else {}


def inhibition_changes(base: StackTree, head: StackTree) -> list[Change]:
    def rules(tree: StackTree) -> dict[str, Any]:
        listed = _raw(tree).get("inhibit_rules") or []
        return {json.dumps(r, sort_keys=True): r for r in listed if isinstance(r, dict)}

    before, after = rules(base), rules(head)
    place = head.relative(head.alertmanager_yml) if head.alertmanager_yml else ""
    changes = [
        Change("inhibition", "removed", _inhibit_text(before[k]), {}, place) for k in before if k not in after
    ]
    changes += [
        Change("inhibition", "added", _inhibit_text(after[k]), {}, place) for k in after if k not in before
    ]
    return changes


def _inhibit_text(rule: Mapping[str, Any]) -> str:
    def side(prefix: str) -> str:
        parts = [str(m) for m in rule.get(f"{prefix}_matchers") or []]
        parts += [f'{k}="{v}"' for k, v in (rule.get(f"{prefix}_match") or {}).items()]
        parts += [f'{k}=~"{v}"' for k, v in (rule.get(f"{prefix}_match_re") or {}).items()]
        return "{" + ", ".join(parts) + "}"

    equal = ", ".join(str(e) for e in rule.get("equal") or [])
    return f"{side('source')} mutes {side('target')} when equal [{equal}]"


def receiver_changes(base: StackTree, head: StackTree) -> list[Change]:
    def receivers(tree: StackTree) -> dict[str, dict[str, Any]]:
        listed = _raw(tree).get("receivers") or []
        return {str(r.get("name")): r for r in listed if isinstance(r, dict)}

    before, after = receivers(base), receivers(head)
    place = head.relative(head.alertmanager_yml) if head.alertmanager_yml else ""
    changes: list[Change] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None or new is None:
            action: Action = "added" if old is None else "removed"
            body = new if new is not None else old
            assert body is not None
            summary = _destinations(body)
            added: dict[str, tuple[Any, Any]] = {
                k: (None, v) if old is None else (v, None) for k, v in summary.items()
            }
            changes.append(Change("receivers", action, name, added, place))
            continue
        fields: dict[str, tuple[Any, Any]] = {}
        for integration in sorted((set(old) | set(new)) - {"name"}):
            if old.get(integration) == new.get(integration):
                continue
            was, now = _destination(old.get(integration)), _destination(new.get(integration))
            fields[integration] = (was, now) if was != now else ("settings", "settings changed")
        changes.append(Change("receivers", "changed", name, fields, place))
    return changes


def _destinations(receiver: Mapping[str, Any]) -> dict[str, list[str]]:
    return {k: _destination(v) for k, v in receiver.items() if k != "name"}


def _destination(configs: Any) -> list[str]:
    """Where each integration entry delivers (its URL, recipient, channel), or '(n entries)' else."""
    if not isinstance(configs, list):
        return []
    places = []
    for entry in configs:
        if isinstance(entry, dict):
            places.append(" ".join(f"{k}={entry[k]}" for k in DESTINATION_KEYS if k in entry) or "(entry)")
    return places


def template_changes(changed: list[str], base: StackTree, head: StackTree) -> list[Change]:
    changes = []
    for path in (p for p in changed if p.endswith(".tmpl")):
        if not (head.root / path).exists():
            changes.append(Change("templates", "removed", path, {}, path))
        else:
            changes.append(
                Change("templates", "changed" if (base.root / path).exists() else "added", path, {}, path)
            )
    return changes


def _strings(labels: Mapping[Any, Any]) -> Labels:
    return {str(k): str(v) for k, v in labels.items()}
