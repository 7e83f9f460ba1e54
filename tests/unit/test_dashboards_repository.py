"""The repository's own dashboards: conventions, thresholds equal to the alert thresholds, every
query builds and parses under Grafana's semantics (executed against an in-memory API double)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_dashboards_fakes import FakePrometheus
from validation.dashboards.datasources import Datasource
from validation.dashboards.execute import execute_dashboard
from validation.dashboards.loader import load_dashboards
from validation.dashboards.macros import TimeRange
from validation.dashboards.model import Dashboard
from validation.dashboards.thresholds import highest_threshold, panel_thresholds

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "stack" / "grafana" / "dashboards"
DASHBOARDS = load_dashboards(FOLDER)
BY_UID = {d.uid: d for d in DASHBOARDS}
PROM = Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")
RUNBOOK = re.compile(
    r"^https://github\.com/stackcheck/stackcheck/blob/main/docs/monitoring/runbooks/(\w+)\.md$"
)
SERIES = [
    {"__name__": name, "job": job, "node": node, "gpu": gpu, "instance": f"{node}:9100", "severity": "critical",
     "team": "infra"}
    for name, job in [("node_memory_MemTotal_bytes", "node"), ("DCGM_FI_DEV_GPU_TEMP", "dcgm"), ("ALERTS", "x"),
                      ("prometheus_build_info", "prometheus"), ("alertmanager_build_info", "alertmanager")]
    for node in ("gpu-node-1", "gpu-node-2") for gpu in ("0", "1")
]  # fmt: skip
ids = [d.uid for d in DASHBOARDS]


def test_the_expected_dashboards_exist_in_their_folders() -> None:
    found = sorted(str(p.relative_to(FOLDER)) for p in FOLDER.rglob("*.json"))
    assert found == [
        "Cluster/cluster-overview.json",
        "GPU/gpu-overview.json",
        "Monitoring/alerting-overview.json",
        "Monitoring/alertmanager.json",
        "Monitoring/prometheus.json",
        "Nodes/node-detail.json",
    ]


def test_uids_are_stable_unique_and_prefixed() -> None:
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"stackcheck-[a-z-]+", uid) for uid in ids)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=ids)
def test_dashboard_conventions(dashboard: Dashboard) -> None:
    assert dashboard.schema_version == 39
    assert dashboard.problems == []
    ds_var = dashboard.variable("datasource")
    assert (ds_var.type, ds_var.query) == ("datasource", "prometheus")
    for panel in dashboard.query_panels():
        assert panel.datasource == {"type": "prometheus", "uid": "${datasource}"}, panel.title
        assert panel.unit, f"{panel.title}: no unit"
        for target in panel.targets:
            assert target.legend_format, f"{panel.title}/{target.ref_id}: no legendFormat"
            for window in re.findall(r"\[([^\]]+)\]", target.expr):
                assert window in ("$__rate_interval", "10m"), f"{panel.title}: range [{window}]"
        for link in panel.links:
            assert RUNBOOK.match(link.url), link.url


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=ids)
def test_every_query_builds_and_parses_under_grafana_semantics(dashboard: Dashboard) -> None:
    results = execute_dashboard(
        dashboard, FakePrometheus(SERIES), TimeRange.last(6 * 3600, now=1.7e9), [PROM]
    )
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert all(t.parse_ok for r in results for t in r.targets)
    assert len(results) == len(dashboard.query_panels())


def test_runbook_links_name_alerts_that_exist_in_the_rules() -> None:
    rules = "\n".join(p.read_text() for p in (REPO / "rules").glob("*.rules.yml"))
    alerts = set(re.findall(r"^\s*- alert:\s*(\w+)", rules, re.MULTILINE))
    if not alerts:
        pytest.skip("no alert rules in rules/*.rules.yml yet")
    linked = {
        m.group(1) for d in DASHBOARDS for p in d.panels for link in p.links if (m := RUNBOOK.match(link.url))
    }
    assert linked - alerts == set()


def test_node_detail_layout() -> None:
    dashboard = BY_UID["stackcheck-node-detail"]
    rows = [(p.title, p.collapsed) for p in dashboard.panels if p.is_row]
    assert rows == [
        ("CPU", False),
        ("Memory", False),
        ("Network", False),
        ("Storage", False),
        ("System", True),
    ]
    node = dashboard.variable("node")
    assert (node.multi, node.include_all) == (True, True)
    assert [v.name for v in dashboard.variables] == ["datasource", "job", "node"]
    assert {p.unit for p in dashboard.query_panels()} >= {"percentunit", "bytes", "Bps", "iops"}


# (dashboard, metric shown, alert threshold on the ratio scale, comparison the alert uses)
ALERT_THRESHOLDS = [
    ("stackcheck-node-detail", "node_cpu_seconds_total", 0.90, "NodeHighCPU: CPU > 90 %"),
    ("stackcheck-cluster-overview", "node_cpu_seconds_total", 0.90, "NodeHighCPU: CPU > 90 %"),
    ("stackcheck-node-detail", "node_memory_MemAvailable_bytes", 0.90, "NodeMemoryExhausted: used > 90 %"),
    (
        "stackcheck-cluster-overview",
        "node_memory_MemAvailable_bytes",
        0.90,
        "NodeMemoryExhausted: used > 90 %",
    ),
    ("stackcheck-node-detail", "node_filesystem_avail_bytes", 0.10, "NodeDiskSpaceLow: free < 10 %"),
    ("stackcheck-cluster-overview", "node_filesystem_avail_bytes", 0.10, "NodeDiskSpaceLow: free < 10 %"),
    ("stackcheck-node-detail", "node_disk_io_time_seconds_total", 0.90, "NodeDiskIOSaturated: busy > 90 %"),
    ("stackcheck-gpu-overview", "DCGM_FI_DEV_FB_USED", 0.95, "GPUMemoryNearlyFull: FB used > 95 %"),
]


@pytest.mark.parametrize(
    ("uid", "metric", "alert_value", "why"),
    ALERT_THRESHOLDS,
    ids=[a[3] + " " + a[0] for a in ALERT_THRESHOLDS],
)
def test_panel_thresholds_equal_the_alert_thresholds(
    uid: str, metric: str, alert_value: float, why: str
) -> None:
    found = highest_threshold(panel_thresholds(BY_UID[uid], expand={"$__rate_interval": "5m"}), metric)
    assert found, f"no panel with a threshold shows {metric}"
    assert {t.normalized for t in found} == {alert_value}


def test_gpu_temperature_panels_mark_both_alert_thresholds() -> None:
    thresholds = panel_thresholds(BY_UID["stackcheck-gpu-overview"])
    temperature = [t for t in thresholds if "DCGM_FI_DEV_GPU_TEMP" in t.metrics and t.unit == "celsius"]
    assert {t.value for t in temperature} == {85.0, 90.0}  # GPUTemperatureHigh, GPUTemperatureCritical
