"""The four Prometheus HTTP API calls the dashboard engine needs, as a Protocol.

``validation.clients.prometheus.PrometheusClient`` implements it over HTTP; any object with these
methods (a time-compressing or timing wrapper, a test double) can be passed instead. Methods return
the API's ``data`` member and raise ``validation.clients.prometheus.QueryFailed`` with Prometheus' error text when a query is
rejected.
"""

from __future__ import annotations

from typing import Any, Protocol


class PrometheusAPI(Protocol):
    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        """/api/v1/series: label sets of the series matching ``match`` in [start, end]."""
        ...

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        """/api/v1/label/<label>/values, optionally restricted by a series selector."""
        ...

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        """/api/v1/query at ``time``: ``{"resultType": ..., "result": [...]}``."""
        ...

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        """/api/v1/query_range: ``{"resultType": "matrix", "result": [...]}``."""
        ...
