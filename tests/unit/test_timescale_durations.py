"""Durations: Prometheus and Go forms parse, print canonically, and scale in whole milliseconds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.core.errors import ConfigError, HarnessError
from validation.timescale.durations import (
    TimeScale,
    compress_duration,
    format_duration,
    format_duration_ms,
    parse_duration_ms,
    parse_duration_seconds,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("0", 0),
        ("0s", 0),
        ("250ms", 250),
        ("15s", 15_000),
        ("5m", 300_000),
        ("1h30m", 5_400_000),
        ("1d", 86_400_000),
        ("2w", 14 * 86_400_000),
        ("1y", 365 * 86_400_000),
        ("1m500ms", 60_500),
        ("1h0m0s", 3_600_000),  # Go's time.Duration.String(), as Alertmanager prints it
        ("1.5h", 5_400_000),  # Go form with a fraction
        ("2m30.5s", 150_500),
        ("1500us", 2),  # Go form below the millisecond: rounded to the nearest one
        (" 30s ", 30_000),
    ],
)
def test_parse_accepts_prometheus_and_go_forms(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "5", "5x", "m", "-", "1h 30m", "abc", "1.2.3s"])
def test_parse_rejects_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ConfigError, match="not a duration"):
        parse_duration_ms(text, place="rules.yml:3")


def test_parse_error_names_the_place() -> None:
    with pytest.raises(ConfigError, match=r"^rules.yml:3: not a duration"):
        parse_duration_ms("5 minutes", place="rules.yml:3")


def test_parse_seconds_keeps_milliseconds() -> None:
    assert parse_duration_seconds("1m500ms") == 60.5


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0s"),
        (1, "1ms"),
        (250, "250ms"),
        (60_500, "1m500ms"),
        (5_400_000, "1h30m"),
        (86_400_000, "1d"),
        (8 * 86_400_000, "8d"),  # weeks only when exact, as model.Duration.String()
        (14 * 86_400_000, "2w"),
        (365 * 86_400_000, "1y"),
        (-300_000, "-5m"),
    ],
)
def test_format_is_prometheus_canonical(ms: int, text: str) -> None:
    assert format_duration_ms(ms) == text


def test_format_seconds_rounds_to_milliseconds() -> None:
    assert format_duration(0.2504) == "250ms"


@given(st.integers(min_value=0, max_value=10 * 365 * 86_400_000))
def test_format_then_parse_round_trips(ms: int) -> None:
    assert parse_duration_ms(format_duration_ms(ms)) == ms


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
