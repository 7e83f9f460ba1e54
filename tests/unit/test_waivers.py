"""Waivers: the strict waiver file, `# stackcheck disable=` comments, and applying them to a report."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.core.waivers import apply_waivers, disable_comments, load_waivers, parse_waiver_file

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 12, 4)


def _waivers(text: str) -> list:
    return parse_waiver_file(textwrap.dedent(text), ".stackcheck-waivers.yml")


def _report() -> Report:
    report = Report()
    report.failed("security/advisories/alertmanager/CVE-2023-40577", "security", "vulnerable")
    report.failed("dashboards/node/units", "dashboard", "no unit", severity="warning", file="d.json")
    report.passed("static/prometheus-config", "static")
    return report


def test_a_waiver_silences_the_matching_finding_and_is_listed() -> None:
    waivers = _waivers("""\
        waivers:
          - id: security/advisories/alertmanager/*
            reason: Debian ships 0.25.0; the fix is in 0.25.1
            expires: 2027-06-30
        """)
    report = _report()
    apply_waivers(report, waivers, TODAY)
    checks = {c.id: c for c in report.checks}
    advisory = checks["security/advisories/alertmanager/CVE-2023-40577"]
    assert advisory.status == "waived"
    assert advisory.waiver == {
        "id": "security/advisories/alertmanager/*",
        "reason": "Debian ships 0.25.0; the fix is in 0.25.1",
        "source": ".stackcheck-waivers.yml:2",
        "expires": "2027-06-30",
    }
    assert checks["dashboards/node/units"].status == "failed"  # only what the pattern names
    own = checks["waivers/security/advisories/alertmanager/*"]
    assert own.status == "passed" and "CVE-2023-40577" in own.message
    assert report.waivers[0]["matched"] == ["security/advisories/alertmanager/CVE-2023-40577"]
    assert report.gate()


def test_an_expired_waiver_fails_and_silences_nothing() -> None:
    waivers = _waivers("""\
        waivers:
          - id: dashboards/node/units
            reason: units come with the redesign
            expires: 2026-12-03
        """)
    report = _report()
    apply_waivers(report, waivers, TODAY)
    checks = {c.id: c for c in report.checks}
    assert checks["dashboards/node/units"].status == "failed"
    expired = checks["waivers/dashboards/node/units"]
    assert expired.status == "failed" and expired.level == "error"
    assert "expired on 2026-12-03" in expired.message and expired.file == ".stackcheck-waivers.yml"
    assert expired.line == 2
    assert not report.gate()


def test_a_waiver_is_valid_through_its_expiry_day() -> None:
    waivers = _waivers("waivers:\n  - id: dashboards/node/units\n    reason: r\n    expires: 2026-12-04\n")
    report = _report()
    apply_waivers(report, waivers, TODAY)
    assert {c.id: c for c in report.checks}["dashboards/node/units"].status == "waived"


def test_a_waiver_matching_nothing_is_a_warning() -> None:
    waivers = _waivers("waivers:\n  - id: static/prometheus-config\n    reason: flaky once\n")
    report = _report()
    apply_waivers(report, waivers, TODAY)
    unused = {c.id: c for c in report.checks}["waivers/static/prometheus-config"]
    assert unused.status == "failed" and unused.level == "warning"
    assert "matches no failed check" in unused.message  # a passed check is no finding to waive
    assert not report.gate(strict=True)


@pytest.mark.parametrize(
    ("text", "place", "what"),
    [
        ("waivers:\n  - id: a\n", ":2", "`reason` is missing"),
        ("waivers:\n  - id: a\n    reason: ''\n", ":3", "`reason` is missing, empty or not text"),
        ("waivers:\n  - id: a\n    reason: r\n    until: 2027-01-01\n", ":4", "unknown key 'until'"),
        ("waivers:\n  - id: a\n    reason: r\n    expires: next year\n", ":4", "is not a date"),
        ("waivers:\n  - id: a\n    reason: r\n    expires: 2027-13-45\n", ":4", "not a valid date"),
        ("waiver:\n  - id: a\n", ":1", "unknown key(s) waiver"),
        ("waivers: {id: a}\n", ":1", "must be a list"),
        ("waivers:\n  - just-an-id\n", ":2", "expected a mapping"),
        ("waivers:\n  - id: [a\n", ":3", "not valid YAML"),
    ],
)
def test_a_malformed_waiver_file_is_exit_2_with_file_and_line(text: str, place: str, what: str) -> None:
    with pytest.raises(HarnessError) as raised:
        parse_waiver_file(text, ".stackcheck-waivers.yml")
    assert raised.value.place.startswith(f".stackcheck-waivers.yml{place}")
    assert what in raised.value.what and raised.value.hint


def test_no_file_or_an_empty_one_means_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(tmp_path, []) == []
    (tmp_path / ".stackcheck-waivers.yml").write_text("# nothing waived yet\n")
    assert load_waivers(tmp_path, []) == []


RULES = """\
# Node alerts.
# stackcheck disable=static/rules/*  the whole file, for the test
groups:
  - name: node
    rules:
      # stackcheck disable=alerts/*/NodeDown/fires,dashboards/*/threshold/NodeDown  paged elsewhere
      - alert: NodeDown
        expr: up == 0
        for: 2m

      - alert: NodeHot
        expr: temp > 90
"""


def _rules(tmp_path: Path, text: str = RULES) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    path = rules / "node.rules.yml"
    path.write_text(text)
    return path


def test_disable_comments_cover_a_rule_or_the_whole_file(tmp_path: Path) -> None:
    path = _rules(tmp_path)
    waivers = load_waivers(tmp_path, [path])
    report = Report()
    report.failed("alerts/node-down/NodeDown/fires", "alert", "never fired")
    report.failed("alerts/node-hot/NodeHot/fires", "alert", "never fired")
    report.failed("dashboards/x/3/threshold/NodeDown", "dashboard", "80 vs 90", severity="warning")
    report.failed(
        "static/rules/node.rules.yml", "static", "parse error", file="rules/node.rules.yml", line=12
    )
    apply_waivers(report, waivers, TODAY)
    status = {c.id: c.status for c in report.checks if not c.id.startswith("waivers/")}
    assert status == {
        "alerts/node-down/NodeDown/fires": "waived",
        "alerts/node-hot/NodeHot/fires": "failed",  # the comment covers NodeDown only
        "dashboards/x/3/threshold/NodeDown": "waived",
        "static/rules/node.rules.yml": "waived",  # file-level comment
    }
    by_id = {c.id: c for c in report.checks}
    rule_waiver = by_id["waivers/rules/node.rules.yml/NodeDown/alerts/*/NodeDown/fires"]
    assert rule_waiver.status == "passed"
    assert by_id["alerts/node-down/NodeDown/fires"].waiver == {
        "id": "alerts/*/NodeDown/fires",
        "reason": "paged elsewhere",
        "source": "rules/node.rules.yml:6",
        "scope": "rules/node.rules.yml (NodeDown)",
    }


