"""The one place that looks executables up on PATH and asks them their version.

Components (prometheus, alertmanager, …), their tools (promtool, amtool) and the Docker
daemon are all found here; ``which`` is injectable so provision can be tested without PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Sequence

from validation.core.errors import ComponentUnavailable

Which = Callable[[str], str | None]


def find_binary(names: Sequence[str], which: Which = shutil.which) -> str:
    """The path of the first of ``names`` on PATH; '' when none is."""
    for name in names:
        found = which(name)
        if found:
            return found
    return ""


def require_binary(names: Sequence[str], *, place: str, hint: str) -> str:
    """Like ``find_binary``, but a missing binary is a ``ComponentUnavailable`` with ``hint``
    (``apt.install_hint`` of the package that ships it)."""
    found = find_binary(names)
    if found:
        return found
    what = f"{names[0]} is not on PATH" if len(names) == 1 else f"none of {', '.join(names)} is on PATH"
    raise ComponentUnavailable(what, place=place, hint=hint)


def binary_version(binary: str) -> str:
    """The version the binary reports (``--version``), e.g. 2.42.0; '' when unknown."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    match = re.search(r"version\s+v?(\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return match.group(1) if match else ""
