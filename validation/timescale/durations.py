"""Durations as Prometheus and Alertmanager write them, and their compression by a factor K.

Everything is kept in whole milliseconds, the granularity of Prometheus' ``model.Duration``:
- ``parse_duration_ms`` accepts the Prometheus form (``1y2w3d4h5m6s7ms``, units in that order,
  or ``0``) and the Go form that Alertmanager and flags also print (``1h0m0s``, ``1.5h``,
  ``300us``); a sub-millisecond remainder is rounded to the nearest millisecond.
- ``format_duration_ms`` prints what ``model.Duration.String()`` prints (``1h30m``, ``250ms``,
  ``0s``; years and weeks only when exact), a form Prometheus, promtool and Alertmanager all parse.
- ``TimeScale.duration`` divides by K, rounds to the nearest millisecond and never turns a
  non-zero duration into 0 (it clamps to 1ms). Every rounding or clamping is recorded in
  ``TimeScale.notes``: a compressed run is exact only when those notes are empty.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

from validation.core.errors import ConfigError, HarnessError

_MS = {
    "y": 365 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
_PROM_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_NS = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


def parse_duration_ms(text: str, *, place: str = "") -> int:
    """Milliseconds of a Prometheus or Go duration; ``ConfigError`` (with ``place``) if neither."""
    value = str(text).strip()
    if value == "0":
        return 0
    match = _PROM_RE.match(value)
    if value and match and any(match.groups()):
        units = ("y", "w", "d", "h", "m", "s", "ms")
        return sum(int(g) * _MS[u] for g, u in zip(match.groups(), units, strict=True) if g)
    nanos = _parse_go_nanos(value)
    if nanos is None:
        raise ConfigError(
            f"not a duration: {value!r}",
            place=place,
            hint="write it as Prometheus does, e.g. 30s, 5m, 1h30m, 250ms",
        )
    return round(nanos / 10**6)


def _parse_go_nanos(value: str) -> Fraction | None:
    sign = 1
    if value[:1] in ("+", "-"):
        sign, value = (-1 if value[0] == "-" else 1), value[1:]
    if not value:
        return None
    total, pos = Fraction(0), 0
    for part in _GO_PART.finditer(value):
        if part.start() != pos:
            return None
        total += Fraction(part.group(1)) * _GO_NS[part.group(2)]
        pos = part.end()
    return sign * total if pos == len(value) else None


def parse_duration_seconds(text: str, *, place: str = "") -> float:
    """Seconds of a Prometheus or Go duration (millisecond resolution)."""
    return parse_duration_ms(text, place=place) / 1000


def format_duration_ms(ms: int) -> str:
    """Prometheus' canonical text for ``ms`` milliseconds (``model.Duration.String``); ``-`` if negative."""
    if ms < 0:
        return "-" + format_duration_ms(-ms)
    if ms == 0:
        return "0s"
    out = []
    for unit in ("y", "w", "d", "h", "m", "s", "ms"):
        if unit in ("y", "w") and ms % _MS[unit]:
            continue
        count, ms = divmod(ms, _MS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def format_duration(seconds: float) -> str:
    """Prometheus' canonical text for a number of seconds, rounded to the millisecond."""
    return format_duration_ms(round(seconds * 1000))


def check_factor(k: float) -> Fraction:
    """K as an exact fraction (``7.5`` → 15/2); ``HarnessError`` unless 1 ≤ K < ∞."""
    if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k) or k < 1:
        raise HarnessError(
            f"time scale must be a finite number ≥ 1, got {k!r}",
            place="--time-scale",
            hint="use 1 for real time, 60 to run an hour of production time in a minute",
        )
    return Fraction(repr(float(k)))


@dataclass
class TimeScale:
    """Divides durations by ``k`` and records every place where that could not be exact."""

    k: float
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.factor = check_factor(self.k)

    @property
    def identity(self) -> bool:
        return self.factor == 1

    def ms(self, ms: int, *, what: str = "") -> int:
        """``ms / k`` rounded to the millisecond, clamped to ±1ms for a non-zero input."""
        exact = Fraction(ms) / self.factor
        scaled = round(exact)
        label = f"{what}: " if what else ""
        if scaled == 0 and ms != 0:
            scaled = 1 if ms > 0 else -1
            self.notes.append(
                f"{label}{format_duration_ms(ms)} / {self.k:g} is below 1ms; clamped to {format_duration_ms(scaled)}"
            )
        elif scaled != exact:
            self.notes.append(
                f"{label}{format_duration_ms(ms)} / {self.k:g} = {float(exact):g}ms is not a whole number "
                f"of milliseconds; rounded to {format_duration_ms(scaled)}"
            )
        return scaled

    def duration(self, text: str, *, what: str = "", place: str = "") -> str:
        """Compressed canonical text of a duration given as text."""
        return format_duration_ms(self.ms(parse_duration_ms(text, place=place), what=what or str(text)))

    def seconds(self, value: float) -> float:
        """A number of seconds that is not a duration literal (predict_linear's horizon)."""
        return float(Fraction(repr(float(value))) / self.factor)


def compress_duration(text: str, k: float) -> str:
    """``text`` divided by ``k`` in Prometheus' canonical form; see ``TimeScale`` for the notes."""
    return TimeScale(k).duration(text)
