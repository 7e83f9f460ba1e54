"""Variable expansion exactly like Grafana's templateSrv and the Prometheus datasource."""

from __future__ import annotations

import re

import promql_parser
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from validation.dashboards.formats import format_value, prometheus_format, regex_escape
from validation.dashboards.interpolate import ALL, VariableValue, interpolate, references

pytestmark = pytest.mark.unit

SINGLE = VariableValue("job", ["node"])
MULTI = VariableValue("node", ["a.1", "b"], multi=True, include_all=True, all_values=["a.1", "b", "c"])
ONE_OF_MULTI = VariableValue("one", ["a.1"], multi=True)
ALL_NO_CUSTOM = VariableValue("gpu", [ALL], multi=True, include_all=True, all_values=["0", "1"])
ALL_CUSTOM = VariableValue("team", [ALL], multi=True, include_all=True, all_value=".*", all_values=["x"])
ALL_CUSTOM_REF = VariableValue(
    "chain", [ALL], multi=True, include_all=True, all_value="$job-.*", all_values=[]
)
QUOTED = VariableValue("q", ["it's\\here"])
VARS = {v.name: v for v in [SINGLE, MULTI, ONE_OF_MULTI, ALL_NO_CUSTOM, ALL_CUSTOM, ALL_CUSTOM_REF, QUOTED]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('up{job="$job"}', 'up{job="node"}'),
        ('up{job="${job}"}', 'up{job="node"}'),
        ('up{job="[[job]]"}', 'up{job="node"}'),
        ('up{node=~"$node"}', 'up{node=~"(a\\\\.1|b)"}'),
        ('up{node=~"$one"}', 'up{node=~"a\\\\.1"}'),
        ('up{gpu=~"$gpu"}', 'up{gpu=~"(0|1)"}'),
        ('up{team=~"$team"}', 'up{team=~".*"}'),
        ('up{c=~"$chain"}', 'up{c=~"node-.*"}'),
        ("${node:regex}", "(a\\.1|b)"),
        ("${node:pipe}", "a.1|b"),
        ("${node:csv}", "a.1,b"),
        ("${node:raw}", "a.1,b"),
        ("${node:json}", '["a.1","b"]'),
        ("${node:glob}", "{a.1,b}"),
        ("${node:singlequote}", "'a.1','b'"),
        ("${node:doublequote}", '"a.1","b"'),
        ("${node:sqlstring}", "'a.1','b'"),
        ("${node:lucene}", '("a.1" OR "b")'),
        ("${node:percentencode}", "%7Ba.1%2Cb%7D"),
        ("${node:queryparam}", "var-node=a.1&var-node=b"),
        ("${node:distributed}", "a.1,node=b"),
        ("${node:text}", "a.1 + b"),
        ("[[node:csv]]", "a.1,b"),
        ("${gpu:csv}", "0,1"),
        ("${team:csv}", ".*"),
        ("${team:text}", "All"),
        ("${job:regex}", "node"),
        ("$q", "it\\\\'s\\\\here"),
        ("$jobs $job", "$jobs node"),
        ("$__interval $__rate_interval ${__range}", "$__interval $__rate_interval ${__range}"),
        ("${__from} ${__to:date:seconds} ${__from:date}", "1700000000000 1700003600 2023-11-14T22:13:20.000Z"),
    ],
    ids=[
        "$var", "${var}", "[[var]]", "multi value becomes an escaped alternation", "multi with one value is bare",
        "All without allValue is every option", "All with allValue is it, unformatted",
        "allValue is itself interpolated", "regex format escapes once", "pipe", "csv", "raw", "json", "glob",
        "singlequote", "doublequote", "sqlstring", "lucene", "percentencode", "queryparam", "distributed", "text",
        "[[var:format]]", "All with csv lists options", "custom allValue ignores format", "text of All",
        "single value regex", "single value escapes backslash and quote", "unknown variable stays as written",
        "macros pass through to the backend", "time macros",
    ],
)  # fmt: skip
def test_interpolation(text: str, expected: str) -> None:
    assert interpolate(text, VARS, time_range=(1_700_000_000, 1_700_003_600)).text == expected


def test_unknown_variables_and_formats_are_reported() -> None:
    result = interpolate("$nope ${job:bogus}", VARS)
    assert result.unresolved == ["nope"]
    assert result.text == "$nope node"
    assert result.problems and "bogus" in result.problems[0]


def test_references_list_each_variable_once_in_order() -> None:
    assert references('x{a="$b", c=~"${d:regex}"} [[b]] $__interval') == ["b", "d", "__interval"]


def _matcher_regex(fragment: str) -> str:
    """What RE2 receives: the PromQL string literal unescaped (by the real PromQL parser)."""
    ast = promql_parser.parse(f'x{{l=~"{fragment}"}}')
    return next(m.value for m in ast.matchers.matchers if m.name == "l")


# Grafana does not escape " (it ends the PromQL string literal: see the next test); control
# characters are not label text. Everything else, backslash and ' included, must round-trip.
_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"'), max_size=12
)


@given(st.lists(_VALUE, min_size=1, max_size=5, unique=True), _VALUE)
def test_prometheus_multi_value_regex_matches_exactly_the_chosen_values(
    values: list[str], other: str
) -> None:
    fragment = prometheus_format(values, multi=True, include_all=False)
    pattern = re.compile(_matcher_regex(fragment))  # Python re as a proxy for RE2 (anchored by fullmatch)
    assert all(pattern.fullmatch(v) for v in values)
    assume(other not in values)
    assert not pattern.fullmatch(other)


@given(st.lists(_VALUE, min_size=1, max_size=5, unique=True), _VALUE)
def test_regex_format_matches_exactly_the_chosen_values(values: list[str], other: str) -> None:
    formatted, known = format_value(values, "regex")
    pattern = re.compile(formatted)
    assert known
    assert all(pattern.fullmatch(v) for v in values)
    assume(other not in values)
    assert not pattern.fullmatch(other)


def test_a_double_quote_in_a_value_breaks_the_query_as_in_grafana() -> None:
    fragment = prometheus_format(['say "hi"', "b"], multi=True, include_all=False)
    with pytest.raises(ValueError):
        promql_parser.parse(f'x{{l=~"{fragment}"}}')


def test_regex_escape_covers_every_special_character() -> None:
    specials = "\\^$*+?.()|[]{}/"
    assert re.fullmatch(regex_escape(specials), specials)
