"""Coverage gate: every alerting rule fired and was delivered in some scenario, every receiver
received something, every route was matched by some scenario's alert, and every inhibit rule
was shown muting what it should and sparing what it should not. Uncovered → failed, with the
list, so a new rule, route or inhibition cannot land without a scenario proving it.

A rule covered only by generated scenarios (``generated: true``, written by ``stackcheck init``
from the rule itself) counts as covered and is listed under ``covered_only_by_generated``: the
console summary asks for their review, since a scenario derived from the rule cannot catch a
wrong threshold.

Rules are rules, not names: two rules sharing ``alert:`` (a warning and a critical tier,
receive and transmit) are covered separately, keyed by file, group and index.

``compute_coverage`` is a pure function of (rules, routing, observations): observations from
several stacks (scenario groups run concurrently) are simply concatenated before calling it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from validation.core.alert_rules import AlertRule
from validation.core.results import Kind, Report
from validation.routing.config import AlertmanagerConfig
from validation.routing.inhibition import InhibitRule
from validation.scenarios.model import Scenario


@dataclass(frozen=True)
class FiredAlert:
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    posted: bool = False  # straight to Alertmanager (post_alerts): no rule produced it

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    def mentions(self, texts: Iterable[str]) -> bool:
        blob = " ".join([*self.labels.values(), *self.annotations.values()])
        return all(text in blob for text in texts)


@dataclass
class ScenarioObservation:
    """What one scenario (isolated: suffixed names) showed: the alerts active in Alertmanager
    (fired by rules or posted) and, per alert name, the receivers that got it."""

    scenario: Scenario
    fired: list[FiredAlert] = field(default_factory=list)
    delivered: dict[str, set[str]] = field(default_factory=dict)
    receivers: set[str] = field(default_factory=set)


def compute_coverage(
    rules: list[AlertRule],
    routing: AlertmanagerConfig,
    observations: list[ScenarioObservation],
    not_coverable: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``not_coverable``: alert names whose rules cannot run time-compressed — listed, not failed."""
    covered = [r for r in rules if any(_rule_shown(r, o) for o in observations)]
    # covered, but only by scenarios stackcheck init generated from the rules themselves: they
    # prove the pipeline, not the threshold, so they are listed for review
    generated_only = [
        r for r in covered if not any(_rule_shown(r, o) for o in observations if not o.scenario.generated)
    ]
    uncovered = [r for r in rules if r not in covered and r.name not in not_coverable]
    skipped = [r for r in rules if r not in covered and r.name in not_coverable]
    real = sorted(routing.real_receivers)
    received = set().union(*(o.receivers for o in observations)) if observations else set()
    uncovered_receivers = [r for r in real if r not in received]
    routes = list(routing.route.walk())
    label_sets = [a.labels for o in observations for a in o.fired if o.delivered.get(a.name)]
    matched = {id(r) for labels in label_sets for r in routing.route.match(labels)}
    for route in routes:  # a route on the path to a matched route counts as matched too
        if any(id(d) in matched for d in route.walk()):
            matched.add(id(route))
    uncovered_routes = [r.describe() for r in routes if id(r) not in matched]
    inhibit = [
        (rule, _muting_shown(rule, observations), _sparing_shown(rule, observations))
        for rule in routing.inhibit_rules
    ]
    uncovered_inhibit = [
        f"{rule.describe()}: never shown {' nor '.join(w for w, ok in (('muting', mutes), ('sparing', spares)) if not ok)}"
        for rule, mutes, spares in inhibit
        if not (mutes and spares)
    ]
    return {
        "alert_rules": {
            "total": len(rules),
            "covered": len(covered),
            "uncovered": [_describe(r) for r in uncovered],
            "not_coverable_at_this_time_scale": [_describe(r) for r in skipped],
            "covered_only_by_generated": [_describe(r) for r in generated_only],
            "rules": [
                {**r.as_dict(), "covered": r in covered, "generated_only": r in generated_only} for r in rules
            ],
        },
        "receivers": {"total": len(real), "covered": len(real) - len(uncovered_receivers), "uncovered": uncovered_receivers},
        "routes": {"total": len(routes), "covered": len(routes) - len(uncovered_routes), "uncovered": uncovered_routes},
        "inhibit_rules": {
            "total": len(inhibit),
            "covered": len(inhibit) - len(uncovered_inhibit),
            "uncovered": uncovered_inhibit,
        },
    }  # fmt: skip


GATES: tuple[tuple[str, str, Kind, str, str], ...] = (
    ("alert_rules", "coverage/alert-rules", "alert", "alert rules never fired and delivered by a scenario",
     "add a scenario in the scenarios folder that fires it (exp_labels that fit this rule)"),
    ("receivers", "coverage/receivers", "notification", "receivers that received nothing",
     "add a scenario whose alert routes there"),
    ("routes", "coverage/routes", "notification", "routes no scenario's alert matched",
     "add a scenario matching the route, or remove the dead route"),
    ("inhibit_rules", "coverage/inhibit-rules", "notification", "inhibit rules no scenario exercised",
     "add a scenario where the source and a target fire together and the target's notification is expected "
     "absent (muting), and one where a target the rule must not mute (other `equal` values) is expected "
     "delivered while a source fires (sparing)"),
)  # fmt: skip


def record_coverage(coverage: Mapping[str, Any], report: Report) -> None:
    report.coverage.update(coverage)
    for key, check_id, kind, what, hint in GATES:
        missing = coverage[key]["uncovered"]
        if missing:
            report.failed(check_id, kind, f"{len(missing)} {what}: {'; '.join(missing)}. Hint: {hint}")
        else:
            report.passed(check_id, kind)


def _describe(rule: AlertRule) -> str:
    return f"{rule.name} ({rule.file} group {rule.group} rule {rule.index})"


def _rule_shown(rule: AlertRule, observation: ScenarioObservation) -> bool:
    return any(
        rule.produced(a.labels, a.annotations) and observation.delivered.get(a.name)
        for a in observation.fired
    )


def _expected(observation: ScenarioObservation, alert: FiredAlert, *, absent: bool) -> bool:
    return any(
        note.absent == absent and note.alertname == alert.name and alert.mentions(note.contains)
        for note in observation.scenario.exp_notifications
    )


def _muting_shown(rule: InhibitRule, observations: list[ScenarioObservation]) -> bool:
    """Some scenario fired a target together with a source it should be muted by, and expects the
    target's notification absent."""
    return any(
        rule.inhibiting_source(a.labels, [s.labels for s in o.fired if s is not a]) is not None
        and _expected(o, a, absent=True)
        for o in observations
        for a in o.fired
    )


def _sparing_shown(rule: InhibitRule, observations: list[ScenarioObservation]) -> bool:
    """Some scenario fired an alert the rule's target side names while a source fired, the rule
    does not mute it (other ``equal`` values), and the scenario expects it delivered."""
    from validation.routing.matchers import matches_all

    for o in observations:
        others = [s.labels for s in o.fired]
        if not any(matches_all(rule.source_matchers, s) for s in others):
            continue
        for a in o.fired:
            if (
                matches_all(rule.target_matchers, a.labels)
                and rule.inhibiting_source(a.labels, [s for s in others if s is not a.labels]) is None
                and _expected(o, a, absent=False)
            ):
                return True
    return False
