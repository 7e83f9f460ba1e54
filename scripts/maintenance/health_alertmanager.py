"""Alertmanager probes: cluster status, configuration hash and reload, failed notifications."""

from __future__ import annotations

import urllib.parse
from typing import Any

from scripts.maintenance.common import Endpoint, MaintenanceError
from scripts.maintenance.expfmt import parse, values
from scripts.maintenance.health_base import CRITICAL, OK, WARNING, Finding, Options, metrics_text


def check_alertmanager(
    endpoint: Endpoint, options: Options, all_endpoints: dict[str, Endpoint]
) -> list[Finding]:
    out: list[Finding] = []
    status = endpoint.get_json("/api/v2/status")
    out.append(cluster_finding(status.get("cluster", {}), options.expect_peers))
    samples = parse(metrics_text(endpoint))
    reload_ok = values(samples, "alertmanager_config_last_reload_successful")
    if reload_ok and reload_ok[0].value == 0:
        out.append(
            Finding(
                "alertmanager",
                "config-reload",
                CRITICAL,
                "the last configuration reload failed; the previous config is in use",
            )
        )
    hashes = values(samples, "alertmanager_config_hash")
    config_hash = f"{hashes[0].value:.0f}" if hashes else "?"
    mismatch = bool(options.expect_config_hash) and options.expect_config_hash != config_hash
    out.append(
        Finding(
            "alertmanager",
            "config-hash",
            CRITICAL if mismatch else OK,
            f"config hash {config_hash}" + (f", expected {options.expect_config_hash}" if mismatch else ""),
        )
    )
    out.append(notification_finding(samples, all_endpoints.get("prometheus"), options.window))
    return out


def cluster_finding(cluster: dict[str, Any], expect_peers: int) -> Finding:
    state = cluster.get("status", "?")
    peers = len(cluster.get("peers") or [])
    if expect_peers >= 0 and state != "disabled" and peers != expect_peers:
        return Finding(
            "alertmanager",
            "cluster",
            CRITICAL,
            f"cluster {state} with {peers} peers, expected {expect_peers}",
        )
    if state == "settling":
        return Finding("alertmanager", "cluster", WARNING, f"cluster still settling ({peers} peers)")
    if state == "disabled" and expect_peers > 1:
        return Finding(
            "alertmanager",
            "cluster",
            CRITICAL,
            "gossip disabled (--cluster.listen-address empty) but an HA pair is expected",
        )
    return Finding(
        "alertmanager",
        "cluster",
        OK,
        f"cluster {state}" + (f", {peers} peers" if state != "disabled" else " (single instance)"),
    )


def notification_finding(samples: list[Any], prometheus: Endpoint | None, window: str) -> Finding:
    failed: dict[str, float] = {}
    how = "since Alertmanager started"
    if prometheus is not None:
        query = f"sum by (integration) (increase(alertmanager_notifications_failed_total[{window}]))"
        try:
            result = (
                prometheus.get_json("/api/v1/query?query=" + urllib.parse.quote(query))
                .get("data", {})
                .get("result", [])
            )
            failed = {r["metric"].get("integration", "?"): float(r["value"][1]) for r in result}
            how = f"in the last {window}"
        except MaintenanceError:
            failed = {}
    if not failed and how.startswith("since"):
        for sample in values(samples, "alertmanager_notifications_failed_total"):
            key = sample.labels.get("integration", "?")
            failed[key] = failed.get(key, 0) + sample.value
    bad = {k: v for k, v in failed.items() if v > 0}
    if not bad:
        return Finding("alertmanager", "notifications-failed", OK, f"no failed notifications {how}")
    shown = ", ".join(f"{k}={v:.0f}" for k, v in sorted(bad.items()))
    return Finding("alertmanager", "notifications-failed", WARNING, f"failed notifications {how}: {shown}")
