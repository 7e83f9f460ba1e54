"""Restore a backup.py archive: verify it, refuse to write under a running component, restore, say what next.

    python3 scripts/maintenance/restore.py ARCHIVE --verify-only
    python3 scripts/maintenance/restore.py ARCHIVE --prometheus-data /prometheus \\
        --alertmanager-data /alertmanager --pushgateway-file /data/pushgateway.data --config-to /srv/restore
    python3 scripts/maintenance/restore.py ARCHIVE --import-silences-to https://alertmanager:9093 --secrets-dir …

Every restore first checks each file's sha256 and size against the manifest. A destination is
"in use" when the TSDB ``lock`` is held, a process on this host names the path in its command
line (Linux /proc), or the component's --<name>-url answers; then, and when the destination is not
empty, it refuses unless ``--force`` — which moves the old contents aside to
``<dest>.pre-restore-<time>`` rather than deleting them. Stop the component first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.archive import extract_section, open_archive, verify_archive
from scripts.maintenance.common import (
    EXIT_OK,
    EXIT_USAGE,
    Endpoint,
    MaintenanceError,
    add_auth_arguments,
    resolve_auth,
    run_main,
    sha256_file,
    utc_now,
)
from scripts.maintenance.manifest import Manifest
from scripts.maintenance.silences import to_import
from scripts.maintenance.tsdb import HEAD_DIRS, holders, lock_held


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="restore.py",
        description="Verify a backup.py archive and restore configuration and data from it.",
        epilog="Exit 0 done, 1 failed (damaged archive, destination in use), 2 usage.",
    )
    parser.add_argument("archive", type=Path)
    parser.add_argument(
        "--verify-only", action="store_true", help="check sha256 and manifest, restore nothing"
    )
    parser.add_argument(
        "--config-to", type=Path, help="write config/stack and config/rules under this directory"
    )
    parser.add_argument("--prometheus-data", type=Path, help="TSDB directory to restore into")
    parser.add_argument(
        "--alertmanager-data", type=Path, help="Alertmanager storage directory to restore into"
    )
    parser.add_argument("--pushgateway-file", type=Path, help="Pushgateway persistence file to restore")
    parser.add_argument("--grafana-data", type=Path, help="Grafana data directory to restore grafana.db into")
    for component in ("prometheus", "alertmanager", "pushgateway", "grafana"):
        parser.add_argument(f"--{component}-url", help=f"refuse while {component} answers here")
    parser.add_argument(
        "--force", action="store_true", help="restore even over a non-empty or in-use destination"
    )
    parser.add_argument(
        "--import-silences-to",
        metavar="URL",
        help="re-create the archive's silences still in force in this Alertmanager",
    )
    add_auth_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if not args.archive.is_file():
        raise MaintenanceError("no such archive", place=str(args.archive), exit_code=EXIT_USAGE)
    check_sidecar(args.archive)
    manifest = verify_archive(args.archive)
    print(
        f"archive OK: {len(manifest.files)} files match the manifest (created {manifest.created} on {manifest.host})"
    )
    for name, info in sorted(manifest.components.items()):
        version = f"version {info['version']}" if info.get("version") else f"{info.get('files', 0)} files"
        print(f"  {name}: {version}" + _range(info))
    if args.verify_only:
        return EXIT_OK
    plan = _plan(args, manifest)
    if not plan and not args.import_silences_to:
        raise MaintenanceError(
            "nothing to restore",
            hint="give destinations: --config-to, --prometheus-data, ... (or --verify-only)",
            exit_code=EXIT_USAGE,
        )
    for section, destination, url in plan:
        refuse_if_busy(section, destination, url, args.force)
    steps: list[str] = []
    for section, destination, _url in plan:
        steps += restore_section(args.archive, manifest, section, destination)
    if args.import_silences_to:
        auth = resolve_auth("alertmanager", args.user, args.password_file, args.secrets_dir)
        created = import_silences(args.archive, Endpoint(args.import_silences_to, auth))
        print(f"silences re-created in {args.import_silences_to}: {created}")
    if steps:
        print("\nnext steps:")
        for number, step in enumerate(steps, 1):
            print(f"  {number}. {step}")
    return EXIT_OK


def check_sidecar(archive: Path) -> None:
    """The manifest written next to the archive records the archive's sha256: compare when it is there."""
    sidecar = archive.with_name(archive.name.removesuffix(".tar.gz") + ".manifest.json")
    if not sidecar.is_file():
        return
    expected = Manifest.from_json(sidecar.read_text(encoding="utf-8"), place=str(sidecar)).archive_sha256
    if expected and sha256_file(archive) != expected:
        raise MaintenanceError(
            "the archive's sha256 differs from the one recorded in its manifest",
            place=str(archive),
            hint=f"the archive was changed or truncated after the backup (see {sidecar.name}); use another backup",
        )


def _range(info: dict[str, Any]) -> str:
    covered = info.get("time_range")
    return f", data {covered['min']} .. {covered['max']}" if isinstance(covered, dict) else ""


def _plan(args: argparse.Namespace, manifest: Manifest) -> list[tuple[str, Path, str | None]]:
    wanted = [
        ("config", args.config_to, None),
        ("prometheus", args.prometheus_data, args.prometheus_url),
        ("alertmanager", args.alertmanager_data, args.alertmanager_url),
        ("pushgateway", args.pushgateway_file, args.pushgateway_url),
        ("grafana", args.grafana_data, args.grafana_url),
    ]
    plan = []
    for section, destination, url in wanted:
        if destination is None:
            continue
        if section not in manifest.components:
            raise MaintenanceError(
                f"the archive holds no {section} backup",
                place=str(args.archive),
                hint="it holds: " + (", ".join(sorted(manifest.components)) or "nothing"),
            )
        plan.append((section, Path(destination), url))
    return plan


