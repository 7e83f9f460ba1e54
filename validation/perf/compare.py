"""Noise-aware comparison of measured figures with a stored baseline — pure functions.

Each metric is judged on medians of repeated samples. A change is a regression only when it
passes both bars of its kind's ``Tolerance``: the ratio (current / baseline median) beyond
``ratio`` AND the absolute difference beyond ``floor`` — so a 0.4 ms rule evaluation that
becomes 0.9 ms (x2.2 but 0.5 ms) is noise, while 40 ms → 250 ms is not. Timings, memory and CPU
regress upwards only (faster is reported as improved); counts and rates are properties of the
config, so a change either way beyond tolerance is flagged. The absolute bar also widens with
the baseline's own spread: a difference must exceed ``NOISE_K`` robust standard deviations
(1.4826 x the median absolute deviation) of the baseline samples, so a metric that was noisy
when recorded needs a larger change to alarm. Limits: with one sample per side the median is
that sample and the spread is zero — the tolerances are set wide enough for that (start-up is
measured once per stack start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from validation.perf.metrics import Figures, Kind, Metric
from validation.perf.stats import mad

Direction = Literal["up", "both"]
Status = Literal["ok", "regression", "improved", "new", "missing"]
NOISE_K = 3.0
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Tolerance:
    ratio: float  # current / baseline beyond this (or below 1/ratio for "both") ...
    floor: float  # ... and an absolute difference beyond this, in the metric's unit
    direction: Direction = "up"


# Measured on a shared 2-CPU machine: scrape, rule and query timings of an unchanged stack vary
# by x2-8 in the tens of milliseconds, and a young Prometheus' RSS grows ~30 % in its first
# minutes as head chunks fill. The floors sit above that noise; real regressions (a heavy rule:
# hundreds of ms per evaluation; twice the series: x2 head series) clear them by far.
TOLERANCES: dict[Kind, Tolerance] = {
    "startup": Tolerance(2.0, 1.0),
    "timing": Tolerance(2.0, 0.1),
    "tail": Tolerance(3.0, 0.2),
    "latency": Tolerance(1.5, 1.0),
    "ratio": Tolerance(1.5, 0.5),
    "memory": Tolerance(1.5, 32 * 2**20),
    "size": Tolerance(1.5, 1024),
    "cpu": Tolerance(2.0, 0.1),
    "count": Tolerance(1.1, 5, "both"),
    "rate": Tolerance(1.3, 50, "both"),
}


@dataclass(frozen=True)
class Verdict:
    name: str
    kind: Kind
    status: Status
    baseline: float | None
    current: float | None
    ratio: float | None
    message: str

    @property
    def regression(self) -> bool:
        return self.status == "regression"


def ratio_of(current: float, baseline: float) -> float:
    """current / baseline, with 0/0 = 1 and x/0 = inf."""
    if baseline == 0:
        return 1.0 if current == 0 else float("inf")
    return current / baseline


def noise_floor(samples: list[float], floor: float) -> float:
    """The absolute bar: the kind's floor, or NOISE_K robust sigmas of the samples if larger."""
    return max(floor, NOISE_K * MAD_TO_SIGMA * mad(samples)) if samples else floor


def judge_value(current: float, baseline: float, tolerance: Tolerance, floor: float | None = None) -> Status:
    """ok / regression / improved for one pair of medians under ``tolerance``; ``floor``
    overrides the tolerance's absolute bar (see ``noise_floor``)."""
    bar = tolerance.floor if floor is None else floor
    ratio = ratio_of(current, baseline)
    delta = current - baseline
    if ratio > tolerance.ratio and delta > bar:
        return "regression"
    shrunk = ratio < 1 / tolerance.ratio and -delta > bar
    if shrunk:
        return "regression" if tolerance.direction == "both" else "improved"
    return "ok"


def judge_metric(
    name: str,
    baseline: Metric | None,
    current: Metric | None,
    tolerances: Mapping[Kind, Tolerance] = TOLERANCES,
) -> Verdict:
    if baseline is None and current is not None:
        return Verdict(name, current.kind, "new", None, current.median, None, "not in the baseline")
    if current is None and baseline is not None:
        return Verdict(name, baseline.kind, "missing", baseline.median, None, None, "not measured this time")
    assert baseline is not None and current is not None
    tolerance = tolerances[baseline.kind]
    base, now = baseline.median, current.median
    bar = noise_floor(baseline.samples, tolerance.floor)
    status = judge_value(now, base, tolerance, bar)
    ratio = ratio_of(now, base)
    message = (
        f"{name}: median {_fmt(now, baseline.unit)} vs baseline {_fmt(base, baseline.unit)} "
        f"(x{ratio:.2f}; tolerance x{tolerance.ratio:g} and {_fmt(bar, baseline.unit)})"
    )
    return Verdict(name, baseline.kind, status, base, now, ratio, message)


def compare_figures(
    baseline: Figures, current: Figures, tolerances: Mapping[Kind, Tolerance] = TOLERANCES
) -> list[Verdict]:
    """A verdict per metric in either set, sorted: regressions first, then by name."""
    names = sorted(set(baseline) | set(current))
    verdicts = [judge_metric(n, baseline.get(n), current.get(n), tolerances) for n in names]
    return sorted(verdicts, key=lambda v: (not v.regression, v.name))


def regressions(verdicts: list[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.regression]


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB" if abs(value) >= 2**20 else f"{value:.0f} B"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if abs(value) < 1 else f"{value:.2f} s"
    if unit == "cores":
        return f"{value:.3f} cores"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.6g}{unit}"
