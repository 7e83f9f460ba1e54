"""CPU seconds and resident memory of processes, read from /proc (Linux only).

``/proc/<pid>/stat`` gives utime and stime in clock ticks (fields 14 and 15, counted after the
command name, which may itself contain spaces and parentheses); ``/proc/<pid>/status`` gives
VmRSS in kB. Container processes are host processes too, so the same reading serves both
backends. A process that has exited reads as absent, not as zero.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class ProcUsage:
    cpu_seconds: float
    rss_bytes: int


def parse_stat_cpu(text: str, ticks: int = CLOCK_TICKS) -> float:
    """utime + stime of a /proc/<pid>/stat line, in seconds."""
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state); utime and stime are fields 14 and 15
    return (int(rest[11]) + int(rest[12])) / ticks


def parse_status_rss(text: str) -> int:
    """VmRSS of a /proc/<pid>/status text, in bytes (0 for kernel threads, which have none)."""
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            parts = line.split()
            return int(parts[1]) * 1024
    return 0


def read_usage(pid: int, proc: Path = Path("/proc")) -> ProcUsage | None:
    try:
        stat = (proc / str(pid) / "stat").read_text()
        status = (proc / str(pid) / "status").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return ProcUsage(parse_stat_cpu(stat), parse_status_rss(status))


def total_usage(pids: Iterable[int], proc: Path = Path("/proc")) -> ProcUsage | None:
    """Summed usage of ``pids``; None when none of them is alive."""
    found = [u for u in (read_usage(pid, proc) for pid in pids) if u is not None]
    if not found:
        return None
    return ProcUsage(sum(u.cpu_seconds for u in found), sum(u.rss_bytes for u in found))
