"""PromQL compression: each rewrite, what is refused, and a printer that keeps every expression intact."""

from __future__ import annotations

import promql_parser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.core.errors import ConfigError
from validation.timescale.durations import TimeScale
from validation.timescale.promql import (
    compress_promql,
    compress_promql_noted,
    format_number,
    format_promql,
    uncompressible_reasons,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("expr", "k", "expected"),
    [
        ("x[5m]", 60, "x[5s]"),
        ("x offset 1h", 60, "x offset 1m"),
        ("x offset -10m", 60, "x offset -10s"),
        ("x[5m:1m]", 60, "x[5s:1s]"),
        ("x[5m:]", 60, "x[5s:]"),
        ("x[30m:15s] offset 1h", 60, "x[30s:250ms] offset 1m"),
        ("rate(x[5m])", 60, "(rate(x[5s]) / 60)"),
        ("irate(x[1m])", 60, "(irate(x[1s]) / 60)"),
        ("deriv(x[10m])", 60, "(deriv(x[10s]) / 60)"),
        ("rate(x[5m])", 7.5, "(rate(x[40s]) / 7.5)"),
        ("increase(x[1h])", 60, "increase(x[1m])"),
        ("delta(x[1h])", 60, "delta(x[1m])"),
        ("idelta(x[1h])", 60, "idelta(x[1m])"),
        ("changes(x[1h])", 60, "changes(x[1m])"),
        ("resets(x[1h])", 60, "resets(x[1m])"),
        ("avg_over_time(x[1h])", 60, "avg_over_time(x[1m])"),
        ("quantile_over_time(0.9, x[1h])", 60, "quantile_over_time(0.9, x[1m])"),
        ("absent_over_time(x[1h])", 60, "absent_over_time(x[1m])"),
        ("present_over_time(x[1h])", 60, "present_over_time(x[1m])"),
        ("last_over_time(x[1h])", 60, "last_over_time(x[1m])"),
        ("holt_winters(x[1h], 0.3, 0.3)", 60, "holt_winters(x[1m], 0.3, 0.3)"),
        ("predict_linear(x[6h], 86400)", 60, "predict_linear(x[6m], 1440)"),
        ("predict_linear(x[6h], 4 * 3600)", 60, "predict_linear(x[6m], (4 * 3600) / 60)"),
        ("predict_linear(x[1h], 100)", 8, "predict_linear(x[7m30s], 12.5)"),
        (
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))",
            60,
            "histogram_quantile(0.99, sum by (le) ((rate(x_bucket[5s]) / 60)))",
        ),
        ("max_over_time(rate(x[2m])[1h:1m])", 60, "max_over_time((rate(x[2s]) / 60)[1m:1s])"),
        ("x > 300", 60, "x > 300"),  # numbers are not durations
        ("x @ start()", 60, "x @ start()"),
        ("rate(x[5m])", 1, "rate(x[5m])"),  # K=1 is the identity
        ("x[1m] offset 1h @ end()", 60, "x[1s] offset 1m @ end()"),
    ],
)
def test_compress_rewrites(expr: str, k: float, expected: str) -> None:
    assert compress_promql(expr, k) == expected


def test_rewrite_keeps_labels_strings_and_modifiers() -> None:
    expr = (
        'sum by (node) (rate(x{job=~"a|b",path="/\\"q\\"\\n"}[5m])) / on (node) group_left (team) '
        'label_replace(y, "t", "$1", "node", "(.*)\\\\.cluster")'
    )
    assert compress_promql(expr, 60) == (
        'sum by (node) ((rate(x{job=~"a|b",path="/\\"q\\"\\n"}[5s]) / 60)) / on (node) group_left (team) '
        'label_replace(y, "t", "$1", "node", "(.*)\\\\.cluster")'
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (r"x{path=~`/api/\d+`}", r'x{path=~"/api/\\d+"}'),
        (r'label_replace(x, "a", "$1", "b", `(.*)\.x`)', r'label_replace(x, "a", "$1", "b", "(.*)\\.x")'),
        ('x{a="`"} # `not a string`\n+ y{b=`"`}', 'x{a="`"} + y{b="\\""}'),
    ],
)
def test_backtick_strings_stay_raw(expr: str, expected: str) -> None:
    assert format_promql(expr) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (31.0, "31"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1e-9, "1e-09"),
        (0.5, "0.5"),
        (1.5e300, "1.5e+300"),
        (float("inf"), "Inf"),
        (float("-inf"), "-Inf"),
        (float("nan"), "NaN"),
        (123456789012345678.0, "1.2345678901234568e+17"),
    ],
)
def test_numbers_print_as_promql_reads_them_back(value: float, text: str) -> None:
    assert format_number(value) == text


def test_inexact_durations_are_noted() -> None:
    scale = TimeScale(60)
    assert compress_promql_noted("rate(x[10s])", scale) == "(rate(x[167ms]) / 60)"
    assert any("rounded to 167ms" in note for note in scale.notes)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("time() - x > 3600", "time()"),
        ("vector(time())", "time()"),
        ("timestamp(x)", "timestamp()"),
        ("hour() > 8", "hour()"),
        ("day_of_week()", "day_of_week()"),
        ("days_in_month()", "days_in_month()"),
        ("x @ 1700000000", "@ 1700000000.000"),
        ("rate(x[5m] @ 1700000000)", "@ 1700000000.000"),
        ("ALERTS_FOR_STATE > 0", "ALERTS_FOR_STATE"),
        ('{__name__="ALERTS_FOR_STATE"}', "ALERTS_FOR_STATE"),
    ],
)
def test_uncompressible_expressions_are_detected(expr: str, reason: str) -> None:
    reasons = uncompressible_reasons(expr)
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    "expr",
    ["rate(x[5m])", "hour(x)", "x @ start()", "predict_linear(x[1h], 3600)", "ALERTS", "absent(x)"],
)
def test_compressible_expressions_have_no_reasons(expr: str) -> None:
    assert uncompressible_reasons(expr) == []


