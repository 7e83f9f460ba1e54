"""Find processes a run left behind: anything whose command line names the run's directories."""

from __future__ import annotations

from pathlib import Path


def processes_mentioning(marker: str, *also: str) -> list[str]:
    """Processes whose command line contains ``marker`` and every one of ``also``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and all(m in cmdline for m in also):
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found
