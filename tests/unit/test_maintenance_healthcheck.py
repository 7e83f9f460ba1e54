"""The health check's parsing and judgement: exposition text, targets, rules, cluster, groups, exit codes."""

from __future__ import annotations

import math

import pytest

from scripts.maintenance import healthcheck
from scripts.maintenance.expfmt import parse, parse_line
from scripts.maintenance.health_alertmanager import cluster_finding, notification_finding
from scripts.maintenance.health_base import CRITICAL, OK, WARNING, Finding, summary_line, worst
from scripts.maintenance.health_prometheus import rule_findings, target_findings
from scripts.maintenance.health_pushgateway import group_findings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("up 1", ("up", {}, 1.0)),
        ('x{a="b",c="d"} 2.5 1700000000000', ("x", {"a": "b", "c": "d"}, 2.5)),
        (r'x{path="a \"quoted\" }{ value"} 3', ("x", {"path": 'a "quoted" }{ value'}, 3.0)),
        (r'x{a="back\\slash",b="new\nline"} 1e3', ("x", {"a": "back\\slash", "b": "new\nline"}, 1000.0)),
        ('x{a="b",} +Inf', ("x", {"a": "b"}, math.inf)),
    ],
    ids=["bare", "labels and timestamp", "escaped quote and braces", "escapes", "trailing comma, +Inf"],
)
def test_exposition_lines_parse(line: str, expected: tuple) -> None:
    sample = parse_line(line)
    assert sample is not None
    assert (sample.name, sample.labels, sample.value) == expected


@pytest.mark.parametrize("line", ["# HELP x y", "", "x", 'x{a="b"} notanumber', '{a="b"} 1'])
def test_non_sample_lines_are_skipped(line: str) -> None:
    assert parse_line(line) is None


def target(job: str, health: str, error: str = "") -> dict:
    return {"labels": {"job": job, "instance": f"{job}:1"}, "health": health, "lastError": error}


@pytest.mark.parametrize(
    ("targets", "status", "text"),
    [
        ([target("node", "up"), target("pg", "unknown")], OK, "none down"),
        (
            [target("node", "down", "connection refused"), target("pg", "up")],
            WARNING,
            "node/node:1: connection refused",
        ),
        ([target("node", "down"), target("pg", "down")], CRITICAL, "2 of 2 targets down"),
    ],
    ids=["unknown is not down", "some down", "all down"],
)
def test_targets_down_are_reported_with_their_error(targets: list, status: int, text: str) -> None:
    [finding] = target_findings({"activeTargets": targets})
    assert finding.status == status and text in finding.message


def test_failing_rules_are_named_with_their_group_and_error() -> None:
    data = {
        "groups": [
            {
                "name": "node.alerts",
                "rules": [
                    {"name": "NodeDown", "health": "ok"},
                    {"name": "Bad", "health": "err", "lastError": "many-to-many"},
                ],
            }
        ]
    }
    [finding] = rule_findings(data)
    assert finding.status == WARNING and "node.alerts/Bad: many-to-many" in finding.message


@pytest.mark.parametrize(
    ("cluster", "expect", "status"),
    [
        ({"status": "disabled", "peers": []}, -1, OK),
        ({"status": "settling", "peers": [{}]}, -1, WARNING),
        ({"status": "ready", "peers": [{}, {}]}, 2, OK),
        ({"status": "ready", "peers": [{}]}, 2, CRITICAL),
        ({"status": "disabled", "peers": []}, 2, CRITICAL),
    ],
    ids=["single", "settling", "pair complete", "peer missing", "gossip off but HA expected"],
)
def test_cluster_status_against_the_expected_peers(cluster: dict, expect: int, status: int) -> None:
    assert cluster_finding(cluster, expect).status == status


def test_failed_notifications_from_counters_without_prometheus() -> None:
    samples = parse(
        'alertmanager_notifications_failed_total{integration="email"} 3\n'
        'alertmanager_notifications_failed_total{integration="slack"} 0\n'
    )
    finding = notification_finding(samples, None, "15m")
    assert finding.status == WARNING and "email=3" in finding.message and "slack" not in finding.message


def pg_group(job: str, pushed: float, failed: float = 0, ok: bool = True) -> dict:
    return {
        "labels": {"job": job, "instance": "i"},
        "last_push_successful": ok,
        "push_time_seconds": {"metrics": [{"value": str(pushed)}]},
        "push_failure_time_seconds": {"metrics": [{"value": str(failed)}]},
    }


def test_stale_and_rejected_groups_warn() -> None:
    findings = group_findings(
        [pg_group("fresh", 9000), pg_group("old", 0), pg_group("rejected", 9000, 9500, False)], 10000, 3600
    )
    assert [(f.check, f.message.split(" ")[0]) for f in findings] == [
        ("stale-group", "old/instance=i"),
        ("push-failed", "rejected/instance=i:"),
    ]
    assert group_findings([pg_group("fresh", 9000)], 10000, 3600)[0].status == OK


def test_the_exit_code_is_the_worst_finding_and_the_summary_counts_them() -> None:
    findings = [Finding("a", "x", OK, ""), Finding("b", "y", WARNING, ""), Finding("c", "z", CRITICAL, "")]
    assert worst(findings) == CRITICAL and worst([]) == OK
    assert summary_line(findings) == "STACK CRITICAL: 3 checks, 1 critical, 1 warning"


def test_an_unreachable_component_is_critical(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(["--prometheus-url", "http://127.0.0.1:9"]) == CRITICAL
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("CRITICAL prometheus/healthy: unreachable")


def test_nothing_to_check_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main([]) == 3
    assert capsys.readouterr().out.startswith("UNKNOWN")
