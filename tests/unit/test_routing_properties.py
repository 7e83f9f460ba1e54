"""Property tests of the routing tree on the reference stack's alertmanager.yml (hypothesis).

Until stack/alertmanager/alertmanager.yml exists the same properties run on FIXTURE below.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation.routing.config import AlertmanagerConfig, load_alertmanager_config, parse_alertmanager_config
from validation.routing.properties import (
    candidate_values,
    check_routing_properties,
    example_label_sets,
    self_inhibition_candidates,
)

pytestmark = pytest.mark.unit

REFERENCE = Path(__file__).resolve().parents[2] / "stack" / "alertmanager" / "alertmanager.yml"

# Stand-in with the reference receivers, and one inhibit rule an alert can match on both sides.
FIXTURE = textwrap.dedent(
    """
    route:
      receiver: slack-default
      routes:
        - {receiver: webhook-archive, continue: true}
        - receiver: oncall-critical
          matchers: [severity="critical"]
          routes: [{receiver: ml-oncall-critical, matchers: [team=~"ml|ml-platform"]}]
        - receiver: slack-default
          matchers: [severity="warning"]
          routes:
            - {receiver: infra-slack, matchers: [team="infra"]}
            - {receiver: ml-slack, matchers: [team="ml-platform"]}
            - {receiver: observability-slack, matchers: [team="observability"]}
        - {receiver: blackhole, matchers: [severity="info"]}
        - receiver: slack-default
    inhibit_rules:
      - {source_matchers: [severity="critical"], target_matchers: [severity="warning"], equal: [alertname]}
      - {source_matchers: [severity=~"critical|warning"], target_matchers: [severity=~"warning|info"], equal: [node]}
    receivers:
      - {name: webhook-archive, webhook_configs: [{url: "http://alert-archive:8080/alerts"}]}
      - {name: oncall-critical, email_configs: [{to: oncall@cluster.example}]}
      - {name: ml-oncall-critical, email_configs: [{to: ml@cluster.example}]}
      - {name: infra-slack, slack_configs: [{channel: "#infra"}]}
      - {name: ml-slack, slack_configs: [{channel: "#ml"}]}
      - {name: observability-slack, slack_configs: [{channel: "#obs"}]}
      - {name: slack-default, slack_configs: [{channel: "#alerts"}]}
      - {name: blackhole}
    """
)


def _config() -> AlertmanagerConfig:
    if REFERENCE.exists():
        return load_alertmanager_config(REFERENCE)
    return parse_alertmanager_config(FIXTURE, source="fixture")


CONFIG = _config()
FIXTURE_CONFIG = parse_alertmanager_config(FIXTURE, source="fixture")
POOL = candidate_values(CONFIG)
CONFIG_VALUES = sorted({v for values in POOL.values() for v in values})

label_names = st.sampled_from([*sorted(POOL), "alertname", "instance", "cluster", "node"]) | st.from_regex(
    r"[a-zA-Z_][a-zA-Z0-9_]{0,15}", fullmatch=True
)
label_values = st.one_of(
    st.sampled_from(CONFIG_VALUES),
    st.just(""),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.builds(lambda ch, n: ch * n, st.characters(blacklist_categories=("Cs",)), st.integers(1_000, 20_000)),
)
label_sets = st.dictionaries(label_names, label_values, max_size=8)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(labels=label_sets)
def test_every_label_set_reaches_a_receiver_that_delivers(labels: dict[str, str]) -> None:
    receivers = CONFIG.receivers_for(labels)
    assert set(receivers) & CONFIG.real_receivers, f"{labels} only reaches {receivers}"


@SETTINGS
@given(labels=label_sets, team=st.sampled_from(POOL.get("team", [""])) | label_values)
def test_critical_alert_never_ends_only_in_silent_receivers(labels: dict[str, str], team: str) -> None:
    labels = {**labels, "severity": "critical", "team": team}
    receivers = CONFIG.receivers_for(labels)
    silent = set(CONFIG.receivers) - CONFIG.real_receivers
    assert not set(receivers) <= silent, f"critical {labels} ends only in {receivers}"


@SETTINGS
@given(
    labels=label_sets,
    extra=st.dictionaries(st.from_regex(r"zz_[a-z0-9_]{1,10}", fullmatch=True), label_values),
)
def test_labels_no_matcher_uses_do_not_change_routing(labels: dict[str, str], extra: dict[str, str]) -> None:
    assert CONFIG.receivers_for({**labels, **extra}) == CONFIG.receivers_for(labels)


def _two_sided_alerts(config: AlertmanagerConfig):  # type: ignore[no-untyped-def]
    candidates = self_inhibition_candidates(config)
    return st.sampled_from(candidates).flatmap(
        lambda pair: st.dictionaries(label_names, label_values, max_size=5).map(
            lambda extra: (pair[0], {**extra, **pair[1]})
        )
    )


@pytest.mark.parametrize("config", [CONFIG, FIXTURE_CONFIG], ids=["reference", "fixture-two-sided-rule"])
def test_no_inhibit_rule_lets_an_alert_inhibit_itself(config: AlertmanagerConfig) -> None:
    if not self_inhibition_candidates(config):
        # Reference rules are one-sided (critical vs warning; NodeDown vs not NodeDown): prove it instead.
        for rule in config.inhibit_rules:
            for labels in example_label_sets(config):
                both = rule.inhibiting_source(labels, [labels])
                assert both is None, f"{rule.describe()} mutes {labels} by itself"
        return

    @SETTINGS
    @given(case=_two_sided_alerts(config))
    def alone_it_is_not_muted(case) -> None:  # type: ignore[no-untyped-def]
        rule, labels = case
        assert rule.inhibiting_source(labels, [labels]) is None, f"{rule.describe()} mutes {labels} by itself"
        assert not config.inhibited(labels, [labels])

    alone_it_is_not_muted()


def test_fixture_has_a_rule_an_alert_can_match_on_both_sides() -> None:
    assert [rule.line for rule, _ in self_inhibition_candidates(FIXTURE_CONFIG)] == [
        FIXTURE.splitlines().index(line) + 1 for line in FIXTURE.splitlines() if "critical|warning" in line
    ]


def test_derived_examples_satisfy_the_properties() -> None:
    assert check_routing_properties(CONFIG, example_label_sets(CONFIG)) == []


def test_check_routing_properties_reports_critical_alerts_lost_in_a_silent_receiver() -> None:
    config = parse_alertmanager_config(
        "route:\n  receiver: team\n  routes: [{receiver: blackhole, matchers: [severity=critical]}]\n"
        "receivers: [{name: team, slack_configs: [{channel: x}]}, {name: blackhole}]",
        source="bad.yml",
    )
    problems = check_routing_properties(config, [{"severity": "critical"}, {"severity": "warning"}])
    assert len(problems) == 1 and problems[0].startswith("critical alert {severity='critical'} reaches only")
