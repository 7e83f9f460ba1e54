"""Compress a Prometheus rules file (``groups: [...]``) by K.

Per group: ``interval`` (when set; an unset one follows the global evaluation_interval, which
``prometheus_config`` compresses). Per rule: ``expr`` (see ``promql``), ``for`` and
``keep_firing_for``. Labels, annotations and ``limit`` are untouched: annotation templates that
run ``query "…"`` are not rewritten.

A rule whose expression cannot keep its value (``promql.uncompressible_reasons``) is reported
as ``group/name: reason``. By default it stays in the copy, rewritten like the others (its
value is then approximate and the caller must not assert on it); ``drop_uncompressible=True``
removes it instead.
"""

from __future__ import annotations

import copy
from typing import Any

from validation.core.errors import ConfigError
from validation.core.yamlload import line_of
from validation.timescale.durations import TimeScale, format_duration_ms, parse_duration_ms
from validation.timescale.promql import compress_promql_noted, uncompressible_reasons

RULE_DURATIONS = ("for", "keep_firing_for")


def _place(source: str, data: Any, key: str | None = None) -> str:
    line = line_of(data, key)
    return f"{source}:{line}" if source and line else source


def _as_scale(k: float | TimeScale) -> TimeScale:
    return k if isinstance(k, TimeScale) else TimeScale(k)


def compress_rule_groups(
    data: dict[str, Any],
    k: float | TimeScale,
    *,
    source: str = "",
    drop_uncompressible: bool = False,
    min_interval_ms: int = 0,
) -> tuple[dict[str, Any], list[str]]:
    """The compressed copy of a rules file and the rules that cannot be compressed faithfully.

    ``k`` may be a ``TimeScale`` to collect rounding notes across files. ``source`` (the file
    name) prefixes error places. ``data`` is not modified. A group ``interval`` never compresses
    below ``min_interval_ms`` (the sampling floor).
    """
    scale = _as_scale(k)
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise ConfigError(
            "a rules file needs a top-level 'groups' list",
            place=_place(source, data),
            hint="see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/",
        )
    out = copy.deepcopy(data)
    reported: list[str] = []
    for group in out["groups"]:
        name = str(group.get("name", "?"))
        if "interval" in group:
            ms = scale.ms(
                parse_duration_ms(group["interval"], place=_place(source, group, "interval")),
                what=f"{name} interval",
            )
            group["interval"] = format_duration_ms(max(ms, min_interval_ms))
        kept = []
        for rule in group.get("rules") or []:
            reasons = _compress_rule(rule, scale, name, source)
            rule_id = f"{name}/{rule.get('alert') or rule.get('record') or '?'}"
            reported.extend(f"{rule_id}: {reason}" for reason in reasons)
            if not (reasons and drop_uncompressible):
                kept.append(rule)
        if "rules" in group:
            group["rules"] = kept
    return out, reported


def _compress_rule(rule: dict[str, Any], scale: TimeScale, group: str, source: str) -> list[str]:
    name = rule.get("alert") or rule.get("record") or "?"
    for key in RULE_DURATIONS:
        if key in rule:
            rule[key] = scale.duration(
                rule[key], what=f"{group}/{name} {key}", place=_place(source, rule, key)
            )
    if "expr" not in rule:
        return []
    place = _place(source, rule, "expr")
    expr = str(rule["expr"])
    reasons = uncompressible_reasons(expr, place=place)
    before = len(scale.notes)
    rule["expr"] = compress_promql_noted(expr, scale, place=place)
    scale.notes[before:] = [f"{group}/{name}: {note}" for note in scale.notes[before:]]
    return reasons
