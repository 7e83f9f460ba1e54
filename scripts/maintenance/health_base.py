"""What every health probe returns: a ``Finding`` with a Nagios level, and the shared fetch helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.maintenance.common import Endpoint, MaintenanceError

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
LEVELS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


@dataclass(frozen=True)
class Finding:
    component: str
    check: str
    status: int
    message: str

    def line(self) -> str:
        return f"{LEVELS[self.status]} {self.component}/{self.check}: {self.message}"


@dataclass
class Options:
    window: str = "15m"
    stale_after: float = 3600.0
    max_head_series: int = 0
    expect_config_hash: str = ""
    expect_peers: int = -1


def worst(findings: list[Finding]) -> int:
    return max((f.status for f in findings), default=OK)


def summary_line(findings: list[Finding]) -> str:
    status = worst(findings)
    counts = {
        LEVELS[level]: sum(1 for f in findings if f.status == level) for level in (CRITICAL, WARNING, UNKNOWN)
    }
    detail = ", ".join(f"{n} {name.lower()}" for name, n in counts.items() if n)
    return f"STACK {LEVELS[status]}: {len(findings)} checks" + (f", {detail}" if detail else "")


def api_data(endpoint: Endpoint, path: str) -> Any:
    return endpoint.get_json(path).get("data")


def metrics_text(endpoint: Endpoint) -> str:
    response = endpoint.request("GET", "/metrics")
    if response.status != 200:
        raise MaintenanceError(f"GET /metrics answered {response.status}", place=endpoint.base_url)
    return response.text