def busy_reasons(section: str, destination: Path, url: str | None) -> list[str]:
    reasons = []
    if section == "prometheus" and lock_held(destination):
        reasons.append(f"{destination}/lock is held")
    pids = holders(destination)
    if pids:
        reasons.append("process " + ", ".join(map(str, pids)) + f" names {destination} on its command line")
    if url and Endpoint(url, timeout=3).answers():
        reasons.append(f"{section} answers at {url}")
    return reasons


def refuse_if_busy(section: str, destination: Path, url: str | None, force: bool) -> None:
    reasons = busy_reasons(section, destination, url)
    occupied = destination.is_file() or (destination.is_dir() and any(destination.iterdir()))
    if force:
        return
    if reasons:
        raise MaintenanceError(
            f"{section} is running on this data: " + "; ".join(reasons),
            place=str(destination),
            hint=f"stop {section} first (restoring under a running process corrupts its data), or --force",
        )
    if section == "config":
        clashes = [name for name in ("stack", "rules") if (destination / name).exists()]
        if clashes:
            raise MaintenanceError(
                "would overwrite " + ", ".join(f"{destination / name}/" for name in clashes),
                place=str(destination),
                hint="restore the configuration into an empty directory and diff it; or --force to overwrite",
            )
        return
    if occupied:
        raise MaintenanceError(
            "the destination is not empty",
            place=str(destination),
            hint="restore into an empty path, or --force to move the current contents aside to <dest>.pre-restore-<time>",
        )


def _move_aside(destination: Path) -> Path | None:
    if not destination.exists() or (destination.is_dir() and not any(destination.iterdir())):
        return None
    aside = destination.with_name(f"{destination.name}.pre-restore-{utc_now().strftime('%Y%m%dT%H%M%SZ')}")
    destination.rename(aside)
    return aside


def restore_section(archive: Path, manifest: Manifest, section: str, destination: Path) -> list[str]:
    info = manifest.components[section]
    if section == "config":
        count = extract_section(archive, "config", destination)
        print(f"config: {count} files → {destination}")
        return [
            f"diff {destination}/stack and {destination}/rules against the deployed configuration, then "
            "`stackcheck -C <repo> check` before deploying them"
        ]
    aside = _move_aside(destination)
    if aside is not None:
        print(f"{section}: moved the current contents aside to {aside}")
    if section == "prometheus":
        blocks = {b["ulid"] for b in info.get("blocks", [])}
        count = extract_section(
            archive, "prometheus/data", destination, keep=lambda rel: _keep_tsdb(rel, blocks)
        )
        print(f"prometheus: {count} files ({len(blocks)} blocks + head) → {destination}")
        return [
            f"start Prometheus with --storage.tsdb.path={destination}; it replays the WAL "
            "(logs 'WAL replay completed'; a torn last record of a crash-consistent copy is repaired)",
            "check: `promtool tsdb list " + str(destination) + "` lists the blocks; once started, "
            "`healthcheck.py --prometheus-url <URL>` and a query over a range before the backup",
        ]
    if section == "alertmanager":
        destination.mkdir(parents=True, exist_ok=True)
        count = extract_section(archive, "alertmanager/data", destination)
        print(f"alertmanager: {count} files → {destination}")
        return [
            f"start Alertmanager with --storage.path={destination}",
            f"then: restore.py {archive} --import-silences-to <alertmanager URL> (silences newer than the on-disk "
            "snapshot; already present ones are skipped)",
        ]
    if section == "pushgateway":
        name = str(info.get("file", ""))
        if not any(f.path == f"pushgateway/data/{name}" for f in manifest.files):
            print("pushgateway: the archive holds no persistence file (none existed at backup time)")
            return ["batch jobs re-push their groups on their next run"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        scratch = destination.parent / f".{destination.name}.restore"
        scratch.mkdir(exist_ok=True)
        extract_section(archive, "pushgateway/data", scratch)
        (scratch / name).rename(destination)
        scratch.rmdir()
        print(f"pushgateway: {name} → {destination}")
        return [f"start the Pushgateway with --persistence.file={destination}"]
    destination.mkdir(parents=True, exist_ok=True)
    count = extract_section(archive, "grafana/data", destination)
    print(f"grafana: {count} files → {destination}")
    return [f"start Grafana with its data path {destination}, the same GF_SECURITY_SECRET_KEY as before"]


def _keep_tsdb(relative: str, blocks: set[str]) -> bool:
    top = relative.split("/", 1)[0]
    return top in HEAD_DIRS or top in blocks


def import_silences(archive: Path, endpoint: Endpoint) -> int:
    with open_archive(archive) as tar:
        try:
            handle = tar.extractfile("alertmanager/silences.json")
        except KeyError:
            raise MaintenanceError(
                "the archive holds no silence export",
                place=str(archive),
                hint="back up with --alertmanager-url",
            ) from None
        assert handle is not None
        exported = json.loads(handle.read())
    existing = endpoint.get_json("/api/v2/silences")
    created = 0
    for body in to_import(exported, existing, utc_now()):
        response = endpoint.request("POST", "/api/v2/silences", json.dumps(body).encode())
        if response.status != 200:
            raise MaintenanceError(
                f"POST /api/v2/silences answered {response.status}: {response.text[:200]}",
                place=endpoint.base_url,
            )
        created += 1
    return created


if __name__ == "__main__":
    sys.exit(main())
