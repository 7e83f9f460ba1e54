"""promtool expanding notation and series selectors.

The expected expansions in VALID and the rejections in INVALID were measured with
promtool 2.42 (`promtool test rules`); tests/static/test_synthetic_promtool.py re-checks a
generated batch against the real binary.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.core.errors import ScenarioError
from validation.synthetic.notation import STALE, Sample, format_values, parse_series, parse_values

pytestmark = pytest.mark.unit

INF, NAN = math.inf, math.nan

VALID = [
    ("axn repeats a, n more times", "1x3", [1, 1, 1, 1]),
    ("a+bxn adds b n times", "1+1x3", [1, 2, 3, 4]),
    ("a-bxn subtracts b n times", "1-1x3", [1, 0, -1, -2]),
    ("addition is repeated, not multiplied", "1+0.1x3", [1, 1.1, 1.2000000000000002, 1.3000000000000003]),
    ("x0 is the value alone", "1x0", [1]),
    ("_xn is n missing samples, not n+1", "_x3 1", [None, None, None, 1]),
    ("_x0 is nothing", "_x0 1", [1]),
    ("single blank", "1 _ 2", [1, None, 2]),
    ("stale marker", "1 stale 2", [1, STALE, 2]),
    ("trailing stale", "1 stale", [1, STALE]),
    ("exponent", "1e9", [1e9]),
    ("exponent with sign", "2e+2 1e-3x2", [200, 0.001, 0.001, 0.001]),
    ("capital E", "1E3", [1000]),
    ("negative", "-2", [-2]),
    ("explicit plus", "+1+1x2", [1, 2, 3]),
    ("negative with negative step", "-1-1x2", [-1, -2, -3]),
    ("leading dot", ".5", [0.5]),
    ("trailing dot", "1.", [1]),
    ("leading zeros are decimal", "007", [7]),
    ("0x10 is zero repeated, never hex", "0x10", [0] * 11),
    ("Inf", "Inf", [INF]),
    ("+Inf", "+Inf", [INF]),
    ("-Inf", "-Inf", [-INF]),
    ("inf in any case", "INF inf", [INF, INF]),
    ("Inf with a step", "Inf+1x2", [INF, INF, INF]),
    ("-Inf with a step", "-Inf+1x2", [-INF, -INF, -INF]),
    ("step overflow reaches Inf", "1e308+1e308x1", [1e308, INF]),
    ("tiny literal underflows to zero", "1e-400", [0.0]),
    ("tabs separate items", "1x2\t3", [1, 1, 1, 3]),
    ("surrounding space is ignored", " 1 ", [1]),
    ("signed item after a space is its own item", "1 +1x2", [1, 1, 1, 1]),
    ("repetition with leading zero", "1x01", [1, 1]),
    ("empty text is no samples", "", []),
    ("mixed", "1 1x2 1+1x2 _ stale", [1, 1, 1, 1, 1, 2, 3, None, STALE]),
]


def _same(got: list[Sample], expected: list[Sample | int]) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=True):
        if isinstance(a, float) and isinstance(b, int | float):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                return False
        elif a is not b:
            return False
    return True


@pytest.mark.parametrize(("case", "text", "expected"), VALID, ids=[case for case, _, _ in VALID])
def test_parse_values_expands_like_promtool(case: str, text: str, expected: list[Sample | int]) -> None:
    got = parse_values(text)
    assert _same(got, expected), f"{text!r}: got {got}, expected {expected}"


@pytest.mark.parametrize("text", ["NaN", "nan", "nAn", "-NaN", "+NaN", "NaN+1x2"])
def test_parse_values_reads_nan_in_any_case_and_sign(text: str) -> None:
    got = parse_values(text)
    assert got and all(isinstance(value, float) and math.isnan(value) for value in got)


INVALID = [
    ("comma separator", "1,2", "'1,2'", "commas"),
    ("space before x", "1 x3", "'x3'", "no spaces inside an item"),
    ("space after x", "1x 3", "'1x'", "no spaces inside an item"),
    ("spaced operator", "1 + 1x2", "'+'", "no spaces inside an item"),
    ("step without count", "1+1", "'1+1'", "a step needs a count"),
    ("stale cannot repeat", "stalex2", "'stalex2'", "cannot repeat"),
    ("stale is lower case", "STALE", "'STALE'", "lower-case item"),
    ("signed stale", "-stale", "'-stale'", "takes no sign"),
    ("upper-case X", "_X2", "'_X2'", "lower-case x"),
    ("blank then number", "_1", "'_1'", "'_xn'"),
    ("Infx2 is one word", "Infx2", "'Infx2'", "Inf+0x2"),
    ("NaNx2 is one word", "NaNx2", "'NaNx2'", "NaN+0x2"),
    ("fractional count", "1x2.5", "'1x2.5'", "whole decimal number"),
    ("exponent count", "1x1e2", "'1x1e2'", "whole decimal number"),
    ("negative count", "1x-1", "'1x-1'", "expected a number"),
    ("out of range", "1e400", "'1e400'", "outside the float64 range"),
    ("out of range step", "1+1e400x1", "'1+1e400x1'", "outside the float64 range"),
    ("double step", "1+1x3+1", "'1+1x3+1'", "expected a number"),
    ("double count", "1x3x2", "'1x3x2'", "expected a number"),
    ("digit separators", "1_000", "'1_000'", "expected a number"),
    ("hex is not a number here", "0x1f", "'0x1f'", "expected a number"),
    ("binary", "0b1", "'0b1'", "expected a number"),
    ("dangling exponent", "1e", "'1e'", "expected a number"),
    ("two dots", "1.5.5", "'1.5.5'", "expected a number"),
    ("lone dot", ".", "'.'", "expected a number"),
    ("word", "abc", "'abc'", "expected a number"),
    ("Infinity is not Inf", "Infinity", "'Infinity'", "expected a number"),
    ("step after blank", "_+1x2", "'_+1x2'", "no step"),
    ("blank as step", "1+_x2", "'1+_x2'", "expected a number"),
    ("Inf step", "1+Infx2", "'1+Infx2'", "expected a number"),
    ("bare x", "x", "'x'", "no spaces inside an item"),
    ("bare minus", "-", "'-'", "no spaces inside an item"),
]


@pytest.mark.parametrize(("case", "text", "token", "hint"), INVALID, ids=[case for case, *_ in INVALID])
def test_parse_values_rejects_what_promtool_rejects(case: str, text: str, token: str, hint: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_values(text, place="scenario.yaml:7")
    message = str(caught.value)
    assert message.startswith("scenario.yaml:7: "), message
    assert token in message, message
    assert "Hint: " in message and hint in message.split("Hint: ", 1)[1], message


def test_parse_values_rejects_newlines_with_a_hint() -> None:
    with pytest.raises(ScenarioError, match=r"several lines.*folded scalar"):
        parse_values("1 2\n3", place="f.yaml:1")


def test_parse_values_refuses_expansions_beyond_the_limit_before_allocating() -> None:
    with pytest.raises(ScenarioError, match=r"too many samples.*'1x99999999999'"):
        parse_values("1 1x99999999999", place="f.yaml:1")
    assert len(parse_values("1x9", max_samples=10)) == 10
    with pytest.raises(ScenarioError):
        parse_values("1x10", max_samples=10)


# --- generated notation: an item model rendered to text must expand as the model says ----------

_decimals = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
_literals = st.one_of(
    _decimals.map(lambda d: format(d, "f")),
    st.integers(-(10**6), 10**6).map(str),
    st.builds(lambda m, e: f"{m}e{e:+d}", st.integers(1, 9), st.integers(-5, 5)),
)
_specials = st.sampled_from(["Inf", "-Inf", "+Inf", "inf"])


@st.composite
def _items(draw: st.DrawFn) -> tuple[str, list[Sample]]:
    kind = draw(st.sampled_from(["value", "special", "repeat", "step", "blank", "blanks", "stale"]))
    count = draw(st.integers(0, 6))
    if kind == "blank":
        return "_", [None]
    if kind == "blanks":
        return f"_x{count}", [None] * count
    if kind == "stale":
        return "stale", [STALE]
    if kind == "special":
        text = draw(_specials)
        return text, [-math.inf if text.startswith("-") else math.inf]
    base = draw(_literals)
    if kind == "value":
        return base, [float(base)]
    if kind == "repeat":
        return f"{base}x{count}", [float(base)] * (count + 1)
    op = draw(st.sampled_from(["+", "-"]))
    step = draw(_literals.filter(lambda s: not s.startswith("-")))
    expected: list[Sample] = []
    current = float(base)
    for _ in range(count + 1):
        expected.append(current)
        current += float(step) if op == "+" else -float(step)
    return f"{base}{op}{step}x{count}", expected


@given(st.lists(_items(), max_size=8), st.sampled_from([" ", "  ", "\t"]))
def test_generated_notation_expands_as_its_items_say(items: list[tuple[str, list[Sample]]], sep: str) -> None:
    text = sep.join(item for item, _ in items)
    expected = [sample for _, samples in items for sample in samples]
    assert _same(parse_values(text), expected)  # type: ignore[arg-type]


_samples = st.lists(
    st.one_of(
        st.none(),
        st.just(STALE),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, 1.0, -1.0]),
    ),
    max_size=30,
)


@given(_samples)
def test_format_values_round_trips_through_parse_values(samples: list[Sample]) -> None:
    back = parse_values(format_values(samples))
    assert len(back) == len(samples)
    for got, want in zip(back, samples, strict=True):
        if isinstance(want, float):
            assert isinstance(got, float)
            assert (math.isnan(got) and math.isnan(want)) or (
                got == want and math.copysign(1, got) == math.copysign(1, want)
            )
        else:
            assert got is want


@given(st.text(alphabet="0123456789.eE+-x_ stalInfNa,", max_size=20))
def test_parse_values_only_ever_raises_scenario_error(text: str) -> None:
    try:
        parse_values(text, place="f.yaml:1")
    except ScenarioError as exc:
        assert "Hint: " in str(exc)


# --- series selectors --------------------------------------------------------------------------

SERIES = [
    ("name only", "up", ("up", {})),
    ("labels", 'x{a="b", c="d"}', ("x", {"a": "b", "c": "d"})),
    ("name as __name__", '{__name__="x", a="b"}', ("x", {"a": "b"})),
    ("escapes", r'x{a="q\"b\\c\nd"}', ("x", {"a": 'q"b\\c\nd'})),
    ("empty value dropped", 'x{a="", b="1"}', ("x", {"b": "1"})),
    ("colon in name", "job:rate5m", ("job:rate5m", {})),
    ("instance with port", 'n{instance="gpu-node-7:9100"}', ("n", {"instance": "gpu-node-7:9100"})),
]


@pytest.mark.parametrize(("case", "text", "expected"), SERIES, ids=[case for case, _, _ in SERIES])
def test_parse_series_reads_name_and_labels(
    case: str, text: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert parse_series(text) == expected


BAD_SERIES = [
    ("regex matcher", 'x{a=~"b"}', "other than '='"),
    ("negative matcher", 'x{a!="b"}', "other than '='"),
    ("expression", "sum(x)", "not a plain series selector"),
    ("range", "x[5m]", "not a plain series selector"),
    ("offset", "x offset 5m", "offset and @"),
    ("at", "x @ 100", "offset and @"),
    ("no name", '{a="b"}', "metric name"),
    ("bad __name__", '{__name__="1x"}', "metric name"),
    ("label twice", 'x{a="1", a="2"}', "given twice"),
    ("__name__ twice", '{__name__="a", __name__="b"}', "given twice"),
    ("name twice", 'x{__name__="y"}', "invalid series"),
    ("unclosed", "x{", "invalid series"),
    ("empty", "", "invalid series"),
]


@pytest.mark.parametrize(("case", "text", "fragment"), BAD_SERIES, ids=[case for case, _, _ in BAD_SERIES])
def test_parse_series_rejects_non_series_with_place_and_hint(case: str, text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_series(text, place="s.yaml:4")
    assert str(caught.value).startswith("s.yaml:4: ")
    assert fragment in str(caught.value)
    assert "Hint: " in str(caught.value)


_label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True).filter(lambda n: n != "__name__")


@given(
    st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True),
    st.dictionaries(_label_names, st.text(min_size=1, max_size=10), max_size=5),
)
def test_parse_series_round_trips_rendered_label_sets(name: str, labels: dict[str, str]) -> None:
    from validation.synthetic.textformat import escape_label_value

    pairs = ", ".join(f'{key}="{escape_label_value(value)}"' for key, value in labels.items())
    try:
        assert parse_series(f"{name}{{{pairs}}}") == (name, labels)
    except ScenarioError:
        # Keywords (sum, by, offset, ...) cannot be bare metric names; everything else must parse.
        assert name.lower() in _PROMQL_KEYWORDS or parse_series(f'{{__name__="{name}", {pairs}}}') == (
            name,
            labels,
        )


_PROMQL_KEYWORDS = {
    "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values",
    "quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
