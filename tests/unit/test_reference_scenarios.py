"""The reference scenarios (fixtures/scenarios) cover every alert rule and receiver of the stack.

Nothing runs here: the scenarios are loaded, checked against rules/*.rules.yml and
alertmanager.yml, and held to the conventions the pipeline relies on (synthetic node names,
time budget, expectations that can fail). Whether the alerts really fire is the pipeline's
job; the routing model in validation.routing is only used to cross-check the receivers the
scenarios were written to expect, as amtool cross-checks fixtures/routes.yml.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from validation.core.durations import parse_duration_seconds
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config
from validation.routing.matchers import Matcher as AmMatcher
from validation.scenarios.isolation import split_instance
from validation.scenarios.loader import load_scenarios, validate_against
from validation.scenarios.model import ExpAlert, ExpNotification, Scenario

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "fixtures" / "scenarios"
ALERTMANAGER_YML = ROOT / "stack" / "alertmanager" / "alertmanager.yml"
PROMETHEUS_YML = ROOT / "stack" / "prometheus" / "prometheus.yml"

MINUTE = 60.0
# The run compresses time ~60x and should take about a minute: scenarios stay under 50 minutes
# of production time unless a rule's own `for` makes that impossible.
BUDGET = 50 * MINUTE
LONG_FOR_FACTOR = 1.25
REAL_TIME_BUDGET = 2 * MINUTE
# gpu-node-1..4 are the stack's real node_exporters; scenarios use gpu-node-11 and above.
REAL_NODE = re.compile(r"gpu-node-[1-4]")
NODE_NAME = re.compile(r"(?<![\w.-])gpu-node-\d+(?![\w-])")


@functools.cache
def scenarios() -> tuple[Scenario, ...]:
    return tuple(load_scenarios(SCENARIO_DIR))


@functools.cache
def alert_rules() -> dict[str, list[dict[str, Any]]]:
    """Alert name -> its rules (an alert may have several, e.g. one per direction)."""
    rules: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "rules").glob("*.rules.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    rules.setdefault(rule["alert"], []).append(rule)
    return rules


@functools.cache
def alertmanager() -> AlertmanagerConfig:
    return load_alertmanager_config(ALERTMANAGER_YML)


@functools.cache
def evaluation_interval() -> float:
    config = yaml.safe_load(PROMETHEUS_YML.read_text(encoding="utf-8"))
    return parse_duration_seconds(config["global"]["evaluation_interval"])


def longest_for(alertname: str) -> float:
    return max(parse_duration_seconds(rule.get("for", "0s")) for rule in alert_rules()[alertname])


def firing(scenario: Scenario) -> list[ExpAlert]:
    return [alert for alert in scenario.exp_alerts if not alert.absent]


def alert_labels(alert: ExpAlert) -> dict[str, str]:
    return {**alert.exp_labels, "alertname": alert.alertname}


def series_labels(scenario: Scenario) -> Iterator[Mapping[str, str]]:
    for series in scenario.input_series:
        yield series.labels
    for pushed in scenario.push_series:
        yield {**pushed.labels, **pushed.grouping}


def places(scenario: Scenario) -> tuple[set[str], set[str]]:
    """The node and instance values the scenario's series (and posted alerts) carry."""
    nodes, instances = set(), set()
    for labels in [*series_labels(scenario), *(a.labels for a in scenario.post_alerts)]:
        if "node" in labels:
            nodes.add(labels["node"])
        if "instance" in labels:
            instances.add(labels["instance"])
    return nodes, instances


def silenced(scenario: Scenario, labels: Mapping[str, str]) -> bool:
    return any(
        all(AmMatcher.new(m.name, m.op, m.value).matches(labels.get(m.name, "")) for m in silence.matchers)
        for silence in scenario.silences
    )


def delivered_to(scenario: Scenario, alert: ExpAlert) -> set[str]:
    """Receivers that notify about ``alert``: none when silenced or inhibited by a firing alert."""
    labels = alert_labels(alert)
    if silenced(scenario, labels) or alertmanager().inhibited(labels, list(others(scenario, alert))):
        return set()
    return set(alertmanager().receivers_for(labels)) & alertmanager().real_receivers


def mentions_place(contains: tuple[str, ...], alert: ExpAlert) -> bool:
    """Whether a ``contains`` string names the alert's node or instance host as a whole word."""
    names = {alert.exp_labels.get("node", ""), split_instance(alert.exp_labels.get("instance", ""))[0]}
    return any(
        name and re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text)
        for text in contains
        for name in names
    )


def silent(scenario: Scenario) -> list[ExpAlert]:
    return [alert for alert in scenario.exp_alerts if alert.absent]


def one_group_of_two(scenario: Scenario, note: ExpNotification) -> bool:
    """Whether ``note`` names two firing alerts that share a notification group."""
    group_by = ("alertname", "node", "instance")
    keys = [
        tuple(alert_labels(a).get(k, "") for k in group_by)
        for a in firing(scenario)
        if a.alertname in note.contains and mentions_place(note.contains, a)
    ]
    return any(keys.count(key) >= 2 for key in keys)


