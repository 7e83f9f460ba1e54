"""The console display: live on a terminal (rich), throttled plain lines without one, quiet and
verbose, and the closing summary table."""

import io
import re

import pytest

from validation.core.results import CheckResult, Report
from validation.runner.progress import NULL_PROGRESS, ConsoleProgress, duration, print_summary

pytestmark = pytest.mark.unit

ESCAPE = re.compile(r"\x1b")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _plain(verbosity="normal", interval=10.0):
    stream, clock = io.StringIO(), FakeClock()
    progress = ConsoleProgress(stream, verbosity, clock=clock, interval=interval, live=False, ticker=False)
    return progress, stream, clock


def _passed(check_id):
    return CheckResult(check_id, "alert", "passed")


def test_without_a_terminal_lines_are_plain_and_at_most_one_per_interval():
    progress, stream, clock = _plain()
    progress.group_started("alerts", 20, production_s=4 * 3600, scale=60)
    for i in range(20):
        clock.now += 1.5  # an item every 1.5 s for 30 s, ticks in between
        progress.item_done("alerts", f"s{i}", [_passed(f"alerts/s{i}/X/fires")])
        progress.tick()
    progress.group_finished("alerts")
    progress.close()
    text = stream.getvalue()
    assert not ESCAPE.search(text)
    lines = text.splitlines()
    # 30 s of fake time: the first line at once, then at most one per 10 s
    assert lines == [
        "[0s] alerts 0/20, 0s of 4h production, elapsed 0s, ETA 4m",
        "[10s] alerts 7/20, 10m30s of 4h production, elapsed 10s, ETA 3m50s",
        "[21s] alerts 14/20, 21m of 4h production, elapsed 21s, ETA 3m39s",
    ]


def test_a_plain_line_comes_even_when_no_item_finishes_for_a_while():
    progress, stream, clock = _plain()
    progress.group_started("alerts", 3, production_s=3600, scale=60)
    for _ in range(35):
        clock.now += 1.0
        progress.tick()
    assert len(stream.getvalue().splitlines()) == 4  # at 0, 10, 20, 30 s
    assert "alerts 0/3, 30m of 1h production, elapsed 30s, ETA 30s" in stream.getvalue()


def test_groups_without_production_time_show_an_eta_from_their_pace():
    progress, stream, clock = _plain(interval=0)
    progress.group_started("health", 4)
    clock.now += 2
    progress.item_done("health", "endpoints")
    assert stream.getvalue().splitlines()[-1] == "[2s] health 1/4, elapsed 2s, ETA 6s"


def test_quiet_prints_nothing_while_running():
    progress, stream, _ = _plain("quiet", interval=0)
    progress.group_started("alerts", 2)
    progress.item_done("alerts", "a", [CheckResult("alerts/a/X/fires", "alert", "failed", message="no")])
    progress.warning("harness/synthetic-scrapes: 1 of 1100 scrapes failed")
    progress.tick()
    assert stream.getvalue() == ""


def test_verbose_prints_every_check_as_it_finishes():
    progress, stream, _ = _plain("verbose", interval=1e9)
    progress.group_started("alerts", 2)
    progress.item_done(
        "alerts",
        "a",
        [_passed("alerts/a/X/fires"), CheckResult("alerts/a/X/pending", "alert", "failed", message="exp: p")],
    )
    lines = stream.getvalue().splitlines()
    assert "PASS alerts/a/X/fires" in lines
    assert "FAIL alerts/a/X/pending: exp: p" in lines


def test_warnings_are_printed_in_normal_mode():
    progress, stream, _ = _plain(interval=1e9)
    progress.warning("harness/synthetic-scrapes: 1 of 1100 scrapes failed")
    assert stream.getvalue() == "WARNING harness/synthetic-scrapes: 1 of 1100 scrapes failed\n"


def test_on_a_terminal_the_live_display_draws_with_rich():
    stream, clock = io.StringIO(), FakeClock()
    progress = ConsoleProgress(stream, "normal", clock=clock, live=True)
    progress.group_started("alerts", 19, production_s=4 * 3600, scale=60)
    clock.now += 60
    progress.item_done("alerts", "a")
    progress.group_finished("alerts")
    progress.close()
    text = stream.getvalue()
    assert ESCAPE.search(text)  # rich's cursor control, not ours
    assert "alerts" in text and "4h/4h production" in text and "done" in text


