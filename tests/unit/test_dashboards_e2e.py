"""The dashboard engine against a real Prometheus, node_exporter and Alertmanager (1 s scrapes).

Starts /usr/bin/prometheus (scraping itself, with one recording rule and one always-firing alert),
prometheus-node-exporter (job "node", instance gpu-node-1:9100, the reference stack's node
relabeling) and prometheus-alertmanager (receiving that alert) on free loopback ports with their
storage in a temp dir; waits, polling with a deadline, until every target has data and the alert
reached Alertmanager; then runs the repository's dashboards and requires their panels to return
data. A missing optional binary skips only the tests that need it.
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

from validation.clients.prometheus import PrometheusClient, QueryFailed
from validation.dashboards.datasources import Datasource
from validation.dashboards.execute import PanelResult, execute_dashboard
from validation.dashboards.loader import load_dashboard
from validation.dashboards.macros import TimeRange

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "stack" / "grafana" / "dashboards"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
DATASOURCE = Datasource(
    name="Prometheus", uid="prometheus", type="prometheus", is_default=True, time_interval="1s"
)
RULES = """groups:
  - name: selftest
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: StackcheckAlwaysFiring
        expr: vector(1)
        labels: {severity: info, team: infra}
"""
NODE_JOB = """  - job_name: node
    static_configs: [{{targets: ['127.0.0.1:{port}'], labels: {{instance: 'gpu-node-1:9100'}}}}]
    relabel_configs:
      - source_labels: [instance]
        regex: "([^:]+)(?::\\\\d+)?"
        target_label: node
"""
ALERTMANAGER_JOB = """  - job_name: alertmanager
    static_configs: [{{targets: ['127.0.0.1:{port}']}}]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}]
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


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusClient]:
    if not os.access(PROMETHEUS, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"prometheus binary not found at {PROMETHEUS}")
        pytest.skip(f"prometheus binary not found at {PROMETHEUS}")
    root = tmp_path_factory.mktemp("stack")
    port, node_port, am_port = _free_port(), _free_port(), _free_port()
    (root / "rules.yml").write_text(RULES)
    (root / "alertmanager.yml").write_text("route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n")
    (root / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [rules.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        + (NODE_JOB.format(port=node_port) if NODE_EXPORTER else "")
        + (ALERTMANAGER_JOB.format(port=am_port) if ALERTMANAGER else "")
    )
    log = root / "prometheus.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if NODE_EXPORTER:
            processes.append(
                _start([NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{node_port}"], root / "node.log")
            )
        if ALERTMANAGER:
            command = [
                ALERTMANAGER,
                f"--config.file={root / 'alertmanager.yml'}",
                f"--storage.path={root / 'am'}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
            ]
            processes.append(_start(command, root / "alertmanager.log"))
        command = [
            PROMETHEUS,
            f"--config.file={root / 'prometheus.yml'}",
            f"--storage.tsdb.path={root / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
        processes.append(_start(command, log))
        client = PrometheusClient(f"http://127.0.0.1:{port}", timeout=5)
        conditions = ['count_over_time(up{job="prometheus"}[1m]) >= 6', "job:up:sum"]
        if NODE_EXPORTER:
            conditions.append('count_over_time(up{job="node"}[1m]) >= 6')
        if ALERTMANAGER:
            conditions.append("count_over_time(alertmanager_alerts_received_total[1m]) >= 3")
        expr = " and on() ".join(f"({c})" for c in conditions)

        _wait_until(
            lambda: bool(client.instant(expr, time.time())["result"]), 60, " and ".join(conditions), log
        )
        yield client
    finally:
        for started in processes:
            os.killpg(started.pid, signal.SIGKILL)
            started.wait(timeout=10)


def _run(client: PrometheusClient, relative: str, **kwargs: object) -> list[PanelResult]:
    dashboard = load_dashboard(DASHBOARDS / relative)
    results = execute_dashboard(dashboard, client, TimeRange.last(60), [DATASOURCE], **kwargs)  # type: ignore[arg-type]
    assert len(results) == len(dashboard.query_panels())
    return results


def test_every_prometheus_dashboard_panel_returns_data_from_a_real_prometheus(
    prometheus: PrometheusClient,
) -> None:
    results = _run(prometheus, "Monitoring/prometheus.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == []


@pytest.mark.skipif(NODE_EXPORTER is None, reason="prometheus-node-exporter not installed")
def test_every_node_detail_panel_returns_data_from_a_real_node_exporter(
    prometheus: PrometheusClient,
) -> None:
    results = _run(prometheus, "Nodes/node-detail.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == []
    assert any(r.row == "System" for r in results if r.has_data)  # the collapsed row ran too
    assert 'node=~"gpu-node-1"' in results[0].targets[0].expr  # $node resolved from the relabeled series


@pytest.mark.skipif(NODE_EXPORTER is None, reason="prometheus-node-exporter not installed")
def test_cluster_overview_lacks_data_only_where_the_stack_has_no_gpus(
    prometheus: PrometheusClient,
) -> None:
    results = _run(prometheus, "Cluster/cluster-overview.json")
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == ["GPUs reporting"]


@pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager not installed")
@pytest.mark.parametrize("relative", ["Monitoring/alertmanager.json", "Monitoring/alerting-overview.json"])
def test_every_alerting_panel_returns_data_once_an_alert_fires(
    prometheus: PrometheusClient, relative: str
) -> None:
    results = _run(prometheus, relative)
    assert {r.title: r.errors for r in results if r.errors} == {}
    assert [r.title for r in results if not r.has_data] == []


def test_a_variable_selection_that_matches_nothing_leaves_panels_without_data(
    prometheus: PrometheusClient,
) -> None:
    results = _run(prometheus, "Monitoring/prometheus.json", overrides={"job": ["no-such-job"]})
    head_series = next(r for r in results if r.title == "TSDB head series")
    assert head_series.errors == []
    assert not head_series.has_data


def test_the_one_client_serves_the_checks_and_the_dashboard_engine(prometheus: PrometheusClient) -> None:
    now = time.time()
    instant = prometheus.instant('up{job="prometheus"}', now)
    samples = prometheus.query('up{job="prometheus"}', now)
    assert instant["resultType"] == "vector"
    assert [s.value for s in samples] == [float(r["value"][1]) for r in instant["result"]] == [1.0]
    assert prometheus.query_range('up{job="prometheus"}', now - 5, now, 1)["resultType"] == "matrix"
    assert {"job": "prometheus"}.items() <= prometheus.series('up{job="prometheus"}', now - 60, now)[
        0
    ].items()
    assert "prometheus" in prometheus.label_values("job")
    target = next(t for t in prometheus.targets() if t.job == "prometheus")
    assert (target.scrape_interval, target.scrape_timeout) == (1.0, 1.0)  # parsed from "1s"


def test_a_rejected_query_raises_query_failed_with_prometheus_text(prometheus: PrometheusClient) -> None:
    with pytest.raises(QueryFailed, match=r"^bad_data: .*parse error"):
        prometheus.instant("rate(up[5m]", time.time())


def test_an_unreachable_prometheus_is_a_query_failure_naming_the_url() -> None:
    client = PrometheusClient(f"http://127.0.0.1:{_free_port()}", timeout=2)
    with pytest.raises(QueryFailed, match=r"^http://127\.0\.0\.1:\d+: GET /api/v1/query failed"):
        client.instant("up", time.time())
