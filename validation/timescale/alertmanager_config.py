"""Compress alertmanager.yml by K.

Scaled: ``global.resolve_timeout`` (default 5m, always written), the root route's
``group_wait`` / ``group_interval`` / ``repeat_interval`` (defaults 30s / 5m / 4h, always
written so that children inheriting them inherit the scaled values), and those keys on every
child route that sets them.

Reported, not compressible: mute / active time intervals (``time_intervals``,
``mute_time_intervals`` and the routes that reference them) are wall-clock calendars: a
compressed run cannot reach "weekdays 09:00-17:00" any faster. Each route that references one is
reported as ``route <path>: …`` so the caller can skip assertions that depend on it.
"""

from __future__ import annotations

import copy
from typing import Any

from validation.core.yamlload import line_of
from validation.timescale.durations import TimeScale

ROUTE_DEFAULTS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
RESOLVE_TIMEOUT_DEFAULT = "5m"
TIME_INTERVAL_KEYS = ("mute_time_intervals", "active_time_intervals")


def _place(source: str, data: Any, key: str) -> str:
    line = line_of(data, key)
    return f"{source}:{line}" if source and line else source


def compress_alertmanager_config(
    data: dict[str, Any], k: float | TimeScale, *, source: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """The compressed copy of a parsed alertmanager.yml and what could not be compressed."""
    scale = k if isinstance(k, TimeScale) else TimeScale(k)
    out = copy.deepcopy(data) if data else {}
    reported: list[str] = []
    glob = out.get("global") or {}
    glob["resolve_timeout"] = scale.duration(
        glob.get("resolve_timeout", RESOLVE_TIMEOUT_DEFAULT),
        what="global resolve_timeout",
        place=_place(source, glob, "resolve_timeout"),
    )
    out["global"] = glob
    for key in ("time_intervals", "mute_time_intervals"):
        for interval in out.get(key) or []:
            reported.append(
                f"{key} {interval.get('name', '?')}: wall-clock time intervals cannot be compressed"
            )
    root = out.get("route") or {}
    for key, default in ROUTE_DEFAULTS.items():
        root.setdefault(key, default)
    out["route"] = root
    _compress_route(root, "root", scale, source, reported)
    return out, reported


def _compress_route(
    route: dict[str, Any], path: str, scale: TimeScale, source: str, reported: list[str]
) -> None:
    for key in ROUTE_DEFAULTS:
        if key in route:
            route[key] = scale.duration(
                route[key], what=f"route {path} {key}", place=_place(source, route, key)
            )
    for key in TIME_INTERVAL_KEYS:
        names = route.get(key) or []
        if names:
            reported.append(f"route {path}: {key} {', '.join(map(str, names))} follow the wall clock")
    for index, child in enumerate(route.get("routes") or []):
        label = child.get("receiver") or "inherit"
        _compress_route(child, f"{path}.{index}({label})", scale, source, reported)
