"""Compress prometheus.yml and the Prometheus command-line flags by K.

prometheus.yml: ``global`` scrape_interval / scrape_timeout / evaluation_interval are always
written (defaults 1m / 10s / 1m, scaled), because an unscaled default would leave a 10s timeout
above a 250ms interval; per job, scrape_interval and scrape_timeout when set, and a timeout is
never left above its interval. Not scaled, on purpose: HTTP timeouts (alertmanagers ``timeout``,
remote write/read), service-discovery refresh intervals, remote-write queue timings: they bound
I/O, they do not define what an expression means.

With a sampling floor (``min_interval_ms``), scrape and evaluation intervals that would compress
below it are written at the floor; nothing else changes.

Flags: ``query.lookback-delta`` (5m), ``rules.alert.resend-delay`` (1m),
``rules.alert.for-grace-period`` (10m), ``rules.alert.for-outage-tolerance`` (1h) are always
returned, scaled, so the run never depends on a default that did not scale.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from validation.core.durations import format_duration_ms, parse_duration_ms
from validation.core.yamlload import line_of
from validation.timescale.durations import TimeScale

GLOBAL_DEFAULTS = {"scrape_interval": "1m", "scrape_timeout": "10s", "evaluation_interval": "1m"}
FLAG_DEFAULTS = {
    "query.lookback-delta": "5m",
    "rules.alert.resend-delay": "1m",
    "rules.alert.for-grace-period": "10m",
    "rules.alert.for-outage-tolerance": "1h",
}


def _scale(k: float | TimeScale) -> TimeScale:
    return k if isinstance(k, TimeScale) else TimeScale(k)


def _place(source: str, data: Any, key: str) -> str:
    line = line_of(data, key)
    return f"{source}:{line}" if source and line else source


def compress_prometheus_config(
    data: dict[str, Any], k: float | TimeScale, *, source: str = "", min_interval_ms: int = 0
) -> dict[str, Any]:
    """The compressed copy of a parsed prometheus.yml (``data`` is not modified).

    ``min_interval_ms`` is the sampling floor: no scrape or evaluation interval is written below
    it (the group samples production time more coarsely; see validation.timescale.sampling).
    """
    scale = _scale(k)
    out = copy.deepcopy(data) if data else {}
    glob = out.get("global") or {}
    scaled_global: dict[str, int] = {}
    for key, default in GLOBAL_DEFAULTS.items():
        text = glob.get(key, default)
        ms = scale.ms(parse_duration_ms(text, place=_place(source, glob, key)), what=f"global {key}")
        scaled_global[key] = ms
    for key in ("scrape_interval", "evaluation_interval"):
        scaled_global[key] = max(scaled_global[key], min_interval_ms)
    scaled_global["scrape_timeout"] = min(scaled_global["scrape_timeout"], scaled_global["scrape_interval"])
    for key, ms in scaled_global.items():
        glob[key] = format_duration_ms(ms)
    out["global"] = glob
    for job in out.get("scrape_configs") or []:
        name = job.get("job_name", "?")
        interval = scaled_global["scrape_interval"]
        if "scrape_interval" in job:
            interval = scale.ms(
                parse_duration_ms(job["scrape_interval"], place=_place(source, job, "scrape_interval")),
                what=f"job {name} scrape_interval",
            )
            interval = max(interval, min_interval_ms)
            job["scrape_interval"] = format_duration_ms(interval)
        if "scrape_timeout" in job:
            timeout = scale.ms(
                parse_duration_ms(job["scrape_timeout"], place=_place(source, job, "scrape_timeout")),
                what=f"job {name} scrape_timeout",
            )
            job["scrape_timeout"] = format_duration_ms(min(timeout, interval))
    return out


def compress_flags(flags: Mapping[str, str], k: float | TimeScale) -> dict[str, str]:
    """``flags`` (name without dashes → value) with every time flag present and scaled.

    Flags other than the four of ``FLAG_DEFAULTS`` pass through unchanged.
    """
    scale = _scale(k)
    out = dict(flags)
    for name, default in FLAG_DEFAULTS.items():
        out[name] = scale.duration(out.get(name, default), what=f"--{name}", place=f"--{name}")
    return out
