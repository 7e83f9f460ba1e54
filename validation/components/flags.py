"""Command-line flags from stack.yaml → argument lists, with paths moved into the run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def flag_args(flags: dict[str, Any]) -> list[str]:
    """``{a: true, b: false, c: 5m, d: "", e: [x, y]}`` → ``--a --no-b --c=5m --d= --e=x --e=y``."""
    args: list[str] = []
    for name, value in flags.items():
        if isinstance(value, list):
            args += [f"--{name}={item}" for item in value]
        elif value is True:
            args.append(f"--{name}")
        elif value is False:
            args.append(f"--no-{name}")
        elif value is None:
            args.append(f"--{name}=")
        else:
            args.append(f"--{name}={value}")
    return args


def relocate_paths(flags: dict[str, Any], path_flags: tuple[str, ...], instance_dir: Path) -> dict[str, Any]:
    """Point every path flag inside ``instance_dir`` (never /var/lib/…), keeping the file name."""
    out = dict(flags)
    for name in path_flags:
        if name in out and out[name] not in (None, "", False):
            out[name] = str(instance_dir / Path(str(out[name])).name)
    return out
