"""Inhibition with Alertmanager 0.25 semantics (inhibit/inhibit.go)."""

from __future__ import annotations

import pytest

from validation.routing.inhibition import InhibitRule, inhibited, inhibiting_rule
from validation.routing.matchers import parse_matchers

pytestmark = pytest.mark.unit


def rule(source: str, target: str, equal: tuple[str, ...] = ()) -> InhibitRule:
    return InhibitRule(tuple(parse_matchers(source)), tuple(parse_matchers(target)), equal)


CRIT_OVER_WARN = rule('severity="critical"', 'severity="warning"', ("alertname", "instance"))
NODE_DOWN = rule('alertname="NodeDown", node=~".+"', 'alertname!="NodeDown"', ("node",))
TWO_SIDED = rule('severity=~"critical|warning"', 'severity=~"warning|info"', ("node",))

CASES = {
    "critical mutes warning with equal labels": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "instance": "a", "severity": "warning"},
        [{"alertname": "Disk", "instance": "a", "severity": "critical"}],
        True,
    ),
    "differing equal label does not mute": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "instance": "a", "severity": "warning"},
        [{"alertname": "Disk", "instance": "b", "severity": "critical"}],
        False,
    ),
    "equal label missing on both sides counts as equal": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "severity": "warning"},
        [{"alertname": "Disk", "severity": "critical"}],
        True,
    ),
    "missing and empty are the same value": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "instance": "", "severity": "warning"},
        [{"alertname": "Disk", "severity": "critical"}],
        True,
    ),
    "missing on one side only is not equal": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "instance": "a", "severity": "warning"},
        [{"alertname": "Disk", "severity": "critical"}],
        False,
    ),
    "target not matching target side is never muted": (
        CRIT_OVER_WARN,
        {"alertname": "Disk", "severity": "critical"},
        [{"alertname": "Disk", "severity": "critical"}],
        False,
    ),
    "no firing source, no inhibition": (CRIT_OVER_WARN, {"severity": "warning"}, [], False),
    "node down mutes other alerts on the node": (
        NODE_DOWN,
        {"alertname": "GpuHot", "node": "gpu-node-7"},
        [{"alertname": "NodeDown", "node": "gpu-node-7"}],
        True,
    ),
    "node down without node label mutes nothing": (
        NODE_DOWN,
        {"alertname": "GpuHot"},
        [{"alertname": "NodeDown"}],
        False,
    ),
    "an alert matching both sides does not inhibit itself": (
        TWO_SIDED,
        {"severity": "warning", "node": "n1"},
        [{"severity": "warning", "node": "n1"}],
        False,
    ),
    "nor is it muted by another alert matching both sides": (
        TWO_SIDED,
        {"severity": "warning", "node": "n1", "alertname": "A"},
        [{"severity": "warning", "node": "n1", "alertname": "B"}],
        False,
    ),
    "but a source-only alert mutes a two-sided target": (
        TWO_SIDED,
        {"severity": "warning", "node": "n1"},
        [{"severity": "critical", "node": "n1"}],
        True,
    ),
    "a one-sided target is muted by a two-sided source": (
        TWO_SIDED,
        {"severity": "info", "node": "n1"},
        [{"severity": "warning", "node": "n1"}],
        True,
    ),
}


@pytest.mark.parametrize(("rule_", "target", "firing", "expected"), CASES.values(), ids=CASES.keys())
def test_inhibition_follows_alertmanager(rule_: InhibitRule, target, firing, expected: bool) -> None:
    assert inhibited(target, firing, [rule_]) is expected


def test_inhibiting_rule_names_the_first_rule_that_mutes() -> None:
    target = {"alertname": "GpuHot", "node": "n", "severity": "warning"}
    firing = [{"alertname": "NodeDown", "node": "n", "severity": "critical"}]
    assert inhibiting_rule(target, firing, [CRIT_OVER_WARN, NODE_DOWN]) is NODE_DOWN
