"""`stackcheck check` on broken copies of the repository: severities decide the exit code, waivers
silence a finding and are listed, and the CI outputs point at the user's own files."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli import stackcheck
from tests.conftest import REPO, edit, reference_waivers

pytestmark = pytest.mark.static

WAIVERS = ".stackcheck-waivers.yml"


def _check(repo: Path, report: Path, *extra: str, env: dict[str, str] | None = None):
    return stackcheck("-C", str(repo), "check", "--report", str(report), *extra, env=env)


def _results(report: Path) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads((report / "results.json").read_text())["checks"]}


def _drop_a_unit(repo: Path) -> str:
    """A panel without a unit: a style finding (warning). Returns its check id."""
    edit(repo / "stack/grafana/dashboards/Cluster/cluster-overview.json", '"unit": "short",', '"unit": "",')
    return "dashboards/stackcheck-cluster-overview/units"


def test_a_warning_only_finding_exits_0_and_1_with_strict(stack_copy, tmp_path):
    check_id = _drop_a_unit(stack_copy)
    lenient = _check(stack_copy, tmp_path / "a")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert f"WARN {check_id}:" in lenient.stdout
    found = _results(tmp_path / "a")[check_id]
    assert (found["status"], found["severity"]) == ("failed", "warning")
    assert found["file"] == "stack/grafana/dashboards/Cluster/cluster-overview.json"
    strict = _check(stack_copy, tmp_path / "b", "--strict")
    assert strict.returncode == 1 and f"FAIL {check_id}:" in strict.stdout


def test_a_datasource_without_uid_referenced_by_name_is_a_warning(stack_copy, tmp_path):
    edit(stack_copy / "stack/grafana/provisioning/datasources/prometheus.yml", "    uid: prometheus\n", "")
    for dashboard in (stack_copy / "stack/grafana/dashboards").rglob("*.json"):
        text = dashboard.read_text()
        for key in ("uid", "value", "text"):
            text = text.replace(f'"{key}": "prometheus"', f'"{key}": "Prometheus"')
        dashboard.write_text(text)
    result = _check(stack_copy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    found = _results(tmp_path)["dashboards/provisioning/datasources/prometheus.yml/uid"]
    assert found["severity"] == "warning" and "has no uid" in found["message"]
    assert (found["file"], found["line"]) == ("stack/grafana/provisioning/datasources/prometheus.yml", 4)


def test_a_broken_rule_is_a_failing_junit_testcase_and_an_annotation_on_the_rule(stack_copy, tmp_path):
    edit(stack_copy / "rules/node.rules.yml", 'expr: up{job="node"} == 0', 'expr: up{job="node"} == ')
    junit = tmp_path / "j.xml"
    result = _check(stack_copy, tmp_path / "r", "--junit", str(junit), "--annotations", "github")
    assert result.returncode == 1, result.stdout + result.stderr
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    case = cases["static/rules/node.rules.yml"]
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert "parse error" in (failure.text or "") and '"NodeDown"' in (failure.text or "")
    assert (case.get("file"), case.get("line")) == ("rules/node.rules.yml", "8")
    assert cases["static/alertmanager-config"].find("failure") is None
    annotation = re.search(r"^::error file=rules/node\.rules\.yml,line=8,title=static/rules/node\.rules\.yml::.*$",
                           result.stdout, re.MULTILINE)  # fmt: skip
    assert annotation and "parse error" in annotation.group(0)
    assert str(stack_copy) not in result.stdout.split("::error", 1)[1]  # the user's paths, not the copy's


def test_a_waiver_silences_one_finding_and_is_listed(stack_copy, tmp_path):
    check_id = _drop_a_unit(stack_copy)
    (stack_copy / WAIVERS).write_text(
        f"waivers:\n  - id: {check_id}\n    reason: units come with the redesign\n    expires: 2999-12-31\n"
        + reference_waivers()
    )
    summary = tmp_path / "summary.md"
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    result = _check(stack_copy, tmp_path / "r", "--strict", "--summary", str(summary),
                    env={"GITHUB_STEP_SUMMARY": str(step_summary)})  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    results = _results(tmp_path / "r")
    assert results[check_id]["status"] == "waived"
    assert results[check_id]["waiver"]["reason"] == "units come with the redesign"
    assert results[f"waivers/{check_id}"]["status"] == "passed"
    waived = [c for c in results.values() if c["status"] == "waived" and not c["id"].startswith("security/")]
    assert waived == [results[check_id]]
    text = summary.read_text()
    assert "### Waived (" in text and check_id in text and "units come with the redesign" in text
    assert step_summary.read_text() == "earlier step\n" + text + "\n"  # appended, as GitHub expects


def test_an_expired_waiver_fails_the_gate(stack_copy, tmp_path):
    check_id = _drop_a_unit(stack_copy)
    (stack_copy / WAIVERS).write_text(
        f"waivers:\n  - id: {check_id}\n    reason: r\n    expires: 2020-01-31\n" + reference_waivers()
    )
    result = _check(stack_copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAIL waivers/{check_id}: {WAIVERS}:2: the waiver for" in result.stdout
    assert "expired on 2020-01-31" in result.stdout
    assert _results(tmp_path)[check_id]["status"] == "failed"


def test_a_disable_comment_in_a_rule_file_waives_that_rules_finding(stack_copy, tmp_path):
    edit(stack_copy / "rules/node.rules.yml", 'expr: up{job="node"} == 0', 'expr: up{job="node"} == ')
    edit(stack_copy / "rules/node.rules.yml", "      - alert: NodeDown\n",
         "      # stackcheck disable=static/* being rewritten\n      - alert: NodeDown\n")  # fmt: skip
    result = _check(stack_copy, tmp_path)
    results = _results(tmp_path)
    assert results["static/rules/node.rules.yml"]["status"] == "waived"
    assert results["static/rules/node.rules.yml"]["waiver"]["source"] == "rules/node.rules.yml:7"
    # the rule tests still fail: they are placed in rules/tests/, not in the waived rule
    assert results["static/rule-tests/node.test.yml"]["status"] == "failed" and result.returncode == 1


def test_a_malformed_waiver_file_is_exit_2_naming_file_and_line(stack_copy, tmp_path):
    (stack_copy / WAIVERS).write_text("waivers:\n  - id: static/rules/*\n")
    result = _check(stack_copy, tmp_path)
    assert result.returncode == 2
    assert f"{WAIVERS}:2: `reason` is missing" in result.stderr and "Hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_rules_are_a_lint_warning_as_promtool_reports_them(stack_copy, tmp_path):
    (stack_copy / "rules/extra.rules.yml").write_text(
        "groups:\n  - name: extra\n    rules:\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
    )
    result = _check(stack_copy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lint = _results(tmp_path)["static/rules/extra.rules.yml/lint"]
    assert (lint["status"], lint["severity"], lint["file"]) == ("failed", "warning", "rules/extra.rules.yml")
    assert "duplicate rule" in lint["message"] and "job:up:sum" in lint["message"]
    assert _results(tmp_path)["static/rules/node.rules.yml/lint"]["status"] == "passed"


def test_the_reference_stack_passes_strict_with_every_ci_output(tmp_path):
    result = stackcheck("-C", str(REPO), "check", "--report", str(tmp_path), "--strict",
                        "--junit", str(tmp_path / "j.xml"), "--annotations", "github",
                        "--summary", str(tmp_path / "s.md"))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # no finding to annotate: the reference's accepted ones are notices naming their waiver
    assert not [row for row in result.stdout.splitlines() if row.startswith(("::error", "::warning"))]
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("failures") == "0" and int(root.get("tests", "0")) == len(_results(tmp_path))
    assert (tmp_path / "s.md").read_text().startswith("## stackcheck check: ✅ passed")
