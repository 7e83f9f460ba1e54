"""Variable resolution: every variable type, Prometheus query functions, regex, sort, chains."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_dashboards_fakes import FakePrometheus
from validation.core.errors import ConfigError
from validation.dashboards.datasources import Datasource
from validation.dashboards.interpolate import ALL
from validation.dashboards.loader import dashboard_from_json
from validation.dashboards.macros import TimeRange
from validation.dashboards.variables import (
    VariableError,
    dependency_order,
    filter_options,
    resolve_variables,
    run_variable_query,
    sort_options,
)

pytestmark = pytest.mark.unit

PROM = Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")
THANOS = Datasource("Thanos", "thanos", "prometheus")
LOKI = Datasource("Loki", "loki", "loki")
SERIES = [
    {"__name__": "up", "job": "node", "node": "gpu-node-1", "instance": "gpu-node-1:9100"},
    {"__name__": "up", "job": "node", "node": "gpu-node-2", "instance": "gpu-node-2:9100"},
    {"__name__": "up", "job": "dcgm", "node": "gpu-node-1", "instance": "gpu-node-1:9400"},
    {"__name__": "node_load1", "job": "node", "node": "gpu-node-10"},
]
SPAN = TimeRange(1_700_000_000, 1_700_003_600)


def _resolve(
    variables: list[dict[str, Any]], overrides: dict[str, list[str]] | None = None, client: Any = None
) -> dict[str, Any]:
    dashboard = dashboard_from_json(
        {"title": "t", "schemaVersion": 39, "panels": [], "templating": {"list": variables}}
    )
    values = resolve_variables(
        dashboard, client or FakePrometheus(SERIES), SPAN, [PROM, THANOS, LOKI], overrides
    )
    return {name: (v.values, v.all_values) for name, v in values.items()}


def _query(name: str, query: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "query", "datasource": {"type": "prometheus", "uid": "${ds}"},
            "query": {"query": query, "refId": "A"}, **extra}  # fmt: skip


DS = {"name": "ds", "type": "datasource", "query": "prometheus", "current": {"value": "prometheus"}}


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("label_values(job)", ["dcgm", "node"]),
        ("label_values(up, node)", ["gpu-node-1", "gpu-node-2"]),
        ('label_values(up{job="dcgm"}, instance)', ["gpu-node-1:9400"]),
        ("metrics(^up$)", ["up"]),
        ("metrics(load)", ["node_load1"]),
        ("label_names()", ["__name__", "instance", "job", "node"]),
        ('label_names(up{job="dcgm"})', ["__name__", "instance", "job", "node"]),
        ('up{job="dcgm"}', ['up{job="dcgm", node="gpu-node-1", instance="gpu-node-1:9400"}']),
    ],
    ids=["label_values(label)", "label_values(metric, label)", "label_values(selector, label)",
         "metrics(regex)", "metrics is an unanchored search", "label_names()", "label_names(match)",
         "any other query lists series"],
)  # fmt: skip
def test_prometheus_variable_query_functions(query: str, options: list[str]) -> None:
    assert run_variable_query(query, FakePrometheus(SERIES), SPAN, place="t") == options


def test_query_result_formats_like_grafana() -> None:
    client = FakePrometheus(results={"sum by (job) (up)": {"resultType": "vector", "result": [
        {"metric": {"job": "node"}, "value": [1_700_000_000, "2"]}]}})  # fmt: skip
    assert run_variable_query("query_result(sum by (job) (up))", client, SPAN, place="t") == [
        '{job="node"} 2 1700000000000'
    ]


@pytest.mark.parametrize(
    ("regex", "values", "expected"),
    [
        ("", ["a", "b", "a"], [("a", "a"), ("b", "b")]),
        ("gpu.*", ["gpu-1", "cpu-1", "xgpu"], [("gpu-1", "gpu-1")]),
        ("/gpu/", ["gpu-1", "cpu-1", "xgpu"], [("gpu-1", "gpu-1"), ("xgpu", "xgpu")]),
        ("/GPU/i", ["gpu-1"], [("gpu-1", "gpu-1")]),
        ("/(.*):9100/", ["gpu-node-1:9100", "x:9400"], [("gpu-node-1", "gpu-node-1")]),
        ("/(?<text>[^:]+):(?<value>\\d+)/", ["a:1", "b:2"], [("a", "1"), ("b", "2")]),
        ("/(\\d)/g", ["a1b2"], [("1", "1"), ("2", "2")]),
    ],
    ids=["no regex dedupes by value", "bare regex is anchored", "/regex/ searches", "flags", "first group is the value",
         "named groups text and value", "global flag yields every match"],
)  # fmt: skip
def test_variable_regex_filters_and_extracts(
    regex: str, values: list[str], expected: list[tuple[str, str]]
) -> None:
    assert filter_options(values, regex) == expected


def test_invalid_variable_regex_is_a_config_error() -> None:
    with pytest.raises(VariableError, match="invalid regex"):
        filter_options(["a"], "/(/")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [(0, ["n10", "N2", "n1"]), (1, ["N2", "n1", "n10"]), (2, ["n10", "n1", "N2"]), (3, ["n1", "N2", "n10"]),
     (4, ["n10", "N2", "n1"]), (5, ["n1", "n10", "N2"]), (7, ["n1", "N2", "n10"]), (8, ["n10", "N2", "n1"])],
    ids=["disabled keeps order", "alphabetical", "alphabetical desc", "numerical", "numerical desc",
         "case-insensitive", "natural", "natural desc"],
)  # fmt: skip
def test_sort_orders(sort: int, expected: list[str]) -> None:
    options = [(t, t) for t in ["n10", "N2", "n1"]]
    assert [t for t, _ in sort_options(options, sort)] == expected


@pytest.mark.parametrize(
    ("variable", "overrides", "selected"),
    [
        ({"name": "v", "type": "custom", "query": "a,b\\,c,d : 4"}, None, ["a"]),
        ({"name": "v", "type": "custom", "query": "a,b", "current": {"value": "b"}}, None, ["b"]),
        ({"name": "v", "type": "custom", "query": "a,b", "current": {"value": "gone"}}, None, ["a"]),
        ({"name": "v", "type": "custom", "query": "a,b", "includeAll": True}, None, [ALL]),
        ({"name": "v", "type": "custom", "query": "a,b,c", "multi": True, "current": {"value": ["c", "x", "a"]}}, None, ["c", "a"]),
        ({"name": "v", "type": "custom", "query": "a,b", "current": {"value": "b"}}, {"v": ["a"]}, ["a"]),
        ({"name": "v", "type": "custom", "query": "a,b", "includeAll": True, "multi": True}, {"v": ["All"]}, [ALL]),
        ({"name": "v", "type": "custom", "query": "a,b"}, {"v": ["not-an-option"]}, ["not-an-option"]),
        ({"name": "v", "type": "custom", "query": "one : 1,two : 2", "current": {"value": "two"}}, None, ["2"]),
        ({"name": "v", "type": "constant", "query": "gpu"}, None, ["gpu"]),
        ({"name": "v", "type": "textbox", "query": "default", "current": {"value": "typed"}}, None, ["typed"]),
        ({"name": "v", "type": "textbox", "query": "default"}, {"v": ["url"]}, ["url"]),
        ({"name": "v", "type": "interval", "query": "1m,5m", "current": {"value": "5m"}}, None, ["5m"]),
        ({"name": "v", "type": "interval", "query": "1m,5m", "auto": True, "auto_count": 30, "auto_min": "10s",
          "current": {"value": "$__auto_interval_v"}}, None, ["2m"]),
        ({"name": "v", "type": "datasource", "query": "prometheus", "regex": "/Tha.*/"}, None, ["Thanos"]),
        ({"name": "v", "type": "datasource", "query": "prometheus", "current": {"value": "Prometheus"}}, None, ["Prometheus"]),
    ],
    ids=["custom: first option by default", "custom: saved current", "custom: stale current falls back to first",
         "custom: includeAll defaults to All", "multi keeps the still-valid saved values",
         "override wins", "override All", "override taken as given (URL)", "custom key : value pairs",
         "constant", "textbox keeps what was typed", "textbox from URL", "interval", "auto interval = range/count",
         "datasource filtered by regex", "datasource current by name"],
)  # fmt: skip
def test_selection(
    variable: dict[str, Any], overrides: dict[str, list[str]] | None, selected: list[str]
) -> None:
    assert _resolve([variable], overrides)["v"][0] == selected


def test_chained_variables_resolve_in_dependency_order_whatever_the_file_order() -> None:
    variables = [
        _query("node", 'label_values(up{job=~"$job"}, node)', multi=True, includeAll=True),
        _query("job", "label_values(up, job)", current={"value": "dcgm"}),
        DS,
    ]
    resolved = _resolve(variables)
    assert resolved["job"][0] == ["dcgm"]
    assert resolved["node"] == ([ALL], ["gpu-node-1"])


def test_chained_query_sees_the_upstream_multi_value_as_a_regex() -> None:
    client = FakePrometheus(SERIES)
    _resolve([DS, _query("job", "label_values(up, job)", multi=True, current={"value": ["node", "dcgm"]}),
              _query("inst", 'label_values(up{job=~"$job"}, instance)')], client=client)  # fmt: skip
    assert client.label_values("instance", 'up{job=~"(node|dcgm)"}') == [
        "gpu-node-1:9100", "gpu-node-1:9400", "gpu-node-2:9100"]  # fmt: skip


def test_query_variable_with_refresh_never_keeps_its_saved_options() -> None:
    variable = _query("v", "label_values(up, job)", refresh=0, options=[{"text": "saved", "value": "saved"}])
    assert _resolve([DS, variable])["v"] == (["saved"], ["saved"])


def test_variable_cycle_is_a_config_error_naming_the_cycle() -> None:
    dashboard = dashboard_from_json({"title": "t", "schemaVersion": 39, "panels": [], "templating": {"list": [
        _query("a", 'label_values(up{x="$b"}, a)'), _query("b", 'label_values(up{x="$a"}, b)')]}})  # fmt: skip
    with pytest.raises(VariableError, match="a -> b -> a"):
        dependency_order(dashboard.variables)


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ({"name": "v", "type": "query", "datasource": {"uid": "loki"}, "query": "x"}, "not supported"),
        ({"name": "v", "type": "query", "datasource": {"uid": "missing"}, "query": "x"}, "not provisioned"),
        ({"name": "v", "type": "weird"}, "unknown variable type"),
    ],
)
def test_unresolvable_variables_are_config_errors(variable: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _resolve([variable])
