"""Durations as the stack's tools write them: one parser per grammar, all in milliseconds.

Three grammars, because the tools differ:
- ``prometheus_ms``: Prometheus' ``model.ParseDuration`` — config files of Prometheus and
  Alertmanager, rule ``for``, the HTTP API, scenario fields. ``1y2w3d4h5m6s7ms``: whole numbers,
  each unit at most once, largest first; ``0`` alone is allowed, fractions and signs are not.
- ``go_ms``: Go's ``time.ParseDuration`` — command-line flags, what Alertmanager prints
  (``1h0m0s``, ``1.5h``, ``300us``, ``-5m``); rounded to the nearest millisecond.
- ``grafana_interval_ms``: Grafana's ``gtime.ParseInterval`` — panel and datasource intervals,
  relative times: ``15s``, ``1.5h``, ``1M`` (30 days), a bare number of seconds (``30``), an
  optional leading ``<`` or ``>``, else the Go form; not rounded (float milliseconds).

Each returns None for text that is not in its grammar; callers say where and what to write.
``parse_duration_ms`` is the strict entry for config values that may be in either of Prometheus'
and Go's forms; ``format_duration_ms`` prints ``model.Duration.String()``, which both parse.
"""

from __future__ import annotations

import re
from fractions import Fraction

from validation.core.errors import ConfigError

_DAY_MS = 86_400_000
PROMETHEUS_UNIT_MS = {
    "y": 365 * _DAY_MS,
    "w": 7 * _DAY_MS,
    "d": _DAY_MS,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
_PROMETHEUS = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")

_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT_NS = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}

_GRAFANA_UNIT_MS = {**PROMETHEUS_UNIT_MS, "M": 30 * _DAY_MS}
_GRAFANA_SIMPLE = re.compile(r"(\d+(?:\.\d+)?)(ms|[smhdwMy])")


def prometheus_ms(text: object) -> int | None:
    """Milliseconds of a Prometheus duration (``model.ParseDuration``); None if not one."""
    if not isinstance(text, str):
        return None
    if text == "0":
        return 0
    match = _PROMETHEUS.fullmatch(text)
    if match is None or not any(match.groups()):
        return None
    return sum(
        int(n) * unit for n, unit in zip(match.groups(), PROMETHEUS_UNIT_MS.values(), strict=True) if n
    )


def go_ms(text: str) -> int | None:
    """Milliseconds of a Go duration (``time.ParseDuration``), to the nearest ms; None if not one."""
    nanos = _go_nanos(text)
    return None if nanos is None else round(nanos / 10**6)


def _go_nanos(text: str) -> Fraction | None:
    sign, value = 1, text
    if value[:1] in ("+", "-"):
        sign, value = (-1 if value[0] == "-" else 1), value[1:]
    if value == "0":
        return Fraction(0)
    if not value:
        return None
    total, pos = Fraction(0), 0
    for part in _GO_PART.finditer(value):
        if part.start() != pos:
            return None
        total += Fraction(part.group(1)) * _GO_UNIT_NS[part.group(2)]
        pos = part.end()
    return sign * total if pos == len(value) else None


def grafana_interval_ms(text: str) -> float | None:
    """Milliseconds of a Grafana interval (``gtime.ParseInterval``); None if not one."""
    value = text.strip().replace("<", "", 1).replace(">", "", 1)
    if value.isascii() and value.isdigit():
        return float(int(value) * 1000)
    simple = _GRAFANA_SIMPLE.fullmatch(value)
    if simple:
        return float(simple.group(1)) * _GRAFANA_UNIT_MS[simple.group(2)]
    if value[:1] in ("+", "-"):
        return None  # Grafana refuses negative intervals
    nanos = _go_nanos(value)
    return None if nanos is None else float(nanos / 10**6)


def parse_duration_ms(text: object, *, place: str = "") -> int:
    """Milliseconds of a Prometheus or Go duration; ``ConfigError`` (with ``place``) if neither."""
    value = str(text).strip()
    ms = prometheus_ms(value)
    if ms is None:
        ms = go_ms(value)
    if ms is None:
        raise ConfigError(
            f"not a duration: {value!r}",
            place=place,
            hint="write it as Prometheus does, e.g. 30s, 5m, 1h30m, 250ms",
        )
    return ms


def parse_duration_seconds(text: object, *, place: str = "") -> float:
    """Seconds of a Prometheus or Go duration (millisecond resolution)."""
    return parse_duration_ms(text, place=place) / 1000


def format_duration_ms(ms: int) -> str:
    """Prometheus' canonical text for ``ms`` milliseconds (``model.Duration.String``); ``-`` if negative."""
    if ms < 0:
        return "-" + format_duration_ms(-ms)
    if ms == 0:
        return "0s"
    out = []
    for unit, size in PROMETHEUS_UNIT_MS.items():
        if unit in ("y", "w") and ms % size:
            continue
        count, ms = divmod(ms, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