def test_a_rule_comment_covers_findings_placed_within_that_rule_only(tmp_path: Path) -> None:
    text = RULES.replace("# stackcheck disable=static/rules/*  the whole file, for the test\n", "").replace(
        "alerts/*/NodeDown/fires,dashboards/*/threshold/NodeDown", "lint/*"
    )
    path = _rules(tmp_path, text)
    report = Report()
    report.failed("lint/runbook", "static", "no runbook", file="rules/node.rules.yml", line=7)
    report.failed("lint/runbook2", "static", "no runbook", file="rules/node.rules.yml", line=11)
    apply_waivers(report, load_waivers(tmp_path, [path]), TODAY)
    assert [c.status for c in report.checks[:2]] == ["waived", "failed"]


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("groups:\n  - name: a\n    # stackcheck disable=x\n    rules: []\n", 3, "directly above a rule"),
        ("# stackcheck disabled=x\ngroups: []\n", 1, "a malformed disable comment"),
        ("# stackcheck disable=\ngroups: []\n", 1, "a malformed disable comment"),
        ("# stackcheck disable=a,,b\ngroups: []\n", 1, "an empty check id"),
        ("# stackcheck disable = x\ngroups: []\n", 1, "a malformed disable comment"),
    ],
)
def test_a_malformed_or_misplaced_comment_is_exit_2_with_file_and_line(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    path = _rules(tmp_path, text)
    with pytest.raises(HarnessError) as raised:
        disable_comments(path, "rules/node.rules.yml")
    assert raised.value.place == f"rules/node.rules.yml:{line}" and what in raised.value.what


def test_comments_of_a_rule_file_that_does_not_parse_keep_only_the_file_scope(tmp_path: Path) -> None:
    path = _rules(
        tmp_path, "# stackcheck disable=static/rules/*\ngroups:\n  - name: [\n    # stackcheck disable=x\n"
    )
    (waiver,) = disable_comments(path, "rules/node.rules.yml")
    assert waiver.pattern == "static/rules/*" and waiver.scope_label == "file"


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_any_waiver_file_text_parses_or_is_a_clear_error(text: str) -> None:
    try:
        waivers = parse_waiver_file(text, ".stackcheck-waivers.yml")
    except HarnessError as exc:
        assert exc.place.startswith(".stackcheck-waivers.yml") and exc.hint
    else:
        assert all(w.pattern and w.reason for w in waivers)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([
    "groups:", "  - name: g", "    rules:", "      - alert: A", "        expr: up == 0",
    "      # stackcheck disable=x/*", "# stackcheck disable=a,b why", "# plain comment", "",
    "      - record: r", "  # stackcheck disable=", "bad: [",
]), max_size=12))  # fmt: skip
def test_any_rule_file_comments_parse_or_are_a_clear_error(tmp_path: Path, lines: list[str]) -> None:
    path = _rules(tmp_path, "\n".join(lines) + "\n")
    try:
        waivers = disable_comments(path, "rules/node.rules.yml")
    except HarnessError as exc:
        assert exc.place.startswith("rules/node.rules.yml:") and exc.hint
    else:
        assert all(w.scope_file == "rules/node.rules.yml" for w in waivers)


def test_a_waiver_for_a_check_that_did_not_run_here_is_skipped_unless_the_run_was_complete() -> None:
    waivers = _waivers("waivers:\n  - id: notifications/*/oncall-critical/delivered\n    reason: r\n")
    partial = _report()
    apply_waivers(partial, waivers, TODAY)
    own = {c.id: c for c in partial.checks}["waivers/notifications/*/oncall-critical/delivered"]
    assert own.status == "skipped" and "no check matching" in own.message
    complete = _report()
    apply_waivers(complete, waivers, TODAY, complete=True)
    own = {c.id: c for c in complete.checks}["waivers/notifications/*/oncall-critical/delivered"]
    assert own.status == "failed" and own.level == "warning"


def test_prose_mentioning_stackcheck_is_no_waiver(tmp_path: Path) -> None:
    path = _rules(tmp_path, "# stackcheck validates these rules in CI\ngroups: []\n")
    assert disable_comments(path, "rules/node.rules.yml") == []