def test_unparsable_expression_is_a_config_error_with_place() -> None:
    with pytest.raises(ConfigError, match=r"^rules.yml:7: PromQL does not parse"):
        compress_promql("rate(x[5m]", 60, place="rules.yml:7")


# --- the printer: format_promql must reproduce the same tree for any expression ---------------

_names = st.sampled_from(["x", "node_cpu_seconds_total", "up", "sum_x", "ALERTS"])
_label_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=6)
_durations = st.sampled_from(["1s", "30s", "1m", "5m", "1h30m", "1d", "2w", "1m30s"])


@st.composite
def _selectors(draw: st.DrawFn) -> str:
    name = draw(_names)
    labels = draw(
        st.lists(
            st.tuples(st.sampled_from(["job", "a", "le"]), _label_values),
            max_size=2,
            unique_by=lambda t: t[0],
        )
    )
    ops = draw(st.lists(st.sampled_from(["=", "!=", "=~", "!~"]), min_size=len(labels), max_size=len(labels)))
    body = ",".join(f'{k}{op}"{_escape(_safe(v, op))}"' for (k, v), op in zip(labels, ops, strict=True))
    return f"{name}{{{body}}}" if body else name


def _safe(value: str, op: str) -> str:
    return value if "~" not in op else "".join(c for c in value if c.isalnum()) + "|.*"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _with_modifiers(draw: st.DrawFn, text: str) -> str:
    if draw(st.booleans()):
        text += f" offset {draw(st.sampled_from(['', '-']))}{draw(_durations)}"
    if draw(st.booleans()):
        text += draw(st.sampled_from([" @ start()", " @ end()", " @ 1700000000"]))
    return text


@st.composite
def _exprs(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0:
        return _with_modifiers(draw, draw(_selectors()))
    choice = draw(st.integers(0, 7))
    inner = draw(_exprs(depth - 1))
    if choice == 0:
        rng = _with_modifiers(draw, f"{draw(_selectors())}[{draw(_durations)}]")
        return f"{draw(st.sampled_from(['rate', 'increase', 'avg_over_time', 'deriv']))}({rng})"
    if choice == 1:
        return f"{draw(st.sampled_from(['sum', 'max']))} {draw(st.sampled_from(['by', 'without']))} (a, job) ({inner})"
    if choice == 2:
        op = draw(
            st.sampled_from(["+", "-", "*", "/", "^", "%", "and", "or", "unless", "> bool", "atan2", "=="])
        )
        match = draw(st.sampled_from(["", " on (a)", " ignoring (job)", " on ()"]))
        return f"{inner} {op}{match} {draw(_exprs(depth - 1))}"
    if choice == 3:
        return f"({inner})"
    if choice == 4:
        return f"-{inner}"
    if choice == 5:
        return f"{draw(st.sampled_from(['topk', 'quantile']))}(0.5, {inner})"
    if choice == 6:
        step = draw(st.sampled_from(["", "10s", "1m"]))
        return f"max_over_time({_with_modifiers(draw, f'({inner})[{draw(_durations)}:{step}]')})"
    number = draw(st.floats(allow_nan=False, allow_infinity=True, width=64))
    return f"({inner} * {number!r})".replace("inf", "Inf")


_FIELDS = {
    "VectorSelector": ("name", "matchers", "offset", "at"),
    "MatrixSelector": ("vector_selector", "range"),
    "SubqueryExpr": ("expr", "range", "step", "offset", "at"),
    "Call": ("func", "args"),
    "AggregateExpr": ("op", "modifier", "param", "expr"),
    "BinaryExpr": ("op", "lhs", "modifier", "rhs"),
    "BinModifier": ("card", "matching", "return_bool", "group_labels"),
    "UnaryExpr": ("expr",),
    "ParenExpr": ("expr",),
    "NumberLiteral": ("val",),
    "StringLiteral": ("val",),
    "Matchers": ("matchers", "or_matchers"),
    "Matcher": ("op", "name", "value"),
    "AggModifier": ("type", "labels"),
    "LabelModifier": ("type", "labels"),
    "AtModifier": ("type", "at"),
    "Function": ("name",),
}


def _fingerprint(node: object) -> object:
    """The parsed tree as plain data, field by field: equal fingerprints, equal trees."""
    if isinstance(node, list):
        return [_fingerprint(n) for n in node]
    if type(node).__name__ == "TokenType":
        return str(node)
    fields = _FIELDS.get(type(node).__name__)
    if fields is None:
        return repr(node) if not isinstance(node, float) or node == node else "NaN"
    return (type(node).__name__, [_fingerprint(getattr(node, f)) for f in fields])


@settings(max_examples=300, deadline=None)
@given(_exprs())
def test_printer_reproduces_the_tree(expr: str) -> None:
    printed = format_promql(expr)
    assert _fingerprint(promql_parser.parse(printed)) == _fingerprint(promql_parser.parse(expr))
    assert format_promql(printed) == printed


@settings(max_examples=200, deadline=None)
@given(_exprs(), st.sampled_from([2, 60, 7.5]))
def test_compressed_expression_parses_and_k1_is_identity(expr: str, k: float) -> None:
    assert promql_parser.parse(compress_promql(expr, k)) is not None
    assert compress_promql(expr, 1) == format_promql(expr)