def others(scenario: Scenario, alert: ExpAlert) -> Iterator[Mapping[str, str]]:
    """Labels of the scenario's other firing alerts: the candidate inhibition sources."""
    return (alert_labels(other) for other in firing(scenario) if other is not alert)


def scenario_ids(items: tuple[Scenario, ...]) -> list[str]:
    return [scenario.name for scenario in items]


def test_the_folder_holds_scenarios_for_the_reference_stack() -> None:
    assert len(scenarios()) >= 2 * len(alert_rules())


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_scenario_names_only_alerts_and_receivers_the_stack_has(scenario: Scenario) -> None:
    validate_against(scenario, alert_rules(), alertmanager().receivers)


@pytest.mark.parametrize("alertname", sorted(alert_rules()))
def test_every_alert_rule_has_a_firing_and_a_silent_scenario(alertname: str) -> None:
    fires = [s.name for s in scenarios() if any(a.alertname == alertname for a in firing(s))]
    silent = [s.name for s in scenarios() if any(a.alertname == alertname and a.absent for a in s.exp_alerts)]
    assert fires, f"no scenario expects {alertname} to fire"
    assert silent, f"no scenario expects {alertname} to stay silent (absent: true)"


def test_every_receiver_an_alert_can_reach_gets_a_notification() -> None:
    reachable = {
        receiver
        for rules in alert_rules().values()
        for rule in rules
        for receiver in alertmanager().receivers_for({"alertname": rule["alert"], **rule.get("labels", {})})
    } & alertmanager().real_receivers
    notified = {n.receiver for s in scenarios() for n in s.exp_notifications if not n.absent}
    assert reachable - notified == set()


def test_receivers_no_alert_reaches_are_still_checked_to_stay_empty() -> None:
    # slack-default is the fallback for alerts without a valid severity/team; no reference rule
    # lands there, so the scenarios assert that none of theirs does.
    notified = {n.receiver for s in scenarios() for n in s.exp_notifications if not n.absent}
    unreached = alertmanager().real_receivers - notified
    asserted_empty = {n.receiver for s in scenarios() for n in s.exp_notifications if n.absent}
    assert unreached <= asserted_empty


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_firing_expectations_say_who_where_and_how_fast(scenario: Scenario) -> None:
    for alert in firing(scenario):
        where = f"{scenario.place(alert.line)} {alert.alertname}"
        labels = alert.exp_labels
        assert {"severity", "team"} <= labels.keys(), f"{where}: exp_labels needs severity and team"
        assert "node" in labels or "instance" in labels, f"{where}: exp_labels needs node or instance"
        variants = {(r["labels"]["severity"], r["labels"]["team"]) for r in alert_rules()[alert.alertname]}
        assert (labels["severity"], labels["team"]) in variants, f"{where}: rule labels are {variants}"
        contain = alert.exp_annotations_contain
        assert "summary" in contain, f"{where}: exp_annotations_contain needs summary"
        assert f"runbooks/{alert.alertname}.md" in contain.get("runbook_url", ""), f"{where}: runbook_url"
        assert alert.fires_within is not None, f"{where}: fires_within is missing"
        least = longest_for(alert.alertname) + 2 * evaluation_interval()
        assert alert.fires_within >= least, f"{where}: fires_within is below `for` + 2 evaluations"
        assert alert.fires_within <= scenario.duration, f"{where}: fires_within is after the series end"


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_notifications_go_where_the_routing_policy_sends_them(scenario: Scenario) -> None:
    posted = [dict(a.labels) for a in scenario.post_alerts]
    texts = {id(labels): " ".join([*labels.values(), *a.annotations.values()])
             for labels, a in zip(posted, scenario.post_alerts, strict=True)}  # fmt: skip

    def notified(labels: dict[str, str]) -> set[str]:
        # posted alerts fire together: one may inhibit another (inhibition.yaml)
        if alertmanager().inhibited(labels, [other for other in posted if other is not labels]):
            return set()
        return set(alertmanager().receivers_for(labels))

    for note in scenario.exp_notifications:
        where = f"{scenario.place(note.line)} {note.receiver} {note.alertname or list(note.contains)}"
        if posted and not note.alertname:
            sent_to = {r for labels in posted for r in notified(labels)}
            assert (note.receiver in sent_to) != note.absent, (
                f"{where}: the routing sends posted alerts to {sent_to}"
            )
            continue
        if any(labels["alertname"] == note.alertname for labels in posted):
            named = [
                labels
                for labels in posted
                if labels["alertname"] == note.alertname
                and all(t in texts[id(labels)] for t in note.contains)
            ]
            assert named, f"{where}: no posted {note.alertname} carries {list(note.contains)}"
            sent_to = set().union(*(notified(labels) for labels in named))
            assert (note.receiver in sent_to) != note.absent, (
                f"{where}: the routing sends it to {sorted(sent_to)}"
            )
            continue
        if note.absent:
            # The pipeline judges absence per receiver (and alertname, if given) for the whole
            # scenario: another node's alert of that name at that receiver breaks it too.
            named = [a for a in firing(scenario) if not note.alertname or a.alertname == note.alertname]
            sent_to = set().union(set(), *(delivered_to(scenario, a) for a in named))
            assert note.receiver not in sent_to, (
                f"{where}: the routing delivers an alert of the scenario there"
            )
            continue
        named = [
            a
            for a in firing(scenario)
            if (a.alertname == note.alertname if note.alertname else a.alertname in note.contains)
        ]
        placed = [a for a in named if mentions_place(note.contains, a)] or named
        sent_to = set().union(set(), *(delivered_to(scenario, a) for a in placed))
        assert named, f"{where}: names no alert the scenario expects to fire"
        assert note.receiver in sent_to, f"{where}: the routing sends it to {sorted(sent_to)}"
    for alert in firing(scenario):
        for receiver in delivered_to(scenario, alert):
            assert any(
                n.receiver == receiver and not n.absent and alert.alertname in (n.alertname, *n.contains)
                for n in scenario.exp_notifications
            ), f"{scenario.place(alert.line)}: {alert.alertname} reaches {receiver}; expect it"


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_expectations_name_only_places_the_scenario_serves(scenario: Scenario) -> None:
    # Isolation suffixes the names in series and expectations alike; a name that is in no
    # series would make an `absent` expectation pass without looking at anything.
    nodes, instances = places(scenario)
    for alert in scenario.exp_alerts:
        if "node" in alert.exp_labels:
            assert alert.exp_labels["node"] in nodes, scenario.place(alert.line)
        if "instance" in alert.exp_labels:
            assert alert.exp_labels["instance"] in instances, scenario.place(alert.line)
    hosts = nodes | {split_instance(i)[0] for i in instances}
    for note in scenario.exp_notifications:
        for text in note.contains:
            for name in NODE_NAME.findall(text):
                assert name in hosts, f"{scenario.place(note.line)}: {name} is in no series"


