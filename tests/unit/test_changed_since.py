"""`--changed-since REF`: the selection never skips what a change affects.

One realistic edit per kind of config. For each, the selection must contain a check that fails
on it: static edits run the real static gate on the edited copy (it must exit 1); run-time edits
assert that the selection holds the scenario (or group) that exercises the edited rule or route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import copy_stack, edit
from tests.gitrepo import commit, scratch_repo
from validation.checks import ALL_GROUPS
from validation.cli import main
from validation.diff.selection import Selection, select_changes
from validation.diff.tree import StackTree

pytestmark = pytest.mark.unit

AM = "stack/alertmanager/alertmanager.yml"
PROM = "stack/prometheus/prometheus.yml"


@dataclass(frozen=True)
class Edit:
    name: str
    apply: Callable[[Path], None]
    scenarios: tuple[str, ...] = ()  # the selection must hold these
    groups: tuple[str, ...] = ()  # … and these groups
    static_fails: bool = False  # the real static gate fails on the edit
    strict: bool = False  # … with --strict (the finding is a warning)
    everything: bool = False


def replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root / path, old, new)


def break_panel_ids(root: Path) -> None:
    path = root / "stack/grafana/dashboards/Nodes/node-detail.json"
    data = json.loads(path.read_text())
    panels = [p for p in data["panels"] if "id" in p]
    panels[1]["id"] = panels[0]["id"]
    path.write_text(json.dumps(data, indent=2))


def add_alert(root: Path) -> None:
    edit(
        root / "rules/node.rules.yml",
        "      - alert: NodeDown\n",
        "      - alert: NodeLoadHigh\n        expr: node_load1 > 100\n        for: 5m\n"
        "        labels: {severity: warning, team: infra}\n      - alert: NodeDown\n",
    )


EDITS = [
    Edit(
        "alert threshold",
        replace("rules/node.rules.yml", 'expr: up{job="node"} == 0', 'expr: up{job="node"} == 2'),
        scenarios=("node-down-pages-infra-oncall", "node-down-inhibits-its-other-alerts"),
        static_fails=True,  # the promtool unit test of NodeDown
    ),
    Edit(
        "alert severity label",
        replace(
            "rules/node.rules.yml",
            '      - alert: NodeDown\n        expr: up{job="node"} == 0\n        for: 2m\n        labels:\n          severity: critical',
            '      - alert: NodeDown\n        expr: up{job="node"} == 0\n        for: 2m\n        labels:\n          severity: warning',
        ),
        scenarios=("node-down-pages-infra-oncall",),
        static_fails=True,
    ),
    Edit(
        "recording rule read by an alert",
        replace(
            "rules/recording.rules.yml",
            '1 - node_memory_MemAvailable_bytes{job="node"}',
            '1 - node_memory_MemFree_bytes{job="node"}',
        ),
        scenarios=("node-memory-exhausted-pages-infra-oncall", "node-memory-tight-but-above-threshold"),
    ),
    Edit("new alert rule (coverage)", add_alert, everything=True),
    Edit(
        "route matcher typo",
        replace(AM, 'matchers: [team="ml-platform"]', 'matchers: [team="ml-platfrom"]'),
        scenarios=("gpu-xid-79-pages-ml-oncall", "gpu-temperature-high-warns-ml-slack"),
        static_fails=True,  # the route cases
    ),
    Edit(
        "repeat interval",
        replace(AM, "repeat_interval: 1h", "repeat_interval: 3h"),
        scenarios=("critical-page-repeats-hourly-until-resolved",),
    ),
    Edit(
        "receiver URL",
        replace(AM, "url: http://alert-archive:8080/alerts", "url: http://alert-archive:8081/alerts"),
        scenarios=("node-down-pages-infra-oncall", "gpu-xid-79-pages-ml-oncall"),
    ),
    Edit(
        "inhibit rule",
        replace(AM, 'target_matchers: [alertname!="NodeDown"]', 'target_matchers: [alertname="NodeDown"]'),
        scenarios=("node-down-inhibits-its-other-alerts",),
    ),
    Edit(
        "template",
        replace("stack/alertmanager/templates/notifications.tmpl", "{{", "{{/* edited */}}{{"),
        scenarios=("node-down-pages-infra-oncall", "gpu-xid-79-pages-ml-oncall"),
    ),
    Edit("dashboard panel ids", break_panel_ids, groups=("dashboards",), static_fails=True, strict=True),
    Edit(
        "scrape job target",
        replace(PROM, 'targets: ["pushgateway:9091"]', 'targets: ["pushgateway:9092"]'),
        groups=("scrape",),
    ),
    Edit(
        "evaluation interval",
        replace(PROM, "evaluation_interval: 15s", "evaluation_interval: 1m"),
        everything=True,
    ),
    Edit(
        "stack.yaml",
        replace("stack/stack.yaml", "data.retention: 120h", "data.retention: 1h"),
        everything=True,
    ),
    Edit(
        "scenario expectation",
        replace("fixtures/scenarios/node-disk.yaml", "fires_within: 13m30s", "fires_within: 1m"),
        scenarios=("node-disk-space-low-pages-infra-oncall",),
    ),
    Edit(
        "route case",
        replace(
            "fixtures/routes.yml",
            "receivers: [webhook-archive, ml-oncall-critical]",
            "receivers: [webhook-archive, oncall-critical]",
        ),
        static_fails=True,
    ),
    Edit(
        "rule unit test",
        replace("rules/tests/node.test.yml", "severity: critical", "severity: warning"),
        static_fails=True,
    ),
]


def selection_for(tmp_path: Path, change: Callable[[Path], None]) -> tuple[Selection, Path]:
    base, head = copy_stack(tmp_path / "base"), copy_stack(tmp_path / "head")
    change(head)
    return select_changes(StackTree(base), StackTree(head), base_name="base"), head


@pytest.mark.parametrize("case", EDITS, ids=lambda e: e.name)
def test_the_selection_holds_a_check_that_fails_on_the_edit(case: Edit, tmp_path: Path) -> None:
    selection, head = selection_for(tmp_path, case.apply)
    assert {"static", "health"} <= selection.groups  # the smoke set
    if case.everything:
        assert selection.everything and selection.scenario_filter() is None
        assert set(selection.only()) == set(ALL_GROUPS)
        return
    assert not selection.everything, selection.reasons
    assert set(case.scenarios) <= selection.scenarios, selection.describe()
    if case.scenarios:
        assert {"alerts", "notifications"} <= selection.groups
    assert set(case.groups) <= selection.groups, selection.describe()
    if case.static_fails:
        # the static gate always runs whole under --changed-since: it must fail on this edit
        strict = ["--strict"] if case.strict else []
        assert main(["-C", str(head), "check", "--report", str(tmp_path / "report"), *strict]) == 1


def test_a_change_outside_what_the_checks_read_selects_only_the_smoke_set(tmp_path: Path) -> None:
    def readme(root: Path) -> None:
        (root / "fixtures/scenarios/README.md").write_text("edited\n")
        (root / "NOTES.md").write_text("not read by any check\n")

    selection, _ = selection_for(tmp_path, readme)
    assert selection.only() == ("static", "health") and selection.scenarios == set()


def test_the_route_typo_selects_fewer_scenarios_than_all(tmp_path: Path) -> None:
    selection, _ = selection_for(tmp_path, EDITS[4].apply)
    assert selection.scenarios
    assert "node-disk-space-low-pages-infra-oncall" not in selection.scenarios  # routes to infra: unchanged
    assert any("routes differently" in r for r in selection.reasons)


def test_check_changed_since_prints_and_records_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = scratch_repo(tmp_path / "repo")
    edit(repo / AM, 'matchers: [team="ml-platform"]', 'matchers: [team="ml-platfrom"]')
    commit(repo, "typo")
    report = tmp_path / "report"
    assert main(["-C", str(repo), "check", "--changed-since", "HEAD~1", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "changed since HEAD~1: 1 file(s)" in out and "routes differently" in out
    selection = json.loads((report / "results.json").read_text())["selection"]
    assert selection["changed_since"] == "HEAD~1" and "gpu-xid-79-pages-ml-oncall" in selection["scenarios"]
    assert selection["changed_files"] == [AM]


def test_changed_since_an_unknown_ref_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = scratch_repo(tmp_path / "repo")
    assert main(["-C", str(repo), "run", "--changed-since", "nope", "--report", str(tmp_path / "r")]) == 2
    assert "unknown git ref 'nope'" in capsys.readouterr().err
