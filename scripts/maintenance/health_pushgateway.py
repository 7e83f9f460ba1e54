"""Pushgateway probes: groups not pushed for too long, pushes rejected."""

from __future__ import annotations

from typing import Any

from scripts.maintenance.common import Endpoint, utc_now
from scripts.maintenance.health_base import OK, WARNING, Finding, Options, api_data


def check_pushgateway(endpoint: Endpoint, options: Options, _all: dict[str, Endpoint]) -> list[Finding]:
    groups = api_data(endpoint, "/api/v1/metrics") or []
    return group_findings(groups, utc_now().timestamp(), options.stale_after)


def push_time(group: dict[str, Any], metric: str = "push_time_seconds") -> float:
    metrics = (group.get(metric) or {}).get("metrics") or [{}]
    try:
        return float(metrics[0].get("value", 0))
    except (TypeError, ValueError):
        return 0.0


def group_key(group: dict[str, Any]) -> str:
    labels = dict(group.get("labels", {}))
    job = str(labels.pop("job", "?"))
    return job + "".join(f"/{k}={v}" for k, v in sorted(labels.items()))


def group_findings(groups: list[dict[str, Any]], now: float, stale_after: float) -> list[Finding]:
    out: list[Finding] = []
    for group in groups:
        age = now - push_time(group)
        if age > stale_after:
            out.append(
                Finding(
                    "pushgateway",
                    "stale-group",
                    WARNING,
                    f"{group_key(group)} last pushed {age / 3600:.1f}h ago (limit {stale_after / 3600:.1f}h)",
                )
            )
        if group.get("last_push_successful") is False or push_time(
            group, "push_failure_time_seconds"
        ) > push_time(group):
            out.append(
                Finding(
                    "pushgateway", "push-failed", WARNING, f"{group_key(group)}: the last push was rejected"
                )
            )
    if not out:
        out.append(Finding("pushgateway", "groups", OK, f"{len(groups)} groups, none stale"))
    return out
