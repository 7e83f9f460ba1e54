"""Time compression: durations divided by K in whole milliseconds, every rounding noted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.core.errors import HarnessError
from validation.timescale.durations import TimeScale, compress_duration

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "k", "expected"),
    [
        ("15s", 60, "250ms"),
        ("5m", 60, "5s"),
        ("1h", 60, "1m"),
        ("4h", 60, "4m"),
        ("1m", 7.5, "8s"),
        ("30s", 1, "30s"),
        ("1h0m0s", 3600, "1s"),
        ("0s", 60, "0s"),
    ],
)
def test_compress_divides_exactly(text: str, k: float, expected: str) -> None:
    scale = TimeScale(k)
    assert scale.duration(text) == expected
    assert scale.notes == []
    assert compress_duration(text, k) == expected


def test_compress_rounds_to_the_millisecond_and_says_so() -> None:
    scale = TimeScale(60)
    assert scale.duration("10s", what="global scrape_timeout") == "167ms"
    assert len(scale.notes) == 1
    assert "global scrape_timeout" in scale.notes[0]
    assert "rounded to 167ms" in scale.notes[0]


def test_compress_never_turns_a_duration_into_zero() -> None:
    scale = TimeScale(1000)
    assert scale.duration("100ms") == "1ms"
    assert "clamped to 1ms" in scale.notes[0]


def test_compress_keeps_sign_of_negative_offsets() -> None:
    assert TimeScale(1e6).ms(-5) == -1


@pytest.mark.parametrize("k", [0, 0.5, -2, float("inf"), float("nan"), True])
def test_scale_factor_must_be_at_least_one(k: float) -> None:
    with pytest.raises(HarnessError, match="time scale"):
        TimeScale(k)


def test_fractional_factor_is_exact_decimal() -> None:
    # 1.2 is not exact in binary; the factor must still divide 1m into exactly 50s.
    scale = TimeScale(1.2)
    assert scale.duration("1m") == "50s"
    assert scale.notes == []


@given(
    st.integers(min_value=1, max_value=86_400_000),
    st.sampled_from([1, 2, 3, 7.5, 10, 60, 1000, 123.25]),
)
def test_compressed_duration_is_within_half_a_millisecond_and_never_zero(ms: int, k: float) -> None:
    scaled = TimeScale(k).ms(ms)
    assert scaled >= 1
    assert abs(scaled - ms / k) <= 0.5 or scaled == 1
