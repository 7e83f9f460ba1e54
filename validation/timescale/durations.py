"""Compression of durations by a factor K (parsing and printing live in validation.core.durations).

Everything is kept in whole milliseconds, the granularity of Prometheus' ``model.Duration``:
``TimeScale.duration`` divides by K, rounds to the nearest millisecond and never turns a
non-zero duration into 0 (it clamps to 1ms). Every rounding or clamping is recorded in
``TimeScale.notes``: a compressed run is exact only when those notes are empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from validation.core.durations import format_duration_ms, parse_duration_ms
from validation.core.errors import HarnessError


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
