"""The dashboard checks (validation/checks/dashboards_*.py) over the repository's dashboards and
broken copies, with a tiny in-process Prometheus that has data only for the metrics it is given."""

from __future__ import annotations

import base64
import copy
import io
import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import promql_parser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.checks.dashboards.data import DashboardDataCheck
from validation.checks.dashboards.datasources import DashboardDatasourcesCheck
from validation.checks.dashboards.file import DashboardFileCheck
from validation.checks.dashboards.grafana import GrafanaApiCheck
from validation.checks.dashboards.panel_ids import DashboardPanelIdsCheck
from validation.checks.dashboards.provisioning import DashboardProvisioningCheck
from validation.checks.dashboards.queries import DashboardQueriesCheck
from validation.checks.dashboards.thresholds import DashboardThresholdsCheck
from validation.checks.dashboards.units import DashboardUnitsCheck
from validation.checks.dashboards.variables import DashboardVariablesCheck
from validation.checks.security.grafana_users import GrafanaUsersCheck
from validation.commands.dashboards import dashboards_command, print_summary
from validation.core.errors import HarnessError, ScenarioError
from validation.core.project import Project
from validation.core.results import CheckResult, Report
from validation.dashboards.alert_thresholds import alert_thresholds, cross_check
from validation.dashboards.fixture import load_fixture, readiness_query
from validation.dashboards.grafana_api import NO_GRAFANA, locate, series_of_frames
from validation.dashboards.loader import parse_dashboard
from validation.dashboards.preview import format_value, layout, legend, render_session
from validation.dashboards.scaled import ScaledClient
from validation.dashboards.session import DashboardSession
from validation.dashboards.thresholds import metric_names

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "stack" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").rglob("*.json"))
RULES = sorted((REPO / "rules").glob("*.rules.yml"))
NODE_DETAIL = GRAFANA / "dashboards" / "Nodes" / "node-detail.json"
NODES = [f"gpu-node-{n}" for n in (1, 2)]


class DataPrometheus:
    """Series metadata from ``series``; a query returns one series per node exactly when every metric
    it selects is among the known series' names (so a renamed metric yields no data)."""

    def __init__(self, series: list[dict[str, str]]) -> None:
        self.all_series = series
        self.names = {s["__name__"] for s in series}
        self.calls: list[tuple[str, str, tuple[float, ...]]] = []

    def _matching(self, match: str) -> list[dict[str, str]]:
        ast = promql_parser.parse(match)
        name = getattr(ast, "name", None)
        return [s for s in self.all_series if name is None or s["__name__"] == name]

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return self._matching(match)

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        chosen = self._matching(match) if match else self.all_series
        return sorted({s[label] for s in chosen if label in s})

    def _has_data(self, expr: str) -> bool:
        names = metric_names(expr)
        return "vector(" in expr or (bool(names) and names <= self.names)

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        self.calls.append(("query", expr, (time,)))
        result = (
            [{"metric": {"node": n}, "value": [time, "0.5"]} for n in NODES] if self._has_data(expr) else []
        )
        return {"resultType": "vector", "result": result}

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        self.calls.append(("query_range", expr, (start, end, step)))
        values = [[start + i * step, str(0.5 + 0.01 * i)] for i in range(int((end - start) / step) + 1)]
        result = [{"metric": {"node": n, "job": "node"}, "values": values} for n in NODES]
        return {"resultType": "matrix", "result": result if self._has_data(expr) else []}


def _every_metric() -> list[dict[str, str]]:
    names: set[str] = set()
    for path in DASHBOARDS:
        dashboard = parse_dashboard(path.read_text(), source=str(path))
        for panel in dashboard.query_panels():
            for target in panel.targets:
                expr = target.expr.replace("$__rate_interval", "5m")
                names |= metric_names(expr)
    labels = {"job": "node", "instance": "i", "severity": "critical", "team": "infra", "gpu": "0"}
    extra = ["node_memory_MemTotal_bytes", "prometheus_build_info", "alertmanager_build_info", "ALERTS"]
    return [{"__name__": n, **labels, "node": node} for n in sorted(names | set(extra)) for node in NODES]


SERIES = _every_metric()


