"""Typed, authenticated client for the Prometheus HTTP API (v1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validation.clients.http import ApiError, HttpClient


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


def _seconds(text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text[i : i + 2] == "ms" else ch
        total += float(number or 0) * units.get(unit, 0)
        number = ""
        i += len(unit)
    return total


class PrometheusClient(HttpClient):
    def _data(self, path: str, **params: Any) -> Any:
        body = self.get_json(path, params=params or None)
        if body.get("status") != "success":
            raise ApiError(f"{path}: {body.get('errorType')}: {body.get('error')}", place=self.base_url)
        return body["data"]

    def query(self, expr: str, time: float | None = None) -> list[Sample]:
        params: dict[str, Any] = {"query": expr}
        if time is not None:
            params["time"] = time
        data = self._data("/api/v1/query", **params)
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        return [Sample(r["metric"], float(r["value"][1])) for r in data["result"]]

    def raw_samples(
        self, selector: str, seconds: float
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every stored sample of ``selector`` in the last ``seconds``, with its timestamp."""
        data = self._data("/api/v1/query", query=f"{selector}[{max(1, round(seconds))}s]")
        return [
            (r["metric"], [(float(ts), float(v)) for ts, v in r.get("values", [])]) for r in data["result"]
        ]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        data = self._data("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        return list(data["result"])

    def targets(self) -> list[Target]:
        data = self._data("/api/v1/targets", state="active")
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
                scrape_timeout=_seconds(t.get("scrapeTimeout", "0s")),
                scrape_interval=_seconds(t.get("scrapeInterval", "0s")),
            )
            for t in data["activeTargets"]
        ]

    def dropped_targets(self) -> list[dict[str, Any]]:
        return list(self._data("/api/v1/targets", state="dropped")["droppedTargets"])

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
        return list(self._data("/api/v1/series", **params))

    def label_values(self, label: str, match: str | None = None) -> list[str]:
        params = {"match[]": match} if match else {}
        return list(self._data(f"/api/v1/label/{label}/values", **params))

    def build_info(self) -> dict[str, Any]:
        return dict(self._data("/api/v1/status/buildinfo"))

    def tsdb_status(self) -> dict[str, Any]:
        return dict(self._data("/api/v1/status/tsdb"))

    def alertmanagers(self) -> list[str]:
        return [a["url"] for a in self._data("/api/v1/alertmanagers")["activeAlertmanagers"]]

    def reload(self) -> None:
        response = self.request("POST", "/-/reload")
        if response.status_code != 200:
            raise ApiError(
                f"reload answered {response.status_code}: {response.text[:300]}", place=self.base_url
            )
