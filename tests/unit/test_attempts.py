"""The rerun decision over a run's report: warnings stay warnings, suspect failures are re-run
at half the scale with both attempts kept, and an untrustworthy verdict exits 2."""

from pathlib import Path

import pytest

from validation.commands.summary import finish
from validation.core.results import Report
from validation.runner.attempts import settle

pytestmark = pytest.mark.unit


def _trouble(start, end, what="synthetic-scrapes"):
    return {"what": what, "window_s": [start, end], "detail": f"scrape failed at {end}s"}


def _report(failures=(), passes=(), trouble=()):
    report = Report()
    for check_id in passes:
        report.passed(check_id, "alert")
    for check_id, window in failures:
        scenario = check_id.split("/")[1]
        report.failed(
            check_id, "alert", "exp: firing, got: nothing", scenario=scenario, window_s=list(window)
        )
    report.measurements["harness"] = {"trouble": list(trouble)}
    if trouble:
        report.warning("harness/synthetic-scrapes", "reliability", "1 of 1100 scrapes failed")
    else:
        report.passed("harness/synthetic-scrapes", "reliability")
    report.coverage = {"alert_rules": {"total": 2, "covered": 2, "uncovered": []}}
    return report


class _Rerun:
    def __init__(self, report):
        self.report = report
        self.calls = []

    def __call__(self, scenarios, scale):
        self.calls.append((scenarios, scale))
        return self.report


def _exit(report, tmp_path):
    return finish(report, tmp_path)


def test_trouble_with_every_verdict_passed_is_a_warning_and_exits_0(tmp_path: Path, capsys):
    report = _report(passes=["alerts/a/X/fires"], trouble=[_trouble(1.0, 1.25)])
    rerun = _Rerun(Report())
    settle(report, 60, rerun)
    assert rerun.calls == []
    assert report.gate() and report.gate(strict=True)  # harness trouble is not the config's, ever
    assert report.summary["warnings"] == 1
    data = report.to_json()
    assert [c["severity"] for c in data["checks"] if c["id"] == "harness/synthetic-scrapes"] == ["warning"]
    assert _exit(report, tmp_path) == 0
    out = capsys.readouterr().out
    assert "WARN harness/synthetic-scrapes" in out and "1 passed, 0 failed, 0 skipped, 1 warning →" in out


def test_a_failure_with_the_harness_healthy_stands_without_rerun(tmp_path: Path):
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(20, 21)])
    rerun = _Rerun(Report())
    settle(report, 60, rerun)
    assert rerun.calls == []
    assert _exit(report, tmp_path) == 1


def test_a_failure_in_trouble_is_re_run_at_half_scale_and_its_pass_replaces_it(tmp_path: Path):
    report = _report(
        failures=[("alerts/a/X/fires", (0, 10))], passes=["alerts/b/Y/fires"], trouble=[_trouble(4, 5)]
    )
    second = _report(passes=["alerts/a/X/fires"])
    rerun = _Rerun(second)
    settle(report, 60, rerun)
    assert rerun.calls == [({"a"}, 30)]
    final = {c.id: c for c in report.checks}
    assert final["alerts/a/X/fires"].status == "passed"
    assert final["alerts/a/X/fires"].details == {"attempt": 2, "time_scale": 30}
    assert final["alerts/b/Y/fires"].status == "passed"
    first, again = report.attempts
    assert first["attempt"] == 1 and first["time_scale"] == 60 and first["scenarios"] == ["a"]
    assert first["checks"][0]["id"] == "alerts/a/X/fires" and first["checks"][0]["status"] == "failed"
    assert "alerts/a/X/fires" in first["suspect"]
    assert again["attempt"] == 2 and again["time_scale"] == 30 and again["checks"] == ["alerts/a/X/fires"]
    assert final["harness/rerun"].warned and "passed" in final["harness/rerun"].message
    assert report.to_json()["attempts"] == report.attempts
    assert _exit(report, tmp_path) == 0


def test_a_re_run_that_fails_with_the_harness_healthy_is_a_config_failure(tmp_path: Path):
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    second = _report(failures=[("alerts/a/X/fires", (0, 20))])
    settle(report, 60, _Rerun(second))
    assert not report.untrusted
    assert [c.id for c in report.checks if c.fatal()] == ["alerts/a/X/fires"]
    assert _exit(report, tmp_path) == 1


