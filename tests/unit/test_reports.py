"""The CI writers: JUnit XML (parsed back), GitHub annotations, the Markdown summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.core.results import CheckResult, Report
from validation.reports.annotations import escape_data, github_annotations
from validation.reports.junit import junit_xml
from validation.reports.markdown import markdown_summary

pytestmark = pytest.mark.unit


def _report() -> Report:
    report = Report()
    report.passed("static/prometheus-config", "static", seconds=0.25)
    report.failed(
        "static/rules/node.rules.yml",
        "static",
        'rules/node.rules.yml: 8:15: group "node", rule 1: parse error\nsecond line',
        severity="error",
        file="rules/node.rules.yml",
        line=8,
    )
    report.failed(
        "dashboards/node/units",
        "dashboard",
        "no unit on 'CPU' | 'RAM'",
        severity="warning",
        file="d/node.json",
    )
    report.skipped("dashboards/grafana/health", "dashboard", "GRAFANA_URL is not set")
    waived = report.failed("security/advisories/am/CVE-1", "security", "vulnerable", severity="error")
    waived.status = "waived"
    waived.waiver = {"id": "security/advisories/am/*", "reason": "Debian ships 0.25", "source": "w.yml:3"}
    return report


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    cases = root.findall("./testsuite/testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names))
    return {str(c.get("name")): c for c in cases}


def test_junit_has_one_testcase_per_check_with_failures_and_skips() -> None:
    xml = junit_xml(_report())
    root = ET.fromstring(xml)
    cases = _cases(xml)
    assert set(cases) == {
        "static/prometheus-config",
        "static/rules/node.rules.yml",
        "dashboards/node/units",
        "dashboards/grafana/health",
        "security/advisories/am/CVE-1",
    }
    failure = cases["static/rules/node.rules.yml"].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.get("message", "").startswith("rules/node.rules.yml: 8:15:")
    assert "second line" in (failure.text or "")
    assert cases["static/rules/node.rules.yml"].get("file") == "rules/node.rules.yml"
    assert cases["static/rules/node.rules.yml"].get("line") == "8"
    skipped = cases["dashboards/grafana/health"].find("skipped")
    assert skipped is not None and skipped.get("message") == "GRAFANA_URL is not set"
    waived = cases["security/advisories/am/CVE-1"].find("skipped")
    assert waived is not None and "Debian ships 0.25" in waived.get("message", "")
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["static"].get("failures") == "1" and suites["dashboards"].get("skipped") == "1"


def test_junit_warning_fails_only_under_strict() -> None:
    lenient = _cases(junit_xml(_report()))["dashboards/node/units"]
    assert lenient.find("failure") is None
    assert "warning: no unit" in (lenient.findtext("system-out") or "")
    strict = _cases(junit_xml(_report(), strict=True))["dashboards/node/units"]
    failure = strict.find("failure")
    assert failure is not None and failure.get("type") == "warning"


def test_junit_merges_a_repeated_id_into_one_testcase() -> None:
    report = Report()
    report.passed("scrape/node/labels", "scrape")
    report.failed("scrape/node/labels", "scrape", "exp: node='a', got: none")
    (case,) = ET.fromstring(junit_xml(report)).iter("testcase")
    assert case.find("failure") is not None


@given(
    ids=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5, unique=True),
    message=st.text(max_size=200),
)
def test_junit_is_well_formed_whatever_the_text(ids: list[str], message: str) -> None:
    report = Report()
    for index, check_id in enumerate(ids):
        if index % 2:
            report.failed(check_id, "static", message, file=message[:20] or None, line=index or None)
        else:
            report.skipped(check_id, "static", message)
    root = ET.fromstring(junit_xml(report))
    assert len(list(root.iter("testcase"))) == len(ids)


def test_annotations_point_at_the_users_file_and_line() -> None:
    lines = github_annotations(_report())
    assert lines[0] == (
        "::error file=rules/node.rules.yml,line=8,title=static/rules/node.rules.yml::"
        'rules/node.rules.yml: 8:15: group "node", rule 1: parse error%0Asecond line'
    )
    assert lines[1].startswith("::warning file=d/node.json,title=dashboards/node/units::no unit")
    assert lines[2].startswith(
        "::notice title=security/advisories/am/CVE-1::waived (w.yml:3: Debian ships 0.25)"
    )
    assert len(lines) == 3  # passed and skipped checks are not annotated
    assert github_annotations(_report(), strict=True)[1].startswith("::error file=d/node.json")


def test_annotation_escaping_keeps_one_command_per_line() -> None:
    report = Report()
    report.failed("a,b:c", "static", "100% broken\r\nnext", file="x,y:z.yml", line=3)
    (line,) = github_annotations(report)
    assert line == "::error file=x%2Cy%3Az.yml,line=3,title=a%2Cb%3Ac::100%25 broken%0D%0Anext"
    assert escape_data("%0A") == "%250A"


def test_markdown_summary_lists_errors_warnings_and_waived() -> None:
    text = markdown_summary(_report(), title="stackcheck check")
    assert text.startswith("## stackcheck check: ❌ failed")
    assert "| 1 | 1 | 1 | 1 | 1 |" in text
    assert "### Errors (1)" in text and "`rules/node.rules.yml:8`" in text
    assert "### Warnings (1)" in text and "'CPU' \\| 'RAM'" in text  # a pipe cannot end the cell
    assert "### Waived (1)" in text and "Debian ships 0.25" in text and "`w.yml:3`" in text
    assert "<details><summary>Skipped (1)</summary>" in text
    for row in (r for r in text.splitlines() if r.startswith("| `")):
        assert "\n" not in row and row.endswith("|")


def test_markdown_summary_passes_with_warnings_only_unless_strict() -> None:
    report = Report()
    report.failed("dashboards/x/units", "dashboard", "no unit", severity="warning")
    assert "✅ passed" in markdown_summary(report)
    assert "❌ failed" in markdown_summary(report, strict=True)


def test_check_result_json_carries_severity_file_and_line() -> None:
    report = _report()
    checks = {c["id"]: c for c in report.to_json()["checks"]}
    assert checks["static/rules/node.rules.yml"]["file"] == "rules/node.rules.yml"
    assert checks["static/rules/node.rules.yml"]["line"] == 8
    assert checks["static/prometheus-config"]["severity"] == "error"
    assert "file" not in checks["static/prometheus-config"]
    assert checks["dashboards/node/units"]["severity"] == "warning"
    assert checks["security/advisories/am/CVE-1"]["waiver"]["reason"] == "Debian ships 0.25"
    assert report.summary == {"passed": 1, "failed": 2, "skipped": 1, "waived": 1, "warnings": 1}


def test_gate_fails_on_errors_and_on_warnings_only_when_strict() -> None:
    warning_only = Report()
    warning_only.failed("x", "static", "style", severity="warning")
    assert warning_only.gate() and not warning_only.gate(strict=True)
    error = Report()
    error.failed("y", "static", "broken")
    assert not error.gate()
    waived = Report(checks=[CheckResult("z", "static", "waived", message="m", severity="error")])
    assert waived.gate(strict=True)


def test_a_failed_expectation_points_at_its_line_in_the_scenario_file() -> None:
    from types import SimpleNamespace

    from validation.pipeline.run import PipelineOutcome, expectation_places
    from validation.scenarios.loader import load_scenarios

    scenarios = load_scenarios(Path(__file__).resolve().parents[2] / "fixtures" / "scenarios")
    outcome = PipelineOutcome(states=[SimpleNamespace(scenario=s) for s in scenarios])
    places = expectation_places(outcome)
    scenario = next(s for s in scenarios if s.exp_alerts and s.exp_notifications)
    exp = scenario.exp_alerts[0]
    file, line = places[f"alerts/{scenario.name}/{exp.alertname}"]
    assert file == scenario.source and line
    text = Path(file).read_text(encoding="utf-8").splitlines()
    assert exp.alertname in "\n".join(text[line - 1 : line + 2])
    note = scenario.exp_notifications[0]
    target = f"{note.receiver}:{note.alertname}" if note.alertname else note.receiver
    assert places[f"notifications/{scenario.name}/{target}"][0] == scenario.source


@given(message=st.text(max_size=200), file=st.text(min_size=1, max_size=40))
def test_an_annotation_is_one_line_that_decodes_back_to_the_message(message: str, file: str) -> None:
    report = Report()
    report.failed("static/x", "static", message, file=file, line=3)
    (line,) = github_annotations(report)
    assert "\n" not in line and "\r" not in line
    head, data = line.split("::", 2)[1:]
    assert head.startswith("error file=") and ",line=3," in head and head.count(",") == 2
    assert data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%") == message