def _session(
    paths: list[Path], *, execute: bool = True, series: list[dict[str, str]] | None = None
) -> DashboardSession:
    session = DashboardSession.load(paths, GRAFANA / "provisioning" / "datasources")
    if execute:
        session.execute(DataPrometheus(SERIES if series is None else series), now=1.7e9)
    return session


def _broken(tmp_path: Path, change: Any, source: Path = NODE_DETAIL) -> Path:
    data = json.loads(source.read_text())
    change(data)
    path = tmp_path / source.name
    path.write_text(json.dumps(data))
    return path


def _panel(data: dict[str, Any], panel_id: int) -> dict[str, Any]:
    for panel in data["panels"]:
        if panel.get("id") == panel_id:
            return panel
        for nested in panel.get("panels") or []:
            if nested.get("id") == panel_id:
                return nested
    raise KeyError(panel_id)


def _by_status(report: Report, status: str) -> list[CheckResult]:
    return [c for c in report.checks if c.status == status]


# ------------------------------------------------------------------ the repository's dashboards


def test_every_reference_dashboard_passes_every_check_that_needs_no_grafana() -> None:
    session = _session(DASHBOARDS)
    report = Report()
    for check in (
        DashboardFileCheck(),
        DashboardDatasourcesCheck(),
        DashboardPanelIdsCheck(),
        DashboardUnitsCheck(),
        DashboardVariablesCheck(),
        DashboardQueriesCheck(),
        DashboardDataCheck(),
    ):
        check.evaluate(session, report)
    DashboardThresholdsCheck().evaluate(session, RULES, report)
    DashboardProvisioningCheck().evaluate(GRAFANA / "dashboards", GRAFANA / "provisioning", report)
    assert [(c.id, c.message) for c in _by_status(report, "failed")] == []
    panels = sum(len(d.query_panels()) for d in session.dashboards)
    assert report.coverage["panels"] == {"total": panels, "with_data": panels, "without_data": []}
    assert len([c for c in report.checks if "/threshold/" in c.id]) >= 10


# ------------------------------------------------------------------ file, datasources, ids, units


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"groups": []}', "not a Grafana dashboard"),
        ('{"panels": [}', "not valid JSON"),
        ("[1, 2]", "not a Grafana dashboard"),
    ],
    ids=["alert rules export", "broken JSON", "a list"],
)
def test_a_file_that_is_not_a_dashboard_fails_with_a_clear_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "thing.json"
    path.write_text(text)
    report = Report()
    DashboardFileCheck().evaluate(_session([path], execute=False), report)
    (check,) = report.checks
    assert (check.id, check.status) == ("dashboards/thing/file", "failed")
    assert message in check.message and str(path) in check.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _panel(d, 6)["targets"][0].__setitem__("datasource", {"type": "prometheus", "uid": "nope"}),
         "datasource 'nope' is not provisioned"),
        (lambda d: _panel(d, 2)["targets"][0].__setitem__("datasource", {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}),
         "datasource variable $DS_PROMETHEUS is not defined"),
        (lambda d: _panel(d, 6).__setitem__("datasource", {"type": "prometheus", "uid": "gone"}),
         "datasource 'gone' is not provisioned"),
    ],
    ids=["unknown uid", "export placeholder", "panel uid while targets use ${datasource}"],
)  # fmt: skip
def test_an_unresolvable_datasource_fails_naming_dashboard_and_panel(
    tmp_path: Path, change: Any, message: str
) -> None:
    report = Report()
    DashboardDatasourcesCheck().evaluate(_session([_broken(tmp_path, change)], execute=False), report)
    (check,) = _by_status(report, "failed")
    assert check.id == "dashboards/stackcheck-node-detail/datasources"
    assert (
        message in check.message and "stackcheck-node-detail" in check.message and "panel '" in check.message
    )


class ConstantPrometheus(DataPrometheus):
    """Every query of a known metric returns ``value`` throughout, for every node."""

    def __init__(self, value: float) -> None:
        super().__init__(SERIES)
        self.value = value

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        answer = super().query_range(expr, start, end, step)
        for series in answer["result"]:
            series["values"] = [[t, str(self.value)] for t, _ in series["values"]]
        return answer


def _units(path: Path, value: float) -> list[CheckResult]:
    session = DashboardSession.load([path], GRAFANA / "provisioning" / "datasources")
    session.execute(ConstantPrometheus(value), now=1.7e9)
    report = Report()
    DashboardUnitsCheck().evaluate(session, report)
    return report.checks


