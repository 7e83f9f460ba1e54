"""execute_dashboard: what is sent to Prometheus for each target, and how failures are reported."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_dashboards_fakes import FakePrometheus
from validation.clients.prometheus import QueryFailed
from validation.dashboards.datasources import Datasource
from validation.dashboards.execute import execute_dashboard
from validation.dashboards.loader import dashboard_from_json
from validation.dashboards.macros import TimeRange

pytestmark = pytest.mark.unit

PROM = Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")
LOKI = Datasource("Loki", "loki", "loki")
SPAN = TimeRange(1_700_000_000, 1_700_003_600)
SERIES = [{"__name__": "up", "job": "node", "node": n} for n in ("gpu-node-1", "gpu-node-2")]
VARIABLES = [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "node", "type": "query", "datasource": {"uid": "${datasource}"}, "query": "label_values(up, node)",
     "multi": True, "includeAll": True, "current": {"value": "$__all"}},
]  # fmt: skip


def _run(panels: list[dict[str, Any]], client: FakePrometheus | None = None, **kwargs: Any) -> list[Any]:
    dashboard = dashboard_from_json(
        {"uid": "d", "title": "t", "schemaVersion": 39, "panels": panels, "templating": {"list": VARIABLES}}
    )
    return execute_dashboard(dashboard, client or FakePrometheus(SERIES), SPAN, [PROM, LOKI], **kwargs)


def _panel(*targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": 1, "type": "timeseries", "title": "p", "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [{"refId": chr(65 + i), **t} for i, t in enumerate(targets)], **extra}  # fmt: skip


def test_range_target_is_sent_expanded_with_grafanas_step_and_aligned_range() -> None:
    client = FakePrometheus(SERIES)
    [result] = _run([_panel({"expr": 'rate(up{node=~"$node"}[$__rate_interval])'})], client)
    target = result.targets[0]
    assert target.expr == 'rate(up{node=~"(gpu-node-1|gpu-node-2)"}[1m0s])'
    assert client.queries == [("query_range", target.expr, (1_699_999_995.0, 1_700_003_595.0, 15.0))]
    assert (target.parse_ok, target.executed, target.series, target.samples, target.error) == (
        True,
        True,
        1,
        2,
        "",
    )
    assert result.has_data


def test_instant_target_is_an_instant_query_at_the_range_end() -> None:
    client = FakePrometheus(SERIES)
    _run([_panel({"expr": "up", "instant": True})], client)
    assert client.queries == [("query", "up", (1_700_003_600,))]


@pytest.mark.parametrize(
    ("target", "panel_extra", "expected_error"),
    [
        ({"expr": "rate(up[5m]"}, {}, "PromQL does not parse"),
        ({"expr": 'up{job="$nope"}'}, {}, "undefined variable(s) $nope"),
        ({"expr": "  "}, {}, "empty query"),
        ({"expr": "up", "interval": "fast"}, {}, "interval"),
        ({"expr": "up"}, {"datasource": {"uid": "missing"}}, "not provisioned"),
        ({"expr": "bad_data_here"}, {}, "Prometheus rejected the query: bad_data: nope"),
    ],
    ids=["parse error", "undefined variable", "empty expression", "invalid min step", "unknown datasource",
         "Prometheus error"],
)  # fmt: skip
def test_failures_are_reported_per_target_without_raising(
    target: dict[str, Any], panel_extra: dict[str, Any], expected_error: str
) -> None:
    client = FakePrometheus(SERIES, results={"bad_data_here": QueryFailed("bad_data: nope")})
    [result] = _run([_panel(target, **panel_extra)], client)
    assert expected_error in result.targets[0].error
    assert not result.has_data


@pytest.mark.parametrize(
    ("panel", "reason"),
    [
        (_panel({"expr": "up", "hide": True}), "hidden"),
        (_panel({"expr": "{app=\"x\"}"}, datasource={"uid": "loki"}), "not prometheus"),
        (_panel({"expr": "up", "datasource": {"uid": "loki"}}, datasource={"uid": "-- Mixed --"}), "not prometheus"),
    ],
    ids=["hidden target", "other datasource type", "mixed panel target of another type"],
)  # fmt: skip
def test_targets_stackcheck_does_not_run_are_skipped_with_the_reason(
    panel: dict[str, Any], reason: str
) -> None:
    client = FakePrometheus(SERIES)
    [result] = _run([panel], client)
    assert reason in result.targets[0].skipped
    assert client.queries == []


def test_empty_result_is_executed_but_has_no_data() -> None:
    client = FakePrometheus(SERIES, results={"absent": {"resultType": "matrix", "result": []}})
    [result] = _run([_panel({"expr": "absent"})], client)
    assert (result.targets[0].executed, result.has_data) == (True, False)


def test_nested_panels_of_collapsed_rows_are_executed() -> None:
    row = {"id": 10, "type": "row", "title": "r", "collapsed": True, "panels": [_panel({"expr": "up"})]}
    results = _run([row])
    assert [(r.title, r.row, r.has_data) for r in results] == [("p", "r", True)]


def test_repeated_panel_runs_once_per_selected_value_with_the_value_in_title_and_id() -> None:
    client = FakePrometheus(SERIES)
    results = _run([_panel({"expr": 'up{node="$node"}'}, repeat="node", title="Node $node")], client)
    assert [(r.title, r.check_id) for r in results] == [
        ("Node gpu-node-1", "dashboards/d/1/gpu-node-1"),
        ("Node gpu-node-2", "dashboards/d/1/gpu-node-2"),
    ]
    assert [q[1] for q in client.queries] == ['up{node="gpu-node-1"}', 'up{node="gpu-node-2"}']


def test_library_panel_is_reported_skipped_not_run() -> None:
    [result] = _run([{"id": 3, "title": "lib", "libraryPanel": {"uid": "L"}}])
    assert "library panel" in result.skipped
    assert result.targets == []


def test_overrides_select_variable_values_like_url_parameters() -> None:
    client = FakePrometheus(SERIES)
    _run([_panel({"expr": 'up{node=~"$node"}'})], client, overrides={"node": ["gpu-node-2"]})
    assert client.queries[0][1] == 'up{node=~"gpu-node-2"}'


def test_max_data_points_of_the_panel_changes_the_step() -> None:
    client = FakePrometheus(SERIES)
    _run([_panel({"expr": "up"}, maxDataPoints=60)], client)
    assert client.queries[0][2][2] == 60.0
