"""The one client of the Prometheus HTTP API (v1): typed, authenticated, never through a proxy.

A query Prometheus rejects, or a call it does not answer, raises ``QueryFailed`` (an ``ApiError``)
with Prometheus' own ``errorType: error`` text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validation.clients.http import ApiError, HttpClient
from validation.core.durations import parse_duration_seconds


@dataclass(frozen=True)
class Target:
    job: str
    instance: str
    health: str  # up | down | unknown
    labels: dict[str, str]
    discovered_labels: dict[str, str]
    scrape_url: str
    last_error: str
    last_scrape_duration: float
    scrape_timeout: float
    scrape_interval: float


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Alert:
    name: str
    state: str  # pending | firing
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: str
    value: str


class QueryFailed(ApiError):
    """Prometheus rejected a query (bad_data, execution, timeout) or did not answer one."""


class PrometheusClient(HttpClient):
    """Every Prometheus call the harness makes: the checks, the pipeline, the dashboard engine
    (``instant``, ``query_range``, ``series``, ``label_values`` return the API's ``data``)."""

    def _data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = self.request("GET", path, params=params)
        except ApiError as exc:
            raise QueryFailed(exc.what, place=self.base_url, hint=exc.hint) from None
        try:
            body = response.json()
        except ValueError:
            raise QueryFailed(
                f"{path} answered HTTP {response.status_code}, not JSON: {response.text[:200]}",
                place=self.base_url,
                hint="401 means the credentials are wrong; is this a Prometheus?",
            ) from None
        if body.get("status") != "success":
            raise QueryFailed(f"{body.get('errorType', 'error')}: {body.get('error', response.text[:200])}")
        return body.get("data")

    def instant(self, expr: str, time: float) -> dict[str, Any]:
        """/api/v1/query at ``time``: ``{"resultType": ..., "result": [...]}``."""
        return dict(self._data("/api/v1/query", {"query": expr, "time": time}))

    def query(self, expr: str, time: float | None = None) -> list[Sample]:
        params: dict[str, Any] = {"query": expr}
        if time is not None:
            params["time"] = time
        data = self._data("/api/v1/query", params)
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        return [Sample(r["metric"], float(r["value"][1])) for r in data["result"]]

    def query_data(self, expr: str, time: float | None = None) -> dict[str, Any]:
        """The raw ``data`` of an instant query (a range selector gives a matrix of samples)."""
        params: dict[str, Any] = {"query": expr}
        if time is not None:
            params["time"] = time
        return dict(self._data("/api/v1/query", params))

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        """/api/v1/query_range: ``{"resultType": "matrix", "result": [...]}``."""
        params = {"query": expr, "start": start, "end": end, "step": step}
        return dict(self._data("/api/v1/query_range", params))

    def targets(self) -> list[Target]:
        data = self._data("/api/v1/targets", {"state": "active"})
        return [
            Target(
                job=t["labels"].get("job", ""),
                instance=t["labels"].get("instance", ""),
                health=t["health"],
                labels=t["labels"],
                discovered_labels=t.get("discoveredLabels", {}),
                scrape_url=t.get("scrapeUrl", ""),
                last_error=t.get("lastError", ""),
                last_scrape_duration=float(t.get("lastScrapeDuration", 0.0)),
                scrape_timeout=parse_duration_seconds(t.get("scrapeTimeout", "0s")),
                scrape_interval=parse_duration_seconds(t.get("scrapeInterval", "0s")),
            )
            for t in data["activeTargets"]
        ]

    def alerts(self) -> list[Alert]:
        data = self._data("/api/v1/alerts")
        return [
            Alert(
                name=a["labels"].get("alertname", ""),
                state=a["state"],
                labels=a["labels"],
                annotations=a.get("annotations", {}),
                active_at=a.get("activeAt", ""),
                value=a.get("value", ""),
            )
            for a in data["alerts"]
        ]

    def rules(self) -> list[dict[str, Any]]:
        return list(self._data("/api/v1/rules")["groups"])

    def series(
        self, match: str, start: float | None = None, end: float | None = None
    ) -> list[dict[str, str]]:
        params: dict[str, Any] = {"match[]": match}
        if start is not None:
            params["start"] = start
        if end is not None:
            params["end"] = end
        return list(self._data("/api/v1/series", params) or [])

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        params = {"match[]": match} if match else {}
        return list(self._data(f"/api/v1/label/{label}/values", params) or [])

    def reload(self) -> None:
        response = self.request("POST", "/-/reload")
        if response.status_code != 200:
            raise ApiError(
                f"reload answered {response.status_code}: {response.text[:300]}", place=self.base_url
            )
