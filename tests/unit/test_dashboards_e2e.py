"""The dashboard engine against a real Prometheus scraping itself every second.

Starts /usr/bin/prometheus on a free loopback port with its storage in a temp dir, waits (polling
with a deadline) until self-scraped data and one evaluated rule exist, then runs the repository's
Monitoring/prometheus.json dashboard and requires every panel to return data.
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
from validation.dashboards.execute import execute_dashboard
from validation.dashboards.loader import load_dashboard
from validation.dashboards.macros import TimeRange
from validation.dashboards.promclient import PrometheusHTTPClient

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "stack" / "grafana" / "dashboards"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


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
    port = _free_port()
    (root / "rules.yml").write_text(
        "groups:\n  - name: selftest\n    interval: 1s\n    rules:\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
    )
    (root / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [rules.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
    )
    log = root / "prometheus.log"
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
    try:
        client = PrometheusHTTPClient(f"http://127.0.0.1:{port}", timeout=5)

        def enough_data() -> bool:
            data = client.query(
                'count_over_time(up{job="prometheus"}[1m]) >= 6 and on() job:up:sum', time.time()
            )
            return bool(data["result"])

        _wait_until(enough_data, 60, "6 self-scrapes and one rule evaluation", log)
        yield client
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_every_prometheus_dashboard_panel_returns_data_from_a_real_prometheus(
    prometheus: PrometheusHTTPClient,
) -> None:
    dashboard = load_dashboard(DASHBOARDS / "Monitoring" / "prometheus.json")
    datasource = Datasource(
        name="Prometheus", uid="prometheus", type="prometheus", is_default=True, time_interval="1s"
    )

    results = execute_dashboard(dashboard, prometheus, TimeRange.last(60), [datasource])

    errors = {r.title: r.errors for r in results if r.errors}
    empty = [r.title for r in results if not r.has_data]
    assert errors == {}
    assert empty == []
    assert len(results) == len(dashboard.query_panels())


def test_a_variable_selection_that_matches_nothing_leaves_panels_without_data(
    prometheus: PrometheusHTTPClient,
) -> None:
    dashboard = load_dashboard(DASHBOARDS / "Monitoring" / "prometheus.json")
    datasource = Datasource(
        name="Prometheus", uid="prometheus", type="prometheus", is_default=True, time_interval="1s"
    )

    results = execute_dashboard(
        dashboard, prometheus, TimeRange.last(60), [datasource], overrides={"job": ["no-such-job"]}
    )

    head_series = next(r for r in results if r.title == "TSDB head series")
    assert head_series.errors == []
    assert not head_series.has_data
