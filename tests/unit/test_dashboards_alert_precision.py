"""Regression fixtures for the dashboard ↔ alert threshold cross-check, one per false positive
found on public configs (samber/awesome-prometheus-alerts, kube-prometheus' node-exporter and
alertmanager rules, Grafana's "Node Exporter Full" in its current and singlestat-era forms): an
alert and a panel are compared only when they read the same series, in the same direction, within
the panel's scale, and the panel's steps are read as Grafana reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validation.dashboards.alert_thresholds import ThresholdMatch, alert_thresholds, cross_check, load_rules
from validation.dashboards.loader import parse_dashboard

pytestmark = pytest.mark.unit

CPU_PANEL = '1 - avg by (node) (rate(node_cpu_seconds_total{node=~"$node", mode=~"idle|iowait|steal"}[$__rate_interval]))'
MEMORY_PANEL = '1 - node_memory_MemAvailable_bytes{node=~"$node"} / node_memory_MemTotal_bytes{node=~"$node"}'


def _matches(tmp_path: Path, alert_expr: str, panel: dict[str, Any]) -> list[ThresholdMatch]:
    rules = tmp_path / "public.rules.yml"
    rules.write_text(json.dumps({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": alert_expr}]}]}))
    recorded, alerts = load_rules([rules])
    dashboard = parse_dashboard(json.dumps({"uid": "u", "schemaVersion": 39, "panels": [panel]}))
    return cross_check(dashboard, alert_thresholds(recorded, alerts), recorded)


def _panel(
    expr: str,
    unit: str = "percentunit",
    steps: tuple[float, ...] = (0.9,),
    low_is_bad: bool = False,
    **defaults: Any,
) -> dict[str, Any]:
    base, step = ("red", "green") if low_is_bad else ("green", "red")
    thresholds = {
        "mode": "absolute",
        "steps": [{"color": base, "value": None}] + [{"color": step, "value": v} for v in steps],
    }
    return {"id": 1, "type": "timeseries", "title": "p", "targets": [{"refId": "A", "expr": expr}],
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds, **defaults}}}  # fmt: skip


@pytest.mark.parametrize(
    ("alert", "panel"),
    [
        # samber HostCpuStealNoisyNeighbor: steal is another series (it used to ask for -9)
        ('avg without (cpu) (rate(node_cpu_seconds_total{mode="steal"}[5m])) * 100 > 10', _panel(CPU_PANEL)),
        # samber HostHighCpuLoad: idle alone is not idle|iowait|steal
        ('1 - (avg without (cpu) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > .80', _panel(CPU_PANEL)),
        # samber HostUnusualDiskIo: every device against a panel that filters devices
        ("rate(node_disk_io_time_seconds_total[5m]) > 0.8",
         _panel('rate(node_disk_io_time_seconds_total{node=~"$node", device=~"nvme.+|sd.+"}[$__rate_interval])')),
        # kube-prometheus AlertmanagerClusterDown: up of another job, through avg_over_time, as a ratio
        ('(count by (service) (avg_over_time(up{job="alertmanager-main"}[5m]) < 0.5) / count by (service) '
         '(up{job="alertmanager-main"})) >= 0.5', _panel('count(up{job="node"} == 0)', "short", (1,))),
        # an under-utilisation alert fires low; this panel turns red high
        (f"{CPU_PANEL.replace('$__rate_interval', '1h')} < 0.2", _panel(CPU_PANEL)),
        # outside the panel's scale: a rate of 10/s is no step of a 0–1 panel
        ("rate(errors_total[5m]) > 10", _panel("rate(errors_total[$__rate_interval])")),
    ],
    ids=["cpu steal", "idle only", "all devices", "other job and function", "under-utilisation", "off scale"],
)  # fmt: skip
def test_an_alert_on_another_series_direction_or_scale_is_not_compared(
    tmp_path: Path, alert: str, panel: dict[str, Any]
) -> None:
    assert _matches(tmp_path, alert, panel) == []


@pytest.mark.parametrize(
    ("alert", "panel", "expected"),
    [
        # kube-prometheus NodeMemoryHighUtilization: 100 - ratio × 100 > 90 is memory used above 0.9
        ('100 - (node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} * 100) > 90',
         _panel(MEMORY_PANEL), 0.9),
        # samber HostOutOfMemory on Node Exporter Full's clamp_min(… * 100, 0) panel: 90 on its scale
        ("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < .10",
         _panel(f"clamp_min(({MEMORY_PANEL}) * 100, 0)", "percent", (80, 90)), 90),
        # the same alert on a panel plotting what is available: red low
        ("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < .10",
         _panel("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", steps=(0.1,), low_is_bad=True), 0.1),
    ],
    ids=["100 minus percent", "clamp_min percent panel", "low is bad"],
)  # fmt: skip
def test_the_same_series_is_compared_on_the_panels_own_scale(
    tmp_path: Path, alert: str, panel: dict[str, Any], expected: float
) -> None:
    (match,) = _matches(tmp_path, alert, panel)
    assert match.expected == pytest.approx(expected) and match.ok


def _singlestat(thresholds: str) -> dict[str, Any]:
    # Node Exporter Full's singlestat era: thresholds a string on the panel's own (percent) scale
    return {"id": 16, "type": "singlestat", "title": "Used RAM Memory", "format": "percent",
            "thresholds": thresholds, "colorBackground": True,
            "colors": ["rgba(50, 172, 45, 0.97)", "rgba(237, 129, 40, 0.89)", "rgba(245, 54, 54, 0.9)"],
            "targets": [{"refId": "A", "expr": "100 - ((node_memory_MemAvailable_bytes{instance=~\"$node\"} * 100)"
                                               " / node_memory_MemTotal_bytes{instance=~\"$node\"})"}]}  # fmt: skip


def test_old_singlestat_thresholds_are_read_as_grafana_reads_them(tmp_path: Path) -> None:
    alert = "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1"
    (match,) = _matches(tmp_path, alert, _singlestat("65, 90"))
    assert (match.found, match.expected, match.ok) == ((65, 90), 90, True)
    (moved,) = _matches(tmp_path, alert, _singlestat("65,85"))
    assert (moved.found, moved.ok) == ((65, 85), False)


def test_a_singlestat_that_turns_red_low_is_not_compared_with_a_high_alert(tmp_path: Path) -> None:
    panel = _singlestat("1, 2") | {"colors": ["#d44a3a", "rgba(237, 129, 40, 0.89)", "#299c46"]}
    assert _matches(tmp_path, "100 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 1",
                    panel) == []  # fmt: skip
