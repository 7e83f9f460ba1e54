"""A minimal Prometheus HTTP API client implementing ``client.PrometheusAPI`` (requests).

Kept small on purpose: the harness' main client (validation.clients) can replace it. Only
loopback or configured URLs are contacted; basic auth is optional.
"""

from __future__ import annotations

from typing import Any

import requests

from validation.dashboards.client import QueryFailed


class PrometheusHTTPClient:
    def __init__(
        self,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        timeout: float = 10.0,
        ca_bundle: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = auth
        # per request: a session's verify loses to REQUESTS_CA_BUNDLE from the environment
        self.verify: str | bool = ca_bundle if ca_bundle is not None else True
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]]) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = self.session.get(url, params=params, timeout=self.timeout, verify=self.verify)
        except requests.RequestException as exc:
            raise QueryFailed(f"{url}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            raise QueryFailed(
                f"{url}: HTTP {response.status_code}, not JSON: {response.text[:200]}"
            ) from None
        if body.get("status") != "success":
            raise QueryFailed(f"{body.get('errorType', 'error')}: {body.get('error', response.text[:200])}")
        return body.get("data")

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return list(self._get("/api/v1/series", [("match[]", match), ("start", start), ("end", end)]) or [])

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        params = [("match[]", match)] if match else []
        return list(self._get(f"/api/v1/label/{label}/values", params) or [])

    def query(self, expr: str, time: float) -> dict[str, Any]:
        return dict(self._get("/api/v1/query", {"query": expr, "time": time}))

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict[str, Any]:
        params = {"query": expr, "start": start, "end": end, "step": step}
        return dict(self._get("/api/v1/query_range", params))
