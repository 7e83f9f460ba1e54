"""Ask the real ``amtool config routes test`` which receivers a label set reaches (the oracle).

amtool 0.25 prints the receivers comma-separated on one line, in delivery order, duplicates kept.
It takes one label set per call (about 10 ms), so ``amtool_receivers_many`` runs calls concurrently.
Limits: argv cannot carry NUL characters or lone surrogates, and a receiver name containing a comma
would be split; amtool needs label names matching ``[a-zA-Z_:][a-zA-Z0-9_:]*``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from validation.core.errors import ComponentUnavailable, HarnessError
from validation.provision.binaries import find_binary


def find_amtool() -> str | None:
    """Path of amtool on PATH, or None."""
    return find_binary(("amtool",)) or None


def label_argument(name: str, value: str) -> str:
    """``name="value"`` with the escapes amtool's matcher parser undoes."""
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return f'{name}="{escaped}"'


def amtool_receivers(
    config_file: Path, labels: Mapping[str, str], *, amtool: str | None = None, timeout: float = 10.0
) -> list[str]:
    binary = amtool or find_amtool()
    if binary is None:
        raise ComponentUnavailable("amtool not found on PATH", hint="install prometheus-alertmanager")
    args = [binary, "config", "routes", "test", f"--config.file={config_file}"]
    args += [label_argument(k, v) for k, v in sorted(labels.items())]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise HarnessError(
            f"amtool config routes test failed ({proc.returncode}): {proc.stderr.strip()[-500:]}",
            place=str(config_file),
            hint="run amtool check-config on the file",
        )
    return proc.stdout.strip().split(",") if proc.stdout.strip() else []


def amtool_receivers_many(
    config_file: Path, label_sets: Sequence[Mapping[str, str]], *, amtool: str | None = None
) -> list[list[str]]:
    """``amtool_receivers`` for each label set, run concurrently; results in input order."""
    workers = max(2, 2 * (os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda labels: amtool_receivers(config_file, labels, amtool=amtool), label_sets))