def _percent(d: dict[str, Any]) -> None:
    _panel(d, 6)["fieldConfig"]["defaults"]["unit"] = "percent"


def _times_100(d: dict[str, Any]) -> None:
    _panel(d, 6)["targets"][0]["expr"] = "100 * (" + _panel(d, 6)["targets"][0]["expr"] + ")"


def test_a_ratio_shown_as_percent_fails_with_the_value_it_would_read(tmp_path: Path) -> None:
    (check,) = _units(_broken(tmp_path, _percent), 0.9)
    assert check.status == "failed" and "unit percent on a 0–1 ratio" in check.message
    assert "(id 6)" in check.message and '"0.9 %"' in check.message


def test_a_percent_panel_whose_query_multiplies_by_100_is_not_a_ratio(tmp_path: Path) -> None:
    (check,) = _units(_broken(tmp_path, lambda d: (_percent(d), _times_100(d))), 0.9)
    assert check.status == "passed"


def test_a_percentage_times_100_shown_as_percentunit_fails(tmp_path: Path) -> None:
    (check,) = _units(_broken(tmp_path, _times_100), 90.0)
    assert check.status == "failed" and '"9000 %"' in check.message


def test_the_reference_units_fit_ratio_data(tmp_path: Path) -> None:
    assert [c.status for c in _units(NODE_DETAIL, 0.9)] == ["passed"]


def test_duplicate_panel_ids_fail(tmp_path: Path) -> None:
    path = _broken(tmp_path, lambda d: d["panels"][2].__setitem__("id", d["panels"][1]["id"]))
    report = Report()
    DashboardPanelIdsCheck().evaluate(_session([path], execute=False), report)
    (check,) = report.checks
    assert check.status == "failed" and "duplicate" in check.message.lower()


def test_a_numeric_panel_without_unit_fails(tmp_path: Path) -> None:
    path = _broken(tmp_path, lambda d: d["panels"][1]["fieldConfig"]["defaults"].pop("unit"))
    report = Report()
    DashboardUnitsCheck().evaluate(_session([path], execute=False), report)
    (check,) = report.checks
    assert (
        check.status == "failed" and repr(parse_dashboard(path.read_text()).panels[1].title) in check.message
    )


# ------------------------------------------------------------------ thresholds vs alerts


def _set_threshold(panel_id: int, value: float) -> Any:
    def change(data: dict[str, Any]) -> None:
        steps = _panel(data, panel_id)["fieldConfig"]["defaults"]["thresholds"]["steps"]
        steps[-1]["value"] = value

    return change


@pytest.mark.parametrize(
    ("panel_id", "value", "alert", "expected"),
    [
        (2, 0.8, "NodeHighCPU", "0.9"),
        (6, 0.1, "NodeMemoryExhausted", "0.9"),
        (13, 0.2, "NodeDiskSpaceLow", "0.1"),
    ],
    ids=["cpu moved to 80 %", "memory threshold on the available scale", "disk free moved to 20 %"],
)
def test_a_moved_threshold_fails_naming_dashboard_panel_alert_and_both_values(
    tmp_path: Path, panel_id: int, value: float, alert: str, expected: str
) -> None:
    report = Report()
    session = _session([_broken(tmp_path, _set_threshold(panel_id, value))], execute=False)
    DashboardThresholdsCheck().evaluate(session, RULES, report)
    (check,) = _by_status(report, "failed")
    assert check.id == f"dashboards/stackcheck-node-detail/{panel_id}/threshold/{alert}"
    assert f"exp: threshold {expected}, got: {value:g}" in check.message
    assert "stackcheck-node-detail" in check.message and alert in check.message


RULE_TEXT = """groups:
  - name: g
    rules:
      - record: used:ratio
        expr: 1 - avail / total
      - alert: Full
        expr: (1 - used:ratio) < 0.05 and on () x == 0
      - alert: AnyError
        expr: errors > 0
      - alert: Hot
        expr: 80 < temp
"""


