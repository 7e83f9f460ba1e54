"""Interval, step and time macros as Grafana 10 computes them for Prometheus panels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.dashboards.macros import (
    TimeRange,
    compute_timing,
    expand_macros,
    format_interval,
    go_duration,
    parse_interval_ms,
    round_interval_go,
    round_interval_js,
    seconds_to_hms,
)

pytestmark = pytest.mark.unit

S, M, H, D = 1000, 60_000, 3_600_000, 86_400_000


@pytest.mark.parametrize(
    ("ms", "go", "js"),
    [
        (5, 1, 10), (10, 1, 10), (15, 10, 20), (35, 20, 50), (74, 50, 50), (149, 100, 100),
        (300, 200, 200), (700, 500, 500), (1400, 1000, 1000), (1500, 1000, 2000), (3000, 2000, 2000),
        (7000, 5000, 5000), (12000, 10000, 10000), (12500, 10000, 15000), (17000, 15000, 15000),
        (24000, 20000, 20000), (44000, 30000, 30000), (89000, M, M), (200_000, 2 * M, 2 * M),
        (400_000, 5 * M, 5 * M), (700_000, 10 * M, 10 * M), (1_000_000, 15 * M, 15 * M),
        (1_400_000, 20 * M, 20 * M), (2_600_000, 30 * M, 30 * M), (5_000_000, H, H),
        (8_000_000, 2 * H, 2 * H), (16_000_000, 3 * H, 3 * H), (32_000_000, 6 * H, 6 * H),
        (86_000_000, 12 * H, 12 * H), (600_000_000, D, D), (1_800_000_000, 7 * D, 7 * D),
        (3_000_000_000, 30 * D, 30 * D), (4_000_000_000, 365 * D, 365 * D),
    ],
)  # fmt: skip
def test_rounding_table_matches_grafana_backend_and_frontend(ms: float, go: int, js: int) -> None:
    assert (round_interval_go(ms), round_interval_js(ms)) == (go, js)


@given(st.floats(min_value=0.001, max_value=5e9), st.floats(min_value=0.001, max_value=5e9))
def test_rounding_is_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert round_interval_go(low) <= round_interval_go(high)
    assert round_interval_js(low) <= round_interval_js(high)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("15s", 15 * S), (">1m", M), ("<2h", 2 * H), ("30", 30 * S), ("500ms", 500), ("1h30m", 90 * M),
     ("1.5s", 1500), ("1d", D), ("1w", 7 * D), ("1y", 365 * D)],
)  # fmt: skip
def test_interval_strings_parse_like_grafana(text: str, ms: float) -> None:
    assert parse_interval_ms(text) == ms


@pytest.mark.parametrize("text", ["", "fast", "5 m", "-1s"])
def test_invalid_interval_strings_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval_ms(text)


@pytest.mark.parametrize(
    ("ms", "interval", "go"),
    [(500, "500ms", "500ms"), (S, "1s", "1s"), (4 * S, "4s", "4s"), (1500, "1s", "1.5s"),
     (M, "1m", "1m0s"), (90 * S, "1m", "1m30s"), (H, "1h", "1h0m0s"), (D, "1d", "24h0m0s")],
)  # fmt: skip
def test_duration_rendering_as_grafana_prints_interval_and_rate_interval(
    ms: int, interval: str, go: str
) -> None:
    assert (format_interval(ms), go_duration(ms)) == (interval, go)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30s"), (90, "1m"), (0.5, "500ms"), (7200, "2h"), (0.0001, "less than a millisecond")],
)
def test_seconds_to_hms_matches_rangeutil(seconds: float, text: str) -> None:
    assert seconds_to_hms(seconds) == text


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("case", "range_s", "kwargs", "step_ms", "interval_ms", "rate_ms"),
    [
        ("6h at 1000 points: 21.6s rounds to 20s", 6 * 3600, {"ds_time_interval": "15s"}, 20 * S, 20 * S, 60 * S),
        ("1h: range/points below scrape interval, floor is timeInterval", 3600, {"ds_time_interval": "15s"}, 15 * S, 15 * S, 60 * S),
        ("no timeInterval: default scrape 15s for rate", 3600, {}, 5 * S, 5 * S, 60 * S),
        ("panel min interval raises the interval", 3600, {"ds_time_interval": "15s", "panel_interval": "1m"}, M, M, 75 * S),
        ("target min step is the backend floor", 3600, {"ds_time_interval": "15s", "target_interval": "2m"}, 2 * M, 15 * S, 8 * M),
        ("max data points from the panel", 3600, {"ds_time_interval": "1s", "max_data_points": 100}, 30 * S, 30 * S, 31 * S),
        ("intervalFactor multiplies the step", 3600, {"ds_time_interval": "15s", "interval_factor": 2}, 30 * S, 15 * S, 60 * S),
        ("30d: safe resolution 11000 wins; rate interval still from intervalMs", 30 * 86400, {"max_data_points": 100_000}, 5 * M, 30 * S, 60 * S),
        ("$__rate_interval as min step: step is the rate interval", 3600, {"ds_time_interval": "15s", "target_interval": "$__rate_interval"}, 60 * S, 15 * S, 60 * S),
        ("7d, 1s scrape: interval 10m, rate = interval + scrape", 7 * 86400, {"ds_time_interval": "1s"}, 10 * M, 10 * M, 10 * M + S),
    ],
)  # fmt: skip
def test_timing_matches_grafana(
    case: str, range_s: int, kwargs: dict[str, object], step_ms: int, interval_ms: int, rate_ms: int
) -> None:
    timing = compute_timing(TimeRange.last(range_s, now=NOW), **kwargs)  # type: ignore[arg-type]
    assert (timing.step_ms, timing.interval_ms, timing.rate_interval_ms) == (step_ms, interval_ms, rate_ms)


def test_minimum_interval_is_not_rounded_but_a_larger_computed_interval_is() -> None:
    # 17 s computed > 16 s minimum: the backend rounds 17 s to 15 s, below the minimum (Grafana does too).
    timing = compute_timing(TimeRange(0, 17_000), target_interval="16s", max_data_points=1000)
    assert timing.step_ms == 15 * S


def test_range_is_aligned_down_to_the_step() -> None:
    timing = compute_timing(TimeRange(NOW - 3600 + 7, NOW + 7), ds_time_interval="15s")
    assert (timing.start % 15, timing.end % 15) == (0, 0)
    assert timing.end <= NOW + 7


def test_macros_are_expanded_in_all_their_spellings() -> None:
    timing = compute_timing(TimeRange.last(3600, now=NOW), ds_time_interval="15s")
    expr = (
        "rate(x[$__rate_interval]) + rate(x[${__rate_interval}]) + $__interval_ms + x[$__interval] "
        "+ $__range_s + $__range_ms + y[$__range] + $__rate_interval_ms + $__intervalx"
    )
    assert expand_macros(expr, timing) == (
        "rate(x[1m0s]) + rate(x[1m0s]) + 15000 + x[15s] + 3600 + 3600000 + y[3600s] + 60000 + $__intervalx"
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(("now-6h", "now"), (NOW - 21600, NOW)), (("now-30m", "now-5m"), (NOW - 1800, NOW - 300)),
     (("1699999000000", "now"), (1_699_999_000.0, NOW))],
)  # fmt: skip
def test_relative_time_ranges(spec: tuple[str, str], expected: tuple[float, float]) -> None:
    span = TimeRange.relative(*spec, now=NOW)
    assert (span.start, span.end) == expected


def test_rounded_relative_time_is_reported_unsupported() -> None:
    with pytest.raises(ValueError, match="not supported"):
        TimeRange.relative("now-1d/d", "now", now=NOW)