def test_run_checks_reports_each_group_and_each_check_class_as_an_item():
    from pathlib import Path

    from validation.checks import CheckContext, run_checks
    from validation.checks.health.endpoints import HealthCheck
    from validation.checks.scrape.targets import ScrapeTargetsCheck

    class One(HealthCheck):
        def run(self, ctx, report):
            report.passed("health/one", "health")

    class Two(ScrapeTargetsCheck):
        def run(self, ctx, report):
            report.failed("scrape/two", "scrape", "down", severity="warning")

    events = []

    class Recorder(type(NULL_PROGRESS)):
        def group_started(self, group, total, production_s=0.0, scale=1.0):
            events.append(("started", group, total))

        def item_done(self, group, item, results=()):
            events.append(("done", group, item, [r.id for r in results]))

        def group_finished(self, group):
            events.append(("finished", group))

    import validation.checks as checks

    saved = dict(checks.GROUPS)
    checks.GROUPS.update(health=(One,), scrape=(Two,))
    try:
        report = Report()
        run_checks([One, Two], CheckContext(None, Path("."), progress=Recorder()), report)
    finally:
        checks.GROUPS.clear()
        checks.GROUPS.update(saved)
    assert events == [
        ("started", "health", 1),
        ("done", "health", HealthCheck.id, ["health/one"]),
        ("finished", "health"),
        ("started", "scrape", 1),
        ("done", "scrape", ScrapeTargetsCheck.id, ["scrape/two"]),
        ("finished", "scrape"),
    ]
    assert [c.level for c in report.checks] == ["error", "warning"]  # each check's own severity


def test_summary_table_counts_per_group_lists_slowest_scenarios_and_warnings():
    report = Report()
    report.passed("health/prometheus/ready", "health")
    report.failed("alerts/a/X/fires", "alert", "no")
    report.skipped("alerts/b", "alert", "real time")
    report.passed("alerts/c/X/fires", "alert")
    report.warning("harness/synthetic-scrapes", "reliability", "1 of 1100 scrapes failed")
    report.measurements["scenario_seconds"] = {"fast": 3.0, "slow": 240.5, "mid": 20.0}
    stream = io.StringIO()
    print_summary(report, stream)
    text = stream.getvalue()
    assert not ESCAPE.search(text)
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if "│" in line}
    assert rows["health"] == ["│", "1", "│", "0", "│", "0", "│", "0"]
    assert rows["alerts"] == ["│", "1", "│", "1", "│", "1", "│", "0"]
    assert rows["harness"] == ["│", "0", "│", "0", "│", "0", "│", "1"]
    assert "slowest scenarios: slow 240.5s, mid 20.0s, fast 3.0s" in text
    assert "harness/synthetic-scrapes" not in text  # listed once, by `finish`, as a WARN line


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (3.2, "3s"), (75, "1m15s"), (120, "2m"), (14400, "4h"), (5400, "1h30m")]
)
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_summary_table_shows_waived_only_when_something_was_waived():
    report = Report()
    report.passed("static/a", "static")
    stream = io.StringIO()
    print_summary(report, stream)
    assert "waived" not in stream.getvalue()
    report.add(CheckResult("static/b", "static", "waived", message="accepted"))
    stream = io.StringIO()
    print_summary(report, stream)
    header, _, row = stream.getvalue().splitlines()[:3]
    assert header.split()[-1] == "waived" and row.split()[-1] == "1"


def test_a_job_is_one_group_of_one_item():
    progress, stream, clock = _plain("verbose")
    progress.job_started("service")
    clock.now += 3
    report = Report()
    report.passed("health/prometheus/ready", "health")
    progress.job_finished("service", report, 3.0)
    assert stream.getvalue().splitlines() == ["[0s] service 0/1, elapsed 0s", "PASS health/prometheus/ready"]
    assert progress.groups["service"].done == 1 and progress.groups["service"].finished == clock.now


def test_a_job_line_is_taken_over_by_its_scenario_group_and_finished_once():
    progress, stream, clock = _plain(interval=0.0)
    progress.job_started("scenarios-k60")  # the stack starts: one line, 0/1
    progress.job_started("faults")
    clock.now += 5
    progress.group_started("scenarios-k60", 3, production_s=1800, scale=60)  # the pipeline's
    for i in range(3):
        progress.item_done("scenarios-k60", f"s{i}", [_passed(f"alerts/s{i}/X/fires")])
    progress.group_finished("scenarios-k60")
    report = Report()
    report.checks.append(_passed("faults/x"))
    progress.job_finished("scenarios-k60", report, 10.0)
    progress.job_finished("faults", report, 10.0)
    assert progress.groups["scenarios-k60"].done == 3  # the job's end adds no item to the group's
    assert progress.groups["faults"].done == 1
    assert all(g.finished is not None for g in progress.groups.values())
    progress.close()
    assert "scenarios-k60 0/1" in stream.getvalue()
    assert "scenarios-k60 3/3" in stream.getvalue() or "scenarios-k60 2/3" in stream.getvalue()


def test_the_summary_has_a_row_per_job_and_counts_untrusted_verdicts_apart():
    report = Report()
    report.checks += [
        CheckResult("alerts/a/X/fires", "alert", "passed", details={"job": "scenarios-k60"}),
        CheckResult(
            "alerts/b/X/fires", "alert", "failed", details={"job": "scenarios-k600", "untrusted": True}
        ),
        CheckResult("static/promtool", "static", "passed"),
    ]
    report.measurements["jobs"] = {"scenarios-k60": {"scenario_seconds": {"a": 12.5}}}
    stream = io.StringIO()
    print_summary(report, stream)
    text = stream.getvalue()
    assert re.search(r"scenarios-k600\s.*\b1\b", text)
    assert "untrusted" in text
    assert "a 12.5s" in text  # the slowest scenarios of every job
