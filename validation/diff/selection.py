"""``--changed-since REF``: what a change can affect, as a pure function of the project at REF and
the project now — ``select_changes(base, head) -> Selection``.

The rules (docs/diff.md says why each is enough):

- an alerting rule → the scenarios that name it or feed a metric it reads; the static rule checks
  and promtool tests;
- a recording rule → the rules reading it (transitively, as above) and the dashboards whose panels
  read it;
- alertmanager.yml → the scenarios whose alerts reach other receivers (or through other timings)
  at HEAD than at REF — the routing tree of each side evaluated by the routing engine — or reach a
  changed receiver; an inhibit rule or a template → every scenario that expects notifications;
  anything else in it (global, time intervals) → everything;
- a dashboard, the Grafana config or the dashboard fixture → the dashboards group;
- prometheus.yml → the scrape group (the changed jobs recorded); outside scrape_configs → everything;
- a scenario file → the scenarios defined differently; the route cases / rule tests → the static
  gate; scrape fixtures → the scrape group;
- stack.yaml, a web config, or any other file under stack/, rules/, fixtures/ → everything.

Plus, always, the smoke set: the static gate and the health group. Files outside stack/, rules/
and fixtures/ (README, docs, CI) are read by no check and select nothing.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from validation.checks import ALL_GROUPS
from validation.core.errors import StackcheckError
from validation.core.promql_names import selected_metrics
from validation.diff import diff_trees
from validation.diff.model import StackDiff
from validation.diff.routing import routing_config
from validation.diff.rules import load_rules
from validation.diff.tree import StackTree
from validation.routing.config import AlertmanagerConfig
from validation.scenarios.loader import load_scenarios
from validation.scenarios.model import Scenario

SMOKE_GROUPS = ("static", "health")
SCENARIO_GROUPS = ("alerts", "notifications")
ROUTING_KEYS = {"route", "receivers", "inhibit_rules", "templates"}


@dataclass
class Selection:
    """What to run: ``groups`` (None: all), ``scenarios`` (None: all of the groups' scenarios),
    the dashboards and scrape jobs a change touches, and why each thing was selected."""

    base: str
    everything: bool = False
    groups: set[str] = field(default_factory=lambda: set(SMOKE_GROUPS))
    scenarios: set[str] = field(default_factory=set)
    dashboards: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)

    def select_everything(self, why: str) -> None:
        self.everything = True
        self.groups = set(ALL_GROUPS)
        self.reasons.append(f"{why} → everything")

    def add(self, why: str, *, groups: Iterable[str] = (), scenarios: Iterable[str] = ()) -> None:
        groups, scenarios = set(groups), set(scenarios)
        if scenarios:
            groups |= set(SCENARIO_GROUPS)
        self.groups |= groups
        self.scenarios |= scenarios
        what = sorted(groups - set(SMOKE_GROUPS)) + [f"scenario {s}" for s in sorted(scenarios)]
        self.reasons.append(f"{why} → {', '.join(what) if what else 'the static gate'}")

    def only(self) -> tuple[str, ...]:
        return tuple(g for g in ALL_GROUPS if g in self.groups)

    def scenario_filter(self) -> frozenset[str] | None:
        """The scenario names to run; None when every scenario runs."""
        return None if self.everything else frozenset(self.scenarios)

    def to_json(self) -> dict[str, Any]:
        return {
            "changed_since": self.base,
            "everything": self.everything,
            "groups": list(self.only()),
            "scenarios": "all" if self.everything else sorted(self.scenarios),
            "dashboards": sorted(self.dashboards),
            "jobs": sorted(self.jobs),
            "reasons": self.reasons,
            "changed_files": self.changed_files,
        }

    def describe(self) -> str:
        lines = [f"changed since {self.base}: {len(self.changed_files)} file(s) the checks read"]
        lines += [f"  {reason}" for reason in self.reasons]
        scenarios = "all" if self.everything else str(len(self.scenarios))
        lines.append(f"  selected groups: {', '.join(self.only())}; scenarios: {scenarios}")
        return "\n".join(lines)


def select_changes(base: StackTree, head: StackTree, *, base_name: str = "base") -> Selection:
    diff = diff_trees(base, head, base_name=base_name, head_name="HEAD")
    selection = Selection(base_name, changed_files=diff.changed_files)
    selection.reasons.append("always (smoke) → static gate, health")
    if not diff.changed_files:
        return selection
    try:
        scenarios = load_scenarios(head.root / "fixtures" / "scenarios")
    except StackcheckError as exc:  # the run stops on it anyway (exit 2): select all, say why
        selection.select_everything(f"scenarios do not load at HEAD ({exc.what})")
        return selection
    handled: set[str] = set()
    _whole_stack(diff, selection, handled)
    if selection.everything:
        return selection
    for step in (_rules, _alertmanager, _prometheus, _dashboards, _fixtures):
        step(diff, base, head, scenarios, selection, handled)
        if selection.everything:
            return selection
    unhandled = [p for p in diff.changed_files if p not in handled]
    if unhandled:
        selection.select_everything(f"{', '.join(unhandled)} changed (no narrower rule for it)")
    return selection


def _whole_stack(diff: StackDiff, selection: Selection, handled: set[str]) -> None:
    for path in diff.changed_files:
        if path == "stack/stack.yaml" or fnmatch.fnmatch(path, "stack/*/web.yml"):
            selection.select_everything(f"{path} changed")
            handled.add(path)


# ---------------------------------------------------------------------------------- rules
def _rules(
    diff: StackDiff,
    base: StackTree,
    head: StackTree,
    scenarios: list[Scenario],
    selection: Selection,
    handled: set[str],
) -> None:
    rules = list(load_rules(base).values()) + list(load_rules(head).values())
    changed_alerts: dict[str, str] = {}  # alert name → why
    changed_records: dict[str, str] = {}
    added = sorted(c.details["name"] for c in diff.in_section("alert rules") if c.action == "added")
    if added:  # the coverage gate (every alert rule fires in some scenario) needs every scenario
        selection.select_everything(f"alert rule(s) {', '.join(added)} added (coverage)")
        return
    for change in diff.in_section("alert rules"):
        changed_alerts[change.details["name"]] = f"alert rule {change.details['name']} {change.action}"
    for change in diff.in_section("recording rules"):
        changed_records[change.details["name"]] = f"recording rule {change.details['name']} {change.action}"
    # what reads a changed recording rule is changed too, transitively
    pending = list(changed_records)
    while pending:
        record = pending.pop()
        for rule in rules:
            if record in selected_metrics(str(rule.body.get("expr", ""))):
                why = f"{changed_records[record]}, read by {rule.name}"
                target = changed_alerts if rule.kind == "alert" else changed_records
                if rule.name not in target:
                    target[rule.name] = why
                    if rule.kind == "record":
                        pending.append(rule.name)
    for record, why in sorted(changed_records.items()):
        panels = _panels_reading(head, record) | _panels_reading(base, record)
        if panels:
            selection.dashboards |= panels
            selection.add(f"{why}; panels of {', '.join(sorted(panels))} read it", groups=["dashboards"])
        else:
            selection.add(why)
    for alert, why in sorted(changed_alerts.items()):
        reads = set().union(
            *(selected_metrics(str(r.body.get("expr", ""))) for r in rules if r.name == alert)
        )
        chosen = {
            s.name
            for s in scenarios
            if alert in s.named_alerts
            or reads & {series.name for series in (*s.input_series, *s.push_series)}
        }
        selection.add(why, scenarios=chosen)
    handled.update(p for p in diff.changed_files if p.startswith("rules/"))


def _panels_reading(tree: StackTree, metric: str) -> set[str]:
    from validation.diff.dashboards import load_dashboards, panels

    found = set()
    for uid, (_, dashboard) in load_dashboards(tree).items():
        for panel in panels(dashboard).values():
            if any(metric in selected_metrics(q) or metric in q for q in panel["queries"]):
                found.add(uid)
    return found


# ---------------------------------------------------------------------------------- alertmanager
def _alertmanager(
    diff: StackDiff,
    base: StackTree,
    head: StackTree,
    scenarios: list[Scenario],
    selection: Selection,
    handled: set[str],
) -> None:
    config_path = head.alertmanager_yml or base.alertmanager_yml
    am_dir = head.relative(config_path.parent) + "/" if config_path else "stack/alertmanager/"
    changed = [p for p in diff.changed_files if p.startswith(am_dir) and not p.endswith("/web.yml")]
    if not changed:
        return
    handled.update(changed)
    with_notifications = {s.name for s in scenarios if s.exp_notifications}
    if diff.in_section("templates") or any(p.endswith(".tmpl") for p in changed):
        selection.add("a notification template changed", scenarios=with_notifications)
    raw_before, raw_after = _raw(base), _raw(head)
    others = sorted(
        k for k in set(raw_before) | set(raw_after) - ROUTING_KEYS if raw_before.get(k) != raw_after.get(k)
    )
    others = [k for k in others if k not in ROUTING_KEYS]
    if others:
        selection.select_everything(f"alertmanager.yml {', '.join(others)} changed")
        return
    if diff.in_section("inhibition"):
        selection.add("an inhibit rule changed", scenarios=with_notifications)
    before, after = routing_config(base), routing_config(head)
    if before is None or after is None:
        selection.add("alertmanager.yml does not parse at one side", scenarios=with_notifications)
        return
    new_receivers = sorted(set(after.receivers) - set(before.receivers))
    new_routes = len(list(after.route.walk())) - len(list(before.route.walk()))
    if new_receivers or new_routes > 0:  # the coverage gate (receivers, routes) needs every scenario
        what = f"receiver(s) {', '.join(new_receivers)}" if new_receivers else f"{new_routes} route(s)"
        selection.select_everything(f"alertmanager.yml: {what} added (coverage)")
        return
    changed_receivers = {c.subject for c in diff.in_section("receivers")}
    rerouted: dict[str, str] = {}
    for scenario in scenarios:
        for old_labels, new_labels in _alert_labels(scenario, base, head):
            was, now = _delivery(before, old_labels), _delivery(after, new_labels)
            receivers = {r for r, _ in was} | {r for r, _ in now}
            if was != now:
                rerouted.setdefault(
                    scenario.name, f"its alert {old_labels.get('alertname')} routes differently"
                )
            elif receivers & changed_receivers:
                rerouted.setdefault(
                    scenario.name, f"it reaches changed receiver(s) {sorted(receivers & changed_receivers)}"
                )
        named = {n.receiver for n in scenario.exp_notifications}
        if named & changed_receivers:
            rerouted.setdefault(
                scenario.name, f"it expects changed receiver(s) {sorted(named & changed_receivers)}"
            )
    for name, why in sorted(rerouted.items()):
        selection.add(f"alertmanager.yml: {why}", scenarios=[name])
    if not rerouted:
        selection.add("alertmanager.yml changed; no scenario's alert routes differently")


def _raw(tree: StackTree) -> dict[str, Any]:
    data = tree.yaml(tree.alertmanager_yml)
    return data if isinstance(data, dict) else {}


def _delivery(config: AlertmanagerConfig, labels: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (r.receiver, json.dumps(r.opts.__dict__, default=sorted, sort_keys=True))
        for r in config.route.match(labels)
    ]


def _alert_labels(
    scenario: Scenario, base: StackTree, head: StackTree
) -> list[tuple[dict[str, str], dict[str, str]]]:
    """The labels each alert of ``scenario`` carries at REF and at HEAD: its rule's labels, then
    the scenario's expected labels; alerts posted straight to Alertmanager as they are."""
    rule_labels: dict[tuple[str, str], dict[str, str]] = {}
    for side, tree in (("base", base), ("head", head)):
        for rule in load_rules(tree).values():
            if rule.kind == "alert":
                rule_labels.setdefault((side, rule.name), {}).update(
                    {str(k): str(v) for k, v in (rule.body.get("labels") or {}).items()}
                )
    pairs = []
    expectations: list[tuple[str, dict[str, str]]] = [
        (a.alertname, dict(a.exp_labels)) for a in scenario.exp_alerts
    ]
    expectations += [(n.alertname, {}) for n in scenario.exp_notifications if n.alertname]
    for name, expected in expectations:
        sides = [
            {**rule_labels.get((side, name), {}), **expected, "alertname": name} for side in ("base", "head")
        ]
        pairs.append((sides[0], sides[1]))
    pairs += [(dict(p.labels), dict(p.labels)) for p in scenario.post_alerts]
    return pairs


# ---------------------------------------------------------------------------------- prometheus, grafana
def _prometheus(
    diff: StackDiff,
    base: StackTree,
    head: StackTree,
    scenarios: list[Scenario],
    selection: Selection,
    handled: set[str],
) -> None:
    changes = diff.in_section("scrape jobs")
    prometheus_files = [
        p for p in diff.changed_files if p.startswith("stack/prometheus/") and not p.endswith("/web.yml")
    ]
    handled.update(prometheus_files)
    if any(c.details.get("global") for c in changes):
        keys = sorted({k for c in changes if c.details.get("global") for k in c.fields})
        selection.select_everything(f"prometheus.yml {', '.join(keys)} changed")
        return
    jobs = {c.details["job"] for c in changes}
    selection.jobs |= jobs
    others = [p for p in prometheus_files if not p.endswith("prometheus.yml")]
    if jobs:
        selection.add(f"scrape job(s) {', '.join(sorted(jobs))} changed", groups=["scrape"])
    if others:
        selection.add(f"{', '.join(others)} changed (service discovery)", groups=["scrape"])


def _dashboards(
    diff: StackDiff,
    base: StackTree,
    head: StackTree,
    scenarios: list[Scenario],
    selection: Selection,
    handled: set[str],
) -> None:
    """A dashboard, the Grafana config or provisioning → the dashboards group; scenarios expecting
    panels of a changed dashboard."""
    grafana = [p for p in diff.changed_files if p.startswith("stack/grafana/")]
    if not grafana:
        return
    handled.update(grafana)
    uids = {str(c.details.get("uid")) for c in diff.changes if c.section in ("dashboards", "panels")}
    selection.dashboards |= uids
    what = f"dashboard(s) {', '.join(sorted(uids))}" if uids else ", ".join(grafana)
    expecting = {s.name for s in scenarios if any(p.dashboard in uids for p in s.exp_panels)}
    selection.add(f"{what} changed", groups=["dashboards"], scenarios=expecting)


# ---------------------------------------------------------------------------------- fixtures
def _fixtures(
    diff: StackDiff,
    base: StackTree,
    head: StackTree,
    scenarios: list[Scenario],
    selection: Selection,
    handled: set[str],
) -> None:
    for path in (p for p in diff.changed_files if p.startswith("fixtures/")):
        if path.startswith("fixtures/scenarios/"):
            if not path.endswith((".yaml", ".yml")):
                handled.add(path)  # the folder's README
                continue
            changed = _changed_scenarios(base, head, path)
            selection.add(f"{path} changed", scenarios=changed)
        elif path == "fixtures/routes.yml":
            selection.add(f"{path} changed (route cases)")
        elif path == "fixtures/targets.yaml" or path.startswith("fixtures/service_discovery/"):
            selection.add(f"{path} changed", groups=["scrape"])
        elif path.startswith("fixtures/dashboards/"):
            selection.add(f"{path} changed", groups=["dashboards"])
        else:
            continue
        handled.add(path)


def _changed_scenarios(base: StackTree, head: StackTree, path: str) -> set[str]:
    def by_name(tree: StackTree) -> dict[str, Any]:
        data = tree.yaml(tree.root / path)
        listed = data.get("scenarios") if isinstance(data, dict) else None
        return {str(s.get("name")): s for s in listed or [] if isinstance(s, dict)}

    before, after = by_name(base), by_name(head)
    return {name for name, body in after.items() if before.get(name) != body}
