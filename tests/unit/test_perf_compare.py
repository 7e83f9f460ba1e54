from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.perf.compare import (
    TOLERANCES,
    Tolerance,
    compare_figures,
    judge_metric,
    judge_value,
    noise_floor,
    ratio_of,
    regressions,
)
from validation.perf.metrics import KINDS, Figures, Metric

pytestmark = pytest.mark.unit

TIMING = Tolerance(2.0, 0.02)
COUNT = Tolerance(1.1, 5, "both")


@pytest.mark.parametrize(
    ("current", "baseline", "tolerance", "expected"),
    [
        (0.100, 0.100, TIMING, "ok"),
        (0.199, 0.100, TIMING, "ok"),
        (0.201, 0.100, TIMING, "regression"),
        (0.0009, 0.0004, TIMING, "ok"),
        (0.090, 0.040, TIMING, "regression"),
        (0.030, 0.012, TIMING, "ok"),
        (0.040, 0.100, TIMING, "improved"),
        (0.0, 0.0, TIMING, "ok"),
        (1.0, 0.0, TIMING, "regression"),
        (1000, 1000, COUNT, "ok"),
        (1090, 1000, COUNT, "ok"),
        (1200, 1000, COUNT, "regression"),
        (800, 1000, COUNT, "regression"),
        (12, 8, COUNT, "ok"),
    ],
    ids=[
        "equal is ok",
        "just under the ratio is ok",
        "just over the ratio and the floor regresses",
        "0.4 ms to 0.9 ms is x2.2 but under the floor: noise",
        "40 ms to 90 ms regresses",
        "x2.5 but only 18 ms more: noise",
        "faster timing is an improvement",
        "zero to zero is ok",
        "zero to something regresses",
        "same count",
        "count within 10 %",
        "count up 20 %",
        "count down 20 % regresses too",
        "x1.5 but under the absolute floor of 5",
    ],
)
def test_judge_value_needs_both_ratio_and_floor(
    current: float, baseline: float, tolerance: Tolerance, expected: str
) -> None:
    assert judge_value(current, baseline, tolerance) == expected


@pytest.mark.parametrize(
    ("current", "baseline", "expected"), [(0, 0, 1.0), (2, 0, float("inf")), (3, 2, 1.5)]
)
def test_ratio_of_handles_zero(current: float, baseline: float, expected: float) -> None:
    assert ratio_of(current, baseline) == expected


samples = st.lists(st.floats(1e-4, 1e4, allow_nan=False), min_size=1, max_size=9)


@given(st.sampled_from(KINDS), samples)
def test_the_same_samples_never_regress(kind: str, data: list[float]) -> None:
    verdict = judge_metric("m", Metric("m", kind, data), Metric("m", kind, list(reversed(data))))  # type: ignore[arg-type]
    assert verdict.status == "ok"


@given(st.sampled_from(KINDS), samples, st.floats(1.0, 1e3))
def test_growth_beyond_ratio_and_floor_always_regresses(kind: str, data: list[float], extra: float) -> None:
    tolerance = TOLERANCES[kind]  # type: ignore[index]
    base = Metric("m", kind, data)  # type: ignore[arg-type]
    bar = noise_floor(data, tolerance.floor)
    bigger = [v * tolerance.ratio * (1 + extra) + bar * (1 + extra) for v in data]
    assert judge_metric("m", base, Metric("m", kind, bigger)).regression  # type: ignore[arg-type]


@given(st.sampled_from(KINDS), samples, st.floats(0.0, 0.999))
def test_growth_within_the_ratio_never_regresses(kind: str, data: list[float], fraction: float) -> None:
    tolerance = TOLERANCES[kind]  # type: ignore[index]
    factor = 1 + (tolerance.ratio - 1) * fraction
    base = Metric("m", kind, data)  # type: ignore[arg-type]
    grown = Metric("m", kind, [v * factor for v in data])  # type: ignore[arg-type]
    assert not judge_metric("m", base, grown).regression


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([0.01, 0.01, 0.01], 0.02),
        ([0.2, 0.1, 0.3, 0.2, 0.2], 3 * 1.4826 * 0.0),
        ([0.1, 0.3, 0.2, 0.4, 0.0], 3 * 1.4826 * 0.1),
    ],
    ids=[
        "steady samples keep the kind's floor",
        "one outlier does not widen it",
        "a noisy baseline widens it",
    ],
)
def test_noise_floor_widens_with_the_baseline_spread(samples: list[float], expected: float) -> None:
    assert noise_floor(samples, 0.02) == pytest.approx(max(0.02, expected), rel=1e-3)


def test_a_noisy_baseline_needs_a_larger_change_to_alarm() -> None:
    steady = Metric("m", "timing", [0.10, 0.10, 0.10])
    noisy = Metric("m", "timing", [0.02, 0.10, 0.30, 0.05, 0.10])
    now = Metric("m", "timing", [0.25, 0.25, 0.25])
    assert judge_metric("m", steady, now).regression
    assert not judge_metric("m", noisy, now).regression


def test_median_absorbs_one_slow_sample() -> None:
    base = Metric("rule_eval_s/total", "timing", [0.010, 0.011, 0.012, 0.010, 0.011])
    now = Metric("rule_eval_s/total", "timing", [0.011, 0.270, 0.010, 0.012, 0.011])
    assert judge_metric(base.name, base, now).status == "ok"


def test_compare_lists_regressions_first_and_names_the_metric() -> None:
    baseline, current = Figures(), Figures()
    for value in (0.01, 0.011, 0.012):
        baseline.add("rule_eval_s/total", "timing", value)
        current.add("rule_eval_s/total", "timing", value * 30)
        baseline.add("scrape_duration_s/node", "timing", value)
        current.add("scrape_duration_s/node", "timing", value)
    baseline.add("tsdb/head_series", "count", 500)
    current.add("startup_s/grafana", "startup", 3.0)
    verdicts = compare_figures(baseline, current)
    assert [v.name for v in regressions(verdicts)] == ["rule_eval_s/total"]
    assert verdicts[0].name == "rule_eval_s/total"
    assert "rule_eval_s/total" in verdicts[0].message and "x30.00" in verdicts[0].message
    statuses = {v.name: v.status for v in verdicts}
    assert statuses["tsdb/head_series"] == "missing"
    assert statuses["startup_s/grafana"] == "new"
    assert statuses["scrape_duration_s/node"] == "ok"
