"""Typed, authenticated client for the Pushgateway HTTP API."""

from __future__ import annotations

import base64
from typing import Any

from validation.clients.http import ApiError, HttpClient


def _segment(name: str, value: str) -> str:
    if value == "" or "/" in value:
        encoded = base64.urlsafe_b64encode(value.encode()).decode() or "="
        return f"{name}@base64/{encoded}"
    return f"{name}/{value}"


def group_path(job: str, grouping: dict[str, str] | None = None) -> str:
    path = "/metrics/" + _segment("job", job)
    for key, value in (grouping or {}).items():
        path += "/" + _segment(key, value)
    return path


class PushgatewayClient(HttpClient):
    def push(self, job: str, text: str, grouping: dict[str, str] | None = None, replace: bool = True) -> None:
        body = text if text.endswith("\n") else text + "\n"
        method = "PUT" if replace else "POST"
        response = self.request(
            method,
            group_path(job, grouping),
            data=body.encode(),
            headers={"Content-Type": "text/plain; version=0.0.4"},
        )
        if response.status_code not in (200, 202):
            raise ApiError(
                f"push to {job} answered {response.status_code}: {response.text[:300]}", place=self.base_url
            )

    def delete(self, job: str, grouping: dict[str, str] | None = None) -> None:
        self.request("DELETE", group_path(job, grouping))

    def metrics(self) -> list[dict[str, Any]]:
        return list(self.get_json("/api/v1/metrics").get("data", []))
