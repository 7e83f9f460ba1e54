"""Prometheus probes: config reload, targets down, failing rules, head series, WAL corruptions."""

from __future__ import annotations

from typing import Any

from scripts.maintenance.common import Endpoint
from scripts.maintenance.expfmt import parse, values
from scripts.maintenance.health_base import CRITICAL, OK, WARNING, Finding, Options, api_data, metrics_text


def check_prometheus(endpoint: Endpoint, options: Options, _all: dict[str, Endpoint]) -> list[Finding]:
    out: list[Finding] = []
    runtime = api_data(endpoint, "/api/v1/status/runtimeinfo") or {}
    if runtime.get("reloadConfigSuccess") is False:
        out.append(
            Finding(
                "prometheus",
                "config-reload",
                CRITICAL,
                f"the last configuration reload failed (config from {runtime.get('lastConfigTime')} "
                "still in use); see the log, fix, then POST /-/reload",
            )
        )
    else:
        out.append(Finding("prometheus", "config-reload", OK, f"loaded {runtime.get('lastConfigTime')}"))
    out += target_findings(api_data(endpoint, "/api/v1/targets?state=active") or {})
    out += rule_findings(api_data(endpoint, "/api/v1/rules") or {})
    head = (api_data(endpoint, "/api/v1/status/tsdb") or {}).get("headStats", {})
    series = int(head.get("numSeries", 0))
    too_many = options.max_head_series and series > options.max_head_series
    out.append(
        Finding(
            "prometheus",
            "head-series",
            WARNING if too_many else OK,
            f"{series} head series" + (f" (limit {options.max_head_series})" if too_many else ""),
        )
    )
    corruptions = sum(
        s.value for s in values(parse(metrics_text(endpoint)), "prometheus_tsdb_wal_corruptions_total")
    )
    corruptions = max(corruptions, float(runtime.get("corruptionCount", 0) or 0))
    out.append(
        Finding(
            "prometheus",
            "wal-corruptions",
            WARNING if corruptions else OK,
            f"{corruptions:.0f} WAL corruptions since start"
            + (" (repaired at start-up; samples may be lost)" if corruptions else ""),
        )
    )
    return out


def target_findings(data: dict[str, Any]) -> list[Finding]:
    targets = data.get("activeTargets", [])
    down = [t for t in targets if t.get("health") == "down"]
    if not down:
        return [Finding("prometheus", "targets", OK, f"{len(targets)} active targets, none down")]
    shown = "; ".join(
        f"{t.get('labels', {}).get('job')}/{t.get('labels', {}).get('instance')}: {t.get('lastError', '')[:80]}"
        for t in down[:5]
    )
    more = f" (+{len(down) - 5} more)" if len(down) > 5 else ""
    status = CRITICAL if len(down) == len(targets) else WARNING
    return [
        Finding("prometheus", "targets", status, f"{len(down)} of {len(targets)} targets down: {shown}{more}")
    ]


def rule_findings(data: dict[str, Any]) -> list[Finding]:
    failing = [
        (g.get("name"), r)
        for g in data.get("groups", [])
        for r in g.get("rules", [])
        if r.get("health") == "err"
    ]
    total = sum(len(g.get("rules", [])) for g in data.get("groups", []))
    if not failing:
        return [Finding("prometheus", "rule-evaluation", OK, f"{total} rules, none failing")]
    shown = "; ".join(
        f"{group}/{rule.get('name')}: {rule.get('lastError', '')[:80]}" for group, rule in failing[:5]
    )
    return [
        Finding(
            "prometheus",
            "rule-evaluation",
            WARNING,
            f"{len(failing)} of {total} rules fail to evaluate: {shown}",
        )
    ]