def _panel_json(expr: str, unit: str, steps: list[float], low_is_bad: bool = False, **defaults: Any) -> str:
    base, step = ("red", "green") if low_is_bad else ("green", "red")
    thresholds = {"mode": "absolute", "steps": [{"color": base, "value": None}] +
                  [{"color": step, "value": v} for v in steps]}  # fmt: skip
    panel = {"id": 1, "type": "timeseries", "title": "p", "targets": [{"refId": "A", "expr": expr}],
             "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds, **defaults}}}  # fmt: skip
    return json.dumps({"uid": "u", "schemaVersion": 39, "panels": [panel]})


@given(st.decimals(min_value="0.01", max_value="0.99", places=2), st.booleans())
def test_a_complemented_panel_needs_one_minus_the_alert_value(value: Any, complemented: bool) -> None:
    rules = f"""groups:
  - name: g
    rules:
      - alert: Low
        expr: avail / total < {value}
"""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.rules.yml"
        path.write_text(rules)
        from validation.dashboards.alert_thresholds import load_rules

        recorded, alerts = load_rules([path])
    expr = "1 - avail / total" if complemented else "avail / total"
    expected = 1 - float(value) if complemented else float(value)
    # available below the value: red low on the available panel, red high on the used one
    (match,) = cross_check(
        parse_dashboard(_panel_json(expr, "percentunit", [expected], low_is_bad=not complemented)),
        alert_thresholds(recorded, alerts),
        recorded,
    )
    assert match.ok and match.expected == pytest.approx(expected)


@pytest.mark.parametrize(
    ("expr", "unit", "steps", "alert", "ok"),
    [
        ("1 - avail / total", "percentunit", [0.95], "Full", True),
        ("(1 - avail / total) * 100", "percent", [95], "Full", True),
        ("(1 - avail / total) * 100", "percent", [0.95], "Full", False),
        ("avail / total", "percentunit", [0.05], "Full", True),
        ("max(temp)", "celsius", [70, 80], "Hot", True),
        ("max(temp)", "celsius", [85], "Hot", False),
    ],
    ids=["ratio", "percent scaled by 100", "percent panel with a ratio threshold", "complement",
         "one of several steps", "wrong step"],
)  # fmt: skip
def test_threshold_matching_follows_complements_and_scaling(
    tmp_path: Path, expr: str, unit: str, steps: list[float], alert: str, ok: bool
) -> None:
    low_is_bad = expr == "avail / total"
    rules = tmp_path / "r.rules.yml"
    rules.write_text(RULE_TEXT)
    from validation.dashboards.alert_thresholds import load_rules

    recorded, alerts = load_rules([rules])
    watched = alert_thresholds(recorded, alerts)
    assert {a.alert for a in watched} == {"Full", "Hot"}  # "> 0" is an event, not a threshold
    (match,) = cross_check(parse_dashboard(_panel_json(expr, unit, steps, low_is_bad)), watched, recorded)
    assert (match.alert.alert, match.ok) == (alert, ok)


# ------------------------------------------------------------------ provisioning


def _copy_grafana(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(GRAFANA, tmp_path / "grafana")
    return tmp_path / "grafana"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda g: (g / "provisioning/dashboards/gpu.yml").write_text(
            (g / "provisioning/dashboards/gpu.yml").read_text().replace("dashboards/GPU", "dashboards/Gpus")),
         "has no folder"),
        (lambda g: (g / "provisioning/dashboards/gpu.yml").write_text(
            (g / "provisioning/dashboards/gpu.yml").read_text().replace("folder: GPU", "folder: Nodes")),
         "has 2 providers"),
        (lambda g: (g / "provisioning/datasources/prometheus.yml").write_text(
            (g / "provisioning/datasources/prometheus.yml").read_text().replace("uid: prometheus", "")),
         "has no uid"),
    ],
    ids=["provider path without folder", "two providers for one folder", "datasource without uid"],
)  # fmt: skip
def test_broken_provisioning_fails(tmp_path: Path, edit: Any, message: str) -> None:
    grafana = _copy_grafana(tmp_path)
    edit(grafana)
    report = Report()
    DashboardProvisioningCheck().evaluate(grafana / "dashboards", grafana / "provisioning", report)
    failed = _by_status(report, "failed")
    assert failed and all(message in c.message for c in failed)


# ------------------------------------------------------------------ executed checks


