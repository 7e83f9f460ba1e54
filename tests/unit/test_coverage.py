"""The coverage gate, a pure function of (rules, routing, observations): rules are rules, not
names, and inhibit rules must be shown muting and sparing."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from validation.core.alert_rules import load_alert_rules
from validation.core.results import Report
from validation.pipeline.coverage import FiredAlert, ScenarioObservation, compute_coverage, record_coverage
from validation.routing.config import load_alertmanager_config, parse_alertmanager_config
from validation.scenarios.loader import parse_scenarios

pytestmark = pytest.mark.unit

RULES = sorted((REPO / "rules").glob("*.rules.yml"))
AM = REPO / "stack/alertmanager/alertmanager.yml"


def _scenario(text: str):
    (scenario,) = parse_scenarios(text, source="s.yaml", default_name="s")
    return scenario


NETWORK = _scenario("""
why: receive errors
input_series:
  - series: x{node="n1"}
    values: 1x3
exp_alerts:
  - alertname: NodeNetworkErrors
""")


def _receive_errors() -> FiredAlert:
    return FiredAlert(
        {"alertname": "NodeNetworkErrors", "severity": "warning", "team": "infra", "direction": "receive",
         "node": "n1", "instance": "n1:9100", "device": "eth0"},
        {"summary": "Interface eth0 on n1 has receive errors."},
    )  # fmt: skip


def test_the_reference_rules_are_31_alerting_rules_keyed_by_file_group_and_index() -> None:
    coverage = compute_coverage(load_alert_rules(RULES, REPO), load_alertmanager_config(AM), [])
    rules = coverage["alert_rules"]
    assert rules["total"] == 31 and rules["covered"] == 0 and len(rules["uncovered"]) == 31
    keys = {(r["file"], r["group"], r["index"]) for r in rules["rules"]}
    assert len(keys) == 31
    assert ("rules/node.rules.yml", "node.alerts", 7) in keys and (
        "rules/node.rules.yml",
        "node.alerts",
        8,
    ) in keys


def test_two_rules_sharing_a_name_are_covered_one_by_one() -> None:
    rules = load_alert_rules(RULES, REPO)
    observation = ScenarioObservation(NETWORK, [_receive_errors()], {"NodeNetworkErrors": {"infra-slack"}})
    coverage = compute_coverage(rules, load_alertmanager_config(AM), [observation])
    by_index = {(r["group"], r["index"]): r["covered"] for r in coverage["alert_rules"]["rules"]}
    assert by_index[("node.alerts", 7)] is True  # receive
    assert by_index[("node.alerts", 8)] is False  # transmit: same name, not exercised
    assert (
        "NodeNetworkErrors (rules/node.rules.yml group node.alerts rule 8)"
        in coverage["alert_rules"]["uncovered"]
    )


def test_an_alert_whose_annotations_do_not_fit_the_rule_is_not_the_rule() -> None:
    rules = [r for r in load_alert_rules(RULES, REPO) if r.name == "NodeNetworkErrors"]
    transmit = FiredAlert({**_receive_errors().labels, "direction": "transmit"},
                          {"summary": "Interface eth0 on n1 has receive errors."})  # fmt: skip
    assert [r.index for r in rules if r.produced(transmit.labels, transmit.annotations)] == []
    assert [
        r.index for r in rules if r.produced(_receive_errors().labels, _receive_errors().annotations)
    ] == [7]


def test_a_fired_alert_that_was_not_delivered_covers_nothing() -> None:
    observation = ScenarioObservation(NETWORK, [_receive_errors()], {})
    coverage = compute_coverage(load_alert_rules(RULES, REPO), load_alertmanager_config(AM), [observation])
    assert coverage["alert_rules"]["covered"] == 0


INHIBIT = """
route: {receiver: r}
receivers: [{name: r, webhook_configs: [{url: "http://x:1/"}]}]
inhibit_rules:
  - source_matchers: [severity="%s"]
    target_matchers: [severity="%s"]
    equal: [alertname, instance]
