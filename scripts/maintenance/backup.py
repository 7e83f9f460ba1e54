"""Back up the monitoring stack: configuration and data into one tar.gz plus a manifest JSON.

    python3 scripts/maintenance/backup.py --output-dir /backups --repo /srv/stackcheck \\
        --prometheus-url https://prometheus:9090 --prometheus-data /prometheus --mode copy \\
        --alertmanager-url https://alertmanager:9093 --alertmanager-data /alertmanager \\
        --pushgateway-url https://pushgateway:9091 --pushgateway-file /data/pushgateway.data \\
        --grafana-data /var/lib/grafana --secrets-dir /etc/stackcheck/secrets

Archive layout: ``config/{stack,rules}/…``, ``prometheus/data/…`` (the TSDB),
``alertmanager/data/{silences,nflog}`` + ``alertmanager/silences.json`` (API export),
``pushgateway/data/<file>`` + ``pushgateway/groups.json``, ``grafana/data/grafana.db``, and
``manifest.json`` (sha256 of every file, versions, block ULIDs, time range).

Limits, stated plainly:
- ``--mode copy`` is crash-consistent, not point-in-time: completed blocks are immutable and copied
  whole; the WAL and chunks_head are copied as they are, and Prometheus recovers them on start like
  after a crash (a torn last WAL record is dropped). It must run on the host that holds the TSDB.
- ``--mode snapshot`` needs ``--web.enable-admin-api`` (off by policy in stack.yaml).
- Alertmanager writes ``silences``/``nflog`` to disk every 15 minutes and on shutdown: the files
  can miss newer silences; the API export (``silences.json``) has them all and
  ``restore.py --import-silences-to`` re-creates them.
- The Pushgateway file is as fresh as ``--persistence.interval`` (5m); ``groups.json`` is the live state
  for reference (restore does not re-push it).
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.archive import ArchiveWriter
from scripts.maintenance.backup_prometheus import backup_prometheus
from scripts.maintenance.common import (
    EXIT_OK,
    EXIT_USAGE,
    Endpoint,
    MaintenanceError,
    add_auth_arguments,
    iso,
    resolve_auth,
    run_main,
    sha256_file,
    utc_now,
)
from scripts.maintenance.manifest import Manifest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup.py",
        description="Back up the monitoring stack's configuration and data into one archive + manifest.",
        epilog="Only the parts whose data path (or --repo) is given are backed up. Exit 0 done, 1 failed, 2 usage.",
    )
    parser.add_argument("--output-dir", type=Path, required=True, help="where the archive and manifest go")
    parser.add_argument(
        "--name", default="stackcheck-backup", help="archive name prefix (default: %(default)s)"
    )
    parser.add_argument(
        "--repo", type=Path, help="repository root whose stack/ and rules/ are the configuration"
    )
    parser.add_argument("--mode", choices=("copy", "snapshot"), default="copy", help="how to take the TSDB")
    parser.add_argument(
        "--keep-snapshot", action="store_true", help="snapshot mode: leave the snapshot in place"
    )
    for component in ("prometheus", "alertmanager", "pushgateway", "grafana"):
        parser.add_argument(f"--{component}-url", help=f"{component} base URL (versions, exports)")
    parser.add_argument("--prometheus-data", type=Path, help="the TSDB directory (--storage.tsdb.path)")
    parser.add_argument("--alertmanager-data", type=Path, help="Alertmanager's --storage.path")
    parser.add_argument("--pushgateway-file", type=Path, help="Pushgateway's --persistence.file")
    parser.add_argument("--grafana-data", type=Path, help="Grafana's data directory (holds grafana.db)")
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout in seconds")
    add_auth_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    endpoints = _endpoints(args)
    if args.mode == "snapshot" and "prometheus" not in endpoints:
        raise MaintenanceError("--mode snapshot needs --prometheus-url", exit_code=EXIT_USAGE)
    if not any(
        [args.repo, args.prometheus_data, args.alertmanager_data, args.pushgateway_file, args.grafana_data]
    ):
        raise MaintenanceError(
            "nothing to back up",
            hint="give --repo and/or the data paths (--prometheus-data, --alertmanager-data, ...)",
            exit_code=EXIT_USAGE,
        )
    args.output_dir.mkdir(parents=True, exist_ok=True)
    now = utc_now()
    stem = f"{args.name}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    final = args.output_dir / f"{stem}.tar.gz"
    partial = args.output_dir / f"{stem}.tar.gz.partial"
    manifest = Manifest(created=iso(now), host=socket.gethostname(), mode=args.mode)
    writer = ArchiveWriter(partial)
    try:
        if args.repo:
            manifest.components["config"] = backup_config(writer, args.repo)
        if args.prometheus_data:
            manifest.components["prometheus"] = backup_prometheus(
                writer, args.prometheus_data, endpoints.get("prometheus"), args.mode, args.keep_snapshot
            )
        if args.alertmanager_data:
            manifest.components["alertmanager"] = backup_alertmanager(
                writer, args.alertmanager_data, endpoints.get("alertmanager")
            )
        if args.pushgateway_file:
            manifest.components["pushgateway"] = backup_pushgateway(
                writer, args.pushgateway_file, endpoints.get("pushgateway")
            )
        if args.grafana_data:
            manifest.components["grafana"] = backup_grafana(
                writer, args.grafana_data, endpoints.get("grafana")
            )
        writer.close(manifest)
    except BaseException:
        writer.abort()
        raise
    partial.rename(final)
    manifest.archive_sha256 = sha256_file(final)
    manifest_path = args.output_dir / f"{stem}.manifest.json"
    manifest_path.write_text(manifest.to_json(), encoding="utf-8")
    print(f"archive:  {final}")
    print(f"manifest: {manifest_path}")
    print(f"files: {len(manifest.files)}, sha256 {manifest.archive_sha256}")
    for name, info in manifest.components.items():
        print(f"  {name}: {summary(info)}")
    return EXIT_OK


def _endpoints(args: argparse.Namespace) -> dict[str, Endpoint]:
    out: dict[str, Endpoint] = {}
    for component in ("prometheus", "alertmanager", "pushgateway", "grafana"):
        url = getattr(args, f"{component}_url")
        if url:
            auth = resolve_auth(component, args.user, args.password_file, args.secrets_dir)
            out[component] = Endpoint(url, auth, timeout=args.timeout)
    return out


def summary(info: dict[str, Any]) -> str:
    keys = ("version", "files", "blocks_count", "time_range", "silences_exported", "groups_exported", "note")
    parts = []
    for key in keys:
        if key in info and info[key] not in (None, "", []):
            value = info[key]
            if key == "time_range" and isinstance(value, dict):
                value = f"{value.get('min')} .. {value.get('max')}"
            parts.append(f"{key}={value}")
    return ", ".join(parts)


# ------------------------------------------------------------------ configuration
def backup_config(writer: ArchiveWriter, repo: Path) -> dict[str, Any]:
    roots = [name for name in ("stack", "rules") if (repo / name).is_dir()]
    if not roots:
        raise MaintenanceError(
            "neither stack/ nor rules/ is there", place=str(repo), hint="--repo is the repository root"
        )
    count = sum(writer.add_tree(repo / name, f"config/{name}") for name in roots)
    return {"source": str(repo.resolve()), "roots": roots, "files": count}


# ------------------------------------------------------------------ Alertmanager, Pushgateway, Grafana
def backup_alertmanager(writer: ArchiveWriter, storage: Path, endpoint: Endpoint | None) -> dict[str, Any]:
    if not storage.is_dir():
        raise MaintenanceError(
            "the storage directory does not exist",
            place=str(storage),
            hint="--alertmanager-data is --storage.path",
        )
    info: dict[str, Any] = {"source": str(storage.resolve())}
    info["files"] = writer.add_tree(storage, "alertmanager/data")
    info["data_files"] = sorted(p.name for p in storage.iterdir() if p.is_file())
    if endpoint is not None:
        status = endpoint.get_json("/api/v2/status")
        info["version"] = str(status.get("versionInfo", {}).get("version", ""))
        silences = endpoint.get_json("/api/v2/silences")
        writer.add_bytes(_json_bytes(silences), "alertmanager/silences.json")
        info["silences_exported"] = sum(1 for s in silences if s.get("status", {}).get("state") != "expired")
    else:
        info["note"] = (
            "no --alertmanager-url: silences newer than the last on-disk snapshot are not in the backup"
        )
    return info


def backup_pushgateway(writer: ArchiveWriter, persistence: Path, endpoint: Endpoint | None) -> dict[str, Any]:
    info: dict[str, Any] = {"source": str(persistence.resolve()), "file": persistence.name}
    if persistence.is_file():
        writer.add_file(persistence, f"pushgateway/data/{persistence.name}")
        info["files"] = 1
    else:
        info["note"] = "no persistence file yet (written every --persistence.interval and on shutdown)"
    if endpoint is not None:
        status = endpoint.get_json("/api/v1/status").get("data", {})
        info["version"] = str(status.get("build_information", {}).get("version", ""))
        groups = endpoint.get_json("/api/v1/metrics").get("data", [])
        writer.add_bytes(_json_bytes(groups), "pushgateway/groups.json")
        info["groups_exported"] = len(groups)
    return info


def backup_grafana(writer: ArchiveWriter, data_dir: Path, endpoint: Endpoint | None) -> dict[str, Any]:
    """grafana.db through SQLite's online backup API: consistent even while Grafana writes."""
    database = data_dir / "grafana.db"
    info: dict[str, Any] = {"source": str(data_dir.resolve())}
    if endpoint is not None:
        health = endpoint.get_json("/api/health")
        info["version"] = str(health.get("version", ""))
    if not database.is_file():
        info["note"] = "no grafana.db (Grafana absent or using another database)"
        return info
    with tempfile.TemporaryDirectory(prefix="grafana-backup-") as scratch:
        copy = Path(scratch) / "grafana.db"
        try:
            source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            target = sqlite3.connect(copy)
            with target:
                source.backup(target)
            source.close()
            target.close()
        except sqlite3.Error as exc:
            raise MaintenanceError(f"cannot read grafana.db: {exc}", place=str(database)) from None
        writer.add_file(copy, "grafana/data/grafana.db")
    info["files"] = 1
    return info


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True) + "\n").encode()


if __name__ == "__main__":
    sys.exit(main())
