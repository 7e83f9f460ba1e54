"""Route tree evaluation and config loading with Alertmanager 0.25 semantics."""

from __future__ import annotations

import textwrap

import pytest

from validation.core.errors import ConfigError
from validation.routing.config import parse_alertmanager_config

pytestmark = pytest.mark.unit

TREE = textwrap.dedent(
    """
    route:
      receiver: root
      group_by: [alertname]
      group_wait: 10s
      routes:
        - receiver: archive
          continue: true
        - receiver: critical
          matchers: ['severity="critical"']
          group_by: ['...']
          repeat_interval: 1h
          routes:
            - receiver: ml-critical
              matchers: [team=~"ml|ml-platform"]
              mute_time_intervals: [nights]
            - receiver: quiet
              match: {team: infra}
              continue: true
            - receiver: infra-extra
              match_re: {team: "infra|ops"}
        - receiver: warnings
          matchers: ['severity="warning", team!="ml"']
          group_by: [cluster]
        - receiver: fallback
          matchers: [severity!~"critical|warning"]
    time_intervals:
      - name: nights
        time_intervals: [{times: [{start_time: "00:00", end_time: "06:00"}]}]
    receivers:
      - {name: root, webhook_configs: [{url: "http://x/"}]}
      - {name: archive, webhook_configs: [{url: "http://x/"}]}
      - {name: critical}
      - {name: ml-critical}
      - {name: quiet}
      - {name: infra-extra}
      - {name: warnings}
      - {name: fallback}
    """
)

ROUTING_CASES = {
    "continue route plus first matching sibling": ({"severity": "warning"}, ["archive", "warnings"]),
    "nested child wins over its parent": ({"severity": "critical", "team": "ml"}, ["archive", "ml-critical"]),
    "parent receives when no child matches": (
        {"severity": "critical", "team": "db"},
        ["archive", "critical"],
    ),
    "continue on a child lets the next sibling match too": (
        {"severity": "critical", "team": "infra"},
        ["archive", "quiet", "infra-extra"],
    ),
    "negative matchers exclude, and the continue match keeps the root out": (
        {"severity": "warning", "team": "ml"},
        ["archive"],
    ),
    "missing severity matches the negative regex": ({}, ["archive", "fallback"]),
    "regex is anchored": ({"severity": "critical", "team": "ml-platform-x"}, ["archive", "critical"]),
}


@pytest.fixture(scope="module")
def tree_config():
    return parse_alertmanager_config(TREE, source="tree.yml")


@pytest.mark.parametrize(("labels", "receivers"), ROUTING_CASES.values(), ids=ROUTING_CASES.keys())
def test_receivers_follow_alertmanager_order(tree_config, labels, receivers) -> None:
    assert tree_config.receivers_for(labels) == receivers


def test_root_routes_to_itself_when_nothing_matches() -> None:
    config = parse_alertmanager_config(
        "route: {receiver: r, routes: [{receiver: a, matchers: [x=y]}]}\nreceivers: [{name: r}, {name: a}]"
    )
    assert config.receivers_for({"x": "z"}) == ["r"]


def test_a_matching_continue_route_suppresses_the_root_fallback() -> None:
    config = parse_alertmanager_config(
        "route: {receiver: r, routes: [{receiver: a, continue: true}]}\nreceivers: [{name: r}, {name: a}]"
    )
    assert config.receivers_for({}) == ["a"]


def test_duplicate_receivers_are_kept_like_amtool() -> None:
    config = parse_alertmanager_config(
        "route: {receiver: r, routes: [{receiver: a, continue: true}, {receiver: a}]}\n"
        "receivers: [{name: r}, {name: a}]"
    )
    assert config.receivers_for({}) == ["a", "a"]


