"""The dashboard engine against a real Prometheus scraping itself and a real node_exporter every second.

Starts /usr/bin/prometheus (and prometheus-node-exporter, as job "node" with instance
gpu-node-1:9100 and the reference stack's node relabeling) on free loopback ports with storage in
a temp dir, waits (polling with a deadline) until scraped data and one evaluated rule exist, then
runs the repository's dashboards and requires their panels to return data.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from validation.dashboards.client import QueryFailed
from validation.dashboards.datasources import Datasource
from validation.dashboards.execute import PanelResult, execute_dashboard
from validation.dashboards.loader import load_dashboard
from validation.dashboards.macros import TimeRange
from validation.dashboards.promclient import PrometheusHTTPClient

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "stack" / "grafana" / "dashboards"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
DATASOURCE = Datasource(
    name="Prometheus", uid="prometheus", type="prometheus", is_default=True, time_interval="1s"
)
NODE_JOB = """  - job_name: node
    static_configs: [{{targets: ['127.0.0.1:{port}'], labels: {{instance: 'gpu-node-1:9100'}}}}]
    relabel_configs:
      - source_labels: [instance]
        regex: "([^:]+)(?::\\\\d+)?"
        target_label: node
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except QueryFailed:
            pass
        time.sleep(0.2)  # polling interval of a deadline-bounded wait
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}. Prometheus log tail:\n{tail}")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusHTTPClient]:
    if not os.access(PROMETHEUS, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"prometheus binary not found at {PROMETHEUS}")
        pytest.skip(f"prometheus binary not found at {PROMETHEUS}")
    root = tmp_path_factory.mktemp("prometheus")
    port, node_port = _free_port(), _free_port()
    (root / "rules.yml").write_text(
        "groups:\n  - name: selftest\n    interval: 1s\n    rules:\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
    )
    (root / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [rules.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        + (NODE_JOB.format(port=node_port) if NODE_EXPORTER else "")
    )
    log = root / "prometheus.log"
    processes: list[subprocess.Popen[bytes]] = []
    if NODE_EXPORTER:
        processes.append(
            subprocess.Popen(
                [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{node_port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={root / 'prometheus.yml'}",
                f"--storage.tsdb.path={root / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes.append(process)
    try:
        client = PrometheusHTTPClient(f"http://127.0.0.1:{port}", timeout=5)

        def enough_data() -> bool:
            expr = 'count_over_time(up{job="prometheus"}[1m]) >= 6 and on() job:up:sum'
            if NODE_EXPORTER:
                expr += ' and on() count_over_time(up{job="node"}[1m]) >= 6'
            return bool(client.query(expr, time.time())["result"])

        _wait_until(enough_data, 60, "6 scrapes of each target and one rule evaluation", log)
        yield client
    finally:
        for started in processes:
            os.killpg(started.pid, signal.SIGKILL)
            started.wait(timeout=10)


def _run(client: PrometheusHTTPClient, relative: str, **kwargs: object) -> list[PanelResult]:
    dashboard = load_dashboard(DASHBOARDS / relative)
    results = execute_dashboard(dashboard, client, TimeRange.last(60), [DATASOURCE], **kwargs)  # type: ignore[arg-type]
    assert len(results) == len(dashboard.query_panels())
    return results


def test_every_prometheus_dashboard_panel_returns_data_from_a_real_prometheus(
    prometheus: PrometheusHTTPClient,
) -> None:
    results = _run(prometheus, "Monitoring/prometheus.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == []


@pytest.mark.skipif(NODE_EXPORTER is None, reason="prometheus-node-exporter not installed")
def test_every_node_detail_panel_returns_data_from_a_real_node_exporter(
    prometheus: PrometheusHTTPClient,
) -> None:
    results = _run(prometheus, "Nodes/node-detail.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == []
    assert any(r.row == "System" for r in results if r.has_data)  # the collapsed row ran too


@pytest.mark.skipif(NODE_EXPORTER is None, reason="prometheus-node-exporter not installed")
def test_cluster_overview_lacks_data_only_where_the_stack_has_no_gpus_or_firing_alerts(
    prometheus: PrometheusHTTPClient,
) -> None:
    results = _run(prometheus, "Cluster/cluster-overview.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert sorted(r.title for r in results if not r.has_data) == ["Firing alerts", "GPUs reporting"]


def test_a_variable_selection_that_matches_nothing_leaves_panels_without_data(
    prometheus: PrometheusHTTPClient,
) -> None:
    results = _run(prometheus, "Monitoring/prometheus.json", overrides={"job": ["no-such-job"]})
    head_series = next(r for r in results if r.title == "TSDB head series")
    assert head_series.errors == []
    assert not head_series.has_data
