"""A real Grafana, when one is reachable: health, authentication, and queries through /api/ds/query.

Grafana is located by ``GRAFANA_URL`` (loopback addresses only: the harness never talks to anything
else); credentials for the authenticated calls come from ``GRAFANA_USER`` / ``GRAFANA_PASSWORD``.
A grafana binary on PATH is noticed but not started (no run layout for it yet): set GRAFANA_URL.
Without one, ``locate`` returns the reason and the checks are reported skipped — never faked.

``series_of_frames`` reads Grafana's data frames (one frame per series, labels on the value field)
so the label sets Grafana returns can be compared with those Prometheus returned directly.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests

from validation.components import COMPONENTS

NO_GRAFANA = "no Grafana: no binary on PATH, no image, no GRAFANA_URL"


@dataclass(frozen=True)
class GrafanaLocation:
    url: str = ""
    reason: str = ""
    auth: tuple[str, str] | None = None


def locate(env: Mapping[str, str] | None = None) -> GrafanaLocation:
    env = os.environ if env is None else env
    url = env.get("GRAFANA_URL", "").strip()
    if not url:
        binary = COMPONENTS["grafana"].find_binary()
        if binary:
            return GrafanaLocation(
                reason=f"grafana binary at {binary} is not started by stackcheck; set GRAFANA_URL"
            )
        return GrafanaLocation(reason=NO_GRAFANA)
    host = urlparse(url).hostname or ""
    if not _is_loopback(host):
        return GrafanaLocation(
            reason=f"GRAFANA_URL {url} is not a loopback address; stackcheck only talks to 127.0.0.0/8"
        )
    user, password = env.get("GRAFANA_USER", ""), env.get("GRAFANA_PASSWORD", "")
    return GrafanaLocation(url=url.rstrip("/"), auth=(user, password) if user else None)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


class GrafanaClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, auth: tuple[str, str] | None = None) -> requests.Response:
        return requests.get(f"{self.base_url}{path}", auth=auth, timeout=self.timeout)

    def health(self) -> dict[str, Any]:
        response = self._get("/api/health")
        response.raise_for_status()
        return dict(response.json())

    def search_status(self, auth: tuple[str, str] | None) -> int:
        """HTTP status of /api/search with ``auth`` (None: anonymous)."""
        return self._get("/api/search", auth).status_code

    def ds_query(
        self, queries: list[dict[str, Any]], start: float, end: float, auth: tuple[str, str] | None
    ) -> dict[str, Any]:
        body = {"queries": queries, "from": str(int(start * 1000)), "to": str(int(end * 1000))}
        response = requests.post(f"{self.base_url}/api/ds/query", json=body, auth=auth, timeout=self.timeout)
        response.raise_for_status()
        return dict(response.json())


def series_of_frames(result: Mapping[str, Any]) -> set[frozenset[tuple[str, str]]]:
    """Label sets (``__name__`` dropped) of one refId's frames in an /api/ds/query answer."""
    found: set[frozenset[tuple[str, str]]] = set()
    for frame in result.get("frames") or []:
        for item in (frame.get("schema") or {}).get("fields") or []:
            if item.get("type") == "number":
                labels = {k: v for k, v in (item.get("labels") or {}).items() if k != "__name__"}
                found.add(frozenset(labels.items()))
    return found


def series_of_matrix(result: Sequence[Mapping[str, Any]]) -> set[frozenset[tuple[str, str]]]:
    return {
        frozenset((k, v) for k, v in (item.get("metric") or {}).items() if k != "__name__") for item in result
    }
