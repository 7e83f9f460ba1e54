"""Disk usage of the TSDB against ``retention.size`` and its time range against ``retention.time``.

    python3 scripts/maintenance/retention_report.py --prometheus-data /prometheus \\
        [--retention-size 200GB --retention-time 30d | --stack stack/stack.yaml] [--json]

Reads the directory only (works with Prometheus running or stopped). Exit 0 below ``--warn-at``
(default 85 %) of both limits, 1 above. Limits: Prometheus counts blocks + WAL + chunks_head
against retention.size; it deletes whole blocks only, so usage oscillates by up to one block.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `scripts.maintenance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.maintenance.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    MaintenanceError,
    human_bytes,
    human_seconds,
    iso_ms,
    parse_duration,
    parse_size,
    run_main,
)
from scripts.maintenance.tsdb import HEAD_DIRS, dir_size, list_blocks, time_range


@dataclass
class Usage:
    path: str
    blocks: int
    blocks_bytes: int
    head_bytes: int
    total_bytes: int
    min_time_ms: int | None
    max_time_ms: int | None

    @property
    def span_seconds(self) -> float:
        if self.min_time_ms is None or self.max_time_ms is None:
            return 0.0
        return (self.max_time_ms - self.min_time_ms) / 1000


def measure(tsdb: Path) -> Usage:
    if not tsdb.is_dir():
        raise MaintenanceError(
            "no such TSDB directory",
            place=str(tsdb),
            hint="--prometheus-data is --storage.tsdb.path",
            exit_code=EXIT_USAGE,
        )
    blocks = list_blocks(tsdb)
    covered = time_range(blocks)
    head = sum(dir_size(tsdb / name) for name in HEAD_DIRS if (tsdb / name).is_dir())
    return Usage(
        path=str(tsdb),
        blocks=len(blocks),
        blocks_bytes=sum(b.size for b in blocks),
        head_bytes=head,
        total_bytes=dir_size(tsdb),
        min_time_ms=covered[0] if covered else None,
        max_time_ms=covered[1] if covered else None,
    )


def fractions(usage: Usage, size: str, keep: str) -> tuple[float, float]:
    """(bytes used / retention.size, block time span / retention.time)."""
    return (usage.blocks_bytes + usage.head_bytes) / parse_size(size), usage.span_seconds / parse_duration(
        keep
    )


def advice(usage: Usage, size: str, keep: str, warn_at: float = 0.85) -> list[str]:
    used, span = fractions(usage, size, keep)
    lines = [
        f"TSDB {usage.path}: {human_bytes(usage.blocks_bytes + usage.head_bytes)} of retention.size {size} ({used:.1%}); "
        f"{usage.blocks} blocks {human_bytes(usage.blocks_bytes)}, head (WAL + chunks_head) {human_bytes(usage.head_bytes)}",
    ]
    if usage.min_time_ms is not None and usage.max_time_ms is not None:
        lines.append(
            f"blocks cover {iso_ms(usage.min_time_ms)} .. {iso_ms(usage.max_time_ms)} = {human_seconds(usage.span_seconds)} "
            f"of retention.time {keep} ({span:.1%})"
        )
    else:
        lines.append("no completed block yet: all data is in the head (the first block is cut after ~3h)")
    if used >= warn_at:
        lines.append(
            f"WARNING: size-based retention will delete the oldest blocks soon: less than {keep} of history will be kept. "
            "Grow the volume (≥ 1.25 × retention.size) or lower cardinality (see the capacity page)."
        )
    if span > 1.05:
        lines.append(
            "NOTE: blocks older than retention.time remain until the next compaction cycle deletes them (every ~1h)."
        )
    lines.append(
        "safe without the admin API: nothing to delete by hand — never remove block directories while Prometheus runs; "
        "deleting series (and clean_tombstones) needs --web.enable-admin-api for the duration of the job."
    )
    return lines


def retention_from_stack(stack_yaml: Path) -> tuple[str, str]:
    """retention.size and retention.time from stack.yaml's Prometheus flags, read without a YAML library."""
    try:
        text = stack_yaml.read_text(encoding="utf-8")
    except OSError as exc:
        raise MaintenanceError(
            f"cannot read: {exc.strerror}", place=str(stack_yaml), exit_code=EXIT_USAGE
        ) from None
    size = re.search(r"storage\.tsdb\.retention\.size:\s*\"?([^\s\"#]+)", text)
    keep = re.search(r"storage\.tsdb\.retention\.time:\s*\"?([^\s\"#]+)", text)
    return (size.group(1) if size else "0B", keep.group(1) if keep else "15d")


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="retention_report.py", description=__doc__.split("\n")[0])
    parser.add_argument("--prometheus-data", type=Path, required=True)
    parser.add_argument("--stack", type=Path, help="read the retention flags from this stack.yaml")
    parser.add_argument("--retention-size", default="200GB")
    parser.add_argument("--retention-time", default="30d")
    parser.add_argument(
        "--warn-at", type=float, default=0.85, help="fraction of a limit that warns (default 0.85)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    size, keep = (
        retention_from_stack(args.stack) if args.stack else (args.retention_size, args.retention_time)
    )
    usage = measure(args.prometheus_data)
    used, span = fractions(usage, size, keep)
    if args.json:
        print(
            json.dumps(
                {
                    **asdict(usage),
                    "retention_size": size,
                    "retention_time": keep,
                    "size_used": used,
                    "time_used": span,
                },
                indent=1,
            )
        )
    else:
        print("\n".join(advice(usage, size, keep, args.warn_at)))
    return EXIT_FAILED if used >= args.warn_at else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