def test_a_re_run_that_fails_in_trouble_again_exits_2_saying_why_and_what_to_do(tmp_path: Path, capsys):
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    second = _report(failures=[("alerts/a/X/fires", (0, 20))], trouble=[_trouble(8, 9)])
    settle(report, 60, _Rerun(second))
    assert "no trustworthy verdict for a" in report.untrusted
    assert "--time-scale" in report.untrusted and "Hint:" in report.untrusted
    assert report.to_json()["untrusted"] == report.untrusted
    [check] = [c for c in report.checks if c.status == "failed" and c.id.startswith("alerts/")]
    assert check.details["untrusted"] is True and check.details["attempt"] == 2
    assert _exit(report, tmp_path) == 2
    out = capsys.readouterr().out
    assert "no trustworthy verdict for a" in out
    assert "UNTRUSTED alerts/a/X/fires" in out and "0 failed, 0 skipped, 2 warnings, 1 untrusted" in out


def test_a_genuine_failure_beside_an_untrusted_one_exits_1(tmp_path: Path):
    report = _report(
        failures=[("alerts/a/X/fires", (0, 10)), ("alerts/b/Y/fires", (0, 3))], trouble=[_trouble(4, 5)]
    )
    second = _report(failures=[("alerts/a/X/fires", (0, 20))], trouble=[_trouble(8, 9)])
    settle(report, 60, _Rerun(second))
    assert report.untrusted
    assert _exit(report, tmp_path) == 1


def test_untrusted_without_a_standing_failure_exits_2(tmp_path: Path, capsys):
    report = _report(passes=["alerts/b/Y/fires"])
    report.untrusted = "no trustworthy verdict for a: … Hint: run on a quieter machine"
    assert _exit(report, tmp_path) == 2
    assert "no trustworthy verdict for a" in capsys.readouterr().out


def test_at_real_time_there_is_no_gentler_scale_so_a_suspect_failure_is_untrusted():
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    rerun = _Rerun(Report())
    settle(report, 1, rerun)
    assert rerun.calls == [] and "no trustworthy verdict for a" in report.untrusted


def test_coverage_lost_to_trouble_is_regained_by_the_re_run():
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    report.coverage["alert_rules"] = {"total": 2, "covered": 1, "uncovered": ["X"]}
    report.failed("coverage/alert-rules", "alert", "1 alert rules never fired: X. Hint: add a scenario")
    second = _report(passes=["alerts/a/X/fires"])
    second.coverage["alert_rules"] = {"total": 2, "covered": 1, "uncovered": ["Y"]}
    settle(report, 60, _Rerun(second))
    assert report.coverage["alert_rules"] == {"total": 2, "covered": 2, "uncovered": []}
    assert report.gate()


def test_a_coverage_gap_only_an_untrusted_scenario_would_close_is_untrusted_too(tmp_path: Path):
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    report.coverage["alert_rules"] = {"total": 2, "covered": 1, "uncovered": ["X"]}
    report.failed("coverage/alert-rules", "alert", "1 alert rules never fired: X. Hint: add a scenario")
    second = _report(failures=[("alerts/a/X/fires", (0, 20))], trouble=[_trouble(8, 9)])
    second.coverage["alert_rules"] = {"total": 2, "covered": 0, "uncovered": ["X", "Y"]}
    settle(report, 60, _Rerun(second))
    [gap] = [c for c in report.checks if c.id == "coverage/alert-rules"]
    assert gap.untrusted and not gap.fatal()
    assert _exit(report, tmp_path) == 2


def test_a_coverage_gap_beyond_the_untrusted_scenarios_stays_a_failure(tmp_path: Path):
    report = _report(failures=[("alerts/a/X/fires", (0, 10))], trouble=[_trouble(4, 5)])
    report.coverage["alert_rules"] = {"total": 3, "covered": 1, "uncovered": ["X", "Z"]}
    report.failed("coverage/alert-rules", "alert", "2 alert rules never fired: X, Z. Hint: add a scenario")
    second = _report(failures=[("alerts/a/X/fires", (0, 20))], trouble=[_trouble(8, 9)])
    second.coverage["alert_rules"] = {"total": 3, "covered": 0, "uncovered": ["X", "Z"]}
    settle(report, 60, _Rerun(second))
    assert _exit(report, tmp_path) == 1