def test_options_are_inherited_and_overridden(tree_config) -> None:
    critical = tree_config.route.routes[1]
    ml = critical.routes[0]
    warnings = tree_config.route.routes[2]
    assert (critical.opts.group_wait, critical.opts.repeat_interval, critical.opts.group_by_all) == (
        10.0,
        3600.0,
        True,
    )
    assert (ml.opts.repeat_interval, ml.opts.group_by_all, ml.opts.receiver) == (3600.0, True, "ml-critical")
    assert (warnings.opts.group_by, warnings.opts.group_by_all, warnings.opts.group_interval) == (
        frozenset({"cluster"}),
        False,
        300.0,
    )


def test_time_intervals_are_not_inherited(tree_config) -> None:
    ml = tree_config.route.routes[1].routes[0]
    assert ml.opts.mute_time_intervals == ("nights",)
    assert tree_config.route.routes[1].opts.mute_time_intervals == ()


def test_real_receivers_are_those_with_configs(tree_config) -> None:
    assert tree_config.real_receivers == {"root", "archive"}


def test_routes_know_their_path_and_line(tree_config) -> None:
    ml = tree_config.route.routes[1].routes[0]
    assert (ml.path, ml.line) == (
        "route.routes[1].routes[0]",
        TREE.splitlines().index("        - receiver: ml-critical") + 1,
    )


CONFIG_ERRORS = {
    "unknown receiver": ("route: {receiver: r, routes: [{receiver: nope}]}", "undefined receiver 'nope'", 1),
    "root without receiver": ("route: {group_by: [a]}", "default receiver", 1),
    "root with matchers": ("route:\n  receiver: r\n  matchers: [a=b]", "must not have any matchers", 3),
    "continue on the root": ("route:\n  receiver: r\n  continue: true", "cannot have continue in root", 3),
    "unknown route key": ("route:\n  receiver: r\n  recevier: r", "field recevier not found", 3),
    "wildcard mixed with labels": (
        "route: {receiver: r, routes: [{group_by: ['...', a]}]}",
        "wildcard group_by",
        1,
    ),
    "bad matcher": (
        "route:\n  receiver: r\n  routes:\n    - matchers: ['a=\"x']",
        "unescaped double quote",
        4,
    ),
    "regex Go rejects": (
        "route:\n  receiver: r\n  routes:\n    - matchers: ['a=~\"(?=x)\"']",
        "Perl syntax",
        4,
    ),
    "zero repeat interval": ("route: {receiver: r, routes: [{repeat_interval: 0s}]}", "cannot be zero", 1),
    "bad duration": ("route: {receiver: r, routes: [{group_wait: soon}]}", "not a valid duration", 1),
    "undefined time interval": (
        "route: {receiver: r, routes: [{mute_time_intervals: [x]}]}",
        "undefined time interval",
        1,
    ),
    "unknown inhibit key": (
        "route: {receiver: r}\ninhibit_rules: [{source: x}]",
        "field source not found",
        2,
    ),
    "no route": ("receivers: []", "no route", 1),
}


@pytest.mark.parametrize(("text", "message", "line"), CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_invalid_config_is_a_config_error_with_line(text: str, message: str, line: int) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_alertmanager_config(
            text + "\nreceivers: [{name: r}]" if "receivers" not in text else text, source="am.yml"
        )
    assert info.value.place == (f"am.yml:{line}" if line else "am.yml")


def test_route_durations_are_read_in_prometheus_grammar() -> None:
    config = parse_alertmanager_config(
        "route: {receiver: r, group_wait: '0', group_interval: 500ms, repeat_interval: 1h30m}\n"
        "receivers: [{name: r}]"
    )
    opts = config.route.opts
    assert (opts.group_wait, opts.group_interval, opts.repeat_interval) == (0, 0.5, 5400)


def test_go_form_route_duration_is_refused_as_alertmanager_does() -> None:
    with pytest.raises(ConfigError, match=r"not a valid duration string: '1\.5h'"):
        parse_alertmanager_config("route: {receiver: r, group_wait: 1.5h}\nreceivers: [{name: r}]")
