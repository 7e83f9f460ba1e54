"""Probe every component and print one line per finding, Nagios-style.

    python3 scripts/maintenance/healthcheck.py --prometheus-url https://prometheus:9090 \\
        --alertmanager-url https://alertmanager:9093 --pushgateway-url https://pushgateway:9091 \\
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
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.common import (
    Endpoint,
    MaintenanceError,
    add_auth_arguments,
    parse_duration,
    resolve_auth,
)
from scripts.maintenance.health_alertmanager import check_alertmanager
from scripts.maintenance.health_base import (
    CRITICAL,
    LEVELS,
    OK,
    UNKNOWN,
    Finding,
    Options,
    summary_line,
    worst,
)
from scripts.maintenance.health_prometheus import check_prometheus
from scripts.maintenance.health_pushgateway import check_pushgateway


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
