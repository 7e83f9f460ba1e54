"""Grafana datasources: read the provisioned ones, resolve a panel's or target's reference to one.

References come in every shape Grafana has used: ``{"type": ..., "uid": ...}`` (schema >= 33), a
legacy name string, a variable (``${ds}``, ``$ds``, ``[[ds]]``, as uid or name), ``-- Mixed --``
(each target names its own), ``null`` (the default datasource), and the built-ins ``-- Grafana --``,
``-- Dashboard --`` and ``__expr__`` (server-side expressions), which have no Prometheus behind them.

Limits: only provisioned datasources are known (no Grafana database); ``secureJsonData`` is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validation.core.errors import ConfigError
from validation.core.yamlload import line_of, load_yaml

MIXED = "-- Mixed --"
GRAFANA = "-- Grafana --"
DASHBOARD = "-- Dashboard --"
EXPRESSION = "__expr__"
_SPECIAL_TYPES = {MIXED: "mixed", GRAFANA: "grafana", "grafana": "grafana", DASHBOARD: "dashboard"}
_VARIABLE = re.compile(r"^\$\{(\w+)(?::\w+)?\}$|^\$(\w+)$|^\[\[(\w+)\]\]$")


@dataclass(frozen=True)
class Datasource:
    """A datasource as provisioned. ``time_interval`` is jsonData.timeInterval (Grafana's "scrape
    interval" setting, the minimum interval of every query); empty when unset."""

    name: str
    uid: str
    type: str
    is_default: bool = False
    time_interval: str = ""
    url: str = ""
    place: str = ""


def special(name: str) -> Datasource:
    kind = EXPRESSION if name == EXPRESSION else _SPECIAL_TYPES[name]
    return Datasource(name=name, uid=name, type=kind)


def load_provisioned_datasources(folder: Path) -> list[Datasource]:
    """Datasources of every ``*.yml`` / ``*.yaml`` in Grafana's provisioning/datasources folder."""
    found: list[Datasource] = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(
                "expected a mapping with 'datasources'", place=str(path), hint="see Grafana docs"
            )
        for index, item in enumerate(data.get("datasources") or []):
            place = f"{path}:{line_of(item)}"
            if not isinstance(item, dict) or not item.get("name") or not item.get("type"):
                raise ConfigError(
                    f"datasource #{index + 1} needs 'name' and 'type'",
                    place=place,
                    hint="every provisioned datasource has at least a name and a type",
                )
            json_data = _dict(item.get("jsonData"))
            found.append(
                Datasource(
                    name=str(item["name"]),
                    uid=str(item.get("uid") or ""),
                    type=str(item["type"]),
                    is_default=bool(item.get("isDefault")),
                    time_interval=str(json_data.get("timeInterval") or ""),
                    url=str(item.get("url") or ""),
                    place=place,
                )
            )
    return found


def default_datasource(datasources: list[Datasource]) -> Datasource:
    """The one marked isDefault, else the first (as Grafana picks when none is marked)."""
    for ds in datasources:
        if ds.is_default:
            return ds
    if datasources:
        return datasources[0]
    raise ConfigError(
        "no datasource is provisioned, so a panel without one has nothing to query",
        place="provisioning/datasources",
        hint="provision a Prometheus datasource (uid: prometheus, isDefault: true)",
    )


def find_datasource(key: str, datasources: list[Datasource]) -> Datasource | None:
    """By uid first, then by name (legacy references used names)."""
    if key == "default":
        return default_datasource(datasources)
    for ds in datasources:
        if ds.uid == key:
            return ds
    for ds in datasources:
        if ds.name == key:
            return ds
    return None


def resolve_datasource(
    ref: Any,
    datasources: list[Datasource],
    variable_value: Callable[[str], str | None] = lambda name: None,
    *,
    place: str = "",
) -> Datasource:
    """Resolve one reference. ``variable_value(name)`` gives a datasource variable's current value."""
    if ref is None:
        return default_datasource(datasources)
    if isinstance(ref, dict):
        key = ref.get("uid")
        if key is None:
            kind = ref.get("type")
            same_type = [ds for ds in datasources if ds.type == kind]
            default = default_datasource(datasources)
            return default if default.type == kind or not same_type else same_type[0]
        ref = str(key)
    if not isinstance(ref, str):
        raise ConfigError(f"datasource reference {ref!r} is neither a string nor an object", place=place)
    if ref in _SPECIAL_TYPES or ref == EXPRESSION:
        return special(ref)
    match = _VARIABLE.match(ref)
    if match:
        name = next(group for group in match.groups() if group)
        value = variable_value(name)
        if value is None:
            raise ConfigError(
                f"datasource variable ${name} is not defined",
                place=place,
                hint=f"add a variable named {name!r} of type datasource, or reference the datasource by uid",
            )
        return resolve_datasource(value, datasources, variable_value, place=place)
    found = find_datasource(ref, datasources)
    if found is None:
        known = ", ".join(f"{ds.name} (uid {ds.uid})" for ds in datasources) or "none"
        raise ConfigError(
            f"datasource {ref!r} is not provisioned (known: {known})",
            place=place,
            hint="reference a provisioned datasource by uid, or use the ${datasource} variable",
        )
    return found


def resolve_target_datasource(
    panel_ref: Any,
    target_ref: Any,
    datasources: list[Datasource],
    variable_value: Callable[[str], str | None] = lambda name: None,
    *,
    place: str = "",
) -> Datasource:
    """A target's datasource: its own when set; else the panel's; a Mixed panel's bare target uses
    the default datasource, as Grafana does."""
    if target_ref is not None:
        return resolve_datasource(target_ref, datasources, variable_value, place=place)
    panel = resolve_datasource(panel_ref, datasources, variable_value, place=place)
    if panel.type == "mixed":
        return default_datasource(datasources)
    return panel


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