def test_a_renamed_metric_fails_the_panel_naming_dashboard_panel_and_target(tmp_path: Path) -> None:
    def rename(data: dict[str, Any]) -> None:
        target = _panel(data, 6)["targets"][0]
        target["expr"] = target["expr"].replace("MemAvailable", "MemAvail")

    report = Report()
    DashboardDataCheck().evaluate(_session([_broken(tmp_path, rename)]), report)
    (check,) = _by_status(report, "failed")
    assert check.id == "dashboards/stackcheck-node-detail/6"
    assert "dashboard stackcheck-node-detail, panel 'Memory used'" in check.message
    assert "target A [" in check.message and "node_memory_MemAvail_bytes" in check.message
    assert report.coverage["panels"]["without_data"] == ["dashboards/stackcheck-node-detail/6"]


def test_a_panel_with_one_empty_target_fails_too(tmp_path: Path) -> None:
    def rename(data: dict[str, Any]) -> None:
        target = _panel(data, 7)["targets"][1]
        target["expr"] = target["expr"].replace("MemTotal", "MemTotl")

    report = Report()
    DashboardDataCheck().evaluate(_session([_broken(tmp_path, rename)]), report)
    (check,) = _by_status(report, "failed")
    assert check.id == "dashboards/stackcheck-node-detail/7" and "target B [" in check.message


def test_a_variable_reading_a_missing_label_fails(tmp_path: Path) -> None:
    def relabel(data: dict[str, Any]) -> None:
        node = next(v for v in data["templating"]["list"] if v["name"] == "node")
        node["query"]["query"] = node["query"]["query"].replace(", node)", ", nodename)")
        node["definition"] = node["query"]["query"]

    report = Report()
    DashboardVariablesCheck().evaluate(_session([_broken(tmp_path, relabel)]), report)
    (check,) = _by_status(report, "failed")
    assert check.id == "dashboards/stackcheck-node-detail/variables/node"
    assert "nodename" in check.message and "exp: at least one option" in check.message


def test_an_undefined_variable_fails_the_queries_check(tmp_path: Path) -> None:
    def typo(data: dict[str, Any]) -> None:
        target = _panel(data, 2)["targets"][0]
        target["expr"] = target["expr"].replace("$node", "$nodes")

    report = Report()
    DashboardQueriesCheck().evaluate(_session([_broken(tmp_path, typo)]), report)
    (check,) = _by_status(report, "failed")
    assert "$nodes" in check.message and "panel 'CPU utilisation'" in check.message


def test_checks_that_need_prometheus_skip_when_nothing_was_executed() -> None:
    report = Report()
    session = _session([NODE_DETAIL], execute=False)
    for check in (DashboardVariablesCheck(), DashboardQueriesCheck(), DashboardDataCheck()):
        check.evaluate(session, report)
    assert report.checks and {c.status for c in report.checks} == {"skipped"}


# ------------------------------------------------------------------ time-scaled execution


def test_the_scaled_client_compresses_expressions_and_times_and_records_production_time() -> None:
    inner = DataPrometheus(SERIES)
    client = ScaledClient(inner, scale=60, anchor=1000.0)
    client.query_range('rate(node_load1{job="node"}[5m])', 1000 - 3600, 1000, 15)
    ((kind, sent, (start, end, step)),) = inner.calls
    assert (kind, start, end, step) == ("query_range", 940.0, 1000.0, 0.25)
    assert "[5s]" in sent
    recorded = client.recorded['rate(node_load1{job="node"}[5m])']
    assert recorded.result[0]["values"][0][0] == pytest.approx(1000 - 3600)


@given(
    st.floats(min_value=1, max_value=3600),
    st.floats(min_value=0, max_value=86400 * 7),
    st.floats(min_value=1e9, max_value=2e9),
)
def test_real_and_production_time_are_inverse(scale: float, before: float, anchor: float) -> None:
    client = ScaledClient(DataPrometheus([]), scale=scale, anchor=anchor)
    t = anchor - before
    assert client.production_time(client.real_time(t)) == pytest.approx(t, abs=1e-3)
    assert anchor - client.real_time(t) == pytest.approx(before / scale, abs=1e-6)


def test_scale_one_passes_everything_through() -> None:
    inner = DataPrometheus(SERIES)
    ScaledClient(inner).instant("rate(up[5m])", 5.0)
    assert inner.calls == [("query", "rate(up[5m])", (5.0,))]


# ------------------------------------------------------------------ fixture


