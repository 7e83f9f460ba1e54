"""Loading dashboard JSON: errors with positions, old and new schemas, rows, library panels, ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validation.core.errors import ConfigError, HarnessError
from validation.dashboards.loader import load_dashboard, parse_dashboard
from validation.dashboards.model import Threshold

pytestmark = pytest.mark.unit


def _text(**fields: object) -> str:
    return json.dumps({"title": "t", "uid": "u", "schemaVersion": 39, **fields})


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('{"title": "t",\n "panels": [1,]}', "x.json:2:15"),
        ('{"title": "t"', "x.json:1:14"),
        ("", "x.json:1:1"),
    ],
    ids=["trailing comma names line and column", "unclosed object", "empty file"],
)
def test_invalid_json_is_a_config_error_naming_file_line_and_column(text: str, position: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dashboard(text, source="x.json")
    assert caught.value.place == position
    assert "not valid JSON" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    ["[]", '"dashboard"', '{"groups": []}', '{"title": "only a title"}'],
    ids=["a list", "a string", "a rule file", "an object without panels, rows or schemaVersion"],
)
def test_json_that_is_not_a_dashboard_is_rejected_with_a_hint(text: str) -> None:
    with pytest.raises(ConfigError, match="not a Grafana dashboard"):
        parse_dashboard(text, source="x.json")


def test_missing_file_is_a_harness_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="not found"):
        load_dashboard(tmp_path / "absent.json")


def test_api_export_wrapper_is_unwrapped() -> None:
    wrapped = json.dumps({"meta": {}, "dashboard": json.loads(_text(panels=[]))})
    assert parse_dashboard(wrapped).uid == "u"


def test_new_schema_target_fields_are_read() -> None:
    panel = {
        "id": 1, "type": "timeseries", "title": "CPU", "interval": "30s", "maxDataPoints": 500,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{node}}", "interval": "1m",
                     "instant": True, "range": False, "intervalFactor": 2}],
        "fieldConfig": {"defaults": {"unit": "percentunit", "thresholds": {"mode": "absolute", "steps": [
            {"color": "green", "value": None}, {"color": "red", "value": 0.9}]},
            "links": [{"title": "runbook", "url": "https://x/NodeHighCPU.md"}]}},
    }  # fmt: skip
    dashboard = parse_dashboard(_text(panels=[panel]))
    loaded = dashboard.panels[0]
    target = loaded.targets[0]
    assert (target.ref_id, target.expr, target.legend_format, target.interval) == (
        "A",
        "up",
        "{{node}}",
        "1m",
    )
    assert (target.instant, target.range, target.interval_factor) == (True, False, 2)
    assert (loaded.unit, loaded.max_data_points, loaded.interval) == ("percentunit", 500, "30s")
    assert loaded.thresholds == [Threshold(None, "green"), Threshold(0.9, "red")]
    assert [link.url for link in loaded.links] == ["https://x/NodeHighCPU.md"]


@pytest.mark.parametrize(
    ("target", "instant", "is_range"),
    [({}, False, True), ({"instant": True}, True, False), ({"instant": True, "range": True}, True, True)],
    ids=["no flags means range", "instant only", "both"],
)
def test_range_and_instant_flags_default_like_grafana(
    target: dict[str, object], instant: bool, is_range: bool
) -> None:
    panel = {"id": 1, "type": "stat", "title": "p", "targets": [{"refId": "A", "expr": "up", **target}]}
    loaded = parse_dashboard(_text(panels=[panel])).panels[0].targets[0]
    assert (loaded.instant, loaded.range) == (instant, is_range)


def test_collapsed_row_panels_are_nested_and_named_after_their_row() -> None:
    panels = [
        {"id": 1, "type": "row", "title": "CPU", "collapsed": False, "panels": []},
        {"id": 2, "type": "timeseries", "title": "cpu", "targets": [{"expr": "a"}]},
        {"id": 3, "type": "row", "title": "More", "collapsed": True,
         "panels": [{"id": 4, "type": "timeseries", "title": "hidden", "targets": [{"expr": "b"}]}]},
    ]  # fmt: skip
    dashboard = parse_dashboard(_text(panels=panels))
    assert [(p.title, p.row, p.collapsed) for p in dashboard.query_panels()] == [
        ("cpu", "CPU", False),
        ("hidden", "More", True),
    ]
    assert [p.title for p in dashboard.panels if p.is_row] == ["CPU", "More"]


def test_old_schema_rows_become_row_panels_followed_by_their_panels() -> None:
    old = {
        "title": "old", "schemaVersion": 14,
        "rows": [
            {"title": "R1", "collapse": False, "panels": [
                {"id": 1, "type": "graph", "title": "g", "datasource": "Prometheus", "span": 6,
                 "yaxes": [{"format": "bytes"}, {"format": "short"}],
                 "thresholds": [{"value": 80, "op": "gt", "colorMode": "critical"}],
                 "targets": [{"expr": "node_memory_MemAvailable_bytes", "refId": "A"}]}]},
            {"title": "R2", "collapse": True, "panels": [
                {"id": 2, "type": "singlestat", "title": "s", "format": "percent", "thresholds": "80,90",
                 "targets": [{"expr": "up"}]}]},
        ],
    }  # fmt: skip
    dashboard = parse_dashboard(json.dumps(old))
    graph, stat = dashboard.query_panels()
    assert (graph.row, graph.unit, graph.datasource, graph.grid_width) == ("R1", "bytes", "Prometheus", 12)
    assert graph.thresholds == [Threshold(80.0, "critical")]
    assert (stat.row, stat.collapsed, stat.unit) == ("R2", True, "percent")
    assert [t.value for t in stat.thresholds] == [None, 80.0, 90.0]
    assert stat.targets[0].ref_id == "A"


def test_library_panels_are_reported_as_unsupported_references() -> None:
    panels = [{"id": 1, "title": "shared", "libraryPanel": {"uid": "lib-1", "name": "Shared CPU"}}]
    dashboard = parse_dashboard(_text(panels=panels))
    assert [(p.kind, p.panel) for p in dashboard.problems] == [("library-panel", "shared")]
    assert dashboard.panels[0].library_panel == "lib-1"


def test_duplicate_panel_ids_are_detected_across_nested_rows() -> None:
    panels = [
        {"id": 7, "type": "stat", "title": "a", "targets": [{"expr": "up"}]},
        {"id": 8, "type": "row", "title": "r", "collapsed": True,
         "panels": [{"id": 7, "type": "stat", "title": "b", "targets": [{"expr": "up"}]}]},
    ]  # fmt: skip
    problems = parse_dashboard(_text(panels=panels)).problems
    assert [(p.kind, p.panel) for p in problems] == [("duplicate-id", "a, b")]


def test_a_query_panel_without_targets_is_reported() -> None:
    panels = [{"id": 1, "type": "timeseries", "title": "empty"}, {"id": 2, "type": "text", "title": "note"}]
    problems = parse_dashboard(_text(panels=panels)).problems
    assert [(p.kind, p.panel) for p in problems] == [("no-targets", "empty")]


def test_variables_are_normalised() -> None:
    variables = [
        {"name": "node", "type": "query", "query": {"query": "label_values(up, node)"}, "multi": True,
         "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "sort": 3},
        {"name": "interval", "type": "interval", "query": "1m,5m", "current": {"value": "1m"}},
    ]  # fmt: skip
    node, interval = parse_dashboard(_text(panels=[], templating={"list": variables})).variables
    assert (node.multi, node.include_all, node.all_value, node.current, node.sort) == (
        True,
        True,
        ".*",
        ["$__all"],
        3,
    )
    assert (interval.type, interval.query, interval.current) == ("interval", "1m,5m", ["1m"])
