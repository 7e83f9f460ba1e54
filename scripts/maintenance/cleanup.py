"""Clean-up that is safe with the Prometheus admin API off. Dry run by default: prints what it would do.

    cleanup.py pushgateway --pushgateway-url URL --older-than 24h [--job REGEX] [--no-dry-run]
    cleanup.py silences --alertmanager-url URL [--matching 'alertname=~"Node.*"' ...] [--older-than 7d] [--no-dry-run]
    cleanup.py backups --dir /backups --keep 14 [--no-dry-run]
    cleanup.py tsdb --prometheus-data /prometheus [--retention-size 200GB --retention-time 30d]

``tsdb`` only advises: deleting series or tombstones needs the admin API (off by policy); retention
and compaction are Prometheus' own job. Expired silences cannot be deleted through the API:
Alertmanager drops them after ``--data.retention`` (120h).
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.common import (
    EXIT_OK,
    EXIT_USAGE,
    Endpoint,
    MaintenanceError,
    add_auth_arguments,
    human_seconds,
    parse_duration,
    parse_time,
    resolve_auth,
    run_main,
    utc_now,
)
from scripts.maintenance.health_pushgateway import group_key, push_time
from scripts.maintenance.retention_report import advice, measure
from scripts.maintenance.silences import parse_matcher, silence_matches

BACKUP_STAMP = re.compile(r"-(\d{8}T\d{6}Z)\.tar\.gz$")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleanup.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dry-run",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="only print (default); --no-dry-run acts",
    )
    add_auth_arguments(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    pg = sub.add_parser("pushgateway", help="delete Pushgateway groups not pushed for --older-than")
    pg.add_argument("--pushgateway-url", required=True)
    pg.add_argument("--older-than", required=True, help="e.g. 24h, 7d")
    pg.add_argument("--job", default=".*", help="only groups whose job matches this regex (fully)")
    si = sub.add_parser("silences", help="expire active or pending silences that match")
    si.add_argument("--alertmanager-url", required=True)
    si.add_argument(
        "--matching", action="append", default=[], help='matcher on the silence, e.g. alertname="NodeDown"'
    )
    si.add_argument("--older-than", help="only silences that started longer ago than this")
    bk = sub.add_parser("backups", help="delete backup archives, keeping the --keep newest")
    bk.add_argument("--dir", type=Path, required=True)
    bk.add_argument("--keep", type=int, required=True)
    ts = sub.add_parser("tsdb", help="TSDB guidance: size and time range against retention (no action)")
    ts.add_argument("--prometheus-data", type=Path, required=True)
    ts.add_argument("--retention-size", default="200GB")
    ts.add_argument("--retention-time", default="30d")
    for name in ("pushgateway", "silences", "backups", "tsdb"):
        sub.choices[name].add_argument(
            "--dry-run", action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help="as above"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    verb = "would" if args.dry_run else "will"
    if args.command == "pushgateway":
        return clean_pushgateway(args, verb)
    if args.command == "silences":
        return clean_silences(args, verb)
    if args.command == "backups":
        return clean_backups(args.dir, args.keep, args.dry_run)
    report = measure(args.prometheus_data)
    for line in advice(report, args.retention_size, args.retention_time):
        print(line)
    return EXIT_OK


# ------------------------------------------------------------------ Pushgateway
def group_path(labels: dict[str, str]) -> str:
    """The DELETE path of a group: ``/metrics/job/<job>/<label>/<value>…``, base64 for '/' or empty values."""
    if not labels.get("job"):
        raise MaintenanceError(
            "a Pushgateway group without a job label", hint="this is not a Pushgateway group"
        )
    rest = {k: v for k, v in labels.items() if k != "job"}
    parts = [_segment("job", labels["job"])] + [_segment(k, v) for k, v in sorted(rest.items())]
    return "/metrics/" + "/".join(parts)


def _segment(name: str, value: str) -> str:
    if value == "":
        return f"{name}@base64/="
    if "/" in value:
        return f"{name}@base64/" + base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    return f"{name}/{quote(value, safe='')}"


def stale_groups(
    groups: list[dict[str, Any]], now: float, older_than: float, job: str
) -> list[dict[str, Any]]:
    pattern = re.compile(job)
    return [
        g
        for g in groups
        if now - push_time(g) > older_than and pattern.fullmatch(str(g.get("labels", {}).get("job", "")))
    ]


def clean_pushgateway(args: argparse.Namespace, verb: str) -> int:
    endpoint = Endpoint(
        args.pushgateway_url, resolve_auth("pushgateway", args.user, args.password_file, args.secrets_dir)
    )
    groups = endpoint.get_json("/api/v1/metrics").get("data", [])
    now = utc_now().timestamp()
    chosen = stale_groups(groups, now, parse_duration(args.older_than), args.job)
    print(f"{len(chosen)} of {len(groups)} groups not pushed for {args.older_than}")
    for group in chosen:
        print(f"{verb} delete {group_key(group)} (last push {human_seconds(now - push_time(group))} ago)")
        if not args.dry_run:
            response = endpoint.request("DELETE", group_path(group["labels"]))
            if response.status not in (200, 202):
                raise MaintenanceError(
                    f"DELETE {group_path(group['labels'])} answered {response.status}",
                    place=endpoint.base_url,
                )
    return EXIT_OK


# ------------------------------------------------------------------ silences
def silences_to_expire(
    silences: list[dict[str, Any]],
    wanted: list[tuple[str, str, str]],
    now: datetime,
    older_than: float | None,
) -> list[dict[str, Any]]:
    out = []
    for silence in silences:
        if silence.get("status", {}).get("state") not in ("active", "pending"):
            continue
        if older_than is not None and (now - parse_time(silence["startsAt"])).total_seconds() <= older_than:
            continue
        if silence_matches(silence, wanted):
            out.append(silence)
    return out


def clean_silences(args: argparse.Namespace, verb: str) -> int:
    if not args.matching and not args.older_than:
        raise MaintenanceError(
            "refusing to select every silence",
            hint="give --matching and/or --older-than",
            exit_code=EXIT_USAGE,
        )
    endpoint = Endpoint(
        args.alertmanager_url, resolve_auth("alertmanager", args.user, args.password_file, args.secrets_dir)
    )
    silences = endpoint.get_json("/api/v2/silences")
    wanted = [parse_matcher(m) for m in args.matching]
    older = parse_duration(args.older_than) if args.older_than else None
    chosen = silences_to_expire(silences, wanted, utc_now(), older)
    expired = sum(1 for s in silences if s.get("status", {}).get("state") == "expired")
    print(
        f"{len(chosen)} silences selected; {expired} already expired (Alertmanager drops them after --data.retention)"
    )
    for silence in chosen:
        matchers = ",".join(
            f"{m['name']}{'=~' if m.get('isRegex') else '='}{m['value']}" for m in silence["matchers"]
        )
        print(
            f"{verb} expire {silence['id']} {{{matchers}}} by {silence.get('createdBy')}: {silence.get('comment')}"
        )
        if not args.dry_run:
            response = endpoint.request("DELETE", f"/api/v2/silence/{silence['id']}")
            if response.status != 200:
                raise MaintenanceError(
                    f"DELETE silence {silence['id']} answered {response.status}", place=endpoint.base_url
                )
    return EXIT_OK


# ------------------------------------------------------------------ backups
def prunable(names: list[str], keep: int) -> list[str]:
    """The backup archives to delete: all but the ``keep`` newest by the timestamp in their name.

    Names without a backup.py timestamp are never chosen.
    """
    if keep < 1:
        raise MaintenanceError(
            "--keep must be at least 1", hint="keep at least the newest backup", exit_code=EXIT_USAGE
        )
    stamped = sorted((m.group(1), n) for n in names if (m := BACKUP_STAMP.search(n)))
    return [name for _stamp, name in stamped[: max(0, len(stamped) - keep)]]


def clean_backups(directory: Path, keep: int, dry_run: bool) -> int:
    if not directory.is_dir():
        raise MaintenanceError("no such directory", place=str(directory), exit_code=EXIT_USAGE)
    names = sorted(p.name for p in directory.glob("*.tar.gz"))
    doomed = prunable(names, keep)
    print(f"{len(names)} archives, keeping the {min(keep, len(names))} newest, {len(doomed)} to delete")
    for name in doomed:
        print(f"{'would' if dry_run else 'will'} delete {directory / name} (+ its manifest)")
        if not dry_run:
            (directory / name).unlink(missing_ok=True)
            (directory / name.replace(".tar.gz", ".manifest.json")).unlink(missing_ok=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
