"""Typed, authenticated client for the Pushgateway HTTP API."""

from __future__ import annotations

from typing import Any

from validation.clients.http import ApiError, HttpClient
from validation.synthetic.pushgateway import group_path  # one encoder of group paths


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
