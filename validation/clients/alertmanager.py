"""Typed, authenticated client for the Alertmanager API v2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from validation.clients.http import ApiError, HttpClient


class AlertmanagerClient(HttpClient):
    def status(self) -> dict[str, Any]:
        return dict(self.get_json("/api/v2/status"))

    def alerts(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.get_json("/api/v2/alerts", params=filters or None))

    def groups(self) -> list[dict[str, Any]]:
        return list(self.get_json("/api/v2/alerts/groups"))

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        response = self.request("POST", "/api/v2/alerts", json=alerts)
        if response.status_code != 200:
            raise ApiError(
                f"POST /api/v2/alerts answered {response.status_code}: {response.text[:300]}",
                place=self.base_url,
            )

    def create_silence(
        self, matchers: list[dict[str, Any]], duration_s: float, comment: str = "stackcheck"
    ) -> str:
        now = datetime.now(UTC)
        body = {
            "matchers": matchers,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(seconds=duration_s)).isoformat(),
            "createdBy": "stackcheck",
            "comment": comment,
        }
        response = self.request("POST", "/api/v2/silences", json=body)
        data = self._json(response, "POST", "/api/v2/silences")
        return str(data["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        response = self.request("DELETE", f"/api/v2/silence/{silence_id}")
        if response.status_code != 200:
            raise ApiError(
                f"DELETE silence {silence_id} answered {response.status_code}", place=self.base_url
            )

    def silences(self) -> list[dict[str, Any]]:
        return list(self.get_json("/api/v2/silences"))
