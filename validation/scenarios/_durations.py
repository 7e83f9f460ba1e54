"""Prometheus durations (``1h30m``, ``15s``, ``500ms``) for scenario fields.

Private on purpose: scenarios only need parsing, and a local copy keeps this package free of
the time-compression code. Units: ms, s, m, h, d, w, y (365d), each at most once, largest first,
as Prometheus' model.ParseDuration requires. ``0`` is allowed; fractions are not.
"""

from __future__ import annotations

import re

_UNITS = {"y": 365 * 86400.0, "w": 7 * 86400.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")


def parse_duration(text: str) -> float | None:
    """Seconds of a Prometheus duration, or None when ``text`` is not one."""
    if text == "0":
        return 0.0
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    return sum(
        float(amount) * unit for amount, unit in zip(match.groups(), _UNITS.values(), strict=True) if amount
    )


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration for ``seconds`` (whole milliseconds)."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, millis = divmod(millis, round(size * 1000))
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