"""

TIERS = _scenario("""
why: a critical mutes the warning of the same alert on the same instance only
post_alerts:
  - labels: {alertname: X, severity: critical, instance: "a:1"}
  - labels: {alertname: X, severity: warning, instance: "a:1"}
  - labels: {alertname: X, severity: warning, instance: "b:1"}
exp_notifications:
  - {receiver: r, alertname: X, contains: ["a:1"], absent: true}
  - {receiver: r, alertname: X, contains: ["b:1"]}
""")


def _tiers(posted: list[dict[str, str]] | None = None) -> ScenarioObservation:
    labels = posted or [dict(p.labels) for p in TIERS.post_alerts]
    return ScenarioObservation(TIERS, [FiredAlert(lab, posted=True) for lab in labels], {"X": {"r"}}, {"r"})


def test_an_inhibit_rule_shown_muting_and_sparing_is_covered() -> None:
    routing = parse_alertmanager_config(INHIBIT % ("critical", "warning"))
    coverage = compute_coverage([], routing, [_tiers()])
    assert coverage["inhibit_rules"] == {"total": 1, "covered": 1, "uncovered": []}


def test_an_inhibit_rule_only_shown_muting_is_uncovered() -> None:
    routing = parse_alertmanager_config(INHIBIT % ("critical", "warning"))
    coverage = compute_coverage([], routing, [_tiers([dict(p.labels) for p in TIERS.post_alerts[:2]])])
    (missing,) = coverage["inhibit_rules"]["uncovered"]
    assert "never shown sparing" in missing and "muting" not in missing.split(":", 1)[1].replace(
        "sparing", ""
    )


def test_swapping_source_and_target_leaves_the_rule_unshown() -> None:
    routing = parse_alertmanager_config(INHIBIT % ("warning", "critical"))
    coverage = compute_coverage([], routing, [_tiers()])
    assert coverage["inhibit_rules"]["covered"] == 0


def test_observations_of_several_stacks_merge_by_concatenation() -> None:
    rules = load_alert_rules(RULES, REPO)
    routing = load_alertmanager_config(AM)
    first = ScenarioObservation(
        NETWORK, [_receive_errors()], {"NodeNetworkErrors": {"infra-slack"}}, {"infra-slack"}
    )
    second = ScenarioObservation(TIERS, [], {}, {"oncall-critical"})
    merged = compute_coverage(rules, routing, [first, second])
    assert merged["alert_rules"]["covered"] == 1
    assert merged["receivers"]["covered"] == 2
    assert compute_coverage(rules, routing, [second, first]) == merged


def test_the_gate_fails_per_family_naming_what_is_missing() -> None:
    report = Report()
    record_coverage(compute_coverage(load_alert_rules(RULES, REPO), load_alertmanager_config(AM), []), report)
    failed = {c.id: c.message for c in report.checks if c.failed}
    assert set(failed) == {
        "coverage/alert-rules",
        "coverage/receivers",
        "coverage/routes",
        "coverage/inhibit-rules",
    }
    assert failed["coverage/alert-rules"].startswith("31 alert rules never fired")
    assert failed["coverage/inhibit-rules"].startswith("3 inhibit rules")


def test_the_reference_scenarios_exercise_every_inhibit_rule_on_paper() -> None:
    """Every inhibit rule has a scenario whose posted/expected alerts would show both sides."""
    from validation.scenarios.loader import load_scenarios

    routing = load_alertmanager_config(AM)
    observations = []
    for s in load_scenarios(REPO / "fixtures/scenarios"):
        fired = [FiredAlert(dict(p.labels), dict(p.annotations), posted=True) for p in s.post_alerts]
        observations.append(ScenarioObservation(s, fired, {a.name: {"x"} for a in fired}))
    assert compute_coverage([], routing, observations)["inhibit_rules"]["uncovered"] == []
