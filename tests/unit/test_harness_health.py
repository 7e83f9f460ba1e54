"""The harness watching itself: figures from Prometheus' and Alertmanager's /metrics, and the
harness/* results they become (passed or a warning — never a failure)."""

import pytest

from validation.core.results import Report
from validation.pipeline.harness_health import (
    HarnessHealth,
    evaluation_figures,
    notification_figures,
    parse_metrics,
    record_health,
)
from validation.pipeline.trouble import Trouble

pytestmark = pytest.mark.unit

PROMETHEUS = """\
# HELP prometheus_rule_group_iterations_missed_total The total number of rule group evaluations missed.
# TYPE prometheus_rule_group_iterations_missed_total counter
prometheus_rule_group_iterations_missed_total{rule_group="a.yml;node"} 2
prometheus_rule_group_iterations_missed_total{rule_group="a.yml;gpu"} 1
prometheus_rule_group_interval_seconds{rule_group="a.yml;node"} 0.25
prometheus_rule_group_interval_seconds{rule_group="a.yml;gpu"} 0.5
prometheus_rule_group_last_duration_seconds{rule_group="a.yml;node"} 0.05
prometheus_rule_group_last_duration_seconds{rule_group="a.yml;gpu"} 0.4
"""
ALERTMANAGER = """\
alertmanager_notification_latency_seconds_sum{integration="email"} 1.5
alertmanager_notification_latency_seconds_count{integration="email"} 3
alertmanager_notification_latency_seconds_sum{integration="webhook"} 0.5
alertmanager_notification_latency_seconds_count{integration="webhook"} 7
alertmanager_notification_latency_seconds_bucket{integration="email",le="1"} 2
alertmanager_notification_latency_seconds_bucket{integration="email",le="5"} 3
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="1"} 7
alertmanager_notification_latency_seconds_bucket{integration="webhook",le="5"} 7
"""


def test_evaluation_figures_sum_missed_and_take_the_worst_duration_to_interval():
    assert evaluation_figures(parse_metrics(PROMETHEUS)) == (3.0, pytest.approx(0.8))


def test_notification_figures_sum_every_integration():
    assert notification_figures(parse_metrics(ALERTMANAGER)) == (2.0, 10.0, 1.0)


def test_missing_metrics_read_as_zero():
    assert evaluation_figures({}) == (0.0, 0.0)
    assert notification_figures(parse_metrics("# nothing\n")) == (0.0, 0.0, 0.0)


def _figures(failed=0):
    return {"synthetic_scrapes": {"total": 1100, "failed": failed, "interval_s": 0.25, "slowest_s": 0.048}}


def test_no_trouble_passes_every_harness_check():
    report = Report()
    record_health(HarnessHealth([], _figures()), report)
    assert [(c.id, c.status) for c in report.checks] == [
        ("harness/synthetic-scrapes", "passed"),
        ("harness/rule-evaluations", "passed"),
        ("harness/sinks", "passed"),
        ("harness/alert-observer", "passed"),
    ]
    assert report.checks[0].message == "1100 scrapes, slowest 0.048s"


def test_one_missed_scrape_of_1100_is_a_warning_and_the_run_stays_green():
    trouble = Trouble("synthetic-scrapes", 40.0, 40.25, "scrape failed at 40.25s")
    report = Report()
    record_health(HarnessHealth([trouble], _figures(failed=1)), report)
    scrapes = report.checks[0]
    assert scrapes.warned and scrapes.severity == "warning"
    assert "scrape failed at 40.25s" in scrapes.message and "Hint:" in scrapes.message
    assert scrapes.details["trouble"] == [trouble.to_json()]
    assert report.gate(strict=True)
    assert report.summary == {"passed": 3, "failed": 1, "skipped": 0, "warnings": 1}
    assert report.measurements["harness"]["synthetic_scrapes"]["failed"] == 1
