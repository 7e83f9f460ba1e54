"""Reading a Prometheus TSDB directory from the outside: blocks, time range, size, whether it is in use.

A block is a directory named by a ULID holding ``meta.json``; it is immutable once written, and
compaction replaces blocks by new ones (writing ``<ulid>.tmp-for-creation`` first, renaming when
done, deleting the sources later). The head lives in ``wal/`` and ``chunks_head/``. Nothing here
writes to the directory.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
HEAD_DIRS = ("wal", "chunks_head")
NOT_BACKED_UP = ("lock", "queries.active", "snapshots")


@dataclass(frozen=True)
class Block:
    ulid: str
    min_time: int  # ms since the epoch, inclusive
    max_time: int  # ms, exclusive
    num_samples: int
    num_series: int
    compaction_level: int
    size: int

    def as_dict(self) -> dict[str, int | str]:
        return {
            "ulid": self.ulid,
            "min_time": self.min_time,
            "max_time": self.max_time,
            "num_samples": self.num_samples,
            "num_series": self.num_series,
            "compaction_level": self.compaction_level,
            "size": self.size,
        }


def is_block_dir(path: Path) -> bool:
    return bool(ULID.match(path.name)) and (path / "meta.json").is_file()


def read_block(path: Path) -> Block | None:
    """The block's meta.json; None when it is gone or half-written (compaction may be racing us)."""
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        stats = meta.get("stats", {})
        return Block(
            ulid=str(meta.get("ulid", path.name)),
            min_time=int(meta["minTime"]),
            max_time=int(meta["maxTime"]),
            num_samples=int(stats.get("numSamples", 0)),
            num_series=int(stats.get("numSeries", 0)),
            compaction_level=int(meta.get("compaction", {}).get("level", 1)),
            size=dir_size(path),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_blocks(tsdb: Path) -> list[Block]:
    if not tsdb.is_dir():
        return []
    blocks = [read_block(p) for p in sorted(tsdb.iterdir()) if is_block_dir(p)]
    return [b for b in blocks if b is not None]


def time_range(blocks: list[Block]) -> tuple[int, int] | None:
    if not blocks:
        return None
    return min(b.min_time for b in blocks), max(b.max_time for b in blocks)


def dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def ancestors(proc: Path = Path("/proc"), pid: int | None = None) -> set[int]:
    """This process and its parents (a shell, ``time``, ``sudo`` naming the path too are not holders)."""
    chain: set[int] = set()
    current = os.getpid() if pid is None else pid
    while current > 1 and current not in chain:
        chain.add(current)
        try:
            stat = (proc / str(current) / "stat").read_text()
            current = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return chain


def holders(data_path: Path, proc: Path = Path("/proc")) -> list[int]:
    """PIDs whose command line names ``data_path`` (e.g. ``--storage.tsdb.path=…``), other than this
    process and its ancestors; Linux /proc only."""
    wanted = {str(data_path.resolve()), str(data_path)}
    found: list[int] = []
    if not proc.is_dir():
        return found
    own = ancestors(proc)
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for arg in args:
            value = arg.decode("utf-8", "replace").split("=", 1)[-1].rstrip("/")
            if value in wanted:
                found.append(int(entry.name))
                break
    return sorted(found)


def lock_held(tsdb: Path) -> bool:
    """True when another process holds the flock on ``<tsdb>/lock`` (Prometheus without --storage.tsdb.no-lockfile)."""
    lock = tsdb / "lock"
    if not lock.is_file():
        return False
    try:
        with lock.open("rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK)
    return False
