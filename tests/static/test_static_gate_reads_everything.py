"""The static gate reads everything: scenarios and fixtures, places mapped back to the user's own
files, untested alerting rules, pinned versions against the binaries that will run."""

import json
from pathlib import Path

import pytest

from tests.cli import stackcheck
from tests.conftest import edit
from validation.checks.base import CheckContext, run_check
from validation.checks.static.alertmanager_config import AlertmanagerConfigCheck
from validation.checks.static.prometheus_config import PrometheusConfigCheck
from validation.checks.static.scenarios import ScenariosCheck
from validation.checks.static.untested_rules import UntestedRulesCheck
from validation.checks.static.versions import VersionsCheck
from validation.core.project import Project
from validation.core.results import Report

pytestmark = pytest.mark.static


def _run(check, root: Path, tmp_path: Path) -> Report:
    report = Report()
    run_check(check, CheckContext(Project.load(root), tmp_path), report)
    return report


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_misspelt_scenario_key_fails_check_with_file_and_line(stack_copy, tmp_path):
    scenario = stack_copy / "fixtures/scenarios/node-fd.yaml"
    edit(scenario, "fires_within: 18m30s", "fire_within: 18m30s")
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    line = _line_of(scenario, "fire_within")
    assert f"fixtures/scenarios/node-fd.yaml:{line}: unknown key 'fire_within'" in result.stdout
    assert "did you mean 'fires_within'" in result.stdout
    failed = [
        c for c in json.loads((tmp_path / "results.json").read_text())["checks"] if c["status"] == "failed"
    ]
    assert [(c["id"], c["file"], c["line"]) for c in failed] == [
        ("static/scenarios", "fixtures/scenarios/node-fd.yaml", line)
    ]


def test_an_unknown_alert_in_a_scenario_and_a_broken_fixture_fail(stack_copy, tmp_path):
    edit(stack_copy / "fixtures/scenarios/node-fd.yaml", "- alertname: NodeFileDescriptorsExhausted",
         "- alertname: NodeFileDescriptorExhausted")  # fmt: skip
    edit(stack_copy / "fixtures/targets.yaml", "jobs:", "jbos:")
    report = _run(ScenariosCheck(), stack_copy, tmp_path)
    by_id = {c.id: c for c in report.checks}
    assert by_id["static/scenarios"].failed
    assert "did you mean 'NodeFileDescriptorsExhausted'" in by_id["static/scenarios"].message
    assert by_id["static/fixtures/targets.yaml"].failed
    assert by_id["static/fixtures/targets.yaml"].file == "fixtures/targets.yaml"
    assert not by_id["static/fixtures/data.yaml"].failed


def test_the_reference_scenarios_and_fixtures_pass(tmp_path):
    from tests.conftest import REPO

    report = _run(ScenariosCheck(), REPO, tmp_path)
    assert [c.status for c in report.checks] == ["passed"] * 3, [c.message for c in report.checks]


def test_promtool_config_lines_point_into_the_users_prometheus_yml(stack_copy, tmp_path):
    config = stack_copy / "stack/prometheus/prometheus.yml"
    edit(config, "scrape_interval: 15s", "scrape_intervl: 15s")
    report = _run(PrometheusConfigCheck(), stack_copy, tmp_path)
    (result,) = report.checks
    line = _line_of(config, "scrape_intervl")
    assert result.failed and result.line == line and result.file == "stack/prometheus/prometheus.yml"
    assert f"line {line}: field scrape_intervl not found" in result.message


def test_a_message_without_a_line_is_placed_at_the_text_it_quotes(stack_copy, tmp_path):
    config = stack_copy / "stack/prometheus/prometheus.yml"
    edit(config, "regex: Pending|Succeeded", "regex: (Pending|Succeeded")
    (result,) = _run(PrometheusConfigCheck(), stack_copy, tmp_path).checks
    assert result.failed and result.line == _line_of(config, "regex: (Pending|Succeeded")


def test_amtool_places_an_unknown_receiver_in_alertmanager_yml(stack_copy, tmp_path):
    config = stack_copy / "stack/alertmanager/alertmanager.yml"
    edit(config, "receiver: infra-slack", "receiver: infra-slak")
    (result,) = _run(AlertmanagerConfigCheck(), stack_copy, tmp_path).checks
    assert result.failed and result.line == _line_of(config, "receiver: infra-slak"), result.message


def test_an_alerting_rule_nothing_tests_is_a_warning_naming_it(stack_copy, tmp_path):
    edit(stack_copy / "rules/node.rules.yml", "      - alert: NodeFileDescriptorsExhausted",
         "      - alert: NodeFileDescriptorsExhaustedToo\n        expr: vector(1) > 2\n"
         "        labels: {severity: warning}\n      - alert: NodeFileDescriptorsExhausted")  # fmt: skip
    (result,) = _run(UntestedRulesCheck(), stack_copy, tmp_path).checks
    assert result.failed and result.level == "warning"
    assert "1 of 32 alerting rules" in result.message and "NodeFileDescriptorsExhaustedToo" in result.message
    assert result.file == "rules/node.rules.yml"


def test_a_second_tier_under_the_same_name_is_its_own_rule(stack_copy, tmp_path):
    (before,) = _run(UntestedRulesCheck(), stack_copy, tmp_path).checks
    assert before.status == "passed" and "31 alerting rules" in before.message
    edit(stack_copy / "rules/node.rules.yml", "      - alert: NodeFileDescriptorsExhausted",
         "      - alert: NodeFileDescriptorsExhausted\n        expr: vector(1) > 2\n"
         "        labels: {severity: critical}\n      - alert: NodeFileDescriptorsExhausted")  # fmt: skip
    (after,) = _run(UntestedRulesCheck(), stack_copy, tmp_path).checks
    assert after.failed and "1 of 32" in after.message, after.message


def test_a_pinned_version_the_binary_does_not_have_is_a_warning_with_both(stack_copy, tmp_path):
    edit(stack_copy / "stack/stack.yaml", "version: 2.42.0", "version: 2.45.0")
    report = _run(VersionsCheck(), stack_copy, tmp_path)
    by_id = {c.id: c for c in report.checks}
    prom = by_id["static/versions/prometheus"]
    assert prom.failed and prom.level == "warning"
    assert "2.45.0" in prom.message and "is 2.42.0" in prom.message
    assert prom.file == "stack/stack.yaml" and prom.line == _line_of(
        stack_copy / "stack/stack.yaml", "2.45.0"
    )
    assert by_id["static/versions/alertmanager"].status == "passed"


def test_provision_reads_the_stack_yaml_of_the_C_directory(stack_copy, tmp_path):
    edit(stack_copy / "stack/stack.yaml", "version: 2.42.0", "version: 2.45.0")
    result = stackcheck("-C", str(stack_copy), "provision", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stack.yaml pins 2.45.0 but" in result.stderr and "is 2.42.0" in result.stderr
