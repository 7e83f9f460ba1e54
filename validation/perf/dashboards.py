"""Panel query latency: run every dashboard with the dashboard engine and time each query.

The engine (validation.dashboards.execute) does not time queries, so the client it is given is
wrapped: every ``query`` / ``query_range`` call is timed on the wall clock, per dashboard.
Variable look-ups (series, label values) are not panel queries and are not counted. Latency
includes the HTTP round trip on loopback, as Grafana's would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from validation.dashboards.client import PrometheusAPI
from validation.dashboards.datasources import Datasource, load_provisioned_datasources
from validation.dashboards.execute import execute_dashboard
from validation.dashboards.loader import load_dashboards
from validation.dashboards.macros import TimeRange
from validation.dashboards.model import Dashboard


class TimingClient:
    """A ``PrometheusAPI`` that records how long each panel query took."""

    def __init__(self, inner: PrometheusAPI, clock: Callable[[], float] = time.perf_counter) -> None:
        self.inner = inner
        self.clock = clock
        self.durations: list[float] = []

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return self.inner.series(match, start, end)

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        return self.inner.label_values(label, match)

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        return self._timed(self.inner.instant, expr, time)

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        return self._timed(self.inner.query_range, expr, start, end, step)

    def _timed(self, call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        started = self.clock()
        try:
            return call(*args)
        finally:
            self.durations.append(self.clock() - started)


def load_stack_dashboards(
    dashboards: Path | None, provisioning: Path | None
) -> tuple[list[Dashboard], list[Datasource]]:
    """The stack's dashboards and provisioned datasources; empty when Grafana is not configured."""
    if dashboards is None or not dashboards.is_dir():
        return [], []
    folder = provisioning / "datasources" if provisioning is not None else None
    datasources = load_provisioned_datasources(folder) if folder is not None and folder.is_dir() else []
    return load_dashboards(dashboards), datasources


def time_dashboard_queries(
    dashboards: list[Dashboard], client: PrometheusAPI, datasources: list[Datasource], window_s: float
) -> dict[str, list[float]]:
    """Query durations per dashboard (uid, else file stem) over the last ``window_s`` seconds."""
    out: dict[str, list[float]] = {}
    for dashboard in dashboards:
        timer = TimingClient(client)
        execute_dashboard(dashboard, timer, TimeRange.last(window_s), datasources)
        key = dashboard.uid or Path(dashboard.source).stem
        out[key] = timer.durations
    return out
