from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.perf.stats import fit_line, mad, median, percentile

pytestmark = pytest.mark.unit

values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30)


@pytest.mark.parametrize(
    ("data", "q", "expected"),
    [
        ([3.0], 95, 3.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 100, 5.0),
        ([10.0, 0.0, 5.0], 50, 5.0),
        ([0.0, 10.0], 95, 9.5),
    ],
    ids=[
        "single value",
        "even count interpolates",
        "p0 is min",
        "p100 is max",
        "unsorted input",
        "p95 interpolates",
    ],
)
def test_percentile_interpolates_between_closest_ranks(data: list[float], q: float, expected: float) -> None:
    assert percentile(data, q) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("data", "q"), [([], 50), ([1.0], -1), ([1.0], 101)], ids=["empty", "below 0", "above 100"]
)
def test_percentile_rejects_bad_input(data: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(data, q)


@given(values)
def test_median_lies_between_min_and_max(data: list[float]) -> None:
    assert min(data) <= median(data) <= max(data)


@given(values, st.floats(0, 100), st.floats(0, 100))
def test_percentile_is_monotone_in_q(data: list[float], a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert percentile(data, low) <= percentile(data, high) + 1e-9


@given(values, st.floats(-1e3, 1e3, allow_nan=False))
def test_mad_ignores_a_shift(data: list[float], shift: float) -> None:
    assert mad([v + shift for v in data]) == pytest.approx(mad(data), abs=1e-6)


def test_one_outlier_does_not_move_the_median_much() -> None:
    assert median([10.0, 11.0, 9.0, 10.0, 500.0]) == 10.0


@given(
    st.floats(-100, 100),
    st.floats(-1e4, 1e4),
    st.lists(st.integers(0, 10**6), min_size=2, max_size=8, unique=True),
)
def test_fit_line_recovers_an_exact_line(slope: float, intercept: float, xs: list[int]) -> None:
    got_slope, got_intercept = fit_line([float(x) for x in xs], [slope * x + intercept for x in xs])
    assert got_slope == pytest.approx(slope, abs=1e-6)
    assert got_intercept == pytest.approx(intercept, abs=1e-3 * max(1.0, abs(slope) * max(xs)))


@pytest.mark.parametrize(
    ("xs", "ys"),
    [([1.0], [1.0]), ([2.0, 2.0], [1.0, 3.0]), ([1.0, 2.0], [1.0])],
    ids=["one point", "same x", "lengths differ"],
)
def test_fit_line_needs_two_distinct_points(xs: list[float], ys: list[float]) -> None:
    with pytest.raises(ValueError):
        fit_line(xs, ys)