def test_scenarios_use_their_own_synthetic_nodes() -> None:
    owner: dict[str, str] = {}
    for scenario in scenarios():
        nodes, instances = places(scenario)
        for host in nodes | {split_instance(i)[0] for i in instances}:
            assert not REAL_NODE.fullmatch(host), f"{scenario.name}: {host} is a real node of the stack"
            assert owner.setdefault(host, scenario.name) == scenario.name, (
                f"{host} is used by {owner[host]} and {scenario.name}"
            )


def test_series_values_are_written_as_text() -> None:
    # YAML reads a lone `0x63` as the hex number 99, not promtool's "0 repeated 63 times".
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for scenario in data.get("scenarios", [data]):
            for series in (*scenario.get("input_series", []), *scenario.get("push_series", [])):
                assert isinstance(series["values"], str), f"{path.name}: quote values {series['values']!r}"


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_scenario_fits_the_time_budget(scenario: Scenario) -> None:
    if scenario.scale == 1:
        assert scenario.duration <= REAL_TIME_BUDGET
        return
    slowest = max((longest_for(a.alertname) for a in firing(scenario) + silent(scenario)), default=0.0)
    # a scenario that counts repeats must outlast the route's repeat_interval
    repeats = [
        (note.count - 1) * route.opts.repeat_interval
        for note in scenario.exp_notifications
        if note.count and note.count > 1
        for alert in firing(scenario)
        for route in alertmanager().route.match({"alertname": alert.alertname, **alert.exp_labels})
        if route.receiver == note.receiver
    ]
    assert scenario.duration <= max(
        BUDGET, LONG_FOR_FACTOR * slowest, *(LONG_FOR_FACTOR * r for r in repeats)
    )


@pytest.mark.parametrize("scenario", scenarios(), ids=scenario_ids(scenarios()))
def test_silent_expectations_run_long_enough_to_fail(scenario: Scenario) -> None:
    for alert in silent(scenario):
        need = longest_for(alert.alertname) + MINUTE
        assert scenario.duration >= need, (
            f"{scenario.place(alert.line)}: {alert.alertname} could not fire yet"
        )


def test_the_scenarios_exercise_inhibition_silences_resolution_and_grouping() -> None:
    inhibited = [
        s.name
        for s in scenarios()
        for a in firing(s)
        if alertmanager().inhibited(alert_labels(a), list(others(s, a)))
    ]
    assert inhibited, "no scenario has an alert muted by an inhibit rule"
    assert any(s.silences for s in scenarios()), "no scenario creates a silence"
    assert any(n.resolved for s in scenarios() for n in s.exp_notifications), "no resolved notification"
    assert any(a.resolves is True for s in scenarios() for a in s.exp_alerts), "no alert must resolve"
    grouped = [
        s.name for s in scenarios() for n in s.exp_notifications if n.count == 1 and one_group_of_two(s, n)
    ]
    assert grouped, "no scenario expects two alerts of one group in a single notification"
