import json

import pytest

from tests.cli import stackcheck
from tests.conftest import REPO, edit

pytestmark = pytest.mark.static


def test_reference_stack_passes_the_static_gate(tmp_path):
    result = stackcheck("-C", str(REPO), "check", "--report", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    ids = {c["id"] for c in data["checks"]}
    assert {"static/prometheus-config", "static/alertmanager-config", "static/alertmanager-templates"} <= ids
    assert any(i.startswith("static/rule-tests/") for i in ids)
    not_passed = {c["id"]: (c["status"], c["severity"]) for c in data["checks"] if c["status"] != "passed"}
    # both accepted with their reasons in .stackcheck-waivers.yml (Debian's Alertmanager; lifecycle
    # kept on because the runbooks reload through it)
    assert not_passed == {
        "security/advisories/alertmanager/CVE-2023-40577": ("waived", "error"),
        "security/prometheus/admin-endpoints": ("waived", "warning"),
    }


def test_broken_promql_fails_naming_the_file_and_the_rule(stack_copy, tmp_path):
    edit(stack_copy / "rules/node.rules.yml", 'expr: up{job="node"} == 0', 'expr: up{job="node"} == ')
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rules/node.rules.yml" in result.stdout
    assert "parse error" in result.stdout
    assert '"NodeDown"' in result.stdout
    assert "Traceback" not in result.stderr


def test_malformed_prometheus_yml_fails_with_the_place(stack_copy, tmp_path):
    edit(stack_copy / "stack/prometheus/prometheus.yml", "scrape_configs:", "scrape_configs: [\n")
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path))
    assert result.returncode == 1
    assert "prometheus.yml:" in result.stdout and "not valid YAML" in result.stdout
    assert "Traceback" not in result.stderr


def test_missing_template_file_is_caught_though_amtool_accepts_it(stack_copy, tmp_path):
    for tmpl in (stack_copy / "stack/alertmanager/templates").glob("*.tmpl"):
        tmpl.unlink()
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path))
    assert result.returncode == 1
    assert "static/alertmanager-templates" in result.stdout and "matches no file" in result.stdout


def test_missing_folder_is_exit_2_with_a_hint(tmp_path):
    result = stackcheck("-C", str(tmp_path / "nowhere"), "check")
    assert result.returncode == 2
    assert "no such directory" in result.stderr and "Hint:" in result.stderr


def test_missing_binary_is_exit_2_naming_the_package(stack_copy, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path), env={"PATH": str(empty)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "promtool is not on PATH" in result.stderr and "apt-get install prometheus" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_check_writes_nothing_into_the_users_tree(stack_copy, tmp_path):
    before = sorted(p.relative_to(stack_copy) for p in stack_copy.rglob("*"))
    stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path / "r"))
    after = sorted(p.relative_to(stack_copy) for p in stack_copy.rglob("*"))
    assert before == after


def test_routing_cases_are_part_of_the_gate(stack_copy, tmp_path):
    edit(
        stack_copy / "stack/alertmanager/alertmanager.yml",
        'matchers: [team="infra"]',
        'matchers: [team="infr"]',
    )
    result = stackcheck("-C", str(stack_copy), "check", "--report", str(tmp_path))
    assert result.returncode == 1
    assert "FAIL routes/routes/" in result.stdout and "infra-slack" in result.stdout


def test_routes_command_prints_a_diff_and_exits_1(tmp_path):
    cases = tmp_path / "cases.yml"
    cases.write_text(
        "- labels: {alertname: NodeDown, severity: critical, team: infra}\n"
        "  receivers: [webhook-archive, infra-slack]\n"
    )
    result = stackcheck("-C", str(REPO), "routes", str(cases))
    assert result.returncode == 1
    assert "-infra-slack" in result.stdout and "+oncall-critical" in result.stdout


def test_routes_command_on_a_malformed_cases_file_is_exit_2(tmp_path):
    cases = tmp_path / "cases.yml"
    cases.write_text("- labels: {alertname: NodeDown}\n  receiver: [x]\n")
    result = stackcheck("-C", str(REPO), "routes", str(cases))
    assert result.returncode == 2
    assert "cases.yml:" in result.stderr
