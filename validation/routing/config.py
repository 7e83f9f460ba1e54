"""Load the routing-relevant parts of an alertmanager.yml: route tree, receivers, inhibit rules.

Routes and inhibit rules are parsed strictly (unknown keys are errors, as Alertmanager's
``UnmarshalStrict`` makes them) and checked the way Alertmanager 0.25 checks them: the root needs a
receiver and no matchers or time intervals, every receiver and time interval named must exist,
``group_by`` may not mix ``...`` with names. Everything else (global, templates, receiver bodies) is
left to ``amtool check-config``. Errors are ``ConfigError`` with file:line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from validation.core.durations import prometheus_ms
from validation.core.errors import ConfigError
from validation.core.yamlload import line_of, load_yaml, parse_yaml
from validation.routing.inhibition import InhibitRule, Labels, inhibiting_rule
from validation.routing.matchers import LABEL_NAME, Matcher, MatcherError, legacy_matchers, parse_matchers
from validation.routing.re2 import UnsupportedRegex
from validation.routing.tree import Route, RouteOpts

ROUTE_KEYS = {
    "receiver",
    "group_by",
    "continue",
    "match",
    "match_re",
    "matchers",
    "mute_time_intervals",
    "active_time_intervals",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "routes",
}
INHIBIT_KEYS = {
    "source_match",
    "source_match_re",
    "source_matchers",
    "target_match",
    "target_match_re",
    "target_matchers",
    "equal",
}


@dataclass
class AlertmanagerConfig:
    """``route`` (the tree), ``receivers`` (name → has at least one ``*_configs`` entry), inhibit rules."""

    route: Route
    receivers: dict[str, bool]
    inhibit_rules: list[InhibitRule] = field(default_factory=list)
    source: str = "alertmanager.yml"

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        return self.route.receivers_for(labels)

    def inhibited(self, target_labels: Labels, firing_alerts: list[Labels]) -> bool:
        return inhibiting_rule(target_labels, firing_alerts, self.inhibit_rules) is not None

    @property
    def real_receivers(self) -> set[str]:
        """Receivers that deliver somewhere (at least one ``*_configs`` entry)."""
        return {name for name, delivers in self.receivers.items() if delivers}


def load_alertmanager_config(path: Path) -> AlertmanagerConfig:
    return build_config(load_yaml(path), source=str(path))


def parse_alertmanager_config(text: str, *, source: str = "alertmanager.yml") -> AlertmanagerConfig:
    return build_config(parse_yaml(text, source=source), source=source)


def build_config(data: Any, *, source: str) -> AlertmanagerConfig:
    ctx = _Context(source)
    if not isinstance(data, Mapping) or not isinstance(data.get("route"), Mapping):
        raise ctx.error(data, None, "no route: the file has no top-level 'route' mapping", "add a root route")
    receivers = _receivers(ctx, data.get("receivers") or [])
    ctx.receivers = set(receivers)
    ctx.intervals = _interval_names(data)
    root = data["route"]
    if not root.get("receiver"):
        raise ctx.error(root, None, "root route must specify a default receiver", "set route.receiver")
    for key in ("match", "match_re", "matchers"):
        if root.get(key):
            raise ctx.error(root, key, "root route must not have any matchers", "move them to a child route")
    if root.get("continue"):
        raise ctx.error(
            root, "continue", "cannot have continue in root route", "remove continue from the root"
        )
    for key in ("mute_time_intervals", "active_time_intervals"):
        if root.get(key):
            raise ctx.error(root, key, f"root route must not have any {key}", "move them to a child route")
    route = _route(ctx, root, None, "route")
    rules = [_inhibit_rule(ctx, rule) for rule in _list(ctx, data, "inhibit_rules")]
    return AlertmanagerConfig(route, receivers, rules, source)


@dataclass
class _Context:
    source: str
    receivers: set[str] = field(default_factory=set)
    intervals: set[str] = field(default_factory=set)

    def error(self, data: Any, key: str | None, what: str, hint: str) -> ConfigError:
        line = line_of(data, key)
        return ConfigError(what, place=f"{self.source}:{line}" if line else self.source, hint=hint)


def _list(ctx: _Context, data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(data, key, f"'{key}' must be a list", f"write {key} as a YAML list")
    return value


def _receivers(ctx: _Context, items: Any) -> dict[str, bool]:
    receivers: dict[str, bool] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ctx.error(item, None, "receiver without a name", "every receiver needs 'name'")
        if item["name"] in receivers:
            raise ctx.error(
                item, "name", f"notification config name {item['name']!r} is not unique", "rename it"
            )
        receivers[item["name"]] = any(k.endswith("_configs") and v for k, v in item.items())
    return receivers


def _interval_names(data: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in ("time_intervals", "mute_time_intervals"):
        for item in data.get(key) or []:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                names.add(item["name"])
    return names


def _matchers(ctx: _Context, data: Mapping[str, Any], prefix: str) -> tuple[Matcher, ...]:
    found: list[Matcher] = []
    key = f"{prefix}match"
    try:
        found += legacy_matchers(data.get(key), data.get(f"{key}_re"))
        for item in _list(ctx, data, f"{prefix}matchers"):
            found += parse_matchers(str(item) if not isinstance(item, str) else item)
    except MatcherError as exc:
        raise ctx.error(
            data, key if key in data else f"{prefix}matchers", str(exc), "fix the matcher"
        ) from None
    except UnsupportedRegex as exc:
        raise ctx.error(
            data, f"{prefix}matchers", str(exc), "rewrite the regex without it, or verify with amtool"
        ) from None
    return tuple(found)


def _route(ctx: _Context, data: Any, parent: RouteOpts | None, path: str) -> Route:
    if not isinstance(data, Mapping):
        raise ctx.error(data, None, f"{path} must be a mapping", "write the route as key: value pairs")
    unknown = sorted(set(data) - ROUTE_KEYS)
    if unknown:
        raise ctx.error(
            data, unknown[0], f"field {unknown[0]} not found in type config.plain", "check the key"
        )
    opts = parent or RouteOpts(receiver="")
    receiver = data.get("receiver") or ""
    if receiver:
        if receiver not in ctx.receivers:
            raise ctx.error(data, "receiver", f"undefined receiver {receiver!r} used in route", "define it")
        opts = replace(opts, receiver=receiver)
    opts = _group_by(ctx, data, opts)
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in data:
            ms = prometheus_ms(data[key])
            if ms is None:
                raise ctx.error(
                    data, key, f"not a valid duration string: {data[key]!r}", "use e.g. 30s, 5m, 4h"
                )
            if ms == 0 and key != "group_wait":
                raise ctx.error(data, key, f"{key} cannot be zero", "use a positive duration")
            durations: dict[str, Any] = {key: ms / 1000}
            opts = replace(opts, **durations)
    intervals: dict[str, Any] = {}
    for key in ("mute_time_intervals", "active_time_intervals"):
        names = tuple(str(n) for n in _list(ctx, data, key))
        missing = [n for n in names if n not in ctx.intervals]
        if missing:
            raise ctx.error(data, key, f"undefined time interval {missing[0]!r} used in route", "define it")
        intervals[key] = names
    opts = replace(opts, **intervals)
    route = Route(opts, _matchers(ctx, data, ""), bool(data.get("continue", False)), path=path)
    route.line = line_of(data)
    route.routes = [
        _route(ctx, child, opts, f"{path}.routes[{i}]") for i, child in enumerate(_list(ctx, data, "routes"))
    ]
    return route


def _group_by(ctx: _Context, data: Mapping[str, Any], opts: RouteOpts) -> RouteOpts:
    names = [str(n) for n in _list(ctx, data, "group_by")]
    labels = [n for n in names if n != "..."]
    if labels and len(labels) != len(names):
        raise ctx.error(
            data, "group_by", "cannot have wildcard group_by (`...`) and other labels", "pick one"
        )
    for name in labels:
        if not LABEL_NAME.match(name):
            raise ctx.error(data, "group_by", f"invalid label name {name!r} in group_by list", "fix the name")
    if len(set(labels)) != len(labels):
        raise ctx.error(data, "group_by", "duplicated label in group_by", "list each label once")
    if labels:
        return replace(opts, group_by=frozenset(labels), group_by_all=False)
    if names:
        return replace(opts, group_by_all=True)
    return opts


def _inhibit_rule(ctx: _Context, data: Any) -> InhibitRule:
    if not isinstance(data, Mapping):
        raise ctx.error(data, None, "inhibit rule must be a mapping", "write it as key: value pairs")
    unknown = sorted(set(data) - INHIBIT_KEYS)
    if unknown:
        raise ctx.error(
            data, unknown[0], f"field {unknown[0]} not found in type config.plain", "check the key"
        )
    equal = tuple(str(n) for n in _list(ctx, data, "equal"))
    for name in equal:
        if not LABEL_NAME.match(name):
            raise ctx.error(data, "equal", f"invalid label name {name!r} in equal", "fix the name")
    return InhibitRule(_matchers(ctx, data, "source_"), _matchers(ctx, data, "target_"), equal, line_of(data))
