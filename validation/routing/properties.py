"""Properties every routing tree of the stack must have, checked over example label sets.

``check_routing_properties(config, examples)`` returns one problem string per violation:

- every label set reaches at least one receiver that delivers (has a ``*_configs`` entry);
- a ``severity="critical"`` alert never ends only in receivers that deliver nowhere;
- no inhibit rule lets an alert inhibit itself (an alert matching both sides of a rule, alone).

``example_label_sets(config)`` derives deterministic examples from the config itself: for each route,
a label set satisfying the matchers on its path (where simple values can satisfy them), plus label
sets with none of the config's labels. It is a fixed sample, not a proof; the unit tests add
hypothesis-generated label sets (unicode, empty and very long values) on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from validation.routing.config import AlertmanagerConfig
from validation.routing.inhibition import InhibitRule
from validation.routing.matchers import Matcher, matches_all
from validation.routing.tree import Route

Labels = Mapping[str, str]
_FALLBACK_VALUES = ("", "x", "other", "0")


def check_routing_properties(config: AlertmanagerConfig, examples: Iterable[Labels]) -> list[str]:
    problems: list[str] = []
    real = config.real_receivers
    for labels in examples:
        receivers = config.receivers_for(labels)
        if not any(r in real for r in receivers):
            kind = "critical alert" if labels.get("severity") == "critical" else "alert"
            problems.append(
                f"{kind} {_text(labels)} reaches only {receivers}, which deliver nowhere (no *_configs): "
                "add a route to a receiver that notifies"
            )
        for rule in config.inhibit_rules:
            both = matches_all(rule.source_matchers, labels) and matches_all(rule.target_matchers, labels)
            if both and rule.inhibiting_source(labels, [labels]) is not None:
                problems.append(f"{rule.describe()} lets {_text(labels)} inhibit itself")
    return problems


def candidate_values(config: AlertmanagerConfig) -> dict[str, list[str]]:
    """Per label name in any matcher: values that satisfy or violate the matchers on it."""
    values: dict[str, list[str]] = {}
    for matcher in _all_matchers(config):
        pool = values.setdefault(matcher.name, list(_FALLBACK_VALUES))
        for value in _values_from(matcher):
            if value not in pool:
                pool.append(value)
    return values


def example_label_sets(config: AlertmanagerConfig) -> list[dict[str, str]]:
    """One label set per route whose path matchers simple values can satisfy, plus a few generic ones."""
    pool = candidate_values(config)
    examples: list[dict[str, str]] = [{}, {"alertname": "Unrouted"}]
    for path in _paths(config.route, ()):
        labels = satisfying_labels(path, pool)
        if labels is not None and labels not in examples:
            examples.append(labels)
    for name, values in sorted(pool.items()):
        for value in values:
            if {name: value} not in examples:
                examples.append({name: value})
    return examples


def _all_matchers(config: AlertmanagerConfig) -> Iterable[Matcher]:
    for route in config.route.walk():
        yield from route.matchers
    for rule in config.inhibit_rules:
        yield from rule.source_matchers
        yield from rule.target_matchers


def _values_from(matcher: Matcher) -> list[str]:
    if matcher.op in ("=", "!="):
        return [matcher.value]
    # Literal alternatives of a regex (`a|b|(c)`) are the values worth trying; others are found by fallback.
    pieces = re.split(r"\|", matcher.value.strip("()^$"))
    return [p for p in pieces if re.fullmatch(r"[\w.:/ -]*", p)]


def _paths(route: Route, above: tuple[Matcher, ...]) -> Iterable[tuple[Matcher, ...]]:
    here = above + route.matchers
    yield here
    for child in route.routes:
        yield from _paths(child, here)


def satisfying_labels(matchers: tuple[Matcher, ...], pool: dict[str, list[str]]) -> dict[str, str] | None:
    """A label set meeting all ``matchers``, values taken from ``pool``; None when the pool has none."""
    labels: dict[str, str] = {}
    for name in dict.fromkeys(m.name for m in matchers):
        on_name = [m for m in matchers if m.name == name]
        value = next((v for v in pool.get(name, []) if all(m.matches(v) for m in on_name)), None)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


def self_inhibition_candidates(config: AlertmanagerConfig) -> list[tuple[InhibitRule, dict[str, str]]]:
    """Rules an alert can match on both sides of, each with one such alert (from ``candidate_values``)."""
    pool = candidate_values(config)
    found = []
    for rule in config.inhibit_rules:
        labels = satisfying_labels(rule.source_matchers + rule.target_matchers, pool)
        if labels is not None:
            found.append((rule, labels))
    return found


def _text(labels: Labels) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in sorted(labels.items())) + "}"