def test_the_reference_fixture_feeds_every_gpu_metric_the_dashboards_read() -> None:
    fixture = load_fixture(REPO / "fixtures" / "dashboards" / "data.yaml")
    gpu = {s["__name__"] for s in SERIES if s["__name__"].startswith("DCGM_")}
    assert gpu <= set(fixture.metric_names)
    assert "ALERTS" in readiness_query(fixture)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("interval: 15s\ninput_series:\n  - series: up\n    values: 0x100\n", "values must be a string", 3),
        ("interval: 15s\nexp_alerts: []\n", "unknown key 'exp_alerts'", 2),
        ("input_series:\n  - series: up\n", "needs 'series' and 'values'", 2),
    ],
    ids=["unquoted hex-looking values", "unknown key", "series without values"],
)
def test_a_malformed_fixture_is_a_scenario_error_with_its_line(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_fixture(path)
    assert message in info.value.what and info.value.place == f"{path}:{line}"


# ------------------------------------------------------------------ real Grafana


def test_without_grafana_every_grafana_check_is_skipped_with_the_reason() -> None:
    report = Report()
    GrafanaApiCheck().evaluate(_session([NODE_DETAIL], execute=False), report, env={})
    assert [c.id for c in report.checks] == [
        "dashboards/grafana/health", "dashboards/grafana/stackcheck-node-detail/same-series",
    ]  # fmt: skip
    assert {(c.status, c.message) for c in report.checks} == {("skipped", NO_GRAFANA)}


def test_without_grafana_the_grafana_user_checks_are_skipped_with_the_reason() -> None:
    report = Report()
    GrafanaUsersCheck().evaluate(report, env={})
    assert [(c.id, c.status, c.message) for c in report.checks] == [
        ("security/grafana/anonymous-refused", "skipped", NO_GRAFANA),
        ("security/grafana/default-admin-refused", "skipped", NO_GRAFANA),
    ]


def test_a_grafana_url_off_loopback_is_never_contacted() -> None:
    where = locate({"GRAFANA_URL": "http://192.0.2.1:3000"})
    assert where.url == "" and "not a loopback address" in where.reason


def test_grafana_frames_give_label_sets_without_the_metric_name() -> None:
    frame = {"schema": {"fields": [{"name": "Time", "type": "time"},
                                   {"name": "Value", "type": "number", "labels": {"__name__": "up", "job": "x"}}]}}  # fmt: skip
    assert series_of_frames({"frames": [frame]}) == {frozenset({("job", "x")})}


# ------------------------------------------------------------------ previews and the command


def test_previews_are_written_for_every_executed_dashboard(tmp_path: Path) -> None:
    session = _session([NODE_DETAIL, GRAFANA / "dashboards" / "GPU" / "gpu-overview.json"])
    written = render_session(session, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{d.uid}.png" for d in session.dashboards)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000 for p in written)


def test_collapsed_rows_open_below_their_header_without_overlap() -> None:
    dashboard = parse_dashboard(NODE_DETAIL.read_text())
    placed = layout(dashboard.panels)
    cells = [(x, y, w, h) for p, x, y, w, h in placed if not p.is_row]
    for i, (x, y, w, h) in enumerate(cells):
        for x2, y2, w2, h2 in cells[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "panels overlap"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(0.934, "percentunit", "93.4%"), (3 * 1024**3, "bytes", "3 GiB"), (0.0042, "s", "4.2 ms"),
     (92, "celsius", "92 °C"), (math.nan, "short", "NaN"), (1500, "short", "1.5 K")],
)  # fmt: skip
def test_values_are_formatted_with_their_unit(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_legend_format_substitutes_labels() -> None:
    assert legend("{{node}} GPU {{gpu}}", {"node": "n1", "gpu": "0"}) == "n1 GPU 0"


def test_the_command_summary_names_each_panel_and_fails_on_missing_data(tmp_path: Path) -> None:
    session = _session([NODE_DETAIL], series=[s for s in SERIES if s["__name__"] != "node_load1"])
    out = io.StringIO()
    assert print_summary(session, out) is False
    lines = out.getvalue().splitlines()
    assert any(
        line.strip().startswith("FAIL    4 Load average (1m) per CPU: 1/1 executed, no data")
        for line in lines
    )
    assert (
        sum(line.strip().startswith("ok") for line in lines) == len(session.dashboards[0].query_panels()) - 1
    )


def test_the_command_refuses_a_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="not found"):
        dashboards_command([tmp_path / "nope.json"], Project.load(REPO), tmp_path, "http://127.0.0.1:1", None)


def test_copies_are_independent() -> None:
    data = json.loads(NODE_DETAIL.read_text())
    before = copy.deepcopy(data)
    _set_threshold(2, 0.5)(copy.deepcopy(data))
    assert data == before


EXPORTED = {
    "__inputs": [{"name": "DS_LOCALHOST", "type": "datasource", "pluginId": "prometheus"}],
    "schemaVersion": 14,
    "title": "shared externally",
    "rows": [{"title": "r", "panels": [{"id": 20, "type": "singlestat", "title": "CPU Busy", "format": "percent",
              "datasource": "${DS_LOCALHOST}", "targets": [{"refId": "A", "expr": 'node_load1{job=~"$job"}'}]}]}],
    "templating": {"list": [{"name": "job", "type": "query", "datasource": "${DS_LOCALHOST}",
                             "query": "label_values(node_load1, job)", "refresh": 1}]},
}  # fmt: skip


def test_a_dashboard_exported_for_sharing_is_reported_once_and_every_panel_checked(tmp_path: Path) -> None:
    path = tmp_path / "exported.json"
    path.write_text(json.dumps(EXPORTED))
    report = Report()
    session = _session([path])
    for check in (DashboardDatasourcesCheck(), DashboardVariablesCheck(), DashboardDataCheck()):
        check.evaluate(session, report)
    failed = {c.id: c.message for c in _by_status(report, "failed")}
    assert list(failed) == ["dashboards/exported/datasources"]
    assert failed["dashboards/exported/datasources"].count("exported for sharing externally") == 1
    assert "${DS_LOCALHOST} → 'prometheus'" in failed["dashboards/exported/datasources"]
    # mapped to the stack's datasource, the variable resolves and the panel runs
    assert ("dashboards/exported/20", "passed") in [(c.id, c.status) for c in report.checks]


def test_an_old_schema_dashboard_without_uid_is_keyed_by_its_file_name(tmp_path: Path) -> None:
    fixed = json.loads(json.dumps(EXPORTED).replace("${DS_LOCALHOST}", "prometheus"))
    path = tmp_path / "node-exporter-old.json"
    path.write_text(json.dumps(fixed))
    report = Report()
    DashboardDataCheck().evaluate(_session([path]), report)
    assert [(c.id, c.status) for c in report.checks] == [("dashboards/node-exporter-old/20", "passed")]


class _FakeGrafana(BaseHTTPRequestHandler):
    """Grafana's HTTP API as the checks use it: health, basic-auth /api/search, /api/ds/query answering
    with data frames for the series ``frames_for`` gives (set per test)."""

    user = ("stackcheck", "secret")
    anonymous_status = 401
    frames_for: Any = staticmethod(lambda expr: [])

    def _auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/api/health":
            self._reply(200, {"database": "ok", "version": "10.4.2"})
        elif self.path.startswith("/api/search"):
            auth = self._auth()
            status = 200 if auth == self.user else (self.anonymous_status if auth is None else 401)
            self._reply(status, [] if status == 200 else {"message": "Unauthorized"})
        else:
            self._reply(404, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self._auth() != self.user:
            self._reply(401, {"message": "Unauthorized"})
            return
        results = {}
        for query in body["queries"]:
            frames = [{"schema": {"fields": [{"name": "Time", "type": "time"},
                                             {"name": "Value", "type": "number", "labels": labels}]}}
                      for labels in type(self).frames_for(query["expr"])]  # fmt: skip
            results[query["refId"]] = {"frames": frames}
        self._reply(200, {"results": results})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def grafana() -> Iterator[tuple[str, type[_FakeGrafana]]]:
    handler = type("Handler", (_FakeGrafana,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def _grafana_report(url: str, **env: str) -> dict[str, CheckResult]:
    report = Report()
    environment = {"GRAFANA_URL": url, "GRAFANA_USER": "stackcheck", "GRAFANA_PASSWORD": "secret", **env}
    GrafanaApiCheck().evaluate(_session([NODE_DETAIL]), report, env=environment)
    GrafanaUsersCheck().evaluate(report, env=environment)
    return {c.id: c for c in report.checks}


def test_a_grafana_that_serves_the_same_series_passes_every_grafana_check(
    grafana: tuple[str, type[_FakeGrafana]],
) -> None:
    url, handler = grafana
    handler.frames_for = staticmethod(lambda expr: [{"node": n, "job": "node"} for n in NODES] if
                                      DataPrometheus(SERIES)._has_data(expr) else [])  # fmt: skip
    checks = _grafana_report(url)
    assert {k: (c.status, c.message) for k, c in checks.items() if c.status != "passed"} == {}
    assert "dashboards/grafana/stackcheck-node-detail/same-series" in checks


def test_grafana_open_to_anonymous_users_or_returning_other_series_fails(
    grafana: tuple[str, type[_FakeGrafana]],
) -> None:
    url, handler = grafana
    handler.anonymous_status = 200
    handler.frames_for = staticmethod(lambda expr: [{"node": "gpu-node-1", "job": "node"}])
    checks = _grafana_report(url)
    assert checks["security/grafana/anonymous-refused"].status == "failed"
    assert "got: 200" in checks["security/grafana/anonymous-refused"].message
    assert checks["security/grafana/default-admin-refused"].status == "passed"
    same = checks["dashboards/grafana/stackcheck-node-detail/same-series"]
    assert same.status == "failed" and "2 series direct, 1 via Grafana" in same.message


def test_without_grafana_credentials_the_series_comparison_is_skipped(
    grafana: tuple[str, type[_FakeGrafana]],
) -> None:
    url, _ = grafana
    checks = _grafana_report(url, GRAFANA_USER="")
    assert checks["dashboards/grafana/health"].status == "passed"
    assert checks["dashboards/grafana/stackcheck-node-detail/same-series"].status == "skipped"


def _prometheus_server(backend: DataPrometheus) -> tuple[ThreadingHTTPServer, str]:
    """DataPrometheus behind Prometheus' HTTP API on loopback (GET and form POST)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            from urllib.parse import parse_qs, urlparse

            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/api/v1/query_range":
                data = backend.query_range(
                    params["query"], *(float(params[k]) for k in ("start", "end", "step"))
                )
            elif url.path == "/api/v1/query":
                data = backend.instant(params["query"], float(params["time"]))
            elif url.path == "/api/v1/series":
                data = backend.series(params["match[]"], 0, 0)  # type: ignore[assignment]
            elif url.path.startswith("/api/v1/label/"):
                data = backend.label_values(url.path.split("/")[4], params.get("match[]"))  # type: ignore[assignment]
            else:
                self.send_error(404)
                return
            body = json.dumps({"status": "success", "data": data}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.parametrize(
    ("series", "exit_code", "line"),
    [(SERIES, 0, "ok      6 Memory used: 1/1 executed, data"),
     ([s for s in SERIES if s["__name__"] != "node_memory_MemAvailable_bytes"], 1,
      "FAIL    6 Memory used: 1/1 executed, no data")],
    ids=["all data", "a metric missing"],
)  # fmt: skip
def test_the_command_against_a_given_prometheus_prints_each_panel_and_sets_the_exit_code(
    tmp_path: Path, series: list[dict[str, str]], exit_code: int, line: str
) -> None:
    server, url = _prometheus_server(DataPrometheus(series))
    out = io.StringIO()
    try:
        code = dashboards_command([NODE_DETAIL], Project.load(REPO), tmp_path, url, None, out=out)
    finally:
        server.shutdown()
        server.server_close()
    assert code == exit_code
    assert line in out.getvalue()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["coverage"]["panels"]["total"] == 15
    assert (tmp_path / "dashboards" / "stackcheck-node-detail.png").is_file()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rgba(245, 54, 54, 0.9)", "#f53636"),
        ("rgb(1,2,3)", "#010203"),
        ("red", "#f2495c"),
        ("#ff0000", "#ff0000"),
        ("not-a-colour", "#000000"),
        (None, "#000000"),
    ],
)
def test_grafana_colours_become_matplotlib_colours(name, expected):
    from validation.dashboards.preview import grafana_color

    assert grafana_color(name, "#000000") == expected


def test_a_dark_shade_is_darker_than_its_base():
    from matplotlib.colors import to_rgb

    from validation.dashboards.preview import grafana_color

    assert sum(to_rgb(grafana_color("dark-yellow", "#000000"))) < sum(
        to_rgb(grafana_color("yellow", "#000000"))
    )
