"""Static gate for rules/: promtool accepts the rule files and their unit tests, and every alert
is labelled for routing, documented by a runbook and covered by a firing and a silent test case.

Limits: the coverage checks read the promtool test files structurally (alert names, exp_labels,
exp_samples); whether a case is *meaningful* (fires right after `for`, silent just below the
threshold) is left to review. Labels whose value is a template are not compared.
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from tests.tools import required_tool
from validation.core.yamlload import load_yaml

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "rules"
RULE_TESTS_DIR = RULES_DIR / "tests"
RUNBOOKS_DIR = ROOT / "docs" / "monitoring" / "runbooks"

RUNBOOK_URL = "https://github.com/stackcheck/stackcheck/blob/main/docs/monitoring/runbooks/{}.md"
RUNBOOK_SECTIONS = ("Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation")
SEVERITIES = {"critical", "warning", "info"}
TEAMS = {"infra", "ml-platform", "observability"}
EXPECTED_RULE_FILES = {"node.rules.yml", "gpu.rules.yml", "prometheus.rules.yml", "recording.rules.yml"}
# Alerts on a state rather than a magnitude: their value is always 0, so the description has no
# $value to report. Every other alert must say how bad it is.
VALUE_IS_A_STATE = {
    "NodeDown",
    "TargetDown",
    "PrometheusConfigReloadFailed",
    "PrometheusNotConnectedToAlertmanagers",
    "AlertmanagerConfigReloadFailed",
}
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class Rule:
    file: str
    group: str
    index: int
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body.get("alert") or self.body.get("record"))

    @property
    def is_alert(self) -> bool:
        return "alert" in self.body

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.body.get("labels") or {}).items()}

    @property
    def annotations(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.body.get("annotations") or {}).items()}

    def __str__(self) -> str:
        return f"{self.file}:{self.group}[{self.index}] {self.name}"


@dataclass(frozen=True)
class AlertCase:
    """One alert_rule_test entry of a promtool test file."""

    file: str
    test_name: str
    alertname: str
    exp_alerts: list[dict[str, Any]]


@functools.cache
def _doc(path: Path) -> Any:
    return load_yaml(path.resolve())


def _rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.rules.yml"))


def _test_files() -> list[Path]:
    return sorted(RULE_TESTS_DIR.glob("*.test.yml"))


def _load_rules() -> list[Rule]:
    rules = []
    for path in _rule_files():
        for group in _doc(path).get("groups") or []:
            for index, body in enumerate(group.get("rules") or []):
                rules.append(Rule(path.name, str(group.get("name")), index, dict(body)))
    return rules


def _load_alert_cases() -> list[AlertCase]:
    cases = []
    for path in _test_files():
        for test in _doc(path).get("tests") or []:
            for entry in test.get("alert_rule_test") or []:
                cases.append(
                    AlertCase(
                        path.name,
                        str(test.get("name", "")),
                        str(entry["alertname"]),
                        list(entry.get("exp_alerts") or []),
                    )
                )
    return cases


def _load_expr_tests() -> list[dict[str, Any]]:
    return [
        entry
        for path in _test_files()
        for test in _doc(path).get("tests") or []
        for entry in test.get("promql_expr_test") or []
    ]


RULES = _load_rules()
ALERT_RULES = [r for r in RULES if r.is_alert]
RECORDING_RULES = [r for r in RULES if not r.is_alert]
ALERT_NAMES = sorted({r.name for r in ALERT_RULES})
ALERT_CASES = _load_alert_cases()
EXPR_TESTS = _load_expr_tests()


def _selector_names(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def _runbook_sections(text: str) -> list[str]:
    return re.findall(r"^## (.+?)\s*$", text, flags=re.MULTILINE)


def _section_body(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def promtool() -> str:
    return required_tool("promtool")


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_the_expected_rule_files_exist() -> None:
    assert {p.name for p in _rule_files()} >= EXPECTED_RULE_FILES


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: p.name)
def test_promtool_accepts_rule_file(promtool: str, path: Path) -> None:
    result = _run([promtool, "check", "rules", str(path)])
    assert result.returncode == 0, f"promtool check rules {path.name}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", _test_files(), ids=lambda p: p.name)
def test_promtool_unit_tests_pass(promtool: str, path: Path) -> None:
    result = _run([promtool, "test", "rules", str(path)])
    assert result.returncode == 0, f"promtool test rules {path.name}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: p.name)
def test_every_rule_file_is_loaded_by_a_unit_test(path: Path) -> None:
    loaded = {
        (test_file.parent / rule_file).resolve()
        for test_file in _test_files()
        for rule_file in _doc(test_file).get("rule_files") or []
    }
    assert path.resolve() in loaded, f"no file in {RULE_TESTS_DIR} lists {path.name} under rule_files"


@pytest.mark.parametrize("path", _test_files(), ids=lambda p: p.name)
def test_unit_tests_order_groups_that_read_other_groups_recordings(path: Path) -> None:
    """promtool evaluates groups in random order unless group_eval_order is given: an alert on a
    recording rule of another group then sees the previous step's value in some runs only."""
    doc = _doc(path)
    groups: dict[str, list[dict[str, Any]]] = {
        str(group["name"]): list(group.get("rules") or [])
        for rule_file in doc.get("rule_files") or []
        for group in _doc(path.parent / rule_file).get("groups") or []
    }
    recorded_by = {
        str(rule["record"]): name for name, rules in groups.items() for rule in rules if "record" in rule
    }
    order = [str(name) for name in doc.get("group_eval_order") or []]
    for reader, rules in groups.items():
        for rule in rules:
            for used in _selector_names(str(rule["expr"])):
                writer = recorded_by.get(used)
                if writer is None or writer == reader:
                    continue
                assert writer in order and reader in order and order.index(writer) < order.index(reader), (
                    f"{path.name}: group {reader} reads {used} recorded by group {writer}; list all groups "
                    f"under group_eval_order with {writer} first"
                )


