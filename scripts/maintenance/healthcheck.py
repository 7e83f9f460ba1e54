"""Probe every component and print one line per finding, Nagios-style.

    python3 scripts/maintenance/healthcheck.py --prometheus-url http://prometheus:9090 \\
        --alertmanager-url http://alertmanager:9093 --pushgateway-url http://pushgateway:9091 \\
        --secrets-dir /etc/stackcheck/secrets [--json] [--verbose]

Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check itself could not run: usage, unreadable
password file). The first line is the summary; then one line per finding that is not OK (all with
--verbose). Limits: notification failures come from Prometheus (``increase(...[--window])``) when
--prometheus-url is given, else from Alertmanager's counters since its start.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.common import (
    Endpoint,
    MaintenanceError,
    add_auth_arguments,
    parse_duration,
    resolve_auth,
    utc_now,
)
from scripts.maintenance.expfmt import parse, values

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthcheck.py",
        description="Probe Prometheus, Alertmanager, Pushgateway (and Grafana): one line per finding.",
        epilog="Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    )
    for component in ("prometheus", "alertmanager", "pushgateway", "grafana"):
        parser.add_argument(f"--{component}-url", help=f"{component} base URL")
    parser.add_argument(
        "--window", default="15m", help="window for notification failures (default %(default)s)"
    )
    parser.add_argument("--stale-after", default="1h", help="a Pushgateway group older than this is stale")
    parser.add_argument("--max-head-series", type=int, default=0, help="WARNING above this many head series")
    parser.add_argument(
        "--expect-config-hash", default="", help="Alertmanager's alertmanager_config_hash, as printed"
    )
    parser.add_argument(
        "--expect-peers", type=int, default=-1, help="Alertmanager cluster size expected (HA pair: 2)"
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="print OK findings too")
    parser.add_argument("--timeout", type=float, default=5.0, help="HTTP timeout per request (seconds)")
    add_auth_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        options = Options(
            args.window,
            parse_duration(args.stale_after),
            args.max_head_series,
            args.expect_config_hash,
            args.expect_peers,
        )
        endpoints = {
            c: Endpoint(
                getattr(args, f"{c}_url"),
                resolve_auth(c, args.user, args.password_file, args.secrets_dir),
                timeout=args.timeout,
            )
            for c in ("prometheus", "alertmanager", "pushgateway", "grafana")
            if getattr(args, f"{c}_url")
        }
    except MaintenanceError as exc:
        print(f"UNKNOWN: {exc.render()}")
        return UNKNOWN
    except SystemExit as exc:
        return UNKNOWN if exc.code else OK
    if not endpoints:
        print("UNKNOWN: nothing to check. Hint: give --prometheus-url, --alertmanager-url, ...")
        return UNKNOWN
    findings = check_all(endpoints, options)
    status = worst(findings)
    if args.json:
        print(json.dumps({"status": LEVELS[status], "findings": [asdict(f) for f in findings]}, indent=1))
    else:
        print(summary_line(findings))
        for finding in findings:
            if finding.status != OK or args.verbose:
                print(finding.line())
    return status


def worst(findings: list[Finding]) -> int:
    return max((f.status for f in findings), default=OK)


def summary_line(findings: list[Finding]) -> str:
    status = worst(findings)
    counts = {
        LEVELS[level]: sum(1 for f in findings if f.status == level) for level in (CRITICAL, WARNING, UNKNOWN)
    }
    detail = ", ".join(f"{n} {name.lower()}" for name, n in counts.items() if n)
    return f"STACK {LEVELS[status]}: {len(findings)} checks" + (f", {detail}" if detail else "")


def check_all(endpoints: dict[str, Endpoint], options: Options) -> list[Finding]:
    checkers: dict[str, Callable[[Endpoint, Options, dict[str, Endpoint]], list[Finding]]] = {
        "prometheus": check_prometheus,
        "alertmanager": check_alertmanager,
        "pushgateway": check_pushgateway,
        "grafana": check_grafana,
    }
    findings: list[Finding] = []
    for component, endpoint in endpoints.items():
        basics = probe_basics(component, endpoint)
        findings += basics
        if worst(basics) == CRITICAL:
            continue
        try:
            findings += checkers[component](endpoint, options, endpoints)
        except MaintenanceError as exc:
            findings.append(Finding(component, "api", CRITICAL, exc.render()))
    return findings


def probe_basics(component: str, endpoint: Endpoint) -> list[Finding]:
    paths = (
        (("health", "/api/health"),)
        if component == "grafana"
        else (("healthy", "/-/healthy"), ("ready", "/-/ready"))
    )
    out = []
    for check, path in paths:
        try:
            response = endpoint.request("GET", path)
        except MaintenanceError as exc:
            return [Finding(component, check, CRITICAL, f"unreachable: {exc.what}")]
        if response.status == 401:
            return [
                Finding(
                    component,
                    check,
                    CRITICAL,
                    f"{path} answered 401: wrong or missing credentials "
                    "(basic auth covers health probes; give --password-file / --secrets-dir)",
                )
            ]
        if response.status != 200:
            return [
                Finding(
                    component,
                    check,
                    CRITICAL,
                    f"{path} answered {response.status}: {response.text[:100].strip()}",
                )
            ]
        out.append(Finding(component, check, OK, f"{path} answered 200"))
    return out


def _data(endpoint: Endpoint, path: str) -> Any:
    return endpoint.get_json(path).get("data")


def _metrics(endpoint: Endpoint) -> str:
    response = endpoint.request("GET", "/metrics")
    if response.status != 200:
        raise MaintenanceError(f"GET /metrics answered {response.status}", place=endpoint.base_url)
    return response.text


# ------------------------------------------------------------------ Prometheus
def check_prometheus(endpoint: Endpoint, options: Options, _all: dict[str, Endpoint]) -> list[Finding]:
    out: list[Finding] = []
    runtime = _data(endpoint, "/api/v1/status/runtimeinfo") or {}
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
    out += target_findings(_data(endpoint, "/api/v1/targets?state=active") or {})
    out += rule_findings(_data(endpoint, "/api/v1/rules") or {})
    head = (_data(endpoint, "/api/v1/status/tsdb") or {}).get("headStats", {})
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
        s.value for s in values(parse(_metrics(endpoint)), "prometheus_tsdb_wal_corruptions_total")
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


# ------------------------------------------------------------------ Alertmanager
def check_alertmanager(
    endpoint: Endpoint, options: Options, all_endpoints: dict[str, Endpoint]
) -> list[Finding]:
    out: list[Finding] = []
    status = endpoint.get_json("/api/v2/status")
    out.append(cluster_finding(status.get("cluster", {}), options.expect_peers))
    samples = parse(_metrics(endpoint))
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


# ------------------------------------------------------------------ Pushgateway, Grafana
def check_pushgateway(endpoint: Endpoint, options: Options, _all: dict[str, Endpoint]) -> list[Finding]:
    groups = _data(endpoint, "/api/v1/metrics") or []
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


def check_grafana(endpoint: Endpoint, _options: Options, _all: dict[str, Endpoint]) -> list[Finding]:
    health = endpoint.get_json("/api/health")
    database = health.get("database", "?")
    return [
        Finding(
            "grafana",
            "database",
            OK if database == "ok" else CRITICAL,
            f"database {database}, version {health.get('version', '?')}",
        )
    ]


if __name__ == "__main__":
    sys.exit(main())
