"""Generated scenarios (``generated: true``): the loader reads the flag, coverage lists the rules
only they cover, and the closing summary asks for their review."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from validation.commands.summary import review_line
from validation.core.alert_rules import load_alert_rules
from validation.core.errors import ScenarioError
from validation.core.results import Report
from validation.pipeline.coverage import FiredAlert, ScenarioObservation, compute_coverage
from validation.routing.config import load_alertmanager_config
from validation.scenarios.loader import parse_scenarios

pytestmark = pytest.mark.unit

RULES = sorted((REPO / "rules").glob("*.rules.yml"))
AM = REPO / "stack/alertmanager/alertmanager.yml"
BODY = "why: w\n    input_series: [{series: 'up{node=\"n1\"}', values: 0x3}]\n    exp_alerts: [{alertname: NodeDown}]\n"


def _scenarios(generated: str) -> list:  # type: ignore[type-arg]
    return parse_scenarios(f"{generated}scenarios:\n  - name: a\n    {BODY}", source="s.yaml")


def test_a_file_marked_generated_marks_each_of_its_scenarios() -> None:
    assert [s.generated for s in _scenarios("generated: true\n")] == [True]
    assert [s.generated for s in _scenarios("")] == [False]
    (single,) = parse_scenarios(
        "generated: true\nwhy: w\nexp_alerts: [{alertname: X}]\n", source="one.yaml", default_name="one"
    )
    assert single.generated


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("generated: yes-please\nscenarios:\n  - name: a\n    " + BODY, "generated must be true or false"),
        ("scenarios:\n  - name: a\n    generated: true\n    " + BODY, "unknown key 'generated'"),
        ("generatd: true\nscenarios:\n  - name: a\n    " + BODY, "did you mean 'generated'"),
    ],
)
def test_the_flag_is_strict_and_only_at_the_top_of_a_file(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenarios(text, source="s.yaml")


def _node_down_observation(generated: bool) -> ScenarioObservation:
    (scenario,) = _scenarios("generated: true\n" if generated else "")
    fired = FiredAlert(
        {
            "alertname": "NodeDown",
            "severity": "critical",
            "team": "infra",
            "node": "n1",
            "instance": "n1:9100",
            "job": "node",
        },
        {},
    )
    return ScenarioObservation(scenario, [fired], {"NodeDown": {"oncall-critical"}}, {"oncall-critical"})


def test_a_rule_covered_only_by_generated_scenarios_is_listed_for_review() -> None:
    rules = load_alert_rules(RULES, REPO)
    routing = load_alertmanager_config(AM)
    coverage = compute_coverage(rules, routing, [_node_down_observation(generated=True)])
    alert_rules = coverage["alert_rules"]
    assert alert_rules["covered"] == 1
    assert alert_rules["covered_only_by_generated"] == [
        "NodeDown (rules/node.rules.yml group node.alerts rule 0)"
    ]
    node_down = next(r for r in alert_rules["rules"] if r["name"] == "NodeDown")
    assert node_down["covered"] and node_down["generated_only"]
    report = Report()
    report.coverage.update(coverage)
    line = review_line(report)
    assert (
        line.startswith("REVIEW 1 alert rule covered only by generated scenarios: NodeDown")
        and "wrong threshold" in line
    )


def test_a_hand_written_scenario_for_the_same_rule_takes_it_off_the_review_list() -> None:
    rules = load_alert_rules(RULES, REPO)
    routing = load_alertmanager_config(AM)
    observations = [_node_down_observation(generated=True), _node_down_observation(generated=False)]
    coverage = compute_coverage(rules, routing, observations)
    assert coverage["alert_rules"]["covered_only_by_generated"] == []
    report = Report()
    report.coverage.update(coverage)
    assert review_line(report) == ""


def test_a_template_with_trim_markers_still_recognises_what_it_rendered() -> None:
    from validation.core.alert_rules import AlertRule

    rule = AlertRule(
        "r.yml", "g", 0, "KubeVolumeFull",
        annotations={"description": "Volume {{ $labels.pvc }} {{ with $labels.cluster -}} on Cluster {{ . }} {{- end }} is full."},
    )  # fmt: skip
    rendered = {"description": "Volume data-0 on Cluster eu-1 is full."}
    assert rule.produced({"alertname": "KubeVolumeFull"}, rendered)
    assert not rule.produced({"alertname": "KubeVolumeFull"}, {"description": "Volume data-0 is empty."})