@pytest.mark.parametrize("rule", ALERT_RULES, ids=str)
def test_alert_carries_routing_labels_and_annotations(rule: Rule) -> None:
    assert rule.labels.get("severity") in SEVERITIES, f"{rule}: severity must be one of {sorted(SEVERITIES)}"
    assert rule.labels.get("team") in TEAMS, f"{rule}: team must be one of {sorted(TEAMS)}"
    for key in ("summary", "description", "runbook_url"):
        assert rule.annotations.get(key, "").strip(), f"{rule}: annotation {key} is missing or empty"
    assert rule.annotations["runbook_url"] == RUNBOOK_URL.format(rule.name)
    description = rule.annotations["description"]
    assert "$labels." in description, f"{rule}: the description should name where ($labels.node, ...)"
    if rule.name not in VALUE_IS_A_STATE:
        assert "$value" in description, f"{rule}: the description should say how bad ($value)"


@pytest.mark.parametrize("rule", ALERT_RULES, ids=str)
def test_alert_uses_only_defined_recording_rules(rule: Rule) -> None:
    recorded = {r.name for r in RECORDING_RULES}
    used = {name for name in _selector_names(str(rule.body["expr"])) if RECORD_NAME.match(name)}
    assert used <= recorded, f"{rule}: uses {sorted(used - recorded)}, recorded nowhere in rules/"


@pytest.mark.parametrize("rule", RECORDING_RULES, ids=str)
def test_recording_rule_is_named_level_metric_operations(rule: Rule) -> None:
    assert RECORD_NAME.match(rule.name), f"{rule}: name it level:metric:operations"


@pytest.mark.parametrize("rule", RECORDING_RULES, ids=str)
def test_recording_rule_is_checked_by_exp_samples(rule: Rule) -> None:
    checked = [
        entry
        for entry in EXPR_TESTS
        if rule.name in _selector_names(str(entry["expr"])) and entry.get("exp_samples")
    ]
    assert checked, f"{rule}: no promql_expr_test in rules/tests checks it with exp_samples"


def _str_labels(exp_alert: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (exp_alert.get("exp_labels") or {}).items()}


@pytest.mark.parametrize("rule", ALERT_RULES, ids=str)
def test_alert_rule_fires_in_a_unit_test(rule: Rule) -> None:
    """Each rule, not only each name: NodeNetworkErrors has a receive and a transmit rule."""
    static = {k: v for k, v in rule.labels.items() if "{{" not in v}
    fired = [
        case
        for case in ALERT_CASES
        if case.alertname == rule.name
        and any(static.items() <= _str_labels(alert).items() for alert in case.exp_alerts)
    ]
    assert fired, f"{rule}: no alert_rule_test expects it to fire with labels {static}"


@pytest.mark.parametrize("alertname", ALERT_NAMES)
def test_alert_has_a_silent_unit_test_case(alertname: str) -> None:
    silent = [case for case in ALERT_CASES if case.alertname == alertname and not case.exp_alerts]
    assert silent, f"{alertname}: no alert_rule_test with exp_alerts: [] (below threshold / before `for`)"


@pytest.mark.parametrize("case", ALERT_CASES, ids=lambda c: f"{c.file}:{c.alertname}")
def test_unit_tests_name_existing_alerts(case: AlertCase) -> None:
    """promtool passes a silent case for an alert that does not exist: catch renamed alerts."""
    assert case.alertname in ALERT_NAMES, f"{case.file} ({case.test_name}): no alert {case.alertname}"


@pytest.mark.parametrize("alertname", ALERT_NAMES)
def test_alert_has_a_runbook_with_the_standard_sections(alertname: str) -> None:
    path = RUNBOOKS_DIR / f"{alertname}.md"
    assert path.is_file(), f"missing runbook {path.relative_to(ROOT)}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {alertname}\n"), f"{path.name}: first line must be '# {alertname}'"
    assert _runbook_sections(text) == list(RUNBOOK_SECTIONS), (
        f"{path.name}: sections must be exactly {list(RUNBOOK_SECTIONS)} in this order"
    )
    assert "```" in _section_body(text, "Diagnosis"), f"{path.name}: Diagnosis needs runnable commands"


def test_every_runbook_belongs_to_an_alert() -> None:
    runbooks = {p.stem for p in RUNBOOKS_DIR.glob("*.md")} - {"README"}
    assert runbooks <= set(ALERT_NAMES), f"runbooks without an alert: {sorted(runbooks - set(ALERT_NAMES))}"


def _readme_rows() -> dict[str, tuple[set[str], set[str]]]:
    rows = {}
    text = (RUNBOOKS_DIR / "README.md").read_text(encoding="utf-8")
    for match in re.finditer(r"^\|\s*\[(\w+)\]\(\1\.md\)\s*\|([^|]*)\|([^|]*)\|", text, flags=re.MULTILINE):
        severities = {s.strip() for s in match.group(2).split(",")}
        teams = {t.strip() for t in match.group(3).split(",")}
        rows[match.group(1)] = (severities, teams)
    return rows


def test_runbook_index_lists_every_alert_with_its_severity_and_team() -> None:
    rows = _readme_rows()
    assert sorted(rows) == ALERT_NAMES
    for name, (severities, teams) in rows.items():
        rules = [r for r in ALERT_RULES if r.name == name]
        assert severities == {r.labels["severity"] for r in rules}, f"README row {name}: severity"
        assert teams == {r.labels["team"] for r in rules}, f"README row {name}: team"
