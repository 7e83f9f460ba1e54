"""Concrete input series in promtool's expanding notation, and the scenario's timing.

A gauge holds ``level`` (or moves linearly through it at ``check_at`` when a slope function
reads it); a counter starts at 0 and grows by ``slope`` per second. A series left out of the
assignment (``present: false``, for ``absent``) is not written at all.

A sloped gauge (read by deriv, predict_linear, …) is anchored so that it only moves away
from the threshold's silent side in the firing variant and never reaches it in the silent one.

Samples are 15 s apart (coarser for ranges beyond an hour, see ``sample_interval``). Timing: the
alert must be firing at ``fires_within`` = the longest range the expression reads +
the rule's ``for`` + two evaluation intervals + one minute, rounded up to 30 s (the margins the
hand-written scenarios use); the series run two evaluation intervals (at least a minute) beyond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from validation.generate.evaluate import Assignment
from validation.generate.shapes import Shape
from validation.timescale.promql_printer import format_number

DEFAULT_INTERVAL = 15.0


@dataclass(frozen=True)
class Timing:
    interval: float  # seconds between samples
    evaluation: float  # the rule's evaluation interval
    fires_within: float  # the firing variant must be firing at this time
    end: float  # time of the last sample
    onset: float = 0.0  # when the firing condition starts to hold (the longest range filled)

    @property
    def samples(self) -> int:
        return int(self.end // self.interval) + 1

    def silent_checks(self, most: int = 40) -> list[float]:
        """Times the silent variant is checked at: every evaluation (at most ``most``), then the end."""
        step = max(self.evaluation, self.end / most)
        step = math.ceil(step / self.evaluation) * self.evaluation
        times = [step * i for i in range(1, int(self.end // step) + 1)]
        return sorted({*times, self.fires_within, self.end})


def sample_interval(window_s: float) -> float:
    """15 s, coarser for long ranges (30 s beyond 1h, 60 s beyond 6h): a 3-day range at 15 s is
    17 280 samples per series and evaluation, for the same verdict."""
    if window_s > 6 * 3600:
        return 60.0
    if window_s > 3600:
        return 30.0
    return DEFAULT_INTERVAL


def timing(shape: Shape, for_s: float, evaluation: float, interval: float | None = None) -> Timing:
    interval = interval or sample_interval(shape.window_s)
    fires = shape.window_s + for_s + 2 * evaluation + 60.0
    fires = math.ceil(fires / 30.0) * 30.0
    end = fires + max(2 * evaluation, 60.0)
    end = math.ceil(end / interval) * interval
    return Timing(interval, evaluation, fires, end, onset=shape.window_s + evaluation)


def number(value: float) -> str:
    """A value promtool's notation reads back as the same float (12 significant digits)."""
    if value == 0:
        return "0"
    return format_number(float(f"{value:.12g}"))


def values_text(start: float, step: float, count: int) -> str:
    """``count`` samples from ``start``, ``step`` apart, in expanding notation."""
    repeat = count - 1
    if step == 0:
        return f"{number(start)}x{repeat}" if repeat else number(start)
    sign = "+" if step > 0 else "-"
    return f"{number(start)}{sign}{number(abs(step))}x{repeat}"


def input_series(
    shape: Shape, assignment: Assignment, times: Timing, *, silent: bool = False
) -> list[dict[str, str]]:
    """promtool ``input_series`` entries for ``assignment`` (present series only).

    A sloped gauge passes through its solved level at the onset of the firing variant (from then
    on it only moves further past the threshold, for the whole ``for``) and at the very end of the
    silent one (before that it is further from the threshold, never across it)."""
    anchor = times.end if silent else times.onset
    out: list[dict[str, str]] = []
    for index, var in enumerate(shape.vars):
        params = assignment[index]
        if not params.present:
            continue
        step = float(f"{params.slope * times.interval:.12g}")
        start = 0.0 if var.counter else params.level - params.slope * anchor
        for copy in range(params.replicas):
            if var.buckets:  # every observation at `level`: the buckets from there up grow
                for bound, le in var.bucket_labels:
                    grow = step if bound >= params.level else 0.0
                    out.append(
                        {"series": var.selector_of(copy, le), "values": values_text(0.0, grow, times.samples)}
                    )
                continue
            out.append({"series": var.selector_of(copy), "values": values_text(start, step, times.samples)})
    return out
