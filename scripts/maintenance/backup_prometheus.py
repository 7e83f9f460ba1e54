"""Taking Prometheus' TSDB into a backup archive: a crash-consistent copy, or an admin-API snapshot.

See backup.py for the archive layout and docs/monitoring/backup-restore.md for why the copy is
safe to restore.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from scripts.maintenance.archive import ArchiveWriter
from scripts.maintenance.common import Endpoint, MaintenanceError, iso_ms
from scripts.maintenance.tsdb import HEAD_DIRS, Block, is_block_dir, list_blocks, read_block, time_range

ADMIN_FLAG = "--web.enable-admin-api"


def backup_prometheus(
    writer: ArchiveWriter, tsdb: Path, endpoint: Endpoint | None, mode: str, keep_snapshot: bool
) -> dict[str, Any]:
    if not tsdb.is_dir():
        raise MaintenanceError(
            "the TSDB directory does not exist",
            place=str(tsdb),
            hint="--prometheus-data is --storage.tsdb.path",
        )
    info: dict[str, Any] = {"source": str(tsdb.resolve()), "mode": mode}
    head: dict[str, Any] = {}
    if endpoint is not None:
        info["version"] = _prometheus_version(endpoint)
        head = _head_stats(endpoint)
    if mode == "snapshot":
        assert endpoint is not None
        snapshot = take_snapshot(endpoint, tsdb)
        try:
            info["files"] = writer.add_tree(snapshot, "prometheus/data")
            blocks = list_blocks(snapshot)
            info["snapshot"] = snapshot.name
            info["consistency"] = "point-in-time (admin API snapshot, head included)"
        finally:
            if not keep_snapshot:
                _remove_tree(snapshot)
    else:
        info["files"], blocks = copy_tsdb(writer, tsdb)
        info["consistency"] = "crash-consistent (blocks whole; WAL and chunks_head as they were)"
    info["blocks"] = [b.as_dict() for b in blocks]
    info["blocks_count"] = len(blocks)
    covered = time_range(blocks)
    low = [covered[0]] if covered else []
    high = [covered[1]] if covered else []
    if head.get("numSeries"):
        low.append(int(head["minTime"]))
        high.append(int(head["maxTime"]))
        info["head_series"] = int(head["numSeries"])
    if low:
        info["time_range"] = {
            "min": iso_ms(min(low)),
            "max": iso_ms(max(high)),
            "min_ms": min(low),
            "max_ms": max(high),
        }
    return info


def copy_tsdb(writer: ArchiveWriter, tsdb: Path, prefix: str = "prometheus/data") -> tuple[int, list[Block]]:
    """Head first, then blocks, then blocks that appeared meanwhile.

    In this order a compaction that runs during the copy leaves its samples in both the WAL copy and the
    new block (replay drops WAL samples older than the newest block), never in neither. A block
    deleted by compaction or retention while being copied is left out of the manifest's block list
    (its data is in the block that replaced it) and restore skips its files.
    """
    count = 0
    for name in HEAD_DIRS:
        if (tsdb / name).is_dir():
            count += writer.add_tree(tsdb / name, f"{prefix}/{name}")
    copied: dict[str, Block] = {}
    for _round in range(3):
        fresh = [p for p in sorted(tsdb.iterdir()) if is_block_dir(p) and p.name not in copied]
        if not fresh:
            break
        for path in fresh:
            block = read_block(path)
            if block is None:
                continue
            count += writer.add_tree(path, f"{prefix}/{path.name}")
            if (path / "meta.json").is_file():
                copied[path.name] = block
    return count, [copied[k] for k in sorted(copied)]


def take_snapshot(endpoint: Endpoint, tsdb: Path) -> Path:
    response = endpoint.request("POST", "/api/v1/admin/tsdb/snapshot")
    if response.status in (404, 405) or "admin APIs disabled" in response.text:
        raise MaintenanceError(
            f"the admin API is off (POST /api/v1/admin/tsdb/snapshot answered {response.status}: {response.text[:120]})",
            place=endpoint.base_url,
            hint=f"snapshots need Prometheus started with {ADMIN_FLAG} (web.enable-admin-api: false in stack.yaml "
            "by policy); use --mode copy instead",
        )
    if response.status == 401:
        raise MaintenanceError(
            "the snapshot request answered 401",
            place=endpoint.base_url,
            hint="check --user / --password-file",
        )
    data = response.json() or {}
    name = (data.get("data") or {}).get("name") if isinstance(data, dict) else None
    if response.status != 200 or not name:
        raise MaintenanceError(
            f"the snapshot failed: {response.status} {response.text[:200]}", place=endpoint.base_url
        )
    snapshot = tsdb / "snapshots" / str(name)
    if not snapshot.is_dir():
        raise MaintenanceError(
            f"Prometheus made snapshot {name} but it is not under {tsdb}/snapshots",
            place=str(tsdb),
            hint="--prometheus-data must be this Prometheus' --storage.tsdb.path, on this host",
        )
    return snapshot


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _prometheus_version(endpoint: Endpoint) -> str:
    data = endpoint.get_json("/api/v1/status/buildinfo").get("data", {})
    return str(data.get("version", ""))


def _head_stats(endpoint: Endpoint) -> dict[str, Any]:
    return dict(endpoint.get_json("/api/v1/status/tsdb").get("data", {}).get("headStats", {}))
