"""Alertmanager 0.25 inhibition (``inhibit/inhibit.go``): does a firing alert mute another?

A rule mutes a target alert when the target matches ``target_matchers`` and some firing alert matches
``source_matchers`` and has the same value for every ``equal`` label (a missing label counts as
``""``, so "both missing" is equal). When the target also matches the *source* side, Alertmanager
skips every source alert that matches the *target* side too — so an alert never inhibits itself,
and neither does any alert that matches both sides of the rule.

Limit: only currently firing alerts should be passed; Alertmanager ignores resolved source alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from validation.routing.matchers import Matcher, matches_all

Labels = Mapping[str, str]


@dataclass(frozen=True)
class InhibitRule:
    source_matchers: tuple[Matcher, ...]
    target_matchers: tuple[Matcher, ...]
    equal: tuple[str, ...] = ()
    line: int = 0

    def inhibiting_source(self, target: Labels, firing: Iterable[Labels]) -> Labels | None:
        """The first firing alert by which this rule mutes ``target``, or None."""
        if not matches_all(self.target_matchers, target):
            return None
        two_sided = matches_all(self.source_matchers, target)
        for source in firing:
            if not matches_all(self.source_matchers, source):
                continue
            if any(source.get(name, "") != target.get(name, "") for name in self.equal):
                continue
            if two_sided and matches_all(self.target_matchers, source):
                continue
            return source
        return None

    def describe(self) -> str:
        source = ", ".join(str(m) for m in self.source_matchers)
        target = ", ".join(str(m) for m in self.target_matchers)
        return f"inhibit rule (line {self.line}) source {{{source}}} target {{{target}}} equal {list(self.equal)}"


def inhibited(target_labels: Labels, firing_alerts: list[Labels], rules: Iterable[InhibitRule]) -> bool:
    """True when any rule mutes ``target_labels`` given the ``firing_alerts`` (Alertmanager's ``Mutes``)."""
    return inhibiting_rule(target_labels, firing_alerts, rules) is not None


def inhibiting_rule(
    target_labels: Labels, firing_alerts: list[Labels], rules: Iterable[InhibitRule]
) -> InhibitRule | None:
    """The first rule that mutes ``target_labels``, or None."""
    for rule in rules:
        if rule.inhibiting_source(target_labels, firing_alerts) is not None:
            return rule
    return None
