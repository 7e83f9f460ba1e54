"""Durations in the three grammars (Prometheus, Go, Grafana): parse, print canonically, round-trip."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.core.durations import (
    PROMETHEUS_UNIT_MS,
    format_duration_ms,
    go_ms,
    grafana_interval_ms,
    parse_duration_ms,
    parse_duration_seconds,
    prometheus_ms,
)
from validation.core.errors import ConfigError

pytestmark = pytest.mark.unit

PROM_UNITS = list(PROMETHEUS_UNIT_MS)  # largest first, as the grammar orders them
GO_NS = {"h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 1000, "ns": 1}


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


@given(st.integers(min_value=0, max_value=10 * 365 * 86_400_000))
def test_format_then_parse_round_trips(ms: int) -> None:
    assert parse_duration_ms(format_duration_ms(ms)) == ms


@given(st.integers(min_value=-86_399_999, max_value=-1))
def test_negative_durations_below_a_day_round_trip_through_the_go_form(ms: int) -> None:
    assert parse_duration_ms(format_duration_ms(ms)) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [("0", 0), ("0s", 0), ("500ms", 500), ("30s", 30_000), ("1h30m", 5_400_000), ("1d", 86_400_000),
     ("2w", 14 * 86_400_000), ("1y2w3d4h5m6s7ms", 31_536_000_000 + 1_209_600_000 + 259_200_000
                                                + 14_400_000 + 300_000 + 6000 + 7)],
)  # fmt: skip
def test_prometheus_grammar_reads_what_model_parse_duration_reads(text: str, ms: int) -> None:
    assert prometheus_ms(text) == ms


@pytest.mark.parametrize(
    "text", ["", "5", "1.5h", "m5", "5 m", "-1s", "30m1h", "1h0m0s0ms0", "1500us", " 30s", "1s1s"]
)
def test_prometheus_grammar_refuses_go_forms_signs_and_disorder(text: str) -> None:
    assert prometheus_ms(text) is None


@pytest.mark.parametrize("value", [None, 30, 1.5, ["30s"]])
def test_prometheus_grammar_refuses_what_yaml_did_not_give_as_text(value: object) -> None:
    assert prometheus_ms(value) is None


@pytest.mark.parametrize(
    ("text", "ms"),
    [("0", 0), ("-0", 0), ("1h0m0s", 3_600_000), ("1.5h", 5_400_000), ("-5m", -300_000), (".5s", 500),
     ("1500us", 2), ("1499us", 1), ("2m30.5s", 150_500), ("1µs", 0)],
)  # fmt: skip
def test_go_grammar_reads_what_time_parse_duration_reads(text: str, ms: int) -> None:
    assert go_ms(text) == ms


@pytest.mark.parametrize("text", ["", "1d", "5", "1h 30m", "-", "1.2.3s", "s"])
def test_go_grammar_refuses_prometheus_only_units_and_garbage(text: str) -> None:
    assert go_ms(text) is None


@pytest.mark.parametrize(
    ("text", "ms"),
    [("15s", 15_000), (">1m", 60_000), ("<2h", 7_200_000), ("30", 30_000), ("500ms", 500),
     ("1h30m", 5_400_000), ("1.5s", 1500), ("1d", 86_400_000), ("1w", 604_800_000),
     ("1M", 2_592_000_000), ("1y", 31_536_000_000), ("1500us", 1.5)],
)  # fmt: skip
def test_grafana_grammar_reads_what_gtime_parse_interval_reads(text: str, ms: float) -> None:
    assert grafana_interval_ms(text) == ms


@pytest.mark.parametrize("text", ["", "fast", "5 m", "-1s", "+1s", "1x"])
def test_grafana_grammar_refuses_negative_and_unknown(text: str) -> None:
    assert grafana_interval_ms(text) is None


@st.composite
def prometheus_parts(draw: st.DrawFn) -> list[tuple[int, str]]:
    chosen = draw(st.lists(st.sampled_from(PROM_UNITS), min_size=1, unique=True))
    return [(draw(st.integers(0, 10_000)), unit) for unit in PROM_UNITS if unit in chosen]


@given(prometheus_parts())
def test_prometheus_text_is_the_sum_of_its_parts(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{unit}" for n, unit in parts)
    expected = sum(n * PROMETHEUS_UNIT_MS[unit] for n, unit in parts)
    assert prometheus_ms(text) == expected
    assert parse_duration_ms(text) == expected  # the strict entry agrees


@given(prometheus_parts())
def test_prometheus_text_out_of_order_is_refused(parts: list[tuple[int, str]]) -> None:
    if len(parts) < 2:
        return
    text = "".join(f"{n}{unit}" for n, unit in reversed(parts))
    assert prometheus_ms(text) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 999), st.sampled_from(list(GO_NS))),
        min_size=1,
        max_size=4,
    )
)
def test_go_text_is_the_sum_of_its_parts_rounded_to_the_millisecond(
    parts: list[tuple[int, int, str]],
) -> None:
    text = "".join(f"{whole}.{frac:03d}{unit}" for whole, frac, unit in parts)
    nanos = sum(Fraction(f"{whole}.{frac:03d}") * GO_NS[unit] for whole, frac, unit in parts)
    assert go_ms(text) == round(nanos / 10**6)
    assert grafana_interval_ms(text) == pytest.approx(float(nanos / 10**6))


@given(st.integers(min_value=0, max_value=10 * 365 * 86_400_000))
def test_canonical_text_round_trips_in_the_prometheus_grammar(ms: int) -> None:
    assert prometheus_ms(format_duration_ms(ms)) == ms


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["ms", "s", "m", "h", "d", "w", "y"]))
def test_grafana_simple_intervals_agree_with_prometheus(count: int, unit: str) -> None:
    assert grafana_interval_ms(f"{count}{unit}") == prometheus_ms(f"{count}{unit}")
