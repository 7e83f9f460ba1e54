"""Run the components' own static tools (promtool, amtool) with a deadline."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from validation.components import tool_package
from validation.core.errors import HarnessError
from validation.provision.apt import install_hint
from validation.provision.binaries import require_binary


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_tool(name: str, args: list[str], cwd: Path | None = None, timeout: float = 60.0) -> ToolResult:
    binary = require_binary((name,), place=name, hint=install_hint(tool_package(name)))
    try:
        proc = subprocess.run(
            [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return ToolResult(124, f"{name} {' '.join(args)} timed out after {timeout:g}s")
    return ToolResult(proc.returncode, (proc.stdout + proc.stderr).strip())


def promtool_test_chunks(
    files: Sequence[Path | str], *, cwd: Path, promtool: str = "promtool", timeout: float = 120.0
) -> tuple[list[str], str]:
    """One ``promtool test rules`` call over ``files``: its merged output cut into one chunk per
    file, in order, and the whole output. Fewer chunks than files: promtool did not evaluate them
    all (the output says why). A call past ``timeout`` raises ``subprocess.TimeoutExpired``."""
    try:
        proc = subprocess.run(
            [promtool, "test", "rules", *[str(f) for f in files]],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise HarnessError(
            f"{promtool} not found",
            place="promtool",
            hint="install Prometheus' promtool (Debian: prometheus)",
        ) from None
    return re.split(r"^Unit Testing: .*$", proc.stdout, flags=re.MULTILINE)[1:], proc.stdout
