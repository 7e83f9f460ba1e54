"""Compress the time flags of Alertmanager and the Pushgateway by K (Prometheus': prometheus_config).

Alertmanager: ``data.retention`` (120h) bounds how long the notification log and expired
silences are kept; ``data.maintenance-interval`` (15m) is how often both are written to disk.
Pushgateway: ``persistence.interval`` (5m) is how often the groups are written to
``persistence.file``. All three are always returned, scaled, so a run never depends on a default
that did not scale.

``persistence.file``'s default (upstream: none) is the Pushgateway component's ``flag_defaults``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validation.timescale.durations import TimeScale

ALERTMANAGER_FLAG_DEFAULTS = {"data.retention": "120h", "data.maintenance-interval": "15m"}
PUSHGATEWAY_FLAG_DEFAULTS = {"persistence.interval": "5m"}


def _compress(flags: Mapping[str, Any], defaults: Mapping[str, str], k: float) -> dict[str, Any]:
    scale = TimeScale(k)
    out = dict(flags)
    for name, default in defaults.items():
        out[name] = scale.duration(str(out.get(name, default)), what=f"--{name}", place=f"--{name}")
    return out


def compress_alertmanager_flags(flags: Mapping[str, Any], k: float) -> dict[str, Any]:
    return _compress(flags, ALERTMANAGER_FLAG_DEFAULTS, k)


def compress_pushgateway_flags(flags: Mapping[str, Any], k: float) -> dict[str, Any]:
    return _compress(flags, PUSHGATEWAY_FLAG_DEFAULTS, k)
