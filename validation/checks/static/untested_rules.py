"""static/untested-rules — alerting rules no promtool unit test and no scenario expects to fire.

Catches: a rule added (or a second tier of one, e.g. a critical next to a warning under the same
name) without anything that would notice it never fires. A rule counts as tested when a unit
test's ``exp_alerts`` or a scenario's ``exp_alerts`` names it with labels that fit it. A warning:
the rule may well work; the `run` coverage gate is the proof.
"""

from __future__ import annotations

from pathlib import Path

from validation.checks.base import Check, CheckContext
from validation.core.alert_rules import AlertRule, load_alert_rules
from validation.core.errors import StackcheckError
from validation.core.project import Project
from validation.core.results import Report
from validation.core.yamlload import load_yaml


class UntestedRulesCheck(Check):
    id = "static/untested-rules"
    kind = "static"
    severity = "warning"

    def run(self, ctx: CheckContext, report: Report) -> None:
        project = ctx.project
        try:
            rules = load_alert_rules(project.rule_files(), project.root)
        except StackcheckError:
            return  # RulesCheck reports a rule file that does not parse
        expected = _unit_test_expectations(project.rule_test_files()) + _scenario_expectations(project)
        untested = [r for r in rules if not any(_names(r, name, labels) for name, labels in expected)]
        if not untested:
            report.passed(self.id, self.kind, f"{len(rules)} alerting rules, each tested")
            return
        listed = "; ".join(f"{r.name} ({r.file}:{r.line}, group {r.group} rule {r.index})" for r in untested)
        first = untested[0]
        report.failed(
            self.id,
            self.kind,
            f"{len(untested)} of {len(rules)} alerting rules have no unit test and no scenario that "
            f"expects them to fire: {listed}. Hint: add a promtool test (alert_rule_test) or a scenario "
            "in the scenarios folder whose exp_alerts names the alert with labels that fit the rule",
            file=first.file,
            line=first.line or None,
        )


def _names(rule: AlertRule, name: str, labels: dict[str, str]) -> bool:
    return rule.name == name and rule.named_by(labels)


def _unit_test_expectations(paths: list[Path]) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for path in paths:
        try:
            data = load_yaml(path) or {}
        except StackcheckError:
            continue
        for test in data.get("tests") or []:
            for case in test.get("alert_rule_test") or []:
                for alert in case.get("exp_alerts") or []:
                    labels = {str(k): str(v) for k, v in (alert.get("exp_labels") or {}).items()}
                    out.append((str(case.get("alertname", "")), labels))
    return out


def _scenario_expectations(project: Project) -> list[tuple[str, dict[str, str]]]:
    from validation.scenarios.loader import load_scenario_file

    out: list[tuple[str, dict[str, str]]] = []
    folder = project.scenarios_dir
    if not folder.is_dir():
        return out
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            scenarios = load_scenario_file(path)
        except StackcheckError:
            continue  # ScenariosCheck reports it
        for scenario in scenarios:
            out += [(a.alertname, dict(a.exp_labels)) for a in scenario.exp_alerts if not a.absent]
    return out
